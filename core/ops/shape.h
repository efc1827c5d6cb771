#ifndef GANC_OPS_SHAPE_H
#define GANC_OPS_SHAPE_H

/* Ops that rearrange values into a new tensor: concat, slice, split,
 * permute, flip. Every op returns a new tensor of the step, or NULL with an
 * error; a NULL input (an upstream failure) passes straight through. An
 * `axis` may be negative, counting from the last dim (-1). */

#include "core/tape.h"

/* Joins n >= 1 tensors along `axis`; all must have the same ndim and equal
 * dims except along axis. The output's axis dim is the sum of theirs. */
tensor *op_concat(tape *t, int n, const tensor *const *xs /* n tensors, (..., d_i, ...) */, int axis);
/* A copy of x[..., start:start+length, ...] along `axis`; the range must lie
 * inside the dim (start >= 0, length >= 1). */
tensor *op_slice(tape *t, const tensor *x /* any shape */, int axis, int start, int length);
/* Splits x along `axis` into n parts of the given sizes (each >= 1, summing
 * to the dim): out[i] are slices. On error every out[i] is NULL. */
ganc_status op_split(tape *t, const tensor *x /* any shape */, int axis, int n, const int *sizes,
                     tensor **out /* n tensors */);
/* y.shape[k] = x.shape[perm[k]]; perm has x->ndim entries, each dim once. */
tensor *op_permute(tape *t, const tensor *x /* any shape */, const int *perm);
/* x reversed along each dim whose bit is set in `axes` (bit i = dim i);
 * 0 reverses nothing and gives a copy. */
tensor *op_flip(tape *t, const tensor *x /* any shape */, unsigned axes);

#endif
