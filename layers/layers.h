#ifndef GANC_LAYERS_LAYERS_H
#define GANC_LAYERS_LAYERS_H

/* The single layers, named and laid out as their PyTorch counterparts
 * (parameter names in brackets). Each constructor registers the
 * parameters, zero-filled: layers/init.h gives them values. NULL with an
 * error naming the module path on a bad option. */

#include "core/kernels/spatial.h"
#include "layers/module.h"

/* ---- convolutions and linear (layers/conv.c) ---- */

/* Conv2d and ConvTranspose2d [weight, bias]. Zero stride or groups are
 * read as 1. With spectral_norm the weight is registered as weight_orig,
 * with buffers weight_u and weight_v, as torch.nn.utils.spectral_norm
 * names them (layers/spectral_norm.h). */
typedef struct {
    int in_channels, out_channels, kernel, stride, padding;
    int output_padding; /* ConvTranspose2d only */
    int groups;         /* Conv2d only */
    bool bias;
    bool spectral_norm;
} conv_opts;

/* Input (N,in,H,W); weight (out,in/groups,k,k). */
module *conv2d_new(network *net, const char *path, conv_opts o);
/* Input (N,in,H,W); weight (in,out,k,k); out = (H-1)*stride - 2*padding + k + output_padding. */
module *conv_transpose2d_new(network *net, const char *path, conv_opts o);
/* Input (N,in); weight (out,in). */
module *linear_new(network *net, const char *path, int in_features, int out_features, bool bias, bool sn);

/* ---- normalisation (layers/norm.c) ---- */

/* BatchNorm2d / BatchNorm1d [weight, bias; buffers running_mean,
 * running_var, num_batches_tracked]: batch statistics and running-stat
 * updates (momentum 0.1) in train mode, running statistics in eval. */
module *batch_norm_new(network *net, const char *path, int channels, bool affine);
/* InstanceNorm2d without running statistics (PyTorch's default and the
 * reference models'); [weight, bias] when affine. */
module *instance_norm_new(network *net, const char *path, int channels, bool affine);
/* LayerNorm over all non-batch dims of an input of `shape` (without N)
 * [weight, bias of that shape] when affine. */
module *layer_norm_new(network *net, const char *path, int ndim, const int *shape, bool affine);

/* ---- U-GAT-IT normalisations (layers/ada_norm.c) ----
 * out = rho * IN(x) + (1 - rho) * LN(x), then scaled and shifted. IN and
 * LN use the unbiased variance, as the reference code (torch.var) does.
 * rho is clipped to [0, 1] after each optimizer step
 * (network_apply_constraints). */

/* ILN (U-GAT-IT) and LIN (photo2cartoon) are the same layer: [rho (1,C,1,1)
 * = 0, gamma (1,C,1,1) = 1, beta (1,C,1,1) = 0]. */
module *iln_new(network *net, const char *path, int channels);
/* adaLIN [rho (1,C,1,1) = 0.9]; gamma and beta come from another branch. */
module *adalin_new(network *net, const char *path, int channels);
tensor *adalin_forward(module *m, module_run *run, const tensor *x /* (N,C,H,W) */, const tensor *gamma /* (N,C) */,
                       const tensor *beta /* (N,C) */);
/* Its ONNX nodes (layers/onnx.h) on values x, gamma and beta. */
const char *adalin_onnx(module *m, onnx_graph *g, const char *x, const char *gamma, const char *beta);
/* photo2cartoon's Soft-AdaLIN [norm.rho, w_gamma (1,C) = 0, w_beta (1,C) = 0,
 * c_gamma.0/.2, c_beta.0/.2 (Linear C->C), s_gamma, s_beta (Linear C->C)]:
 * gamma = (1 - w_gamma) * s_gamma(style) + w_gamma * c_gamma(content), beta
 * alike. w_gamma and w_beta are clipped to [0, 1] with rho. */
module *soft_adalin_new(network *net, const char *path, int channels);
tensor *soft_adalin_forward(module *m, module_run *run, const tensor *x /* (N,C,H,W) */,
                            const tensor *content /* (N,C) */, const tensor *style /* (N,C) */);
const char *soft_adalin_onnx(module *m, onnx_graph *g, const char *x, const char *content, const char *style);

/* ---- shape-preserving and parameter-free layers (layers/basic.c) ---- */

/* ReflectionPad2d, ReplicationPad2d, ZeroPad2d by `pad` on every side. */
module *pad_new(network *net, const char *path, int pad, pad_mode mode);
/* nn.Upsample(scale_factor) with mode nearest or bilinear (align_corners as given). */
module *upsample_new(network *net, const char *path, int scale, bool bilinear, bool align_corners);
/* nn.Dropout(p): active in train mode only, masks from the network's rng. */
module *dropout_new(network *net, const char *path, double p);
module *relu_new(network *net, const char *path);
module *leaky_relu_new(network *net, const char *path, double slope);
module *tanh_new(network *net, const char *path);
module *sigmoid_new(network *net, const char *path);
/* Returns its input: keeps PyTorch's Sequential indices where the
 * reference puts an Identity (norm = none). */
module *identity_new(network *net, const char *path);
/* (N,C,H,W) -> (N,C*H*W). */
module *flatten_new(network *net, const char *path);
/* F.avg_pool2d(x, k) (stride k) and nn.AdaptiveAvgPool2d(1). */
module *avg_pool_new(network *net, const char *path, int kernel);
module *global_avg_pool_new(network *net, const char *path);

#endif
