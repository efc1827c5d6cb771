#ifndef GANC_KERNELS_REDUCE_H
#define GANC_KERNELS_REDUCE_H

/* Reductions and softmax. Kernels see x as dims4 (N,C,H,W). `mask` has bit
 * i set when dims4 dim i is reduced; the output has x's dims4 shape with the
 * reduced dims set to 1 (keepdim layout: dropping size-1 dims does not move
 * values). `axis` is a dims4 dim (0..3).
 * Contract: forward kernels overwrite their output; backward kernels ADD
 * into dx. */

#include "core/kernels/dims.h"

struct reduce_kernels {
    /* y = scale * sum of x over the masked dims (scale = 1/count gives the mean). */
    void (*sum_forward)(const real *x, dims4 sx, unsigned mask, real scale, real *y);
    /* dx += scale * dy, broadcast back over the masked dims. */
    void (*sum_backward)(const real *dy, dims4 sx, unsigned mask, real scale, real *dx);
    /* y = max of x over the masked dims. */
    void (*max_forward)(const real *x, dims4 sx, unsigned mask, real *y);
    /* dx += dy at the first maximal element (in memory order) of each
     * reduced group; ties give the rest nothing. */
    void (*max_backward)(const real *x, dims4 sx, unsigned mask, const real *dy, real *dx);
    /* y = softmax (or log_softmax when `is_log`) of x along `axis`, with the
     * max subtracted first so exp never overflows. */
    void (*softmax_forward)(const real *x, dims4 sx, int axis, bool is_log, real *y);
    /* dx += Jacobian^T dy, from the forward output y alone:
     * softmax: y * (dy - sum(dy * y)); log_softmax: dy - exp(y) * sum(dy). */
    void (*softmax_backward)(const real *y, const real *dy, dims4 sx, int axis, bool is_log, real *dx);
};

#endif
