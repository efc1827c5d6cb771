#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

size_t shape_numel(int ndim, const int *shape) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

const char *shape_str(int ndim, const int *shape, char *buf, size_t size) {
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ",%d" : "%d", shape[i]);
    if (used < size) snprintf(buf + used, size - used, ")");
    return buf;
}

const char *tensor_shape_str(const tensor *t, char *buf, size_t size) {
    return shape_str(t->ndim, t->shape, buf, size);
}

bool tensor_same_shape(const tensor *a, const tensor *b) {
    if (a->ndim != b->ndim) return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return false;
    return true;
}

void tensor_set_name(tensor *t, const char *name) {
    snprintf(t->name, sizeof t->name, "%s", name ? name : "");
}

ganc_status shape_check(const char *what, int ndim, const int *shape) {
    if (ndim < 1 || ndim > TENSOR_MAX_DIM)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: ndim must be 1..%d, got %d", what, TENSOR_MAX_DIM, ndim);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 1)
            return GANC_ERR(GANC_ERR_SHAPE, "%s: dimension %d must be >= 1, got %d", what, i, shape[i]);
    return GANC_OK;
}

tensor *tensor_new(int ndim, const int *shape, const char *name) {
    if (shape_check(name ? name : "tensor_new", ndim, shape)) return NULL;
    tensor *t = calloc(1, sizeof *t);
    if (!t) {
        GANC_ERR(GANC_ERR_MEMORY, "tensor_new %s: out of memory", name ? name : "");
        return NULL;
    }
    t->magic = TENSOR_MAGIC;
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->numel = shape_numel(ndim, shape);
    t->dev = device_cpu();
    t->owns_memory = true;
    tensor_set_name(t, name);
    t->data = cpu_backend.alloc(t->numel * sizeof(real));
    if (!t->data) {
        GANC_ERR(GANC_ERR_MEMORY, "tensor_new %s: out of memory for %zu values", name ? name : "", t->numel);
        free(t);
        return NULL;
    }
    memset(t->data, 0, t->numel * sizeof(real));
    return t;
}

ganc_status tensor_set_requires_grad(tensor *t, bool requires_grad) {
    if (t->tape || t->node)
        return GANC_ERR(GANC_ERR_ARG, "tensor_set_requires_grad %s: only for persistent leaf tensors", t->name);
    if (requires_grad && !t->grad) {
        if (!t->owns_memory)
            return GANC_ERR(GANC_ERR_ARG, "tensor_set_requires_grad %s: tensor has no gradient storage", t->name);
        t->grad = cpu_backend.alloc(t->numel * sizeof(real));
        if (!t->grad) return GANC_ERR(GANC_ERR_MEMORY, "tensor_set_requires_grad %s: out of memory", t->name);
        memset(t->grad, 0, t->numel * sizeof(real));
    }
    t->requires_grad = requires_grad;
    return GANC_OK;
}

void tensor_free(tensor *t) {
    if (!t) return;
    if (t->owns_memory) {
        cpu_backend.release(t->data);
        cpu_backend.release(t->grad);
    }
    t->magic = 0;
    free(t);
}
