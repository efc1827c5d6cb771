#ifndef GANC_OPTIM_SGD_H
#define GANC_OPTIM_SGD_H

/* Stochastic gradient descent with momentum, optional Nesterov momentum
 * and L2 weight decay, following torch.optim.SGD (dampening 0):
 *   g = grad + weight_decay * w
 *   b = momentum * b + g               (b = g at the first step)
 *   w -= lr * (nesterov ? g + momentum * b : b)
 * One pass over a network's flat parameter block; the momentum buffer is
 * one more flat block. */

#include "core/checkpoint.h"
#include "core/params.h"

typedef struct {
    real lr, momentum, weight_decay;
    bool nesterov; /* needs momentum > 0 */
} sgd_config;

typedef struct {
    sgd_config cfg;
    real *buf; /* momentum buffer, ps->numel values on `dev`; NULL without momentum */
    size_t numel;
    long step;
    device dev; /* the parameter set's device at init; sgd_to_device moves the buffer */
} sgd;

/* lr 0.01, no momentum, no decay. */
sgd_config sgd_defaults(void);
ganc_status sgd_init(sgd *opt, const param_set *ps, sgd_config cfg);
void sgd_free(sgd *opt);
/* Moves the momentum buffer to `dev` (the device the parameters moved to). */
ganc_status sgd_to_device(sgd *opt, device dev);
/* One update from ps->grad with opt->cfg.lr, on the set's device (which
 * must be the buffer's); a frozen set is left alone. */
ganc_status sgd_step(sgd *opt, param_set *ps);

/* The momentum buffer as "optim.momentum.<param>" (when momentum > 0)
 * and the step count as metadata "optim.<set>.step". */
ganc_status sgd_save(const sgd *opt, const param_set *ps, checkpoint *ck);
ganc_status sgd_load(sgd *opt, const param_set *ps, checkpoint *ck);

#endif
