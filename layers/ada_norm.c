/* U-GAT-IT's layer-instance normalisations, composed from the fused
 * instance- and layer-norm ops. The reference normalises with torch.var,
 * the unbiased variance; with n values,
 *   (x - m) / sqrt(var_u + eps) = sqrt((n-1)/n) * (x - m) / sqrt(var_b + eps (n-1)/n),
 * so the biased-variance ops with a scaled eps and a scaled output give the
 * reference's values exactly. */
#include <math.h>
#include <stdio.h>

#include "core/backend.h"
#include "core/kernels/elementwise.h"
#include "core/ops/elementwise.h"
#include "core/ops/norm.h"
#include "core/ops/view.h"
#include "layers/layers.h"
#include "layers/onnx.h"

static const double ADA_EPS = 1e-5;

/* The unbiased-variance normalisation over n values per group. */
static tensor *unbiased(tape *t, tensor *(*norm)(tape *, const tensor *, real), const tensor *x, int n) {
    double keep = (double)(n - 1) / n;
    return op_mul_scalar(t, norm(t, x, (real)(ADA_EPS * keep)), (real)sqrt(keep));
}

static tensor *instance_norm_plain(tape *t, const tensor *x, real eps) {
    return op_instance_norm(t, x, NULL, NULL, eps);
}

static tensor *layer_norm_plain(tape *t, const tensor *x, real eps) { return op_layer_norm(t, x, NULL, NULL, eps); }

/* rho * IN(x) + (1 - rho) * LN(x), written as LN + rho * (IN - LN). */
static tensor *mix_norms(tape *t, const tensor *x /* (N,C,H,W) */, const tensor *rho /* (1,C,1,1) */) {
    char sx[48];
    if (x->ndim != 4 || x->shape[2] * x->shape[3] < 2 || rho->shape[1] != x->shape[1]) {
        GANC_ERR(GANC_ERR_SHAPE, "input %s: expected (N,%d,H,W) with H*W >= 2 (the unbiased variance needs two values)",
                 tensor_shape_str(x, sx, sizeof sx), rho->shape[1]);
        return NULL;
    }
    int spatial = x->shape[2] * x->shape[3];
    tensor *in = unbiased(t, instance_norm_plain, x, spatial);
    tensor *ln = unbiased(t, layer_norm_plain, x, spatial * x->shape[1]);
    return op_add(t, ln, op_mul(t, rho, op_sub(t, in, ln)));
}

/* The same mix from standard ONNX ops, the variances unbiased as above. */
static const char *mix_norms_onnx(onnx_graph *g, const module *m, const char *x, const char *rho) {
    const char *in = onnx_normalize(g, m, x, 2, (int64_t[]){2, 3}, true, ADA_EPS);
    const char *ln = onnx_normalize(g, m, x, 3, (int64_t[]){1, 2, 3}, true, ADA_EPS);
    const char *diff = onnx_node(g, m, "Sub", ONNX_IN(in, ln), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(ln, onnx_node(g, m, "Mul", ONNX_IN(rho, diff), ONNX_NO_ATTRS)),
                     ONNX_NO_ATTRS);
}

/* In place on the parameter's device (a clamp with the same array in and out). */
static void clip_unit(tensor *p) {
    const backend *be = backend_get(p->dev);
    if (be) be->elementwise->unary_forward(UNARY_CLAMP, 0, 1, p->data, p->data, p->numel);
}

/* Every own parameter of these modules that is clipped is listed before the others. */
typedef struct {
    module base;
    tensor *rho;
    int n_clipped; /* params[0 .. n_clipped-1] are clipped to [0, 1] */
} ada_module;

static void constrain_ada(module *m) {
    for (int i = 0; i < ((ada_module *)m)->n_clipped; i++) clip_unit(m->params[i]);
}

static tensor *add_filled(module *m, const char *name, int ndim, const int *shape, real value) {
    tensor *p = module_add_param(m, name, ndim, shape);
    for (size_t i = 0; p && i < p->numel; i++) p->data[i] = value;
    return p;
}

static ada_module *ada_alloc(network *net, const module_type *type, const char *path, int channels, double rho) {
    if (!path) return NULL;
    if (channels < 1) {
        GANC_ERR(GANC_ERR_ARG, "network %s: %s %s: channels must be >= 1, got %d", net->name, type->name, path,
                 channels);
        return NULL;
    }
    ada_module *a = (ada_module *)module_alloc(net, type, path, sizeof *a);
    if (!a) return NULL;
    snprintf(a->base.detail, sizeof a->base.detail, "%d", channels);
    if (rho >= 0) {
        a->n_clipped = 1;
        if (!(a->rho = add_filled(&a->base, "rho", 4, (int[]){1, channels, 1, 1}, (real)rho))) {
            module_free(&a->base);
            return NULL;
        }
    }
    return a;
}

