#ifndef GANC_KERNELS_SPATIAL_H
#define GANC_KERNELS_SPATIAL_H

/* Kernels that move values within the (H,W) planes of an (N,C,H,W) tensor:
 * padding, resampling, pooling, all with PyTorch's semantics. Every plane
 * (n,c) is independent; `sx` is the input's shape, (out_h, out_w) the size
 * of an output plane. Contract for every backend: forward kernels overwrite
 * their output; backward kernels ADD into dx. All pointers are memory of the
 * backend's device. */

#include <stdbool.h>

#include "core/kernels/dims.h"

typedef enum {
    PAD_ZERO,     /* zeros outside */
    PAD_REFLECT,  /* mirror without repeating the edge: ... x2 x1 | x0 x1 x2 ... */
    PAD_REPLICATE /* the edge value repeated */
} pad_mode;

/* A pooling window per dim: size k, stride s, padding p on both sides. */
typedef struct {
    int kh, kw, sh, sw, ph, pw;
} pool_window;

struct spatial_kernels {
    /* y(h, w) = x(h - top, w - left), out-of-range positions per `mode`
     * (reflect needs top, left and the far-side pads below the input size). */
    void (*pad_forward)(pad_mode mode, int top, int left, const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*pad_backward)(pad_mode mode, int top, int left, const real *dy, int out_h, int out_w, real *dx, dims4 sx);

    /* y(i, j) = x(floor(i*H/out_h), floor(j*W/out_w)) */
    void (*upsample_nearest_forward)(const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*upsample_nearest_backward)(const real *dy, int out_h, int out_w, real *dx, dims4 sx);

    /* PyTorch's bilinear interpolation (sizes given, no scale factor). */
    void (*upsample_bilinear_forward)(bool align_corners, const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*upsample_bilinear_backward)(bool align_corners, const real *dy, int out_h, int out_w, real *dx,
                                       dims4 sx);

    /* Mean over the window, padding counted as zeros in the divisor kh*kw. */
    void (*avg_pool_forward)(pool_window w, const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*avg_pool_backward)(pool_window w, const real *dy, int out_h, int out_w, real *dx, dims4 sx);

    /* Max over the window, padding never wins (as -inf). argmax, when not
     * NULL, gets per output the index h*W + w of the winner in its input
     * plane (first one on ties; a NaN wins); max_pool_backward reads it. */
    void (*max_pool_forward)(pool_window w, const real *x, dims4 sx, real *y, int *argmax, int out_h, int out_w);

    /* Output (i, j) reduces input rows floor(i*H/out_h) .. ceil((i+1)*H/out_h) - 1
     * and likewise columns; bins overlap when they do not divide evenly. */
    void (*adaptive_avg_pool_forward)(const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*adaptive_avg_pool_backward)(const real *dy, int out_h, int out_w, real *dx, dims4 sx);
    void (*adaptive_max_pool_forward)(const real *x, dims4 sx, real *y, int *argmax, int out_h, int out_w);

    /* Backward of both max pools: dx(plane, argmax[i]) += dy[i]. */
    void (*max_pool_backward)(const real *dy, const int *argmax, int out_h, int out_w, real *dx, dims4 sx);
};

#endif
