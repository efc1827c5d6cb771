#ifndef GANC_DATA_PROTOBUF_H
#define GANC_DATA_PROTOBUF_H

/* The protobuf wire format, just enough for the messages ganc writes
 * (TensorBoard events, ONNX models) and reads back (ONNX models for
 * `ganc info`).
 *
 * Encoder: varints, fixed 64- and 32-bit values and length-delimited
 * fields, appended to a growable buffer. A nested message is encoded into
 * a buffer of its own and added with pb_bytes_field. Errors pass through:
 * a failed allocation marks the buffer, later appends do nothing, and the
 * caller checks once with pb_check.
 *
 * Decoder: pb_next walks the fields of one message in a byte range; a
 * nested message is walked with a reader over its bytes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PB_VARINT_MAX 10 /* bytes of the longest varint (a 64-bit value) */

typedef struct pb_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed; /* an allocation failed; the contents are incomplete */
} pb_buf;

/* Writes v as a base-128 varint (7 bits per byte, least significant group
 * first, high bit set on all but the last byte); returns the byte count. */
size_t pb_varint_encode(uint64_t v, uint8_t out[PB_VARINT_MAX]);

/* Empties the buffer and clears `failed`, keeping its memory for reuse. */
void pb_reset(pb_buf *b);
void pb_free(pb_buf *b);

/* Field appenders. Signed int64 fields take the value cast to uint64_t
 * (two's complement, so a negative value takes 10 bytes), as protobuf does. */
void pb_varint_field(pb_buf *b, int field, uint64_t v);
void pb_double_field(pb_buf *b, int field, double v);  /* fixed64, little-endian */
void pb_float_field(pb_buf *b, int field, float v);    /* fixed32, little-endian */
void pb_bytes_field(pb_buf *b, int field, const void *data, size_t n);
void pb_string_field(pb_buf *b, int field, const char *s);

/* GANC_OK, or GANC_ERR_MEMORY naming `what` when an append failed. */
ganc_status pb_check(const pb_buf *b, const char *what);

/* ---- decoding ---- */

enum { PB_WIRE_VARINT = 0, PB_WIRE_FIXED64 = 1, PB_WIRE_LEN = 2, PB_WIRE_FIXED32 = 5 };

typedef struct pb_decoder {
    const uint8_t *p, *end;
} pb_decoder;

typedef struct pb_field {
    int number, wire;
    uint64_t value;      /* varint, fixed64 and fixed32 fields (fixed values as their bits) */
    const uint8_t *data; /* length-delimited fields: the bytes, inside the reader's range */
    size_t len;
} pb_field;

pb_decoder pb_decoder_of(const void *data, size_t len);
/* The next field into *f: 1; the end of the range: 0; malformed bytes (a
 * truncated varint or value, a length past the end, field number 0, group
 * or unknown wire types): -1 with an error naming `what` and the offset
 * from `start`. */
int pb_next(pb_decoder *r, pb_field *f, const void *start, const char *what);
/* Reads one varint from r (packed repeated fields); false when malformed. */
bool pb_read_varint(pb_decoder *r, uint64_t *v);

#endif
