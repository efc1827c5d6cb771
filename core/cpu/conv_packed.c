/* Forward convolution as a packed GEMM on AVX-512. For one image and group,
 *   y (og x P) = A (og x K) * B (K x P),
 * with A the group's weights, K = c/groups*kh*kw and B the input patches of
 * the P = oh*ow output pixels (the im2col matrix). im2col + BLAS writes B
 * out whole and BLAS then copies both operands once more into its own
 * panel layout; that copying took about a quarter of the CPU time of a
 * CycleGAN step. Here:
 *   - A is packed once per call, in panels of 8 output channels: for each
 *     k, the panel's 8 weights side by side (zeros below the last channel:
 *     a 3-channel output computes 8 rows and stores 3, still far faster
 *     than BLAS on a 3-row product);
 *   - B is packed one panel of 32 output pixels at a time, straight from x
 *     (zeros where the kernel hangs over the padding): for each k, the 32
 *     inputs side by side. The panel lives in its thread's scratch and
 *     stays in cache while every A panel passes over it;
 *   - the microkernel holds an 8 x 32 tile of y in 16 zmm registers and
 *     adds one rank-1 update per k: two loads of B, eight broadcasts of A,
 *     sixteen FMAs. K is walked in blocks of KC so that the B block being
 *     multiplied stays in L1.
 * Threads take B panels, so each packs only what it multiplies. */
#include "core/cpu/conv_packed.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/real.h"

#define MR 8   /* output channels per A panel */
#define NR 32  /* output pixels per B panel: two zmm vectors */
#define KC 256 /* k per block: a 32 KiB B block fits L1 */
/* Partial sums of dw that stay in L1 while a channel block passes over every panel. */
#define L1_ACC_BYTES ((size_t)24 << 10)
/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PARALLEL_MIN_MACS (1L << 18)

#if !REAL_IS_DOUBLE && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PACKED_BUILT 1
#include <immintrin.h>
#else
#define PACKED_BUILT 0
#endif

#define CACHE_LINE 64

