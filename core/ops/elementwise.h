#ifndef GANC_OPS_ELEMENTWISE_H
#define GANC_OPS_ELEMENTWISE_H

/* Elementwise ops. Every op returns a new tensor of the step, or NULL with
 * an error; a NULL input (an upstream failure) passes straight through. */

#include "core/tape.h"

/* Binary ops broadcast numpy-style over any of N,C,H,W: shapes are aligned
 * from the right and each pair of dims is equal or one of them is 1. */
tensor *op_add(tape *t, const tensor *a, const tensor *b);
tensor *op_sub(tape *t, const tensor *a, const tensor *b);
tensor *op_mul(tape *t, const tensor *a, const tensor *b);
tensor *op_div(tape *t, const tensor *a, const tensor *b);

tensor *op_add_scalar(tape *t, const tensor *x, real s);
tensor *op_mul_scalar(tape *t, const tensor *x, real s);
tensor *op_neg(tape *t, const tensor *x);
tensor *op_abs(tape *t, const tensor *x);
tensor *op_exp(tape *t, const tensor *x);
tensor *op_log(tape *t, const tensor *x);
tensor *op_sqrt(tape *t, const tensor *x);
tensor *op_pow(tape *t, const tensor *x, real exponent);
tensor *op_clamp(tape *t, const tensor *x, real lo, real hi);
tensor *op_relu(tape *t, const tensor *x);
tensor *op_leaky_relu(tape *t, const tensor *x, real slope);
tensor *op_elu(tape *t, const tensor *x, real alpha);
tensor *op_tanh(tape *t, const tensor *x);
tensor *op_sigmoid(tape *t, const tensor *x);
tensor *op_softplus(tape *t, const tensor *x);

#endif
