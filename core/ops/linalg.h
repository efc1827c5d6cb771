#ifndef GANC_OPS_LINALG_H
#define GANC_OPS_LINALG_H

/* Matrix products. Every op returns a new tensor of the step, or NULL with
 * an error; a NULL input (an upstream failure) passes straight through. */

#include "core/tape.h"

/* a @ b. Either operand may carry a leading batch dim; a 2-dim operand is
 * shared by every batch entry of the other. Both 3-dim: batch sizes equal.
 * Returns (M,N) when both are 2-dim, (B,M,N) otherwise. */
tensor *op_matmul(tape *t, const tensor *a /* (M,K) or (B,M,K) */, const tensor *b /* (K,N) or (B,K,N) */);

/* y = x w^T + b, PyTorch's nn.Linear layout. Returns (N,out). */
tensor *op_linear(tape *t, const tensor *x /* (N,in) */, const tensor *w /* (out,in) */,
                  const tensor *b /* (out) or NULL */);

#endif