static int group_k(const conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

bool conv_packed_enabled(void) {
    static int enabled = -1;
    if (enabled < 0) {
        const char *choice = getenv("GANC_CPU_CONV");
        bool cpu_ok = false;
#if PACKED_BUILT
        cpu_ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
        enabled = cpu_ok && !(choice && strcmp(choice, "blas") == 0);
    }
    return enabled;
}

size_t conv_packed_workspace_bytes(const conv_geom *g, int threads) {
    size_t a_rows = (size_t)g->groups * ((g->o / g->groups + MR - 1) / MR) * MR;
    size_t a = a_rows * group_k(g), b = (size_t)threads * group_k(g) * NR;
    return (a + b) * sizeof(real) + 2 * CACHE_LINE;
}

#if PACKED_BUILT

/* The panels start on cache lines, so no 64-byte load of the microkernel straddles two. */
static float *align_up(void *p) { return (float *)(((uintptr_t)p + CACHE_LINE - 1) & ~(uintptr_t)(CACHE_LINE - 1)); }

/* A panel `panel` of group gi: ap[k*MR + r] = A[panel*MR + r][k], written
 * in order, each k's MR weights by one gather; rows past the group's last
 * output channel are 0. Flipped, A[m][ci*khw + tap] = w[gi*cg + ci][m][khw-1-tap]. */
__attribute__((target("avx512f,avx512vl"))) static void pack_a(const conv_geom *g, const float *w, bool flipped, int gi,
                                                     int panel, float *ap) {
    int k_all = group_k(g), khw = g->kh * g->kw, cg = g->c / g->groups, og = g->o / g->groups, m0 = panel * MR;
    int rows = og - m0 < MR ? og - m0 : MR;
    __mmask8 live = (__mmask8)((1u << rows) - 1);
    const __m256i row = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    if (!flipped) {
        const float *w_panel = w + ((long)gi * og + m0) * k_all;
        __m256i stride = _mm256_mullo_epi32(row, _mm256_set1_epi32(k_all));
        for (int k = 0; k < k_all; k++)
            _mm256_storeu_ps(ap + (long)k * MR,
                             _mm256_mmask_i32gather_ps(_mm256_setzero_ps(), live, stride, w_panel + k, 4));
        return;
    }
    __m256i stride = _mm256_mullo_epi32(row, _mm256_set1_epi32(khw));
    for (int ci = 0; ci < cg; ci++) {
        const float *w_in = w + (((long)gi * cg + ci) * og + m0) * khw; /* w[gi*cg + ci][m0][0] */
        float *d = ap + (long)ci * khw * MR;
        for (int tap = 0; tap < khw; tap++)
            _mm256_storeu_ps(d + (long)tap * MR, _mm256_mmask_i32gather_ps(_mm256_setzero_ps(), live, stride,
                                                                           w_in + khw - 1 - tap, 4));
    }
}

/* Output pixels [p0, p0+NR) of one image and group, cut at row ends. */
typedef struct {
    int oy, ox0, len, at; /* row, first column, count, offset in the panel */
} row_run;

static int panel_runs(const conv_geom *g, int p0, row_run *runs) {
    int p_end = p0 + NR < g->oh * g->ow ? p0 + NR : g->oh * g->ow, n = 0;
    for (int p = p0; p < p_end; n++) {
        int oy = p / g->ow, ox = p % g->ow, len = g->ow - ox < p_end - p ? g->ow - ox : p_end - p;
        runs[n] = (row_run){oy, ox, len, p - p0};
        p += len;
    }
    return n;
}

/* The panel positions of a run whose input column lies inside the image,
 * as a bit mask, for tap column offset off_x (input column = ox*stride + off_x). */
static uint32_t valid_positions(const conv_geom *g, const row_run *run, int off_x) {
    int s = g->stride_w, lo = off_x >= 0 ? 0 : (-off_x + s - 1) / s;
    int hi = g->w - 1 - off_x < 0 ? 0 : (g->w - 1 - off_x) / s + 1;
    if (lo < run->ox0) lo = run->ox0;
    if (hi > run->ox0 + run->len) hi = run->ox0 + run->len;
    if (lo >= hi) return 0;
    int q0 = run->at + lo - run->ox0, q1 = run->at + hi - run->ox0;
    return (uint32_t)(((1ull << q1) - 1) & ~((1ull << q0) - 1));
}

/* What loading B's rows for one panel needs, worked out once per panel
 * (runs, rows) and once per tap column j (keep). */
typedef struct {
    int n_runs;
    row_run runs[NR + 1];
    int first_row[NR + 1];  /* input row under tap row 0 */
    long first_col[NR + 1]; /* input column of panel position 0 under tap column 0, as the run sees it */
    uint32_t keep[NR + 1];  /* positions inside the image, for the current j */
} panel_rows;

static void panel_rows_init(const conv_geom *g, int p0, panel_rows *pr) {
    pr->n_runs = panel_runs(g, p0, pr->runs);
    for (int r = 0; r < pr->n_runs; r++) {
        pr->first_row[r] = pr->runs[r].oy * g->stride_h - g->pad_h;
        pr->first_col[r] = (long)(pr->runs[r].ox0 - pr->runs[r].at) * g->stride_w;
    }
}

static void panel_rows_set_column(const conv_geom *g, panel_rows *pr, int off_x) {
    for (int r = 0; r < pr->n_runs; r++) pr->keep[r] = valid_positions(g, &pr->runs[r], off_x);
}

/* B's row for tap (c, i, current j) over the panel's 32 positions, in two
 * registers, 0 outside the image and past its last pixel: per row run, a
 * masked load (stride 1) or a masked gather, whose masked-off lanes read
 * nothing. x_c is channel c's plane shifted by the tap column's offset. */
__attribute__((target("avx512f,avx512vl"), always_inline)) static inline void load_b_row(const conv_geom *g,
                                                                               const panel_rows *pr,
                                                                               const float *x_c, int i,
                                                                               __m512 *lo_out, __m512 *hi_out) {
    const __m512i step_lo =
        _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                           _mm512_set1_epi32(g->stride_w));
    __m512 lo = _mm512_setzero_ps(), hi = lo;
    for (int r = 0; r < pr->n_runs; r++) {
        int iy = pr->first_row[r] + i * g->dilation_h;
        if (iy < 0 || iy >= g->h || !pr->keep[r]) continue;
        /* Panel position q reads src[q*stride]. */
        const float *src = x_c + (long)iy * g->w + pr->first_col[r];
        if (g->stride_w == 1) {
            lo = _mm512_mask_loadu_ps(lo, (__mmask16)pr->keep[r], src);
            hi = _mm512_mask_loadu_ps(hi, (__mmask16)(pr->keep[r] >> 16), src + 16);
        } else {
            lo = _mm512_mask_i32gather_ps(lo, (__mmask16)pr->keep[r], step_lo, src, 4);
            hi = _mm512_mask_i32gather_ps(hi, (__mmask16)(pr->keep[r] >> 16), step_lo, src + 16 * g->stride_w, 4);
        }
    }
    *lo_out = lo;
    *hi_out = hi;
}

