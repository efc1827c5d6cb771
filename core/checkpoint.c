#include "core/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/backend.h"
#include "core/file_open.h"

struct checkpoint {
    char *origin;
    checkpoint_tensor *tensors;
    size_t n, cap;
    safetensors_meta *meta;
    size_t n_meta, cap_meta;
};

static const char *origin_of(const checkpoint *ck) { return ck->origin ? ck->origin : "(memory)"; }

checkpoint *checkpoint_new(void) {
    checkpoint *ck = calloc(1, sizeof *ck);
    if (!ck) GANC_ERR(GANC_ERR_MEMORY, "checkpoint: out of memory");
    return ck;
}

void checkpoint_free(checkpoint *ck) {
    if (!ck) return;
    for (size_t i = 0; i < ck->n; i++) {
        free(ck->tensors[i].name);
        free(ck->tensors[i].data);
    }
    for (size_t i = 0; i < ck->n_meta; i++) {
        free(ck->meta[i].key);
        free(ck->meta[i].value);
    }
    free(ck->tensors);
    free(ck->meta);
    free(ck->origin);
    free(ck);
}

size_t checkpoint_count(const checkpoint *ck) { return ck->n; }
const checkpoint_tensor *checkpoint_at(const checkpoint *ck, size_t i) { return i < ck->n ? &ck->tensors[i] : NULL; }
const char *checkpoint_origin(const checkpoint *ck) { return origin_of(ck); }

static checkpoint_tensor *find(const checkpoint *ck, const char *name) {
    for (size_t i = 0; i < ck->n; i++)
        if (strcmp(ck->tensors[i].name, name) == 0) return &ck->tensors[i];
    return NULL;
}

const checkpoint_tensor *checkpoint_find(const checkpoint *ck, const char *name) { return find(ck, name); }

ganc_status checkpoint_set_int64(checkpoint *ck, const char *name) {
    checkpoint_tensor *t = find(ck, name);
    if (!t) return GANC_ERR(GANC_ERR_ARG, "checkpoint %s has no tensor %s to store as int64", origin_of(ck), name);
    t->dtype = SAFETENSORS_I64;
    return GANC_OK;
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* A new entry with uninitialised values; NULL with an error. */
static checkpoint_tensor *add_entry(checkpoint *ck, const char *name, int ndim, const int64_t *shape) {
    if (!name[0] || strcmp(name, "__metadata__") == 0) {
        GANC_ERR(GANC_ERR_ARG, "checkpoint %s: \"%s\" cannot name a tensor", origin_of(ck), name);
        return NULL;
    }
    if (ndim < 0 || ndim > SAFETENSORS_MAX_DIM) {
        GANC_ERR(GANC_ERR_SHAPE, "checkpoint %s: tensor \"%s\" has %d dimensions; at most %d fit", origin_of(ck), name,
                 ndim, SAFETENSORS_MAX_DIM);
        return NULL;
    }
    size_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            GANC_ERR(GANC_ERR_SHAPE, "checkpoint %s: tensor \"%s\" has dimension %d = %" PRId64, origin_of(ck), name, i,
                     shape[i]);
            return NULL;
        }
        numel *= (size_t)shape[i];
    }
    if (find(ck, name)) {
        GANC_ERR(GANC_ERR_ARG, "checkpoint %s: tensor \"%s\" added twice", origin_of(ck), name);
        return NULL;
    }
    if (ck->n == ck->cap) {
        size_t cap = ck->cap ? 2 * ck->cap : 32;
        checkpoint_tensor *grown = realloc(ck->tensors, cap * sizeof *grown);
        if (!grown) goto oom;
        ck->tensors = grown;
        ck->cap = cap;
    }
    checkpoint_tensor *t = &ck->tensors[ck->n];
    memset(t, 0, sizeof *t);
    t->name = dup_string(name);
    t->data = malloc((numel ? numel : 1) * sizeof(real));
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        goto oom;
    }
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = numel;
    ck->n++;
    return t;
oom:
    GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory adding \"%s\"", origin_of(ck), name);
    return NULL;
}

ganc_status checkpoint_add(checkpoint *ck, const char *name, int ndim, const int *shape, const real *data) {
    int64_t dims[SAFETENSORS_MAX_DIM] = {0};
    for (int i = 0; i < ndim && i < SAFETENSORS_MAX_DIM; i++) dims[i] = shape[i];
    checkpoint_tensor *t = add_entry(ck, name, ndim, dims);
    if (!t) return ganc_error_status();
    memcpy(t->data, data, t->numel * sizeof(real));
    return GANC_OK;
}

