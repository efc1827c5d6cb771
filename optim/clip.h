#ifndef GANC_OPTIM_CLIP_H
#define GANC_OPTIM_CLIP_H

/* Gradient clipping by the global L2 norm over one or more networks' flat
 * gradient blocks (torch.nn.utils.clip_grad_norm_). Frozen sets are
 * skipped: their gradients are not used. */

#include "core/params.h"

/* The norm, summed in double over fixed-size chunks in a fixed order: the
 * same bits for any number of threads, so runs and resumes stay identical. */
double clip_grad_norm_of(param_set *const *sets, int n_sets);

/* When the norm exceeds max_norm (> 0), scales every gradient by
 * max_norm / (norm + 1e-6), as PyTorch does. *norm (may be NULL) gets the
 * norm before clipping. A nan or infinite norm is an error naming the
 * sets, and leaves the gradients as they were. */
ganc_status clip_grad_norm(param_set *const *sets, int n_sets, double max_norm, double *norm);

#endif
