#ifndef GANC_KERNELS_RANDOM_H
#define GANC_KERNELS_RANDOM_H

/* Random kernels. Kernel contract for every backend: forward kernels
 * overwrite their outputs; backward kernels ADD into the input gradients
 * they are given. Random draws come from core/rng.h's counter-based
 * generator: element i uses number `first + i` of the stream `seed`, so
 * every backend draws the same values and backward redraws the forward's
 * mask instead of storing it. */

#include <stdint.h>

#include "core/kernels/dims.h"

struct random_kernels {
    /* y[i] = keep(i) ? x[i] / (1 - p) : 0, keep(i) = rng_uniform_at(seed, first + i) >= p;
     * p = 1 drops everything, p = 0 copies x. */
    void (*dropout_forward)(const real *x, size_t n, real p, uint64_t seed, uint64_t first, real *y);
    /* dx[i] += keep(i) ? dy[i] / (1 - p) : 0, with the forward's mask. */
    void (*dropout_backward)(const real *dy, size_t n, real p, uint64_t seed, uint64_t first, real *dx);
};

#endif
