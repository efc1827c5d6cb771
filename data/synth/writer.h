#ifndef GANC_DATA_SYNTH_WRITER_H
#define GANC_DATA_SYNTH_WRITER_H

/* Writes synthetic datasets to disk in the layouts the datasets read:
 *   one style, no split:   DIR/images/NNNNNN.png, DIR/masks/NNNNNN.png, DIR/labels.csv
 *   a split or two styles: DIR/trainA, testA (first style), trainB, testB
 *                          (second style), masks in DIR/<folder>_masks, and one
 *                          DIR/labels.csv whose `split` column names the folder.
 * Files are byte-identical for the same options, whatever the thread count. */

#include <stdbool.h>
#include <stdint.h>

#include "data/synth/synth.h"

typedef struct synth_write_opts {
    const char *out;
    synth_style styles[2];
    int n_styles;           /* 1 or 2; the second style renders the same faces (paired) */
    int n;                  /* images per style */
    int size;               /* square side of face images */
    uint64_t seed;
    uint32_t identities;    /* image i shows identity i % identities, its image i / identities */
    bool split;             /* train/test folders */
    float train_fraction;   /* identities below round(identities * fraction) go to train */
    int scene_w, scene_h;   /* > 0: write scenes of 0-3 faces of this size instead */
} synth_write_opts;

/* Checks the options; the message names the offending option. */
ganc_status synth_write_check(const synth_write_opts *o);
ganc_status synth_write_dataset(const synth_write_opts *o);

/* A PNG grid: one row per style, one column per identity (image 0 of
 * identities 0..n_identities-1), cells of size x size pixels. */
ganc_status synth_write_grid(const char *file, uint64_t seed, int n_identities, int size);

#endif
