#ifndef GANC_KERNELS_NORM_H
#define GANC_KERNELS_NORM_H

/* Normalisation kernels with a fused affine. Kernel contract for every
 * backend: forward kernels overwrite their outputs; backward kernels ADD
 * into the gradients they are given and skip a NULL one. gamma/beta may be
 * NULL (scale 1, shift 0). Normalisation uses the biased variance. */

#include "core/kernels/dims.h"

/* Instance, group and layer norm all normalise `count` contiguous segments
 * of `length` values each. Segment s is the (s % per_sample)-th segment of
 * its sample; within a segment, `affine_run` consecutive values share one
 * gamma/beta entry, so element i of segment s uses entry
 *   (s % per_sample) * (length / affine_run) + i / affine_run
 * of an affine vector of per_sample * length / affine_run entries.
 *   instance norm (N,C,S):  count N*C, length S,       per_sample C, run S
 *   group norm (N,C,S), G:  count N*G, length C/G*S,   per_sample G, run S
 *   layer norm (N,D):       count N,   length D,       per_sample 1, run 1 */
typedef struct {
    int count;
    int length;
    int per_sample;
    int affine_run;
} norm_segments;

struct norm_kernels {
    /* y = (x - mean) * inv_std * gamma + beta per segment; writes the
     * segment's mean and inv_std = 1/sqrt(var + eps) (count values each). */
    void (*segment_forward)(const real *x, const real *gamma, const real *beta, norm_segments g, real eps, real *y,
                            real *mean, real *inv_std);
    /* dx, dgamma, dbeta (any NULL) += gradients, from the forward's mean/inv_std. */
    void (*segment_backward)(const real *x, const real *gamma, const real *dy, norm_segments g, const real *mean,
                             const real *inv_std, real *dx, real *dgamma, real *dbeta);

    /* Batch norm over x (n, c, s): channel k is normalised over the n*s
     * values x[i, k, j]. Training: batch statistics into mean/inv_std (c),
     * and running_mean/running_var (c, either NULL) move towards the batch
     * mean and unbiased variance by `momentum`. Needs n*s >= 2. */
    void (*batch_forward_train)(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                                real momentum, real *y, real *mean, real *inv_std, real *running_mean,
                                real *running_var);
    /* Eval: normalise with the running statistics, copied into mean/inv_std for backward. */
    void (*batch_forward_eval)(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                               const real *running_mean, const real *running_var, real *y, real *mean,
                               real *inv_std);
    /* `training` says whether mean/inv_std depended on x (batch statistics). */
    void (*batch_backward)(const real *x, const real *gamma, const real *dy, int n, int c, int s, bool training,
                           const real *mean, const real *inv_std, real *dx, real *dgamma, real *dbeta);
};

#endif
