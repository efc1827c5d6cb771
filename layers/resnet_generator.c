/* ResnetGenerator of pytorch-CycleGAN-and-pix2pix, index for index. */
#include <stdio.h>

#include "layers/architectures.h"

static const char *const PADDING_NAMES[] = {"zero", "reflect", "replicate", NULL}; /* pad_mode order */

ganc_status resnet_generator_read(config *c, const char *section, resnet_generator_opts *o) {
    long in, out, ngf, blocks;
    int padding;
    ganc_status st = config_int(c, section, "in_channels", 3, 1, 4096, &in);
    if (!st) st = config_int(c, section, "out_channels", 3, 1, 4096, &out);
    if (!st) st = config_int(c, section, "ngf", 64, 1, 4096, &ngf);
    if (!st) st = config_int(c, section, "n_blocks", 9, 0, 1000, &blocks);
    if (!st) st = arch_read_norm(c, section, "instance", &o->norm);
    if (!st) st = config_bool(c, section, "use_dropout", false, &o->use_dropout);
    if (!st) st = config_choice(c, section, "padding", "reflect", PADDING_NAMES, &padding);
    if (st) return st;
    *o = (resnet_generator_opts){(int)in, (int)out, (int)ngf, (int)blocks, o->norm, o->use_dropout, (pad_mode)padding};
    return GANC_OK;
}

/* Conv2d, norm, ReLU: the downsampling and first stages. */
static ganc_status add_conv_norm_relu(module *seq, conv_opts conv, norm_kind norm, bool transposed) {
    network *net = seq->net;
    char p[MODULE_PATH_MAX];
    module *layer = transposed ? conv_transpose2d_new(net, module_next_path(seq, p, sizeof p), conv)
                               : conv2d_new(net, module_next_path(seq, p, sizeof p), conv);
    ganc_status st = module_add_child(seq, layer);
    if (!st)
        st = module_add_child(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), norm, conv.out_channels));
    if (!st) st = module_add_child(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
    return st;
}

ganc_status resnet_generator_build(network *net, const resnet_generator_opts *o) {
    arch_root *root = arch_root_new(net, "ResnetGenerator", o->in_channels);
    if (!root) return ganc_error_status();
    root->multiple = 4; /* two stride-2 convs and their transposes restore the size only then */
    snprintf(root->base.detail, sizeof root->base.detail, "ngf %d, %d blocks", o->ngf, o->n_blocks);
    module *seq = sequential_new(net, "model");
    ganc_status st = module_add_child(&root->base, seq);
    char p[MODULE_PATH_MAX];
    bool bias = norm_conv_bias(o->norm);
    int ngf = o->ngf;
    if (!st) st = module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 3, PAD_REFLECT));
    conv_opts first = {.in_channels = o->in_channels, .out_channels = ngf, .kernel = 7, .bias = bias};
    if (!st) st = add_conv_norm_relu(seq, first, o->norm, false);
    for (int i = 0, mult = 1; !st && i < 2; i++, mult *= 2) {
        conv_opts down = {.in_channels = ngf * mult, .out_channels = ngf * mult * 2, .kernel = 3, .stride = 2,
                          .padding = 1, .bias = bias};
        st = add_conv_norm_relu(seq, down, o->norm, false);
    }
    for (int i = 0; !st && i < o->n_blocks; i++)
        st = module_add_child(seq, resnet_block_new(net, module_next_path(seq, p, sizeof p), ngf * 4, o->padding,
                                                    o->norm, o->use_dropout, bias));
    for (int i = 0, mult = 4; !st && i < 2; i++, mult /= 2) {
        conv_opts up = {.in_channels = ngf * mult, .out_channels = ngf * mult / 2, .kernel = 3, .stride = 2,
                        .padding = 1, .output_padding = 1, .bias = bias};
        st = add_conv_norm_relu(seq, up, o->norm, true);
    }
    if (!st) st = module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 3, PAD_REFLECT));
    conv_opts last = {.in_channels = ngf, .out_channels = o->out_channels, .kernel = 7, .bias = true};
    if (!st) st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), last));
    if (!st) st = module_add_child(seq, tanh_new(net, module_next_path(seq, p, sizeof p)));
    return st;
}
