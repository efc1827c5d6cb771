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
    /* Test aid (arena_set_guard): sentinel regions around allocations. */
    size_t guard;
    struct arena_guard *guards;
    size_t n_guards, cap_guards;
} arena;

/* A sentinel region: `values` copies of ARENA_GUARD_VALUE from `at`. */
typedef struct arena_guard {
    real *at;
    size_t values;
} arena_guard;

/* What guards hold: a value no kernel should leave there by chance. */
#define ARENA_GUARD_VALUE ((real)-98765.4375)

void arena_init(arena *a, const backend *be, size_t initial_capacity, bool poison_on_reset);
void arena_release(arena *a);
/* NULL with an error set when the device is out of memory. */
void *arena_alloc(arena *a, size_t bytes);
void arena_reset(arena *a);
size_t arena_in_use(const arena *a);

/* Test aid: from now on every allocation of this step and later ones lies
 * between two regions of `bytes` (rounded up to the alignment) filled with
 * ARENA_GUARD_VALUE, so a kernel writing past either end of its output can
 * be caught. 0 turns it off. */
ganc_status arena_set_guard(arena *a, size_t bytes);
/* Checks every guard of the current step (copying them from the device):
 * GANC_OK, or an error giving the first changed guard, the allocation it
 * follows or precedes, and the value found there. */
ganc_status arena_check_guards(const arena *a);

#endif
