/* CUDA kernels: segment normalisation (instance, group, layer norm) and
 * batch norm with a fused affine, as core/cpu/norm_cpu.c specifies them.
 * One block per segment (or channel) sums the statistics in double,
 * shifted by the set's first value like the CPU, then writes the outputs.
 * Affine gradients that several segments share are grouped sums over the
 * segments, so no two blocks add into one entry. */
#include <math.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/norm.h"
}

static unsigned blocks_for_sets(long sets) { return (unsigned)(sets < 65535 ? (sets > 0 ? sets : 1) : 65535); }

/* mean and inv_std from sums of (x - shift) over `count` values; the
 * biased variance, clamped at 0 against rounding. */
__device__ __forceinline__ void finish_moments(double shift, double sum, double sum_sq, long count, real eps,
                                               double *mean, double *var, real *inv) {
    double mu = sum / (double)count, v = sum_sq / (double)count - mu * mu;
    *mean = shift + mu;
    *var = v > 0 ? v : 0;
    *inv = (real)(1 / sqrt(*var + (double)eps));
}

/* ---- segments ---- */

__global__ void segment_forward_kernel(const real *x, const real *gamma, const real *beta, norm_segments g, real eps,
                                       real *y, real *mean, real *inv_std) {
    int runs = g.length / g.affine_run;
    for (long s = blockIdx.x; s < g.count; s += gridDim.x) {
        const real *xs = x + s * g.length;
        real *ys = y + s * g.length;
        double shift = xs[0], sum = 0, sum_sq = 0;
        for (long j = threadIdx.x; j < g.length; j += blockDim.x) {
            double d = (double)xs[j] - shift;
            sum += d;
            sum_sq += d * d;
        }
        sum = block_sum_all(sum);
        sum_sq = block_sum_all(sum_sq);
        double m, var;
        real inv;
        finish_moments(shift, sum, sum_sq, g.length, eps, &m, &var, &inv);
        real mu = (real)m;
        if (threadIdx.x == 0) {
            mean[s] = mu;
            inv_std[s] = inv;
        }
        int base = (int)(s % g.per_sample) * runs;
        for (long j = threadIdx.x; j < g.length; j += blockDim.x) {
            int e = base + (int)(j / g.affine_run);
            real scale = inv * (gamma ? gamma[e] : 1);
            real shift_e = (beta ? beta[e] : 0) - mu * scale;
            ys[j] = xs[j] * scale + shift_e;
        }
    }
}

static void cuda_segment_forward(const real *x, const real *gamma, const real *beta, norm_segments g, real eps,
                                 real *y, real *mean, real *inv_std) {
    CUDA_LAUNCH(segment_forward_kernel, blocks_for_sets(g.count), CUDA_THREADS, x, gamma, beta, g, eps, y, mean,
                inv_std);
}

/* dx += inv_std * (dxh - mean(dxh) - xh * mean(dxh * xh)), dxh = dy * gamma. */
__global__ void segment_dx_kernel(const real *x, const real *gamma, const real *dy, norm_segments g, const real *mean,
                                  const real *inv_std, real *dx) {
    int runs = g.length / g.affine_run;
    for (long s = blockIdx.x; s < g.count; s += gridDim.x) {
        long off = s * g.length;
        int base = (int)(s % g.per_sample) * runs;
        real mu = mean[s], inv = inv_std[s];
        double sum_dxh = 0, sum_dxh_xc = 0;
        for (long j = threadIdx.x; j < g.length; j += blockDim.x) {
            real gr = gamma ? gamma[base + j / g.affine_run] : 1;
            sum_dxh += (double)gr * dy[off + j];
            sum_dxh_xc += (double)gr * (double)(dy[off + j] * (x[off + j] - mu));
        }
        sum_dxh = block_sum_all(sum_dxh);
        sum_dxh_xc = block_sum_all(sum_dxh_xc);
        real c1 = (real)(sum_dxh / g.length), c2 = (real)(sum_dxh_xc * inv / g.length) * inv;
        for (long j = threadIdx.x; j < g.length; j += blockDim.x) {
            real gr = gamma ? gamma[base + j / g.affine_run] : 1;
            long o = off + j;
            dx[o] += inv * (dy[o] * gr - c1 - (x[o] - mu) * c2);
        }
    }
}

/* Affine entry a = (segment position p, run r) sums over every sample's
 * segment p, run r: `gamma` picks dgamma's terms, else dbeta's. */
struct affine_grad_item {
    const real *x, *dy, *mean, *inv_std;
    real *d;
    norm_segments g;
    int runs;
    bool gamma;
    __device__ double load(long a, long t) const {
        long p = a / runs, r = a % runs, n = t / g.affine_run, j = t % g.affine_run;
        long s = n * g.per_sample + p, off = s * g.length + r * g.affine_run + j;
        if (!gamma) return dy[off];
        return (double)(dy[off] * (x[off] - mean[s])) * inv_std[s];
    }
    __device__ void store(long a, double sum) const { d[a] += (real)sum; }
};

static void cuda_segment_backward(const real *x, const real *gamma, const real *dy, norm_segments g, const real *mean,
                                  const real *inv_std, real *dx, real *dgamma, real *dbeta) {
    if (dx)
        CUDA_LAUNCH(segment_dx_kernel, blocks_for_sets(g.count), CUDA_THREADS, x, gamma, dy, g, mean, inv_std, dx);
    int runs = g.length / g.affine_run;
    long entries = (long)g.per_sample * runs, terms = (long)(g.count / g.per_sample) * g.affine_run;
    affine_grad_item item = {x, dy, mean, inv_std, NULL, g, runs, true};
    if (dgamma) {
        item.d = dgamma;
        group_reduce(entries, terms, item);
    }
    if (dbeta) {
        item.d = dbeta;
        item.gamma = false;
        group_reduce(entries, terms, item);
    }
}

