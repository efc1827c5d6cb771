#ifndef GANC_OPS_VIEW_H
#define GANC_OPS_VIEW_H

/* Ops whose output shares the input's values: no copy in the forward pass. */

#include "core/tape.h"

/* Same values, new shape with the same number of elements. One dim may be
 * -1 and is then inferred. */
tensor *op_reshape(tape *t, const tensor *x, int ndim, const int *shape);
/* Same values, cut from the tape: no gradient flows back through it (the
 * discriminator step uses detach(G(x))). */
tensor *op_detach(tape *t, const tensor *x);
/* Identity forward; backward passes -lambda * grad (domain-adversarial
 * training, Ganin & Lempitsky 2015). */
tensor *op_grad_reverse(tape *t, const tensor *x, real lambda);

#endif
