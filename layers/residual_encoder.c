/* A convolutional feature extractor of residual blocks: the feature half
 * of the face-pinch regressor, whose flattened output feeds both the
 * parameter head and the domain classifier. */
#include <stdio.h>

#include "core/ops/elementwise.h"
#include "layers/architectures.h"
#include "layers/onnx.h"

ganc_status residual_encoder_read(config *c, const char *section, residual_encoder_opts *o) {
    long in, width, blocks, size;
    ganc_status st = config_int(c, section, "in_channels", 3, 1, 4096, &in);
    if (!st) st = config_int(c, section, "width", 16, 1, 4096, &width);
    if (!st) st = config_int(c, section, "n_blocks", 4, 1, 8, &blocks);
    if (!st) st = config_int(c, section, "image_size", 64, 2, 1 << 14, &size);
    if (!st) st = arch_read_norm(c, section, "batch", &o->norm);
    if (st) return st;
    if (size % (1L << blocks))
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] image_size = %ld must be divisible by 2^n_blocks = %ld", section,
                        size, 1L << blocks);
    *o = (residual_encoder_opts){(int)in, (int)width, (int)blocks, (int)size, o->norm};
    return GANC_OK;
}

/* Channels after block i: width * 2^i, at most width * 8. */
static int block_channels(const residual_encoder_opts *o, int i) { return o->width * (i < 3 ? 1 << i : 8); }

int residual_encoder_features(const residual_encoder_opts *o) {
    int side = o->image_size >> o->n_blocks;
    return block_channels(o, o->n_blocks - 1) * side * side;
}

/* torchvision's BasicBlock with stride 2: relu(norm2(conv2(relu(norm1(conv1(x))))) + downsample(x)),
 * children [conv1, norm1, conv2, norm2, downsample (Sequential: 1x1 conv, norm)]. */
static tensor *basic_block_forward(module *m, module_run *run, const tensor *x) {
    module **c = m->children;
    tensor *h = op_relu(run->t, module_forward(c[1], run, module_forward(c[0], run, x)));
    h = module_forward(c[3], run, module_forward(c[2], run, h));
    return op_relu(run->t, op_add(run->t, h, module_forward(c[4], run, x)));
}

static const char *basic_block_onnx(module *m, onnx_graph *g, const char *x) {
    module **c = m->children;
    const char *h = onnx_node(g, m, "Relu", ONNX_IN(onnx_module(g, c[1], onnx_module(g, c[0], x))), ONNX_NO_ATTRS);
    h = onnx_module(g, c[3], onnx_module(g, c[2], h));
    const char *sum = onnx_node(g, m, "Add", ONNX_IN(h, onnx_module(g, c[4], x)), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Relu", ONNX_IN(sum), ONNX_NO_ATTRS);
}

static const module_type basic_block_type = {
    .name = "BasicBlock", .forward = basic_block_forward, .onnx = basic_block_onnx};

static module *basic_block_new(network *net, const char *path, int in, int out, norm_kind norm) {
    module *m = module_alloc(net, &basic_block_type, path, sizeof *m);
    if (!m) return NULL;
    snprintf(m->detail, sizeof m->detail, "%d->%d s2", in, out);
    char p[MODULE_PATH_MAX];
    bool bias = norm != NORM_BATCH; /* batch norm's shift makes a conv bias redundant */
    conv_opts c1 = {.in_channels = in, .out_channels = out, .kernel = 3, .stride = 2, .padding = 1, .bias = bias};
    conv_opts c2 = {.in_channels = out, .out_channels = out, .kernel = 3, .stride = 1, .padding = 1, .bias = bias};
    conv_opts sc = {.in_channels = in, .out_channels = out, .kernel = 1, .stride = 2, .bias = bias};
    ganc_status st = module_add_child(m, conv2d_new(net, module_child_path(m, "conv1", p, sizeof p), c1));
    if (!st) st = module_add_child(m, norm_layer_new(net, module_child_path(m, "norm1", p, sizeof p), norm, out));
    if (!st) st = module_add_child(m, conv2d_new(net, module_child_path(m, "conv2", p, sizeof p), c2));
    if (!st) st = module_add_child(m, norm_layer_new(net, module_child_path(m, "norm2", p, sizeof p), norm, out));
    module *down = st ? NULL : sequential_new(net, module_child_path(m, "downsample", p, sizeof p));
    if (!st) st = module_add_child(m, down);
    if (!st) st = module_add_child(down, conv2d_new(net, module_next_path(down, p, sizeof p), sc));
    if (!st) st = module_add_child(down, norm_layer_new(net, module_next_path(down, p, sizeof p), norm, out));
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}

ganc_status residual_encoder_build(network *net, const residual_encoder_opts *o) {
    if (o->n_blocks < 1 || o->n_blocks > 8 || o->image_size % (1 << o->n_blocks))
        return GANC_ERR(GANC_ERR_ARG, "network %s: residual_encoder: n_blocks %d must be in [1, 8] and 2^n_blocks "
                        "must divide image_size %d", net->name, o->n_blocks, o->image_size);
    arch_root *root = arch_root_new(net, "ResidualEncoder", o->in_channels);
    if (!root) return ganc_error_status();
    root->image_size = o->image_size;
    snprintf(root->base.detail, sizeof root->base.detail, "width %d, %d blocks, %d features", o->width, o->n_blocks,
             residual_encoder_features(o));
    char p[MODULE_PATH_MAX];
    module *blocks = sequential_new(net, "blocks");
    ganc_status st = module_add_child(&root->base, blocks);
    for (int i = 0, in = o->in_channels; !st && i < o->n_blocks; i++) {
        int out = block_channels(o, i);
        st = module_add_child(blocks, basic_block_new(net, module_next_path(blocks, p, sizeof p), in, out, o->norm));
        in = out;
    }
    if (!st) st = module_add_child(&root->base, flatten_new(net, "flatten"));
    return st;
}
