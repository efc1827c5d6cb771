#ifndef GANC_CPU_CONV_PACKED_KERNEL_H
#define GANC_CPU_CONV_PACKED_KERNEL_H

/* What the packed convolution passes (conv_packed.c: forward,
 * conv_packed_weight.c: backward-weight) share: the 8 x 32 AVX-512
 * microkernel and its tile store, and the loading of 32 output pixels'
 * inputs under one kernel tap from x. Built only where PACKED_BUILT is 1:
 * float32 on x86-64 with GCC or Clang; the code that uses it checks at
 * run time that the CPU has AVX-512 F and VL. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/kernels/conv.h"
#include "core/real.h"

#if !REAL_IS_DOUBLE && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PACKED_BUILT 1
#else
#define PACKED_BUILT 0
#endif

#define MR 8   /* tile rows: output channels per A panel */
#define NR 32  /* tile columns: output pixels (or k) per B panel, two zmm vectors */
#define CACHE_LINE 64
/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PARALLEL_MIN_MACS (1L << 18)

static inline int group_k(const conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

#if PACKED_BUILT
#include <immintrin.h>

/* The panels start on cache lines, so no 64-byte load of the microkernel straddles two. */
static inline float *align_up(void *p) {
    return (float *)(((uintptr_t)p + CACHE_LINE - 1) & ~(uintptr_t)(CACHE_LINE - 1));
}

/* Output pixels [p0, p0+NR) of one image and group, cut at row ends. */
typedef struct {
    int oy, ox0, len, at; /* row, first column, count, offset in the panel */
} row_run;

static inline int panel_runs(const conv_geom *g, int p0, row_run *runs) {
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
static inline uint32_t valid_positions(const conv_geom *g, const row_run *run, int off_x) {
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

static inline void panel_rows_init(const conv_geom *g, int p0, panel_rows *pr) {
    pr->n_runs = panel_runs(g, p0, pr->runs);
    for (int r = 0; r < pr->n_runs; r++) {
        pr->first_row[r] = pr->runs[r].oy * g->stride_h - g->pad_h;
        pr->first_col[r] = (long)(pr->runs[r].ox0 - pr->runs[r].at) * g->stride_w;
    }
}

static inline void panel_rows_set_column(const conv_geom *g, panel_rows *pr, int off_x) {
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

/* One k of the 8 x 32 tile: the 32 values of B's row at b, times A's 8 at a. */
#define RANK1_ROW(a, b)                                                               \
    do {                                                                              \
        __m512 b_lo = _mm512_loadu_ps(b), b_hi = _mm512_loadu_ps((b) + 16);           \
        RANK1(a, 0);                                                                  \
        RANK1(a, 1);                                                                  \
        RANK1(a, 2);                                                                  \
        RANK1(a, 3);                                                                  \
        RANK1(a, 4);                                                                  \
        RANK1(a, 5);                                                                  \
        RANK1(a, 6);                                                                  \
        RANK1(a, 7);                                                                  \
    } while (0)

/* y[r][q] (+)= sum_k ap[k*MR + r] * bp[k*NR + q] for r < rows and q < cols;
 * row r of y at y + r*ldy. Two k per loop trip: alone, the kernel ran about
 * 12% faster so (105 against 95 GFLOP/s on one core, data in L1). */
__attribute__((target("avx512f,avx512vl"))) static inline void kernel_8x32(int kc, const float *ap, const float *bp, float *y,
                                                          long ldy, int rows, int cols, bool accumulate) {
    __m512 lo0 = _mm512_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0, lo6 = lo0, lo7 = lo0;
    __m512 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0, hi6 = lo0, hi7 = lo0;
    int k = 0;
    for (; k + 2 <= kc; k += 2, ap += 2 * MR, bp += 2 * NR) {
        RANK1_ROW(ap, bp);
        RANK1_ROW(ap + MR, bp + NR);
    }
    if (k < kc) RANK1_ROW(ap, bp);
    store_tile(y, ldy, rows, cols, accumulate, (__m512[MR]){lo0, lo1, lo2, lo3, lo4, lo5, lo6, lo7},
               (__m512[MR]){hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7});
}

/* y (+)= conv(x) with the weights already packed as conv_packed.c packs
 * them (groups x ceil(og/MR) panels of k_all x MR), b_panels the threads'
 * B panels (omp_get_max_threads() x k_all x NR floats, on a cache line). */
void conv_packed_multiply(const conv_geom *g, const float *x, const float *a_packed, bool accumulate, float *y,
                          float *b_panels);

#endif
#endif
