#include "data/prefetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Step s lives in slot s % n_slots. With depth + 1 slots the loader runs at
 * most `depth` steps past the batch the consumer holds. */
typedef enum { SLOT_FREE, SLOT_READY, SLOT_FAILED } slot_state;

typedef struct {
    batch b;
    slot_state state;
    long step;
    ganc_status status;
    char message[1024];
} slot;

struct prefetch {
    batcher *loader;
    int n_slots;
    slot slots[PREFETCH_MAX_DEPTH + 1];
    long next_fill; /* loader thread: next step to load */
    long next_take; /* consumer: next step to hand out */
    int held;       /* slot the consumer holds, -1 none */
    bool stop;
    bool thread_started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t thread;
};

static void *loader_main(void *arg) {
    prefetch *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        slot *sl = &p->slots[p->next_fill % p->n_slots];
        if (sl->state != SLOT_FREE) {
            pthread_cond_wait(&p->changed, &p->lock);
            continue;
        }
        long step = p->next_fill;
        /* A free slot belongs to the loader alone: fill it unlocked. */
        pthread_mutex_unlock(&p->lock);
        ganc_status st = batcher_fill_step(p->loader, step, &sl->b);
        if (st) snprintf(sl->message, sizeof sl->message, "%s", ganc_error_message());
        pthread_mutex_lock(&p->lock);
        sl->step = step;
        sl->status = st;
        sl->state = st ? SLOT_FAILED : SLOT_READY;
        p->next_fill++;
        pthread_cond_broadcast(&p->changed);
        if (st) break; /* the consumer gets the error at this step */
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

prefetch *prefetch_new(dataset *ds, int batch_size, bool drop_last, long first_step, int depth) {
    if (depth < 1 || depth > PREFETCH_MAX_DEPTH || first_step < 0) {
        GANC_ERR(GANC_ERR_ARG, "prefetch: depth %d, first step %ld (expected depth 1..%d, step >= 0)", depth,
                 first_step, PREFETCH_MAX_DEPTH);
        return NULL;
    }
    prefetch *p = calloc(1, sizeof *p);
    if (!p) {
        GANC_ERR(GANC_ERR_MEMORY, "prefetch: out of memory");
        return NULL;
    }
    p->n_slots = depth + 1;
    p->next_fill = p->next_take = first_step;
    p->held = -1;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    if (!(p->loader = batcher_new(ds, batch_size, drop_last))) {
        prefetch_free(p);
        return NULL;
    }
    for (int i = 0; i < p->n_slots; i++)
        if (batch_init(&p->slots[i].b, ds, batch_size)) {
            prefetch_free(p);
            return NULL;
        }
    int err = pthread_create(&p->thread, NULL, loader_main, p);
    if (err) {
        prefetch_free(p);
        GANC_ERR(GANC_ERR_STATE, "prefetch: cannot start the loader thread: %s", strerror(err));
        return NULL;
    }
    p->thread_started = true;
    return p;
}

ganc_status prefetch_next(prefetch *p, const batch **out) {
    pthread_mutex_lock(&p->lock);
    if (p->held >= 0) {
        p->slots[p->held].state = SLOT_FREE;
        p->held = -1;
        pthread_cond_broadcast(&p->changed);
    }
    int index = (int)(p->next_take % p->n_slots);
    slot *sl = &p->slots[index];
    while (sl->state == SLOT_FREE) pthread_cond_wait(&p->changed, &p->lock);
    ganc_status st = GANC_OK;
    if (sl->state == SLOT_FAILED) {
        /* Stays failed: every later call reports the same error. */
        st = GANC_ERR(sl->status, "loading step %ld in the background: %s", sl->step, sl->message);
    } else {
        p->held = index;
        p->next_take++;
        *out = &sl->b;
    }
    pthread_mutex_unlock(&p->lock);
    return st;
}

long prefetch_batches_per_epoch(const prefetch *p) { return batcher_batches_per_epoch(p->loader); }

void prefetch_free(prefetch *p) {
    if (!p) return;
    if (p->thread_started) {
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    for (int i = 0; i < p->n_slots; i++) batch_free(&p->slots[i].b);
    batcher_free(p->loader);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
