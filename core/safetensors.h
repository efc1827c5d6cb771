#ifndef GANC_SAFETENSORS_H
#define GANC_SAFETENSORS_H

/* The safetensors file format (Hugging Face), so the `safetensors` Python
 * package and PyTorch read ganc's weights as they are:
 *
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   JSON: {"name": {"dtype": "F32", "shape": [2, 3],
 *                             "data_offsets": [begin, end]}, ...,
 *                    "__metadata__": {"key": "value", ...}}
 *             padded with spaces to a multiple of 8 bytes
 *   rest      the payload: each tensor's values, little-endian, row-major;
 *             data_offsets are byte offsets into it, and the tensors tile it
 *             with no gap and no overlap.
 *
 * This file is the format only (header text and value encoding); files,
 * checksums and atomic writes are core/checkpoint.h. */

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/real.h"

#define SAFETENSORS_MAX_DIM 8
/* The reference implementation refuses longer headers; so does ganc. */
#define SAFETENSORS_MAX_HEADER 100000000u

/* I64 holds integer counters (BatchNorm's num_batches_tracked, an int64 in PyTorch). */
typedef enum { SAFETENSORS_F32, SAFETENSORS_F64, SAFETENSORS_I64 } safetensors_dtype;

typedef struct safetensors_tensor {
    char *name;
    safetensors_dtype dtype;
    int ndim; /* 0 (a scalar) .. SAFETENSORS_MAX_DIM */
    int64_t shape[SAFETENSORS_MAX_DIM];
    uint64_t begin, end; /* byte range in the payload */
} safetensors_tensor;

typedef struct safetensors_meta {
    char *key, *value;
    /* Set by the parser: where the value's characters (between its quotes,
     * as written, escapes not decoded) lie in the header text, so that a
     * checksum stored in the header can be masked out of its own input. */
    size_t raw_at, raw_len;
} safetensors_meta;

typedef struct safetensors_header {
    safetensors_tensor *tensors; /* in the order of the JSON text */
    size_t n_tensors;
    safetensors_meta *meta;
    size_t n_meta;
} safetensors_header;

size_t safetensors_dtype_size(safetensors_dtype dtype);
const char *safetensors_dtype_name(safetensors_dtype dtype);
/* Number of values of a tensor (1 for a scalar). */
uint64_t safetensors_numel(const safetensors_tensor *t);

/* Parses and validates the `len` header bytes of file `origin` (named in
 * errors), whose payload holds `payload_size` bytes: strict JSON of exactly
 * the shape above (string escapes included), known dtypes, no duplicate
 * names, offsets that match each shape and tile the payload. Positions in
 * errors are byte offsets in the file (the header starts at byte 8). On
 * failure *out is left empty. */
ganc_status safetensors_parse_header(const char *origin, const char *text, size_t len, uint64_t payload_size,
                                     safetensors_header *out);
void safetensors_header_free(safetensors_header *h);

/* The header as JSON text, padded with spaces so that 8 + *len is a
 * multiple of 8. malloc'd; NULL with an error when out of memory. */
char *safetensors_format_header(const safetensors_header *h, size_t *len);

/* n values to little-endian float32 bytes (rounding when real is double). */
void safetensors_encode_f32(const real *src, size_t n, unsigned char *dst);
/* n values, rounded to the nearest integer, to little-endian int64 bytes. */
void safetensors_encode_i64(const real *src, size_t n, unsigned char *dst);
/* n little-endian values of `dtype` into real. */
void safetensors_decode(safetensors_dtype dtype, const unsigned char *src, size_t n, real *dst);

#endif