/* bp[k*NR + q] = B[k][p0 + q] from x (c/groups, h, w) of one image and
 * group. The loops run tap column j outermost, so that the positions each
 * run keeps are worked out once per j rather than once per k. */
__attribute__((target("avx512f,avx512vl"))) static void pack_b(const conv_geom *g, const float *x, int p0, float *bp) {
    panel_rows pr;
    panel_rows_init(g, p0, &pr);
    long plane = (long)g->h * g->w;
    for (int j = 0; j < g->kw; j++) {
        int off_x = j * g->dilation_w - g->pad_w;
        panel_rows_set_column(g, &pr, off_x);
        for (int c = 0; c < g->c / g->groups; c++)
            for (int i = 0; i < g->kh; i++) {
                __m512 lo, hi;
                load_b_row(g, &pr, x + c * plane + off_x, i, &lo, &hi);
                float *d = bp + ((long)(c * g->kh + i) * g->kw + j) * NR;
                _mm512_storeu_ps(d, lo);
                _mm512_storeu_ps(d + 16, hi);
            }
    }
}

/* One rank-1 update of the 8 x 32 tile held in lo0..lo7, hi0..hi7: row r
 * gets a[r] times the 32 values in b_lo, b_hi. */
#define RANK1(a, r)                                         \
    do {                                                    \
        __m512 a_r = _mm512_set1_ps((a)[r]);                \
        lo##r = _mm512_fmadd_ps(a_r, b_lo, lo##r);          \
        hi##r = _mm512_fmadd_ps(a_r, b_hi, hi##r);          \
    } while (0)

/* y[r][q] (+)= tile[r][q] for r < rows and q < cols; row r of y at y + r*ldy. */
__attribute__((target("avx512f,avx512vl"), always_inline)) static inline void store_tile(float *y, long ldy, int rows, int cols,
                                                                               bool accumulate, __m512 lo[MR],
                                                                               __m512 hi[MR]) {
    __mmask16 m_lo = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m_hi = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
    for (int r = 0; r < rows; r++, y += ldy) {
        if (accumulate) {
            lo[r] = _mm512_add_ps(lo[r], _mm512_maskz_loadu_ps(m_lo, y));
            hi[r] = _mm512_add_ps(hi[r], _mm512_maskz_loadu_ps(m_hi, y + 16));
        }
        _mm512_mask_storeu_ps(y, m_lo, lo[r]);
        _mm512_mask_storeu_ps(y + 16, m_hi, hi[r]);
    }
}

/* y[r][q] (+)= sum_k ap[k*MR + r] * bp[k*NR + q] for r < rows and q < cols; row r of y at y + r*ldy. */
__attribute__((target("avx512f,avx512vl"))) static void kernel_8x32(int kc, const float *ap, const float *bp, float *y,
                                                          long ldy, int rows, int cols, bool accumulate) {
    __m512 lo0 = _mm512_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0, lo6 = lo0, lo7 = lo0;
    __m512 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0, hi6 = lo0, hi7 = lo0;
    for (int k = 0; k < kc; k++, ap += MR, bp += NR) {
        __m512 b_lo = _mm512_loadu_ps(bp), b_hi = _mm512_loadu_ps(bp + 16);
        RANK1(ap, 0);
        RANK1(ap, 1);
        RANK1(ap, 2);
        RANK1(ap, 3);
        RANK1(ap, 4);
        RANK1(ap, 5);
        RANK1(ap, 6);
        RANK1(ap, 7);
    }
    store_tile(y, ldy, rows, cols, accumulate, (__m512[MR]){lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7},
               (__m512[MR]){hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7});
}

