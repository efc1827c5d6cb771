#ifndef GANC_LOSSES_FEATURE_H
#define GANC_LOSSES_FEATURE_H

/* Losses computed through networks: frozen ones that judge the generated
 * image (attribute regressors, a face-ID net, a classifier's features)
 * and the domain classifier that is trained with the loss. Networks run
 * through `forward` (network_forward in training). A frozen network's
 * input on the reference side runs without gradient; on the generated
 * side gradients flow through the network into the image but never into
 * its parameters, which is why those networks must be frozen. Each
 * returns a (1) tensor of the step, or NULL with an error; a NULL input
 * passes straight through. */

#include "losses/loss.h"
#include "losses/pixel.h"

/* Attribute-vector loss: d(E1(a), E2(b)); with LOSS_DIST_L2 the mean
 * over samples of ||E1(a_n) - E2(b_n)||_2. E1 and E2 frozen. */
tensor *loss_attribute(tape *t, loss_forward_fn forward, network *e1, const tensor *a /* (N,C,H,W) */, network *e2,
                       const tensor *b /* (N,C,H,W) */, loss_dist d);

/* Identity loss: 1 - mean_n cos(ID(p(a_n)), ID(p(b_n))), where p keeps the
 * central `crop` fraction of each side (1: all) and resizes bilinearly to
 * size x size (0: no resize). ID frozen. */
tensor *loss_id(tape *t, loss_forward_fn forward, network *id, const tensor *a /* (N,C,H,W) */,
                const tensor *b /* (N,C,H,W) */, double crop, int size);

/* Feature consistency: d(F(a), F(b)), F a frozen classifier cut before
 * its last layer (the network given returns those features). gram: the
 * per-sample Gram matrices F F^T / (C H W) of (N,C,H,W) features are
 * compared instead (style). */
tensor *loss_style(tape *t, loss_forward_fn forward, network *f, const tensor *a /* (N,C,H,W) */,
                   const tensor *b /* (N,C,H,W) */, bool gram, loss_dist d);

/* Domain-adversarial loss (Ganin & Lempitsky 2015):
 * 0.5 (BCE(C(R(source)), 0) + BCE(C(R(target)), 1)) on C's logits, R the
 * gradient-reversal layer with `lambda`. One backward pass trains the
 * classifier C to tell the domains apart and hands the network that made
 * the features -lambda times C's gradient, which makes them alike. C must
 * not be frozen. */
tensor *loss_domain(tape *t, loss_forward_fn forward, network *classifier, const tensor *source /* (N,...) */,
                    const tensor *target /* (M,...) */, real lambda);

/* Lambda at training progress p in [0, 1]: `lambda` when fixed, else
 * Ganin's schedule lambda (2 / (1 + exp(-gamma p)) - 1), from 0 to ~lambda. */
double loss_domain_lambda(bool scheduled, double lambda, double gamma, double progress);

#endif
