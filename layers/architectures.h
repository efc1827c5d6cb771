#ifndef GANC_LAYERS_ARCHITECTURES_H
#define GANC_LAYERS_ARCHITECTURES_H

/* The whole networks behind network_from_config's `arch` key. Each has an
 * options struct, a reader for its config keys (documented in
 * docs/layers.md) and a builder that fills an empty network (net->root
 * and its parameters, zero-filled). The layouts and names are those of
 * pytorch-CycleGAN-and-pix2pix's networks.py. */

#include "core/config.h"
#include "core/kernels/spatial.h"
#include "layers/blocks.h"

/* ResnetGenerator: [model.N] reflect-pad 7x7 conv, two stride-2 convs,
 * n_blocks ResnetBlocks, two stride-2 transposed convs, 7x7 conv, tanh. */
typedef struct {
    int in_channels, out_channels, ngf, n_blocks;
    norm_kind norm;
    bool use_dropout;
    pad_mode padding; /* of the ResnetBlocks: reflect, replicate or zero */
} resnet_generator_opts;

ganc_status resnet_generator_read(config *c, const char *section, resnet_generator_opts *o);
ganc_status resnet_generator_build(network *net, const resnet_generator_opts *o);

/* UnetGenerator: nested UnetSkipConnectionBlocks [model.model.N,
 * model.model.1.model.N, ...], num_downs stride-2 levels with channels
 * ngf * min(2^i, 8); dropout in the 8*ngf levels between the fourth and
 * the innermost. For num_downs >= 5 this is exactly the reference; below
 * 5 (which the reference silently treats as 5) the channel rule continues
 * downwards. Inputs must have H and W divisible by 2^num_downs. */
typedef struct {
    int in_channels, out_channels, ngf, num_downs;
    norm_kind norm;
    bool use_dropout;
} unet_generator_opts;

ganc_status unet_generator_read(config *c, const char *section, unet_generator_opts *o);
ganc_status unet_generator_build(network *net, const unet_generator_opts *o);

/* NLayerDiscriminator (PatchGAN) [model.N]: 4x4 convs, n_layers of them
 * with stride 2, channels ndf * min(2^n, 8), then two stride-1 convs down
 * to one logit per patch. spectral_norm wraps every conv (weight_orig,
 * weight_u, weight_v). */
typedef struct {
    int in_channels, ndf, n_layers;
    norm_kind norm;
    bool spectral_norm;
} patchgan_opts;

ganc_status patchgan_read(config *c, const char *section, patchgan_opts *o);
ganc_status patchgan_build(network *net, const patchgan_opts *o);

/* A small classifier / regressor [features.N, head]: depth stages of 4x4
 * stride-2 conv (channels width * min(2^i, 8)), optional norm, LeakyReLU
 * 0.2; then a Linear from the flattened (C, image_size/2^depth,
 * image_size/2^depth) features to `outputs` values. Input (N,in,S,S) with
 * S = image_size; output (N,outputs). Without the head (head = false) the
 * output is the last stage's (N,C,S/2^depth,S/2^depth) feature map: a
 * trained classifier's features for the style loss. */
typedef struct {
    int in_channels, width, depth, outputs, image_size;
    norm_kind norm;
    bool head;
} classifier_opts;

ganc_status classifier_read(config *c, const char *section, classifier_opts *o);
ganc_status classifier_build(network *net, const classifier_opts *o);

/* A residual feature extractor [blocks.N (BasicBlock: conv1, norm1,
 * conv2, norm2, downsample.0/.1), flatten]: each of n_blocks blocks halves
 * the size (a stride-2 3x3 conv, then a 3x3 conv; a 1x1 stride-2 conv on
 * the shortcut) with channels width * min(2^i, 8); the last map is
 * flattened. Input (N,in,S,S), S = image_size; output
 * (N, residual_encoder_features). */
typedef struct {
    int in_channels, width, n_blocks, image_size;
    norm_kind norm;
} residual_encoder_opts;

ganc_status residual_encoder_read(config *c, const char *section, residual_encoder_opts *o);
ganc_status residual_encoder_build(network *net, const residual_encoder_opts *o);
/* C * (S / 2^n_blocks)^2 of the last block. */
int residual_encoder_features(const residual_encoder_opts *o);

/* A multi-layer perceptron [net.N]: `layers` Linears, in_features ->
 * width -> ... -> outputs, ReLU (and Dropout when dropout > 0) between
 * them, then the output activation. Input (N,in_features), or any
 * (N,...) with in_features values per sample; output (N,outputs). */
typedef enum { MLP_NONE, MLP_SIGMOID, MLP_TANH } mlp_activation;

typedef struct {
    int in_features, width, layers, outputs;
    double dropout;
    mlp_activation out_activation;
} mlp_opts;

ganc_status mlp_read(config *c, const char *section, mlp_opts *o);
ganc_status mlp_build(network *net, const mlp_opts *o);
/* in_features of a network mlp_build made; 0 for any other network. */
int mlp_in_features(const network *net);

/* ---- shared by the builders ---- */

/* The root of an architecture: checks the input, then runs its children
 * in order (the classifier flattens before its last child). */
typedef struct {
    module base;
    int in_channels;
    int multiple;   /* H and W must be multiples of this */
    int image_size; /* 0: any */
    bool flatten_before_last;
} arch_root;

/* Allocates the root (path "") of the given type name and makes it net->root. */
arch_root *arch_root_new(network *net, const char *type_name, int in_channels);
/* [section] norm = instance|batch|none. */
ganc_status arch_read_norm(config *c, const char *section, const char *def, norm_kind *out);

#endif