/* y[r][p0 + q] (+)= sum_k A[r][k] B[k][p0 + q] for a group of at most MR
 * output channels: each B value would be used by only one A panel, so it
 * goes from its masked load straight into the FMAs, without a B panel. */
__attribute__((target("avx512f,avx512vl"))) static void panel_direct(const conv_geom *g, const float *x, int p0,
                                                           const float *ap, float *y, long ldy, int rows, int cols,
                                                           bool accumulate) {
    panel_rows pr;
    panel_rows_init(g, p0, &pr);
    long plane = (long)g->h * g->w;
    __m512 lo0 = _mm512_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0, lo6 = lo0, lo7 = lo0;
    __m512 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0, hi6 = lo0, hi7 = lo0;
    for (int j = 0; j < g->kw; j++) {
        int off_x = j * g->dilation_w - g->pad_w;
        panel_rows_set_column(g, &pr, off_x);
        for (int c = 0; c < g->c / g->groups; c++)
            for (int i = 0; i < g->kh; i++) {
                __m512 b_lo, b_hi;
                load_b_row(g, &pr, x + c * plane + off_x, i, &b_lo, &b_hi);
                const float *a_k = ap + ((long)(c * g->kh + i) * g->kw + j) * MR;
                RANK1(a_k, 0);
                RANK1(a_k, 1);
                RANK1(a_k, 2);
                RANK1(a_k, 3);
                RANK1(a_k, 4);
                RANK1(a_k, 5);
                RANK1(a_k, 6);
                RANK1(a_k, 7);
            }
    }
    store_tile(y, ldy, rows, cols, accumulate, (__m512[MR]){lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7},
               (__m512[MR]){hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7});
}

/* One B panel of one image and group, multiplied by every A panel of the group (or, with a single A panel, that
 * panel multiplied by B as it loads). */
static void panel_task(const conv_geom *g, const real *x, const real *a_packed, bool accumulate, real *y, long task,
                       real *bp) {
    int P = g->oh * g->ow, n_panels = (P + NR - 1) / NR, og = g->o / g->groups, k_all = group_k(g);
    int panel = (int)(task % n_panels), gi = (int)(task / n_panels % g->groups), n = (int)(task / n_panels / g->groups);
    int p0 = panel * NR, cols = P - p0 < NR ? P - p0 : NR;
    const real *x_group = x + ((long)n * g->c + (long)gi * (g->c / g->groups)) * g->h * g->w;
    real *y_group = y + ((long)n * g->o + (long)gi * og) * P + p0;
    const real *a_group = a_packed + (long)gi * ((og + MR - 1) / MR) * MR * k_all;
    if (og <= MR) {
        panel_direct(g, x_group, p0, a_group, y_group, P, og, cols, accumulate);
        return;
    }
    pack_b(g, x_group, p0, bp);
    for (int k0 = 0; k0 < k_all; k0 += KC) {
        int kc = k_all - k0 < KC ? k_all - k0 : KC;
        for (int m = 0; m < og; m += MR)
            kernel_8x32(kc, a_group + (long)m * k_all + (long)k0 * MR, bp + (long)k0 * NR, y_group + (long)m * P, P,
                        og - m < MR ? og - m : MR, cols, accumulate || k0 > 0);
    }
}

void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    int og = g->o / g->groups, k_all = group_k(g), a_panels = (og + MR - 1) / MR, P = g->oh * g->ow;
    real *a_packed = align_up(ws), *b_panels = align_up(a_packed + (size_t)g->groups * a_panels * MR * k_all);
    double macs = (double)g->n * g->o * P * k_all;
    bool parallel = omp_get_max_threads() > 1 && macs >= PARALLEL_MIN_MACS;
    long a_tasks = (long)g->groups * a_panels;
#pragma omp parallel for if (parallel && a_tasks > 1)
    for (long t = 0; t < a_tasks; t++)
        pack_a(g, w, flipped_w, (int)(t / a_panels), (int)(t % a_panels), a_packed + t * MR * k_all);
    long tasks = (long)g->n * g->groups * ((P + NR - 1) / NR);
