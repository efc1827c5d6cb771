#include "core/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

void params_init(param_set *ps, const char *name) {
    memset(ps, 0, sizeof *ps);
    snprintf(ps->name, sizeof ps->name, "%s", name ? name : "");
}

/* The backend of a set's device: already set up when the set moved there. */
static const backend *backend_of(const param_set *ps) {
    return ps->dev.kind == DEVICE_CPU ? &cpu_backend : backend_get(ps->dev);
}

void params_free(param_set *ps) {
    for (size_t i = 0; i < ps->count; i++) {
        ps->entries[i].t->magic = 0;
        free(ps->entries[i].t);
    }
    free(ps->entries);
    const backend *be = backend_of(ps);
    if (be) {
        be->release(ps->data);
        be->release(ps->grad);
    }
    memset(ps, 0, sizeof *ps);
}

static void rebase_views(param_set *ps) {
    for (size_t i = 0; i < ps->count; i++) {
        ps->entries[i].t->data = ps->data + ps->entries[i].offset;
        ps->entries[i].t->grad = ps->grad + ps->entries[i].offset;
        ps->entries[i].t->dev = ps->dev;
    }
}

static real *grow_block(real *old, size_t old_numel, size_t new_numel) {
    real *p = cpu_backend.alloc(new_numel * sizeof(real));
    if (!p) return NULL;
    if (old) memcpy(p, old, old_numel * sizeof(real));
    memset(p + old_numel, 0, (new_numel - old_numel) * sizeof(real));
    return p;
}

static ganc_status reserve_values(param_set *ps, size_t extra) {
    if (ps->numel + extra <= ps->cap_numel) return GANC_OK;
    size_t cap = ps->cap_numel ? 2 * ps->cap_numel : 1024;
    while (cap < ps->numel + extra) cap *= 2;
    real *data = grow_block(ps->data, ps->numel, cap);
    real *grad = grow_block(ps->grad, ps->numel, cap);
    if (!data || !grad) {
        cpu_backend.release(data);
        cpu_backend.release(grad);
        return GANC_ERR(GANC_ERR_MEMORY, "params %s: out of memory for %zu values", ps->name, cap);
    }
    cpu_backend.release(ps->data);
    cpu_backend.release(ps->grad);
    ps->data = data;
    ps->grad = grad;
    ps->cap_numel = cap;
    rebase_views(ps);
    return GANC_OK;
}

tensor *params_find(const param_set *ps, const char *name) {
    for (size_t i = 0; i < ps->count; i++)
        if (strcmp(ps->entries[i].name, name) == 0) return ps->entries[i].t;
    return NULL;
}

tensor *params_add(param_set *ps, const char *name, int ndim, const int *shape) {
    if (shape_check(name, ndim, shape)) return NULL;
    if (ps->dev.kind != DEVICE_CPU) {
        char dev[16];
        GANC_ERR(GANC_ERR_STATE, "params %s: cannot add \"%s\" after the set moved to %s; build networks on the CPU "
                 "first", ps->name, name, device_name(ps->dev, dev, sizeof dev));
        return NULL;
    }
    if (strlen(name) >= sizeof ps->entries[0].name) {
        GANC_ERR(GANC_ERR_ARG, "params %s: parameter name \"%s\" is longer than %zu characters", ps->name, name,
                 sizeof ps->entries[0].name - 1);
        return NULL;
    }
    if (params_find(ps, name)) {
        GANC_ERR(GANC_ERR_ARG, "params %s: parameter \"%s\" added twice", ps->name, name);
        return NULL;
    }
    if (ps->count == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        param_entry *grown = realloc(ps->entries, cap * sizeof *grown);
        if (!grown) {
            GANC_ERR(GANC_ERR_MEMORY, "params %s: out of memory", ps->name);
            return NULL;
        }
        ps->entries = grown;
        ps->cap = cap;
    }
    size_t numel = shape_numel(ndim, shape);
    tensor *t = calloc(1, sizeof *t);
    if (!t || reserve_values(ps, numel)) {
        free(t);
        if (!t) GANC_ERR(GANC_ERR_MEMORY, "params %s: out of memory", ps->name);
        return NULL;
    }
    t->magic = TENSOR_MAGIC;
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = numel;
    t->dev = device_cpu();
    t->requires_grad = !ps->frozen;
    tensor_set_name(t, name);
    param_entry *e = &ps->entries[ps->count++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->t = t;
    e->offset = ps->numel;
    ps->numel += numel;
    rebase_views(ps);
    return t;
}

void params_zero_grad(param_set *ps) {
    const backend *be = backend_of(ps);
    if (ps->grad && be) be->fill(ps->grad, 0, ps->numel);
}

void params_set_frozen(param_set *ps, bool frozen) {
    ps->frozen = frozen;
    for (size_t i = 0; i < ps->count; i++) ps->entries[i].t->requires_grad = !frozen;
}

size_t params_bytes(const param_set *ps) { return 2 * ps->numel * sizeof(real); }

ganc_status params_move_block(real **block, size_t n, device from, device to, const char *what) {
    char a[16], b[16];
    if (device_equal(from, to) || !*block) return GANC_OK;
    const backend *src = from.kind == DEVICE_CPU ? &cpu_backend : backend_get(from);
    const backend *dst = to.kind == DEVICE_CPU ? &cpu_backend : backend_get(to);
    if (!src || !dst) return ganc_error_status();
    if (src->kind != DEVICE_CPU && dst->kind != DEVICE_CPU)
        return GANC_ERR(GANC_ERR_DEVICE, "%s: cannot move from %s to %s directly; go through the CPU", what,
                        device_name(from, a, sizeof a), device_name(to, b, sizeof b));
    size_t bytes = (n ? n : 1) * sizeof(real);
    real *moved = dst->alloc(bytes);
    if (!moved)
        return GANC_ERR(GANC_ERR_MEMORY, "%s: out of memory on %s for %zu values", what, device_name(to, b, sizeof b),
                        n);
    if (src->kind == DEVICE_CPU) dst->upload(moved, *block, n * sizeof(real));
    else src->download(moved, *block, n * sizeof(real));
    ganc_status st = src->sync();
    if (!st) st = dst->sync();
    if (st) {
        dst->release(moved);
        return st;
    }
    src->release(*block);
    *block = moved;
    return GANC_OK;
}

ganc_status params_to_device(param_set *ps, device dev) {
    char what[96];
    snprintf(what, sizeof what, "params %s", ps->name);
    ganc_status st = params_move_block(&ps->data, ps->numel, ps->dev, dev, what);
    if (st) return st;
    if ((st = params_move_block(&ps->grad, ps->numel, ps->dev, dev, what))) {
        /* Keep the set on one device: the values go back where the gradients stayed. */
        params_move_block(&ps->data, ps->numel, dev, ps->dev, what);
        return st;
    }
    ps->dev = dev;
    ps->cap_numel = ps->numel;
    rebase_views(ps);
    return GANC_OK;
}
