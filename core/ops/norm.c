#include "core/ops/norm.h"

#include <math.h>

#include "core/kernels/norm.h"

/* ---- shared checks and node layout ---- */

/* Node inputs are x, then gamma and beta when given; the flags say which. */
typedef struct {
    bool has_gamma, has_beta;
} affine_inputs;

static int gather_inputs(const tensor *x, const tensor *gamma, const tensor *beta, const tensor **in) {
    int n = 0;
    in[n++] = x;
    if (gamma) in[n++] = gamma;
    if (beta) in[n++] = beta;
    return n;
}

/* Gradient buffers of x, gamma, beta (NULL where none is needed). */
static ganc_status affine_grads(tape *t, const tape_node *node, affine_inputs a, tensor **gamma, real **dx,
                                real **dgamma, real **dbeta) {
    tensor *x = node->in[0];
    *gamma = a.has_gamma ? node->in[1] : NULL;
    tensor *beta = a.has_beta ? node->in[1 + a.has_gamma] : NULL;
    *dx = tape_grad(t, x);
    *dgamma = *gamma ? tape_grad(t, *gamma) : NULL;
    *dbeta = beta ? tape_grad(t, beta) : NULL;
    if ((x->requires_grad && !*dx) || (*gamma && (*gamma)->requires_grad && !*dgamma) ||
        (beta && beta->requires_grad && !*dbeta))
        return ganc_error_status();
    return GANC_OK;
}

static ganc_status check_eps(op_id op, const tensor *x, real eps) {
    if (!(eps >= 0) || isinf(eps))
        return GANC_ERR(GANC_ERR_ARG, "%s %s: eps must be finite and >= 0, got %g", op_name(op), x->name,
                        (double)eps);
    return GANC_OK;
}

/* A per-channel vector (gamma, beta, running statistics) must be (C). */
static ganc_status check_channel_vector(op_id op, const char *role, const tensor *v, const tensor *x, int c) {
    char sv[48], sx[48];
    if (!v || (v->ndim == 1 && v->shape[0] == c)) return GANC_OK;
    return GANC_ERR(GANC_ERR_SHAPE, "%s: %s %s has shape %s but input x %s has %d channels: expected (%d)",
                    op_name(op), role, v->name, tensor_shape_str(v, sv, sizeof sv), tensor_shape_str(x, sx, sizeof sx),
                    c, c);
}

static ganc_status check_ndim(op_id op, const tensor *x, int lo, int hi, const char *expected) {
    char sx[48];
    if (x->ndim >= lo && x->ndim <= hi) return GANC_OK;
    return GANC_ERR(GANC_ERR_SHAPE, "%s: input %s has shape %s; expected %s", op_name(op), x->name,
                    tensor_shape_str(x, sx, sizeof sx), expected);
}

/* Values per (sample, channel): the product of the dims after C. */
static int spatial_size(const tensor *x) {
    int s = 1;
    for (int i = 2; i < x->ndim; i++) s *= x->shape[i];
    return s;
}

/* ---- instance, group and layer norm: contiguous segments ---- */

typedef struct {
    affine_inputs affine;
    norm_segments g;
    real *mean, *inv_std; /* (count) each, device memory of the step */
} segment_saved;

static ganc_status segment_backward(tape *t, const tape_node *node) {
    const segment_saved *s = node->saved;
    tensor *gamma;
    real *dx, *dgamma, *dbeta;
    ganc_status st = affine_grads(t, node, s->affine, &gamma, &dx, &dgamma, &dbeta);
    if (st) return st;
    t->be->norm->segment_backward(node->in[0]->data, gamma ? gamma->data : NULL, node->out->grad, s->g, s->mean,
                                  s->inv_std, dx, dgamma, dbeta);
    return GANC_OK;
}

