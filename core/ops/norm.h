#ifndef GANC_OPS_NORM_H
#define GANC_OPS_NORM_H

/* Normalisation ops, each one op with a fused affine and its own backward.
 * They normalise with the biased variance (PyTorch). gamma and beta are
 * optional: NULL means scale 1 and shift 0 (no affine), so a NULL here is
 * never taken for an upstream failure. Every op returns a new tensor of the
 * step, or NULL with an error; a NULL x passes straight through. */

#include <stdbool.h>

#include "core/tape.h"

/* Training: normalise each channel with the batch statistics over N and the
 * spatial dims, and move the running statistics (when given) towards them:
 * running = (1 - momentum) * running + momentum * batch, with the unbiased
 * batch variance. Eval: normalise with the running statistics, which are
 * then required. Training needs more than one value per channel. */
tensor *op_batch_norm(tape *t, const tensor *x /* (N,C,H,W) or (N,C) */, const tensor *gamma /* (C) */,
                      const tensor *beta /* (C) */, tensor *running_mean /* (C), persistent */,
                      tensor *running_var /* (C), persistent */, bool training, real momentum, real eps);

/* Each (sample, channel) over its spatial values. */
tensor *op_instance_norm(tape *t, const tensor *x /* (N,C,H,W) or (N,C,L) */, const tensor *gamma /* (C) */,
                         const tensor *beta /* (C) */, real eps);

/* Each sample over all its non-batch dims; gamma/beta are elementwise. */
tensor *op_layer_norm(tape *t, const tensor *x /* (N,C,H,W), (N,C,L) or (N,D) */,
                      const tensor *gamma /* x's shape without N */, const tensor *beta /* same as gamma */,
                      real eps);

/* Each sample's channels split into `groups` groups of C/groups channels,
 * each group normalised over its channels and spatial values. */
tensor *op_group_norm(tape *t, const tensor *x /* (N,C,H,W), (N,C,L) or (N,C) */, int groups,
                      const tensor *gamma /* (C) */, const tensor *beta /* (C) */, real eps);

#endif
