#ifndef GANC_DATA_BATCHER_H
#define GANC_DATA_BATCHER_H

/* Batches of a dataset: batch k of epoch e holds the samples at positions
 * k*N .. k*N+N-1 of epoch e's order (dataset_epoch_order). Steps number the
 * batches of all epochs in a row (step = e * batches_per_epoch + k), so a
 * run resumes from its step count alone. A batcher keeps the current
 * epoch's order and one sample of scratch: use it from one thread at a time. */

#include <stdbool.h>

#include "data/dataset.h"

typedef struct batch {
    int n; /* samples in this batch (< capacity only for a last, partial batch) */
    int capacity;
    int side;             /* images are (3,side,side) */
    int n_labels;         /* K */
    real *a;              /* (capacity,3,S,S) in [-1, 1] */
    real *b;              /* (capacity,3,S,S), NULL without B */
    real *labels;         /* (capacity,K), NULL unless labelled */
    const char **paths_a; /* (capacity) files used; owned by the dataset */
    const char **paths_b; /* NULL without B */
    long epoch, index, step;
} batch;

ganc_status batch_init(batch *b, const dataset *ds, int capacity);
void batch_free(batch *b);

typedef struct batcher batcher;

/* drop_last: an epoch has floor(size / N) full batches (the training
 * default); otherwise ceil(size / N), the last one partial. */
batcher *batcher_new(dataset *ds, int batch_size, bool drop_last);
void batcher_free(batcher *b);
long batcher_batches_per_epoch(const batcher *b);
int batcher_batch_size(const batcher *b);
dataset *batcher_dataset(const batcher *b);

/* Batch k of epoch e into out (made by batch_init for this dataset with
 * capacity >= the batch size). */
ganc_status batcher_fill(batcher *b, long epoch, long k, batch *out);
/* The batch of global step `step`. */
ganc_status batcher_fill_step(batcher *b, long step, batch *out);

#endif
