/* Forward convolution as a packed GEMM on AVX-512. For one image and group,
 *   y (og x P) = A (og x K) * B (K x P),
 * with A the group's weights, K = c/groups*kh*kw and B the input patches of
 * the P = oh*ow output pixels (the im2col matrix). im2col + BLAS writes B
 * out whole and BLAS then copies both operands once more into its own
 * panel layout; that copying took about a quarter of the CPU time of a
 * CycleGAN step. Here:
 *   - A is packed once per call, in panels of 8 output channels: for each
 *     k, the panel's 8 weights side by side;
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
/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PARALLEL_MIN_MACS (1L << 18)

#if !REAL_IS_DOUBLE && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PACKED_BUILT 1
#include <immintrin.h>
#else
#define PACKED_BUILT 0
#endif

static int group_k(const conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

static bool packed_enabled(void) {
    static int enabled = -1;
    if (enabled < 0) {
        const char *choice = getenv("GANC_CPU_CONV");
        bool cpu_ok = false;
#if PACKED_BUILT
        cpu_ok = __builtin_cpu_supports("avx512f");
#endif
        enabled = cpu_ok && !(choice && strcmp(choice, "blas") == 0);
    }
    return enabled;
}

bool conv_packed_usable(const conv_geom *g) { return (g->o / g->groups) % MR == 0 && packed_enabled(); }

size_t conv_packed_workspace_bytes(const conv_geom *g, int threads) {
    size_t a = (size_t)g->o * group_k(g), b = (size_t)threads * group_k(g) * NR;
    return (a + b) * sizeof(real);
}

#if PACKED_BUILT

/* A panel `panel` of group gi: ap[k*MR + r] = A[panel*MR + r][k], the rows
 * read as MR streams. Flipped, A[m][ci*khw + tap] = w[gi*cg + ci][m][khw-1-tap]. */
