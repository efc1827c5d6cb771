/* Layers without parameters: padding, resampling, dropout, activations,
 * identity, flatten, pooling. */
#include <stdio.h>

#include "core/ops/elementwise.h"
#include "core/ops/random.h"
#include "core/ops/spatial.h"
#include "core/ops/view.h"
#include "layers/layers.h"
#include "layers/onnx.h"

typedef struct {
    module base;
    int pad;
    pad_mode mode;
} pad_module;

static tensor *pad_forward(module *m, module_run *run, const tensor *x) {
    const pad_module *p = (const pad_module *)m;
    return op_pad(run->t, x, p->pad, p->pad, p->pad, p->pad, p->mode);
}

static const char *pad_onnx(module *m, onnx_graph *g, const char *x) {
    const pad_module *p = (const pad_module *)m;
    static const char *const modes[] = {[PAD_ZERO] = "constant", [PAD_REFLECT] = "reflect", [PAD_REPLICATE] = "edge"};
    int64_t q = p->pad; /* ONNX order: every axis's begin, then every axis's end */
    const char *pads = onnx_const_ints(g, 8, (int64_t[]){0, 0, q, q, 0, 0, q, q});
    return onnx_node(g, m, "Pad", ONNX_IN(x, pads), ONNX_ATTRS(ONNX_STRING("mode", modes[p->mode])));
}

static const module_type reflection_pad_type = {.name = "ReflectionPad2d", .forward = pad_forward, .onnx = pad_onnx};
static const module_type replication_pad_type = {
    .name = "ReplicationPad2d", .forward = pad_forward, .onnx = pad_onnx};
static const module_type zero_pad_type = {.name = "ZeroPad2d", .forward = pad_forward, .onnx = pad_onnx};

module *pad_new(network *net, const char *path, int pad, pad_mode mode) {
    if (pad < 0) {
        GANC_ERR(GANC_ERR_ARG, "network %s: %s: padding must be >= 0, got %d", net->name, path, pad);
        return NULL;
    }
    const module_type *type = mode == PAD_REFLECT     ? &reflection_pad_type
                              : mode == PAD_REPLICATE ? &replication_pad_type
                                                      : &zero_pad_type;
    pad_module *p = (pad_module *)module_alloc(net, type, path, sizeof *p);
    if (!p) return NULL;
    p->pad = pad;
    p->mode = mode;
    snprintf(p->base.detail, sizeof p->base.detail, "%d", pad);
    return &p->base;
}

typedef struct {
    module base;
    int scale;
    bool bilinear, align_corners;
} upsample_module;

static tensor *upsample_forward(module *m, module_run *run, const tensor *x) {
    const upsample_module *u = (const upsample_module *)m;
    if (x->ndim != 4) {
        GANC_ERR(GANC_ERR_SHAPE, "Upsample needs an (N,C,H,W) input, got %d dims", x->ndim);
        return NULL;
    }
    int h = x->shape[2] * u->scale, w = x->shape[3] * u->scale;
    return u->bilinear ? op_upsample_bilinear(run->t, x, h, w, u->align_corners) : op_upsample_nearest(run->t, x, h, w);
}

/* Resize with the coordinate rules of PyTorch's exporter: nearest takes
 * floor(dst / scale); bilinear aligns corners or pixel centres. */
static const char *upsample_onnx(module *m, onnx_graph *g, const char *x) {
    const upsample_module *u = (const upsample_module *)m;
    char name[32];
    float s = (float)u->scale;
    snprintf(name, sizeof name, "scales_1_1_%d_%d", u->scale, u->scale);
    const char *scales = onnx_const_floats(g, name, 1, (int64_t[]){4}, (float[]){1, 1, s, s});
    if (!u->bilinear)
        return onnx_node(g, m, "Resize", ONNX_IN(x, NULL, scales),
                         ONNX_ATTRS(ONNX_STRING("mode", "nearest"),
                                    ONNX_STRING("coordinate_transformation_mode", "asymmetric"),
                                    ONNX_STRING("nearest_mode", "floor")));
    return onnx_node(g, m, "Resize", ONNX_IN(x, NULL, scales),
                     ONNX_ATTRS(ONNX_STRING("mode", "linear"),
                                ONNX_STRING("coordinate_transformation_mode",
                                            u->align_corners ? "align_corners" : "pytorch_half_pixel")));
}

static const module_type upsample_type = {.name = "Upsample", .forward = upsample_forward, .onnx = upsample_onnx};

module *upsample_new(network *net, const char *path, int scale, bool bilinear, bool align_corners) {
    if (scale < 1) {
        GANC_ERR(GANC_ERR_ARG, "network %s: %s: upsampling scale must be >= 1, got %d", net->name, path, scale);
        return NULL;
    }
    upsample_module *u = (upsample_module *)module_alloc(net, &upsample_type, path, sizeof *u);
    if (!u) return NULL;
    u->scale = scale;
    u->bilinear = bilinear;
    u->align_corners = align_corners;
    snprintf(u->base.detail, sizeof u->base.detail, "x%d %s", scale,
             bilinear ? (align_corners ? "bilinear aligned" : "bilinear") : "nearest");
    return &u->base;
}

typedef struct {
    module base;
    double p;
} scalar_module; /* dropout's p, leaky relu's slope */

static tensor *dropout_forward(module *m, module_run *run, const tensor *x) {
    /* Eval mode is the identity: no copy. */
    if (!run->training) return (tensor *)x;
    return op_dropout(run->t, x, (real)((scalar_module *)m)->p, true, run->rng);
}

