/* CPU reference kernels: dropout with a mask drawn from the counter-based
 * generator, recomputed in backward. */
#include "core/backend.h"
#include "core/kernels/random.h"
#include "core/rng.h"

/* Philox costs about as much as a few hundred flops per value, so parallel
 * regions pay off sooner than for plain elementwise work. */
#define PARALLEL_MIN 4096

static inline real dropout_scale(real p) { return p < 1 ? 1 / (1 - p) : 0; }

static inline bool dropout_keep(real p, uint64_t seed, uint64_t index) {
    return rng_uniform_at(seed, index) >= (double)p;
}

static void cpu_dropout_forward(const real *x, size_t n, real p, uint64_t seed, uint64_t first, real *y) {
    if (p == 0) {
        for (size_t i = 0; i < n; i++) y[i] = x[i];
        return;
    }
    real scale = dropout_scale(p);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) y[i] = dropout_keep(p, seed, first + i) ? x[i] * scale : 0;
}

static void cpu_dropout_backward(const real *dy, size_t n, real p, uint64_t seed, uint64_t first, real *dx) {
    if (p == 0) {
        for (size_t i = 0; i < n; i++) dx[i] += dy[i];
        return;
    }
    real scale = dropout_scale(p);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++)
        if (dropout_keep(p, seed, first + i)) dx[i] += dy[i] * scale;
}

const struct random_kernels cpu_random_kernels = {
    .dropout_forward = cpu_dropout_forward,
    .dropout_backward = cpu_dropout_backward,
};
