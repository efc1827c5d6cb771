/* BatchNorm, InstanceNorm and LayerNorm modules over the fused norm ops,
 * with PyTorch's defaults: eps 1e-5, batch-norm momentum 0.1. */
#include <stdio.h>

#include "core/backend.h"
#include "core/kernels/elementwise.h"
#include "core/ops/norm.h"
#include "layers/layers.h"
#include "layers/onnx.h"

static const real NORM_EPS = (real)1e-5;
static const real BATCH_NORM_MOMENTUM = (real)0.1;

typedef struct {
    module base;
    tensor *running_mean, *running_var, *num_batches_tracked;
} batch_norm_module;

static tensor *batch_norm_forward(module *m, module_run *run, const tensor *x) {
    batch_norm_module *b = (batch_norm_module *)m;
    tensor *y = op_batch_norm(run->t, x, m->weight, m->bias, b->running_mean, b->running_var, run->training,
                              BATCH_NORM_MOMENTUM, NORM_EPS);
    if (y && run->training) {
        /* PyTorch's counter (an int64 there): kept so state_dicts match name for name.
         * Counted where it lives, in place: on a GPU a copy to the host would wait for the device. */
        real *n = b->num_batches_tracked->data;
        run->t->be->elementwise->unary_forward(UNARY_ADD_SCALAR, 1, 0, n, n, 1);
    }
    return y;
}

/* Eval mode: the running statistics; ones and zeros stand in for a missing affine. */
static const char *batch_norm_onnx(module *m, onnx_graph *g, const char *x) {
    batch_norm_module *b = (batch_norm_module *)m;
    int c = (int)b->running_mean->numel;
    const char *scale = m->weight ? onnx_param(g, m, "weight", m->weight) : onnx_const_fill(g, 1, c);
    const char *shift = m->bias ? onnx_param(g, m, "bias", m->bias) : onnx_const_fill(g, 0, c);
    return onnx_node(g, m, "BatchNormalization",
                     ONNX_IN(x, scale, shift, onnx_param(g, m, "running_mean", b->running_mean),
                             onnx_param(g, m, "running_var", b->running_var)),
                     ONNX_ATTRS(ONNX_FLOAT("epsilon", NORM_EPS)));
}

static const module_type batch_norm_type = {
    .name = "BatchNorm", .forward = batch_norm_forward, .init_role = MODULE_INIT_NORM, .onnx = batch_norm_onnx};

static bool fill(tensor *p, real value) {
    if (!p) return false;
    for (size_t i = 0; i < p->numel; i++) p->data[i] = value;
    return true;
}

/* weight = 1, bias = 0 (PyTorch's reset_parameters); false on error. */
static bool add_affine(module *m, int ndim, const int *shape) {
    m->weight = module_add_param(m, "weight", ndim, shape);
    m->bias = fill(m->weight, 1) ? module_add_param(m, "bias", ndim, shape) : NULL;
    return m->bias != NULL;
}

static bool check_channels(network *net, const char *path, const char *what, int channels) {
    if (channels >= 1) return true;
    GANC_ERR(GANC_ERR_ARG, "network %s: %s %s: channels must be >= 1, got %d", net->name, what, path, channels);
    return false;
}

module *batch_norm_new(network *net, const char *path, int channels, bool affine) {
    if (!path || !check_channels(net, path, "BatchNorm", channels)) return NULL;
    batch_norm_module *b = (batch_norm_module *)module_alloc(net, &batch_norm_type, path, sizeof *b);
    if (!b) return NULL;
    module *m = &b->base;
    snprintf(m->detail, sizeof m->detail, "%d%s", channels, affine ? "" : " no affine");
    bool ok = !affine || add_affine(m, 1, &channels);
    ok = ok && (b->running_mean = module_add_buffer(m, "running_mean", 1, &channels));
    ok = ok && fill(b->running_var = module_add_buffer(m, "running_var", 1, &channels), 1);
    ok = ok && (b->num_batches_tracked = module_add_buffer(m, "num_batches_tracked", 1, (int[]){1}));
    if (!ok) {
        module_free(m);
        return NULL;
    }
    return m;
}

typedef struct {
    module base;
    int channels;
} instance_norm_module;

