/* CPU reference kernels: Adam(W) and SGD updates over a flat block, and
 * the sum of squares that gradient clipping takes its norm from. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/optim.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 65536
/* Chunks fixed by size, not by thread count, keep the sum's rounding fixed. */
#define SUM_CHUNK 16384

static void cpu_adam_step(real *w, const real *g, real *m, real *v, size_t n, real beta1, real beta2, real eps,
                          real step_size, real inv_sqrt_c2, real decay) {
    long count = (long)n;
#pragma omp parallel for if (count >= PARALLEL_MIN)
    for (long i = 0; i < count; i++) {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        w[i] = w[i] * decay - step_size * m[i] / (sqrt(v[i]) * inv_sqrt_c2 + eps);
    }
}

/* A zero buffer makes the first step b = g, as PyTorch's explicit first-step copy does. */
static void cpu_sgd_step(real *w, const real *grad, real *buf, size_t n, real lr, real momentum, real weight_decay,
                         bool nesterov) {
    long count = (long)n;
#pragma omp parallel for if (count >= PARALLEL_MIN)
    for (long i = 0; i < count; i++) {
        real g = grad[i] + weight_decay * w[i];
        if (buf) {
            buf[i] = momentum * buf[i] + g;
            g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * g;
    }
}

static double cpu_sum_squares(const real *g, size_t n) {
    size_t n_chunks = (n + SUM_CHUNK - 1) / SUM_CHUNK;
    double total = 0;
    /* Per-chunk partial sums are combined in chunk order below, so the
     * result does not depend on how the chunks were spread over threads. */
    enum { BATCH = 256 };
    double partial[BATCH];
    for (size_t first = 0; first < n_chunks; first += BATCH) {
        long count = (long)(n_chunks - first < BATCH ? n_chunks - first : BATCH);
#pragma omp parallel for if (count > 1 && n >= PARALLEL_MIN)
        for (long c = 0; c < count; c++) {
            size_t lo = (first + (size_t)c) * SUM_CHUNK, hi = lo + SUM_CHUNK < n ? lo + SUM_CHUNK : n;
            double s = 0;
            for (size_t i = lo; i < hi; i++) s += (double)g[i] * (double)g[i];
            partial[c] = s;
        }
        for (long c = 0; c < count; c++) total += partial[c];
    }
    return total;
}

const struct optim_kernels cpu_optim_kernels = {
    .adam_step = cpu_adam_step,
    .sgd_step = cpu_sgd_step,
    .sum_squares = cpu_sum_squares,
};
