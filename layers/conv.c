/* Conv2d, ConvTranspose2d and Linear, each with an optional spectral norm. */
#include <stdio.h>

#include "core/ops/conv.h"
#include "core/ops/linalg.h"
#include "layers/layers.h"
#include "layers/onnx.h"
#include "layers/spectral_norm.h"

typedef struct {
    module base;
    conv_opts o;
    bool has_sn;
    spectral_norm sn;
} conv_module;

/* The weight the op sees: W, or W / sigma under spectral norm. */
static tensor *effective_weight(conv_module *c, module_run *run) {
    return c->has_sn ? spectral_norm_weight(&c->sn, run, c->base.weight) : c->base.weight;
}

static tensor *conv2d_forward(module *m, module_run *run, const tensor *x) {
    conv_module *c = (conv_module *)m;
    conv2d_args a = {.stride_h = c->o.stride, .stride_w = c->o.stride, .pad_h = c->o.padding, .pad_w = c->o.padding,
                     .groups = c->o.groups};
    return op_conv2d(run->t, x, effective_weight(c, run), m->bias, a);
}

static tensor *conv_transpose2d_forward(module *m, module_run *run, const tensor *x) {
    conv_module *c = (conv_module *)m;
    conv_transpose2d_args a = {.stride_h = c->o.stride, .stride_w = c->o.stride, .pad_h = c->o.padding,
                               .pad_w = c->o.padding, .output_pad_h = c->o.output_padding,
                               .output_pad_w = c->o.output_padding};
    return op_conv_transpose2d(run->t, x, effective_weight(c, run), m->bias, a);
}

static tensor *linear_forward(module *m, module_run *run, const tensor *x) {
    return op_linear(run->t, x, effective_weight((conv_module *)m, run), m->bias);
}

/* The weight as an initializer: under spectral norm, W / sigma from the
 * stored u and v, the weight an eval-mode forward uses. */
static const char *weight_onnx(conv_module *c, onnx_graph *g) {
    module *m = &c->base;
    const tensor *w = effective_weight(c, onnx_run(g));
    return w ? onnx_param(g, m, "weight", w) : onnx_error(g, ganc_error_status());
}

static const char *bias_onnx(module *m, onnx_graph *g) { return m->bias ? onnx_param(g, m, "bias", m->bias) : NULL; }

static const char *conv2d_onnx(module *m, onnx_graph *g, const char *x) {
    const conv_opts *o = &((conv_module *)m)->o;
    int64_t k = o->kernel, s = o->stride, p = o->padding;
    const char *w = weight_onnx((conv_module *)m, g);
    return onnx_node(g, m, "Conv", ONNX_IN(x, w, bias_onnx(m, g)),
                     ONNX_ATTRS(ONNX_INTS("kernel_shape", k, k), ONNX_INTS("strides", s, s),
                                ONNX_INTS("pads", p, p, p, p), ONNX_INTS("dilations", 1, 1),
                                ONNX_INT("group", o->groups)));
}

static const char *conv_transpose2d_onnx(module *m, onnx_graph *g, const char *x) {
    const conv_opts *o = &((conv_module *)m)->o;
    int64_t k = o->kernel, s = o->stride, p = o->padding, op = o->output_padding;
    const char *w = weight_onnx((conv_module *)m, g);
    return onnx_node(g, m, "ConvTranspose", ONNX_IN(x, w, bias_onnx(m, g)),
                     ONNX_ATTRS(ONNX_INTS("kernel_shape", k, k), ONNX_INTS("strides", s, s),
                                ONNX_INTS("pads", p, p, p, p), ONNX_INTS("output_padding", op, op),
                                ONNX_INTS("dilations", 1, 1), ONNX_INT("group", 1)));
}

/* y = x W^T + b */
static const char *linear_onnx(module *m, onnx_graph *g, const char *x) {
    const char *w = weight_onnx((conv_module *)m, g);
    return onnx_node(g, m, "Gemm", ONNX_IN(x, w, bias_onnx(m, g)), ONNX_ATTRS(ONNX_INT("transB", 1)));
}

static const module_type conv2d_type = {
    .name = "Conv2d", .forward = conv2d_forward, .init_role = MODULE_INIT_WEIGHT, .onnx = conv2d_onnx};
static const module_type conv_transpose2d_type = {.name = "ConvTranspose2d", .forward = conv_transpose2d_forward,
                                                  .init_role = MODULE_INIT_WEIGHT, .onnx = conv_transpose2d_onnx};
static const module_type linear_type = {
    .name = "Linear", .forward = linear_forward, .init_role = MODULE_INIT_WEIGHT, .onnx = linear_onnx};

