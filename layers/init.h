#ifndef GANC_LAYERS_INIT_H
#define GANC_LAYERS_INIT_H

/* Weight initialisation as pytorch-CycleGAN-and-pix2pix's init_weights:
 * every Conv2d, ConvTranspose2d and Linear weight gets the chosen init and
 * a zero bias; BatchNorm weights N(1, gain), biases 0; other layers keep
 * their constructors' values. fan_in = weight.shape[1] * k * k and fan_out
 * = weight.shape[0] * k * k, as PyTorch computes them (so a
 * ConvTranspose2d's fan_in counts its output channels, as there).
 *   normal:     N(0, gain)
 *   xavier:     N(0, gain * sqrt(2 / (fan_in + fan_out)))       (xavier_normal_)
 *   kaiming:    N(0, sqrt(2 / fan_in)); gain is not used, as in the
 *               reference (kaiming_normal_(a=0, mode='fan_in'))
 *   orthogonal: gain * Q, Q with orthonormal rows (or columns when the
 *               weight, viewed as (shape[0], rest), is tall), from the QR
 *               of a Gaussian matrix with R's diagonal made positive
 * Spectral-norm vectors get random unit vectors. */

#include "layers/module.h"

typedef enum { INIT_NORMAL, INIT_XAVIER, INIT_KAIMING, INIT_ORTHOGONAL } init_kind;

/* "normal", "xavier", "kaiming", "orthogonal", NULL-terminated: index = init_kind. */
extern const char *const INIT_KIND_NAMES[];

/* Initialises every module under root. Fails only when out of memory. */
ganc_status init_modules(module *root, init_kind kind, double gain, rng *r);
/* init_modules over the network, and seeds its dropout generator from r. */
ganc_status network_init(network *net, init_kind kind, double gain, rng *r);

#endif
