/* photo2cartoon's hourglass: ConvBlock, HourGlassBlock and HourGlass, with
 * the reference's module names. */
#include <stdio.h>

#include "core/ops/elementwise.h"
#include "core/ops/shape.h"
#include "core/ops/spatial.h"
#include "layers/blocks.h"
#include "layers/onnx.h"

/* ---- ConvBlock(dim_in, dim_out) ---- */

/* [InstanceNorm2d, ReLU, (ReflectionPad2d(1),) Conv2d(k, no bias)] */
static module *pre_activation_conv(module *parent, const char *name, int in, int out, int kernel) {
    network *net = parent->net;
    char path[MODULE_PATH_MAX], p[MODULE_PATH_MAX];
    module *seq = sequential_new(net, module_child_path(parent, name, path, sizeof path));
    if (!seq) return NULL;
    conv_opts o = {.in_channels = in, .out_channels = out, .kernel = kernel};
    ganc_status st = module_add_child(seq, instance_norm_new(net, module_next_path(seq, p, sizeof p), in, false));
    if (!st) st = module_add_child(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
    if (!st && kernel == 3)
        st = module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 1, PAD_REFLECT));
    if (!st) st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), o));
    if (st) {
        module_free(seq);
        return NULL;
    }
    return seq;
}

typedef struct {
    module base;
    int dim_in, dim_out;
} conv_block_module;

/* cat(x1, x2, x3) + (x, or ConvBlock4(x) when the channels differ) */
static tensor *conv_block_forward(module *m, module_run *run, const tensor *x) {
    module **c = m->children;
    tensor *x1 = module_forward(c[0], run, x);
    tensor *x2 = module_forward(c[1], run, x1);
    const tensor *parts[3] = {x1, x2, module_forward(c[2], run, x2)};
    tensor *out = op_concat(run->t, 3, parts, 1);
    const tensor *residual = x->shape[1] == ((conv_block_module *)m)->dim_out ? x : module_forward(c[3], run, x);
    return op_add(run->t, residual, out);
}

static const char *conv_block_onnx(module *m, onnx_graph *g, const char *x) {
    const conv_block_module *b = (const conv_block_module *)m;
    module **c = m->children;
    const char *x1 = onnx_module(g, c[0], x);
    const char *x2 = onnx_module(g, c[1], x1);
    const char *out = onnx_node(g, m, "Concat", ONNX_IN(x1, x2, onnx_module(g, c[2], x2)),
                                ONNX_ATTRS(ONNX_INT("axis", 1)));
    const char *residual = b->dim_in == b->dim_out ? x : onnx_module(g, c[3], x);
    return onnx_node(g, m, "Add", ONNX_IN(residual, out), ONNX_NO_ATTRS);
}

static const module_type conv_block_type = {
    .name = "ConvBlock", .forward = conv_block_forward, .onnx = conv_block_onnx};

static module *conv_block_new(network *net, const char *path, int dim_in, int dim_out) {
    conv_block_module *b = (conv_block_module *)module_alloc(net, &conv_block_type, path, sizeof *b);
    if (!b) return NULL;
    module *m = &b->base;
    b->dim_in = dim_in;
    b->dim_out = dim_out;
    snprintf(m->detail, sizeof m->detail, "%d->%d", dim_in, dim_out);
    /* ConvBlock4 exists even when unused, as in the reference, so state_dicts match. */
    ganc_status st = module_add_child(m, pre_activation_conv(m, "ConvBlock1", dim_in, dim_out / 2, 3));
    if (!st) st = module_add_child(m, pre_activation_conv(m, "ConvBlock2", dim_out / 2, dim_out / 4, 3));
    if (!st) st = module_add_child(m, pre_activation_conv(m, "ConvBlock3", dim_out / 4, dim_out / 4, 3));
    if (!st) st = module_add_child(m, pre_activation_conv(m, "ConvBlock4", dim_in, dim_out, 1));
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}

/* ---- HourGlassBlock(dim, dim) ---- */

static const char *const HG_BLOCK_NAMES[] = {"ConvBlock1_1", "ConvBlock1_2", "ConvBlock2_1", "ConvBlock2_2",
                                             "ConvBlock3_1", "ConvBlock3_2", "ConvBlock4_1", "ConvBlock4_2",
                                             "ConvBlock5",   "ConvBlock6",   "ConvBlock7",   "ConvBlock8",
                                             "ConvBlock9"};
#define HG_LEVELS 4

static tensor *half(tape *t, const tensor *x) { return op_avg_pool(t, x, 2, 2, 2, 2, 0, 0); }

static tensor *twice(tape *t, const tensor *x) {
    return x ? op_upsample_nearest(t, x, 2 * x->shape[2], 2 * x->shape[3]) : NULL;
}

static tensor *hourglass_block_forward(module *m, module_run *run, const tensor *x) {
    tape *t = run->t;
    module **c = m->children;
    if (x->ndim != 4 || x->shape[2] % 16 || x->shape[3] % 16 || x->shape[2] < 32 || x->shape[3] < 32) {
        char sx[48];
        GANC_ERR(GANC_ERR_SHAPE,
                 "input %s: H and W must be multiples of 16 and at least 32 (four 2x poolings, then a reflect pad)",
                 tensor_shape_str(x, sx, sizeof sx));
        return NULL;
    }
    tensor *skip[HG_LEVELS];
    const tensor *down = x;
    for (int i = 0; i < HG_LEVELS; i++) {
        skip[i] = module_forward(c[2 * i], run, down);
        down = module_forward(c[2 * i + 1], run, half(t, down));
    }
    tensor *up = module_forward(c[8], run, down);
    for (int i = 0; i < HG_LEVELS; i++)
        up = op_add(t, skip[HG_LEVELS - 1 - i], twice(t, module_forward(c[9 + i], run, up)));
    return up;
}

