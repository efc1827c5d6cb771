/* CUDA kernels: Adam(W) and SGD over a flat parameter block and the sum of
 * squares for gradient clipping, as core/cpu/optim_cpu.c specifies them. */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/optim.h"
}

__global__ void adam_kernel(real *w, const real *g, real *m, real *v, size_t n, real beta1, real beta2, real eps,
                            real step_size, real inv_sqrt_c2, real decay) {
    GRID_STRIDE(i, n) {
        real mi = beta1 * m[i] + (1 - beta1) * g[i];
        real vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] * decay - step_size * mi / (sqrtf(vi) * inv_sqrt_c2 + eps);
    }
}

static void cuda_adam_step(real *w, const real *g, real *m, real *v, size_t n, real beta1, real beta2, real eps,
                           real step_size, real inv_sqrt_c2, real decay) {
    if (n)
        CUDA_LAUNCH(adam_kernel, grid_for(n), CUDA_THREADS, w, g, m, v, n, beta1, beta2, eps, step_size, inv_sqrt_c2,
                    decay);
}

__global__ void sgd_kernel(real *w, const real *grad, real *buf, size_t n, real lr, real momentum, real weight_decay,
                           bool nesterov) {
    GRID_STRIDE(i, n) {
        real g = grad[i] + weight_decay * w[i];
        if (buf) {
            buf[i] = momentum * buf[i] + g;
            g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * g;
    }
}

static void cuda_sgd_step(real *w, const real *grad, real *buf, size_t n, real lr, real momentum, real weight_decay,
                          bool nesterov) {
    if (n) CUDA_LAUNCH(sgd_kernel, grid_for(n), CUDA_THREADS, w, grad, buf, n, lr, momentum, weight_decay, nesterov);
}

struct squares_item {
    const real *x;
    double *out;
    __device__ double load(long o, long r) const { return (double)x[r] * (double)x[r]; }
    __device__ void store(long o, double s) const { *out = s; }
};

static double cuda_sum_squares(const real *x, size_t n) {
    if (!n) return 0;
    squares_item item = {x, cuda_ctx.results};
    group_reduce(1, (long)n, item);
    double s = 0;
    CUDA_NOTE(cudaMemcpyAsync(&s, cuda_ctx.results, sizeof s, cudaMemcpyDeviceToHost, cuda_ctx.stream));
    CUDA_NOTE(cudaStreamSynchronize(cuda_ctx.stream));
    return s;
}

/* Positional, in the order of core/kernels/optim.h. */
extern "C" const struct optim_kernels cuda_optim_kernels = {
    cuda_adam_step,
    cuda_sgd_step,
    cuda_sum_squares,
};
