#ifndef GANC_OPTIM_OPTIMIZER_H
#define GANC_OPTIM_OPTIMIZER_H

/* One optimizer of one network, whatever its kind: read from a config
 * section, stepped with the lr its schedule gives, clipped when asked,
 * saved to and loaded from checkpoints. Keys of the section (defaults in
 * brackets; docs/checkpoints.md has the full table):
 *
 *   kind = adam | adamw | sgd          [adam]
 *   lr                                 [0.0002]
 *   beta1, beta2, eps                  adam, adamw [0.5, 0.999, 1e-8]
 *   weight_decay                       adamw [0.01] (decoupled), sgd [0] (L2)
 *   momentum, nesterov                 sgd [0, false]
 *   schedule, schedule_unit, ...       optim/schedule.h
 *   clip_norm                          [0 = off] global L2 norm of this network's gradients
 *
 * A key the kind does not use is not read, so config_check_unused reports
 * it (momentum under kind = adam is a mistake, not a no-op). */

#include "core/checkpoint.h"
#include "core/config.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

typedef enum { OPTIMIZER_ADAM, OPTIMIZER_ADAMW, OPTIMIZER_SGD } optimizer_kind;

typedef struct optimizer_config {
    optimizer_kind kind;
    double lr; /* also schedule.base_lr */
    double beta1, beta2, eps;
    double weight_decay;
    double momentum;
    bool nesterov;
    lr_schedule schedule;
    double clip_norm; /* 0: off */
} optimizer_config;

typedef struct optimizer {
    optimizer_config cfg;
    adam adam; /* kind adam, adamw */
    sgd sgd;   /* kind sgd */
    double last_grad_norm; /* before clipping, from the last step; 0 while clipping is off */
} optimizer;

/* Adam at 2e-4, betas (0.5, 0.999) (CycleGAN/pix2pix), constant lr, no clipping. */
optimizer_config optimizer_defaults(void);
const char *optimizer_kind_name(optimizer_kind kind);
ganc_status optimizer_config_read(config *c, const char *section, optimizer_config *out);

ganc_status optimizer_init(optimizer *opt, const param_set *ps, const optimizer_config *cfg);
/* optimizer_config_read + optimizer_init. */
ganc_status optimizer_from_config(optimizer *opt, config *c, const char *section, const param_set *ps);
void optimizer_free(optimizer *opt);
/* Moves the optimizer's state to `dev`; call after params_to_device of its set. */
ganc_status optimizer_to_device(optimizer *opt, device dev);

/* The schedule's lr at global step `step` of epoch `epoch` (both from 0). */
double optimizer_lr(const optimizer *opt, long step, long epoch);
/* Clips ps's gradients when clip_norm > 0, then updates ps with `lr`
 * (>= 0). A frozen set is left alone. */
ganc_status optimizer_step(optimizer *opt, param_set *ps, double lr);

/* Metadata "optim.<set>.kind" plus the kind's state (adam_save, sgd_save).
 * Loading checks the kind and every name and shape. */
ganc_status optimizer_save(const optimizer *opt, const param_set *ps, checkpoint *ck);
ganc_status optimizer_load(optimizer *opt, const param_set *ps, checkpoint *ck);

#endif
