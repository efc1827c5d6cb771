/* CUDA kernels: binary ops with broadcasting, scalar and unary ops, as
 * core/cpu/elementwise_cpu.c specifies them. A broadcast operand's
 * gradient is a grouped sum over the dims it was broadcast along (no
 * atomics, so a run repeats exactly). */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/elementwise.h"
}

/* ---- binary ---- */

__device__ __forceinline__ real binary_apply(binary_kind k, real a, real b) {
    switch (k) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    case BINARY_DIV: return a / b;
    }
    return 0;
}

/* Strides of an operand seen from the output: 0 along broadcast dims. */
struct bcast_strides {
    long s[4];
};

static bcast_strides broadcast_strides(dims4 s, dims4 y) {
    bcast_strides st;
    long stride = 1;
    for (int i = 3; i >= 0; i--) {
        st.s[i] = (s.d[i] == 1 && y.d[i] != 1) ? 0 : stride;
        stride *= s.d[i];
    }
    return st;
}

static bool dims_equal(dims4 a, dims4 b) {
    return a.d[0] == b.d[0] && a.d[1] == b.d[1] && a.d[2] == b.d[2] && a.d[3] == b.d[3];
}

__global__ void binary_same_kernel(binary_kind k, const real *a, const real *b, real *y, long n) {
    GRID_STRIDE(i, n) y[i] = binary_apply(k, a[i], b[i]);
}

__global__ void binary_broadcast_kernel(binary_kind k, const real *a, bcast_strides ta, const real *b,
                                        bcast_strides tb, real *y, dims4 sy, long n) {
    GRID_STRIDE(i, n) {
        long r = i;
        long i3 = r % sy.d[3];
        r /= sy.d[3];
        long i2 = r % sy.d[2];
        r /= sy.d[2];
        long i1 = r % sy.d[1], i0 = r / sy.d[1];
        long oa = i0 * ta.s[0] + i1 * ta.s[1] + i2 * ta.s[2] + i3 * ta.s[3];
        long ob = i0 * tb.s[0] + i1 * tb.s[1] + i2 * tb.s[2] + i3 * tb.s[3];
        y[i] = binary_apply(k, a[oa], b[ob]);
    }
}

static void cuda_binary_forward(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, real *y,
                                dims4 sy) {
    long n = (long)dims4_numel(sy);
    if (dims_equal(sa, sy) && dims_equal(sb, sy)) {
        CUDA_LAUNCH(binary_same_kernel, grid_for((size_t)n), CUDA_THREADS, k, a, b, y, n);
        return;
    }
    CUDA_LAUNCH(binary_broadcast_kernel, grid_for((size_t)n), CUDA_THREADS, k, a, broadcast_strides(sa, sy), b,
                broadcast_strides(sb, sy), y, sy, n);
}

/* The gradient of one operand: output o is an element of that operand, its
 * group the output positions broadcast onto it (one when not broadcast). */
struct binary_grad_item {
    binary_kind k;
    bool wrt_b;
    const real *a, *b, *dy;
    real *d;
    dims4 sy, so;        /* output shape, operand shape */
    bcast_strides ta, tb;
    int group_dims[4];   /* extent of each broadcast dim of the operand, 1 elsewhere */

    __device__ double load(long o, long r) const {
        long j[4];
        for (int d = 3; d >= 0; d--) {
            long od = o % so.d[d];
            o /= so.d[d];
            if (group_dims[d] > 1) {
                j[d] = r % group_dims[d];
                r /= group_dims[d];
            } else {
                j[d] = od;
            }
        }
        long yi = ((j[0] * sy.d[1] + j[1]) * sy.d[2] + j[2]) * sy.d[3] + j[3];
        long ia = j[0] * ta.s[0] + j[1] * ta.s[1] + j[2] * ta.s[2] + j[3] * ta.s[3];
        long ib = j[0] * tb.s[0] + j[1] * tb.s[1] + j[2] * tb.s[2] + j[3] * tb.s[3];
        real g = dy[yi], va = a[ia], vb = b[ib];
        switch (k) {
        case BINARY_ADD: return g;
        case BINARY_SUB: return wrt_b ? -g : g;
        case BINARY_MUL: return wrt_b ? g * va : g * vb;
        case BINARY_DIV: return wrt_b ? -(g * va / (vb * vb)) : g / vb;
        }
        return 0;
    }
    __device__ void store(long o, double s) const { d[o] += (real)s; }
};

