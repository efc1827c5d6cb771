#ifndef GANC_DATA_TRANSFORMS_H
#define GANC_DATA_TRANSFORMS_H

/* The image preprocessing of CycleGAN's `resize_and_crop`: resize to a
 * square load size, crop a square (random or centred), flip horizontally
 * with probability 1/2, and map 0..255 to [-1, 1] in (C,H,W) order. The
 * random choices are passed in as uniforms, so the caller decides where
 * they come from (the dataset keys them by seed, epoch and index). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/real.h"

typedef struct transform_cfg {
    int load_size;    /* resize to load_size x load_size; 0 keeps the image's size */
    int crop_size;    /* crop crop_size x crop_size; 0 keeps the whole (resized) image */
    bool random_crop; /* false: the centred crop, offset floor((side - crop) / 2) */
    bool flip;        /* horizontal flip with probability 1/2 */
} transform_cfg;

/* Where to crop and whether to flip, for one image (the same for A and B of a pair). */
typedef struct transform_draw {
    int x, y;
    bool flip;
} transform_draw;

/* Side of the output: crop_size, else load_size, else 0 (the image's own size). */
int transform_out_side(const transform_cfg *t);

/* The choices for an image of w x h pixels after resizing, from three
 * uniforms in (0, 1): crop x = floor(u[0] * (w - crop + 1)), crop y from
 * u[1], flip when u[2] < 0.5. An image smaller than the crop is an error
 * that names `what` (the file). */
ganc_status transform_choose(const transform_cfg *t, const double u[3], int w, int h, const char *what,
                             transform_draw *out);

/* Resizes src (sh,sw,C) 8-bit, rows `stride` bytes apart, to dst (dh,dw,C)
 * float in [0, 255]. Separable, per axis: area averaging when shrinking (as
 * OpenCV's INTER_AREA), bilinear between pixel centres with clamped edges
 * when enlarging (as OpenCV's INTER_LINEAR, without its 11-bit fixed-point
 * rounding), an exact copy when the size is kept. */
ganc_status transform_resize(const uint8_t *src, int sw, int sh, size_t stride, int channels, float *dst, int dw,
                             int dh);

/* The cw x ch window at (d->x, d->y) of src (h,w,C) in [0, 255], mirrored
 * left-right when d->flip, to dst (C,ch,cw) in [-1, 1] as v / 127.5 - 1. */
void transform_crop_to_chw(const float *src, int w, int h, int channels, const transform_draw *d, int cw, int ch,
                           real *dst);

#endif
