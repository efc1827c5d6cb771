#ifndef GANC_OPS_IMAGE_H
#define GANC_OPS_IMAGE_H

/* Image-processing ops with OpenCV's conventions, differentiable so losses
 * can compare images through them (the colour loss on area-downscaled
 * images, the edge loss on blurred Sobel gradients). Every op works per
 * channel plane, returns a new tensor of the step, or NULL with an error;
 * a NULL input passes straight through. */

#include "core/tape.h"

/* (N,C,out_h,out_w), 1 <= out <= in in both dims. Area (box) resampling like
 * OpenCV's INTER_AREA: each output pixel averages the input area it covers,
 * with fractional weights at the borders when the ratio is not an integer
 * (10 -> 4: weights 0.4, 0.4, 0.2 | 0.2, 0.4, 0.4 | ...). An integer ratio
 * is plain average pooling. */
tensor *op_area_downscale(tape *t, const tensor *x /* (N,C,H,W) */, int out_h, int out_w);

/* (N,C,H,W): separable Gaussian, border BORDER_REFLECT_101 (OpenCV's
 * default), like cv2.GaussianBlur(x, (ksize, ksize), sigma) on a float image:
 * - ksize odd >= 1, or 0 to derive it from sigma > 0 as OpenCV does for
 *   float images, round(8*sigma + 1) | 1 (sigma 1 -> 9 taps; the
 *   round(6*sigma + 1) | 1 rule is OpenCV's for 8-bit images only);
 * - sigma <= 0 derives sigma = 0.3*((ksize-1)/2 - 1) + 0.8, and for
 *   ksize <= 7 takes OpenCV's fixed binomial taps (3: 1/4 1/2 1/4). OpenCV 5
 *   also tabulates ksize 9 (1/64, 13/256, ...); OpenCV 2-4 and this op do not. */
tensor *op_gaussian_blur(tape *t, const tensor *x /* (N,C,H,W) */, int ksize, real sigma);

/* (N,2C,H,W): 3x3 Sobel per channel, like cv2.Sobel(x, CV_32F, 1, 0) and
 * (0, 1) with the default border BORDER_REFLECT_101. Channel 2c is d/dx of
 * input channel c (correlation with [-1 0 1; -2 0 2; -1 0 1], positive where
 * values grow to the right), 2c+1 is d/dy (its transpose, positive where
 * values grow downwards). Unscaled: a ramp of slope 1 gives 8. Note that
 * cv2.Canny's internal Sobel uses BORDER_REPLICATE instead, so Canny edges
 * computed from this op differ from cv2.Canny on the outermost pixel ring. */
tensor *op_sobel(tape *t, const tensor *x /* (N,C,H,W) */);

#endif
