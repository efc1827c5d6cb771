/* Training logs: CRC32C and protobuf encoding, TensorBoard event files read
 * back by an independent reader here (and by TensorBoard's own when it is
 * installed), the metrics CSV, sample grids and the progress line. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stb_image.h>

#include "core/error.h"
#include "core/tensor.h"
#include "data/image_grid.h"
#include "data/metrics_csv.h"
#include "data/protobuf.h"
#include "data/tensorboard.h"
#include "tests/test.h"

/* The tools/ sources are linked into bin/ganc only, not into the test runner, so the
 * progress bar is compiled into this test directly. */
#include "tools/progress.h"

/* ---- helpers ---- */

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(dir);
}

/* The whole file, NUL-terminated (NULL if unreadable); *size its length. */
static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        text = NULL;
    }
    fclose(f);
    if (text) text[n] = '\0';
    if (size) *size = (size_t)n;
    return text;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static bool message_has(const char *needle) { return strstr(ganc_error_message(), needle) != NULL; }

/* ---- CRC32C and protobuf wire format ---- */

TEST(logging_crc32c_vectors) {
    /* The CRC catalogue's check value, and the iSCSI vectors of RFC 3720 B.4. */
    CHECK(tb_crc32c("123456789", 9) == 0xE3069283u);
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    CHECK(tb_crc32c(buf, 32) == 0x8A9136AAu);
    memset(buf, 0xFF, sizeof buf);
    CHECK(tb_crc32c(buf, 32) == 0x62A8AB43u);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)i;
    CHECK(tb_crc32c(buf, 32) == 0x46DD794Eu);
    for (int i = 0; i < 32; i++) buf[i] = (uint8_t)(31 - i);
    CHECK(tb_crc32c(buf, 32) == 0x113FDB5Cu);
    CHECK(tb_crc32c(NULL, 0) == 0);
    /* masked_crc32c(b"123456789") from tensorboard.compat.tensorflow_stub.pywrap_tensorflow (2.21.0). */
    CHECK(tb_crc32c_mask(0xE3069283u) == 0xC78AB0E5u);
}

static bool bytes_are(const uint8_t *got, size_t n_got, const uint8_t *want, size_t n_want) {
    return n_got == n_want && memcmp(got, want, n_want) == 0;
}

TEST(logging_varint_known_values) {
    struct {
        uint64_t v;
        uint8_t bytes[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2}, /* the protobuf encoding guide's example */
        {16383, {0xff, 0x7f}, 2},
        {16384, {0x80, 0x80, 0x01}, 3},
        {1ull << 32, {0x80, 0x80, 0x80, 0x80, 0x10}, 5},
        {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[PB_VARINT_MAX];
        size_t n = pb_varint_encode(cases[i].v, out);
        CHECK_MSG(bytes_are(out, n, cases[i].bytes, cases[i].n), "varint of %llu", (unsigned long long)cases[i].v);
    }
}

TEST(logging_protobuf_fields) {
    pb_buf b = {0};
    /* The encoding guide's examples: field 1 = 150, field 2 = "testing". */
    pb_varint_field(&b, 1, 150);
    static const uint8_t f150[] = {0x08, 0x96, 0x01};
    CHECK(bytes_are(b.data, b.len, f150, sizeof f150));
    pb_reset(&b);
    pb_string_field(&b, 2, "testing");
    static const uint8_t ftesting[] = {0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'};
    CHECK(bytes_are(b.data, b.len, ftesting, sizeof ftesting));
    /* 1.0 as IEEE double 0x3FF0000000000000 and float 0x3F800000, little-endian. */
    pb_reset(&b);
    pb_double_field(&b, 1, 1.0);
    pb_float_field(&b, 2, 1.0f);
    static const uint8_t ffixed[] = {0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x15, 0, 0, 0x80, 0x3f};
    CHECK(bytes_are(b.data, b.len, ffixed, sizeof ffixed));
    /* int64 -1 is ten bytes; field 5 length-delimited gets key 0x2a. */
    pb_reset(&b);
    pb_varint_field(&b, 2, (uint64_t)(int64_t)-1);
    pb_bytes_field(&b, 5, "", 0);
    static const uint8_t fneg[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x2a, 0x00};
    CHECK(bytes_are(b.data, b.len, fneg, sizeof fneg));
    /* Growth past the first allocation keeps the contents. */
    pb_reset(&b);
    char big[300];
    memset(big, 'x', sizeof big);
    pb_bytes_field(&b, 1, big, sizeof big);
    CHECK(b.len == 3 + sizeof big && b.data[0] == 0x0a && b.data[1] == 0xac && b.data[2] == 0x02 && b.data[302] == 'x');
    CHECK(pb_check(&b, "test") == GANC_OK);
    pb_free(&b);
}

/* ---- an independent reader of event files ---- */

typedef struct {
    double wall_time;
    bool has_wall_time, has_step;
    int64_t step;
    char file_version[32];
    int session_status; /* SessionLog.status; 1 = START */
    int n_values;
    char tags[8][32];
    float values[8];
} event;

typedef struct {
    const uint8_t *p, *end;
    bool bad;
} pb_reader;

static uint64_t read_varint(pb_reader *r) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) break;
        uint8_t byte = *r->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return v;
    }
    r->bad = true;
    return 0;
}