static const char *shape64_str(int ndim, const int64_t *shape, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ",%" PRId64 : "%" PRId64, shape[i]);
    if (used < size) snprintf(buf + used, size - used, ")");
    return buf;
}

ganc_status checkpoint_get(checkpoint *ck, const char *name, int ndim, const int *shape, real *dst,
                           const char *owner) {
    char want[96], have[96];
    shape_str(ndim, shape, want, sizeof want);
    checkpoint_tensor *t = find(ck, name);
    if (!t)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s has no tensor %s (%s expects shape %s)", origin_of(ck), name,
                        owner, want);
    bool same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same)
        return GANC_ERR(GANC_ERR_SHAPE, "checkpoint %s has %s with shape %s, %s expects %s", origin_of(ck), name,
                        shape64_str(t->ndim, t->shape, have, sizeof have), owner, want);
    memcpy(dst, t->data, t->numel * sizeof(real));
    t->used = true;
    return GANC_OK;
}

ganc_status checkpoint_check_all_used(const checkpoint *ck) {
    size_t unused = 0, first = 0;
    for (size_t i = ck->n; i-- > 0;)
        if (!ck->tensors[i].used) unused++, first = i;
    if (!unused) return GANC_OK;
    char have[96];
    const checkpoint_tensor *t = &ck->tensors[first];
    return GANC_ERR(GANC_ERR_FORMAT,
                    "checkpoint %s has tensor %s %s that nothing in this run loads (%zu such tensors); was it written "
                    "by a different model?",
                    origin_of(ck), t->name, shape64_str(t->ndim, t->shape, have, sizeof have), unused);
}

/* ---- metadata ---- */

static safetensors_meta *find_meta(const checkpoint *ck, const char *key) {
    for (size_t i = 0; i < ck->n_meta; i++)
        if (strcmp(ck->meta[i].key, key) == 0) return &ck->meta[i];
    return NULL;
}

/* Without the reserved-key check: the reader stores what the file says. */
static ganc_status set_meta(checkpoint *ck, const char *key, const char *value) {
    char *v = dup_string(value);
    if (!v) return GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory for metadata \"%s\"", origin_of(ck), key);
    safetensors_meta *m = find_meta(ck, key);
    if (m) {
        free(m->value);
        m->value = v;
        return GANC_OK;
    }
    char *k = dup_string(key);
    if (ck->n_meta == ck->cap_meta) {
        size_t cap = ck->cap_meta ? 2 * ck->cap_meta : 16;
        safetensors_meta *grown = k ? realloc(ck->meta, cap * sizeof *grown) : NULL;
        if (!grown) {
            free(k);
            free(v);
            return GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory for metadata \"%s\"", origin_of(ck), key);
        }
        ck->meta = grown;
        ck->cap_meta = cap;
    }
    if (!k) {
        free(v);
        return GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory for metadata \"%s\"", origin_of(ck), key);
    }
    ck->meta[ck->n_meta++] = (safetensors_meta){.key = k, .value = v};
    return GANC_OK;
}

/* Keys that checkpoint_write computes: they describe the file's bytes. */
static bool is_checksum_key(const char *key) { return strcmp(key, "crc32") == 0 || strcmp(key, "header_crc32") == 0; }

ganc_status checkpoint_set_meta(checkpoint *ck, const char *key, const char *value) {
    if (!key[0] || is_checksum_key(key))
        return GANC_ERR(GANC_ERR_ARG, "checkpoint %s: metadata key \"%s\" is reserved for the writer", origin_of(ck),
                        key);
    return set_meta(ck, key, value);
}

ganc_status checkpoint_set_meta_u64(checkpoint *ck, const char *key, uint64_t value) {
    char text[24];
    snprintf(text, sizeof text, "%" PRIu64, value);
    return checkpoint_set_meta(ck, key, text);
}

const char *checkpoint_meta(const checkpoint *ck, const char *key) {
    const safetensors_meta *m = find_meta(ck, key);
    return m ? m->value : NULL;
}