/* Registers weight (or weight_orig and the spectral-norm buffers) and bias. */
static module *finish(conv_module *c, int ndim, const int *wshape, int out, int sn_dim) {
    module *m = &c->base;
    m->weight = module_add_param(m, c->o.spectral_norm ? "weight_orig" : "weight", ndim, wshape);
    ganc_status st = m->weight ? GANC_OK : ganc_error_status();
    if (!st && c->o.bias && !(m->bias = module_add_param(m, "bias", 1, &out))) st = ganc_error_status();
    if (!st && c->o.spectral_norm) {
        c->has_sn = true;
        st = spectral_norm_attach(&c->sn, m, m->weight, sn_dim);
    }
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}

static ganc_status check_conv(network *net, const char *path, const char *what, conv_opts *o) {
    if (o->stride == 0) o->stride = 1;
    if (o->groups == 0) o->groups = 1;
    if (o->in_channels < 1 || o->out_channels < 1 || o->kernel < 1 || o->stride < 1 || o->padding < 0 ||
        o->output_padding < 0 || o->groups < 1)
        return GANC_ERR(GANC_ERR_ARG,
                        "network %s: %s %s: channels %d->%d, kernel %d, stride %d, padding %d, output_padding %d, "
                        "groups %d: expected channels, kernel, stride, groups >= 1 and paddings >= 0",
                        net->name, what, path, o->in_channels, o->out_channels, o->kernel, o->stride, o->padding,
                        o->output_padding, o->groups);
    return GANC_OK;
}

module *conv2d_new(network *net, const char *path, conv_opts o) {
    if (!path || check_conv(net, path, "Conv2d", &o)) return NULL;
    if (o.in_channels % o.groups || o.out_channels % o.groups || o.output_padding) {
        GANC_ERR(GANC_ERR_ARG,
                 "network %s: Conv2d %s: channels %d->%d must be divisible by groups %d, and output_padding (%d) is "
                 "for ConvTranspose2d",
                 net->name, path, o.in_channels, o.out_channels, o.groups, o.output_padding);
        return NULL;
    }
    conv_module *c = (conv_module *)module_alloc(net, &conv2d_type, path, sizeof *c);
    if (!c) return NULL;
    c->o = o;
    snprintf(c->base.detail, sizeof c->base.detail, "%d->%d k%d s%d p%d%s%s", o.in_channels, o.out_channels,
             o.kernel, o.stride, o.padding, o.groups > 1 ? " groups" : "", o.spectral_norm ? " SN" : "");
    return finish(c, 4, (int[]){o.out_channels, o.in_channels / o.groups, o.kernel, o.kernel}, o.out_channels, 0);
}

module *conv_transpose2d_new(network *net, const char *path, conv_opts o) {
    if (!path || check_conv(net, path, "ConvTranspose2d", &o)) return NULL;
    if (o.groups != 1 || o.output_padding >= o.stride) {
        GANC_ERR(GANC_ERR_ARG,
                 "network %s: ConvTranspose2d %s: output_padding %d must be below stride %d, and groups (%d) must be 1",
                 net->name, path, o.output_padding, o.stride, o.groups);
        return NULL;
    }
    conv_module *c = (conv_module *)module_alloc(net, &conv_transpose2d_type, path, sizeof *c);
    if (!c) return NULL;
    c->o = o;
    snprintf(c->base.detail, sizeof c->base.detail, "%d->%d k%d s%d p%d op%d%s", o.in_channels, o.out_channels,
             o.kernel, o.stride, o.padding, o.output_padding, o.spectral_norm ? " SN" : "");
    return finish(c, 4, (int[]){o.in_channels, o.out_channels, o.kernel, o.kernel}, o.out_channels, 1);
}

module *linear_new(network *net, const char *path, int in_features, int out_features, bool bias, bool sn) {
    if (!path) return NULL;
    if (in_features < 1 || out_features < 1) {
        GANC_ERR(GANC_ERR_ARG, "network %s: Linear %s: features %d->%d must be >= 1", net->name, path, in_features,
                 out_features);
        return NULL;
    }
    conv_module *c = (conv_module *)module_alloc(net, &linear_type, path, sizeof *c);
    if (!c) return NULL;
    c->o = (conv_opts){.in_channels = in_features, .out_channels = out_features, .bias = bias,
                       .spectral_norm = sn};
    snprintf(c->base.detail, sizeof c->base.detail, "%d->%d%s", in_features, out_features, sn ? " SN" : "");
    return finish(c, 2, (int[]){out_features, in_features}, out_features, 0);
}

spectral_norm *module_spectral_norm(module *m) {
    if (m->type != &conv2d_type && m->type != &conv_transpose2d_type && m->type != &linear_type) return NULL;
    conv_module *c = (conv_module *)m;
    return c->has_sn ? &c->sn : NULL;
}