/* ---- ILN / LIN ---- */

static tensor *iln_forward(module *m, module_run *run, const tensor *x) {
    tape *t = run->t;
    tensor *y = mix_norms(t, x, ((ada_module *)m)->rho);
    return op_add(t, op_mul(t, y, m->weight), m->bias);
}

static const char *iln_onnx(module *m, onnx_graph *g, const char *x) {
    const char *y = mix_norms_onnx(g, m, x, onnx_param(g, m, "rho", ((ada_module *)m)->rho));
    y = onnx_node(g, m, "Mul", ONNX_IN(y, onnx_param(g, m, "gamma", m->weight)), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(y, onnx_param(g, m, "beta", m->bias)), ONNX_NO_ATTRS);
}

static const module_type iln_type = {
    .name = "ILN", .forward = iln_forward, .constrain = constrain_ada, .onnx = iln_onnx};

module *iln_new(network *net, const char *path, int channels) {
    ada_module *a = ada_alloc(net, &iln_type, path, channels, 0);
    if (!a) return NULL;
    module *m = &a->base;
    const int shape[4] = {1, channels, 1, 1};
    if (!(m->weight = add_filled(m, "gamma", 4, shape, 1)) || !(m->bias = add_filled(m, "beta", 4, shape, 0))) {
        module_free(m);
        return NULL;
    }
    return m;
}

/* ---- adaLIN ---- */

static const module_type adalin_type = {.name = "adaLIN", .constrain = constrain_ada};

module *adalin_new(network *net, const char *path, int channels) {
    ada_module *a = ada_alloc(net, &adalin_type, path, channels, 0.9);
    return a ? &a->base : NULL;
}

/* (N,C) -> (N,C,1,1) after checking it matches x. */
static tensor *per_sample_channels(tape *t, const tensor *v, const char *role, const tensor *x) {
    char sv[48], sx[48];
    if (v->ndim != 2 || v->shape[0] != x->shape[0] || v->shape[1] != x->shape[1]) {
        GANC_ERR(GANC_ERR_SHAPE, "%s %s does not fit input %s: expected (%d,%d)", role,
                 tensor_shape_str(v, sv, sizeof sv), tensor_shape_str(x, sx, sizeof sx), x->shape[0], x->shape[1]);
        return NULL;
    }
    return op_reshape(t, v, 4, (int[]){v->shape[0], v->shape[1], 1, 1});
}

static tensor *adalin_apply(module *m, module_run *run, const tensor *x, const tensor *gamma, const tensor *beta) {
    tape *t = run->t;
    tensor *g = per_sample_channels(t, gamma, "gamma", x);
    tensor *b = g ? per_sample_channels(t, beta, "beta", x) : NULL;
    if (!b) return NULL;
    return op_add(t, op_mul(t, mix_norms(t, x, ((ada_module *)m)->rho), g), b);
}

tensor *adalin_forward(module *m, module_run *run, const tensor *x, const tensor *gamma, const tensor *beta) {
    if (m->type != &adalin_type) {
        GANC_ERR(GANC_ERR_ARG, "adalin_forward: module %s is a %s, not an adaLIN", m->path, m->type->name);
        return NULL;
    }
    int token = module_enter(m, run);
    bool inputs = x && gamma && beta;
    tensor *y = inputs ? adalin_apply(m, run, x, gamma, beta) : NULL;
    return module_leave(m, run, token, y, inputs);
}

const char *adalin_onnx(module *m, onnx_graph *g, const char *x, const char *gamma, const char *beta) {
    if (m->type != &adalin_type)
        return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "adalin_onnx: module %s is a %s, not an adaLIN", m->path,
                                      m->type->name));
    const char *y = mix_norms_onnx(g, m, x, onnx_param(g, m, "rho", ((ada_module *)m)->rho));
    y = onnx_node(g, m, "Mul", ONNX_IN(y, onnx_to_nc11(g, m, gamma)), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(y, onnx_to_nc11(g, m, beta)), ONNX_NO_ATTRS);
}

/* ---- Soft-AdaLIN ---- */

static const module_type soft_adalin_type = {.name = "SoftAdaLIN", .constrain = constrain_ada};

