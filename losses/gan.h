#ifndef GANC_LOSSES_GAN_H
#define GANC_LOSSES_GAN_H

/* GAN objectives for the discriminator and the generator side, the
 * gradient penalties of WGAN-GP and R1, and U-GAT-IT's CAM losses. The
 * recipes call these directly: they need both sides of D, which a loss
 * term (losses/loss.h) does not see. Each returns a (1) tensor of the
 * step, or NULL with an error; a NULL input passes straight through. */

#include "core/rng.h"
#include "losses/loss.h"

typedef enum { GAN_LSGAN, GAN_VANILLA, GAN_HINGE, GAN_WGAN_GP } gan_mode;

/* {"lsgan", "vanilla", "hinge", "wgan_gp", NULL}, in gan_mode order. */
extern const char *const gan_mode_names[];

/* D's loss from its outputs on real and (detached) fake images:
 *   lsgan:   0.5 (mean (d_real - real_label)^2 + mean d_fake^2)        (CycleGAN)
 *   vanilla: 0.5 (BCE(d_real, real_label) + BCE(d_fake, 0)), on logits (pix2pix)
 *   hinge:   mean relu(1 - d_real) + mean relu(1 + d_fake)
 *   wgan_gp: mean d_fake - mean d_real (add lambda * gan_gradient_penalty)
 * real_label < 1 is one-sided label smoothing (0.9 is usual); 1 turns it
 * off. It must lie in (0, 1], and be 1 for hinge and wgan_gp, which have
 * no labels. d_real and d_fake may differ in shape. */
tensor *gan_loss_d(tape *t, gan_mode mode, const tensor *d_real /* D(real), any shape */,
                   const tensor *d_fake /* D(fake), any shape */, real real_label);

/* G's loss from D's output on its fakes (the non-saturating form):
 *   lsgan: mean (d_fake - 1)^2; vanilla: BCE(d_fake, 1);
 *   hinge and wgan_gp: -mean d_fake. */
tensor *gan_loss_g(tape *t, gan_mode mode, const tensor *d_fake /* D(fake), any shape */);

/* WGAN-GP's penalty (Gulrajani et al. 2017), mean_n (||grad_x D(x_n)|| - 1)^2
 * at x = e real + (1 - e) fake, e ~ U(0,1) per sample drawn from r, with
 * D(x_n) the sum of D's outputs for sample n. Differentiable with respect
 * to D's parameters; real and fake are detached. The core tape has no
 * double backward, so the mixed second derivative comes from one central
 * difference along the gradient's direction u = g/||g||, computed by a
 * first backward pass with D's parameters frozen:
 *   ||g|| ~ (D(x + h u) - D(x - h u)) / 2h,
 * whose parameter gradient is u . dg/dtheta = d||g||/dtheta, exact up to
 * O(h^2) (docs/losses.md). h: about 1e-2 of the image range in float32.
 * D must treat samples independently (no batch norm). */
tensor *gan_gradient_penalty(tape *t, loss_forward_fn forward, network *d, const tensor *real_x /* (N,C,H,W) */,
                             const tensor *fake /* real_x's shape */, rng *r, real h);

/* R1 (Mescheder et al. 2018): mean_n ||grad_x D(real_n)||^2, by the same
 * construction (the caller multiplies by gamma / 2). */
tensor *gan_r1_penalty(tape *t, loss_forward_fn forward, network *d, const tensor *real_x /* (N,C,H,W) */, real h);

/* U-GAT-IT's CAM losses on the auxiliary classifiers' logits.
 * G: BCE(pos, 1) + BCE(neg, 0): the generator's CAM logit is 1 on images
 * from the other domain (it translates them) and 0 on its own domain's
 * (identity). D: mean (real - 1)^2 + mean fake^2 on D's CAM logits (the
 * adversarial part of G uses gan_loss_g(GAN_LSGAN, fake)). */
tensor *gan_cam_loss_g(tape *t, const tensor *pos_logits /* any shape */, const tensor *neg_logits /* any shape */);
tensor *gan_cam_loss_d(tape *t, const tensor *real_logits /* any shape */, const tensor *fake_logits /* any shape */);

#endif
