#ifndef GANC_TOOLS_DEMO_MODEL_H
#define GANC_TOOLS_DEMO_MODEL_H

/* The demo's pix2pix-style pair, built directly on core ops: a small
 * encoder / residual block / decoder generator and a 3-layer PatchGAN
 * discriminator that sees (input, output) pairs. */

#include "core/params.h"
#include "core/rng.h"
#include "core/tape.h"

typedef struct {
    param_set params;
    int width; /* channels of the first layer */
} demo_generator;

typedef struct {
    param_set params;
    int width;
} demo_discriminator;

ganc_status demo_generator_init(demo_generator *g, int width, rng *r);
ganc_status demo_discriminator_init(demo_discriminator *d, int width, rng *r);
void demo_generator_free(demo_generator *g);
void demo_discriminator_free(demo_discriminator *d);

tensor *demo_generator_forward(tape *t, demo_generator *g, const tensor *x /* (N,3,H,W), H and W even */);
/* Patch logits (N,1,H/4,W/4) for the pair (a, b). */
tensor *demo_discriminator_forward(tape *t, demo_discriminator *d, const tensor *a /* (N,3,H,W) */,
                                   const tensor *b /* (N,3,H,W) */);

#endif
