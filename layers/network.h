#ifndef GANC_LAYERS_NETWORK_H
#define GANC_LAYERS_NETWORK_H

/* A network: a module tree whose parameters live in one flat block
 * (params) and whose non-learned state lives in another (buffers:
 * batch-norm running statistics, spectral-norm power-iteration vectors).
 * Parameter and buffer names are dotted and prefixed with the network's
 * name, in the layout of the reference PyTorch models
 * ("G_A.model.1.weight"), so checkpoints and exports line up with them. */

#include <stdio.h>

#include "core/config.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/tape.h"

typedef struct module module; /* layers/module.h */

typedef struct network {
    char name[32]; /* "G_A": prefix of every parameter name */
    char arch[32]; /* "resnet_generator", "unet_generator", "patchgan", ... */
    param_set params;
    param_set buffers;
    module *root;
    bool training; /* train mode: batch-norm batch statistics, dropout on, spectral-norm iteration */
    rng rng;       /* dropout masks; saved with checkpoints */
} network;

/* Builds the network that config section `section` describes (its `arch`
 * key picks the architecture; the other keys are that architecture's),
 * names it `name` and initialises it from `init` (not kept). With init
 * NULL the parameters stay zero, for a checkpoint to fill. NULL with an
 * error naming the section and key on a bad config. */
network *network_from_config(config *c, const char *section, const char *name, rng *init);
/* An empty network (no modules, train mode) for building by hand from the
 * modules of layers/layers.h and layers/blocks.h: set net->root, then
 * network_init (layers/init.h) or load a checkpoint. `name` has no dots. */
network *network_new(const char *name, const char *arch);
void network_free(network *net);

/* Runs the network in its current mode. */
tensor *network_forward(network *net, tape *t, const tensor *x /* (N,C,H,W) */);
void network_set_training(network *net, bool training);
/* The input channels of an architecture from network_from_config; 0 for a
 * network built by hand (its root is the builder's own module). */
int network_in_channels(const network *net);
/* What H and W of an input must be multiples of (4 for the ResNet
 * generator, 2^num_downs for the U-Net); 1 when any size goes or the
 * network was built by hand. */
int network_input_multiple(const network *net);
/* Call after every optimizer step: clips U-GAT-IT's rho (ILN, adaLIN) and
 * Soft-AdaLIN's w_gamma, w_beta to [0, 1]. No-op for networks without them. */
void network_apply_constraints(network *net);
/* Layer tree with output shapes for an input of `input_shape`, then parameter counts. */
void network_print_summary(const network *net, const int input_shape[4], FILE *out);

#endif
