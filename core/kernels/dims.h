#ifndef GANC_KERNELS_DIMS_H
#define GANC_KERNELS_DIMS_H

#include "core/tensor.h"

/* A shape right-aligned to four dims, (N,C,H,W), leading dims 1: how every
 * kernel sees a tensor, whatever its ndim. */
typedef struct {
    int d[4];
} dims4;

static inline dims4 dims4_of(const tensor *t) {
    dims4 r = {{1, 1, 1, 1}};
    for (int i = 0; i < t->ndim; i++) r.d[4 - t->ndim + i] = t->shape[i];
    return r;
}

static inline size_t dims4_numel(dims4 s) {
    return (size_t)s.d[0] * (size_t)s.d[1] * (size_t)s.d[2] * (size_t)s.d[3];
}

#endif