static uint64_t read_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* One field: its number, wire type, and value (varint/fixed) or bytes. */
static bool read_field(pb_reader *r, int *field, int *wire, uint64_t *v, pb_reader *sub) {
    if (r->p >= r->end || r->bad) return false;
    uint64_t key = read_varint(r);
    *field = (int)(key >> 3), *wire = (int)(key & 7);
    size_t n = *wire == 1 ? 8 : *wire == 5 ? 4 : 0;
    if (*wire == 0) {
        *v = read_varint(r);
    } else if (*wire == 2) {
        n = read_varint(r);
        if ((size_t)(r->end - r->p) < n) return !(r->bad = true);
        *sub = (pb_reader){r->p, r->p + n, false};
        r->p += n;
        return !r->bad;
    } else if (n) {
        if ((size_t)(r->end - r->p) < n) return !(r->bad = true);
        *v = read_le(r->p, (int)n);
        r->p += n;
    } else {
        r->bad = true;
    }
    return !r->bad;
}

static bool parse_event(const uint8_t *data, size_t n, event *e) {
    memset(e, 0, sizeof *e);
    pb_reader r = {data, data + n, false}, sub;
    int field, wire;
    uint64_t v = 0;
    while (read_field(&r, &field, &wire, &v, &sub)) {
        if (field == 1 && wire == 1) {
            memcpy(&e->wall_time, &v, 8);
            e->has_wall_time = true;
        } else if (field == 2 && wire == 0) {
            e->step = (int64_t)v, e->has_step = true;
        } else if (field == 3 && wire == 2) {
            snprintf(e->file_version, sizeof e->file_version, "%.*s", (int)(sub.end - sub.p), (const char *)sub.p);
        } else if (field == 7 && wire == 2) {
            pb_reader status;
            if (!read_field(&sub, &field, &wire, &v, &status) || field != 1 || wire != 0) return false;
            e->session_status = (int)v;
        } else if (field == 5 && wire == 2) {
            pb_reader value;
            while (read_field(&sub, &field, &wire, &v, &value)) {
                if (field != 1 || wire != 2 || e->n_values == 8) return false;
                pb_reader tag;
                while (read_field(&value, &field, &wire, &v, &tag)) {
                    if (field == 1 && wire == 2)
                        snprintf(e->tags[e->n_values], 32, "%.*s", (int)(tag.end - tag.p), (const char *)tag.p);
                    else if (field == 2 && wire == 5) {
                        uint32_t bits = (uint32_t)v;
                        memcpy(&e->values[e->n_values], &bits, 4);
                    } else
                        return false;
                }
                if (value.bad) return false;
                e->n_values++;
            }
            if (sub.bad) return false;
        } else {
            return false;
        }
    }
    return !r.bad;
}

/* Reads every record of an event file, checking the framing and both CRCs;
 * returns the number of events (-1 on a framing or CRC error). */
static int read_events(const char *path, event *events, int max) {
    size_t size;
    uint8_t *data = (uint8_t *)slurp(path, &size);
    if (!data) return -1;
    int n = 0;
    size_t at = 0;
    while (at < size && n < max) {
        if (size - at < 12) break;
        uint64_t len = read_le(data + at, 8);
        if ((uint32_t)read_le(data + at + 8, 4) != tb_crc32c_mask(tb_crc32c(data + at, 8))) break;
        if (size - at - 12 < len + 4) break;
        const uint8_t *payload = data + at + 12;
        if ((uint32_t)read_le(payload + len, 4) != tb_crc32c_mask(tb_crc32c(payload, len))) break;
        if (!parse_event(payload, len, &events[n])) break;
        n++;
        at += 12 + len + 4;
    }
    free(data);
    return at == size ? n : -1;
}

static double unix_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- TensorBoard event files ---- */

