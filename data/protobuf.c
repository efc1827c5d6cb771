#include "data/protobuf.h"

#include <stdlib.h>
#include <string.h>

/* Wire types are the low 3 bits of a field key. */
enum { WIRE_VARINT = PB_WIRE_VARINT, WIRE_FIXED64 = PB_WIRE_FIXED64, WIRE_LEN = PB_WIRE_LEN,
       WIRE_FIXED32 = PB_WIRE_FIXED32 };

size_t pb_varint_encode(uint64_t v, uint8_t out[PB_VARINT_MAX]) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

void pb_reset(pb_buf *b) {
    b->len = 0;
    b->failed = false;
}

void pb_free(pb_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void put(pb_buf *b, const void *p, size_t n) {
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n) cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data, b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_varint(pb_buf *b, uint64_t v) {
    uint8_t bytes[PB_VARINT_MAX];
    put(b, bytes, pb_varint_encode(v, bytes));
}

/* Fixed-width values are little-endian on the wire whatever the host order. */
static void put_le(pb_buf *b, uint64_t v, int n_bytes) {
    uint8_t bytes[8];
    for (int i = 0; i < n_bytes; i++) bytes[i] = (uint8_t)(v >> (8 * i));
    put(b, bytes, (size_t)n_bytes);
}

static void put_key(pb_buf *b, int field, int wire) { put_varint(b, ((uint64_t)field << 3) | (uint64_t)wire); }

void pb_varint_field(pb_buf *b, int field, uint64_t v) {
    put_key(b, field, WIRE_VARINT);
    put_varint(b, v);
}

void pb_double_field(pb_buf *b, int field, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_key(b, field, WIRE_FIXED64);
    put_le(b, bits, 8);
}

void pb_float_field(pb_buf *b, int field, float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_key(b, field, WIRE_FIXED32);
    put_le(b, bits, 4);
}

void pb_bytes_field(pb_buf *b, int field, const void *data, size_t n) {
    put_key(b, field, WIRE_LEN);
    put_varint(b, n);
    put(b, data, n);
}

void pb_string_field(pb_buf *b, int field, const char *s) { pb_bytes_field(b, field, s, strlen(s)); }

ganc_status pb_check(const pb_buf *b, const char *what) {
    if (b->failed) return GANC_ERR(GANC_ERR_MEMORY, "%s: out of memory encoding a protobuf message", what);
    return GANC_OK;
}

/* ---- decoding ---- */

pb_decoder pb_decoder_of(const void *data, size_t len) {
    const uint8_t *p = data;
    return (pb_decoder){p, p + len};
}

bool pb_read_varint(pb_decoder *r, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        uint8_t byte = *r->p++;
        x |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false; /* ran off the end, or more than 10 bytes */
}

static uint64_t get_le(const uint8_t *p, int n_bytes) {
    uint64_t v = 0;
    for (int i = 0; i < n_bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int pb_next(pb_decoder *r, pb_field *f, const void *start, const char *what) {
    if (r->p >= r->end) return 0;
    const uint8_t *at = r->p;
    uint64_t key, len;
    const char *why = NULL;
    memset(f, 0, sizeof *f);
    if (!pb_read_varint(r, &key)) why = "truncated field key";
    else if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) why = "bad field number";
    if (!why) {
        f->number = (int)(key >> 3);
        f->wire = (int)(key & 7);
        size_t left = (size_t)(r->end - r->p);
        switch (f->wire) {
        case WIRE_VARINT:
            if (!pb_read_varint(r, &f->value)) why = "truncated varint";
            break;
        case WIRE_FIXED64:
        case WIRE_FIXED32: {
            int n = f->wire == WIRE_FIXED64 ? 8 : 4;
            if (left < (size_t)n) why = "truncated fixed-width value";
            else f->value = get_le(r->p, n), r->p += n;
            break;
        }
        case WIRE_LEN:
            if (!pb_read_varint(r, &len)) why = "truncated length";
            else if (len > (uint64_t)(r->end - r->p)) why = "length past the end of the message";
            else f->data = r->p, f->len = (size_t)len, r->p += len;
            break;
        default: why = "unsupported wire type (groups are not read)";
        }
    }
    if (!why) return 1;
    GANC_ERR(GANC_ERR_FORMAT, "%s: malformed protobuf at byte %zu: %s", what,
             (size_t)(at - (const uint8_t *)start), why);
    return -1;
}
