/* CUDA kernels: fused losses with mean reduction and per-row cosine
 * similarity, as core/cpu/loss_cpu.c specifies them. Scalars (the loss,
 * its upstream gradient) stay in device memory; sums run in double. */
#include <math.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/loss.h"
}

/* ---- pointwise losses ---- */

__device__ __forceinline__ real pointwise_value(pointwise_loss k, real beta, real p, real z) {
    real d = p - z;
    switch (k) {
    case POINTWISE_MSE: return d * d;
    case POINTWISE_L1: return fabsf(d);
    case POINTWISE_SMOOTH_L1: return fabsf(d) < beta ? d * d / (2 * beta) : fabsf(d) - beta / 2;
    case POINTWISE_BCE_LOGITS: return (p > 0 ? p : 0) - p * z + log1pf(expf(-fabsf(p)));
    }
    return 0;
}

__device__ __forceinline__ real sign_of(real d) { return d > 0 ? 1 : (d < 0 ? -1 : 0); }

__device__ __forceinline__ real sigmoid(real x) {
    if (x >= 0) return 1 / (1 + expf(-x));
    real e = expf(x);
    return e / (1 + e);
}

__device__ __forceinline__ real pointwise_dpred(pointwise_loss k, real beta, real p, real z) {
    real d = p - z;
    switch (k) {
    case POINTWISE_MSE: return 2 * d;
    case POINTWISE_L1: return sign_of(d);
    case POINTWISE_SMOOTH_L1: return fabsf(d) < beta ? d / beta : sign_of(d);
    case POINTWISE_BCE_LOGITS: return sigmoid(p) - z;
    }
    return 0;
}

__device__ __forceinline__ real pointwise_dtarget(pointwise_loss k, real beta, real p, real z) {
    return k == POINTWISE_BCE_LOGITS ? -p : -pointwise_dpred(k, beta, p, z);
}

struct pointwise_item {
    pointwise_loss k;
    real beta;
    const real *pred, *target;
    real *out;
    size_t n;
    __device__ double load(long o, long i) const { return pointwise_value(k, beta, pred[i], target[i]); }
    __device__ void store(long o, double s) const { out[0] = (real)(s / (double)n); }
};

static void cuda_pointwise_forward(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                                   real *out) {
    pointwise_item item = {k, beta, pred, target, out, n};
    group_reduce(1, (long)n, item);
}

__global__ void pointwise_backward_kernel(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                                          const real *dout, real *dpred, real *dtarget) {
    real g = dout[0] / (real)n;
    GRID_STRIDE(i, n) {
        if (dpred) dpred[i] += g * pointwise_dpred(k, beta, pred[i], target[i]);
        if (dtarget) dtarget[i] += g * pointwise_dtarget(k, beta, pred[i], target[i]);
    }
}

static void cuda_pointwise_backward(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                                    const real *dout, real *dpred, real *dtarget) {
    if (n)
        CUDA_LAUNCH(pointwise_backward_kernel, grid_for(n), CUDA_THREADS, k, beta, pred, target, n, dout, dpred,
                    dtarget);
}

/* ---- negative log-likelihood and cross entropy over (n, c) ---- */

struct nll_item {
    const real *log_probs, *labels;
    int c, n;
    real *out;
    __device__ double load(long o, long i) const { return log_probs[i * c + (int)labels[i]]; }
    __device__ void store(long o, double s) const { out[0] = (real)(-s / n); }
};

static void cuda_nll_forward(const real *log_probs, const real *labels, int n, int c, real *out) {
    nll_item item = {log_probs, labels, c, n, out};
    group_reduce(1, n, item);
}

/* Rows are distinct, so no two threads touch one value. */
__global__ void nll_backward_kernel(const real *labels, int n, int c, const real *dout, real *dlog_probs) {
    real g = dout[0] / (real)n;
    GRID_STRIDE(i, n) dlog_probs[i * c + (int)labels[i]] -= g;
}

static void cuda_nll_backward(const real *labels, int n, int c, const real *dout, real *dlog_probs) {
    CUDA_LAUNCH(nll_backward_kernel, grid_for((size_t)n), CUDA_THREADS, labels, n, c, dout, dlog_probs);
}

/* One warp per row: the CPU's max (first value, replaced only by a larger
 * one), the sum of exponentials in double. */
__global__ void logsumexp_kernel(const real *logits, int n, int c, real *lse) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long i = warp; i < n; i += n_warps) {
        const real *row = logits + i * c;
        real m = row[0];
        for (int j = lane; j < c; j += 32) m = row[j] > m ? row[j] : m;
        for (int offset = 16; offset > 0; offset >>= 1) {
            real other = __shfl_down_sync(0xffffffffu, m, offset);
            m = other > m ? other : m;
        }
        m = __shfl_sync(0xffffffffu, m, 0);
        double s = 0;
        for (int j = lane; j < c; j += 32) s += expf(row[j] - m);
        s = warp_sum(s);
        if (lane == 0) lse[i] = m + (real)log(s);
    }
}

