#ifndef GANC_KERNELS_IMAGE_H
#define GANC_KERNELS_IMAGE_H

/* Image-processing kernels with OpenCV's conventions, per (H,W) plane of an
 * (N,C,H,W) tensor; `sx` is the input's shape. Contract for every backend:
 * forward kernels overwrite their output; backward kernels ADD into dx. All
 * pointers, filter taps and scratch included, are memory of the backend's
 * device. */

#include "core/kernels/dims.h"

struct image_kernels {
    /* Area resampling (OpenCV's INTER_AREA), out <= in in both dims: output
     * pixel j of a dim covers input span [j*in/out, (j+1)*in/out) and
     * averages the input pixels under it, weighted by their overlap. */
    void (*area_downscale_forward)(const real *x, dims4 sx, real *y, int out_h, int out_w);
    void (*area_downscale_backward)(const real *dy, int out_h, int out_w, real *dx, dims4 sx);

    /* Separable correlation with border BORDER_REFLECT_101 (any tap count,
     * mirrored repeatedly when a filter is wider than the plane):
     *   tmp(h, w) = sum_k kx[k] * x(h, w + k - nx/2)
     *   y(h, w)   = sum_k ky[k] * tmp(h + k - ny/2, w)
     * nx, ny odd. The output of input plane p = n*C + c is plane
     * p*groups + group of y, so one call can fill every other channel (the
     * d/dx and d/dy halves of a Sobel). tmp: scratch of numel(sx) values. */
    void (*separable_filter_forward)(const real *x, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                     real *tmp, real *y, int groups, int group);
    /* dx += the adjoint of that map applied to the dy planes it wrote. */
    void (*separable_filter_backward)(const real *dy, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                      real *tmp, real *dx, int groups, int group);
};

#endif
