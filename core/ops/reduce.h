#ifndef GANC_OPS_REDUCE_H
#define GANC_OPS_REDUCE_H

/* Reductions and softmax. Every op returns a new tensor of the step, or NULL
 * with an error; a NULL input (an upstream failure) passes straight through. */

#include "core/tape.h"

/* `axes`: bit i set reduces over dim i of x; 0 reduces over every dim.
 * keepdim keeps the reduced dims as 1; otherwise they are dropped, and
 * dropping every dim gives shape (1). */
tensor *op_sum(tape *t, const tensor *x /* any shape */, unsigned axes, bool keepdim);
tensor *op_mean(tape *t, const tensor *x /* any shape */, unsigned axes, bool keepdim);
/* The gradient goes to the first maximal element (in memory order) of each
 * reduced group; other tied elements get none. */
tensor *op_max(tape *t, const tensor *x /* any shape */, unsigned axes, bool keepdim);

/* Along one dim of x; the output has x's shape. `axis` may be negative,
 * counting from the last dim (-1). Numerically stable: the max along the
 * axis is subtracted before exp. */
tensor *op_softmax(tape *t, const tensor *x /* any shape */, int axis);
tensor *op_log_softmax(tape *t, const tensor *x /* any shape */, int axis);

#endif
