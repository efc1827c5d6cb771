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
#include <stdlib.h>
#include <string.h>

#include "core/cpu/conv_packed_kernel.h"

#define KC 256 /* k per block: a 32 KiB B block fits L1 */

const char *conv_packed_bad_choice(void) {
    const char *choice = getenv("GANC_CPU_CONV");
    bool known = !choice || !*choice || strcmp(choice, "blas") == 0 || strcmp(choice, "packed") == 0;
    return known ? NULL : choice;
}

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

/* pack_b for the common panel: 32 pixels of one output row, stride 1. The
 * general loop over row runs costs as much as the loads here, and this
 * packing runs once per 32 pixels for every k. */
__attribute__((target("avx512f,avx512vl"))) static void pack_b_one_run(const conv_geom *g, const float *x,
                                                                      panel_rows *pr, float *bp) {
    long plane = (long)g->h * g->w;
    for (int j = 0; j < g->kw; j++) {
        int off_x = j * g->dilation_w - g->pad_w;
        panel_rows_set_column(g, pr, off_x);
        __mmask16 m_lo = (__mmask16)pr->keep[0], m_hi = (__mmask16)(pr->keep[0] >> 16);
        for (int c = 0; c < g->c / g->groups; c++) {
            const float *src = x + c * plane + off_x + pr->first_col[0];
            for (int i = 0; i < g->kh; i++) {
                int iy = pr->first_row[0] + i * g->dilation_h;
                bool inside = iy >= 0 && iy < g->h;
                const float *row = src + (long)iy * g->w;
                float *d = bp + ((long)(c * g->kh + i) * g->kw + j) * NR;
                _mm512_storeu_ps(d, inside ? _mm512_maskz_loadu_ps(m_lo, row) : _mm512_setzero_ps());
                _mm512_storeu_ps(d + 16, inside ? _mm512_maskz_loadu_ps(m_hi, row + 16) : _mm512_setzero_ps());
            }
        }
    }
}

/* bp[k*NR + q] = B[k][p0 + q] from x (c/groups, h, w) of one image and
 * group. The loops run tap column j outermost, so that the positions each
 * run keeps are worked out once per j rather than once per k. */
__attribute__((target("avx512f,avx512vl"))) static void pack_b(const conv_geom *g, const float *x, int p0, float *bp) {
    panel_rows pr;
    panel_rows_init(g, p0, &pr);
    long plane = (long)g->h * g->w;
    if (pr.n_runs == 1 && g->stride_w == 1) {
        pack_b_one_run(g, x, &pr, bp);
        return;
    }
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

void conv_packed_multiply(const conv_geom *g, const float *x, const float *a_packed, bool accumulate, float *y,
                          float *b_panels) {
    int P = g->oh * g->ow;
    bool parallel = omp_get_max_threads() > 1 && (double)g->n * g->o * P * group_k(g) >= PARALLEL_MIN_MACS;
    long tasks = (long)g->n * g->groups * ((P + NR - 1) / NR);
#pragma omp parallel for schedule(dynamic) if (parallel)
    for (long t = 0; t < tasks; t++)
        panel_task(g, x, a_packed, accumulate, y, t, b_panels + (size_t)omp_get_thread_num() * group_k(g) * NR);
}

void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    int og = g->o / g->groups, k_all = group_k(g), a_panels = (og + MR - 1) / MR;
    real *a_packed = align_up(ws), *b_panels = align_up(a_packed + (size_t)g->groups * a_panels * MR * k_all);
    long a_tasks = (long)g->groups * a_panels;
    bool parallel = omp_get_max_threads() > 1 && (double)g->n * g->o * g->oh * g->ow * k_all >= PARALLEL_MIN_MACS;
#pragma omp parallel for if (parallel && a_tasks > 1)
    for (long t = 0; t < a_tasks; t++)
        pack_a(g, w, flipped_w, (int)(t / a_panels), (int)(t % a_panels), a_packed + t * MR * k_all);
    conv_packed_multiply(g, x, a_packed, accumulate, y, b_panels);
}

#else

/* Never called: conv_packed_enabled is false in this build. */
void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws) {
    (void)g, (void)x, (void)w, (void)flipped_w, (void)accumulate, (void)y, (void)ws;
}

#endif
