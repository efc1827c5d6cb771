/* ganc bench ops --device cuda[:N]: the CUDA kernels of the hot ops, timed
 * through the backend table (no tape), each next to the GPU's peak: conv2d
 * passes (cuDNN) in GFLOP/s against the float32 FMA peak (the TF32 tensor
 * peak with --tf32), elementwise and norm kernels in GB/s of compulsory
 * traffic against the memory peak. Peaks come from the device's clocks and
 * widths; for an H200 the datasheet's are printed too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/backend.h"
#include "core/cuda/cuda_backend.h"
#include "core/kernels/conv.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/norm.h"
#include "core/rng.h"
#include "tools/bench.h"

/* NVIDIA H200 SXM datasheet: dense rates. */
#define H200_FP32_GFLOPS 67000.0
#define H200_TF32_GFLOPS 494700.0
#define H200_MEMORY_GBS 4800.0

/* Launches per timing, so the wait for the GPU is spread over many. */
#define LAUNCHES 10

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const backend *be;
    int repeat;
    double flops_peak, bytes_peak; /* GFLOP/s, GB/s */
} bench_ctx;

/* Device memory of n values, filled from a fixed generator; NULL on failure. */
static real *device_values(const backend *be, size_t n, uint64_t seed) {
    real *host = malloc(n * sizeof *host), *dev = host ? be->alloc(n * sizeof(real)) : NULL;
    if (dev) {
        rng r;
        rng_init(&r, seed);
        for (size_t i = 0; i < n; i++) host[i] = (real)(rng_uniform(&r) - 0.5);
        be->upload(dev, host, n * sizeof(real));
    }
    free(host);
    return dev;
}

/* What one timed call launches. */
typedef struct {
    const backend *be;
    int which;
    conv_geom g;
    norm_segments seg;
    real *a, *b, *c, *d, *e, *f;
    void *ws;
    size_t n;
} bench_call;

enum { CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_WEIGHT, ADD, RELU, NORM_FORWARD, NORM_BACKWARD };

static void launch(const bench_call *k) {
    const backend *be = k->be;
    switch (k->which) {
    case CONV_FORWARD: be->conv->forward(&k->g, k->a, k->b, false, k->c, k->ws); break;
    case CONV_BACKWARD_DATA: be->conv->backward_data(&k->g, k->c, k->b, true, k->a, k->ws); break;
    case CONV_BACKWARD_WEIGHT: be->conv->backward_weight(&k->g, k->a, k->c, true, k->b, k->ws); break;
    case ADD: {
        dims4 s = {{1, 1, 1, (int)k->n}};
        be->elementwise->binary_forward(BINARY_ADD, k->a, s, k->b, s, k->c, s);
        break;
    }
    case RELU: be->elementwise->unary_forward(UNARY_RELU, 0, 0, k->a, k->c, k->n); break;
    case NORM_FORWARD: be->norm->segment_forward(k->a, NULL, NULL, k->seg, (real)1e-5, k->c, k->e, k->f); break;
    case NORM_BACKWARD: be->norm->segment_backward(k->a, NULL, k->d, k->seg, k->e, k->f, k->b, NULL, NULL); break;
    }
}

/* Median seconds per launch; negative when the GPU reported an error. */
static double time_call(const bench_ctx *bc, const bench_call *k) {
    double times[64];
    launch(k); /* warm-up: chooses cuDNN algorithms, loads kernels */
    if (bc->be->sync()) return -1;
    for (int r = 0; r < bc->repeat; r++) {
        double start = now_seconds();
        for (int i = 0; i < LAUNCHES; i++) launch(k);
        if (bc->be->sync()) return -1;
        times[r] = (now_seconds() - start) / LAUNCHES;
    }
    qsort(times, (size_t)bc->repeat, sizeof times[0], by_value);
    return bc->repeat % 2 ? times[bc->repeat / 2] : 0.5 * (times[bc->repeat / 2 - 1] + times[bc->repeat / 2]);
}

static int bench_conv(const bench_ctx *bc, int n, int c, int h, int o) {
    static const char *pass_names[] = {"forward", "backward-data", "backward-weight"};
    const backend *be = bc->be;
    bench_call k = {.be = be};
    k.g = (conv_geom){.n = n, .c = c, .h = h, .w = h, .o = o, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                      .pad_h = 1, .pad_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 1};
    conv_geom_set_output(&k.g);
    k.a = device_values(be, (size_t)n * c * h * h, 1);
    k.b = device_values(be, (size_t)o * c * 9, 2);
    k.c = device_values(be, (size_t)n * o * k.g.oh * k.g.ow, 3);
    int rc = k.a && k.b && k.c ? 0 : 1;
    double gflop = 2.0 * n * o * k.g.oh * k.g.ow * c * 9 / 1e9;
    for (int pass = 0; !rc && pass < 3; pass++) {
        size_t bytes = be->conv->workspace_bytes(&k.g, (conv_pass)pass);
        k.ws = bytes ? be->alloc(bytes) : NULL;
        k.which = CONV_FORWARD + pass;
        double s = bytes && !k.ws ? -1 : time_call(bc, &k);
        be->release(k.ws);
        if (s < 0) {
            rc = 1;
            break;
        }
        double rate = gflop / s;
        printf("conv2d 3x3 (%d,%3d,%3d,%3d)->%-4d %-16s %8.3f ms %9.1f GFLOP/s  %5.1f%% of peak\n", n, c, h, h, o,
               pass_names[pass], 1e3 * s, rate, 100 * rate / bc->flops_peak);
    }
    be->release(k.a);
    be->release(k.b);
    be->release(k.c);
    return rc;
}