TEST(logging_tfevents_roundtrip) {
    char dir[] = "/tmp/ganc_tb_test_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char logdir[64];
    snprintf(logdir, sizeof logdir, "%s/run", dir); /* created by the writer */
    double before = unix_now();
    tb_writer *w = tb_writer_open(logdir, -1);
    REQUIRE(w != NULL);
    const char *tags[] = {"loss/D_A", "loss/G_A", "lr"};
    double values[] = {0.25, -1.5, 2e-4};
    CHECK(tb_add_scalars(w, 100, tags, values, 3) == GANC_OK);
    CHECK(tb_add_scalar(w, "loss/D_A", 200, 1.0 / 3.0) == GANC_OK);
    CHECK(tb_add_scalar(w, "big_step", 5000000000ll, 7) == GANC_OK);
    CHECK(tb_flush(w) == GANC_OK);
    char path[256];
    snprintf(path, sizeof path, "%s", tb_writer_path(w));
    CHECK(tb_close(w) == GANC_OK);
    double after = unix_now();

    /* DIR/events.out.tfevents.<10 digits>.<hostname> */
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/events.out.tfevents.", logdir);
    CHECK(strncmp(path, prefix, strlen(prefix)) == 0);
    const char *stamp = path + strlen(prefix);
    long long seconds = strtoll(stamp, NULL, 10);
    CHECK(strlen(stamp) > 11 && stamp[10] == '.' && strcmp(stamp + 11, host) == 0);
    CHECK(seconds >= (long long)before - 1 && seconds <= (long long)after + 1);

    event ev[8];
    int n = read_events(path, ev, 8);
    REQUIRE(n == 5);
    CHECK(strcmp(ev[0].file_version, "brain.Event:2") == 0);
    CHECK(ev[0].has_wall_time && !ev[0].has_step && ev[0].n_values == 0 && ev[0].session_status == 0);
    CHECK(ev[0].wall_time >= before - 1e-3 && ev[0].wall_time <= after + 1e-3);
    /* A new run: SessionLog START at step 0. */
    CHECK(ev[1].session_status == 1 && ev[1].has_step && ev[1].step == 0 && ev[1].n_values == 0);
    CHECK(ev[2].has_step && ev[2].step == 100 && ev[2].n_values == 3 && ev[2].session_status == 0);
    for (int i = 0; i < 3; i++) {
        CHECK(strcmp(ev[2].tags[i], tags[i]) == 0);
        CHECK(ev[2].values[i] == (float)values[i]);
    }
    CHECK(ev[2].wall_time >= ev[0].wall_time && ev[2].wall_time <= after + 1e-3);
    CHECK(ev[3].step == 200 && ev[3].n_values == 1 && !strcmp(ev[3].tags[0], "loss/D_A"));
    CHECK(ev[3].values[0] == (float)(1.0 / 3.0));
    CHECK(ev[4].step == 5000000000ll && ev[4].values[0] == 7.0f && ev[4].file_version[0] == '\0');

    /* A second writer within the same second gets a file of its own. */
    tb_writer *w1 = tb_writer_open(logdir, -1), *w2 = tb_writer_open(logdir, 200);
    REQUIRE(w1 && w2);
    CHECK(strcmp(tb_writer_path(w1), tb_writer_path(w2)) != 0);
    CHECK(strcmp(tb_writer_path(w1), path) != 0);
    if (strncmp(tb_writer_path(w1), path, strlen(path)) == 0) /* the same second */
        CHECK(strcmp(tb_writer_path(w1) + strlen(path), ".01") == 0);
    snprintf(path, sizeof path, "%s", tb_writer_path(w2));
    CHECK(tb_close(w1) == GANC_OK && tb_close(w2) == GANC_OK);
    /* Resumed from the checkpoint of step 200: START at 201 (TensorBoard keeps the steps before it). */
    CHECK(read_events(path, ev, 8) == 2 && ev[1].session_status == 1 && ev[1].step == 201);
    remove_tree(logdir);
    rmdir(dir);
}

TEST(logging_tfevents_errors) {
    CHECK(tb_writer_open("", -1) == NULL && message_has("log dir is empty"));
    char dir[] = "/tmp/ganc_tb_err_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char file[64], nested[96];
    snprintf(file, sizeof file, "%s/plain", dir);
    write_text(file, "x");
    CHECK(tb_writer_open(file, -1) == NULL && message_has(file) && message_has("not a directory"));
    snprintf(nested, sizeof nested, "%s/missing/run", dir);
    CHECK(tb_writer_open(nested, -1) == NULL && message_has(nested) && message_has("cannot create log dir"));

    tb_writer *w = tb_writer_open(dir, -1);
    REQUIRE(w != NULL);
    const char *tags[] = {"ok", ""};
    double values[] = {1, 2};
    CHECK(tb_add_scalars(w, 3, tags, values, 2) == GANC_ERR_ARG && message_has("scalar 1 at step 3 has an empty tag") &&
          message_has(tb_writer_path(w)));
    CHECK(tb_add_scalars(w, 3, tags, values, 0) == GANC_ERR_ARG && message_has("no scalars"));
    CHECK(tb_add_scalar(NULL, "x", 1, 1) == GANC_ERR_ARG && message_has("writer is NULL"));
    CHECK(tb_close(w) == GANC_OK);
    CHECK(tb_close(NULL) == GANC_OK);
    remove_tree(dir);
}

/* Runs a command; its output (stdout and stderr) into out. Returns the exit status. */
static int run_command(const char *command, char *out, size_t size) {
    char full[1024];
    snprintf(full, sizeof full, "%s 2>&1", command);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    return pclose(p);
}

/* Appends the lines read_tfevents.py prints for loss/D_A and loss/G_A at `step`. */
static size_t want_losses(char *want, size_t size, size_t used, int step, double d, double g) {
    used += (size_t)snprintf(want + used, size - used, "scalar\tloss/D_A\t%d\t%.9g\n", step, (double)(float)d);
    return used + (size_t)snprintf(want + used, size - used, "scalar\tloss/G_A\t%d\t%.9g\n", step, (double)(float)g);
}

