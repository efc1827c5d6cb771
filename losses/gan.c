#include "losses/gan.h"

#include "core/backend.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"
#include "core/ops/view.h"
#include "losses/pixel.h"

const char *const gan_mode_names[] = {"lsgan", "vanilla", "hinge", "wgan_gp", NULL};

static bool mode_valid(gan_mode mode) { return mode >= GAN_LSGAN && mode <= GAN_WGAN_GP; }

tensor *gan_loss_d(tape *t, gan_mode mode, const tensor *d_real, const tensor *d_fake, real real_label) {
    if (!d_real || !d_fake) return NULL;
    if (!mode_valid(mode)) {
        GANC_ERR(GANC_ERR_ARG, "gan_loss_d: unknown mode %d", (int)mode);
        return NULL;
    }
    if (!(real_label > 0 && real_label <= 1) || ((mode == GAN_HINGE || mode == GAN_WGAN_GP) && real_label != 1)) {
        GANC_ERR(GANC_ERR_ARG, "gan_loss_d %s: real label %g must be in (0, 1]%s", gan_mode_names[mode],
                 (double)real_label, mode == GAN_HINGE || mode == GAN_WGAN_GP ? " and 1 (no labels in this mode)" : "");
        return NULL;
    }
    switch (mode) {
    case GAN_LSGAN:
        return op_mul_scalar(t,
                             op_add(t, op_mse(t, d_real, loss_full_like(t, d_real, real_label)),
                                    op_mse(t, d_fake, loss_full_like(t, d_fake, 0))),
                             (real)0.5);
    case GAN_VANILLA:
        return op_mul_scalar(t,
                             op_add(t, op_bce_with_logits(t, d_real, loss_full_like(t, d_real, real_label)),
                                    op_bce_with_logits(t, d_fake, loss_full_like(t, d_fake, 0))),
                             (real)0.5);
    case GAN_HINGE:
        return op_add(t, op_mean(t, op_relu(t, op_add_scalar(t, op_neg(t, d_real), 1)), 0, false),
                      op_mean(t, op_relu(t, op_add_scalar(t, d_fake, 1)), 0, false));
    default:
        return op_sub(t, op_mean(t, d_fake, 0, false), op_mean(t, d_real, 0, false));
    }
}

tensor *gan_loss_g(tape *t, gan_mode mode, const tensor *d_fake) {
    if (!d_fake) return NULL;
    switch (mode) {
    case GAN_LSGAN:
        return op_mse(t, d_fake, loss_full_like(t, d_fake, 1));
    case GAN_VANILLA:
        return op_bce_with_logits(t, d_fake, loss_full_like(t, d_fake, 1));
    case GAN_HINGE:
    case GAN_WGAN_GP:
        return op_neg(t, op_mean(t, d_fake, 0, false));
    default:
        GANC_ERR(GANC_ERR_ARG, "gan_loss_g: unknown mode %d", (int)mode);
        return NULL;
    }
}

/* (N): the sum of D's outputs for each sample. */
static tensor *per_sample_sum(tape *t, tensor *y) {
    if (!y) return NULL;
    return y->ndim == 1 ? y : op_sum(t, y, loss_sample_axes(y), false);
}

static ganc_status check_penalty_args(const char *what, tape *t, loss_forward_fn forward, const network *d,
                                      const tensor *x, real h) {
    if (!forward || !d) return GANC_ERR(GANC_ERR_ARG, "%s: needs D and a forward function", what);
    if (!(h > 0)) return GANC_ERR(GANC_ERR_ARG, "%s: finite-difference step h = %g must be > 0", what, (double)h);
    if (x->ndim < 2) {
        char s[48];
        return GANC_ERR(GANC_ERR_SHAPE, "%s: %s has shape %s; expected a batch (N,...)", what, x->name,
                        tensor_shape_str(x, s, sizeof s));
    }
    return GANC_OK;
}

/* (N): ||grad_x D(x_n)|| per sample as a function of D's parameters (see
 * gan.h). x must need no gradient itself. */
