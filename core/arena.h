#ifndef GANC_ARENA_H
#define GANC_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/backend.h"

/* A bump allocator over one block of device memory. When a step needs more
 * than the block holds, extra chunks are taken; at reset they are released
 * and the block regrown to the step's peak, so a training loop of same-shape
 * steps allocates nothing after its first step. */
typedef struct arena {
    const backend *be;
    char *block;
    size_t capacity;
    size_t used;
    void **extra;          /* overflow chunks of this step */
    size_t n_extra, cap_extra;
    size_t extra_bytes;    /* bytes handed out from overflow chunks this step */
    size_t peak;           /* most bytes in use at once, over all steps */
    size_t allocations;    /* calls to the device allocator, for tests */
    bool poison_on_reset;  /* host arenas of metadata: catch use after reset */
} arena;

void arena_init(arena *a, const backend *be, size_t initial_capacity, bool poison_on_reset);
void arena_release(arena *a);
/* NULL with an error set when the device is out of memory. */
void *arena_alloc(arena *a, size_t bytes);
void arena_reset(arena *a);
size_t arena_in_use(const arena *a);

#endif