/* TensorBoard's own readers through tests/tools/read_tfevents.py, when Python
 * and tensorboard are installed: EventFileLoader (checks both CRCs) on one
 * file, and the EventAccumulator of `tensorboard --load_fast=false` on a run
 * resumed from a checkpoint, which must drop the superseded points. */
TEST(logging_tfevents_tensorboard_reader) {
    if (system("python3 -c 'import tensorboard' >/dev/null 2>&1") != 0)
        SKIP("python3 with tensorboard not installed (pip install tensorboard)");
    if (access("tests/tools/read_tfevents.py", R_OK) != 0)
        SKIP("tests/tools/read_tfevents.py not found: run from the repository root");
    char dir[] = "/tmp/ganc_tb_py_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    const char *tags[] = {"loss/D_A", "loss/G_A"};
    tb_writer *w = tb_writer_open(dir, -1);
    REQUIRE(w != NULL);
    for (int step = 0; step <= 300; step += 100) {
        double values[] = {1.0 / (step + 3), -0.5 * step};
        CHECK(tb_add_scalars(w, step, tags, values, 2) == GANC_OK);
    }
    CHECK(tb_add_scalar(w, "lr", 7, 2e-4) == GANC_OK);
    char command[512], got[4096], want[4096];
    snprintf(command, sizeof command, "python3 tests/tools/read_tfevents.py '%s'", tb_writer_path(w));
    CHECK(tb_close(w) == GANC_OK);

    size_t used = (size_t)snprintf(want, sizeof want, "file_version\tbrain.Event:2\nsession_start\t0\n");
    for (int step = 0; step <= 300; step += 100) used = want_losses(want, sizeof want, used, step, 1.0 / (step + 3), -0.5 * step);
    snprintf(want + used, sizeof want - used, "scalar\tlr\t7\t%.9g\n", (double)(float)2e-4);
    int status = run_command(command, got, sizeof got);
    CHECK_MSG(status == 0 && strcmp(got, want) == 0, "%s: exit %d, printed:\n%s\nexpected:\n%s", command, status, got,
              want);

    /* Resumed from the checkpoint of step 200: the old points at 300 give way to the new ones. */
    w = tb_writer_open(dir, 200);
    REQUIRE(w != NULL);
    for (int step = 300; step <= 400; step += 100) {
        double values[] = {10.0 + step, 20.0 + step};
        CHECK(tb_add_scalars(w, step, tags, values, 2) == GANC_OK);
    }
    CHECK(tb_close(w) == GANC_OK);
    used = 0;
    for (int tag = 0; tag < 2; tag++)
        for (int step = 0; step <= 400; step += 100) {
            double old = tag ? -0.5 * step : 1.0 / (step + 3), resumed = (tag ? 20.0 : 10.0) + step;
            used += (size_t)snprintf(want + used, sizeof want - used, "scalar\t%s\t%d\t%.9g\n", tags[tag], step,
                                     (double)(float)(step <= 200 ? old : resumed));
        }
    snprintf(want + used, sizeof want - used, "scalar\tlr\t7\t%.9g\n", (double)(float)2e-4);
    snprintf(command, sizeof command, "python3 tests/tools/read_tfevents.py --run '%s'", dir);
    status = run_command(command, got, sizeof got);
    CHECK_MSG(status == 0 && strcmp(got, want) == 0, "%s: exit %d, printed:\n%s\nexpected:\n%s", command, status, got,
              want);
    remove_tree(dir);
}

/* ---- metrics CSV ---- */