#pragma omp parallel for schedule(dynamic) if (parallel)
    for (long t = 0; t < tasks; t++)
        panel_task(g, x, a_packed, accumulate, y, t, b_panels + (size_t)omp_get_thread_num() * k_all * NR);
}

/* dw (+)= the weight gradient of one group when it has at most MR output
 * channels: im2col + BLAS would run a product only og rows tall, bound by
 * memory, for the whole im2col matrix. Here each thread owns a range of
 * input channels, so a range of k. For every 32-pixel panel it holds dy's
 * og rows in registers and adds, per k, dy * B[k] into a 16-lane partial
 * sum of dw[o][k] (acc); the lanes are summed at the end. The channels go
 * in blocks whose partial sums fit L1, each block over all panels. */
__attribute__((target("avx512f,avx512vl"))) static void backward_weight_channels(const conv_geom *g, const float *x,
                                                                       const float *dy, int c0, int c1,
                                                                       float *acc) {
    int og = g->o / g->groups, P = g->oh * g->ow, khw = g->kh * g->kw;
    long plane = (long)g->h * g->w, o_stride = (long)(g->c / g->groups) * khw * 16;
    int block = (int)(L1_ACC_BYTES / ((size_t)og * khw * 16 * sizeof(float)));
    if (block < 1) block = 1;
    for (int cb0 = c0; cb0 < c1; cb0 += block) {
        int cb1 = cb0 + block < c1 ? cb0 + block : c1;
        for (int p0 = 0; p0 < P; p0 += NR) {
            int cols = P - p0 < NR ? P - p0 : NR;
            __mmask16 m_lo = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
            __mmask16 m_hi = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
            __m512 d_lo[MR], d_hi[MR];
            for (int o = 0; o < og; o++) {
                d_lo[o] = _mm512_maskz_loadu_ps(m_lo, dy + (long)o * P + p0);
                d_hi[o] = _mm512_maskz_loadu_ps(m_hi, dy + (long)o * P + p0 + 16);
            }
            panel_rows pr;
            panel_rows_init(g, p0, &pr);
            for (int j = 0; j < g->kw; j++) {
                int off_x = j * g->dilation_w - g->pad_w;
                panel_rows_set_column(g, &pr, off_x);
                for (int c = cb0; c < cb1; c++)
                    for (int i = 0; i < g->kh; i++) {
                        __m512 b_lo, b_hi;
                        load_b_row(g, &pr, x + c * plane + off_x, i, &b_lo, &b_hi);
                        float *a = acc + ((long)c * khw + i * g->kw + j) * 16;
                        for (int o = 0; o < og; o++, a += o_stride) {
                            __m512 sum = _mm512_fmadd_ps(d_lo[o], b_lo, _mm512_loadu_ps(a));
                            _mm512_storeu_ps(a, _mm512_fmadd_ps(d_hi[o], b_hi, sum));
                        }
                    }
            }
        }
    }
}

/* dw (+)= the direct loop's partial sums, for groups of at most MR output channels. */
static void backward_weight_small(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                  float *acc, int threads) {
    int og = g->o / g->groups, cg = g->c / g->groups, k_all = group_k(g), P = g->oh * g->ow;
    for (int gi = 0; gi < g->groups; gi++) {
        memset(acc, 0, (size_t)og * k_all * 16 * sizeof *acc);
#pragma omp parallel for num_threads(threads)
        for (int t = 0; t < threads; t++) {
            int c0 = (int)((long)cg * t / threads), c1 = (int)((long)cg * (t + 1) / threads);
            for (int n = 0; n < g->n; n++)
                backward_weight_channels(g, x + ((long)n * g->c + (long)gi * cg) * g->h * g->w,
                                         dy + ((long)n * g->o + (long)gi * og) * P, c0, c1, acc);
        }
        real *dw_group = dw + (long)gi * og * k_all;
        for (long e = 0; e < (long)og * k_all; e++) {
            const float *lanes = acc + e * 16;
            double sum = 0;
            for (int l = 0; l < 16; l++) sum += lanes[l];
            dw_group[e] = (real)(accumulate ? dw_group[e] + sum : sum);
        }
    }
}

