#ifndef GANC_KERNELS_OPTIM_H
#define GANC_KERNELS_OPTIM_H

/* Optimizer updates over a flat parameter block (core/params.h), so one
 * call updates a whole network wherever its block lives. All pointers are
 * memory of the backend's device; `n` values each. */

#include <stdbool.h>

#include "core/kernels/dims.h"

struct optim_kernels {
    /* Adam(W), bias corrections folded into the step size:
     *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
     *   w = w * decay - step_size * m / (sqrt(v) * inv_sqrt_c2 + eps) */
    void (*adam_step)(real *w, const real *g, real *m, real *v, size_t n, real beta1, real beta2, real eps,
                      real step_size, real inv_sqrt_c2, real decay);
    /* SGD with L2 weight decay and optional (Nesterov) momentum; buf NULL
     * when momentum is 0:
     *   g += wd w;  b = mu b + g;  g = nesterov ? g + mu b : b;  w -= lr g */
    void (*sgd_step)(real *w, const real *grad, real *buf, size_t n, real lr, real momentum, real weight_decay,
                     bool nesterov);
    /* Sum of x^2 in double, returned to the host (waits for the device). */
    double (*sum_squares)(const real *x, size_t n);
};

#endif