TEST(logging_csv_rows_and_resume) {
    char dir[] = "/tmp/ganc_csv_test_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    metrics_csv *m = metrics_csv_open(path, -1);
    REQUIRE(m != NULL);
    const char *names[] = {"D_A", "G_A", "cycle"};
    double v1[] = {0.25, 1.0 / 3.0, 12};
    CHECK(metrics_csv_append(m, 100, 12.5, names, v1, 3) == GANC_OK);
    /* Another order maps by name; a missing name leaves an empty cell. */
    const char *names2[] = {"cycle", "D_A"};
    double v2[] = {-2e-7, 0.5};
    CHECK(metrics_csv_append(m, 200, 1700000000.25, names2, v2, 2) == GANC_OK);
    double v3[] = {1, 2, 3};
    CHECK(metrics_csv_append(m, 300, 30, names, v3, 3) == GANC_OK);
    CHECK(metrics_csv_flush(m) == GANC_OK);
    CHECK(metrics_csv_close(m) == GANC_OK);
    static const char want[] = "step,wall_time,D_A,G_A,cycle\n"
                               "100,12.500,0.25,0.333333333,12\n"
                               "200,1700000000.250,0.5,,-2e-07\n"
                               "300,30.000,1,2,3\n";
    char *text = slurp(path, NULL);
    CHECK_MSG(text && strcmp(text, want) == 0, "got:\n%s", text ? text : "(unreadable)");
    free(text);

    /* Resuming from the checkpoint of step 200 cuts row 300 and a partly
     * written row, keeps the header and appends without repeating it. */
    FILE *f = fopen(path, "ab");
    REQUIRE(f != NULL);
    fputs("400,40.0,0.1", f);
    fclose(f);
    m = metrics_csv_open(path, 200);
    REQUIRE(m != NULL);
    double v4[] = {7, 8, 9};
    CHECK(metrics_csv_append(m, 210, 31, names, v4, 3) == GANC_OK);
    CHECK(metrics_csv_close(m) == GANC_OK);
    static const char want_resumed[] = "step,wall_time,D_A,G_A,cycle\n"
                                       "100,12.500,0.25,0.333333333,12\n"
                                       "200,1700000000.250,0.5,,-2e-07\n"
                                       "210,31.000,7,8,9\n";
    text = slurp(path, NULL);
    CHECK_MSG(text && strcmp(text, want_resumed) == 0, "got:\n%s", text ? text : "(unreadable)");
    free(text);

    /* A resume past the end keeps everything; a resume without a file starts one. */
    m = metrics_csv_open(path, 100000);
    REQUIRE(m != NULL);
    CHECK(metrics_csv_close(m) == GANC_OK);
    text = slurp(path, NULL);
    CHECK(text && strcmp(text, want_resumed) == 0);
    free(text);
    remove(path);
    m = metrics_csv_open(path, 50);
    REQUIRE(m != NULL);
    CHECK(metrics_csv_append(m, 60, 1, names, v4, 1) == GANC_OK);
    CHECK(metrics_csv_close(m) == GANC_OK);
    text = slurp(path, NULL);
    CHECK(text && strcmp(text, "step,wall_time,D_A\n60,1.000,7\n") == 0);
    free(text);

    /* A header cut short by a crash starts the file over. */
    write_text(path, "step,wall_ti");
    m = metrics_csv_open(path, 50);
    REQUIRE(m != NULL);
    CHECK(metrics_csv_append(m, 60, 1, names + 1, v4, 1) == GANC_OK);
    CHECK(metrics_csv_close(m) == GANC_OK);
    text = slurp(path, NULL);
    CHECK(text && strcmp(text, "step,wall_time,G_A\n60,1.000,7\n") == 0);
    free(text);
    remove_tree(dir);
}

TEST(logging_csv_errors) {
    CHECK(metrics_csv_open("", -1) == NULL && message_has("path is empty"));
    CHECK(metrics_csv_open("/nonexistent_dir_ganc/m.csv", -1) == NULL && message_has("/nonexistent_dir_ganc/m.csv") &&
          message_has("cannot open"));
    char dir[] = "/tmp/ganc_csv_err_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/m.csv", dir);

    write_text(path, "iteration,loss\n1,2\n");
    CHECK(metrics_csv_open(path, 5) == NULL && message_has(path) && message_has(":1: expected a header"));
    write_text(path, "step,wall_time,D\n1,0.5,2\nabc,1,2\n");
    CHECK(metrics_csv_open(path, 5) == NULL && message_has(":3: expected a step number"));

    metrics_csv *m = metrics_csv_open(path, -1);
    REQUIRE(m != NULL);
    double v[] = {1, 2};
    const char *comma[] = {"a,b"}, *reserved[] = {"step"}, *twice[] = {"D", "D"}, *empty[] = {""};
    CHECK(metrics_csv_append(m, 1, 0, comma, v, 1) == GANC_ERR_ARG && message_has("\"a,b\" contains a comma"));
    CHECK(metrics_csv_append(m, 1, 0, reserved, v, 1) == GANC_ERR_ARG && message_has("\"step\" is a reserved column"));
    CHECK(metrics_csv_append(m, 1, 0, twice, v, 2) == GANC_ERR_ARG && message_has("\"D\" given twice at step 1"));
    CHECK(metrics_csv_append(m, 1, 0, empty, v, 1) == GANC_ERR_ARG && message_has("name 0 is empty"));
    const char *first[] = {"D", "G"}, *other[] = {"G", "cycle"};
    CHECK(metrics_csv_append(m, 1, 0, first, v, 2) == GANC_OK);
    CHECK(metrics_csv_append(m, 2, 0, other, v, 2) == GANC_ERR_ARG &&
          message_has("\"cycle\" is not a column of the header (step,wall_time,D,G)") && message_has(path));
    CHECK(metrics_csv_append(NULL, 2, 0, other, v, 2) == GANC_ERR_ARG);
    CHECK(metrics_csv_close(m) == GANC_OK);
    char *text = slurp(path, NULL); /* rejected rows wrote nothing */
    CHECK(text && strcmp(text, "step,wall_time,D,G\n1,0.000,1,2\n") == 0);
    free(text);
    remove_tree(dir);
}

/* ---- sample grids ---- */

