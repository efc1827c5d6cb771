#ifndef GANC_DATA_DATASET_H
#define GANC_DATA_DATASET_H

/* Image datasets read from folders, configured by one config section
 * (usually [data]; docs/data.md lists the keys and layouts):
 *   unaligned  ROOT/<phase>A, ROOT/<phase>B: two unpaired domains (CycleGAN)
 *   aligned    ROOT/<phase>/ with A|B side by side in each image, or pairs
 *              with the same file names in ROOT/<phase>/A + ROOT/<phase>/B
 *              or in ROOT/<phase>A + ROOT/<phase>B (pix2pix)
 *   labelled   ROOT/ images with a label vector per image from a CSV file
 *   single     ROOT/ images alone (translation, one-domain training)
 * Sample i of epoch e is a pure function of (seed, e, i): its crop, flip
 * and (unaligned) B partner come from the counter-based RNG keyed by them,
 * and the epoch order from (seed, e). So a run is reproducible, independent
 * of thread timing, and resumable from a step count.
 *
 * A dataset may be read from several threads at once (dataset_get keeps
 * its scratch in the caller's sample); bad-image marks and counts are atomic. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"
#include "core/error.h"
#include "core/real.h"

typedef enum { DATASET_UNALIGNED, DATASET_ALIGNED, DATASET_LABELLED, DATASET_SINGLE } dataset_kind;

typedef struct dataset dataset;

/* Opens the dataset of config section `section`: lists and sorts its
 * files, reads every image header (so unreadable headers and absurd sizes
 * surface now, not mid-run) and prints one notice to `log` (may be NULL)
 * when images will be converted (grayscale, alpha, 16-bit). Errors name
 * the section, the key or the file. */
ganc_status dataset_open(config *c, const char *section, uint64_t seed, FILE *log, dataset **out);
void dataset_free(dataset *ds);
/* Training reads every image as 3-channel RGB (grey files are replicated):
 * an error naming [section] key unless it is `expected` (default 3) times
 * `images`, for a recipe to call before building networks, so a grey
 * network (in_channels = 1) is refused at set-up rather than at step 1.
 * `translate` does run grey generators (it reads grey for them). */
ganc_status dataset_check_channels(config *c, const char *recipe, const char *section, const char *key, int images);

dataset_kind dataset_get_kind(const dataset *ds);
/* Samples per epoch: unaligned max(|A|, |B|), otherwise the image count. */
long dataset_size(const dataset *ds);
/* Every image comes out as (3,side,side). */
int dataset_side(const dataset *ds);
bool dataset_has_b(const dataset *ds);
/* K of the label vectors (0 unless labelled) and their column names. */
int dataset_label_count(const dataset *ds);
const char *dataset_label_name(const dataset *ds, int k);
/* Files found unreadable so far (at open, and since while decoding); only
 * non-zero with skip_bad_images, since otherwise the first one is an error. */
long dataset_bad_count(const dataset *ds);
/* One line: kind, folders, image counts, output size. */
void dataset_describe(const dataset *ds, FILE *out);

/* The sample order of epoch `epoch`: order[p] is the index at position p
 * (size entries): a seeded permutation, or 0, 1, 2... with serial_batches. */
ganc_status dataset_epoch_order(const dataset *ds, long epoch, long *order);

typedef struct sample {
    real *a;            /* (3,S,S) in [-1, 1]; with direction = BtoA this holds the B image */
    real *b;            /* (3,S,S), NULL for labelled and single */
    real *labels;       /* (K), NULL unless labelled */
    const char *path_a; /* the files used (after skipping bad ones); owned by the dataset */
    const char *path_b;
    float *work; /* scratch: the resized image */
    size_t work_cap;
} sample;

ganc_status sample_init(sample *s, const dataset *ds);
void sample_free(sample *s);

/* Sample `index` (0 <= index < dataset_size) of epoch `epoch`. A bad image
 * is an error naming the file; with skip_bad_images it is counted, logged
 * once, and the next index (cyclically) is read instead. */
ganc_status dataset_get(dataset *ds, long epoch, long index, sample *s);

#endif
