/* CUDA kernels: sum/mean and max over any set of dims, softmax and
 * log_softmax along one dim, as core/cpu/reduce_cpu.c specifies them.
 * Sums accumulate in double like the CPU's. */
#include <limits.h>
#include <math.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/reduce.h"
}

/* How a reduction walks x: output o's group spans the reduced extents
 * `group` from the base offset of o's position in `out`. */
struct reduce_plan {
    dims4 out, group;
    long stride[4]; /* of x */

    __device__ long base(long o) const {
        long b = 0;
        for (int i = 3; i >= 0; i--) {
            b += (o % out.d[i]) * stride[i];
            o /= out.d[i];
        }
        return b;
    }
    /* Offset of member r of a group, members in memory order. */
    __device__ long member(long r) const {
        long off = 0;
        for (int i = 3; i >= 0; i--) {
            off += (r % group.d[i]) * stride[i];
            r /= group.d[i];
        }
        return off;
    }
};

static reduce_plan plan_of(dims4 sx, unsigned mask) {
    reduce_plan p;
    long stride = 1;
    for (int i = 3; i >= 0; i--) {
        bool reduced = mask & (1u << i);
        p.out.d[i] = reduced ? 1 : sx.d[i];
        p.group.d[i] = reduced ? sx.d[i] : 1;
        p.stride[i] = stride;
        stride *= sx.d[i];
    }
    return p;
}

/* ---- sum ---- */

struct sum_item {
    reduce_plan p;
    const real *x;
    real *y;
    real scale;
    __device__ double load(long o, long r) const { return x[p.base(o) + p.member(r)]; }
    __device__ void store(long o, double s) const { y[o] = (real)(scale * s); }
};

static void cuda_sum_forward(const real *x, dims4 sx, unsigned mask, real scale, real *y) {
    sum_item item = {plan_of(sx, mask), x, y, scale};
    group_reduce((long)dims4_numel(item.p.out), (long)dims4_numel(item.p.group), item);
}

/* One thread per dx element: every element is written once. */
__global__ void sum_backward_kernel(const real *dy, dims4 sx, unsigned mask, real scale, real *dx, long n) {
    GRID_STRIDE(i, n) {
        long r = i, yi = 0, ystride = 1;
        for (int d = 3; d >= 0; d--) {
            long id = r % sx.d[d];
            r /= sx.d[d];
            if (!(mask & (1u << d))) {
                yi += id * ystride;
                ystride *= sx.d[d];
            }
        }
        dx[i] += scale * dy[yi];
    }
}

static void cuda_sum_backward(const real *dy, dims4 sx, unsigned mask, real scale, real *dx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(sum_backward_kernel, grid_for((size_t)n), CUDA_THREADS, dy, sx, mask, scale, dx, n);
}

/* ---- max ----
 * The CPU keeps the first element and replaces it only by a strictly larger
 * one, so: a NaN first element wins; other NaNs never do; ties go to the
 * first in memory order. Each lane keeps its own best, then lanes merge. */

#define NO_MEMBER LONG_MAX

struct arg_best {
    real v;
    long r;
};

__device__ __forceinline__ arg_best better_of(arg_best a, arg_best b) {
    if (b.r == NO_MEMBER) return a;
    if (a.r == NO_MEMBER) return b;
    if (b.v > a.v || (b.v == a.v && b.r < a.r)) return b;
    return a;
}

/* Member index of the group maximum, for one output, scanned by `lanes`
 * threads starting at `lane`. */
__device__ arg_best lane_best(const real *g, const reduce_plan &p, long group, long lane, long lanes) {
    arg_best best = {0, NO_MEMBER};
    for (long r = lane; r < group; r += lanes) {
        real v = g[p.member(r)];
        if (!isnan(v) && (best.r == NO_MEMBER || v > best.v)) best = arg_best{v, r};
    }
    return best;
}

__device__ __forceinline__ arg_best warp_best(arg_best b) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        arg_best other;
        other.v = __shfl_down_sync(0xffffffffu, b.v, offset);
        other.r = __shfl_down_sync(0xffffffffu, b.r, offset);
        b = better_of(b, other);
    }
    return b;
}

/* Offset of the winner within the group. */
__device__ __forceinline__ long winner(const real *g, const reduce_plan &p, arg_best b) {
    if (b.r == NO_MEMBER || isnan(g[0])) return 0;
    return p.member(b.r);
}

