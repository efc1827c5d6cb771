#ifndef GANC_LOSSES_PIXEL_H
#define GANC_LOSSES_PIXEL_H

/* Losses that compare images (or any tensors) value by value: the
 * distances every term kind chooses from, the downscaled-colour loss and
 * the segmentation loss. Each returns a (1) tensor of the step, or NULL
 * with an error; a NULL input passes straight through. */

#include "core/tape.h"

typedef enum {
    LOSS_DIST_L1,  /* mean |a - b| */
    LOSS_DIST_MSE, /* mean (a - b)^2 */
    LOSS_DIST_L2   /* mean Euclidean distance: mean over vectors of ||a - b||_2 */
} loss_dist;

/* {"l1", "mse", "l2", NULL}, in loss_dist order, for config_choice. */
extern const char *const loss_dist_names[];

/* The distance d between a and b (same shape). For LOSS_DIST_L2 the
 * vectors run along the dims whose bit is set in vec_axes (bit 1 alone:
 * per-pixel colour vectors of an (N,C,H,W) image; every bit but 0:
 * per-sample vectors); vec_axes is ignored by the other distances. A
 * small epsilon under the square root keeps the gradient finite where
 * a == b. */
tensor *loss_distance(tape *t, const tensor *a /* any shape */, const tensor *b /* a's shape */, loss_dist d,
                      unsigned vec_axes);

/* Every bit but bit 0: the per-sample vectors of an x->ndim tensor. */
unsigned loss_sample_axes(const tensor *x);

/* A constant of x's shape filled with `value` (no gradient). */
tensor *loss_full_like(tape *t, const tensor *x, real value);

/* Colour loss: a and b area-downscaled (OpenCV INTER_AREA) to out_h x
 * out_w, then d between them; LOSS_DIST_L2 is the mean Euclidean distance
 * between the downscaled pixels' colour vectors. */
tensor *loss_color(tape *t, const tensor *a /* (N,C,H,W) */, const tensor *b /* a's shape */, int out_h, int out_w,
                   loss_dist d);

/* Segmentation loss on logits: bce_weight * BCE-with-logits +
 * dice_weight * (1 - mean_n Dice_n), Dice_n = (2 sum(p t) + smooth) /
 * (sum(p) + sum(t) + smooth) over sample n, p = sigmoid(logits). */
tensor *loss_segmentation(tape *t, const tensor *logits /* (N,...) */, const tensor *target /* logits' shape, 0..1 */,
                          real bce_weight, real dice_weight, real smooth);

#endif
