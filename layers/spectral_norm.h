#ifndef GANC_LAYERS_SPECTRAL_NORM_H
#define GANC_LAYERS_SPECTRAL_NORM_H

/* Spectral normalisation (Miyato et al. 2018) as torch.nn.utils.spectral_norm
 * does it: the layer uses W / sigma, sigma = u^T W v, where W is the weight
 * viewed as a (rows, cols) matrix and u, v (buffers weight_u, weight_v)
 * estimate its top singular vectors. Each train-mode forward first runs
 * one power iteration, v = normalize(W^T u), u = normalize(W v), without
 * gradient, and stores u and v; eval mode uses the stored vectors. The
 * gradient flows into W through both W and sigma, never through u or v. */

#include "layers/module.h"

typedef struct spectral_norm {
    tensor *u; /* buffer (rows) */
    tensor *v; /* buffer (cols) */
    int dim;   /* weight dim that gives the rows: 0 (Conv2d, Linear), 1 (ConvTranspose2d) */
    int rows, cols;
} spectral_norm;

/* The spectral norm of a Conv2d, ConvTranspose2d or Linear module; NULL
 * for other modules and for those built without one. */
spectral_norm *module_spectral_norm(module *m);
/* Registers the buffers weight_u and weight_v of module m for `weight`. */
ganc_status spectral_norm_attach(spectral_norm *sn, module *m, const tensor *weight, int dim);
/* u and v: independent N(0,1) draws, normalised (PyTorch's start). */
void spectral_norm_init(spectral_norm *sn, rng *r);
/* W / sigma, same shape as weight; one power iteration first in train mode. */
tensor *spectral_norm_weight(spectral_norm *sn, module_run *run, const tensor *weight);

#endif