/* One warp per output; dy NULL: forward (y = max), else backward (dx += dy at the max). */
__global__ void max_kernel(const real *x, reduce_plan p, long n_out, long group, real *y, const real *dy,
                           real *dx) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long o = warp; o < n_out; o += n_warps) {
        long base = p.base(o);
        arg_best b = warp_best(lane_best(x + base, p, group, lane, 32));
        if (lane != 0) continue;
        long at = base + winner(x + base, p, b);
        if (dy) dx[at] += dy[o];
        else y[o] = x[at];
    }
}

static void run_max(const real *x, dims4 sx, unsigned mask, real *y, const real *dy, real *dx) {
    reduce_plan p = plan_of(sx, mask);
    long n_out = (long)dims4_numel(p.out), group = (long)dims4_numel(p.group);
    CUDA_LAUNCH(max_kernel, grid_for((size_t)n_out * 32), CUDA_THREADS, x, p, n_out, group, y, dy, dx);
}

static void cuda_max_forward(const real *x, dims4 sx, unsigned mask, real *y) { run_max(x, sx, mask, y, NULL, NULL); }

static void cuda_max_backward(const real *x, dims4 sx, unsigned mask, const real *dy, real *dx) {
    run_max(x, sx, mask, NULL, dy, dx);
}

/* ---- softmax ----
 * x seen as (outer, n, inner) around `axis`: one warp per line of n values
 * with stride `inner`. */

struct axis_view {
    long outer, n, inner;
};

static axis_view axis_view_of(dims4 sx, int axis) {
    axis_view v = {1, sx.d[axis], 1};
    for (int i = 0; i < axis; i++) v.outer *= sx.d[i];
    for (int i = axis + 1; i < 4; i++) v.inner *= sx.d[i];
    return v;
}

__device__ __forceinline__ real warp_max(real v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, offset));
    return __shfl_sync(0xffffffffu, v, 0);
}

__global__ void softmax_forward_kernel(const real *x, axis_view v, bool is_log, real *y) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long l = warp; l < v.outer * v.inner; l += n_warps) {
        long start = (l / v.inner) * v.n * v.inner + l % v.inner;
        const real *xl = x + start;
        real *yl = y + start;
        /* fmax skips NaNs, as the CPU's fmax does. */
        real m = -INFINITY;
        for (long k = lane; k < v.n; k += 32) m = fmaxf(m, xl[k * v.inner]);
        m = warp_max(m);
        double s = 0;
        for (long k = lane; k < v.n; k += 32) s += expf(xl[k * v.inner] - m);
        s = __shfl_sync(0xffffffffu, warp_sum(s), 0);
        if (is_log) {
            real lse = m + (real)log(s);
            for (long k = lane; k < v.n; k += 32) yl[k * v.inner] = xl[k * v.inner] - lse;
        } else {
            for (long k = lane; k < v.n; k += 32) yl[k * v.inner] = (real)(expf(xl[k * v.inner] - m) / s);
        }
    }
}

__global__ void softmax_backward_kernel(const real *y, const real *dy, axis_view v, bool is_log, real *dx) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long l = warp; l < v.outer * v.inner; l += n_warps) {
        long start = (l / v.inner) * v.n * v.inner + l % v.inner;
        const real *yl = y + start, *gl = dy + start;
        real *dl = dx + start;
        double s = 0;
        for (long k = lane; k < v.n; k += 32) s += is_log ? gl[k * v.inner] : gl[k * v.inner] * yl[k * v.inner];
        real sr = (real)__shfl_sync(0xffffffffu, warp_sum(s), 0);
        for (long k = lane; k < v.n; k += 32) {
            long i = k * v.inner;
            dl[i] += is_log ? gl[i] - expf(yl[i]) * sr : yl[i] * (gl[i] - sr);
        }
    }
}

static void cuda_softmax_forward(const real *x, dims4 sx, int axis, bool is_log, real *y) {
    axis_view v = axis_view_of(sx, axis);
    CUDA_LAUNCH(softmax_forward_kernel, grid_for((size_t)(v.outer * v.inner) * 32), CUDA_THREADS, x, v, is_log, y);
}

static void cuda_softmax_backward(const real *y, const real *dy, dims4 sx, int axis, bool is_log, real *dx) {
    axis_view v = axis_view_of(sx, axis);
    CUDA_LAUNCH(softmax_backward_kernel, grid_for((size_t)(v.outer * v.inner) * 32), CUDA_THREADS, y, dy, v, is_log,
                dx);
}

/* Positional, in the order of core/kernels/reduce.h. */
extern "C" const struct reduce_kernels cuda_reduce_kernels = {
    cuda_sum_forward,     cuda_sum_backward,     cuda_max_forward,
    cuda_max_backward,    cuda_softmax_forward,  cuda_softmax_backward,
};