ganc_status checkpoint_meta_u64(const checkpoint *ck, const char *key, uint64_t *out) {
    const char *v = checkpoint_meta(ck, key);
    if (!v) return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s has no metadata key \"%s\"", origin_of(ck), key);
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end || errno)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: metadata \"%s\" is \"%s\", expected an unsigned integer",
                        origin_of(ck), key, v);
    *out = n;
    return GANC_OK;
}

size_t checkpoint_meta_count(const checkpoint *ck) { return ck->n_meta; }

const char *checkpoint_meta_at(const checkpoint *ck, size_t i, const char **value) {
    if (i >= ck->n_meta) return NULL;
    if (value) *value = ck->meta[i].value;
    return ck->meta[i].key;
}

/* ---- writing ---- */

static uint32_t crc32_more(uint32_t crc, const unsigned char *p, size_t n) {
    while (n) { /* zlib takes uInt lengths */
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

static uint32_t payload_crc32(const unsigned char *p, size_t n) { return crc32_more(0, p, n); }

/* The header's checksum covers the 8 length bytes and the whole header
 * text, padding included, with its own 8 digits read as "00000000": `at`
 * is where those digits lie in the header text. */
static const char masked_digits[] = "00000000";

static uint32_t header_crc32(const unsigned char *len_bytes, const char *header, size_t header_len, size_t at) {
    const unsigned char *h = (const unsigned char *)header;
    uint32_t crc = crc32_more(0, len_bytes, 8);
    crc = crc32_more(crc, h, at);
    crc = crc32_more(crc, (const unsigned char *)masked_digits, 8);
    return crc32_more(crc, h + at + 8, header_len - at - 8);
}

static long crash_after = -1;

void checkpoint_test_crash_after(long bytes) { crash_after = bytes; }

typedef struct {
    const void *p;
    size_t n;
} span;

/* fsync of the directory makes the rename itself durable. Some file
 * systems cannot sync a directory (EINVAL); that is not a failed write. */
static ganc_status sync_directory(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return GANC_ERR(GANC_ERR_IO, "checkpoint %s: cannot open its directory %s: %s", path, dir, strerror(errno));
    int rc = fsync(fd), err = errno;
    close(fd);
    if (rc && err != EINVAL)
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: fsync of directory %s failed: %s", path, dir, strerror(err));
    return GANC_OK;
}

/* Test-only fault injection, read from the environment at each write
 * (docs/reliability.md). GANC_TEST_CHECKPOINT_DELAY_MS pauses halfway
 * through the temporary file, so that a test's SIGKILL can land inside a
 * write. GANC_TEST_FAIL_WRITE_AFTER_BYTES makes a write fail with ENOSPC
 * once the checkpoint writes of this process have written that many bytes
 * in all, as a disk that fills up would. */
static size_t bytes_written_in_process;

static ganc_status env_count(const char *name, long *out) {
    *out = -1;
    const char *s = getenv(name);
    if (!s || !*s) return GANC_OK;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0)
        return GANC_ERR(GANC_ERR_ARG, "%s = \"%s\": expected a whole number >= 0 (a test-only setting)", name, s);
    *out = v;
    return GANC_OK;
}

static void pause_ms(long ms) {
    struct timespec t = {ms / 1000, ms % 1000 * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static ganc_status write_atomically(const char *path, const span *parts, int n_parts) {
    long delay_ms, fail_after;
    ganc_status st = env_count("GANC_TEST_CHECKPOINT_DELAY_MS", &delay_ms);
    if (!st) st = env_count("GANC_TEST_FAIL_WRITE_AFTER_BYTES", &fail_after);
    if (st) return st;
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
        return GANC_ERR(GANC_ERR_ARG, "checkpoint: path too long: %s", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: cannot create the temporary file %s: %s", path, tmp,
                        strerror(errno));
    long limit = crash_after; /* one write only */
    crash_after = -1;
    size_t total = 0, written = 0;
    for (int i = 0; i < n_parts; i++) total += parts[i].n;
    bool crash = false, injected = false, paused = delay_ms <= 0;
    int err = 0;
    for (int i = 0; i < n_parts && !err && !crash; i++) {
        const unsigned char *p = parts[i].p;
        size_t left = parts[i].n;
        while (left && !err && !crash) {
            size_t n = left;
            if (!paused && written < total / 2 && written + n > total / 2) n = total / 2 - written;
            if (limit >= 0 && written + n > (size_t)limit) {
                n = (size_t)limit - written;
                crash = true;
            }
            if (fail_after >= 0 && bytes_written_in_process + n > (size_t)fail_after) {
                n = (size_t)fail_after - bytes_written_in_process;
                err = ENOSPC;
                injected = true;
            }
            if (n && fwrite(p, 1, n, f) != n) {
                err = errno;
                injected = false;
            }
            written += n;
            bytes_written_in_process += n;
            p += n;
            left -= n;
            if (!paused && written >= total / 2) {
                paused = true;
                fflush(f); /* so that a kill during the pause leaves a partial file on disk */
                pause_ms(delay_ms);
            }
        }
    }
    if (crash && !err) {
        fclose(f);
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: simulated crash after %zu bytes of %s (test hook)", path, written,
                        tmp);
    }
    if (err) {
        fclose(f);
        unlink(tmp);
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: writing %s failed: %s%s", path, tmp, strerror(err),
                        injected ? " (injected by GANC_TEST_FAIL_WRITE_AFTER_BYTES)" : "");
    }
    if (fflush(f) || fsync(fileno(f))) err = errno;
    if (fclose(f) && !err) err = errno;
    if (err) {
        unlink(tmp);
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: flushing %s failed: %s", path, tmp, strerror(err));
    }
    if (rename(tmp, path)) {
        err = errno;
        unlink(tmp);
        return GANC_ERR(GANC_ERR_IO, "checkpoint %s: renaming %s over it failed: %s", path, tmp, strerror(err));
    }
    return sync_directory(path);
}

ganc_status checkpoint_write(const checkpoint *ck, const char *path) {
    size_t payload_bytes = 0;
    for (size_t i = 0; i < ck->n; i++)
        payload_bytes += (ck->tensors[i].dtype == SAFETENSORS_I64 ? 8 : 4) * ck->tensors[i].numel;
    safetensors_header h = {0};
    h.tensors = calloc(ck->n ? ck->n : 1, sizeof *h.tensors);
    h.meta = calloc(ck->n_meta + 3, sizeof *h.meta); /* + header_crc32, crc32, format */
    unsigned char *payload = malloc(payload_bytes ? payload_bytes : 1);
    if (!h.tensors || !h.meta || !payload) {
        free(h.tensors);
        free(h.meta);
        free(payload);
        return GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory for a %zu-byte payload", path, payload_bytes);
    }
    uint64_t at = 0;
    for (size_t i = 0; i < ck->n; i++) {
        const checkpoint_tensor *t = &ck->tensors[i];
        safetensors_tensor *st = &h.tensors[i];
        st->name = t->name;
        st->dtype = t->dtype == SAFETENSORS_I64 ? SAFETENSORS_I64 : SAFETENSORS_F32;
        st->ndim = t->ndim;
        memcpy(st->shape, t->shape, sizeof st->shape);
        st->begin = at;
        st->end = at + safetensors_dtype_size(st->dtype) * t->numel;
        if (st->dtype == SAFETENSORS_I64) safetensors_encode_i64(t->data, t->numel, payload + at);
        else safetensors_encode_f32(t->data, t->numel, payload + at);
        at = st->end;
    }
    h.n_tensors = ck->n;
    char crc_text[9], header_crc_text[9], format_key[] = "format", format_value[] = "pt", crc_key[] = "crc32",
                                          header_crc_key[] = "header_crc32";
    snprintf(crc_text, sizeof crc_text, "%08" PRIx32, payload_crc32(payload, payload_bytes));
    memcpy(header_crc_text, masked_digits, sizeof header_crc_text);
    /* The header borrows every string: nothing here is freed with safetensors_header_free.
     * header_crc32 goes first, so that the first occurrence of its key in the text is its own. */
    h.meta[h.n_meta++] = (safetensors_meta){.key = header_crc_key, .value = header_crc_text};
    h.meta[h.n_meta++] = (safetensors_meta){.key = crc_key, .value = crc_text};
    if (!find_meta(ck, "format")) h.meta[h.n_meta++] = (safetensors_meta){.key = format_key, .value = format_value};
    for (size_t i = 0; i < ck->n_meta; i++) h.meta[h.n_meta++] = ck->meta[i];
    size_t header_len;
    char *header = safetensors_format_header(&h, &header_len);
    ganc_status st = header ? GANC_OK : ganc_error_status();
    if (header) {
        unsigned char len_bytes[8];
        for (int k = 0; k < 8; k++) len_bytes[k] = (unsigned char)((uint64_t)header_len >> 8 * k);
        static const char placeholder[] = "\"header_crc32\":\"00000000\"";
        size_t digits_at = (size_t)(strstr(header, placeholder) - header) + sizeof placeholder - 1 - 9;
        char digits[9];
        snprintf(digits, sizeof digits, "%08" PRIx32, header_crc32(len_bytes, header, header_len, digits_at));
        memcpy(header + digits_at, digits, 8);
        span parts[3] = {{len_bytes, 8}, {header, header_len}, {payload, payload_bytes}};
        st = write_atomically(path, parts, 3);
    }
    free(header);
    free(payload);
    free(h.tensors);
    free(h.meta);
    return st;
}

/* ---- reading ---- */

static const safetensors_meta *header_meta(const safetensors_header *h, const char *key) {
    for (size_t i = 0; i < h->n_meta; i++)
        if (strcmp(h->meta[i].key, key) == 0) return &h->meta[i];
    return NULL;
}

/* Exactly 8 lowercase hex digits, as the writer puts them (strtoul would
 * also take "1A2B3C4D" or " 1a2b3c", so that an edit of a digit's case
 * would pass). */
static ganc_status stored_crc(const safetensors_meta *m, const char *path, uint32_t *out) {
    bool ok = strlen(m->value) == 8 && m->raw_len == 8;
    for (int i = 0; ok && i < 8; i++) ok = strchr("0123456789abcdef", m->value[i]) && m->value[i];
    if (!ok)
        return GANC_ERR(GANC_ERR_FORMAT, "file %s: metadata %s is \"%s\", expected 8 lowercase hex digits", path,
                        m->key, m->value);
    *out = (uint32_t)strtoul(m->value, NULL, 16);
    return GANC_OK;
}

/* Both checksums are missing: the file was not written by ganc, or was edited. */
static ganc_status missing_crc(const char *path) {
    return GANC_ERR(GANC_ERR_FORMAT,
                    "file %s has no \"crc32\" in its __metadata__: not a ganc checkpoint, or its header was edited",
                    path);
}

static ganc_status check_header_crc(const safetensors_header *h, const unsigned char *data, size_t header_len,
                                    const char *path, unsigned flags) {
    const safetensors_meta *m = header_meta(h, "header_crc32");
    if (!m) {
        if (flags & CHECKPOINT_ALLOW_NO_CRC) return GANC_OK;
        if (header_meta(h, "crc32"))
            return GANC_ERR(GANC_ERR_FORMAT,
                            "file %s has no \"header_crc32\" in its __metadata__: it was written by a ganc older than "
                            "the header checksum (its crc32 covers the tensors only), or its header was edited. Check "
                            "its metadata with `ganc info %s`, then add the checksum with `python3 "
                            "scripts/checkpoint_add_header_crc.py %s NEW_FILE` and use NEW_FILE",
                            path, path, path);
        return missing_crc(path);
    }
    uint32_t expected;
    ganc_status st = stored_crc(m, path, &expected);
    if (st) return st;
    uint32_t actual = header_crc32(data, (const char *)data + 8, header_len, m->raw_at);
    if (actual != expected)
        return GANC_ERR(GANC_ERR_FORMAT,
                        "file %s is corrupt: its header (length, tensor list or metadata) changed after it was written "
                        "(header_crc32 %08" PRIx32 ", expected %08" PRIx32 ")",
                        path, actual, expected);
    return GANC_OK;
}

static ganc_status check_crc(const safetensors_header *h, const unsigned char *payload, size_t n, const char *path,
                             unsigned flags) {
    const safetensors_meta *m = header_meta(h, "crc32");
    if (!m) {
        if (flags & CHECKPOINT_ALLOW_NO_CRC) return GANC_OK;
        return missing_crc(path);
    }
    uint32_t expected;
    ganc_status st = stored_crc(m, path, &expected);
    if (st) return st;
    uint32_t actual = payload_crc32(payload, n);
    if (actual != expected)
        return GANC_ERR(GANC_ERR_FORMAT, "file %s is corrupt (crc32 %08" PRIx32 ", expected %08" PRIx32 ")", path,
                        actual, expected);
    return GANC_OK;
}

static ganc_status fill_checkpoint(checkpoint *ck, const safetensors_header *h, const unsigned char *payload) {
    for (size_t i = 0; i < h->n_tensors; i++) {
        const safetensors_tensor *t = &h->tensors[i];
        checkpoint_tensor *e = add_entry(ck, t->name, t->ndim, t->shape);
        if (!e) return ganc_error_status();
        e->dtype = t->dtype;
        safetensors_decode(t->dtype, payload + t->begin, e->numel, e->data);
    }
    for (size_t i = 0; i < h->n_meta; i++) {
        if (is_checksum_key(h->meta[i].key)) continue; /* properties of the file, rewritten on write */
        ganc_status st = set_meta(ck, h->meta[i].key, h->meta[i].value);
        if (st) return st;
    }
    return GANC_OK;
}

/* Header length, header, payload: the layout in core/safetensors.h. */
static ganc_status parse_file(const char *path, const unsigned char *data, size_t size, unsigned flags,
                              checkpoint *ck) {
    if (size < 8)
        return GANC_ERR(GANC_ERR_FORMAT, "file %s is truncated: %zu bytes, fewer than the 8-byte header length", path,
                        size);
    uint64_t header_len = 0;
    for (int k = 0; k < 8; k++) header_len |= (uint64_t)data[k] << 8 * k;
    uint64_t rest = (uint64_t)size - 8;
    if (header_len < 2 || header_len > SAFETENSORS_MAX_HEADER || header_len > rest)
        return GANC_ERR(GANC_ERR_FORMAT,
                        "file %s: bad header length %" PRIu64 " (the file has %" PRIu64
                        " bytes after the length, the format allows at most %u): truncated, or not a safetensors file",
                        path, header_len, rest, SAFETENSORS_MAX_HEADER);
    const char *header = (const char *)data + 8;
    const unsigned char *payload = data + 8 + header_len;
    size_t payload_bytes = (size_t)(rest - header_len);
    safetensors_header h = {0};
    ganc_status st = safetensors_parse_header(path, header, (size_t)header_len, payload_bytes, &h);
    if (!st) st = check_header_crc(&h, data, (size_t)header_len, path, flags);
    if (!st) st = check_crc(&h, payload, payload_bytes, path, flags);
    if (!st) st = fill_checkpoint(ck, &h, payload);
    safetensors_header_free(&h);
    return st;
}

/* The whole file into memory: the header length is checked against the
 * file's size before anything is allocated for it. */
static ganc_status read_whole(FILE *f, const char *path, unsigned char **data, size_t *size) {
    if (fseek(f, 0, SEEK_END)) return GANC_ERR(GANC_ERR_IO, "file %s: cannot seek: %s", path, strerror(errno));
    long n = ftell(f);
    rewind(f);
    if (n < 0) return GANC_ERR(GANC_ERR_IO, "file %s: cannot tell its size: %s", path, strerror(errno));
    unsigned char *buf = malloc(n ? (size_t)n : 1);
    if (!buf) return GANC_ERR(GANC_ERR_MEMORY, "file %s: out of memory for %ld bytes", path, n);
    size_t got = fread(buf, 1, (size_t)n, f);
    if (got != (size_t)n) {
        ganc_status st = ferror(f) ? GANC_ERR(GANC_ERR_IO, "file %s: read error: %s", path, strerror(errno))
                                   : GANC_ERR(GANC_ERR_FORMAT, "file %s shrank while being read", path);
        free(buf);
        return st;
    }
    *data = buf;
    *size = (size_t)n;
    return GANC_OK;
}

ganc_status checkpoint_read_memory(const char *origin, const void *data, size_t size, unsigned flags,
                                   checkpoint **out) {
    *out = NULL;
    checkpoint *ck = checkpoint_new();
    ganc_status st = ck ? GANC_OK : ganc_error_status();
    if (!st && !(ck->origin = dup_string(origin)))
        st = GANC_ERR(GANC_ERR_MEMORY, "checkpoint %s: out of memory", origin);
    if (!st) st = parse_file(origin, data, size, flags, ck);
    if (st) {
        checkpoint_free(ck);
        return st;
    }
    *out = ck;
    return GANC_OK;
}

ganc_status checkpoint_read(const char *path, unsigned flags, checkpoint **out) {
    *out = NULL;
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "cannot open checkpoint %s: %s", path, strerror(errno));
    unsigned char *data = NULL;
    size_t size = 0;
    ganc_status st = read_whole(f, path, &data, &size);
    fclose(f);
    if (!st) st = checkpoint_read_memory(path, data, size, flags, out);
    free(data);
    return st;
}

