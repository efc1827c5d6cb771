#include "data/tensorboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/protobuf.h"

/* Field numbers of tensorflow/core/util/event.proto and summary.proto. */
enum { EVENT_WALL_TIME = 1, EVENT_STEP = 2, EVENT_FILE_VERSION = 3, EVENT_SUMMARY = 5, EVENT_SESSION_LOG = 7 };
enum { SESSION_LOG_STATUS = 1, SESSION_LOG_START = 1 };
enum { SUMMARY_VALUE = 1 };
enum { VALUE_TAG = 1, VALUE_SIMPLE_VALUE = 2 };

struct tb_writer {
    FILE *f;
    char *path;
    pb_buf event, summary, value; /* reused between events */
    ganc_status status;           /* first write error, reported again by tb_close */
};

uint32_t tb_crc32c(const void *data, size_t n) {
    /* Bitwise: event records are tens of bytes, so a table buys nothing. */
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

uint32_t tb_crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void put_le(uint8_t *out, uint64_t v, int n_bytes) {
    for (int i = 0; i < n_bytes; i++) out[i] = (uint8_t)(v >> (8 * i));
}

static ganc_status write_record(tb_writer *w, const pb_buf *payload) {
    uint8_t head[12], foot[4];
    put_le(head, payload->len, 8);
    put_le(head + 8, tb_crc32c_mask(tb_crc32c(head, 8)), 4);
    put_le(foot, tb_crc32c_mask(tb_crc32c(payload->data, payload->len)), 4);
    if (fwrite(head, 1, sizeof head, w->f) != sizeof head ||
        fwrite(payload->data, 1, payload->len, w->f) != payload->len ||
        fwrite(foot, 1, sizeof foot, w->f) != sizeof foot)
        w->status = GANC_ERR(GANC_ERR_IO, "tensorboard: cannot write %s: %s", w->path, strerror(errno));
    return w->status;
}

static ganc_status make_dir(const char *dir) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return GANC_OK;
        return GANC_ERR(GANC_ERR_IO, "tensorboard: log dir %s exists and is not a directory", dir);
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return GANC_ERR(GANC_ERR_IO, "tensorboard: cannot create log dir %s: %s", dir, strerror(errno));
    return GANC_OK;
}

/* Opens a new event file with O_EXCL, so an existing file is never appended to. */
static ganc_status create_file(tb_writer *w, const char *dir) {
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    long long seconds = (long long)time(NULL);
    size_t size = strlen(dir) + strlen(host) + 64;
    w->path = malloc(size);
    if (!w->path) return GANC_ERR(GANC_ERR_MEMORY, "tensorboard: out of memory for a path in %s", dir);
    int len = snprintf(w->path, size, "%s/events.out.tfevents.%010lld.%s", dir, seconds, host);
    /* Two digits keep the name order (in which TensorBoard reads files) the order of creation. */
    for (int attempt = 0; attempt < 100; attempt++) {
        if (attempt) snprintf(w->path + len, size - (size_t)len, ".%02d", attempt);
        int fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) return GANC_ERR(GANC_ERR_IO, "tensorboard: cannot create %s: %s", w->path, strerror(errno));
        w->f = fdopen(fd, "wb");
        if (!w->f) {
            close(fd);
            return GANC_ERR(GANC_ERR_IO, "tensorboard: cannot open %s: %s", w->path, strerror(errno));
        }
        return GANC_OK;
    }
    w->path[len] = '\0';
    return GANC_ERR(GANC_ERR_IO, "tensorboard: 100 event files named %s* exist already", w->path);
}

/* A SessionLog START event. TensorBoard drops the points at `step` and later
 * that it has read before it (from earlier files of the run): the rest of a
 * run that was resumed from an earlier checkpoint. Its Python loader takes a
 * run's first START as the start, not a restart, so every file begins with
 * one. */
