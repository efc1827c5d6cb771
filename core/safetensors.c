#include "core/safetensors.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t safetensors_dtype_size(safetensors_dtype dtype) { return dtype == SAFETENSORS_F32 ? 4 : 8; }

const char *safetensors_dtype_name(safetensors_dtype dtype) {
    return dtype == SAFETENSORS_F64 ? "F64" : dtype == SAFETENSORS_I64 ? "I64" : "F32";
}

uint64_t safetensors_numel(const safetensors_tensor *t) {
    uint64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (uint64_t)t->shape[i];
    return n;
}

void safetensors_header_free(safetensors_header *h) {
    for (size_t i = 0; i < h->n_tensors; i++) free(h->tensors[i].name);
    for (size_t i = 0; i < h->n_meta; i++) {
        free(h->meta[i].key);
        free(h->meta[i].value);
    }
    free(h->tensors);
    free(h->meta);
    memset(h, 0, sizeof *h);
}

/* ---- the JSON reader: exactly the subset a safetensors header uses ---- */

typedef struct {
    const char *origin;
    const unsigned char *s;
    size_t len, pos;
} json;

/* Positions are reported as file offsets: the header starts after the 8 length bytes. */
static ganc_status json_bad(const json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static ganc_status json_bad(const json *j, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return GANC_ERR(GANC_ERR_FORMAT, "file %s: bad header JSON at byte %zu: %s", j->origin, j->pos + 8, what);
}

static void skip_space(json *j) {
    while (j->pos < j->len && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' || j->s[j->pos] == '\n' ||
                               j->s[j->pos] == '\r'))
        j->pos++;
}

static bool eat(json *j, char c) {
    skip_space(j);
    if (j->pos < j->len && j->s[j->pos] == (unsigned char)c) {
        j->pos++;
        return true;
    }
    return false;
}

static ganc_status expect(json *j, char c) {
    return eat(j, c) ? GANC_OK : json_bad(j, "expected '%c'", c);
}

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...) {
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    sb_put(b, text, (size_t)n);
}

static int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static ganc_status read_hex4(json *j, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = j->pos < j->len ? hex_digit(j->s[j->pos]) : -1;
        if (d < 0) return json_bad(j, "expected 4 hex digits after \\u");
        v = v * 16 + (unsigned)d;
        j->pos++;
    }
    *out = v;
    return GANC_OK;
}

static void put_utf8(strbuf *b, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F)), u[2] = (char)(0x80 | (cp >> 6 & 0x3F)),
        u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    sb_put(b, u, n);
}

