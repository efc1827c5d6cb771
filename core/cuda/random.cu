/* CUDA kernels: dropout with the mask of core/rng.h's Philox4x32-10
 * stream, bit for bit what core/cpu/random_cpu.c draws, recomputed in
 * backward instead of stored. */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/random.h"
}

/* Multipliers and Weyl key increments from the Philox paper (as core/rng.c). */
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* rng_u32_at: number `index` of stream `seed`, word index % 4 of block index / 4. */
__device__ __forceinline__ uint32_t philox_u32_at(uint64_t seed, uint64_t index) {
    uint64_t block = index >> 2;
    uint32_t c[4] = {(uint32_t)block, (uint32_t)(block >> 32), 0, 0};
    uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (int r = 0; r < 10; r++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
        uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t n0 = hi1 ^ c[1] ^ k[0];
        uint32_t n2 = hi0 ^ c[3] ^ k[1];
        c[0] = n0;
        c[1] = lo1;
        c[2] = n2;
        c[3] = lo0;
        k[0] += PHILOX_W0;
        k[1] += PHILOX_W1;
    }
    return c[index & 3];
}

/* rng_uniform_at: in (0, 1), computed in double as the CPU does. */
__device__ __forceinline__ bool dropout_keep(real p, uint64_t seed, uint64_t index) {
    double u = ((double)philox_u32_at(seed, index) + 0.5) * (1.0 / 4294967296.0);
    return u >= (double)p;
}

__global__ void dropout_forward_kernel(const real *x, size_t n, real p, real scale, uint64_t seed, uint64_t first,
                                       real *y) {
    GRID_STRIDE(i, n) y[i] = p == 0 ? x[i] : (dropout_keep(p, seed, first + (uint64_t)i) ? x[i] * scale : 0);
}

__global__ void dropout_backward_kernel(const real *dy, size_t n, real p, real scale, uint64_t seed, uint64_t first,
                                        real *dx) {
    GRID_STRIDE(i, n) {
        if (p == 0) dx[i] += dy[i];
        else if (dropout_keep(p, seed, first + (uint64_t)i)) dx[i] += dy[i] * scale;
    }
}

static real dropout_scale(real p) { return p < 1 ? 1 / (1 - p) : 0; }

static void cuda_dropout_forward(const real *x, size_t n, real p, uint64_t seed, uint64_t first, real *y) {
    if (n)
        CUDA_LAUNCH(dropout_forward_kernel, grid_for(n), CUDA_THREADS, x, n, p, dropout_scale(p), seed, first, y);
}

static void cuda_dropout_backward(const real *dy, size_t n, real p, uint64_t seed, uint64_t first, real *dx) {
    if (n)
        CUDA_LAUNCH(dropout_backward_kernel, grid_for(n), CUDA_THREADS, dy, n, p, dropout_scale(p), seed, first, dx);
}

/* Positional, in the order of core/kernels/random.h. */
extern "C" const struct random_kernels cuda_random_kernels = {
    cuda_dropout_forward,
    cuda_dropout_backward,
};
