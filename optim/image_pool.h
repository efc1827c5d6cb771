#ifndef GANC_OPTIM_IMAGE_POOL_H
#define GANC_OPTIM_IMAGE_POOL_H

/* CycleGAN's image buffer (Shrivastava et al. 2017): the discriminator
 * sees a mix of the newest generated images and older ones. Until the pool
 * is full every image goes in and comes back out; after that, each image
 * is, with probability 1/2, swapped for a random stored one (which comes
 * out, while the new one takes its place), and otherwise comes back out
 * itself. Images are stored as CPU copies, so a pool on a GPU run costs
 * host memory, not device memory. Draws come from the pool's own Philox
 * stream, saved with checkpoints. */

#include "core/checkpoint.h"
#include "core/rng.h"
#include "core/tape.h"

#define IMAGE_POOL_DEFAULT_SIZE 50

typedef struct image_pool {
    char name[32];  /* "fake_A": names its checkpoint entries */
    int capacity;   /* 0: every query returns the batch unchanged */
    int count;      /* images stored */
    int shape[3];   /* (C,H,W) of the stored images, fixed by the first query */
    real *images;   /* capacity * C*H*W values, allocated by the first query */
    rng rng;
} image_pool;

ganc_status image_pool_init(image_pool *p, const char *name, int capacity, uint64_t seed);
void image_pool_free(image_pool *p);

/* The images the discriminator should see instead of `images`: a new
 * tensor of the step, same shape and device, that needs no gradient (the
 * pool holds detached values). NULL when `images` is NULL (the error that
 * made it NULL is kept) or on a shape or device error. */
tensor *image_pool_query(image_pool *p, tape *t, const tensor *images /* (N,C,H,W) */);

/* The stored images as tensor "pool.<name>" (count,C,H,W) (absent while
 * empty), the count as metadata "pool.<name>.count" and the generator as
 * "rng.pool.<name>.*". Loading checks the count against the capacity. */
ganc_status image_pool_save(const image_pool *p, checkpoint *ck);
ganc_status image_pool_load(image_pool *p, checkpoint *ck);

#endif
