#include "data/batcher.h"

#include <stdlib.h>
#include <string.h>

struct batcher {
    dataset *ds;
    int size;
    long per_epoch;
    long *order;      /* (dataset size) order of epoch `order_epoch` */
    long order_epoch; /* -1: none yet */
    sample s;
};

ganc_status batch_init(batch *b, const dataset *ds, int capacity) {
    *b = (batch){0};
    if (capacity < 1) return GANC_ERR(GANC_ERR_ARG, "batch_init: capacity %d (expected >= 1)", capacity);
    int side = dataset_side(ds), k = dataset_label_count(ds);
    size_t image = (size_t)3 * side * side;
    b->capacity = capacity;
    b->side = side;
    b->n_labels = k;
    b->a = malloc(sizeof(real) * image * (size_t)capacity);
    b->paths_a = calloc((size_t)capacity, sizeof(char *));
    bool ok = b->a && b->paths_a;
    if (dataset_has_b(ds)) {
        b->b = malloc(sizeof(real) * image * (size_t)capacity);
        b->paths_b = calloc((size_t)capacity, sizeof(char *));
        ok = ok && b->b && b->paths_b;
    }
    if (k) ok = ok && (b->labels = malloc(sizeof(real) * (size_t)k * (size_t)capacity));
    if (ok) return GANC_OK;
    batch_free(b);
    return GANC_ERR(GANC_ERR_MEMORY, "batch_init: out of memory for %d images of 3x%dx%d", capacity, side, side);
}

void batch_free(batch *b) {
    if (!b) return;
    free(b->a);
    free(b->b);
    free(b->labels);
    free(b->paths_a);
    free(b->paths_b);
    *b = (batch){0};
}

batcher *batcher_new(dataset *ds, int batch_size, bool drop_last) {
    long n = dataset_size(ds);
    if (batch_size < 1) {
        GANC_ERR(GANC_ERR_ARG, "batcher: batch size %d (expected >= 1)", batch_size);
        return NULL;
    }
    if (drop_last && batch_size > n) {
        GANC_ERR(GANC_ERR_ARG, "batcher: batch size %d is larger than the dataset's %ld samples", batch_size, n);
        return NULL;
    }
    batcher *b = calloc(1, sizeof *b);
    if (!b || !(b->order = malloc(sizeof(long) * (size_t)n)) || sample_init(&b->s, ds)) {
        if (b) free(b->order);
        free(b);
        GANC_ERR(GANC_ERR_MEMORY, "batcher: out of memory for %ld samples", n);
        return NULL;
    }
    b->ds = ds;
    b->size = batch_size;
    b->per_epoch = drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
    b->order_epoch = -1;
    return b;
}

void batcher_free(batcher *b) {
    if (!b) return;
    sample_free(&b->s);
    free(b->order);
    free(b);
}

long batcher_batches_per_epoch(const batcher *b) { return b->per_epoch; }
int batcher_batch_size(const batcher *b) { return b->size; }
dataset *batcher_dataset(const batcher *b) { return b->ds; }

ganc_status batcher_fill(batcher *b, long epoch, long k, batch *out) {
    if (k < 0 || k >= b->per_epoch || epoch < 0)
        return GANC_ERR(GANC_ERR_ARG, "batcher: batch %ld of epoch %ld (expected 0..%ld of an epoch >= 0)", k, epoch,
                        b->per_epoch - 1);
    if (out->capacity < b->size || out->side != dataset_side(b->ds) || (dataset_has_b(b->ds) && !out->b) ||
        out->n_labels != dataset_label_count(b->ds))
        return GANC_ERR(GANC_ERR_ARG,
                        "batcher: the batch was made for another dataset or a smaller batch size (%d < %d)",
                        out->capacity, b->size);
    if (b->order_epoch != epoch) {
        ganc_status st = dataset_epoch_order(b->ds, epoch, b->order);
        if (st) return st;
        b->order_epoch = epoch;
    }
    long n = dataset_size(b->ds), first = k * b->size;
    int count = (int)(first + b->size <= n ? b->size : n - first);
    size_t image = (size_t)3 * out->side * out->side;
    for (int i = 0; i < count; i++) {
        ganc_status st = dataset_get(b->ds, epoch, b->order[first + i], &b->s);
        if (st) return st;
        memcpy(out->a + image * (size_t)i, b->s.a, sizeof(real) * image);
        out->paths_a[i] = b->s.path_a;
        if (out->b) {
            memcpy(out->b + image * (size_t)i, b->s.b, sizeof(real) * image);
            out->paths_b[i] = b->s.path_b;
        }
        if (out->n_labels)
            memcpy(out->labels + (size_t)out->n_labels * i, b->s.labels, sizeof(real) * (size_t)out->n_labels);
    }
    out->n = count;
    out->epoch = epoch;
    out->index = k;
    out->step = epoch * b->per_epoch + k;
    return GANC_OK;
}

ganc_status batcher_fill_step(batcher *b, long step, batch *out) {
    if (step < 0) return GANC_ERR(GANC_ERR_ARG, "batcher: step %ld (expected >= 0)", step);
    return batcher_fill(b, step / b->per_epoch, step % b->per_epoch, out);
}
