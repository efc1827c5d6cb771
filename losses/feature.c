#include "losses/feature.h"

#include <math.h>

#include "core/ops/elementwise.h"
#include "core/ops/linalg.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/spatial.h"
#include "core/ops/view.h"

static ganc_status check_net(const char *what, loss_forward_fn forward, const network *net, bool must_be_frozen) {
    if (!forward) return GANC_ERR(GANC_ERR_ARG, "%s: no forward function to run networks with", what);
    if (!net) return GANC_ERR(GANC_ERR_ARG, "%s: network is NULL", what);
    if (must_be_frozen && !net->params.frozen && net->params.count > 0)
        return GANC_ERR(GANC_ERR_STATE, "%s: network %s must be frozen (params_set_frozen): this loss would train it",
                        what, net->name);
    return GANC_OK;
}

/* A reference-side pass: no tape, no gradient. */
static tensor *run_no_grad(tape *t, loss_forward_fn forward, network *net, const tensor *x) {
    if (!x) return NULL;
    tape_no_grad_begin(t);
    tensor *y = forward(net, t, x);
    tape_no_grad_end(t);
    return y;
}

static tensor *run(tape *t, loss_forward_fn forward, network *net, const tensor *x) {
    return x ? forward(net, t, x) : NULL;
}

/* Per-sample vectors of a network output: the L2 distance compares whole
 * samples; a (N) output has one value per sample. */
static tensor *compare(tape *t, const tensor *a, const tensor *b, loss_dist d) {
    if (a && b && a->ndim == 1 && b->ndim == 1) {
        a = op_reshape(t, a, 2, (int[]){a->shape[0], 1});
        b = op_reshape(t, b, 2, (int[]){b->shape[0], 1});
    }
    return loss_distance(t, a, b, d, loss_sample_axes(a));
}

tensor *loss_attribute(tape *t, loss_forward_fn forward, network *e1, const tensor *a, network *e2, const tensor *b,
                       loss_dist d) {
    if (!a || !b) return NULL;
    if (check_net("attribute loss (E1)", forward, e1, true) || check_net("attribute loss (E2)", forward, e2, true))
        return NULL;
    return compare(t, run_no_grad(t, forward, e1, a), run(t, forward, e2, b), d);
}

/* The central crop and resize of loss_id. */
static const tensor *id_view(tape *t, const tensor *x, double crop, int size) {
    int h = x->shape[2], w = x->shape[3];
    int ch = (int)lround(crop * h), cw = (int)lround(crop * w);
    ch = ch < 1 ? 1 : ch, cw = cw < 1 ? 1 : cw;
    const tensor *y = x;
    if (ch < h || cw < w) y = op_slice(t, op_slice(t, x, 2, (h - ch) / 2, ch), 3, (w - cw) / 2, cw);
    return size > 0 ? op_upsample_bilinear(t, y, size, size, false) : y;
}

tensor *loss_id(tape *t, loss_forward_fn forward, network *id, const tensor *a, const tensor *b, double crop,
                int size) {
    if (!a || !b) return NULL;
    if (check_net("ID loss", forward, id, true)) return NULL;
    char sa[48];
    if (a->ndim != 4 || !tensor_same_shape(a, b)) {
        GANC_ERR(GANC_ERR_SHAPE, "ID loss: images %s %s and %s must have one shape (N,C,H,W)", a->name,
                 tensor_shape_str(a, sa, sizeof sa), b->name);
        return NULL;
    }
    if (!(crop > 0 && crop <= 1) || size < 0) {
        GANC_ERR(GANC_ERR_ARG, "ID loss: crop %g must be in (0, 1] and size %d >= 0", crop, size);
        return NULL;
    }
    tensor *ea = run_no_grad(t, forward, id, id_view(t, a, crop, size));
    tensor *eb = run(t, forward, id, id_view(t, b, crop, size));
    tensor *cos = op_cosine_similarity(t, ea, eb, (real)1e-8);
    return op_add_scalar(t, op_neg(t, op_mean(t, cos, 0, false)), 1);
}

/* (N,C,C): F F^T / (C H W) per sample. */
static tensor *gram(tape *t, const tensor *f) {
    if (!f) return NULL;
    char s[48];
    if (f->ndim != 4) {
        GANC_ERR(GANC_ERR_SHAPE, "style loss: Gram matrices need (N,C,H,W) features, got %s %s", f->name,
                 tensor_shape_str(f, s, sizeof s));
        return NULL;
    }
    int n = f->shape[0], c = f->shape[1], hw = f->shape[2] * f->shape[3];
    tensor *m = op_reshape(t, f, 3, (int[]){n, c, hw});
    tensor *g = op_matmul(t, m, op_permute(t, m, (int[]){0, 2, 1}));
    return op_mul_scalar(t, g, (real)(1.0 / ((double)c * hw)));
}

tensor *loss_style(tape *t, loss_forward_fn forward, network *f, const tensor *a, const tensor *b, bool use_gram,
                   loss_dist d) {
    if (!a || !b) return NULL;
    if (check_net("style loss", forward, f, true)) return NULL;
    tensor *fa = run_no_grad(t, forward, f, a), *fb = run(t, forward, f, b);
    if (use_gram) {
        /* The reference Gram matrix needs no gradient either. */
        tape_no_grad_begin(t);
        fa = gram(t, fa);
        tape_no_grad_end(t);
        fb = gram(t, fb);
    }
    return compare(t, fa, fb, d);
}

tensor *loss_domain(tape *t, loss_forward_fn forward, network *classifier, const tensor *source, const tensor *target,
                    real lambda) {
    if (!source || !target) return NULL;
    if (check_net("domain loss", forward, classifier, false)) return NULL;
    if (!(lambda >= 0)) {
        GANC_ERR(GANC_ERR_ARG, "domain loss: lambda %g must be >= 0", (double)lambda);
        return NULL;
    }
    tensor *ls = run(t, forward, classifier, op_grad_reverse(t, source, lambda));
    tensor *lt = run(t, forward, classifier, op_grad_reverse(t, target, lambda));
    tensor *bs = op_bce_with_logits(t, ls, loss_full_like(t, ls, 0));
    tensor *bt = op_bce_with_logits(t, lt, loss_full_like(t, lt, 1));
    return op_mul_scalar(t, op_add(t, bs, bt), (real)0.5);
}

double loss_domain_lambda(bool scheduled, double lambda, double gamma, double progress) {
    return scheduled ? lambda * (2 / (1 + exp(-gamma * progress)) - 1) : lambda;
}
