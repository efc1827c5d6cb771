#ifndef GANC_OPS_LOSS_H
#define GANC_OPS_LOSS_H

/* Fused losses with mean reduction: each returns a (1) tensor of the step,
 * or NULL with an error; a NULL input (an upstream failure) passes straight
 * through. Both inputs get gradients where the loss defines them; labels
 * never do. */

#include "core/tape.h"

/* mean((pred - target)^2) */
tensor *op_mse(tape *t, const tensor *pred /* any shape */, const tensor *target /* pred's shape */);
/* mean(|pred - target|) */
tensor *op_l1(tape *t, const tensor *pred /* any shape */, const tensor *target /* pred's shape */);
/* PyTorch's SmoothL1Loss(beta): with d = pred - target, d^2 / (2 beta) where
 * |d| < beta, else |d| - beta/2; beta = 0 is L1. */
tensor *op_smooth_l1(tape *t, const tensor *pred /* any shape */, const tensor *target /* pred's shape */,
                     real beta);
/* Binary cross entropy on logits, stable for large |x|:
 * mean(max(x,0) - x z + log(1 + e^-|x|)). */
tensor *op_bce_with_logits(tape *t, const tensor *logits /* any shape */, const tensor *target /* logits' shape */);

/* -mean_i log_probs[i, labels[i]]. Labels are integer values in [0, C). */
tensor *op_nll(tape *t, const tensor *log_probs /* (N,C) */, const tensor *labels /* (N) */);
/* log_softmax + nll, fused: mean_i (logsumexp(logits[i]) - logits[i, labels[i]]). */
tensor *op_cross_entropy(tape *t, const tensor *logits /* (N,C) */, const tensor *labels /* (N) */);

/* Per-sample cosine similarity over all non-batch dims, not reduced:
 * a.b / max(|a| |b|, eps), eps > 0 (PyTorch's guard). */
tensor *op_cosine_similarity(tape *t, const tensor *a /* (N,...) */, const tensor *b /* a's shape */, real eps);

#endif