/* Runs and records a segment norm whose inputs were checked by the caller. */
static tensor *segment_norm(tape *t, op_id op, const tensor *x, const tensor *gamma, const tensor *beta,
                            norm_segments g, real eps) {
    tensor *y = tape_tensor(t, x->ndim, x->shape, op_name(op));
    real *mean = tape_alloc_data(t, (size_t)g.count * sizeof(real));
    real *inv_std = tape_alloc_data(t, (size_t)g.count * sizeof(real));
    if (!y || !mean || !inv_std) return NULL;
    t->be->norm->segment_forward(x->data, gamma ? gamma->data : NULL, beta ? beta->data : NULL, g, eps, y->data,
                                 mean, inv_std);
    const tensor *in[3];
    int n_in = gather_inputs(x, gamma, beta, in);
    tape_node *node;
    if (tape_record(t, op, y, n_in, in, segment_backward, sizeof(segment_saved), &node)) return NULL;
    if (node)
        *(segment_saved *)node->saved = (segment_saved){{gamma != NULL, beta != NULL}, g, mean, inv_std};
    return y;
}

tensor *op_instance_norm(tape *t, const tensor *x, const tensor *gamma, const tensor *beta, real eps) {
    const tensor *in[3];
    if (tape_check_inputs(t, OP_INSTANCE_NORM, gather_inputs(x, gamma, beta, in), in)) return NULL;
    if (check_ndim(OP_INSTANCE_NORM, x, 3, 4, "(N,C,H,W) or (N,C,L)") || check_eps(OP_INSTANCE_NORM, x, eps))
        return NULL;
    int c = x->shape[1];
    if (check_channel_vector(OP_INSTANCE_NORM, "gamma", gamma, x, c) ||
        check_channel_vector(OP_INSTANCE_NORM, "beta", beta, x, c))
        return NULL;
    int s = spatial_size(x);
    norm_segments g = {x->shape[0] * c, s, c, s};
    return segment_norm(t, OP_INSTANCE_NORM, x, gamma, beta, g, eps);
}

tensor *op_group_norm(tape *t, const tensor *x, int groups, const tensor *gamma, const tensor *beta, real eps) {
    const tensor *in[3];
    char sx[48];
    if (tape_check_inputs(t, OP_GROUP_NORM, gather_inputs(x, gamma, beta, in), in)) return NULL;
    if (check_ndim(OP_GROUP_NORM, x, 2, 4, "(N,C,H,W), (N,C,L) or (N,C)") || check_eps(OP_GROUP_NORM, x, eps))
        return NULL;
    int c = x->shape[1];
    if (groups < 1 || c % groups != 0) {
        GANC_ERR(GANC_ERR_ARG, "group_norm: %d groups do not divide the %d channels of input %s %s", groups, c,
                 x->name, tensor_shape_str(x, sx, sizeof sx));
        return NULL;
    }
    if (check_channel_vector(OP_GROUP_NORM, "gamma", gamma, x, c) ||
        check_channel_vector(OP_GROUP_NORM, "beta", beta, x, c))
        return NULL;
    int s = spatial_size(x);
    norm_segments g = {x->shape[0] * groups, c / groups * s, groups, s};
    return segment_norm(t, OP_GROUP_NORM, x, gamma, beta, g, eps);
}

/* gamma/beta of layer norm have x's shape without the batch dim. */
static ganc_status check_layer_affine(const char *role, const tensor *v, const tensor *x) {
    char sv[48], sx[48], se[48];
    if (!v) return GANC_OK;
    bool ok = v->ndim == x->ndim - 1;
    for (int i = 0; ok && i < v->ndim; i++) ok = v->shape[i] == x->shape[i + 1];
    if (ok) return GANC_OK;
    return GANC_ERR(GANC_ERR_SHAPE, "layer_norm: %s %s has shape %s but input x %s needs %s", role, v->name,
                    tensor_shape_str(v, sv, sizeof sv), tensor_shape_str(x, sx, sizeof sx),
                    shape_str(x->ndim - 1, x->shape + 1, se, sizeof se));
}

tensor *op_layer_norm(tape *t, const tensor *x, const tensor *gamma, const tensor *beta, real eps) {
    const tensor *in[3];
    if (tape_check_inputs(t, OP_LAYER_NORM, gather_inputs(x, gamma, beta, in), in)) return NULL;
    if (check_ndim(OP_LAYER_NORM, x, 2, 4, "(N,C,H,W), (N,C,L) or (N,D)") || check_eps(OP_LAYER_NORM, x, eps) ||
        check_layer_affine("gamma", gamma, x) || check_layer_affine("beta", beta, x))
        return NULL;
    int d = (int)(x->numel / (size_t)x->shape[0]);
    norm_segments g = {x->shape[0], d, 1, 1};
    return segment_norm(t, OP_LAYER_NORM, x, gamma, beta, g, eps);
}