/* \uXXXX, with a surrogate pair for code points above U+FFFF. */
static ganc_status read_unicode_escape(json *j, strbuf *b) {
    unsigned cp;
    ganc_status st = read_hex4(j, &cp);
    if (st) return st;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return json_bad(j, "lone low surrogate \\u%04X", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned low;
        if (j->pos + 2 > j->len || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u')
            return json_bad(j, "expected a low surrogate \\uDC00..\\uDFFF after \\u%04X", cp);
        j->pos += 2;
        if ((st = read_hex4(j, &low))) return st;
        if (low < 0xDC00 || low > 0xDFFF) return json_bad(j, "expected a low surrogate, got \\u%04X", low);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp == 0) return json_bad(j, "\\u0000 cannot be part of a name");
    put_utf8(b, cp);
    return GANC_OK;
}

/* A JSON string into a malloc'd C string. */
static ganc_status read_string(json *j, char **out) {
    *out = NULL;
    skip_space(j);
    if (j->pos >= j->len || j->s[j->pos] != '"') return json_bad(j, "expected a string");
    j->pos++;
    strbuf b = {0};
    sb_put(&b, "", 0);
    ganc_status st = GANC_OK;
    for (;;) {
        if (j->pos >= j->len) {
            st = json_bad(j, "string not closed before the end of the header");
            break;
        }
        unsigned char c = j->s[j->pos];
        if (c == '"') {
            j->pos++;
            break;
        }
        if (c < 0x20) {
            st = json_bad(j, "control character 0x%02x inside a string", c);
            break;
        }
        if (c != '\\') {
            size_t run = j->pos;
            while (run < j->len && j->s[run] != '"' && j->s[run] != '\\' && j->s[run] >= 0x20) run++;
            sb_put(&b, (const char *)j->s + j->pos, run - j->pos);
            j->pos = run;
            continue;
        }
        j->pos++;
        char e = j->pos < j->len ? (char)j->s[j->pos] : '\0';
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(from, e) : NULL;
        j->pos++;
        if (hit) {
            sb_put(&b, &to[hit - from], 1);
        } else if (e == 'u') {
            if ((st = read_unicode_escape(j, &b))) break;
        } else {
            j->pos--;
            st = json_bad(j, "unknown escape \\%c", e ? e : '?');
            break;
        }
    }
    if (!st && b.oom) st = GANC_ERR(GANC_ERR_MEMORY, "file %s: out of memory reading the header", j->origin);
    if (st) {
        free(b.p);
        return st;
    }
    *out = b.p;
    return GANC_OK;
}

static ganc_status read_uint(json *j, uint64_t *out) {
    skip_space(j);
    if (j->pos >= j->len || j->s[j->pos] < '0' || j->s[j->pos] > '9')
        return json_bad(j, "expected a non-negative integer");
    if (j->s[j->pos] == '0' && j->pos + 1 < j->len && j->s[j->pos + 1] >= '0' && j->s[j->pos + 1] <= '9')
        return json_bad(j, "integer with a leading zero");
    uint64_t v = 0;
    while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9') {
        unsigned d = j->s[j->pos] - '0';
        if (v > (UINT64_MAX - d) / 10) return json_bad(j, "integer does not fit in 64 bits");
        v = v * 10 + d;
        j->pos++;
    }
    if (j->pos < j->len && (j->s[j->pos] == '.' || j->s[j->pos] == 'e' || j->s[j->pos] == 'E'))
        return json_bad(j, "expected an integer, not a fraction");
    *out = v;
    return GANC_OK;
}

/* [a, b, ...] of at most `max` integers; *n is how many. */
static ganc_status read_uint_array(json *j, uint64_t *vals, int max, int *n) {
    ganc_status st = expect(j, '[');
    if (st) return st;
    *n = 0;
    if (eat(j, ']')) return GANC_OK;
    do {
        if (*n == max) return json_bad(j, "more than %d entries in an array", max);
        if ((st = read_uint(j, &vals[(*n)++]))) return st;
    } while (eat(j, ','));
    return expect(j, ']');
}

static ganc_status read_dtype(json *j, const char *name, safetensors_dtype *out) {
    size_t at = j->pos;
    char *s;
    ganc_status st = read_string(j, &s);
    if (st) return st;
    if (strcmp(s, "F32") == 0) *out = SAFETENSORS_F32;
    else if (strcmp(s, "F64") == 0) *out = SAFETENSORS_F64;
    else if (strcmp(s, "I64") == 0) *out = SAFETENSORS_I64;
    else {
        j->pos = at;
        skip_space(j);
        st = GANC_ERR(GANC_ERR_UNSUPPORTED,
                      "file %s: tensor \"%s\" has dtype \"%s\" (byte %zu); ganc reads F32, F64 and I64", j->origin,
                      name, s, j->pos + 8);
    }
    free(s);
    return st;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}, each key once. */
