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

static void *arena_take(arena *a, size_t bytes);

static bool add_guard(arena *a, char *at, size_t bytes) {
    if (a->n_guards == a->cap_guards) {
        size_t cap = a->cap_guards ? 2 * a->cap_guards : 64;
        arena_guard *grown = realloc(a->guards, cap * sizeof *grown);
        if (!grown) return false;
        a->guards = grown;
        a->cap_guards = cap;
    }
    arena_guard *g = &a->guards[a->n_guards++];
    g->at = (real *)at;
    g->values = bytes / sizeof(real);
    a->be->fill(g->at, ARENA_GUARD_VALUE, g->values);
    return true;
}

/* With guards: [guard][bytes, rounded up to whole values][rest of the
 * alignment + guard]; the caller gets the middle. */
void *arena_alloc(arena *a, size_t bytes) {
    if (!a->guard) return arena_take(a, bytes);
    size_t used = (bytes + sizeof(real) - 1) / sizeof(real) * sizeof(real);
    size_t body = align_up(bytes ? bytes : 1);
    char *p = arena_take(a, a->guard + body + a->guard);
    if (!p) return NULL;
    if (!add_guard(a, p, a->guard) || !add_guard(a, p + a->guard + used, body - used + a->guard)) {
        GANC_ERR(GANC_ERR_MEMORY, "arena (%s): out of host memory for guards", a->be->name);
        return NULL;
    }
    return p + a->guard;
}

ganc_status arena_set_guard(arena *a, size_t bytes) {
    a->guard = bytes ? align_up(bytes) : 0;
    return GANC_OK;
}

ganc_status arena_check_guards(const arena *a) {
    size_t most = 0;
    for (size_t i = 0; i < a->n_guards; i++) most = a->guards[i].values > most ? a->guards[i].values : most;
    real *host = malloc((most ? most : 1) * sizeof(real));
    if (!host) return GANC_ERR(GANC_ERR_MEMORY, "arena guards: out of memory");
    real expected = ARENA_GUARD_VALUE;
    ganc_status st = GANC_OK;
    for (size_t i = 0; !st && i < a->n_guards; i++) {
        const arena_guard *g = &a->guards[i];
        a->be->download(host, g->at, g->values * sizeof(real));
        if ((st = a->be->sync())) break;
        for (size_t k = 0; k < g->values; k++)
            if (memcmp(&host[k], &expected, sizeof expected) != 0) {
                st = GANC_ERR(GANC_ERR_STATE, "arena (%s): guard %zu (%s allocation %zu) changed at value %zu: %g",
                              a->be->name, i, i % 2 ? "after" : "before", i / 2, k, (double)host[k]);
                break;
            }
    }
    free(host);
    return st;
}

static void *arena_take(arena *a, size_t bytes) {
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
        /* Regrow to the peak so the next step of the same shape fits in one
         * block, taken now: the next step then allocates nothing (when this
         * fails, arena_alloc tries again and reports). */
        if (a->block) a->be->release(a->block);
        a->capacity = a->peak;
        a->block = take_from_device(a, a->capacity);
    }
    a->used = 0;
    a->n_guards = 0;
}

void arena_release(arena *a) {
    for (size_t i = 0; i < a->n_extra; i++) a->be->release(a->extra[i]);
    free(a->extra);
    free(a->guards);
    if (a->block) a->be->release(a->block);
    memset(a, 0, sizeof *a);
}
