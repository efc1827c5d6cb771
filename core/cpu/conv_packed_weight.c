/* Backward-weight of a convolution on AVX-512, dw = dy B^T with B the
 * im2col matrix, without writing B out:
 *   - more than 8 output channels per group: the microkernel of
 *     conv_packed_kernel.h with tile rows = 8 output channels and tile
 *     columns = 32 consecutive k, summing over the pixels; dy is transposed
 *     into panels, and each pixel's 32 inputs come by masked gathers;
 *   - at most 8 (the generator's last conv to RGB): a direct loop that
 *     keeps dy's rows in registers and 16-lane partial sums of dw in L1. */
#include "core/cpu/conv_packed.h"

#include <omp.h>
#include <string.h>

#include "core/cpu/conv_packed_kernel.h"

/* Partial sums of dw that stay in L1 while a channel block passes over every panel. */
#define L1_ACC_BYTES ((size_t)24 << 10)

#if PACKED_BUILT

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
void conv_packed_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                 void *ws) {
    (void)g, (void)x, (void)dy, (void)accumulate, (void)dw, (void)ws;
}

size_t conv_packed_backward_weight_workspace_bytes(const conv_geom *g, int threads) {
    (void)g, (void)threads;
    return 0;
}

#endif
