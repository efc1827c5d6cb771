/* ganc bench ops: time and throughput of the hot CPU ops, with the
 * machine's measured FMA peak as the reference run in the same process.
 * --device cuda runs tools/bench_ops_cuda.c instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <immintrin.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/cpu/conv_packed.h"
#include "core/ops/conv.h"
#include "core/ops/norm.h"
#include "core/params.h"
#include "core/rng.h"
#include "tools/bench.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Peak float32 FMA rate of all cores: independent vector FMA chains, so the
 * loop is bound by the FMA units, not by latency or memory. Compiled for
 * AVX-512 and AVX2 and picked at run time (the library itself is built for
 * the baseline ISA; OpenBLAS dispatches its own kernels). */
/* Enough independent chains to cover FMA latency x ports, within the register file (32 zmm, 16 ymm). */
#define FMA_CHAINS_AVX512 24
#define FMA_CHAINS_AVX2 12
#define FMA_ITERATIONS 40000000L

__attribute__((target("avx512f"))) static float fma_loop_avx512(void) {
    __m512 acc[FMA_CHAINS_AVX512], a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-4f);
    for (int k = 0; k < FMA_CHAINS_AVX512; k++) acc[k] = _mm512_set1_ps((float)k);
    for (long i = 0; i < FMA_ITERATIONS; i++)
#pragma GCC unroll 24
        for (int k = 0; k < FMA_CHAINS_AVX512; k++) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
    float sum = 0;
    for (int k = 0; k < FMA_CHAINS_AVX512; k++) sum += _mm512_reduce_add_ps(acc[k]);
    return sum;
}

__attribute__((target("avx2,fma"))) static float fma_loop_avx2(void) {
    __m256 acc[FMA_CHAINS_AVX2], a = _mm256_set1_ps(0.9999f), b = _mm256_set1_ps(1e-4f);
    for (int k = 0; k < FMA_CHAINS_AVX2; k++) acc[k] = _mm256_set1_ps((float)k);
    for (long i = 0; i < FMA_ITERATIONS; i++)
#pragma GCC unroll 12
        for (int k = 0; k < FMA_CHAINS_AVX2; k++) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    float lanes[8], sum = 0;
    for (int k = 0; k < FMA_CHAINS_AVX2; k++) {
        _mm256_storeu_ps(lanes, acc[k]);
        for (int j = 0; j < 8; j++) sum += lanes[j];
    }
    return sum;
}

static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    double gflops;      /* sum over threads of each one's rate per second of its own CPU time */
    double wall_gflops; /* the same work over the wall-clock time */
} fma_peak;

/* A thread that shares its core with another process loses wall-clock time
 * but not CPU time, so the peak is each thread's FMA rate per second of its
 * own CPU time, summed over the threads: a busy machine no longer lowers the
 * peak and inflates every percentage (145% was seen). The wall-clock rate
 * tells whether the machine was busy. 0 when the CPU has neither AVX2+FMA
 * nor AVX-512. */
static fma_peak measure_fma_peak(const char **isa) {
    int width = __builtin_cpu_supports("avx512f") ? 16 : (__builtin_cpu_supports("fma") ? 8 : 0);
    *isa = width == 16 ? "AVX-512" : width == 8 ? "AVX2+FMA" : "none";
    fma_peak peak = {0, 0};
    if (!width) return peak;
    int chains = width == 16 ? FMA_CHAINS_AVX512 : FMA_CHAINS_AVX2;
    double flops_per_thread = (double)FMA_ITERATIONS * chains * width * 2;
    float sink = 0;
#pragma omp parallel
    { /* starts the thread pool outside the timed region */
    }
    double start = now_seconds(), rate_sum = 0;
    int threads = 1;
#pragma omp parallel reduction(+ : sink, rate_sum)
    {
        double cpu = thread_cpu_seconds();
        sink += width == 16 ? fma_loop_avx512() : fma_loop_avx2();
        rate_sum += flops_per_thread / (thread_cpu_seconds() - cpu);
#ifdef _OPENMP
#pragma omp single
        threads = omp_get_num_threads();
#endif
    }
    double seconds = now_seconds() - start;
    if (sink == 12345.f) printf(" "); /* keeps the loops from being optimised away */
    peak.gflops = rate_sum / 1e9;
    peak.wall_gflops = threads * flops_per_thread / seconds / 1e9;
    return peak;
}

typedef enum { PASS_FORWARD, PASS_BACKWARD_DATA, PASS_BACKWARD_WEIGHT } timed_pass;

/* One timed conv pass; backward passes time tape_backward alone, with only
 * the input (data) or only the weight (weight) asking for a gradient. */
static double time_conv(tape *t, param_set *ps, tensor *w, int n, int c, int h, int o, timed_pass pass, rng *r) {
    tensor *x = tape_tensor(t, 4, (int[]){n, c, h, h}, "x");
    if (!x) return -1;
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)rng_uniform(r);
    params_set_frozen(ps, pass != PASS_BACKWARD_WEIGHT);
    if (pass == PASS_BACKWARD_DATA && tape_set_requires_grad(t, x)) return -1;
    conv2d_args args = {.pad_h = 1, .pad_w = 1};
    double start = now_seconds();
    tensor *y = op_conv2d(t, x, w, NULL, args);
    if (!y) return -1;
    if (pass == PASS_FORWARD) return now_seconds() - start;
    tensor *seed = tape_tensor(t, y->ndim, y->shape, "seed");
    if (!seed) return -1;
    for (size_t i = 0; i < seed->numel; i++) seed->data[i] = 1;
    start = now_seconds();
    if (tape_backward(t, y, seed)) return -1;
    return now_seconds() - start;
}

