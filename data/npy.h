#ifndef GANC_DATA_NPY_H
#define GANC_DATA_NPY_H

/* NumPy .npy files, format version 1.0, little-endian float32 in C order:
 * tensors handed to outside tools (an ONNX runtime, PyTorch) to compare
 * against ganc's values. */

#include "core/error.h"
#include "core/real.h"

/* Writes `values` (the product of `shape` values, ndim 1..8) as float32. */
ganc_status npy_write_f32(const char *path, int ndim, const int *shape, const real *values);

#endif