struct cross_entropy_item {
    const real *logits, *labels, *lse;
    int c, n;
    real *out;
    __device__ double load(long o, long i) const { return lse[i] - logits[i * c + (int)labels[i]]; }
    __device__ void store(long o, double s) const { out[0] = (real)(s / n); }
};

static void cuda_cross_entropy_forward(const real *logits, const real *labels, int n, int c, real *out, real *lse) {
    CUDA_LAUNCH(logsumexp_kernel, grid_for((size_t)n * 32), CUDA_THREADS, logits, n, c, lse);
    cross_entropy_item item = {logits, labels, lse, c, n, out};
    group_reduce(1, n, item);
}

__global__ void cross_entropy_backward_kernel(const real *logits, const real *labels, const real *lse, int n, int c,
                                              const real *dout, real *dlogits) {
    real g = dout[0] / (real)n;
    GRID_STRIDE(k, (long)n * c) {
        long i = k / c;
        int j = (int)(k % c);
        real d = dlogits[k] + g * expf(logits[k] - lse[i]);
        if (j == (int)labels[i]) d -= g;
        dlogits[k] = d;
    }
}

static void cuda_cross_entropy_backward(const real *logits, const real *labels, const real *lse, int n, int c,
                                        const real *dout, real *dlogits) {
    CUDA_LAUNCH(cross_entropy_backward_kernel, grid_for((size_t)n * c), CUDA_THREADS, logits, labels, lse, n, c, dout,
                dlogits);
}

/* ---- cosine similarity per row of (n, d): one warp per row ---- */

__global__ void cosine_forward_kernel(const real *a, const real *b, int n, int d, real eps, real *y, real *norm_a,
                                      real *norm_b) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long i = warp; i < n; i += n_warps) {
        const real *ai = a + i * d, *bi = b + i * d;
        double dot = 0, aa = 0, bb = 0;
        for (int j = lane; j < d; j += 32) {
            dot += ai[j] * bi[j];
            aa += ai[j] * ai[j];
            bb += bi[j] * bi[j];
        }
        dot = warp_sum(dot);
        aa = warp_sum(aa);
        bb = warp_sum(bb);
        if (lane != 0) continue;
        double na = sqrt(aa), nb = sqrt(bb), den = na * nb;
        norm_a[i] = (real)na;
        norm_b[i] = (real)nb;
        y[i] = (real)(dot / (den > eps ? den : (double)eps));
    }
}

/* Unclamped: dy/da = b / (|a||b|) - y a / |a|^2; clamped at eps: b / eps. */
__global__ void cosine_backward_kernel(const real *a, const real *b, int n, int d, real eps, const real *y,
                                       const real *norm_a, const real *norm_b, const real *dy, real *da, real *db) {
    GRID_STRIDE(o, (long)n * d) {
        long i = o / d;
        real na = norm_a[i], nb = norm_b[i], den = na * nb, g = dy[i];
        bool clamped = !(den > eps);
        real inv_den = 1 / (clamped ? eps : den);
        real ya = clamped ? 0 : y[i] / (na * na), yb = clamped ? 0 : y[i] / (nb * nb);
        if (da) da[o] += g * (b[o] * inv_den - ya * a[o]);
        if (db) db[o] += g * (a[o] * inv_den - yb * b[o]);
    }
}

static void cuda_cosine_forward(const real *a, const real *b, int n, int d, real eps, real *y, real *norm_a,
                                real *norm_b) {
    CUDA_LAUNCH(cosine_forward_kernel, grid_for((size_t)n * 32), CUDA_THREADS, a, b, n, d, eps, y, norm_a, norm_b);
}

static void cuda_cosine_backward(const real *a, const real *b, int n, int d, real eps, const real *y,
                                 const real *norm_a, const real *norm_b, const real *dy, real *da, real *db) {
    CUDA_LAUNCH(cosine_backward_kernel, grid_for((size_t)n * d), CUDA_THREADS, a, b, n, d, eps, y, norm_a, norm_b,
                dy, da, db);
}

/* Positional, in the order of core/kernels/loss.h. */
extern "C" const struct loss_kernels cuda_loss_kernels = {
    cuda_pointwise_forward,     cuda_pointwise_backward, cuda_nll_forward,      cuda_nll_backward,
    cuda_cross_entropy_forward, cuda_cross_entropy_backward, cuda_cosine_forward, cuda_cosine_backward,
};