static ganc_status read_tensor_info(json *j, safetensors_tensor *t) {
    ganc_status st = expect(j, '{');
    if (st) return st;
    bool seen[3] = {false, false, false};
    static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
    do {
        size_t at = j->pos;
        char *key;
        if ((st = read_string(j, &key))) return st;
        int k = 0;
        while (k < 3 && strcmp(key, keys[k]) != 0) k++;
        if (k == 3 || seen[k]) {
            j->pos = at;
            skip_space(j);
            st = json_bad(j, k == 3 ? "unknown key \"%s\" in tensor \"%s\" (expected dtype, shape, data_offsets)"
                                    : "key \"%s\" twice in tensor \"%s\"",
                          key, t->name);
            free(key);
            return st;
        }
        free(key);
        seen[k] = true;
        if ((st = expect(j, ':'))) return st;
        if (k == 0) {
            st = read_dtype(j, t->name, &t->dtype);
        } else if (k == 1) {
            uint64_t dims[SAFETENSORS_MAX_DIM];
            size_t at_shape = j->pos;
            st = read_uint_array(j, dims, SAFETENSORS_MAX_DIM, &t->ndim);
            for (int i = 0; !st && i < t->ndim; i++) {
                if (dims[i] > INT32_MAX) {
                    j->pos = at_shape;
                    skip_space(j);
                    st = json_bad(j, "dimension %llu of tensor \"%s\" is too large", (unsigned long long)dims[i],
                                  t->name);
                }
                t->shape[i] = (int64_t)dims[i];
            }
        } else {
            uint64_t offsets[2];
            int n;
            size_t at_offsets = j->pos;
            st = read_uint_array(j, offsets, 2, &n);
            if (!st && n != 2) {
                j->pos = at_offsets;
                skip_space(j);
                st = json_bad(j, "data_offsets of tensor \"%s\" must be [begin, end]", t->name);
            }
            t->begin = offsets[0];
            t->end = offsets[1];
        }
        if (st) return st;
    } while (eat(j, ','));
    if ((st = expect(j, '}'))) return st;
    for (int k = 0; k < 3; k++)
        if (!seen[k]) return json_bad(j, "tensor \"%s\" has no \"%s\"", t->name, keys[k]);
    return GANC_OK;
}

static ganc_status read_metadata(json *j, safetensors_header *h) {
    ganc_status st = expect(j, '{');
    if (st) return st;
    if (eat(j, '}')) return GANC_OK;
    size_t cap = 0;
    do {
        size_t at = j->pos;
        char *key, *value;
        if ((st = read_string(j, &key))) return st;
        for (size_t i = 0; i < h->n_meta; i++)
            if (strcmp(h->meta[i].key, key) == 0) {
                j->pos = at;
                skip_space(j);
                st = json_bad(j, "metadata key \"%s\" twice", key);
                free(key);
                return st;
            }
        if ((st = expect(j, ':'))) {
            free(key);
            return st;
        }
        skip_space(j);
        if (j->pos < j->len && j->s[j->pos] != '"') {
            free(key);
            return json_bad(j, "metadata values must be strings");
        }
        size_t raw_at = j->pos + 1;
        if ((st = read_string(j, &value))) {
            free(key);
            return st;
        }
        if (h->n_meta == cap) {
            cap = cap ? 2 * cap : 8;
            safetensors_meta *grown = realloc(h->meta, cap * sizeof *grown);
            if (!grown) {
                free(key);
                free(value);
                return GANC_ERR(GANC_ERR_MEMORY, "file %s: out of memory reading the header", j->origin);
            }
            h->meta = grown;
        }
        h->meta[h->n_meta++] = (safetensors_meta){key, value, raw_at, j->pos - 1 - raw_at};
    } while (eat(j, ','));
    return expect(j, '}');
}

