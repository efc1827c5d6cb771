#ifndef GANC_LOSSES_CANNY_H
#define GANC_LOSSES_CANNY_H

/* Canny edges: an exact operator on 8-bit gray images that follows
 * OpenCV's cv2.Canny(img, low, high, apertureSize=3, L2gradient), with
 * optional Gaussian smoothing first, and the edge loss built on it, which
 * compares the exact edges of one image with a differentiable relaxation
 * of the edges of another (docs/losses.md). */

#include <stdbool.h>
#include <stdint.h>

#include "core/tape.h"
#include "losses/pixel.h"

typedef struct {
    double low, high;  /* hysteresis thresholds on the gradient magnitude (cv2.Canny's threshold1/2, either order) */
    bool l2_gradient;  /* magnitude sqrt(dx^2 + dy^2) instead of |dx| + |dy| */
    int blur_ksize;    /* Gaussian smoothing before the gradient: odd 3..31, or 0 (or 1) for none */
    double blur_sigma; /* <= 0: OpenCV's default for the size (fixed binomial taps up to 7) */
} canny_params;

/* Steps, as OpenCV: (1) optional cv2.GaussianBlur (canny_blur_u8); (2) 3x3 Sobel dx, dy with border replicate;
 * (3) magnitude |dx| + |dy| (or dx^2 + dy^2 against squared thresholds);
 * (4) non-maximum suppression by the 22.5-degree sector of the gradient,
 * keeping pixels whose magnitude exceeds `low` and its two neighbours
 * across the edge (ties: the left/upper pixel wins; magnitudes outside
 * the image are 0); (5) hysteresis: pixels above `high` seed edges that
 * grow through 8-connected pixels that survived (4). edges: 255 on edge
 * pixels, 0 elsewhere. An error names the bad parameter. */
ganc_status canny_u8(const uint8_t *gray /* (H,W) */, int h, int w, const canny_params *p, uint8_t *edges /* (H,W) */);

/* Step (1) alone: cv2.GaussianBlur(gray, (ksize, ksize), sigma) on an
 * 8-bit image, reproducing OpenCV's fixed-point path: taps quantised to
 * multiples of 1/256 (error diffusion), exact sums, rounding half up. */
ganc_status canny_blur_u8(const uint8_t *gray /* (H,W) */, int h, int w, int ksize, double sigma,
                          uint8_t *out /* (H,W) */);

/* One image (C = 1 or 3 planes of n values) as 8-bit grey, the way OpenCV
 * would see it: channels rounded to 8 bits, then cv2.cvtColor's
 * fixed-point RGB2GRAY; values in [-1, 1] (signed_range) or [0, 1]. */
void canny_grey_u8(const real *img /* (C,n) */, int c, size_t n, bool signed_range, uint8_t *grey /* (n) */);

typedef struct {
    canny_params canny;
    double temperature; /* tau of the soft threshold; <= 0: (high - low) / 4 */
    bool signed_range;  /* images in [-1,1] (tanh outputs); false: [0,1] */
    loss_dist distance; /* l2: per-image Euclidean distance / sqrt(H W); l1; mse */
} canny_loss_params;

/* Edge loss. The exact Canny edges E of `target` (0/1, not
 * differentiated) against the relaxed edges of x,
 *   S = sigmoid((m - (low + high)/2) / tau) * M,
 * where m is the gradient magnitude of x's smoothed grey image (Sobel,
 * same units as the thresholds: grey levels 0..255) and M is 1 where m is
 * a ridge under the same non-maximum suppression, computed on this
 * forward pass's values, or where E has an edge, and 0 elsewhere. Images
 * are RGB (C = 3, grey = 0.299 R + 0.587 G + 0.114 B) or grey (C = 1). */
tensor *loss_canny(tape *t, const tensor *target /* (N,C,H,W) */, const tensor *x /* target's shape */,
                   const canny_loss_params *p);

#endif