TEST(logging_grid_pixels) {
    char dir[] = "/tmp/ganc_grid_test_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[64], tmp[80];
    snprintf(path, sizeof path, "%s/sample.png", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    enum { N = 2, H = 3, W = 4, HW = H * W };
    real a[N * 3 * HW], b[N * 3 * HW];
    for (int i = 0; i < N * 3 * HW; i++) a[i] = -1, b[i] = 1;
    /* Known spots: image a, sample 1, pixel (y 2, x 3): R 0, G 0.5, B NaN;
     * image b, sample 0, pixel (0, 1): R 3 (clamped), G -0.999, B 0.0039. */
    a[(1 * 3 + 0) * HW + 2 * W + 3] = 0;
    a[(1 * 3 + 1) * HW + 2 * W + 3] = 0.5;
    a[(1 * 3 + 2) * HW + 2 * W + 3] = NAN;
    b[(0 * 3 + 0) * HW + 0 * W + 1] = 3;
    b[(0 * 3 + 1) * HW + 0 * W + 1] = (real)-0.999;
    b[(0 * 3 + 2) * HW + 0 * W + 1] = (real)0.0039;
    const real *images[] = {a, b};
    REQUIRE(image_grid_write(path, images, 2, N, 3, H, W) == GANC_OK);
    CHECK(access(tmp, F_OK) != 0);
    int gw, gh, comp;
    uint8_t *px = stbi_load(path, &gw, &gh, &comp, 3);
    REQUIRE(px != NULL);
    /* Width 2 * 4 + gap 2, height 2 * 3 + gap 2. */
    CHECK(gw == 10 && gh == 8);
#define PX(x, y, k) px[((y) * gw + (x)) * 3 + (k)]
    CHECK(PX(0, 0, 0) == 0 && PX(0, 0, 1) == 0 && PX(0, 0, 2) == 0);     /* a: -1 */
    CHECK(PX(6, 0, 0) == 255 && PX(9, 7, 2) == 255);                    /* b: 1 */
    CHECK(PX(4, 0, 0) == 255 && PX(5, 4, 1) == 255 && PX(0, 3, 0) == 255 && PX(2, 4, 2) == 255); /* gaps */
    /* Sample 1 starts at y = 3 + 2; pixel (2, 3) of a is at (3, 7). 0 -> 127.5 + 0.5 -> 128;
     * 0.5 -> 191.25 + 0.5 -> 191; NaN -> 0. */
    CHECK(PX(3, 7, 0) == 128 && PX(3, 7, 1) == 191 && PX(3, 7, 2) == 0);
    /* b's pixel (0, 1) at x = 4 + 2 + 1: 3 -> 255; -0.999 -> 0.1275 + 0.5 -> 0; 0.0039 -> 128.0 -> 128. */
    CHECK(PX(7, 0, 0) == 255 && PX(7, 0, 1) == 0 && PX(7, 0, 2) == 128);
    stbi_image_free(px);

    /* One channel shows grey: (1,1,1,2) with values -1/3 and 1. */
    real mask[2] = {(real)(-1.0 / 3.0), 1};
    const real *one[] = {mask};
    REQUIRE(image_grid_write(path, one, 1, 1, 1, 1, 2) == GANC_OK);
    px = stbi_load(path, &gw, &gh, &comp, 3);
    REQUIRE(px != NULL);
    CHECK(gw == 2 && gh == 1);
    /* -1/3 -> 85 + 0.5 -> 85 */
    CHECK(PX(0, 0, 0) == 85 && PX(0, 0, 1) == 85 && PX(0, 0, 2) == 85 && PX(1, 0, 1) == 255);
#undef PX
    stbi_image_free(px);
    remove_tree(dir);
}

TEST(logging_grid_tensors_and_errors) {
    char dir[] = "/tmp/ganc_grid_err_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/s.png", dir);
    int shape[] = {4, 3, 5, 6}, other[] = {4, 3, 5, 7}, flat[] = {4, 90};
    tensor *a = tensor_new(4, shape, "real_A"), *b = tensor_new(4, shape, "fake_B"), *c = tensor_new(4, other, "rec_A");
    tensor *d = tensor_new(2, flat, "flat");
    REQUIRE(a && b && c && d);
    const tensor *ok[] = {a, b};
    REQUIRE(image_grid_write_tensors(path, ok, 2, 3) == GANC_OK);
    int gw, gh, comp;
    uint8_t *px = stbi_load(path, &gw, &gh, &comp, 3);
    REQUIRE(px != NULL);
    CHECK(gw == 2 * 6 + 2 && gh == 3 * 5 + 2 * 2); /* 3 of the 4 rows */
    CHECK(px[0] == 128);                           /* zeros -> mid grey */
    stbi_image_free(px);

    const tensor *mismatch[] = {a, c};
    CHECK(image_grid_write_tensors(path, mismatch, 2, 0) == GANC_ERR_SHAPE && message_has("tensor 1 (rec_A)") &&
          message_has("(4,3,5,7)") && message_has("real_A") && message_has(path));
    const tensor *wrong_rank[] = {d};
    CHECK(image_grid_write_tensors(path, wrong_rank, 1, 0) == GANC_ERR_SHAPE && message_has("(flat) has shape (4,90)"));
    CHECK(image_grid_write_tensors(path, ok, 0, 0) == GANC_ERR_ARG && message_has("expected 1 to 64 tensors"));

    const real *data[] = {a->data};
    CHECK(image_grid_write(path, data, 1, 4, 2, 5, 6) == GANC_ERR_ARG && message_has("c = 1 or 3") &&
          message_has("(4,2,5,6)"));
    CHECK(image_grid_write(path, data, 1, 1, 3, 40000, 40000) == GANC_ERR_ARG && message_has("too large"));
    char missing[96];
    snprintf(missing, sizeof missing, "%s/no_such_dir/s.png", dir);
    CHECK(image_grid_write(missing, data, 1, 4, 3, 5, 6) == GANC_ERR_IO && message_has("cannot write") &&
          message_has(missing));
    tensor_free(a), tensor_free(b), tensor_free(c), tensor_free(d);
    remove_tree(dir);
}

