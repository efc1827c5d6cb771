#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64
#define POISON_BYTE 0xA5

static size_t align_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

void arena_init(arena *a, const backend *be, size_t initial_capacity, bool poison_on_reset) {
    memset(a, 0, sizeof *a);
    a->be = be;
    a->poison_on_reset = poison_on_reset;
    a->capacity = align_up(initial_capacity);
}

size_t arena_in_use(const arena *a) { return a->used + a->extra_bytes; }

static void *take_from_device(arena *a, size_t bytes) {
    void *p = a->be->alloc(bytes);
    if (p) a->allocations++;
    return p;
}

static void *alloc_extra(arena *a, size_t bytes) {
    if (a->n_extra == a->cap_extra) {
        size_t cap = a->cap_extra ? 2 * a->cap_extra : 8;
        void **grown = realloc(a->extra, cap * sizeof *grown);
        if (!grown) return NULL;
        a->extra = grown;
        a->cap_extra = cap;
    }
    void *p = take_from_device(a, bytes);
    if (!p) return NULL;
    a->extra[a->n_extra++] = p;
    a->extra_bytes += bytes;
    return p;
}

void *arena_alloc(arena *a, size_t bytes) {
    bytes = align_up(bytes ? bytes : 1);
    void *p = NULL;
    if (!a->block && a->capacity) {
        a->block = take_from_device(a, a->capacity);
        if (!a->block) a->capacity = 0;
    }
    if (a->block && a->used + bytes <= a->capacity) {
        p = a->block + a->used;
        a->used += bytes;
    } else {
        p = alloc_extra(a, bytes);
    }
    if (!p) {
        GANC_ERR(GANC_ERR_MEMORY, "arena (%s): out of memory allocating %zu bytes (%zu in use)",
                 a->be->name, bytes, arena_in_use(a));
        return NULL;
    }
    if (arena_in_use(a) > a->peak) a->peak = arena_in_use(a);
    return p;
}

void arena_reset(arena *a) {
    if (a->poison_on_reset && a->block) memset(a->block, POISON_BYTE, a->used);
    if (a->n_extra) {
        for (size_t i = 0; i < a->n_extra; i++) a->be->release(a->extra[i]);
        a->n_extra = 0;
        a->extra_bytes = 0;
        /* Regrow to the peak so the next step of the same shape fits in one block. */
        if (a->block) a->be->release(a->block);
        a->block = NULL;
        a->capacity = a->peak;
    }
    a->used = 0;
}

void arena_release(arena *a) {
    for (size_t i = 0; i < a->n_extra; i++) a->be->release(a->extra[i]);
    free(a->extra);
    if (a->block) a->be->release(a->block);
    memset(a, 0, sizeof *a);
}