static void pack_a(const conv_geom *g, const real *w, bool flipped, int gi, int panel, real *ap) {
    int k_all = group_k(g), khw = g->kh * g->kw, cg = g->c / g->groups, og = g->o / g->groups, m0 = panel * MR;
    for (int r = 0; r < MR; r++) {
        if (!flipped) {
            const real *row = w + ((long)gi * og + m0 + r) * k_all;
            for (int k = 0; k < k_all; k++) ap[(long)k * MR + r] = row[k];
            continue;
        }
        for (int ci = 0; ci < cg; ci++) {
            const real *taps = w + (((long)gi * cg + ci) * og + m0 + r) * khw;
            real *d = ap + (long)ci * khw * MR + r;
            for (int tap = 0; tap < khw; tap++) d[(long)tap * MR] = taps[khw - 1 - tap];
        }
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

/* The panel positions [*q0, *q1) of a run whose input column lies inside
 * the image for tap column offset off_x (input column = ox*stride + off_x). */
static void valid_positions(const conv_geom *g, const row_run *run, int off_x, int *q0, int *q1) {
    int s = g->stride_w, lo = off_x >= 0 ? 0 : (-off_x + s - 1) / s;
    int hi = g->w - 1 - off_x < 0 ? 0 : (g->w - 1 - off_x) / s + 1;
    if (lo < run->ox0) lo = run->ox0;
    if (hi > run->ox0 + run->len) hi = run->ox0 + run->len;
    if (lo > hi) lo = hi;
    *q0 = run->at + lo - run->ox0;
    *q1 = run->at + hi - run->ox0;
}

/* bp[k*NR + q] = B[k][p0 + q] from x (c/groups, h, w) of one image and group,
 * 0 outside the image and past its last pixel. Each k's 32 values are put
 * together in two registers: per row run, a masked load (stride 1) or a
 * masked gather, whose masked-off lanes read nothing. */
__attribute__((target("avx512f"))) static void pack_b(const conv_geom *g, const float *x, int p0, float *bp) {
    row_run runs[NR + 1];
    int n_runs = panel_runs(g, p0, runs);
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i step_lo = _mm512_mullo_epi32(lane, _mm512_set1_epi32(g->stride_w));
    const __m512i step_hi = _mm512_add_epi32(step_lo, _mm512_set1_epi32(16 * g->stride_w));
    float *d = bp;
    for (int c = 0; c < g->c / g->groups; c++) {
        const float *plane = x + (long)c * g->h * g->w;
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++, d += NR) {
                int off_x = j * g->dilation_w - g->pad_w;
                __m512 lo = _mm512_setzero_ps(), hi = lo;
                for (int r = 0; r < n_runs; r++) {
                    int iy = runs[r].oy * g->stride_h - g->pad_h + i * g->dilation_h, q0, q1;
                    if (iy < 0 || iy >= g->h) continue;
                    valid_positions(g, &runs[r], off_x, &q0, &q1);
                    if (q0 == q1) continue;
                    uint32_t mask = (uint32_t)(((1ull << q1) - 1) & ~((1ull << q0) - 1));
                    /* Panel position q reads input column base + q*stride. */
                    long base = (long)iy * g->w + (long)(runs[r].ox0 - runs[r].at) * g->stride_w + off_x;
                    if (g->stride_w == 1) {
                        lo = _mm512_mask_loadu_ps(lo, (__mmask16)mask, plane + base);
                        hi = _mm512_mask_loadu_ps(hi, (__mmask16)(mask >> 16), plane + base + 16);
                    } else {
                        lo = _mm512_mask_i32gather_ps(lo, (__mmask16)mask, step_lo, plane + base, 4);
                        hi = _mm512_mask_i32gather_ps(hi, (__mmask16)(mask >> 16), step_hi, plane + base, 4);
                    }
                }
                _mm512_storeu_ps(d, lo);
                _mm512_storeu_ps(d + 16, hi);
            }
    }
}

/* y[r][q] (+)= sum_k ap[k*MR + r] * bp[k*NR + q] for r < MR and q < cols; row r of y at y + r*ldy. */
__attribute__((target("avx512f"))) static void kernel_8x32(int kc, const float *ap, const float *bp, float *y,
                                                          long ldy, int cols, bool accumulate) {
    __m512 lo0 = _mm512_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0, lo6 = lo0, lo7 = lo0;
    __m512 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0, hi6 = lo0, hi7 = lo0;
    for (int k = 0; k < kc; k++, ap += MR, bp += NR) {
        __m512 b_lo = _mm512_loadu_ps(bp), b_hi = _mm512_loadu_ps(bp + 16);
#define RANK1(r)                                            \
    do {                                                    \
        __m512 a = _mm512_set1_ps(ap[r]);                   \
        lo##r = _mm512_fmadd_ps(a, b_lo, lo##r);            \
        hi##r = _mm512_fmadd_ps(a, b_hi, hi##r);            \
    } while (0)
        RANK1(0);
        RANK1(1);
        RANK1(2);
        RANK1(3);
        RANK1(4);
        RANK1(5);
        RANK1(6);
        RANK1(7);
#undef RANK1
    }
    __mmask16 m_lo = cols >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 m_hi = cols >= 32 ? (__mmask16)0xFFFF : cols <= 16 ? 0 : (__mmask16)((1u << (cols - 16)) - 1);
    __m512 lo[MR] = {lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7}, hi[MR] = {hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7};
    for (int r = 0; r < MR; r++, y += ldy) {
        if (accumulate) {
            lo[r] = _mm512_add_ps(lo[r], _mm512_maskz_loadu_ps(m_lo, y));
            hi[r] = _mm512_add_ps(hi[r], _mm512_maskz_loadu_ps(m_hi, y + 16));
        }
        _mm512_mask_storeu_ps(y, m_lo, lo[r]);
        _mm512_mask_storeu_ps(y + 16, m_hi, hi[r]);
    }
}

/* One B panel of one image and group, multiplied by every A panel of the group. */
static void panel_task(const conv_geom *g, const real *x, const real *a_packed, bool accumulate, real *y, long task,
                       real *bp) {
    int P = g->oh * g->ow, n_panels = (P + NR - 1) / NR, og = g->o / g->groups, k_all = group_k(g);
    int panel = (int)(task % n_panels), gi = (int)(task / n_panels % g->groups), n = (int)(task / n_panels / g->groups);
    int p0 = panel * NR, cols = P - p0 < NR ? P - p0 : NR;
    pack_b(g, x + ((long)n * g->c + (long)gi * (g->c / g->groups)) * g->h * g->w, p0, bp);
    real *y_group = y + ((long)n * g->o + (long)gi * og) * P + p0;
    const real *a_group = a_packed + (long)gi * og * k_all;
    for (int k0 = 0; k0 < k_all; k0 += KC) {
        int kc = k_all - k0 < KC ? k_all - k0 : KC;
        for (int m = 0; m < og; m += MR)
            kernel_8x32(kc, a_group + (long)m * k_all + (long)k0 * MR, bp + (long)k0 * NR, y_group + (long)m * P, P,
                        cols, accumulate || k0 > 0);
    }
}

void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    int og = g->o / g->groups, k_all = group_k(g), a_panels = og / MR, P = g->oh * g->ow;
    real *a_packed = ws, *b_panels = a_packed + (size_t)g->o * k_all;
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

#else

/* Never called: conv_packed_usable is false in this build. */
void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    (void)g, (void)x, (void)w, (void)flipped_w, (void)accumulate, (void)y, (void)ws;
}

#endif