/* ---- progress line ---- */

/* What a progress printed to a temporary file. */
static char *captured(FILE *f) {
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *text = calloc((size_t)n + 1, 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) text[0] = '\0';
    return text;
}

static int count_char(const char *s, char c) {
    int n = 0;
    for (; *s; s++) n += *s == c;
    return n;
}

TEST(logging_progress_plain_lines) {
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    progress p;
    progress_init(&p, f, 10);
    CHECK(!p.tty);
    const char *names[] = {"D_A", "G_A"};
    /* Two steps per second: the window rate is 2.0 and the ETA (25 - 10) / 2 = 7.5 s, shown rounded. */
    for (long step = 1; step <= 25; step++) {
        double values[] = {0.2514, 0.6129 + (double)step};
        progress_update_at(&p, 0.5 * (double)step, step, 25, names, values, 2);
    }
    progress_finish(&p);
    char *text = captured(f);
    static const char want[] = "step 10/25 2.0 it/s ETA 8s  D_A 0.251 G_A 10.6\n"
                               "step 20/25 2.0 it/s ETA 3s  D_A 0.251 G_A 20.6\n"
                               "step 25/25 2.0 it/s ETA 0s  D_A 0.251 G_A 25.6\n";
    CHECK_MSG(text && strcmp(text, want) == 0, "got:\n%s", text ? text : "");
    free(text);
    fclose(f);
}

TEST(logging_progress_tty_redraw) {
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    progress p;
    progress_init(&p, f, 10);
    p.tty = true, p.columns = 100;
    const char *names[] = {"loss"};
    double values[] = {0.5};
    /* 1000 steps at 100 it/s take 10 s: about one redraw per 0.1 s, not one per step. */
    for (long step = 1; step <= 1000; step++) progress_update_at(&p, 0.01 * (double)step, step, 1000, names, values, 1);
    char *text = captured(f);
    REQUIRE(text != NULL);
    int draws = count_char(text, '\r');
    CHECK_MSG(draws >= 90 && draws <= 102, "%d redraws", draws);
    CHECK(count_char(text, '\n') == 0);
    const char *last = strrchr(text, '\r');
    CHECK(last && strcmp(last, "\rstep 1000/1000 [##########] 100.0 it/s ETA 0s  loss 0.5\x1b[K") == 0);
    CHECK(strstr(text, "/1000 [#####.....] 100.0 it/s ETA 5s  loss 0.5\x1b[K\rstep 5"));
    free(text);

    /* A message clears the line, prints, and the bar comes back at the next update. */
    rewind(f);
    progress_message(&p, "saved %s", "ckpt_1000");
    progress_update_at(&p, 11, 1000, 1000, names, values, 1);
    progress_finish(&p);
    long end = ftell(f);
    text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    CHECK(strncmp(text, "\r\x1b[Ksaved ckpt_1000\n\rstep 1000/1000", 34) == 0);
    CHECK(end > 0 && text[end - 1] == '\n');
    free(text);

    /* A narrow terminal: every drawn row is cut to columns - 1, the losses go on a row of their own. */
    rewind(f);
    progress_init(&p, f, 1);
    p.tty = true, p.columns = 24;
    progress_update_at(&p, 0, 5, 1000, names, values, 1);
    end = ftell(f);
    text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    CHECK_MSG(strcmp(text, "\rstep 5/1000 [..........\x1b[K\n  loss 0.5\x1b[K") == 0, "got %s", text);
    free(text);
    fclose(f);
}

/* Splits the last redraw (after the last \r) of `text` into rows at \n, dropping escape sequences. */
static int last_rows(const char *text, char rows[][256], int max_rows) {
    const char *s = strrchr(text, '\r');
    int n = 0;
    size_t used = 0;
    if (!s) return 0;
    rows[0][0] = '\0';
    for (s++; *s && n < max_rows; s++) {
        if (*s == '\x1b') {
            while (*s && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) s++;
            if (!*s) break;
            continue;
        }
        if (*s == '\n') {
            if (++n == max_rows) break;
            used = 0;
            rows[n][0] = '\0';
            continue;
        }
        if (used + 1 < 256) rows[n][used++] = *s, rows[n][used] = '\0';
    }
    return n < max_rows ? n + 1 : n;
}

/* CycleGAN's eight losses on an 80-column terminal: every one is shown (on
 * rows below the head, none wider than 79 columns), with epoch and lr; a
 * redraw goes back up over the rows it drew, and a message clears them. */
