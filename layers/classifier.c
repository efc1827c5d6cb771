/* A small conv classifier / regressor: attribute regressors, domain
 * classifiers, face-ID embeddings. */
#include <stdio.h>

#include "layers/architectures.h"

ganc_status classifier_read(config *c, const char *section, classifier_opts *o) {
    long in, width, depth, outputs, size;
    ganc_status st = config_int(c, section, "in_channels", 3, 1, 4096, &in);
    if (!st) st = config_int(c, section, "width", 32, 1, 4096, &width);
    if (!st) st = config_int(c, section, "depth", 4, 1, 12, &depth);
    if (!st) st = config_int(c, section, "outputs", 1, 1, 1 << 20, &outputs);
    if (!st) st = config_int(c, section, "image_size", 64, 2, 1 << 14, &size);
    if (!st) st = arch_read_norm(c, section, "none", &o->norm);
    if (!st) st = config_bool(c, section, "head", true, &o->head);
    if (st) return st;
    if (size % (1L << depth))
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] image_size = %ld must be divisible by 2^depth = %ld", section, size,
                        1L << depth);
    *o = (classifier_opts){(int)in, (int)width, (int)depth, (int)outputs, (int)size, o->norm, o->head};
    return GANC_OK;
}

ganc_status classifier_build(network *net, const classifier_opts *o) {
    if (o->depth < 1 || o->depth > 12 || o->image_size % (1 << o->depth))
        return GANC_ERR(GANC_ERR_ARG, "network %s: classifier: depth %d must be in [1, 12] and divide image_size %d "
                        "by 2^depth", net->name, o->depth, o->image_size);
    arch_root *root = arch_root_new(net, "Classifier", o->in_channels);
    if (!root) return ganc_error_status();
    root->image_size = o->image_size;
    root->flatten_before_last = o->head;
    if (o->head)
        snprintf(root->base.detail, sizeof root->base.detail, "width %d, depth %d, %d outputs", o->width, o->depth,
                 o->outputs);
    else
        snprintf(root->base.detail, sizeof root->base.detail, "width %d, depth %d, features only", o->width, o->depth);
    module *seq = sequential_new(net, "features");
    ganc_status st = module_add_child(&root->base, seq);
    char p[MODULE_PATH_MAX];
    int channels = o->in_channels;
    for (int i = 0; !st && i < o->depth; i++) {
        conv_opts conv = {.in_channels = channels, .out_channels = o->width * (i < 3 ? 1 << i : 8), .kernel = 4,
                          .stride = 2, .padding = 1, .bias = o->norm != NORM_BATCH};
        channels = conv.out_channels;
        st = module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), conv));
        if (!st && o->norm != NORM_NONE)
            st = module_add_child(seq, norm_layer_new(net, module_next_path(seq, p, sizeof p), o->norm, channels));
        if (!st) st = module_add_child(seq, leaky_relu_new(net, module_next_path(seq, p, sizeof p), 0.2));
    }
    int side = o->image_size >> o->depth;
    if (!st && o->head)
        st = module_add_child(&root->base, linear_new(net, "head", channels * side * side, o->outputs, true, false));
    return st;
}
