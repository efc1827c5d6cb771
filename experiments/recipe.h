#ifndef GANC_EXPERIMENTS_RECIPE_H
#define GANC_EXPERIMENTS_RECIPE_H

/* A recipe is what one training step of an experiment family computes:
 * which networks exist, their losses and update order, and its sample
 * grid. The trainer (tools/trainer.h) does everything around it.
 * `[experiment] recipe = NAME` picks one. */

#include "core/error.h"
#include "core/tape.h"
#include "data/batcher.h"

struct trainer;
struct checkpoint;
struct network;

typedef struct recipe {
    const char *name;
    const char *summary;
    /* Networks, pools, loss terms; reads the recipe's own config section. */
    ganc_status (*setup)(struct trainer *tr);
    /* One step on one batch: forward, losses, updates, metrics. */
    ganc_status (*train_step)(struct trainer *tr, const batch *b);
    /* Image rows for a sample grid (each (N,3,H,W) on the step's tape),
     * and how many; names for the README/docs. */
    ganc_status (*samples)(struct trainer *tr, const batch *b, tensor **rows, int *n_rows);
    /* The generator `ganc translate` runs for a direction ("AtoB"). */
    const char *(*generator_for)(const char *direction);
    /* Releases what setup made besides recipe_state (which the trainer frees); may be NULL. */
    void (*teardown)(struct trainer *tr);
    /* The input shape of a network that does not take the run's images
     * (heads on features), for its layer table; may be NULL. */
    void (*input_shape)(struct trainer *tr, const struct network *net, int shape[4]);
    /* The recipe's own state in a checkpoint, for an exact resume; may be NULL. */
    ganc_status (*save)(struct trainer *tr, struct checkpoint *ck);
    ganc_status (*load)(struct trainer *tr, struct checkpoint *ck);
} recipe;

const recipe *recipe_find(const char *name);
/* "cyclegan, pix2pix, regressor, face_pinch" for error messages. */
const char *recipe_names(void);

extern const recipe recipe_cyclegan;
extern const recipe recipe_pix2pix;
extern const recipe recipe_regressor;
extern const recipe recipe_face_pinch;

#endif