TEST(logging_progress_tty_fits_width) {
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    progress p;
    progress_init(&p, f, 10);
    p.tty = true, p.columns = 80;
    const char *names[] = {"D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"};
    double values[] = {0.2514, 0.6129, 1.2345, 0.5678, 0.2487, 0.5991, 1.1872, 0.6021};
    progress_set_epoch(&p, 7, 20);
    progress_set_lr(&p, "0.0002");
    progress_update_at(&p, 1, 620, 2000, names, values, 8);
    progress_update_at(&p, 2, 640, 2000, names, values, 8);
    long end = ftell(f);
    char *text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    char rows[PROGRESS_ROWS][256];
    int n_rows = last_rows(text, rows, PROGRESS_ROWS);
    /* The head takes 67 columns; the 87 columns of losses go on two rows below it. */
    CHECK_MSG(n_rows == 3, "%d rows", n_rows);
    CHECK_MSG(strncmp(rows[0], "step 640/2000 epoch 7/20 [###.......] ", 38) == 0, "got %s", rows[0]);
    CHECK_MSG(strstr(rows[0], " lr 0.0002"), "got %s", rows[0]);
    /* The losses do not all fit after the head: they start a row of their own. */
    CHECK_MSG(strncmp(rows[1], "  D_A 0.251 G_A 0.613 ", 22) == 0, "got %s", rows[1]);
    for (int r = 0; r < n_rows; r++) CHECK_MSG(strlen(rows[r]) <= 79, "row %d is %zu wide", r, strlen(rows[r]));
    char all[1024] = "";
    for (int r = 0; r < n_rows; r++) strcat(all, rows[r]), strcat(all, " ");
    for (int i = 0; i < 8; i++) {
        char item[64];
        snprintf(item, sizeof item, " %s %.3g ", names[i], values[i]);
        CHECK_MSG(strstr(all, item), "%s missing from %s", item, all);
    }
    /* The second draw starts two rows up, over the first. */
    CHECK(strstr(text, "\x1b[K\x1b[2A\rstep 640/2000"));
    free(text);

    rewind(f);
    progress_message(&p, "checkpoint saved");
    progress_finish(&p);
    end = ftell(f);
    text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    CHECK_MSG(strcmp(text, "\x1b[2A\r\x1b[Jcheckpoint saved\n") == 0, "got %s", text);
    free(text);
    fclose(f);

    /* Not a terminal: one line with everything, at log steps only. */
    f = tmpfile();
    REQUIRE(f != NULL);
    progress_init(&p, f, 10);
    progress_set_epoch(&p, 1, 3);
    progress_set_lr(&p, "0.0002/0.0001");
    progress_update_at(&p, 0, 10, 30, names, values, 2);
    end = ftell(f);
    text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    CHECK_MSG(strcmp(text, "step 10/30 epoch 1/3 -- it/s ETA -- lr 0.0002/0.0001  D_A 0.251 G_A 0.613\n") == 0,
              "got %s", text);
    free(text);
    fclose(f);
}

/* Where the terminal cannot be asked, $COLUMNS gives the width. */
TEST(logging_progress_columns_env) {
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    char *saved = getenv("COLUMNS") ? strdup(getenv("COLUMNS")) : NULL;
    setenv("COLUMNS", "132", 1);
    progress p;
    progress_init(&p, f, 10);
    CHECK(p.columns == 132);
    setenv("COLUMNS", "wide", 1);
    progress_init(&p, f, 10);
    CHECK(p.columns == 80);
    if (saved) setenv("COLUMNS", saved, 1);
    else unsetenv("COLUMNS");
    free(saved);
    fclose(f);
}

TEST(logging_progress_rate_window) {
    FILE *f = tmpfile();
    REQUIRE(f != NULL);
    progress p;
    progress_init(&p, f, 1000000);
    CHECK(progress_rate(&p) == 0);
    /* A slow first step (start-up) then 4 steps per second: the window forgets the start. */
    double t = 30;
    for (long step = 1; step <= 40; step++, t += 0.25) progress_update_at(&p, t, step, 100000, NULL, NULL, 0);
    CHECK_NEAR(progress_rate(&p), 4.0, 1e-9);
    /* The speed drops to one step every 10 s: shown as s/it, ETA in hours. */
    for (long step = 41; step <= 60; step++, t += 10) progress_update_at(&p, t, step, 1000, NULL, NULL, 0);
    CHECK_NEAR(progress_rate(&p), 0.1, 1e-9);
    p.log_every = 1;
    progress_update_at(&p, t + 10, 62, 1000, NULL, NULL, 0);
    long end = ftell(f);
    char *text = captured(f);
    REQUIRE(text != NULL);
    text[end] = '\0';
    /* (1000 - 62) steps at 10 s = 9380 s = 2h36m20s. */
    CHECK_MSG(strcmp(text, "step 62/1000 10.0 s/it ETA 2h36m\n") == 0, "got %s", text);
    free(text);
    /* A count that starts again (a second phase) restarts the window. */
    progress_update_at(&p, t + 20, 1, 50, NULL, NULL, 0);
    CHECK(progress_rate(&p) == 0);
    fclose(f);
}