/* Pixels per block of the transposed B panel: 32 KiB, in L1 while the A panels pass. */
#define PB 256

/* The 32 k of the k panel at k0, as the gathers of pack_bt need them: the
 * input offset of each k from a pixel's top-left input, its tap row and
 * column offsets (for the padding test), and the k that exist. */
typedef struct {
    __m512i offset[2], tap_row[2], tap_col[2];
    __mmask16 live[2];
} k_panel;

__attribute__((target("avx512f,avx512vl"))) static void k_panel_init(const conv_geom *g, int k0, k_panel *kp) {
    int k_all = group_k(g), khw = g->kh * g->kw, offset[NR] = {0}, row[NR] = {0}, col[NR] = {0};
    uint32_t live = 0;
    for (int q = 0; q < NR && k0 + q < k_all; q++) {
        int k = k0 + q, c = k / khw, i = k / g->kw % g->kh, j = k % g->kw;
        row[q] = i * g->dilation_h;
        col[q] = j * g->dilation_w;
        offset[q] = (c * g->h + row[q]) * g->w + col[q];
        live |= 1u << q;
    }
    for (int h = 0; h < 2; h++) {
        kp->offset[h] = _mm512_loadu_si512(offset + 16 * h);
        kp->tap_row[h] = _mm512_loadu_si512(row + 16 * h);
        kp->tap_col[h] = _mm512_loadu_si512(col + 16 * h);
        kp->live[h] = (__mmask16)(live >> (16 * h));
    }
}

/* bp[pp*NR + q] = B[k0 + q][p0 + pp] for pp < count: each pixel's inputs
 * under the panel's k, by two masked gathers; 0 in the padding. */
__attribute__((target("avx512f,avx512vl"))) static void pack_bt(const conv_geom *g, const float *x, const k_panel *kp,
                                                               int p0, int count, float *bp) {
    bool padded = g->pad_h > 0 || g->pad_w > 0;
    const __m512i zero = _mm512_setzero_si512(), h_lim = _mm512_set1_epi32(g->h), w_lim = _mm512_set1_epi32(g->w);
    int oy = p0 / g->ow, ox = p0 % g->ow;
    for (int pp = 0; pp < count; pp++, bp += NR) {
        int iy = oy * g->stride_h - g->pad_h, ix = ox * g->stride_w - g->pad_w;
        const float *corner = x + (long)iy * g->w + ix;
        for (int h = 0; h < 2; h++) {
            __mmask16 m = kp->live[h];
            if (padded) {
                __m512i r = _mm512_add_epi32(kp->tap_row[h], _mm512_set1_epi32(iy));
                __m512i c = _mm512_add_epi32(kp->tap_col[h], _mm512_set1_epi32(ix));
                m = _mm512_mask_cmpge_epi32_mask(m, r, zero);
                m = _mm512_mask_cmplt_epi32_mask(m, r, h_lim);
                m = _mm512_mask_cmpge_epi32_mask(m, c, zero);
                m = _mm512_mask_cmplt_epi32_mask(m, c, w_lim);
            }
            _mm512_storeu_ps(bp + 16 * h, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, kp->offset[h], corner, 4));
        }
        if (++ox == g->ow) ox = 0, oy++;
    }
}

/* A' panel of 8 output channels, dy transposed over pixels [p0, p0+count):
 * at[(p-p0)*MR + r] = dy[o0 + r][p], 0 past the group's last channel. */
__attribute__((target("avx512f,avx512vl"))) static void pack_dy_t(const conv_geom *g, const float *dy, int o0, int p0,
                                                                 int count, float *at) {
    int og = g->o / g->groups, P = g->oh * g->ow, rows = og - o0 < MR ? og - o0 : MR;
    __mmask8 live = (__mmask8)((1u << rows) - 1);
    __m256i stride = _mm256_mullo_epi32(_mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0), _mm256_set1_epi32(P));
    const float *rows0 = dy + (long)o0 * P + p0;
    for (int p = 0; p < count; p++)
        _mm256_storeu_ps(at + (long)p * MR, _mm256_mmask_i32gather_ps(_mm256_setzero_ps(), live, stride, rows0 + p, 4));
}

/* Pixels of dy transposed at a time: at most 2 MiB of A' panels, so the
 * workspace does not grow with the image. */
