#ifndef GANC_DATA_PREFETCH_H
#define GANC_DATA_PREFETCH_H

/* Loads batches on a background thread, `depth` steps ahead of the
 * consumer: step s, s+1, s+2, ... from `first_step` on (for a resumed run,
 * the step it resumes at). The batches are exactly those of batcher_fill_step
 * with the same dataset, batch size and drop_last: every random choice is
 * keyed by (seed, epoch, index), never by timing. An error on the
 * background thread (a bad image) comes back from prefetch_next at the
 * step it belongs to, with its message. */

#include <stdbool.h>

#include "data/batcher.h"

#define PREFETCH_MAX_DEPTH 8

typedef struct prefetch prefetch;

/* depth: batches prepared ahead, 1..PREFETCH_MAX_DEPTH. The dataset must
 * outlive the prefetcher. */
prefetch *prefetch_new(dataset *ds, int batch_size, bool drop_last, long first_step, int depth);
/* The next step's batch; valid until the next call or prefetch_free. */
ganc_status prefetch_next(prefetch *p, const batch **out);
long prefetch_batches_per_epoch(const prefetch *p);
/* Stops the thread (after the batch it is loading) and frees everything. */
void prefetch_free(prefetch *p);

#endif
