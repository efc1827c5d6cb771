#ifndef GANC_KERNELS_SHAPE_H
#define GANC_KERNELS_SHAPE_H

/* Copies that rearrange values: blocks along one dim (concat, slice,
 * split), permutations of dims, flips. Kernels see tensors as dims4
 * (N,C,H,W); masks and permutations use dims4 numbering.
 * Contract: forward kernels overwrite their output; backward kernels ADD
 * into dx. */

#include "core/kernels/dims.h"

struct shape_kernels {
    /* src seen as (outer, src_n, inner), dst as (outer, dst_n, inner):
     * dst[o, dst_off + k, i] = src[o, src_off + k, i] for k < len. The rest
     * of dst is left alone, so concat fills its output block by block. */
    void (*block_copy)(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                       size_t outer, size_t inner);
    /* The same walk, but dst += src: the backward of block_copy with src
     * and dst swapped (the gradient flows from dst's block to src's). */
    void (*block_add)(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                      size_t outer, size_t inner);
    /* y has dims y.d[k] = sx.d[perm[k]]: y[j0,j1,j2,j3] = x[i] with i[perm[k]] = j_k. */
    void (*permute_forward)(const real *x, dims4 sx, const int perm[4], real *y);
    /* dx (shape sx) += dy permuted back. */
    void (*permute_backward)(const real *dy, dims4 sx, const int perm[4], real *dx);
    /* y = x reversed along each dim whose bit is set in mask. */
    void (*flip_forward)(const real *x, dims4 sx, unsigned mask, real *y);
    /* dx += dy reversed along the same dims (a flip is its own inverse). */
    void (*flip_backward)(const real *dy, dims4 sx, unsigned mask, real *dx);
};

#endif
