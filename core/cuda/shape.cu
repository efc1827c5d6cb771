/* CUDA kernels: block copies along a dim (concat, slice, split),
 * permutations of dims and flips, as core/cpu/shape_cpu.c specifies them. */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/shape.h"
}

__global__ void block_kernel(const real *src, long src_n, long src_off, real *dst, long dst_n, long dst_off, long run,
                             long inner, long total, bool accumulate) {
    GRID_STRIDE(i, total) {
        long o = i / run, k = i % run;
        real v = src[(o * src_n + src_off) * inner + k];
        real *d = dst + (o * dst_n + dst_off) * inner + k;
        if (accumulate) *d += v;
        else *d = v;
    }
}

static void block_walk(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                       size_t outer, size_t inner, bool accumulate) {
    long run = (long)len * (long)inner, total = run * (long)outer;
    if (total > 0)
        CUDA_LAUNCH(block_kernel, grid_for((size_t)total), CUDA_THREADS, src, src_n, src_off, dst, dst_n, dst_off, run,
                    (long)inner, total, accumulate);
}

static void cuda_block_copy(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                            size_t outer, size_t inner) {
    block_walk(src, src_n, src_off, dst, dst_n, dst_off, len, outer, inner, false);
}

static void cuda_block_add(const real *src, int src_n, int src_off, real *dst, int dst_n, int dst_off, int len,
                           size_t outer, size_t inner) {
    block_walk(src, src_n, src_off, dst, dst_n, dst_off, len, outer, inner, true);
}

/* Permute and flip read x at base + sum_k j_k * step[k] for each output
 * index (j0..j3) of shape sy. The map is a bijection, so the scatter of
 * backward never adds twice into one element. */
struct strided_map {
    dims4 sy;
    long base, step[4];
};

__global__ void strided_kernel(strided_map m, const real *src, real *dst, bool scatter_add, long n) {
    GRID_STRIDE(i, n) {
        long r = i, x_off = m.base;
        for (int k = 3; k >= 0; k--) {
            x_off += (r % m.sy.d[k]) * m.step[k];
            r /= m.sy.d[k];
        }
        if (scatter_add) dst[x_off] += src[i];
        else dst[i] = src[x_off];
    }
}

static void strided_walk(const strided_map &m, const real *src, real *dst, bool scatter_add) {
    long n = (long)dims4_numel(m.sy);
    CUDA_LAUNCH(strided_kernel, grid_for((size_t)n), CUDA_THREADS, m, src, dst, scatter_add, n);
}

static strided_map permute_map(dims4 sx, const int perm[4]) {
    strides4 xs = strides_of(sx);
    strided_map m;
    m.base = 0;
    for (int k = 0; k < 4; k++) {
        m.sy.d[k] = sx.d[perm[k]];
        m.step[k] = xs.s[perm[k]];
    }
    return m;
}

static void cuda_permute_forward(const real *x, dims4 sx, const int perm[4], real *y) {
    strided_walk(permute_map(sx, perm), x, y, false);
}

static void cuda_permute_backward(const real *dy, dims4 sx, const int perm[4], real *dx) {
    strided_walk(permute_map(sx, perm), dy, dx, true);
}

/* A flipped dim starts at its last element and steps backwards. */
static strided_map flip_map(dims4 sx, unsigned mask) {
    strides4 xs = strides_of(sx);
    strided_map m;
    m.sy = sx;
    m.base = 0;
    for (int k = 0; k < 4; k++) {
        bool flipped = mask & (1u << k);
        m.step[k] = flipped ? -xs.s[k] : xs.s[k];
        if (flipped) m.base += (long)(sx.d[k] - 1) * xs.s[k];
    }
    return m;
}

static void cuda_flip_forward(const real *x, dims4 sx, unsigned mask, real *y) {
    strided_walk(flip_map(sx, mask), x, y, false);
}

static void cuda_flip_backward(const real *dy, dims4 sx, unsigned mask, real *dx) {
    strided_walk(flip_map(sx, mask), dy, dx, true);
}

/* Positional, in the order of core/kernels/shape.h. */
extern "C" const struct shape_kernels cuda_shape_kernels = {
    cuda_block_copy,      cuda_block_add,    cuda_permute_forward,
    cuda_permute_backward, cuda_flip_forward, cuda_flip_backward,
};