/* ---- batch norm: channel k of x (n, c, s), one block per channel ---- */

__device__ __forceinline__ long batch_offset(long t, int c, int s, int k) {
    return ((t / s) * c + k) * s + t % s;
}

__global__ void batch_train_kernel(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                                   real momentum, real *y, real *mean, real *inv_std, real *running_mean,
                                   real *running_var) {
    long count = (long)n * s;
    for (int k = blockIdx.x; k < c; k += gridDim.x) {
        double shift = x[(long)k * s], sum = 0, sum_sq = 0;
        for (long t = threadIdx.x; t < count; t += blockDim.x) {
            double d = (double)x[batch_offset(t, c, s, k)] - shift;
            sum += d;
            sum_sq += d * d;
        }
        sum = block_sum_all(sum);
        sum_sq = block_sum_all(sum_sq);
        double mu, var;
        real inv;
        finish_moments(shift, sum, sum_sq, count, eps, &mu, &var, &inv);
        if (threadIdx.x == 0) {
            mean[k] = (real)mu;
            inv_std[k] = inv;
            /* Running variance is unbiased (PyTorch); the normalisation is not. */
            if (running_mean) running_mean[k] = (1 - momentum) * running_mean[k] + momentum * (real)mu;
            if (running_var)
                running_var[k] = (1 - momentum) * running_var[k] + momentum * (real)(var * count / (count - 1));
        }
        real scale = inv * (gamma ? gamma[k] : 1);
        real shift_k = (beta ? beta[k] : 0) - (real)mu * scale;
        for (long t = threadIdx.x; t < count; t += blockDim.x) {
            long off = batch_offset(t, c, s, k);
            y[off] = x[off] * scale + shift_k;
        }
    }
}

static void cuda_batch_forward_train(const real *x, const real *gamma, const real *beta, int n, int c, int s,
                                     real eps, real momentum, real *y, real *mean, real *inv_std, real *running_mean,
                                     real *running_var) {
    CUDA_LAUNCH(batch_train_kernel, blocks_for_sets(c), CUDA_THREADS, x, gamma, beta, n, c, s, eps, momentum, y, mean,
                inv_std, running_mean, running_var);
}

__global__ void batch_eval_kernel(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                                  const real *running_mean, const real *running_var, real *y, real *mean,
                                  real *inv_std) {
    long count = (long)n * s;
    for (int k = blockIdx.x; k < c; k += gridDim.x) {
        real mu = running_mean[k], inv = 1 / sqrtf(running_var[k] + eps);
        if (threadIdx.x == 0) {
            mean[k] = mu;
            inv_std[k] = inv;
        }
        real scale = inv * (gamma ? gamma[k] : 1);
        real shift_k = (beta ? beta[k] : 0) - mu * scale;
        for (long t = threadIdx.x; t < count; t += blockDim.x) {
            long off = batch_offset(t, c, s, k);
            y[off] = x[off] * scale + shift_k;
        }
    }
}

static void cuda_batch_forward_eval(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                                    const real *running_mean, const real *running_var, real *y, real *mean,
                                    real *inv_std) {
    CUDA_LAUNCH(batch_eval_kernel, blocks_for_sets(c), CUDA_THREADS, x, gamma, beta, n, c, s, eps, running_mean,
                running_var, y, mean, inv_std);
}

__global__ void batch_backward_kernel(const real *x, const real *gamma, const real *dy, int n, int c, int s,
                                      bool training, const real *mean, const real *inv_std, real *dx, real *dgamma,
                                      real *dbeta) {
    long count = (long)n * s;
    for (int k = blockIdx.x; k < c; k += gridDim.x) {
        real mu = mean[k], inv = inv_std[k];
        double sum_dy = 0, sum_dy_xc = 0;
        for (long t = threadIdx.x; t < count; t += blockDim.x) {
            long off = batch_offset(t, c, s, k);
            sum_dy += dy[off];
            sum_dy_xc += dy[off] * (x[off] - mu);
        }
        sum_dy = block_sum_all(sum_dy);
        sum_dy_xc = block_sum_all(sum_dy_xc);
        if (threadIdx.x == 0) {
            if (dgamma) dgamma[k] += (real)(sum_dy_xc * inv);
            if (dbeta) dbeta[k] += (real)sum_dy;
        }
        if (!dx) continue;
        real g_inv = inv * (gamma ? gamma[k] : 1);
        /* With batch statistics the mean and variance also depend on x. */
        real c1 = training ? (real)(sum_dy / count) : 0;
        real c2 = training ? (real)(sum_dy_xc / count) * inv * inv : 0;
        for (long t = threadIdx.x; t < count; t += blockDim.x) {
            long off = batch_offset(t, c, s, k);
            dx[off] += g_inv * (dy[off] - c1 - (x[off] - mu) * c2);
        }
    }
}

static void cuda_batch_backward(const real *x, const real *gamma, const real *dy, int n, int c, int s, bool training,
                                const real *mean, const real *inv_std, real *dx, real *dgamma, real *dbeta) {
    CUDA_LAUNCH(batch_backward_kernel, blocks_for_sets(c), CUDA_THREADS, x, gamma, dy, n, c, s, training, mean,
                inv_std, dx, dgamma, dbeta);
}

/* Positional, in the order of core/kernels/norm.h. */
extern "C" const struct norm_kernels cuda_norm_kernels = {
    cuda_segment_forward,     cuda_segment_backward, cuda_batch_forward_train,
    cuda_batch_forward_eval,  cuda_batch_backward,
};
