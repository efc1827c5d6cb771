#ifndef GANC_DATA_DATASET_INTERNAL_H
#define GANC_DATA_DATASET_INTERNAL_H

/* The dataset's state, shared by dataset.c (opening: config, folders,
 * header scan) and dataset_sample.c (reading samples). Not public. */

#include <stdatomic.h>

#include "data/dataset.h"
#include "data/image_folder.h"
#include "data/labels_csv.h"
#include "data/transforms.h"

/* Files that failed to read, so they are reported and counted once. */
typedef struct bad_marks {
    atomic_uchar *is_bad; /* (n) per file */
} bad_marks;

struct dataset {
    dataset_kind kind;
    char section[64];
    transform_cfg tf;
    int side;
    bool serial; /* epoch order 0, 1, 2...; unaligned B index i % |B| */
    bool skip_bad;
    long max_pixels; /* [data] max_image_pixels: larger images are refused from their header */
    bool side_by_side; /* aligned: A|B in one image */
    bool swap_halves;  /* side by side with direction = BtoA */
    image_folder a, b; /* b: unaligned, and aligned pairs in two folders */
    bad_marks bad_a, bad_b;
    atomic_long bad_count;
    labels_csv labels; /* labelled */
    long *label_row;   /* (|A|) row of each image */
    long size;
    uint64_t key_order, key_sample;
    FILE *log;
};

/* A 64-bit sub-key drawn from stream `key` at `index`. */
uint64_t dataset_key(uint64_t key, uint64_t index);

/* Marks file i bad after `why` (its error message, which names the file);
 * counts and logs it the first time. */
void dataset_mark_bad(dataset *ds, bad_marks *marks, long i, const char *why);

#endif
