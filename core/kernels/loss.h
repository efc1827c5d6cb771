#ifndef GANC_KERNELS_LOSS_H
#define GANC_KERNELS_LOSS_H

/* Fused loss kernels. Kernel contract for every backend: forward kernels
 * overwrite their outputs; backward kernels ADD into the input gradients
 * they are given and skip a NULL one. Scalar losses write their mean into
 * out[0] and read their upstream gradient from dout[0], both in device
 * memory. Labels are class indices stored as reals, already checked to be
 * integers in [0, C). */

#include "core/kernels/dims.h"

/* Elementwise losses of (p, z) = (prediction, target), averaged over n. */
typedef enum {
    POINTWISE_MSE,       /* (p - z)^2 */
    POINTWISE_L1,        /* |p - z| */
    POINTWISE_SMOOTH_L1, /* d = p - z: |d| < beta ? d^2 / (2 beta) : |d| - beta/2; beta = 0 is L1 */
    POINTWISE_BCE_LOGITS /* p logits, z targets: max(p,0) - p z + log(1 + e^-|p|) */
} pointwise_loss;

struct loss_kernels {
    /* beta: SmoothL1's threshold, unused by the others. */
    void (*pointwise_forward)(pointwise_loss k, real beta, const real *pred, const real *target, size_t n, real *out);
    void (*pointwise_backward)(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                               const real *dout, real *dpred, real *dtarget);

    /* out = -mean_i log_probs[i, labels[i]] over log_probs (n, c). */
    void (*nll_forward)(const real *log_probs, const real *labels, int n, int c, real *out);
    void (*nll_backward)(const real *labels, int n, int c, const real *dout, real *dlog_probs);

    /* out = mean_i (logsumexp(logits[i]) - logits[i, labels[i]]); writes
     * each row's logsumexp (n) for the backward pass. */
    void (*cross_entropy_forward)(const real *logits, const real *labels, int n, int c, real *out, real *lse);
    /* dlogits += dout/n * (softmax(logits) - onehot(labels)). */
    void (*cross_entropy_backward)(const real *logits, const real *labels, const real *lse, int n, int c,
                                   const real *dout, real *dlogits);

    /* Per row of a, b (n, d): y = a.b / max(|a| |b|, eps); writes the norms
     * |a|, |b| (n each) for the backward pass. */
    void (*cosine_forward)(const real *a, const real *b, int n, int d, real eps, real *y, real *norm_a,
                           real *norm_b);
    void (*cosine_backward)(const real *a, const real *b, int n, int d, real eps, const real *y, const real *norm_a,
                            const real *norm_b, const real *dy, real *da, real *db);
};

#endif