/* ---- batch norm ---- */

typedef struct {
    affine_inputs affine;
    int n, c, s;
    bool training;
    real *mean, *inv_std; /* (c) each: batch or running statistics */
} batch_saved;

static ganc_status batch_backward(tape *t, const tape_node *node) {
    const batch_saved *s = node->saved;
    tensor *gamma;
    real *dx, *dgamma, *dbeta;
    ganc_status st = affine_grads(t, node, s->affine, &gamma, &dx, &dgamma, &dbeta);
    if (st) return st;
    t->be->norm->batch_backward(node->in[0]->data, gamma ? gamma->data : NULL, node->out->grad, s->n, s->c, s->s,
                                s->training, s->mean, s->inv_std, dx, dgamma, dbeta);
    return GANC_OK;
}

static ganc_status check_batch_args(const tensor *x, const tensor *gamma, const tensor *beta,
                                    const tensor *running_mean, const tensor *running_var, bool training,
                                    real momentum, real eps) {
    char sx[48];
    op_id op = OP_BATCH_NORM;
    ganc_status st = check_ndim(op, x, 2, 4, "(N,C,H,W), (N,C,L) or (N,C)");
    if (!st) st = check_eps(op, x, eps);
    int c = x->ndim >= 2 ? x->shape[1] : 0;
    if (!st) st = check_channel_vector(op, "gamma", gamma, x, c);
    if (!st) st = check_channel_vector(op, "beta", beta, x, c);
    if (!st) st = check_channel_vector(op, "running_mean", running_mean, x, c);
    if (!st) st = check_channel_vector(op, "running_var", running_var, x, c);
    if (st) return st;
    if (!training && (!running_mean || !running_var))
        return GANC_ERR(GANC_ERR_ARG, "batch_norm %s: eval mode needs running_mean and running_var", x->name);
    if (training && !(momentum >= 0 && momentum <= 1))
        return GANC_ERR(GANC_ERR_ARG, "batch_norm %s: momentum must be in [0, 1], got %g", x->name,
                        (double)momentum);
    if (training && (size_t)x->shape[0] * (size_t)spatial_size(x) < 2)
        return GANC_ERR(GANC_ERR_SHAPE,
                        "batch_norm: input %s %s has one value per channel; training needs more than one",
                        x->name, tensor_shape_str(x, sx, sizeof sx));
    return GANC_OK;
}

tensor *op_batch_norm(tape *t, const tensor *x, const tensor *gamma, const tensor *beta, tensor *running_mean,
                      tensor *running_var, bool training, real momentum, real eps) {
    const tensor *in[5];
    int n_in = gather_inputs(x, gamma, beta, in), n_checked = n_in;
    if (running_mean) in[n_checked++] = running_mean;
    if (running_var) in[n_checked++] = running_var;
    if (tape_check_inputs(t, OP_BATCH_NORM, n_checked, in)) return NULL;
    if (check_batch_args(x, gamma, beta, running_mean, running_var, training, momentum, eps)) return NULL;

    int n = x->shape[0], c = x->shape[1], s = spatial_size(x);
    tensor *y = tape_tensor(t, x->ndim, x->shape, "batch_norm");
    real *mean = tape_alloc_data(t, (size_t)c * sizeof(real));
    real *inv_std = tape_alloc_data(t, (size_t)c * sizeof(real));
    if (!y || !mean || !inv_std) return NULL;
    const real *g = gamma ? gamma->data : NULL, *b = beta ? beta->data : NULL;
    if (training)
        t->be->norm->batch_forward_train(x->data, g, b, n, c, s, eps, momentum, y->data, mean, inv_std,
                                         running_mean ? running_mean->data : NULL,
                                         running_var ? running_var->data : NULL);
    else
        t->be->norm->batch_forward_eval(x->data, g, b, n, c, s, eps, running_mean->data, running_var->data, y->data,
                                        mean, inv_std);
    tape_node *node;
    if (tape_record(t, OP_BATCH_NORM, y, n_in, in, batch_backward, sizeof(batch_saved), &node)) return NULL;
    if (node)
        *(batch_saved *)node->saved =
            (batch_saved){{gamma != NULL, beta != NULL}, n, c, s, training, mean, inv_std};
    return y;
}