static void binary_grad(binary_kind k, bool wrt_b, const real *a, dims4 sa, const real *b, dims4 sb,
                        const real *dy, dims4 sy, real *d) {
    binary_grad_item item;
    item.k = k;
    item.wrt_b = wrt_b;
    item.a = a;
    item.b = b;
    item.dy = dy;
    item.d = d;
    item.sy = sy;
    item.so = wrt_b ? sb : sa;
    item.ta = broadcast_strides(sa, sy);
    item.tb = broadcast_strides(sb, sy);
    long group = 1;
    for (int i = 0; i < 4; i++) {
        item.group_dims[i] = (item.so.d[i] == 1 && sy.d[i] != 1) ? sy.d[i] : 1;
        group *= item.group_dims[i];
    }
    group_reduce((long)dims4_numel(item.so), group, item);
}

static void cuda_binary_backward(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, const real *dy,
                                 dims4 sy, real *da, real *db) {
    if (da) binary_grad(k, false, a, sa, b, sb, dy, sy, da);
    if (db) binary_grad(k, true, a, sa, b, sb, dy, sy, db);
}

/* ---- unary ---- */

__device__ __forceinline__ real softplus(real x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

__device__ __forceinline__ real sigmoid(real x) {
    if (x >= 0) return 1 / (1 + expf(-x));
    real e = expf(x);
    return e / (1 + e);
}

__device__ __forceinline__ real unary_apply(unary_kind k, real p0, real p1, real x) {
    switch (k) {
    case UNARY_ADD_SCALAR: return x + p0;
    case UNARY_MUL_SCALAR: return x * p0;
    case UNARY_NEG: return -x;
    case UNARY_ABS: return fabsf(x);
    case UNARY_EXP: return expf(x);
    case UNARY_LOG: return logf(x);
    case UNARY_SQRT: return sqrtf(x);
    case UNARY_POW: return powf(x, p0);
    case UNARY_CLAMP: return x < p0 ? p0 : (x > p1 ? p1 : x);
    case UNARY_RELU: return x > 0 ? x : 0;
    case UNARY_LEAKY_RELU: return x > 0 ? x : p0 * x;
    case UNARY_ELU: return x > 0 ? x : p0 * expm1f(x);
    case UNARY_TANH: return tanhf(x);
    case UNARY_SIGMOID: return sigmoid(x);
    case UNARY_SOFTPLUS: return softplus(x);
    }
    return 0;
}

/* The CPU's derivatives, including its choices at kinks. */
__device__ __forceinline__ real unary_derivative(unary_kind k, real p0, real p1, real x, real y) {
    switch (k) {
    case UNARY_ADD_SCALAR: return 1;
    case UNARY_MUL_SCALAR: return p0;
    case UNARY_NEG: return -1;
    case UNARY_ABS: return x > 0 ? 1 : (x < 0 ? -1 : 0);
    case UNARY_EXP: return y;
    case UNARY_LOG: return 1 / x;
    case UNARY_SQRT: return (real)(0.5 / (double)y);
    case UNARY_POW: return p0 * powf(x, p0 - 1);
    case UNARY_CLAMP: return (x >= p0 && x <= p1) ? 1 : 0;
    case UNARY_RELU: return x > 0 ? 1 : 0;
    case UNARY_LEAKY_RELU: return x > 0 ? 1 : p0;
    case UNARY_ELU: return x > 0 ? 1 : y + p0;
    case UNARY_TANH: return 1 - y * y;
    case UNARY_SIGMOID: return y * (1 - y);
    case UNARY_SOFTPLUS: return sigmoid(x);
    }
    return 0;
}

/* x and y may be the same array (in-place scaling, clamping). */
__global__ void unary_forward_kernel(unary_kind k, real p0, real p1, const real *x, real *y, size_t n) {
    GRID_STRIDE(i, n) y[i] = unary_apply(k, p0, p1, x[i]);
}

__global__ void unary_backward_kernel(unary_kind k, real p0, real p1, const real *x, const real *y, const real *dy,
                                      real *dx, size_t n) {
    GRID_STRIDE(i, n) dx[i] += unary_derivative(k, p0, p1, x[i], y[i]) * dy[i];
}

static void cuda_unary_forward(unary_kind k, real p0, real p1, const real *x, real *y, size_t n) {
    if (n) CUDA_LAUNCH(unary_forward_kernel, grid_for(n), CUDA_THREADS, k, p0, p1, x, y, n);
}

static void cuda_unary_backward(unary_kind k, real p0, real p1, const real *x, const real *y, const real *dy,
                                real *dx, size_t n) {
    if (n) CUDA_LAUNCH(unary_backward_kernel, grid_for(n), CUDA_THREADS, k, p0, p1, x, y, dy, dx, n);
}

/* Positional, in the order of core/kernels/elementwise.h. */
extern "C" const struct elementwise_kernels cuda_elementwise_kernels = {
    cuda_binary_forward,
    cuda_binary_backward,
    cuda_unary_forward,
    cuda_unary_backward,
};
