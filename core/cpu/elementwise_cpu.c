/* CPU reference kernels: binary ops with broadcasting, scalar and unary ops. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/elementwise.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

static inline real binary_apply(binary_kind k, real a, real b) {
    switch (k) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    case BINARY_DIV: return a / b;
    }
    return 0;
}

/* Strides of `s` seen from an output of shape `y`: 0 along broadcast dims. */
static dims4 broadcast_strides(dims4 s, dims4 y) {
    dims4 st;
    long stride = 1;
    for (int i = 3; i >= 0; i--) {
        st.d[i] = (s.d[i] == 1 && y.d[i] != 1) ? 0 : (int)stride;
        stride *= s.d[i];
    }
    return st;
}

static bool dims_equal(dims4 a, dims4 b) {
    return a.d[0] == b.d[0] && a.d[1] == b.d[1] && a.d[2] == b.d[2] && a.d[3] == b.d[3];
}

static void cpu_binary_forward(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, real *y,
                               dims4 sy) {
    long n = (long)dims4_numel(sy);
    if (dims_equal(sa, sy) && dims_equal(sb, sy)) {
#pragma omp parallel for if (n >= PARALLEL_MIN)
        for (long i = 0; i < n; i++) y[i] = binary_apply(k, a[i], b[i]);
        return;
    }
    dims4 ta = broadcast_strides(sa, sy), tb = broadcast_strides(sb, sy);
#pragma omp parallel for collapse(2) if (n >= PARALLEL_MIN)
    for (int i0 = 0; i0 < sy.d[0]; i0++)
        for (int i1 = 0; i1 < sy.d[1]; i1++)
            for (int i2 = 0; i2 < sy.d[2]; i2++) {
                long oa = (long)i0 * ta.d[0] + (long)i1 * ta.d[1] + (long)i2 * ta.d[2];
                long ob = (long)i0 * tb.d[0] + (long)i1 * tb.d[1] + (long)i2 * tb.d[2];
                real *row = y + (((long)i0 * sy.d[1] + i1) * sy.d[2] + i2) * sy.d[3];
                for (int i3 = 0; i3 < sy.d[3]; i3++)
                    row[i3] = binary_apply(k, a[oa + (long)i3 * ta.d[3]], b[ob + (long)i3 * tb.d[3]]);
            }
}

/* Serial: broadcast dims make several outputs add into one input gradient. */
static void cpu_binary_backward(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, const real *dy,
                                dims4 sy, real *da, real *db) {
    dims4 ta = broadcast_strides(sa, sy), tb = broadcast_strides(sb, sy);
    long i = 0;
    for (int i0 = 0; i0 < sy.d[0]; i0++)
        for (int i1 = 0; i1 < sy.d[1]; i1++)
            for (int i2 = 0; i2 < sy.d[2]; i2++)
                for (int i3 = 0; i3 < sy.d[3]; i3++, i++) {
                    long ia = (long)i0 * ta.d[0] + (long)i1 * ta.d[1] + (long)i2 * ta.d[2] + (long)i3 * ta.d[3];
                    long ib = (long)i0 * tb.d[0] + (long)i1 * tb.d[1] + (long)i2 * tb.d[2] + (long)i3 * tb.d[3];
                    real g = dy[i], va = a[ia], vb = b[ib];
                    switch (k) {
                    case BINARY_ADD:
                        if (da) da[ia] += g;
                        if (db) db[ib] += g;
                        break;
                    case BINARY_SUB:
                        if (da) da[ia] += g;
                        if (db) db[ib] -= g;
                        break;
                    case BINARY_MUL:
                        if (da) da[ia] += g * vb;
                        if (db) db[ib] += g * va;
                        break;
                    case BINARY_DIV:
                        if (da) da[ia] += g / vb;
                        if (db) db[ib] -= g * va / (vb * vb);
                        break;
                    }
                }
}