static ganc_status read_header_object(json *j, safetensors_header *h) {
    ganc_status st = expect(j, '{');
    if (st) return st;
    bool seen_meta = false;
    size_t cap = 0;
    if (!eat(j, '}')) {
        do {
            size_t at = j->pos;
            char *name;
            if ((st = read_string(j, &name))) return st;
            bool meta = strcmp(name, "__metadata__") == 0;
            bool twice = meta && seen_meta;
            for (size_t i = 0; !meta && !twice && i < h->n_tensors; i++) twice = strcmp(h->tensors[i].name, name) == 0;
            if (twice) {
                j->pos = at;
                skip_space(j);
                st = json_bad(j, "\"%s\" appears twice", name);
                free(name);
                return st;
            }
            if ((st = expect(j, ':'))) {
                free(name);
                return st;
            }
            if (meta) {
                free(name);
                seen_meta = true;
                if ((st = read_metadata(j, h))) return st;
                continue;
            }
            if (h->n_tensors == cap) {
                cap = cap ? 2 * cap : 16;
                safetensors_tensor *grown = realloc(h->tensors, cap * sizeof *grown);
                if (!grown) {
                    free(name);
                    return GANC_ERR(GANC_ERR_MEMORY, "file %s: out of memory reading the header", j->origin);
                }
                h->tensors = grown;
            }
            safetensors_tensor *t = &h->tensors[h->n_tensors++];
            memset(t, 0, sizeof *t);
            t->name = name;
            if ((st = read_tensor_info(j, t))) return st;
        } while (eat(j, ','));
        if ((st = expect(j, '}'))) return st;
    }
    skip_space(j);
    if (j->pos != j->len) return json_bad(j, "unexpected text after the header object");
    return GANC_OK;
}

/* ---- validation of the parsed header against the payload ---- */

static int by_offset(const void *a, const void *b) {
    const safetensors_tensor *x = *(const safetensors_tensor *const *)a, *y = *(const safetensors_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static ganc_status check_offsets(const char *origin, const safetensors_header *h, uint64_t payload_size) {
    for (size_t i = 0; i < h->n_tensors; i++) {
        const safetensors_tensor *t = &h->tensors[i];
        uint64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            if (t->shape[d] && numel > UINT64_MAX / 8 / (uint64_t)t->shape[d])
                return GANC_ERR(GANC_ERR_FORMAT, "file %s: tensor \"%s\" has too many values", origin, t->name);
            numel *= (uint64_t)t->shape[d];
        }
        uint64_t bytes = numel * safetensors_dtype_size(t->dtype);
        if (t->end < t->begin || t->end - t->begin != bytes)
            return GANC_ERR(GANC_ERR_FORMAT,
                            "file %s: tensor \"%s\" has data_offsets [%llu, %llu], but its shape and dtype %s need %llu "
                            "bytes",
                            origin, t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                            safetensors_dtype_name(t->dtype), (unsigned long long)bytes);
    }
    const safetensors_tensor **order = malloc((h->n_tensors + 1) * sizeof *order);
    if (!order) return GANC_ERR(GANC_ERR_MEMORY, "file %s: out of memory", origin);
    for (size_t i = 0; i < h->n_tensors; i++) order[i] = &h->tensors[i];
    qsort(order, h->n_tensors, sizeof *order, by_offset);
    ganc_status st = GANC_OK;
    uint64_t covered = 0;
    for (size_t i = 0; i < h->n_tensors && !st; i++) {
        const safetensors_tensor *t = order[i];
        if (t->end > payload_size)
            st = GANC_ERR(GANC_ERR_FORMAT,
                          "file %s is truncated: tensor \"%s\" needs payload bytes [%llu, %llu), the payload has %llu",
                          origin, t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                          (unsigned long long)payload_size);
        else if (t->begin < covered)
            st = GANC_ERR(GANC_ERR_FORMAT, "file %s: offsets overlap: tensor \"%s\" [%llu, %llu) starts inside \"%s\"",
                          origin, t->name, (unsigned long long)t->begin, (unsigned long long)t->end, order[i - 1]->name);
        else if (t->begin > covered)
            st = GANC_ERR(GANC_ERR_FORMAT, "file %s: offsets leave a gap: payload bytes [%llu, %llu) belong to no tensor",
                          origin, (unsigned long long)covered, (unsigned long long)t->begin);
        covered = t->end;
    }
    free(order);
    if (!st && covered != payload_size)
        st = GANC_ERR(GANC_ERR_FORMAT, "file %s: %llu payload bytes after the last tensor (payload %llu bytes, tensors end at %llu)",
                      origin, (unsigned long long)(payload_size - covered), (unsigned long long)payload_size,
                      (unsigned long long)covered);
    return st;
}

ganc_status safetensors_parse_header(const char *origin, const char *text, size_t len, uint64_t payload_size,
                                     safetensors_header *out) {
    memset(out, 0, sizeof *out);
    json j = {origin, (const unsigned char *)text, len, 0};
    ganc_status st = read_header_object(&j, out);
    if (!st) st = check_offsets(origin, out, payload_size);
    if (st) safetensors_header_free(out);
    return st;
}

/* ---- writing ---- */

static void put_json_string(strbuf *b, const char *s) {
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            sb_put(b, e, 2);
        } else if (*p < 0x20) {
            sb_printf(b, "\\u%04x", *p);
        } else {
            sb_put(b, (const char *)p, 1);
        }
    }
    sb_put(b, "\"", 1);
}