static int bench_conv(int c, int h, int o, int repeat, double peak) {
    static const char *pass_names[] = {"forward", "backward-data", "backward-weight"};
    param_set ps;
    params_init(&ps, "bench");
    tensor *w = params_add(&ps, "w", 4, (int[]){o, c, 3, 3});
    tape *t = tape_new(device_cpu());
    if (!w || !t) goto fail;
    rng r;
    rng_init(&r, 1);
    for (size_t i = 0; i < w->numel; i++) w->data[i] = (real)(0.05 * rng_normal(&r));
    double gflop = 2.0 * c * o * 9 * (double)h * h / 1e9;
    for (int pass = 0; pass < 3; pass++) {
        double times[64];
        for (int k = -1; k < repeat; k++) { /* k = -1: warm-up, sizes the arenas */
            double s = time_conv(t, &ps, w, 1, c, h, o, (timed_pass)pass, &r);
            tape_reset(t);
            if (s < 0) goto fail;
            if (k >= 0) times[k] = s;
        }
        double ms = 1e3 * median(times, repeat), gflops = gflop / (ms / 1e3);
        printf("conv2d 3x3 (1,%3d,%3d,%3d)->%-4d %-16s %8.2f ms %8.1f GFLOP/s  %5.1f%% of FMA peak\n", c, h, h, o,
               pass_names[pass], ms, gflops, peak > 0 ? 100 * gflops / peak : 0.0);
    }
    tape_free(t);
    params_free(&ps);
    return 0;
fail:
    fprintf(stderr, "bench ops: %s\n", ganc_error_message());
    tape_free(t);
    params_free(&ps);
    return 1;
}

static int bench_instance_norm(int c, int h, int repeat) {
    tape *t = tape_new(device_cpu());
    if (!t) goto fail;
    double fwd[64], bwd[64];
    for (int k = -1; k < repeat; k++) {
        tensor *x = tape_tensor(t, 4, (int[]){1, c, h, h}, "x");
        if (!x || tape_set_requires_grad(t, x)) goto fail;
        for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)(i % 97) * (real)0.01;
        double start = now_seconds();
        tensor *y = op_instance_norm(t, x, NULL, NULL, (real)1e-5);
        double mid = now_seconds();
        if (!y || tape_backward(t, y, y)) goto fail;
        double end = now_seconds();
        if (k >= 0) fwd[k] = mid - start, bwd[k] = end - mid;
        tape_reset(t);
    }
    /* Compulsory traffic: forward reads x, writes y; backward reads x, dy, writes dx. */
    double bytes = (double)c * h * h * sizeof(real);
    double f = median(fwd, repeat), b = median(bwd, repeat);
    printf("instance_norm (1,%3d,%3d,%3d)       forward  %8.2f ms %8.1f GB/s\n", c, h, h, 1e3 * f, 2 * bytes / f / 1e9);
    printf("instance_norm (1,%3d,%3d,%3d)       backward %8.2f ms %8.1f GB/s\n", c, h, h, 1e3 * b, 3 * bytes / b / 1e9);
    tape_free(t);
    return 0;
fail:
    fprintf(stderr, "bench ops: %s\n", ganc_error_message());
    tape_free(t);
    return 1;
}

int bench_ops(int argc, char **argv) {
    int repeat = 10;
    const char *device_text = "cpu";
    bool tf32 = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            device_text = argv[++i];
        } else if (strcmp(argv[i], "--tf32") == 0) {
            tf32 = true;
        } else {
            fprintf(stderr, "bench ops: unknown argument %s (usage: ganc bench ops [--repeat N] "
                            "[--device cpu|cuda[:N]] [--tf32])\n", argv[i]);
            return 2;
        }
    }
    if (repeat < 1 || repeat > 64) {
        fprintf(stderr, "bench ops: --repeat must be 1..64, got %d\n", repeat);
        return 2;
    }
    device d;
    char note[320];
    if (device_resolve(device_text, &d, note, sizeof note)) {
        fprintf(stderr, "bench ops: %s\n", ganc_error_message());
        return 1;
    }
    if (note[0]) fprintf(stderr, "bench ops: %s\n", note);
    if (d.kind == DEVICE_CUDA) return bench_ops_cuda(d, repeat, tf32);
    if (tf32) {
        fprintf(stderr, "bench ops: --tf32 is for --device cuda\n");
        return 2;
    }
    const char *isa;
    fma_peak measured = measure_fma_peak(&isa);
    double peak = measured.gflops;
    printf("ganc bench ops (%s, median of %d): measured %s FMA peak %.1f GFLOP/s on all cores; convolutions: %s\n",
           REAL_NAME, repeat, isa, peak, conv_packed_enabled() ? "packed AVX-512" : "im2col + BLAS");
    /* Below 90% the threads waited for their cores: the op timings below are wall-clock and so are uncertain. */
    if (measured.wall_gflops < 0.9 * peak)
        printf("note: the machine was busy (the same FMA work ran at %.1f GFLOP/s of wall-clock time); "
               "the timings below are uncertain\n",
               measured.wall_gflops);
    int rc = bench_conv(64, 128, 64, repeat, peak);
    rc |= bench_conv(256, 32, 256, repeat, peak);
    rc |= bench_instance_norm(64, 128, repeat);
    rc |= bench_instance_norm(256, 64, repeat);
    return rc;
}