/* Exports are for inference: eval-mode dropout is the identity. */
static const char *pass_onnx(module *m, onnx_graph *g, const char *x) { return x; }

static const module_type dropout_type = {.name = "Dropout", .forward = dropout_forward, .onnx = pass_onnx};

static module *scalar_new(network *net, const module_type *type, const char *path, double p) {
    scalar_module *s = (scalar_module *)module_alloc(net, type, path, sizeof *s);
    if (!s) return NULL;
    s->p = p;
    snprintf(s->base.detail, sizeof s->base.detail, "%g", p);
    return &s->base;
}

module *dropout_new(network *net, const char *path, double p) {
    if (!(p >= 0 && p < 1)) {
        GANC_ERR(GANC_ERR_ARG, "network %s: %s: dropout probability must be in [0, 1), got %g", net->name, path, p);
        return NULL;
    }
    return scalar_new(net, &dropout_type, path, p);
}

static tensor *leaky_relu_forward(module *m, module_run *run, const tensor *x) {
    return op_leaky_relu(run->t, x, (real)((scalar_module *)m)->p);
}

static const char *leaky_relu_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "LeakyRelu", ONNX_IN(x), ONNX_ATTRS(ONNX_FLOAT("alpha", ((scalar_module *)m)->p)));
}

static const module_type leaky_relu_type = {
    .name = "LeakyReLU", .forward = leaky_relu_forward, .onnx = leaky_relu_onnx};

module *leaky_relu_new(network *net, const char *path, double slope) {
    return scalar_new(net, &leaky_relu_type, path, slope);
}

static tensor *relu_forward(module *m, module_run *run, const tensor *x) { return op_relu(run->t, x); }
static tensor *tanh_forward(module *m, module_run *run, const tensor *x) { return op_tanh(run->t, x); }
static tensor *sigmoid_forward(module *m, module_run *run, const tensor *x) { return op_sigmoid(run->t, x); }
static tensor *identity_forward(module *m, module_run *run, const tensor *x) { return (tensor *)x; }

static tensor *flatten_forward(module *m, module_run *run, const tensor *x) {
    return op_reshape(run->t, x, 2, (int[]){x->shape[0], -1});
}

static tensor *global_avg_pool_forward(module *m, module_run *run, const tensor *x) {
    return op_global_avg_pool(run->t, x);
}

static const char *relu_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "Relu", ONNX_IN(x), ONNX_NO_ATTRS);
}
static const char *tanh_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "Tanh", ONNX_IN(x), ONNX_NO_ATTRS);
}
static const char *sigmoid_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "Sigmoid", ONNX_IN(x), ONNX_NO_ATTRS);
}
static const char *flatten_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "Flatten", ONNX_IN(x), ONNX_ATTRS(ONNX_INT("axis", 1)));
}
static const char *global_avg_pool_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "GlobalAveragePool", ONNX_IN(x), ONNX_NO_ATTRS);
}

static const module_type relu_type = {.name = "ReLU", .forward = relu_forward, .onnx = relu_onnx};
static const module_type tanh_type = {.name = "Tanh", .forward = tanh_forward, .onnx = tanh_onnx};
static const module_type sigmoid_type = {.name = "Sigmoid", .forward = sigmoid_forward, .onnx = sigmoid_onnx};
static const module_type identity_type = {.name = "Identity", .forward = identity_forward, .onnx = pass_onnx};
static const module_type flatten_type = {.name = "Flatten", .forward = flatten_forward, .onnx = flatten_onnx};
static const module_type global_avg_pool_type = {
    .name = "AdaptiveAvgPool2d", .forward = global_avg_pool_forward, .onnx = global_avg_pool_onnx};

module *relu_new(network *net, const char *path) { return module_alloc(net, &relu_type, path, sizeof(module)); }
module *tanh_new(network *net, const char *path) { return module_alloc(net, &tanh_type, path, sizeof(module)); }
module *sigmoid_new(network *net, const char *path) { return module_alloc(net, &sigmoid_type, path, sizeof(module)); }
module *identity_new(network *net, const char *path) {
    return module_alloc(net, &identity_type, path, sizeof(module));
}
module *flatten_new(network *net, const char *path) { return module_alloc(net, &flatten_type, path, sizeof(module)); }
module *global_avg_pool_new(network *net, const char *path) {
    return module_alloc(net, &global_avg_pool_type, path, sizeof(module));
}

typedef struct {
    module base;
    int kernel;
} pool_module;

static tensor *avg_pool_forward(module *m, module_run *run, const tensor *x) {
    int k = ((pool_module *)m)->kernel;
    return op_avg_pool(run->t, x, k, k, k, k, 0, 0);
}

static const char *avg_pool_onnx(module *m, onnx_graph *g, const char *x) {
    int64_t k = ((pool_module *)m)->kernel;
    return onnx_node(g, m, "AveragePool", ONNX_IN(x),
                     ONNX_ATTRS(ONNX_INTS("kernel_shape", k, k), ONNX_INTS("strides", k, k)));
}

static const module_type avg_pool_type = {.name = "AvgPool2d", .forward = avg_pool_forward, .onnx = avg_pool_onnx};

module *avg_pool_new(network *net, const char *path, int kernel) {
    if (kernel < 1) {
        GANC_ERR(GANC_ERR_ARG, "network %s: %s: pooling kernel must be >= 1, got %d", net->name, path, kernel);
        return NULL;
    }
    pool_module *p = (pool_module *)module_alloc(net, &avg_pool_type, path, sizeof *p);
    if (!p) return NULL;
    p->kernel = kernel;
    snprintf(p->base.detail, sizeof p->base.detail, "k%d", kernel);
    return &p->base;
}