static inline real softplus(real x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static inline real sigmoid(real x) {
    if (x >= 0) return 1 / (1 + exp(-x));
    real e = exp(x);
    return e / (1 + e);
}

static inline real unary_apply(unary_kind k, real p0, real p1, real x) {
    switch (k) {
    case UNARY_ADD_SCALAR: return x + p0;
    case UNARY_MUL_SCALAR: return x * p0;
    case UNARY_NEG: return -x;
    case UNARY_ABS: return fabs(x);
    case UNARY_EXP: return exp(x);
    case UNARY_LOG: return log(x);
    case UNARY_SQRT: return sqrt(x);
    case UNARY_POW: return pow(x, p0);
    case UNARY_CLAMP: return x < p0 ? p0 : (x > p1 ? p1 : x);
    case UNARY_RELU: return x > 0 ? x : 0;
    case UNARY_LEAKY_RELU: return x > 0 ? x : p0 * x;
    case UNARY_ELU: return x > 0 ? x : p0 * expm1(x);
    case UNARY_TANH: return tanh(x);
    case UNARY_SIGMOID: return sigmoid(x);
    case UNARY_SOFTPLUS: return softplus(x);
    }
    return 0;
}

/* f'(x), from x or from y = f(x). At a kink the right-hand slope is used
 * for relu-like ops (0 for relu at 0, as PyTorch). */
static inline real unary_derivative(unary_kind k, real p0, real p1, real x, real y) {
    switch (k) {
    case UNARY_ADD_SCALAR: return 1;
    case UNARY_MUL_SCALAR: return p0;
    case UNARY_NEG: return -1;
    case UNARY_ABS: return x > 0 ? 1 : (x < 0 ? -1 : 0);
    case UNARY_EXP: return y;
    case UNARY_LOG: return 1 / x;
    case UNARY_SQRT: return 0.5 / y;
    case UNARY_POW: return p0 * pow(x, p0 - 1);
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

/* The activations and scalings of every layer get a loop of their own, with
 * the kind a constant: the switch folds away and the loop vectorizes (a
 * switch per element kept it scalar: 10% of a CycleGAN step). Same
 * expressions, so the same values. Kinds that call libm keep one loop. */
#define UNARY_CHEAP_KINDS(X) X(UNARY_ADD_SCALAR) X(UNARY_MUL_SCALAR) X(UNARY_NEG) X(UNARY_RELU) X(UNARY_LEAKY_RELU)

#define UNARY_FORWARD_CASE(K)                                                                                     \
    case K:                                                                                                      \
        _Pragma("omp parallel for simd if (n >= PARALLEL_MIN)") for (size_t i = 0; i < n; i++) y[i] =             \
            unary_apply(K, p0, p1, x[i]);                                                                        \
        return;

static void cpu_unary_forward(unary_kind k, real p0, real p1, const real *x, real *y, size_t n) {
    switch (k) {
        UNARY_CHEAP_KINDS(UNARY_FORWARD_CASE)
    default:
        break;
    }
#pragma omp parallel for if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) y[i] = unary_apply(k, p0, p1, x[i]);
}

#define UNARY_BACKWARD_CASE(K)                                                                                    \
    case K:                                                                                                      \
        _Pragma("omp parallel for simd if (n >= PARALLEL_MIN)") for (size_t i = 0; i < n; i++) dx[i] +=           \
            unary_derivative(K, p0, p1, x[i], y[i]) * dy[i];                                                     \
        return;

static void cpu_unary_backward(unary_kind k, real p0, real p1, const real *x, const real *y, const real *dy,
                               real *dx, size_t n) {
    switch (k) {
        UNARY_CHEAP_KINDS(UNARY_BACKWARD_CASE)
    default:
        break;
    }
#pragma omp parallel for if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) dx[i] += unary_derivative(k, p0, p1, x[i], y[i]) * dy[i];
}

const struct elementwise_kernels cpu_elementwise_kernels = {
    .binary_forward = cpu_binary_forward,
    .binary_backward = cpu_binary_backward,
    .unary_forward = cpu_unary_forward,
    .unary_backward = cpu_unary_backward,
};
