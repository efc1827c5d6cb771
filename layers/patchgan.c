/* NLayerDiscriminator (PatchGAN) of pytorch-CycleGAN-and-pix2pix. */
#include <stdio.h>

#include "layers/architectures.h"

ganc_status patchgan_read(config *c, const char *section, patchgan_opts *o) {
    long in, ndf, layers;
    ganc_status st = config_int(c, section, "in_channels", 3, 1, 4096, &in);
    if (!st) st = config_int(c, section, "ndf", 64, 1, 4096, &ndf);
    if (!st) st = config_int(c, section, "n_layers", 3, 1, 12, &layers);
    if (!st) st = arch_read_norm(c, section, "instance", &o->norm);
    if (!st) st = config_bool(c, section, "spectral_norm", false, &o->spectral_norm);
    if (st) return st;
    *o = (patchgan_opts){(int)in, (int)ndf, (int)layers, o->norm, o->spectral_norm};
    return GANC_OK;
}

static int min_int(int a, int b) { return a < b ? a : b; }

ganc_status patchgan_build(network *net, const patchgan_opts *o) {
    if (o->n_layers < 1)
        return GANC_ERR(GANC_ERR_ARG, "network %s: patchgan: n_layers must be >= 1, got %d", net->name, o->n_layers);
    arch_root *root = arch_root_new(net, "NLayerDiscriminator", o->in_channels);
    if (!root) return ganc_error_status();
    snprintf(root->base.detail, sizeof root->base.detail, "ndf %d, %d layers%s", o->ndf, o->n_layers,
             o->spectral_norm ? ", SN" : "");
    module *seq = sequential_new(net, "model");
    ganc_status st = module_add_child(&root->base, seq);
    char p[MODULE_PATH_MAX];
    bool bias = norm_conv_bias(o->norm);
    conv_opts conv = {.in_channels = o->in_channels, .out_channels = o->ndf, .kernel = 4, .stride = 2, .padding = 1,
                      .bias = true, .spectral_norm = o->spectral_norm};
    if (!st) st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), conv));
    if (!st) st = module_add_child(seq, leaky_relu_new(net, module_next_path(seq, p, sizeof p), 0.2));
    /* n_layers stride-2 stages, then one at stride 1, each conv, norm, LeakyReLU. */
    for (int n = 1, mult = 1; !st && n <= o->n_layers; n++) {
        int prev = mult;
        mult = min_int(1 << n, 8);
        conv.in_channels = o->ndf * prev;
        conv.out_channels = o->ndf * mult;
        conv.stride = n < o->n_layers ? 2 : 1;
        conv.bias = bias;
        st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), conv));
        if (!st) st = module_add_child(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), o->norm,
                                                          conv.out_channels));
        if (!st) st = module_add_child(seq, leaky_relu_new(net, module_next_path(seq, p, sizeof p), 0.2));
    }
    conv.in_channels = conv.out_channels;
    conv.out_channels = 1;
    conv.stride = 1;
    conv.bias = true;
    if (!st) st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), conv));
    return st;
}