/* ---- parameter sets, generators ---- */

static ganc_status block_name(char *buf, size_t size, const char *prefix, const char *name) {
    if ((size_t)snprintf(buf, size, "%s%s", prefix, name) >= size)
        return GANC_ERR(GANC_ERR_ARG, "checkpoint: tensor name %s%s is longer than %zu characters", prefix, name,
                        size - 1);
    return GANC_OK;
}

/* A host buffer for a block of a set that lives on a GPU (NULL with an
 * error on no memory), and the set's backend in *be. */
static real *host_block(const param_set *ps, const backend **be) {
    *be = backend_get(ps->dev);
    if (!*be) return NULL;
    real *host = malloc((ps->numel ? ps->numel : 1) * sizeof(real));
    if (!host) GANC_ERR(GANC_ERR_MEMORY, "checkpoint: out of memory for a host copy of %s", ps->name);
    return host;
}

ganc_status checkpoint_put_block(checkpoint *ck, const char *prefix, const param_set *ps, const real *block) {
    char name[256];
    real *copy = NULL;
    const backend *be = NULL;
    ganc_status st = GANC_OK;
    if (ps->dev.kind != DEVICE_CPU && ps->numel) {
        if (!(copy = host_block(ps, &be))) return ganc_error_status();
        be->download(copy, block, ps->numel * sizeof(real));
        st = be->sync();
        block = copy;
    }
    for (size_t i = 0; !st && i < ps->count; i++) {
        const param_entry *e = &ps->entries[i];
        st = block_name(name, sizeof name, prefix, e->name);
        if (!st) st = checkpoint_add(ck, name, e->t->ndim, e->t->shape, block + e->offset);
    }
    free(copy);
    return st;
}

