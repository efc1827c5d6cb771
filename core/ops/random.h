#ifndef GANC_OPS_RANDOM_H
#define GANC_OPS_RANDOM_H

/* Ops that draw random numbers from a caller's generator (core/rng.h). They
 * return a new tensor of the step, or NULL with an error; a NULL input (an
 * upstream failure) passes straight through. */

#include <stdbool.h>

#include "core/rng.h"
#include "core/tape.h"

/* Training: zero each element with probability p (in [0, 1]) and scale the
 * survivors by 1/(1-p). Element i is kept when
 * rng_uniform_at(r->seed, first + i) >= p, first = rng_reserve(r, numel),
 * so a GPU kernel draws the same mask and a run resumed from (seed, counter)
 * drops the same elements. Eval or p = 0: identity, r untouched (may be
 * NULL). */
tensor *op_dropout(tape *t, const tensor *x /* any shape */, real p, bool training, rng *r);

#endif
