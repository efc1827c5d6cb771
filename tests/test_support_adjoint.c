/* Shared by the spatial and image tests: see tests/adjoint_check.h. */
#include "tests/adjoint_check.h"

#include <math.h>

void check_adjoint(test_ctx *tc, const char *what, tensor *(*f)(tape *, const tensor *)) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int shape[4] = {2, 4, 66, 70};
    tensor *x = tape_tensor(t, 4, shape, "x");
    REQUIRE(x && tape_set_requires_grad(t, x) == GANC_OK);
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)((i * 7919) % 10007) / 10007 - (real)0.5;
    tensor *y = f(t, x);
    REQUIRE(y);
    tensor *u = tape_tensor(t, y->ndim, y->shape, "u");
    REQUIRE(u);
    double lhs = 0, rhs = 0, scale = 0;
    for (size_t i = 0; i < y->numel; i++) {
        u->data[i] = (real)((i * 104729) % 1009) / 1009 - (real)0.5;
        lhs += (double)y->data[i] * u->data[i];
        scale += fabs((double)y->data[i] * u->data[i]);
    }
    REQUIRE(tape_backward(t, y, u) == GANC_OK);
    for (size_t i = 0; i < x->numel; i++) rhs += (double)x->data[i] * x->grad[i];
    CHECK_MSG(fabs(lhs - rhs) <= 1e-4 * scale, "%s: <op(x),u> = %.9g but <x,op^T(u)> = %.9g", what, lhs, rhs);
    tape_free(t);
}