static tensor *gradient_norm(tape *t, loss_forward_fn forward, network *d, const tensor *x, real h) {
    tensor *x0 = tape_tensor(t, x->ndim, x->shape, "penalty_x");
    if (!x0) return NULL;
    t->be->copy(x0->data, x->data, x->numel * sizeof(real));
    if (tape_set_requires_grad(t, x0)) return NULL;
    /* The input gradient is part of the penalty's value, so this pass runs
     * with gradients on even inside a no-grad scope (an evaluation), and
     * with D frozen: the step's parameter gradients must not see it. */
    int no_grad_depth = 0;
    for (; !tape_grad_enabled(t); no_grad_depth++) tape_no_grad_end(t);
    bool was_frozen = d->params.frozen;
    params_set_frozen(&d->params, true);
    tensor *y = forward(d, t, x0);
    ganc_status st = y ? tape_backward(t, op_sum(t, y, 0, false), NULL) : ganc_error_status();
    params_set_frozen(&d->params, was_frozen);
    while (no_grad_depth--) tape_no_grad_begin(t);
    if (st) return NULL;
    tensor *g = tape_tensor(t, x->ndim, x->shape, "penalty_grad");
    if (!g) return NULL;
    t->be->copy(g->data, x0->grad, x->numel * sizeof(real));
    /* g = 0 gives u = 0: a zero directional derivative, the norm's value. */
    tensor *norm = op_sqrt(t, op_sum(t, op_mul(t, g, g), loss_sample_axes(g), true));
    tensor *hu = op_mul_scalar(t, op_div(t, g, op_add_scalar(t, norm, (real)1e-30)), h);
    tensor *plus = per_sample_sum(t, forward(d, t, op_add(t, x, hu)));
    tensor *minus = per_sample_sum(t, forward(d, t, op_sub(t, x, hu)));
    return op_mul_scalar(t, op_sub(t, plus, minus), (real)(0.5 / h));
}

tensor *gan_gradient_penalty(tape *t, loss_forward_fn forward, network *d, const tensor *real_x, const tensor *fake,
                             rng *r, real h) {
    if (!real_x || !fake) return NULL;
    if (check_penalty_args("gan_gradient_penalty", t, forward, d, real_x, h)) return NULL;
    char a[48], b[48];
    if (!tensor_same_shape(real_x, fake) || !r) {
        GANC_ERR(GANC_ERR_ARG, "gan_gradient_penalty: real %s and fake %s must have one shape, and r must be set",
                 tensor_shape_str(real_x, a, sizeof a), tensor_shape_str(fake, b, sizeof b));
        return NULL;
    }
    int n = real_x->shape[0], shape[TENSOR_MAX_DIM] = {n, 1, 1, 1};
    real *e = tape_alloc_meta(t, (size_t)n * sizeof *e);
    if (!e) return NULL;
    for (int i = 0; i < n; i++) e[i] = (real)rng_uniform(r);
    tensor *rd = op_detach(t, real_x), *fd = op_detach(t, fake);
    tensor *x = op_add(t, fd, op_mul(t, tape_from_host(t, real_x->ndim, shape, e, "gp_mix"), op_sub(t, rd, fd)));
    if (!x) return NULL;
    tensor *norm = gradient_norm(t, forward, d, x, h);
    return op_mse(t, norm, loss_full_like(t, norm, 1));
}

tensor *gan_r1_penalty(tape *t, loss_forward_fn forward, network *d, const tensor *real_x, real h) {
    if (!real_x) return NULL;
    if (check_penalty_args("gan_r1_penalty", t, forward, d, real_x, h)) return NULL;
    tensor *x = op_detach(t, real_x);
    tensor *norm = x ? gradient_norm(t, forward, d, x, h) : NULL;
    return op_mean(t, op_mul(t, norm, norm), 0, false);
}

tensor *gan_cam_loss_g(tape *t, const tensor *pos_logits, const tensor *neg_logits) {
    return op_add(t, op_bce_with_logits(t, pos_logits, loss_full_like(t, pos_logits, 1)),
                  op_bce_with_logits(t, neg_logits, loss_full_like(t, neg_logits, 0)));
}

tensor *gan_cam_loss_d(tape *t, const tensor *real_logits, const tensor *fake_logits) {
    return op_add(t, op_mse(t, real_logits, loss_full_like(t, real_logits, 1)),
                  op_mse(t, fake_logits, loss_full_like(t, fake_logits, 0)));
}