static ganc_status write_session_start(tb_writer *w, int64_t step) {
    pb_reset(&w->value);
    pb_varint_field(&w->value, SESSION_LOG_STATUS, SESSION_LOG_START);
    pb_reset(&w->event);
    pb_double_field(&w->event, EVENT_WALL_TIME, now_seconds());
    pb_varint_field(&w->event, EVENT_STEP, (uint64_t)step);
    pb_bytes_field(&w->event, EVENT_SESSION_LOG, w->value.data, w->value.len);
    ganc_status st = pb_check(&w->value, w->path);
    if (!st) st = pb_check(&w->event, w->path);
    return st ? st : write_record(w, &w->event);
}

tb_writer *tb_writer_open(const char *dir, int64_t resume_step) {
    if (!dir || !dir[0]) {
        GANC_ERR(GANC_ERR_ARG, "tensorboard: the log dir is empty");
        return NULL;
    }
    if (make_dir(dir)) return NULL;
    tb_writer *w = calloc(1, sizeof *w);
    if (!w) {
        GANC_ERR(GANC_ERR_MEMORY, "tensorboard: out of memory opening a writer in %s", dir);
        return NULL;
    }
    ganc_status st = create_file(w, dir);
    if (!st) {
        pb_double_field(&w->event, EVENT_WALL_TIME, now_seconds());
        pb_string_field(&w->event, EVENT_FILE_VERSION, "brain.Event:2");
        st = pb_check(&w->event, w->path);
    }
    /* Flushed at once so that TensorBoard sees a valid file from the start. */
    if (!st) st = write_record(w, &w->event);
    if (!st) st = write_session_start(w, resume_step < 0 ? 0 : resume_step + 1);
    if (!st) st = tb_flush(w);
    if (st) {
        tb_close(w);
        return NULL;
    }
    return w;
}

const char *tb_writer_path(const tb_writer *w) { return w->path; }

ganc_status tb_add_scalars(tb_writer *w, int64_t step, const char *const *tags, const double *values, int n) {
    if (!w) return GANC_ERR(GANC_ERR_ARG, "tensorboard: writer is NULL");
    if (w->status) return w->status;
    if (n < 1 || !tags || !values) return GANC_ERR(GANC_ERR_ARG, "tensorboard: %s: no scalars given (n = %d)", w->path, n);
    pb_reset(&w->summary);
    for (int i = 0; i < n; i++) {
        if (!tags[i] || !tags[i][0])
            return GANC_ERR(GANC_ERR_ARG, "tensorboard: %s: scalar %d at step %lld has an empty tag", w->path, i,
                            (long long)step);
        pb_reset(&w->value);
        pb_string_field(&w->value, VALUE_TAG, tags[i]);
        pb_float_field(&w->value, VALUE_SIMPLE_VALUE, (float)values[i]);
        pb_bytes_field(&w->summary, SUMMARY_VALUE, w->value.data, w->value.len);
    }
    pb_reset(&w->event);
    pb_double_field(&w->event, EVENT_WALL_TIME, now_seconds());
    pb_varint_field(&w->event, EVENT_STEP, (uint64_t)step);
    pb_bytes_field(&w->event, EVENT_SUMMARY, w->summary.data, w->summary.len);
    ganc_status st = pb_check(&w->value, w->path);
    if (!st) st = pb_check(&w->summary, w->path);
    if (!st) st = pb_check(&w->event, w->path);
    return st ? st : write_record(w, &w->event);
}

ganc_status tb_add_scalar(tb_writer *w, const char *tag, int64_t step, double value) {
    return tb_add_scalars(w, step, &tag, &value, 1);
}

ganc_status tb_flush(tb_writer *w) {
    if (!w) return GANC_ERR(GANC_ERR_ARG, "tensorboard: writer is NULL");
    if (!w->status && fflush(w->f) != 0)
        w->status = GANC_ERR(GANC_ERR_IO, "tensorboard: cannot write %s: %s", w->path, strerror(errno));
    return w->status;
}

ganc_status tb_close(tb_writer *w) {
    if (!w) return GANC_OK;
    ganc_status st = w->status;
    if (w->f) {
        if (fclose(w->f) != 0 && !st)
            st = GANC_ERR(GANC_ERR_IO, "tensorboard: cannot write %s: %s", w->path, strerror(errno));
    }
    pb_free(&w->event);
    pb_free(&w->summary);
    pb_free(&w->value);
    free(w->path);
    free(w);
    return st;
}
