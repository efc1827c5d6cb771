/* The norm choice of the reference models and CycleGAN's ResnetBlock. */
#include <stdio.h>

#include "core/ops/elementwise.h"
#include "layers/blocks.h"
#include "layers/onnx.h"

module *norm_layer_new(network *net, const char *path, norm_kind norm, int channels) {
    switch (norm) {
    case NORM_INSTANCE: return instance_norm_new(net, path, channels, false);
    case NORM_BATCH: return batch_norm_new(net, path, channels, true);
    case NORM_NONE: break;
    }
    return identity_new(net, path);
}

bool norm_conv_bias(norm_kind norm) { return norm == NORM_INSTANCE; }

static tensor *resnet_block_forward(module *m, module_run *run, const tensor *x) {
    return op_add(run->t, x, module_forward(m->children[0], run, x));
}

static const char *resnet_block_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_node(g, m, "Add", ONNX_IN(x, onnx_module(g, m->children[0], x)), ONNX_NO_ATTRS);
}

static const module_type resnet_block_type = {
    .name = "ResnetBlock", .forward = resnet_block_forward, .onnx = resnet_block_onnx};

/* [pad,] conv3x3, norm: the two halves of the block. */
static ganc_status add_conv_norm(module *seq, int dim, pad_mode padding, norm_kind norm, bool use_bias) {
    network *net = seq->net;
    char p[MODULE_PATH_MAX];
    int conv_pad = padding == PAD_ZERO ? 1 : 0;
    if (!conv_pad && module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 1, padding)))
        return ganc_error_status();
    conv_opts o = {.in_channels = dim, .out_channels = dim, .kernel = 3, .padding = conv_pad, .bias = use_bias};
    if (module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), o))) return ganc_error_status();
    return module_add_child(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), norm, dim));
}

module *resnet_block_new(network *net, const char *path, int dim, pad_mode padding, norm_kind norm, bool use_dropout,
                         bool use_bias) {
    module *m = module_alloc(net, &resnet_block_type, path, sizeof *m);
    if (!m) return NULL;
    snprintf(m->detail, sizeof m->detail, "%d%s", dim, use_dropout ? " dropout" : "");
    char p[MODULE_PATH_MAX];
    module *seq = sequential_new(net, module_child_path(m, "conv_block", p, sizeof p));
    ganc_status st = module_add_child(m, seq);
    if (!st) st = add_conv_norm(seq, dim, padding, norm, use_bias);
    if (!st) st = module_add_child(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
    if (!st && use_dropout) st = module_add_child(seq, dropout_new(net, module_next_path(seq, p, sizeof p), 0.5));
    if (!st) st = add_conv_norm(seq, dim, padding, norm, use_bias);
    if (st) {
        module_free(m);
        return NULL;
    }
    return m;
}