/* On a GPU, the block changes only when every tensor was found. */
ganc_status checkpoint_get_block(checkpoint *ck, const char *prefix, const param_set *ps, real *block) {
    char name[256], owner[96];
    snprintf(owner, sizeof owner, "network %s", ps->name);
    real *device_block = NULL;
    const backend *be = NULL;
    if (ps->dev.kind != DEVICE_CPU && ps->numel) {
        device_block = block;
        if (!(block = host_block(ps, &be))) return ganc_error_status();
    }
    ganc_status st = GANC_OK;
    for (size_t i = 0; !st && i < ps->count; i++) {
        const param_entry *e = &ps->entries[i];
        st = block_name(name, sizeof name, prefix, e->name);
        if (!st) st = checkpoint_get(ck, name, e->t->ndim, e->t->shape, block + e->offset, owner);
    }
    if (device_block) {
        if (!st) {
            be->upload(device_block, block, ps->numel * sizeof(real));
            st = be->sync();
        }
        free(block);
    }
    return st;
}

ganc_status checkpoint_put_params(checkpoint *ck, const param_set *ps) {
    return checkpoint_put_block(ck, "", ps, ps->data);
}

ganc_status checkpoint_get_params(checkpoint *ck, param_set *ps) {
    return checkpoint_get_block(ck, "", ps, ps->data);
}

ganc_status checkpoint_put_rng(checkpoint *ck, const char *name, const rng *r) {
    char key[160];
    snprintf(key, sizeof key, "rng.%s.seed", name);
    ganc_status st = checkpoint_set_meta_u64(ck, key, r->seed);
    snprintf(key, sizeof key, "rng.%s.counter", name);
    return st ? st : checkpoint_set_meta_u64(ck, key, r->counter);
}

ganc_status checkpoint_get_rng(const checkpoint *ck, const char *name, rng *r) {
    char key[160];
    uint64_t seed, counter;
    snprintf(key, sizeof key, "rng.%s.seed", name);
    ganc_status st = checkpoint_meta_u64(ck, key, &seed);
    snprintf(key, sizeof key, "rng.%s.counter", name);
    if (!st) st = checkpoint_meta_u64(ck, key, &counter);
    if (st) return st;
    r->seed = seed;
    r->counter = counter;
    return GANC_OK;
}
