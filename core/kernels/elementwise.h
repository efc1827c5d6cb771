#ifndef GANC_KERNELS_ELEMENTWISE_H
#define GANC_KERNELS_ELEMENTWISE_H

/* Kernel contract for every backend: forward kernels overwrite their
 * output; backward kernels ADD into the input gradients they are given and
 * skip a NULL one. */

#include "core/kernels/dims.h"

typedef enum { BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV } binary_kind;

/* p0, p1: the op's scalar parameters (exponent, bounds, slope, alpha, scalar). */
typedef enum {
    UNARY_ADD_SCALAR, /* x + p0 */
    UNARY_MUL_SCALAR, /* x * p0 */
    UNARY_NEG,
    UNARY_ABS,
    UNARY_EXP,
    UNARY_LOG,
    UNARY_SQRT,
    UNARY_POW,        /* x^p0 */
    UNARY_CLAMP,      /* min(max(x, p0), p1) */
    UNARY_RELU,
    UNARY_LEAKY_RELU, /* x < 0 ? p0*x : x */
    UNARY_ELU,        /* x < 0 ? p0*(e^x - 1) : x */
    UNARY_TANH,
    UNARY_SIGMOID,
    UNARY_SOFTPLUS    /* log(1 + e^x), stable for large |x| */
} unary_kind;

struct elementwise_kernels {
    /* y = a op b with numpy broadcasting: each dim of a and b equals y's or is 1. */
    void (*binary_forward)(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, real *y, dims4 sy);
    /* da, db (either NULL) += d(a op b)/d(a,b) * dy, summed over broadcast dims. */
    void (*binary_backward)(binary_kind k, const real *a, dims4 sa, const real *b, dims4 sb, const real *dy,
                            dims4 sy, real *da, real *db);
    void (*unary_forward)(unary_kind k, real p0, real p1, const real *x, real *y, size_t n);
    /* dx += f'(x) * dy; y = f(x) is passed for ops whose derivative is cheaper from it. */
    void (*unary_backward)(unary_kind k, real p0, real p1, const real *x, const real *y, const real *dy, real *dx,
                           size_t n);
};

#endif