char *safetensors_format_header(const safetensors_header *h, size_t *len) {
    strbuf b = {0};
    sb_put(&b, "{", 1);
    if (h->n_meta) {
        sb_put(&b, "\"__metadata__\":{", 16);
        for (size_t i = 0; i < h->n_meta; i++) {
            if (i) sb_put(&b, ",", 1);
            put_json_string(&b, h->meta[i].key);
            sb_put(&b, ":", 1);
            put_json_string(&b, h->meta[i].value);
        }
        sb_put(&b, "}", 1);
    }
    for (size_t i = 0; i < h->n_tensors; i++) {
        const safetensors_tensor *t = &h->tensors[i];
        if (i || h->n_meta) sb_put(&b, ",", 1);
        put_json_string(&b, t->name);
        sb_printf(&b, ":{\"dtype\":\"%s\",\"shape\":[", safetensors_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) sb_printf(&b, d ? ",%lld" : "%lld", (long long)t->shape[d]);
        sb_printf(&b, "],\"data_offsets\":[%llu,", (unsigned long long)t->begin);
        sb_printf(&b, "%llu]}", (unsigned long long)t->end);
    }
    sb_put(&b, "}", 1);
    /* Pad so the payload starts 8-byte aligned, as the reference writer does. */
    while (!b.oom && (8 + b.len) % 8) sb_put(&b, " ", 1);
    if (b.oom) {
        free(b.p);
        GANC_ERR(GANC_ERR_MEMORY, "safetensors: out of memory formatting a header of %zu tensors", h->n_tensors);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

void safetensors_encode_f32(const real *src, size_t n, unsigned char *dst) {
    for (size_t i = 0; i < n; i++) {
        float f = (float)src[i];
        uint32_t u;
        memcpy(&u, &f, 4);
        for (int k = 0; k < 4; k++) dst[4 * i + k] = (unsigned char)(u >> 8 * k);
    }
}

void safetensors_encode_i64(const real *src, size_t n, unsigned char *dst) {
    for (size_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)(int64_t)llround((double)src[i]);
        for (int k = 0; k < 8; k++) dst[8 * i + k] = (unsigned char)(u >> 8 * k);
    }
}

void safetensors_decode(safetensors_dtype dtype, const unsigned char *src, size_t n, real *dst) {
    if (dtype == SAFETENSORS_I64) {
        for (size_t i = 0; i < n; i++) {
            uint64_t u = 0;
            for (int k = 0; k < 8; k++) u |= (uint64_t)src[8 * i + k] << 8 * k;
            dst[i] = (real)(int64_t)u;
        }
    } else if (dtype == SAFETENSORS_F32) {
        for (size_t i = 0; i < n; i++) {
            uint32_t u = 0;
            for (int k = 0; k < 4; k++) u |= (uint32_t)src[4 * i + k] << 8 * k;
            float f;
            memcpy(&f, &u, 4);
            dst[i] = (real)f;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            uint64_t u = 0;
            for (int k = 0; k < 8; k++) u |= (uint64_t)src[8 * i + k] << 8 * k;
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (real)d;
        }
    }
}
