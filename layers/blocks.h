#ifndef GANC_LAYERS_BLOCKS_H
#define GANC_LAYERS_BLOCKS_H

/* Blocks made of layers: the reference models' norm choice, the CycleGAN
 * ResnetBlock, and photo2cartoon's hourglass. Parameter names follow the
 * reference classes (in brackets). */

#include "layers/layers.h"

typedef enum { NORM_INSTANCE, NORM_BATCH, NORM_NONE } norm_kind;

/* get_norm_layer of pytorch-CycleGAN-and-pix2pix: instance ->
 * InstanceNorm2d(affine=False), batch -> BatchNorm2d(affine=True), none ->
 * Identity (it keeps its Sequential index). */
module *norm_layer_new(network *net, const char *path, norm_kind norm, int channels);
/* The reference's use_bias: convs followed by a norm have a bias only
 * under instance norm (batch norm's shift makes it redundant; with none,
 * the reference leaves it out too). */
bool norm_conv_bias(norm_kind norm);

/* CycleGAN's ResnetBlock: x + conv_block(x) with conv_block = [pad, conv3x3,
 * norm, ReLU, (Dropout 0.5), pad, conv3x3, norm] [conv_block.N]; zero
 * padding puts padding 1 in the convs instead of pad layers, so the indices
 * shift as in the reference. */
module *resnet_block_new(network *net, const char *path, int dim, pad_mode padding, norm_kind norm, bool use_dropout,
                         bool use_bias);

/* photo2cartoon's HourGlass(dim, dim, use_res) [HG.0 (HourGlassBlock:
 * ConvBlock1_1 .. ConvBlock9), HG.1 (ConvBlock), HG.2 (Conv 1x1), HG.3
 * (InstanceNorm2d), HG.4 (ReLU), Conv1, Conv2, Conv3]: an encoder-decoder
 * over four 2x average-pool levels with skip additions. Returns x +
 * Conv2(HG(x)) + Conv3(Conv1(HG(x))) with use_res, else the 3-channel
 * Conv1(HG(x)). dim must be a multiple of 4 (ConvBlock concatenates
 * dim/2 + dim/4 + dim/4 channels); H and W multiples of 16, at least 32
 * (the bottom level's reflect pad needs 2x2). */
module *hourglass_new(network *net, const char *path, int dim, bool use_res);

#endif
