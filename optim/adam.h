#ifndef GANC_OPTIM_ADAM_H
#define GANC_OPTIM_ADAM_H

/* Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) as one pass
 * over a network's flat parameter block, with the moments in two more flat
 * blocks of the same length. */

#include "core/checkpoint.h"
#include "core/params.h"

typedef struct {
    real lr, beta1, beta2, eps;
    real weight_decay; /* AdamW's decoupled decay; 0 for plain Adam */
} adam_config;

typedef struct {
    adam_config cfg;
    real *m, *v;  /* first and second moments, ps->numel values each, on `dev` */
    size_t numel;
    long step;
    device dev;   /* the parameter set's device at init; adam_to_device moves them */
} adam;

/* lr 2e-4, betas (0.5, 0.999) as in CycleGAN/pix2pix, eps 1e-8. */
adam_config adam_defaults(void);
ganc_status adam_init(adam *opt, const param_set *ps, adam_config cfg);
void adam_free(adam *opt);
/* Moves the moments to `dev` (the device the parameters moved to). */
ganc_status adam_to_device(adam *opt, device dev);
/* One update of every parameter from its gradient, on the set's device
 * (which must be the moments'); a frozen set is left alone. */
ganc_status adam_step(adam *opt, param_set *ps);

/* The moments as "optim.m.<param>" and "optim.v.<param>" and the step
 * count (for the bias corrections) as metadata "optim.<set>.step"; loading
 * them continues the run bit for bit. */
ganc_status adam_save(const adam *opt, const param_set *ps, checkpoint *ck);
ganc_status adam_load(adam *opt, const param_set *ps, checkpoint *ck);

#endif
