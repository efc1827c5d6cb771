#include "optim/image_pool.h"

#include <stdio.h>
#include <string.h>

#include "core/backend.h"

ganc_status image_pool_init(image_pool *p, const char *name, int capacity, uint64_t seed) {
    memset(p, 0, sizeof *p);
    if (strlen(name) >= sizeof p->name)
        return GANC_ERR(GANC_ERR_ARG, "image_pool: name \"%s\" is longer than %zu characters", name,
                        sizeof p->name - 1);
    if (capacity < 0) return GANC_ERR(GANC_ERR_ARG, "image_pool %s: size must be >= 0, got %d", name, capacity);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->capacity = capacity;
    rng_init(&p->rng, seed);
    return GANC_OK;
}

void image_pool_free(image_pool *p) {
    cpu_backend.release(p->images);
    memset(p, 0, sizeof *p);
}

static size_t image_numel(const image_pool *p) { return (size_t)p->shape[0] * p->shape[1] * p->shape[2]; }

/* The first query fixes the image shape and allocates the whole pool. */
static ganc_status adopt_shape(image_pool *p, const int *chw) {
    if (p->images) {
        if (memcmp(p->shape, chw, sizeof p->shape) == 0) return GANC_OK;
        char have[48], got[48];
        return GANC_ERR(GANC_ERR_SHAPE, "image_pool %s: images of shape %s, the pool holds %s", p->name,
                        shape_str(3, chw, got, sizeof got), shape_str(3, p->shape, have, sizeof have));
    }
    memcpy(p->shape, chw, sizeof p->shape);
    size_t bytes = (size_t)p->capacity * image_numel(p) * sizeof(real);
    p->images = cpu_backend.alloc(bytes ? bytes : sizeof(real));
    if (!p->images) return GANC_ERR(GANC_ERR_MEMORY, "image_pool %s: out of memory for %zu bytes", p->name, bytes);
    return GANC_OK;
}

tensor *image_pool_query(image_pool *p, tape *t, const tensor *images) {
    if (!images) return NULL;
    char buf[48], dev_a[16], dev_b[16];
    if (images->magic != TENSOR_MAGIC) {
        GANC_ERR(GANC_ERR_STATE, "image_pool %s: images tensor was freed (its step was reset)", p->name);
        return NULL;
    }
    if (images->ndim != 4) {
        GANC_ERR(GANC_ERR_SHAPE, "image_pool %s: images must be (N,C,H,W), got %s", p->name,
                 tensor_shape_str(images, buf, sizeof buf));
        return NULL;
    }
    if (!device_equal(images->dev, t->dev)) {
        GANC_ERR(GANC_ERR_DEVICE, "image_pool %s: images on %s, tape on %s", p->name,
                 device_name(images->dev, dev_a, sizeof dev_a), device_name(t->dev, dev_b, sizeof dev_b));
        return NULL;
    }
    if (p->capacity > 0 && adopt_shape(p, images->shape + 1)) return NULL;
    tensor *out = tape_tensor(t, 4, images->shape, "image_pool");
    if (!out) return NULL;
    size_t per = (size_t)images->shape[1] * images->shape[2] * images->shape[3], bytes = per * sizeof(real);
    for (int i = 0; i < images->shape[0]; i++) {
        const real *src = images->data + i * per;
        real *dst = out->data + i * per;
        if (p->count < p->capacity) {
            t->be->download(p->images + (size_t)p->count++ * per, src, bytes);
            t->be->copy(dst, src, bytes);
        } else if (p->capacity > 0 && rng_uniform(&p->rng) > 0.5) {
            int k = (int)(rng_uniform(&p->rng) * p->capacity);
            if (k >= p->capacity) k = p->capacity - 1;
            real *slot = p->images + (size_t)k * per;
            t->be->upload(dst, slot, bytes);
            t->be->download(slot, src, bytes);
        } else {
            t->be->copy(dst, src, bytes);
        }
    }
    return out;
}

ganc_status image_pool_save(const image_pool *p, checkpoint *ck) {
    char key[96];
    snprintf(key, sizeof key, "pool.%s.count", p->name);
    ganc_status st = checkpoint_set_meta_u64(ck, key, (uint64_t)p->count);
    snprintf(key, sizeof key, "pool.%s", p->name);
    if (!st && p->count > 0)
        st = checkpoint_add(ck, key, 4, (int[]){p->count, p->shape[0], p->shape[1], p->shape[2]}, p->images);
    return st ? st : checkpoint_put_rng(ck, key, &p->rng);
}

ganc_status image_pool_load(image_pool *p, checkpoint *ck) {
    char key[96];
    uint64_t count;
    snprintf(key, sizeof key, "pool.%s.count", p->name);
    ganc_status st = checkpoint_meta_u64(ck, key, &count);
    if (st) return st;
    if (count > (uint64_t)p->capacity)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s holds %llu images for pool %s, whose size is %d",
                        checkpoint_origin(ck), (unsigned long long)count, p->name, p->capacity);
    snprintf(key, sizeof key, "pool.%s", p->name);
    if (count > 0) {
        const checkpoint_tensor *saved = checkpoint_find(ck, key);
        if (!saved || saved->ndim != 4 || saved->shape[0] != (int64_t)count)
            return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: pool %s has count %llu but no tensor %s of shape (%llu,C,H,W)",
                            checkpoint_origin(ck), p->name, (unsigned long long)count, key, (unsigned long long)count);
        int chw[3] = {(int)saved->shape[1], (int)saved->shape[2], (int)saved->shape[3]};
        if (chw[0] < 1 || chw[1] < 1 || chw[2] < 1)
            return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s: pool %s holds empty images", checkpoint_origin(ck), p->name);
        if ((st = adopt_shape(p, chw))) return st;
        char owner[64];
        snprintf(owner, sizeof owner, "image pool %s", p->name);
        if ((st = checkpoint_get(ck, key, 4, (int[]){(int)count, chw[0], chw[1], chw[2]}, p->images, owner))) return st;
    }
    if ((st = checkpoint_get_rng(ck, key, &p->rng))) return st;
    p->count = (int)count;
    return GANC_OK;
}
