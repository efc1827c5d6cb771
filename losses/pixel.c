#include "losses/pixel.h"

#include "core/ops/elementwise.h"
#include "core/ops/image.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"

const char *const loss_dist_names[] = {"l1", "mse", "l2", NULL};

/* Under the square root of the Euclidean distance: without it the gradient
 * of ||a - b|| is 0/0 where a == b. Small against any distance that
 * matters, even squared in float32. */
#define L2_EPS 1e-12

unsigned loss_sample_axes(const tensor *x) { return x ? ((1u << x->ndim) - 1u) & ~1u : 0; }

tensor *loss_full_like(tape *t, const tensor *x, real value) {
    if (!x) return NULL;
    real *host = tape_alloc_meta(t, x->numel * sizeof(real));
    if (!host) return NULL;
    for (size_t i = 0; i < x->numel; i++) host[i] = value;
    return tape_from_host(t, x->ndim, x->shape, host, "constant");
}

tensor *loss_distance(tape *t, const tensor *a, const tensor *b, loss_dist d, unsigned vec_axes) {
    if (!a || !b) return NULL;
    char sa[48], sb[48];
    if (!tensor_same_shape(a, b)) {
        GANC_ERR(GANC_ERR_SHAPE, "loss distance: %s %s and %s %s must have the same shape", a->name,
                 tensor_shape_str(a, sa, sizeof sa), b->name, tensor_shape_str(b, sb, sizeof sb));
        return NULL;
    }
    switch (d) {
    case LOSS_DIST_L1:
        return op_l1(t, a, b);
    case LOSS_DIST_MSE:
        return op_mse(t, a, b);
    case LOSS_DIST_L2:
        break;
    default:
        GANC_ERR(GANC_ERR_ARG, "loss distance: unknown distance %d", (int)d);
        return NULL;
    }
    unsigned all = (1u << a->ndim) - 1u;
    if ((vec_axes & all) == 0 || (vec_axes & ~all)) {
        GANC_ERR(GANC_ERR_ARG, "loss distance l2: vector axes 0x%x do not fit %s %s", vec_axes, a->name,
                 tensor_shape_str(a, sa, sizeof sa));
        return NULL;
    }
    tensor *diff = op_sub(t, a, b);
    tensor *sq = op_sum(t, op_mul(t, diff, diff), vec_axes, false);
    return op_mean(t, op_sqrt(t, op_add_scalar(t, sq, (real)L2_EPS)), 0, false);
}

tensor *loss_color(tape *t, const tensor *a, const tensor *b, int out_h, int out_w, loss_dist d) {
    return loss_distance(t, op_area_downscale(t, a, out_h, out_w), op_area_downscale(t, b, out_h, out_w), d, 1u << 1);
}

tensor *loss_segmentation(tape *t, const tensor *logits, const tensor *target, real bce_weight, real dice_weight,
                          real smooth) {
    if (!logits || !target) return NULL;
    char sa[48], sb[48];
    if (!tensor_same_shape(logits, target)) {
        GANC_ERR(GANC_ERR_SHAPE, "segmentation loss: logits %s and target %s must have the same shape",
                 tensor_shape_str(logits, sa, sizeof sa), tensor_shape_str(target, sb, sizeof sb));
        return NULL;
    }
    if (!(smooth > 0) || bce_weight < 0 || dice_weight < 0) {
        GANC_ERR(GANC_ERR_ARG, "segmentation loss: smooth must be > 0 and the weights >= 0 (got %g, %g, %g)",
                 (double)smooth, (double)bce_weight, (double)dice_weight);
        return NULL;
    }
    tensor *bce = op_bce_with_logits(t, logits, target);
    /* Per-sample Dice: a batch-wide Dice would let large masks drown small ones. */
    unsigned axes = logits->ndim > 1 ? loss_sample_axes(logits) : 0;
    tensor *p = op_sigmoid(t, logits);
    tensor *inter = axes ? op_sum(t, op_mul(t, p, target), axes, false) : op_mul(t, p, target);
    tensor *denom = op_add(t, axes ? op_sum(t, p, axes, false) : p, axes ? op_sum(t, target, axes, false) : target);
    tensor *dice = op_div(t, op_add_scalar(t, op_mul_scalar(t, inter, 2), smooth), op_add_scalar(t, denom, smooth));
    tensor *dice_loss = op_add_scalar(t, op_neg(t, op_mean(t, dice, 0, false)), 1);
    return op_add(t, op_mul_scalar(t, bce, bce_weight), op_mul_scalar(t, dice_loss, dice_weight));
}
