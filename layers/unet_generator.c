/* UnetGenerator of pytorch-CycleGAN-and-pix2pix: blocks nested inside
 * blocks, built outermost first so parameters are registered in
 * state_dict order. */
#include <stdio.h>

#include "core/ops/shape.h"
#include "layers/architectures.h"
#include "layers/onnx.h"

ganc_status unet_generator_read(config *c, const char *section, unet_generator_opts *o) {
    long in, out, ngf, downs;
    ganc_status st = config_int(c, section, "in_channels", 3, 1, 4096, &in);
    if (!st) st = config_int(c, section, "out_channels", 3, 1, 4096, &out);
    if (!st) st = config_int(c, section, "ngf", 64, 1, 4096, &ngf);
    if (!st) st = config_int(c, section, "num_downs", 8, 2, 16, &downs);
    if (!st) st = arch_read_norm(c, section, "batch", &o->norm);
    if (!st) st = config_bool(c, section, "use_dropout", true, &o->use_dropout);
    if (st) return st;
    *o = (unet_generator_opts){(int)in, (int)out, (int)ngf, (int)downs, o->norm, o->use_dropout};
    return GANC_OK;
}

typedef struct {
    module base;
    bool outermost;
} unet_block;

/* Outermost: model(x); every other block: cat(x, model(x)) along channels. */
static tensor *unet_block_forward(module *m, module_run *run, const tensor *x) {
    tensor *y = module_forward(m->children[0], run, x);
    if (((unet_block *)m)->outermost) return y;
    const tensor *both[2] = {x, y};
    return op_concat(run->t, 2, both, 1);
}

static const char *unet_block_onnx(module *m, onnx_graph *g, const char *x) {
    const char *y = onnx_module(g, m->children[0], x);
    if (((unet_block *)m)->outermost) return y;
    return onnx_node(g, m, "Concat", ONNX_IN(x, y), ONNX_ATTRS(ONNX_INT("axis", 1)));
}

static const module_type unet_block_type = {
    .name = "UnetSkipConnectionBlock", .forward = unet_block_forward, .onnx = unet_block_onnx};

static int level_channels(const unet_generator_opts *o, int level) {
    return o->ngf * (level < 3 ? 1 << level : 8);
}

static ganc_status add(module *seq, module *child) { return module_add_child(seq, child); }

/* The block of `level` (0 = outermost) at `path`, with its inner levels. */
static module *unet_level(network *net, const char *path, const unet_generator_opts *o, int level) {
    bool outermost = level == 0, innermost = level == o->num_downs - 1;
    int inner = level_channels(o, level);
    int outer = outermost ? o->out_channels : level_channels(o, level - 1);
    int input = outermost ? o->in_channels : outer;
    bool bias = norm_conv_bias(o->norm);
    unet_block *b = (unet_block *)module_alloc(net, &unet_block_type, path, sizeof *b);
    if (!b) return NULL;
    b->outermost = outermost;
    snprintf(b->base.detail, sizeof b->base.detail, "%d->%d%s", outer, inner,
             outermost ? " outermost" : innermost ? " innermost" : "");
    char p[MODULE_PATH_MAX];
    module *seq = sequential_new(net, module_child_path(&b->base, "model", p, sizeof p));
    ganc_status st = module_add_child(&b->base, seq);
    conv_opts down = {.in_channels = input, .out_channels = inner, .kernel = 4, .stride = 2, .padding = 1,
                      .bias = bias};
    conv_opts up = {.in_channels = innermost ? inner : 2 * inner, .out_channels = outer, .kernel = 4, .stride = 2,
                    .padding = 1, .bias = outermost || bias};
    if (!st && !outermost) st = add(seq, leaky_relu_new(net, module_next_path(seq, p, sizeof p), 0.2));
    if (!st) st = add(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), down));
    if (!st && !outermost && !innermost)
        st = add(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), o->norm, inner));
    if (!st && !innermost) st = add(seq, unet_level(net, module_next_path(seq, p, sizeof p), o, level + 1));
    if (!st) st = add(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
    if (!st) st = add(seq, conv_transpose2d_new(net, module_next_path(seq, p, sizeof p), up));
    if (!st && outermost) st = add(seq, tanh_new(net, module_next_path(seq, p, sizeof p)));
    if (!st && !outermost) st = add(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), o->norm, outer));
    if (!st && o->use_dropout && level >= 4 && !innermost)
        st = add(seq, dropout_new(net, module_next_path(seq, p, sizeof p), 0.5));
    if (st) {
        module_free(&b->base);
        return NULL;
    }
    return &b->base;
}

ganc_status unet_generator_build(network *net, const unet_generator_opts *o) {
    if (o->num_downs < 2 || o->num_downs > 16)
        return GANC_ERR(GANC_ERR_ARG, "network %s: unet_generator: num_downs must be in [2, 16], got %d", net->name,
                        o->num_downs);
    arch_root *root = arch_root_new(net, "UnetGenerator", o->in_channels);
    if (!root) return ganc_error_status();
    root->multiple = 1 << o->num_downs;
    snprintf(root->base.detail, sizeof root->base.detail, "ngf %d, %d downs", o->ngf, o->num_downs);
    return module_add_child(&root->base, unet_level(net, "model", o, 0));
}
