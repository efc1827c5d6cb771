#include "core/ops/loss.h"

#include <math.h>

#include "core/kernels/loss.h"

static ganc_status check_same_shape(op_id op, const char *role_a, const tensor *a, const char *role_b,
                                    const tensor *b) {
    char sa[48], sb[48];
    if (tensor_same_shape(a, b)) return GANC_OK;
    return GANC_ERR(GANC_ERR_SHAPE, "%s: %s %s %s and %s %s %s differ in shape", op_name(op), role_a, a->name,
                    tensor_shape_str(a, sa, sizeof sa), role_b, b->name, tensor_shape_str(b, sb, sizeof sb));
}

static tensor *scalar_output(tape *t, op_id op) { return tape_tensor(t, 1, (int[]){1}, op_name(op)); }

/* ---- pointwise losses ---- */

typedef struct {
    pointwise_loss kind;
    real beta;
} pointwise_saved;

static ganc_status pointwise_backward(tape *t, const tape_node *node) {
    const pointwise_saved *s = node->saved;
    tensor *p = node->in[0], *z = node->in[1];
    real *dp = tape_grad(t, p), *dz = tape_grad(t, z);
    if ((p->requires_grad && !dp) || (z->requires_grad && !dz)) return ganc_error_status();
    t->be->loss->pointwise_backward(s->kind, s->beta, p->data, z->data, p->numel, node->out->grad, dp, dz);
    return GANC_OK;
}

static tensor *pointwise(tape *t, op_id op, pointwise_loss kind, real beta, const char *pred_role, const tensor *p,
                         const tensor *z) {
    const tensor *in[2] = {p, z};
    if (tape_check_inputs(t, op, 2, in)) return NULL;
    if (check_same_shape(op, pred_role, p, "target", z)) return NULL;
    tensor *y = scalar_output(t, op);
    if (!y) return NULL;
    t->be->loss->pointwise_forward(kind, beta, p->data, z->data, p->numel, y->data);
    tape_node *node;
    if (tape_record(t, op, y, 2, in, pointwise_backward, sizeof(pointwise_saved), &node)) return NULL;
    if (node) *(pointwise_saved *)node->saved = (pointwise_saved){kind, beta};
    return y;
}

tensor *op_mse(tape *t, const tensor *pred, const tensor *target) {
    return pointwise(t, OP_MSE, POINTWISE_MSE, 0, "pred", pred, target);
}

tensor *op_l1(tape *t, const tensor *pred, const tensor *target) {
    return pointwise(t, OP_L1, POINTWISE_L1, 0, "pred", pred, target);
}

tensor *op_smooth_l1(tape *t, const tensor *pred, const tensor *target, real beta) {
    if (pred && !(beta >= 0 && !isinf(beta))) {
        GANC_ERR(GANC_ERR_ARG, "smooth_l1 %s: beta must be finite and >= 0, got %g", pred->name, (double)beta);
        return NULL;
    }
    return pointwise(t, OP_SMOOTH_L1, POINTWISE_SMOOTH_L1, beta, "pred", pred, target);
}

tensor *op_bce_with_logits(tape *t, const tensor *logits, const tensor *target) {
    return pointwise(t, OP_BCE_WITH_LOGITS, POINTWISE_BCE_LOGITS, 0, "logits", logits, target);
}

/* ---- classification losses over (N,C) with integer labels ---- */

typedef struct {
    int n, c;
    real *labels; /* (n): a copy, so later writes to the labels tensor cannot change backward */
    real *lse;    /* (n): cross entropy's row logsumexp */
} class_saved;

/* Scores (N,C), labels (N) of integer values in [0, C). The labels are
 * read on the host, so every backend gets the same message. */
static ganc_status check_class_inputs(tape *t, op_id op, const char *role, const tensor *x, const tensor *labels) {
    char sx[48], sl[48];
    if (x->ndim != 2)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: %s %s has shape %s; expected (N,C)", op_name(op), role, x->name,
                        tensor_shape_str(x, sx, sizeof sx));
    if (labels->ndim != 1 || labels->shape[0] != x->shape[0])
        return GANC_ERR(GANC_ERR_SHAPE, "%s: labels %s has shape %s but %s %s %s needs (%d)", op_name(op),
                        labels->name, tensor_shape_str(labels, sl, sizeof sl), role, x->name,
                        tensor_shape_str(x, sx, sizeof sx), x->shape[0]);
    int n = x->shape[0], c = x->shape[1];
    real *host = tape_alloc_meta(t, (size_t)n * sizeof(real));
    if (!host) return ganc_error_status();
    t->be->download(host, labels->data, (size_t)n * sizeof(real));
    for (int i = 0; i < n; i++) {
        double v = host[i];
        if (!(v >= 0 && v < c) || floor(v) != v)
            return GANC_ERR(GANC_ERR_ARG, "%s: labels %s[%d] = %g is not a class index in [0, %d) for %s %s %s",
                            op_name(op), labels->name, i, v, c, role, x->name, tensor_shape_str(x, sx, sizeof sx));
    }
    return GANC_OK;
}

