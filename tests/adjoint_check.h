#ifndef GANC_TESTS_ADJOINT_CHECK_H
#define GANC_TESTS_ADJOINT_CHECK_H

#include "core/tape.h"
#include "tests/test.h"

/* For an op that is linear in x (max pools too, with their winners fixed),
 * backward is the adjoint: sum(op(x) * u) = sum(x * grad), grad = op^T(u).
 * The (2,4,66,70) input is large enough to take the kernels' parallel
 * branches, which the small gradient-check inputs do not reach. */
void check_adjoint(test_ctx *tc, const char *what, tensor *(*f)(tape *, const tensor *));

#endif