static const char *hourglass_block_onnx(module *m, onnx_graph *g, const char *x) {
    module **c = m->children;
    const char *skip[HG_LEVELS], *down = x;
    const char *scales = onnx_const_floats(g, "scales_1_1_2_2", 1, (int64_t[]){4}, (float[]){1, 1, 2, 2});
    for (int i = 0; i < HG_LEVELS; i++) {
        skip[i] = onnx_module(g, c[2 * i], down);
        const char *pooled = onnx_node(g, m, "AveragePool", ONNX_IN(down),
                                       ONNX_ATTRS(ONNX_INTS("kernel_shape", 2, 2), ONNX_INTS("strides", 2, 2)));
        down = onnx_module(g, c[2 * i + 1], pooled);
    }
    const char *up = onnx_module(g, c[8], down);
    for (int i = 0; i < HG_LEVELS; i++) {
        const char *twice_up = onnx_node(g, m, "Resize", ONNX_IN(onnx_module(g, c[9 + i], up), NULL, scales),
                                         ONNX_ATTRS(ONNX_STRING("mode", "nearest"),
                                                    ONNX_STRING("coordinate_transformation_mode", "asymmetric"),
                                                    ONNX_STRING("nearest_mode", "floor")));
        up = onnx_node(g, m, "Add", ONNX_IN(skip[HG_LEVELS - 1 - i], twice_up), ONNX_NO_ATTRS);
    }
    return up;
}

static const module_type hourglass_block_type = {
    .name = "HourGlassBlock", .forward = hourglass_block_forward, .onnx = hourglass_block_onnx};

static module *hourglass_block_new(network *net, const char *path, int dim) {
    module *m = module_alloc(net, &hourglass_block_type, path, sizeof *m);
    if (!m) return NULL;
    snprintf(m->detail, sizeof m->detail, "%d", dim);
    ganc_status st = GANC_OK;
    char p[MODULE_PATH_MAX];
    for (int i = 0; !st && i < 13; i++)
        st = module_add_child(m, conv_block_new(net, module_child_path(m, HG_BLOCK_NAMES[i], p, sizeof p), dim, dim));
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}

/* ---- HourGlass(dim, dim, use_res) ---- */

typedef struct {
    module base;
    bool use_res;
} hourglass_module;

static tensor *hourglass_forward(module *m, module_run *run, const tensor *x) {
    tape *t = run->t;
    module **c = m->children; /* HG, Conv1, Conv2, Conv3 */
    tensor *ll = module_forward(c[0], run, x);
    tensor *tmp_out = module_forward(c[1], run, ll);
    if (!((hourglass_module *)m)->use_res) return tmp_out;
    return op_add(t, op_add(t, x, module_forward(c[2], run, ll)), module_forward(c[3], run, tmp_out));
}

static const char *hourglass_onnx(module *m, onnx_graph *g, const char *x) {
    module **c = m->children; /* HG, Conv1, Conv2, Conv3 */
    const char *ll = onnx_module(g, c[0], x);
    const char *tmp_out = onnx_module(g, c[1], ll);
    if (!((hourglass_module *)m)->use_res) return tmp_out;
    const char *y = onnx_node(g, m, "Add", ONNX_IN(x, onnx_module(g, c[2], ll)), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Add", ONNX_IN(y, onnx_module(g, c[3], tmp_out)), ONNX_NO_ATTRS);
}

static const module_type hourglass_type = {.name = "HourGlass", .forward = hourglass_forward, .onnx = hourglass_onnx};

static ganc_status add_conv1x1(module *parent, const char *name, int in, int out, bool bias) {
    char p[MODULE_PATH_MAX];
    conv_opts o = {.in_channels = in, .out_channels = out, .kernel = 1, .bias = bias};
    return module_add_child(parent, conv2d_new(parent->net, module_child_path(parent, name, p, sizeof p), o));
}

module *hourglass_new(network *net, const char *path, int dim, bool use_res) {
    if (!path) return NULL;
    if (dim < 4 || dim % 4) {
        GANC_ERR(GANC_ERR_ARG, "network %s: HourGlass %s: dim must be a positive multiple of 4, got %d", net->name,
                 path, dim);
        return NULL;
    }
    hourglass_module *h = (hourglass_module *)module_alloc(net, &hourglass_type, path, sizeof *h);
    if (!h) return NULL;
    module *m = &h->base;
    h->use_res = use_res;
    snprintf(m->detail, sizeof m->detail, "%d%s", dim, use_res ? " residual" : "");
    char p[MODULE_PATH_MAX];
    module *hg = sequential_new(net, module_child_path(m, "HG", p, sizeof p));
    ganc_status st = module_add_child(m, hg);
    if (!st) st = module_add_child(hg, hourglass_block_new(net, module_next_path(hg, p, sizeof p), dim));
    if (!st) st = module_add_child(hg, conv_block_new(net, module_next_path(hg, p, sizeof p), dim, dim));
    if (!st) st = add_conv1x1(hg, "2", dim, dim, false);
    if (!st) st = module_add_child(hg, instance_norm_new(net, module_next_path(hg, p, sizeof p), dim, false));
    if (!st) st = module_add_child(hg, relu_new(net, module_next_path(hg, p, sizeof p)));
    if (!st) st = add_conv1x1(m, "Conv1", dim, 3, true);
    if (!st && use_res) st = add_conv1x1(m, "Conv2", dim, dim, true);
    if (!st && use_res) st = add_conv1x1(m, "Conv3", 3, dim, true);
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}
