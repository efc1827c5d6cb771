#ifndef GANC_DATA_PROTOBUF_H
#define GANC_DATA_PROTOBUF_H

/* A protobuf wire-format encoder, just enough for the messages ganc writes
 * (TensorBoard events): varints, fixed 64- and 32-bit values and
 * length-delimited fields, appended to a growable buffer. A nested message
 * is encoded into a buffer of its own and added with pb_bytes_field.
 *
 * Errors pass through: a failed allocation marks the buffer, later appends
 * do nothing, and the caller checks once with pb_check. */

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

#endif