/* Elementwise add and relu over n values, and instance norm of (n/hw planes of hw). */
static int bench_memory_bound(const bench_ctx *bc, int batch, int c, int h) {
    const backend *be = bc->be;
    size_t n = (size_t)batch * c * h * h;
    bench_call k = {.be = be, .n = n};
    k.seg = (norm_segments){.count = batch * c, .length = h * h, .per_sample = c, .affine_run = h * h};
    k.a = device_values(be, n, 4);
    k.b = device_values(be, n, 5);
    k.c = device_values(be, n, 6);
    k.d = device_values(be, n, 7);
    k.e = device_values(be, (size_t)batch * c, 8);
    k.f = device_values(be, (size_t)batch * c, 9);
    int rc = k.a && k.b && k.c && k.d && k.e && k.f ? 0 : 1;
    /* Compulsory traffic in values: add reads two and writes one; relu one
     * and one; the norm's forward reads x and writes y, its backward reads
     * x, dy and dx and writes dx (it accumulates). */
    static const struct {
        int which;
        const char *name;
        int values;
    } kernels[] = {{ADD, "add", 3}, {RELU, "relu", 2}, {NORM_FORWARD, "instance_norm forward", 2},
                   {NORM_BACKWARD, "instance_norm backward", 4}};
    if (!rc) be->norm->segment_forward(k.a, NULL, NULL, k.seg, (real)1e-5, k.c, k.e, k.f); /* real statistics */
    for (size_t i = 0; !rc && i < sizeof kernels / sizeof kernels[0]; i++) {
        k.which = kernels[i].which;
        double s = time_call(bc, &k);
        if (s < 0) {
            rc = 1;
            break;
        }
        double rate = kernels[i].values * n * sizeof(real) / s / 1e9;
        printf("%-22s (%d,%3d,%3d,%3d)   %8.3f ms %9.1f GB/s     %5.1f%% of peak\n", kernels[i].name, batch, c, h, h,
               1e3 * s, rate, 100 * rate / bc->bytes_peak);
    }
    real *all[] = {k.a, k.b, k.c, k.d, k.e, k.f};
    for (int i = 0; i < 6; i++) be->release(all[i]);
    return rc;
}

int bench_ops_cuda(device d, int repeat, bool tf32) {
    char about[256], name[16];
    bench_ctx bc = {.be = backend_get(d), .repeat = repeat};
    double clock_flops, clock_bytes;
    if (!bc.be || cuda_device_describe(d.index, about, sizeof about, &clock_flops, &clock_bytes)) {
        fprintf(stderr, "bench ops: %s\n", ganc_error_message());
        return 1;
    }
    cuda_set_tf32(tf32);
    bool h200 = strstr(about, "H200") != NULL;
    bc.flops_peak = h200 ? (tf32 ? H200_TF32_GFLOPS : H200_FP32_GFLOPS) : clock_flops;
    bc.bytes_peak = h200 ? H200_MEMORY_GBS : clock_bytes;
    printf("ganc bench ops --device %s (float32, TF32 %s, median of %d x %d launches): %s\n",
           device_name(d, name, sizeof name), tf32 ? "on" : "off", repeat, LAUNCHES, about);
    printf("peaks: float32 FMA %.0f GFLOP/s and memory %.0f GB/s from the clocks", clock_flops, clock_bytes);
    if (h200)
        printf("; H200 SXM datasheet: float32 %.0f, TF32 tensor %.0f (dense) GFLOP/s, memory %.0f GB/s",
               H200_FP32_GFLOPS, H200_TF32_GFLOPS, H200_MEMORY_GBS);
    printf("\n%% of peak below: %s\n", h200 ? (tf32 ? "TF32 tensor / memory (datasheet)" : "float32 / memory (datasheet)")
                                            : "float32 FMA / memory (clocks)");
    int rc = 0;
    for (int batch = 1; !rc && batch <= 8; batch *= 8) {
        rc |= bench_conv(&bc, batch, 64, 128, 64);
        if (!rc) rc |= bench_conv(&bc, batch, 256, 32, 256);
    }
    for (int batch = 1; !rc && batch <= 8; batch *= 8) rc |= bench_memory_bound(&bc, batch, 64, 128);
    cuda_set_tf32(false);
    if (rc) fprintf(stderr, "bench ops: %s\n", ganc_error_message());
    return rc;
}