/* nn.Sequential(Linear, ReLU, Linear) */
static module *mlp_new(module *parent, const char *name, int c) {
    char path[MODULE_PATH_MAX], child[MODULE_PATH_MAX];
    network *net = parent->net;
    module *seq = sequential_new(net, module_child_path(parent, name, path, sizeof path));
    if (!seq) return NULL;
    if (module_add_child(seq, linear_new(net, module_next_path(seq, child, sizeof child), c, c, true, false)) ||
        module_add_child(seq, relu_new(net, module_next_path(seq, child, sizeof child))) ||
        module_add_child(seq, linear_new(net, module_next_path(seq, child, sizeof child), c, c, true, false))) {
        module_free(seq);
        return NULL;
    }
    return seq;
}

module *soft_adalin_new(network *net, const char *path, int channels) {
    ada_module *a = ada_alloc(net, &soft_adalin_type, path, channels, -1);
    if (!a) return NULL;
    module *m = &a->base;
    char p[MODULE_PATH_MAX];
    const int shape[2] = {1, channels};
    a->n_clipped = 2;
    bool ok = add_filled(m, "w_gamma", 2, shape, 0) && add_filled(m, "w_beta", 2, shape, 0);
    /* Children in the reference's order: norm, c_gamma, c_beta, s_gamma, s_beta. */
    ok = ok && !module_add_child(m, adalin_new(net, module_child_path(m, "norm", p, sizeof p), channels));
    ok = ok && !module_add_child(m, mlp_new(m, "c_gamma", channels));
    ok = ok && !module_add_child(m, mlp_new(m, "c_beta", channels));
    ok = ok && !module_add_child(m, linear_new(net, module_child_path(m, "s_gamma", p, sizeof p), channels, channels,
                                               true, false));
    ok = ok && !module_add_child(m, linear_new(net, module_child_path(m, "s_beta", p, sizeof p), channels, channels,
                                               true, false));
    if (!ok) {
        module_free(m);
        return NULL;
    }
    return m;
}

/* style + w * (content - style) == (1 - w) * style + w * content */
static tensor *blend(tape *t, const tensor *w /* (1,C) */, const tensor *style, const tensor *content) {
    return op_add(t, style, op_mul(t, w, op_sub(t, content, style)));
}

tensor *soft_adalin_forward(module *m, module_run *run, const tensor *x, const tensor *content, const tensor *style) {
    if (m->type != &soft_adalin_type) {
        GANC_ERR(GANC_ERR_ARG, "soft_adalin_forward: module %s is a %s, not a SoftAdaLIN", m->path, m->type->name);
        return NULL;
    }
    int token = module_enter(m, run);
    bool inputs = x && content && style;
    tensor *y = NULL;
    if (inputs) {
        tape *t = run->t;
        module **c = m->children; /* norm, c_gamma, c_beta, s_gamma, s_beta */
        tensor *gamma = blend(t, m->params[0], module_forward(c[3], run, style), module_forward(c[1], run, content));
        tensor *beta = blend(t, m->params[1], module_forward(c[4], run, style), module_forward(c[2], run, content));
        y = gamma && beta ? adalin_forward(c[0], run, x, gamma, beta) : NULL;
    }
    return module_leave(m, run, token, y, inputs);
}

static const char *blend_onnx(onnx_graph *g, const module *m, const char *w, const char *style, const char *content) {
    const char *diff = onnx_node(g, m, "Sub", ONNX_IN(content, style), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(style, onnx_node(g, m, "Mul", ONNX_IN(w, diff), ONNX_NO_ATTRS)),
                     ONNX_NO_ATTRS);
}

const char *soft_adalin_onnx(module *m, onnx_graph *g, const char *x, const char *content, const char *style) {
    if (m->type != &soft_adalin_type)
        return onnx_error(g, GANC_ERR(GANC_ERR_ARG, "soft_adalin_onnx: module %s is a %s, not a SoftAdaLIN", m->path,
                                      m->type->name));
    module **c = m->children; /* norm, c_gamma, c_beta, s_gamma, s_beta */
    const char *gamma = blend_onnx(g, m, onnx_param(g, m, "w_gamma", m->params[0]), onnx_module(g, c[3], style),
                                   onnx_module(g, c[1], content));
    const char *beta = blend_onnx(g, m, onnx_param(g, m, "w_beta", m->params[1]), onnx_module(g, c[4], style),
                                  onnx_module(g, c[2], content));
    return adalin_onnx(c[0], g, x, gamma, beta);
}
