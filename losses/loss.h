#ifndef GANC_LOSSES_LOSS_H
#define GANC_LOSSES_LOSS_H

/* Loss terms of a generator objective. A term is made from a `[loss.NAME]`
 * config section (its `kind`, or a `plugin` shared object) and computes a
 * scalar from what the step exposes: the batch's tensors by name and the
 * experiment's networks by name. The trainer adds weight * value of every
 * term. The GAN objectives themselves, which need the discriminator's two
 * sides, are functions in losses/gan.h that recipes call directly. */

#include "core/config.h"
#include "core/tape.h"
#include "layers/network.h"

#define LOSS_MAX_TENSORS 24
#define LOSS_MAX_NETWORKS 12

/* Runs a network inside a term. The trainer passes network_forward; tests
 * pass their own. A pointer rather than a direct call keeps losses/ free
 * of a link-time dependency on layers/, and gives plugins one stable way
 * to run the experiment's networks. */
typedef tensor *(*loss_forward_fn)(network *net, tape *t, const tensor *x /* (N,C,H,W) */);

/* What a term sees in one step. Tensor names used by the recipes:
 * real_A, real_B, fake_A, fake_B, rec_A, rec_B, idt_A, idt_B (CycleGAN;
 * pix2pix: real_A, real_B, fake_B; face_pinch: params_source,
 * params_target, pred_source, pred_target, feat_source, feat_target).
 * Networks: G_A, G_B, D_A, D_B, G, D, F, R, domain, and any frozen
 * network an experiment loads (E1, E2, ID, ...). */
typedef struct loss_inputs {
    tape *t;
    int n_tensors;
    const char *tensor_names[LOSS_MAX_TENSORS];
    tensor *tensors[LOSS_MAX_TENSORS];
    int n_networks;
    network *networks[LOSS_MAX_NETWORKS];
    loss_forward_fn forward; /* network_forward; terms that run a network need it */
    double progress; /* 0 at the first step, 1 at the last */
    long step;
} loss_inputs;

/* NULL with an error naming the missing tensor or network and those present. */
tensor *loss_inputs_tensor(const loss_inputs *in, const char *name);
network *loss_inputs_network(const loss_inputs *in, const char *name);
ganc_status loss_inputs_add_tensor(loss_inputs *in, const char *name, tensor *x);
ganc_status loss_inputs_add_network(loss_inputs *in, network *net);
/* forward(network `name`, x); NULL with an error when the network is
 * missing or in->forward is not set. */
tensor *loss_inputs_run(const loss_inputs *in, const char *name, const tensor *x /* (N,C,H,W) */);

typedef struct loss_term loss_term;
struct loss_term {
    char name[64]; /* NAME of [loss.NAME] */
    char kind[32];
    double weight;
    void *state;
    /* The term's unweighted value, shape (1); NULL with an error. */
    tensor *(*compute)(loss_term *self, const loss_inputs *in);
    void (*destroy)(loss_term *self);
};

/* Builds the term of config section `section` ("loss.NAME"). */
ganc_status loss_term_from_config(config *c, const char *section, loss_term *out);
void loss_term_free(loss_term *term);

#endif
