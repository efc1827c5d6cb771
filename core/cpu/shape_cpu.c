/* CPU reference kernels: block copies along a dim (concat, slice, split),
 * permutations of dims and flips. */
#include <string.h>

#include "core/backend.h"
#include "core/kernels/shape.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

/* For each outer index the block is one contiguous run of len * inner values. */
static void block_walk(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                       size_t outer, size_t inner, bool accumulate) {
    size_t run = (size_t)len * inner;
#pragma omp parallel for if (outer * run >= PARALLEL_MIN && outer > 1)
    for (size_t o = 0; o < outer; o++) {
        const real *s = src + (o * (size_t)src_n + (size_t)src_off) * inner;
        real *d = dst + (o * (size_t)dst_n + (size_t)dst_off) * inner;
        if (accumulate)
            for (size_t k = 0; k < run; k++) d[k] += s[k];
        else
            memcpy(d, s, run * sizeof *d);
    }
}

static void cpu_block_copy(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                           size_t outer, size_t inner) {
    block_walk(src, src_n, src_off, dst, dst_n, dst_off, len, outer, inner, false);
}

static void cpu_block_add(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                          size_t outer, size_t inner) {
    block_walk(src, src_n, src_off, dst, dst_n, dst_off, len, outer, inner, true);
}

/* Permute and flip both read x at base + sum_k j_k * step[k] for each output
 * index (j0..j3) of shape sy, so one gather and one scatter-add serve both.
 * The map is a bijection, so the scatter never adds twice into one element
 * and may run in parallel. */
typedef struct {
    dims4 sy;
    long base, step[4];
} strided_map;

static void strided_walk(const strided_map *m, const real *src, real *dst, bool scatter_add) {
    const dims4 s = m->sy;
#pragma omp parallel for collapse(2) if (dims4_numel(s) >= PARALLEL_MIN)
    for (int j0 = 0; j0 < s.d[0]; j0++)
        for (int j1 = 0; j1 < s.d[1]; j1++)
            for (int j2 = 0; j2 < s.d[2]; j2++) {
                long y_off = (((long)j0 * s.d[1] + j1) * s.d[2] + j2) * s.d[3];
                long x_off = m->base + j0 * m->step[0] + j1 * m->step[1] + j2 * m->step[2];
                if (scatter_add)
                    for (int j3 = 0; j3 < s.d[3]; j3++) dst[x_off + j3 * m->step[3]] += src[y_off + j3];
                else
                    for (int j3 = 0; j3 < s.d[3]; j3++) dst[y_off + j3] = src[x_off + j3 * m->step[3]];
            }
}

static void strides_of(dims4 sx, long *stride) {
    long st = 1;
    for (int i = 3; i >= 0; i--) {
        stride[i] = st;
        st *= sx.d[i];
    }
}

static strided_map permute_map(dims4 sx, const int perm[4]) {
    long xs[4];
    strides_of(sx, xs);
    strided_map m = {.base = 0};
    for (int k = 0; k < 4; k++) {
        m.sy.d[k] = sx.d[perm[k]];
        m.step[k] = xs[perm[k]];
    }
    return m;
}

static void cpu_permute_forward(const real *x, dims4 sx, const int perm[4], real *y) {
    strided_map m = permute_map(sx, perm);
    strided_walk(&m, x, y, false);
}

static void cpu_permute_backward(const real *dy, dims4 sx, const int perm[4], real *dx) {
    strided_map m = permute_map(sx, perm);
    strided_walk(&m, dy, dx, true);
}

/* A flipped dim starts at its last element and steps backwards. */
static strided_map flip_map(dims4 sx, unsigned mask) {
    long xs[4];
    strides_of(sx, xs);
    strided_map m = {.sy = sx, .base = 0};
    for (int k = 0; k < 4; k++) {
        bool flipped = mask & (1u << k);
        m.step[k] = flipped ? -xs[k] : xs[k];
        if (flipped) m.base += (long)(sx.d[k] - 1) * xs[k];
    }
    return m;
}

static void cpu_flip_forward(const real *x, dims4 sx, unsigned mask, real *y) {
    strided_map m = flip_map(sx, mask);
    strided_walk(&m, x, y, false);
}

static void cpu_flip_backward(const real *dy, dims4 sx, unsigned mask, real *dx) {
    strided_map m = flip_map(sx, mask);
    strided_walk(&m, dy, dx, true);
}

const struct shape_kernels cpu_shape_kernels = {
    .block_copy = cpu_block_copy,
    .block_add = cpu_block_add,
    .permute_forward = cpu_permute_forward,
    .permute_backward = cpu_permute_backward,
    .flip_forward = cpu_flip_forward,
    .flip_backward = cpu_flip_backward,
};