static int chunk_pixels(const conv_geom *g) {
    size_t rows = (size_t)(g->o / g->groups + MR - 1) / MR * MR, fit = ((size_t)2 << 20) / (rows * sizeof(float));
    size_t chunk = fit / PB * PB;
    return chunk < PB ? PB : (int)chunk;
}

/* dw (+)= dy B^T through the microkernel, for groups of more than MR
 * output channels: tile rows are 8 output channels, tile columns 32
 * consecutive k, and the sum runs over the pixels in blocks of PB. Each
 * thread owns k panels, so no two write the same dw. */
static void backward_weight_packed(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                   void *ws, int threads) {
    int og = g->o / g->groups, cg = g->c / g->groups, k_all = group_k(g), P = g->oh * g->ow;
    int o_panels = (og + MR - 1) / MR, k_panels = (k_all + NR - 1) / NR, chunk = chunk_pixels(g);
    float *at = align_up(ws), *bt = align_up(at + (size_t)o_panels * MR * chunk);
    for (int gi = 0; gi < g->groups; gi++)
        for (int n = 0; n < g->n; n++)
            for (int c0 = 0; c0 < P; c0 += chunk) {
                int c_len = P - c0 < chunk ? P - c0 : chunk;
                const real *x_group = x + ((long)n * g->c + (long)gi * cg) * g->h * g->w;
                const real *dy_group = dy + ((long)n * g->o + (long)gi * og) * P;
                real *dw_group = dw + (long)gi * og * k_all;
                bool add = accumulate || n > 0 || c0 > 0;
#pragma omp parallel for num_threads(threads)
                for (int m = 0; m < o_panels; m++)
                    pack_dy_t(g, dy_group, m * MR, c0, c_len, at + (long)m * MR * c_len);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
                for (int kpi = 0; kpi < k_panels; kpi++) {
                    int k0 = kpi * NR, cols = k_all - k0 < NR ? k_all - k0 : NR;
                    float *bp = bt + (size_t)omp_get_thread_num() * PB * NR;
                    k_panel kp;
                    k_panel_init(g, k0, &kp);
                    for (int p0 = 0; p0 < c_len; p0 += PB) {
                        int count = c_len - p0 < PB ? c_len - p0 : PB;
                        pack_bt(g, x_group, &kp, c0 + p0, count, bp);
                        for (int m = 0; m < o_panels; m++)
                            kernel_8x32(count, at + ((long)m * c_len + p0) * MR, bp,
                                        dw_group + (long)m * MR * k_all + k0, k_all,
                                        og - m * MR < MR ? og - m * MR : MR, cols, add || p0 > 0);
                    }
                }
            }
}

void conv_packed_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                 void *ws) {
    double macs = (double)g->n * g->o * g->oh * g->ow * group_k(g);
    int threads = omp_get_max_threads() > 1 && macs >= PARALLEL_MIN_MACS ? omp_get_max_threads() : 1;
    if (g->o / g->groups <= MR)
        backward_weight_small(g, x, dy, accumulate, dw, ws, threads);
    else
        backward_weight_packed(g, x, dy, accumulate, dw, ws, threads);
}

size_t conv_packed_backward_weight_workspace_bytes(const conv_geom *g, int threads) {
    int og = g->o / g->groups;
    if (og <= MR) return (size_t)og * group_k(g) * 16 * sizeof(real);
    size_t at = (size_t)(og + MR - 1) / MR * MR * chunk_pixels(g), bt = (size_t)threads * PB * NR;
    return (at + bt) * sizeof(real) + 2 * CACHE_LINE;
}

#else

/* Never called: conv_packed_enabled is false in this build. */
void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    (void)g, (void)x, (void)w, (void)flipped_w, (void)accumulate, (void)y, (void)ws;
}

bool conv_packed_backward_weight_usable(const conv_geom *g) {
    (void)g;
    return false;
}

void conv_packed_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                 void *ws) {
    (void)g, (void)x, (void)dy, (void)accumulate, (void)dw, (void)ws;
}

size_t conv_packed_backward_weight_workspace_bytes(const conv_geom *g, int threads) {
    (void)g, (void)threads;
    return 0;
}

#endif
