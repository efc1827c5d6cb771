/* The CPU backend table: memory primitives here, kernels in core/cpu/<family>_cpu.c. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

extern const struct elementwise_kernels cpu_elementwise_kernels;
extern const struct reduce_kernels cpu_reduce_kernels;
extern const struct linalg_kernels cpu_linalg_kernels;
extern const struct conv_kernels cpu_conv_kernels;
extern const struct spatial_kernels cpu_spatial_kernels;
extern const struct norm_kernels cpu_norm_kernels;
extern const struct shape_kernels cpu_shape_kernels;
extern const struct loss_kernels cpu_loss_kernels;
extern const struct image_kernels cpu_image_kernels;
extern const struct random_kernels cpu_random_kernels;
extern const struct optim_kernels cpu_optim_kernels;

/* 64-byte alignment keeps SIMD loads aligned and cache lines unshared. */
static void *cpu_alloc(size_t bytes) {
    size_t rounded = (bytes + 63) & ~(size_t)63;
    return aligned_alloc(64, rounded ? rounded : 64);
}

static void cpu_copy(void *dst, const void *src, size_t bytes) { memmove(dst, src, bytes); }

/* Chunks of a fill big enough to be worth a thread each. */
#define FILL_CHUNK ((size_t)1 << 16)

/* Most fills zero a gradient buffer before the backward pass adds into it:
 * memset does that at the memory's speed (a plain loop did not), on every
 * thread once the buffer is large. A -0 fill keeps its sign bit: the loop. */
static void cpu_fill(real *dst, real value, size_t n) {
    bool zero = value == 0 && !signbit(value);
    long chunks = (long)((n + FILL_CHUNK - 1) / FILL_CHUNK);
#pragma omp parallel for if (chunks >= 4)
    for (long c = 0; c < chunks; c++) {
        size_t lo = (size_t)c * FILL_CHUNK, len = n - lo < FILL_CHUNK ? n - lo : FILL_CHUNK;
        if (zero)
            memset(dst + lo, 0, len * sizeof *dst);
        else
            for (size_t i = lo; i < lo + len; i++) dst[i] = value;
    }
}

static void cpu_axpy(real *y, real a, const real *x, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += a * x[i];
}

/* CPU kernels finish before they return and report no errors of their own. */
static ganc_status cpu_sync(void) { return GANC_OK; }

const backend cpu_backend = {
    .name = "cpu",
    .kind = DEVICE_CPU,
    .alloc = cpu_alloc,
    .release = free,
    .copy = cpu_copy,
    .upload = cpu_copy,
    .download = cpu_copy,
    .fill = cpu_fill,
    .axpy = cpu_axpy,
    .sync = cpu_sync,
    .elementwise = &cpu_elementwise_kernels,
    .reduce = &cpu_reduce_kernels,
    .linalg = &cpu_linalg_kernels,
    .conv = &cpu_conv_kernels,
    .spatial = &cpu_spatial_kernels,
    .norm = &cpu_norm_kernels,
    .shape = &cpu_shape_kernels,
    .loss = &cpu_loss_kernels,
    .image = &cpu_image_kernels,
    .random = &cpu_random_kernels,
    .optim = &cpu_optim_kernels,
};