static tensor *instance_norm_forward(module *m, module_run *run, const tensor *x) {
    return op_instance_norm(run->t, x, m->weight, m->bias, NORM_EPS);
}

/* ONNX's InstanceNormalization always takes a scale and a shift. */
static const char *instance_norm_onnx(module *m, onnx_graph *g, const char *x) {
    int c = ((instance_norm_module *)m)->channels;
    const char *scale = m->weight ? onnx_param(g, m, "weight", m->weight) : onnx_const_fill(g, 1, c);
    const char *shift = m->bias ? onnx_param(g, m, "bias", m->bias) : onnx_const_fill(g, 0, c);
    return onnx_node(g, m, "InstanceNormalization", ONNX_IN(x, scale, shift),
                     ONNX_ATTRS(ONNX_FLOAT("epsilon", NORM_EPS)));
}

static const module_type instance_norm_type = {
    .name = "InstanceNorm2d", .forward = instance_norm_forward, .onnx = instance_norm_onnx};

module *instance_norm_new(network *net, const char *path, int channels, bool affine) {
    if (!path || !check_channels(net, path, "InstanceNorm2d", channels)) return NULL;
    instance_norm_module *in = (instance_norm_module *)module_alloc(net, &instance_norm_type, path, sizeof *in);
    if (!in) return NULL;
    in->channels = channels;
    module *m = &in->base;
    snprintf(m->detail, sizeof m->detail, "%d%s", channels, affine ? " affine" : "");
    if (affine && !add_affine(m, 1, &channels)) {
        module_free(m);
        return NULL;
    }
    return m;
}

typedef struct {
    module base;
    int ndim, shape[TENSOR_MAX_DIM];
} layer_norm_module;

static tensor *layer_norm_forward(module *m, module_run *run, const tensor *x) {
    const layer_norm_module *l = (const layer_norm_module *)m;
    bool fits = x->ndim == l->ndim + 1;
    for (int i = 0; fits && i < l->ndim; i++) fits = x->shape[i + 1] == l->shape[i];
    if (!fits) {
        char sx[48];
        GANC_ERR(GANC_ERR_SHAPE, "input %s does not end in the normalized shape %s", tensor_shape_str(x, sx, sizeof sx),
                 m->detail);
        return NULL;
    }
    return op_layer_norm(run->t, x, m->weight, m->bias, NORM_EPS);
}

/* Standard ops (LayerNormalization needs opset 17); weight and bias broadcast from the right. */
static const char *layer_norm_onnx(module *m, onnx_graph *g, const char *x) {
    const layer_norm_module *l = (const layer_norm_module *)m;
    int64_t axes[TENSOR_MAX_DIM];
    for (int i = 0; i < l->ndim; i++) axes[i] = i + 1;
    const char *y = onnx_normalize(g, m, x, l->ndim, axes, false, NORM_EPS);
    if (!m->weight) return y;
    y = onnx_node(g, m, "Mul", ONNX_IN(y, onnx_param(g, m, "weight", m->weight)), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(y, onnx_param(g, m, "bias", m->bias)), ONNX_NO_ATTRS);
}

static const module_type layer_norm_type = {
    .name = "LayerNorm", .forward = layer_norm_forward, .onnx = layer_norm_onnx};

module *layer_norm_new(network *net, const char *path, int ndim, const int *shape, bool affine) {
    if (!path) return NULL;
    char what[96];
    snprintf(what, sizeof what, "network %s: LayerNorm %s: normalized shape", net->name, path);
    if (ndim > TENSOR_MAX_DIM - 1) {
        GANC_ERR(GANC_ERR_ARG, "%s has %d dims; at most %d (the input adds N)", what, ndim, TENSOR_MAX_DIM - 1);
        return NULL;
    }
    if (shape_check(what, ndim, shape)) return NULL;
    layer_norm_module *l = (layer_norm_module *)module_alloc(net, &layer_norm_type, path, sizeof *l);
    if (!l) return NULL;
    module *m = &l->base;
    l->ndim = ndim;
    for (int i = 0; i < ndim; i++) l->shape[i] = shape[i];
    shape_str(ndim, shape, m->detail, sizeof m->detail);
    if (affine && !add_affine(m, ndim, shape)) {
        module_free(m);
        return NULL;
    }
    return m;
}