static real *copy_labels(tape *t, const tensor *labels) {
    real *copy = tape_alloc_data(t, labels->numel * sizeof(real));
    if (copy) t->be->copy(copy, labels->data, labels->numel * sizeof(real));
    return copy;
}

static ganc_status nll_backward(tape *t, const tape_node *node) {
    const class_saved *s = node->saved;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->loss->nll_backward(s->labels, s->n, s->c, node->out->grad, dx);
    return GANC_OK;
}

tensor *op_nll(tape *t, const tensor *log_probs, const tensor *labels) {
    const tensor *in[2] = {log_probs, labels};
    if (tape_check_inputs(t, OP_NLL, 2, in)) return NULL;
    if (check_class_inputs(t, OP_NLL, "log_probs", log_probs, labels)) return NULL;
    int n = log_probs->shape[0], c = log_probs->shape[1];
    tensor *y = scalar_output(t, OP_NLL);
    if (!y) return NULL;
    t->be->loss->nll_forward(log_probs->data, labels->data, n, c, y->data);
    tape_node *node;
    if (tape_record(t, OP_NLL, y, 1, &log_probs, nll_backward, sizeof(class_saved), &node)) return NULL;
    if (!node) return y;
    real *copy = copy_labels(t, labels);
    if (!copy) return NULL;
    *(class_saved *)node->saved = (class_saved){n, c, copy, NULL};
    return y;
}

static ganc_status cross_entropy_backward(tape *t, const tape_node *node) {
    const class_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->loss->cross_entropy_backward(x->data, s->labels, s->lse, s->n, s->c, node->out->grad, dx);
    return GANC_OK;
}

tensor *op_cross_entropy(tape *t, const tensor *logits, const tensor *labels) {
    const tensor *in[2] = {logits, labels};
    if (tape_check_inputs(t, OP_CROSS_ENTROPY, 2, in)) return NULL;
    if (check_class_inputs(t, OP_CROSS_ENTROPY, "logits", logits, labels)) return NULL;
    int n = logits->shape[0], c = logits->shape[1];
    tensor *y = scalar_output(t, OP_CROSS_ENTROPY);
    real *lse = tape_alloc_data(t, (size_t)n * sizeof(real));
    if (!y || !lse) return NULL;
    t->be->loss->cross_entropy_forward(logits->data, labels->data, n, c, y->data, lse);
    tape_node *node;
    if (tape_record(t, OP_CROSS_ENTROPY, y, 1, &logits, cross_entropy_backward, sizeof(class_saved), &node))
        return NULL;
    if (!node) return y;
    real *copy = copy_labels(t, labels);
    if (!copy) return NULL;
    *(class_saved *)node->saved = (class_saved){n, c, copy, lse};
    return y;
}

/* ---- cosine similarity ---- */

typedef struct {
    int n, d;
    real eps;
    real *norm_a, *norm_b; /* (n) each */
} cosine_saved;

static ganc_status cosine_backward(tape *t, const tape_node *node) {
    const cosine_saved *s = node->saved;
    tensor *a = node->in[0], *b = node->in[1], *y = node->out;
    real *da = tape_grad(t, a), *db = tape_grad(t, b);
    if ((a->requires_grad && !da) || (b->requires_grad && !db)) return ganc_error_status();
    t->be->loss->cosine_backward(a->data, b->data, s->n, s->d, s->eps, y->data, s->norm_a, s->norm_b, y->grad, da,
                                 db);
    return GANC_OK;
}

tensor *op_cosine_similarity(tape *t, const tensor *a, const tensor *b, real eps) {
    const tensor *in[2] = {a, b};
    char sa[48];
    if (tape_check_inputs(t, OP_COSINE_SIMILARITY, 2, in)) return NULL;
    if (check_same_shape(OP_COSINE_SIMILARITY, "a", a, "b", b)) return NULL;
    if (a->ndim < 2) {
        GANC_ERR(GANC_ERR_SHAPE, "cosine_similarity: a %s has shape %s; expected a batch (N,...) of 2 to 4 dims",
                 a->name, tensor_shape_str(a, sa, sizeof sa));
        return NULL;
    }
    if (!(eps > 0) || isinf(eps)) {
        GANC_ERR(GANC_ERR_ARG, "cosine_similarity %s: eps must be finite and > 0, got %g", a->name, (double)eps);
        return NULL;
    }
    int n = a->shape[0], d = (int)(a->numel / (size_t)n);
    tensor *y = tape_tensor(t, 1, (int[]){n}, "cosine_similarity");
    real *norm_a = tape_alloc_data(t, (size_t)n * sizeof(real));
    real *norm_b = tape_alloc_data(t, (size_t)n * sizeof(real));
    if (!y || !norm_a || !norm_b) return NULL;
    t->be->loss->cosine_forward(a->data, b->data, n, d, eps, y->data, norm_a, norm_b);
    tape_node *node;
    if (tape_record(t, OP_COSINE_SIMILARITY, y, 2, in, cosine_backward, sizeof(cosine_saved), &node)) return NULL;
    if (node) *(cosine_saved *)node->saved = (cosine_saved){n, d, eps, norm_a, norm_b};
    return y;
}
