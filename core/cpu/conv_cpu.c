/* CPU reference convolution: im2col + GEMM. For each image, group and block
 * of output rows, the input patches under the kernel are unrolled into a
 * column matrix col (K = c/groups*kh*kw rows, one column per output pixel)
 * so that y = w col, dw += dy col^T and col = w^T dy (folded back into dx by
 * col2im). Blocks keep col small enough to stay in cache between the unroll
 * and the product, and keep the workspace small whatever the image size.
 * The GEMMs run on BLAS's own threads; im2col and col2im stay serial so
 * they never compete with those threads for the cores. */
#include <string.h>

#include "core/backend.h"
#include "core/kernels/conv.h"
#include "core/kernels/linalg.h"

extern const struct linalg_kernels cpu_linalg_kernels;

#define COL_BLOCK_BYTES ((size_t)2 << 20)
/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

/* A 1x1 kernel with stride 1 and no padding: x itself is the column matrix. */
static bool is_pointwise(const conv_geom *g) {
    return g->kh == 1 && g->kw == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_h == 0 && g->pad_w == 0;
}

static int group_k(const conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

static int block_rows(const conv_geom *g) {
    size_t row_bytes = (size_t)group_k(g) * (size_t)g->ow * sizeof(real);
    size_t rows = COL_BLOCK_BYTES / row_bytes;
    if (rows < 1) rows = 1;
    return rows > (size_t)g->oh ? g->oh : (int)rows;
}

static size_t cpu_workspace_bytes(const conv_geom *g, conv_pass pass) {
    if (is_pointwise(g)) return 0;
    return (size_t)group_k(g) * (size_t)block_rows(g) * (size_t)g->ow * sizeof(real);
}

/* Output positions [*lo, *hi) of a kernel tap whose input index is
 * o*stride + offset, restricted to those inside [0, size). */
static void valid_range(int offset, int stride, int size, int n_out, int *lo, int *hi) {
    *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    *hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
    if (*hi > n_out) *hi = n_out;
    if (*lo > *hi) *lo = *hi;
}

/* col (K, (r1-r0)*ow) from x (c/groups, h, w): one image and group, output rows r0..r1. */
static void im2col(const conv_geom *g, const real *x, int r0, int r1, real *col) {
    int cg = g->c / g->groups, ow = g->ow;
    long cols = (long)(r1 - r0) * ow;
    for (int c = 0; c < cg; c++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++) {
                real *row = col + ((long)(c * g->kh + i) * g->kw + j) * cols;
                int off_x = j * g->dilation_w - g->pad_w, lo, hi;
                valid_range(off_x, g->stride_w, g->w, ow, &lo, &hi);
                for (int oy = r0; oy < r1; oy++) {
                    real *d = row + (long)(oy - r0) * ow;
                    int iy = oy * g->stride_h - g->pad_h + i * g->dilation_h;
                    if (iy < 0 || iy >= g->h) {
                        memset(d, 0, (size_t)ow * sizeof *d);
                        continue;
                    }
                    const real *src = x + ((long)c * g->h + iy) * g->w;
                    for (int ox = 0; ox < lo; ox++) d[ox] = 0;
                    if (g->stride_w == 1)
                        memcpy(d + lo, src + lo + off_x, (size_t)(hi - lo) * sizeof *d);
                    else
                        for (int ox = lo; ox < hi; ox++) d[ox] = src[ox * g->stride_w + off_x];
                    for (int ox = hi; ox < ow; ox++) d[ox] = 0;
                }
            }
}

/* dx (c/groups, h, w) += col folded back: the adjoint of im2col. */
static void col2im(const conv_geom *g, const real *col, int r0, int r1, real *dx) {
    int cg = g->c / g->groups, ow = g->ow;
    long cols = (long)(r1 - r0) * ow;
    for (int c = 0; c < cg; c++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++) {
                const real *row = col + ((long)(c * g->kh + i) * g->kw + j) * cols;
                int off_x = j * g->dilation_w - g->pad_w, lo, hi;
                valid_range(off_x, g->stride_w, g->w, ow, &lo, &hi);
                for (int oy = r0; oy < r1; oy++) {
                    int iy = oy * g->stride_h - g->pad_h + i * g->dilation_h;
                    if (iy < 0 || iy >= g->h) continue;
                    const real *s = row + (long)(oy - r0) * ow;
                    real *dst = dx + ((long)c * g->h + iy) * g->w;
                    for (int ox = lo; ox < hi; ox++) dst[ox * g->stride_w + off_x] += s[ox];
                }
            }
}

/* Pointers to one image's group slice of x, y and w. */
typedef struct {
    long x, y, w;
} group_offsets;

static group_offsets offsets(const conv_geom *g, int n, int gi) {
    int cg = g->c / g->groups, og = g->o / g->groups;
    return (group_offsets){((long)n * g->c + (long)gi * cg) * g->h * g->w,
                           ((long)n * g->o + (long)gi * og) * g->oh * g->ow, (long)gi * og * group_k(g)};
}

static void cpu_forward(const conv_geom *g, const real *x, const real *w, bool accumulate, real *y, void *ws) {
    const struct linalg_kernels *la = &cpu_linalg_kernels;
    int og = g->o / g->groups, k = group_k(g), ohw = g->oh * g->ow, rows = block_rows(g);
    real beta = accumulate ? 1 : 0, *col = ws;
    for (int n = 0; n < g->n; n++)
        for (int gi = 0; gi < g->groups; gi++) {
            group_offsets at = offsets(g, n, gi);
            if (is_pointwise(g)) {
                la->gemm(false, false, og, ohw, k, 1, w + at.w, k, x + at.x, ohw, beta, y + at.y, ohw);
                continue;
            }
            for (int r0 = 0; r0 < g->oh; r0 += rows) {
                int r1 = r0 + rows < g->oh ? r0 + rows : g->oh, cols = (r1 - r0) * g->ow;
                im2col(g, x + at.x, r0, r1, col);
                la->gemm(false, false, og, cols, k, 1, w + at.w, k, col, cols, beta, y + at.y + (long)r0 * g->ow,
                         ohw);
            }
        }
}

static void cpu_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                              void *ws) {
    const struct linalg_kernels *la = &cpu_linalg_kernels;
    int og = g->o / g->groups, k = group_k(g), ohw = g->oh * g->ow, rows = block_rows(g);
    real *col = ws;
    if (!accumulate && !is_pointwise(g)) memset(dx, 0, (size_t)g->n * g->c * g->h * g->w * sizeof *dx);
    for (int n = 0; n < g->n; n++)
        for (int gi = 0; gi < g->groups; gi++) {
            group_offsets at = offsets(g, n, gi);
            if (is_pointwise(g)) {
                la->gemm(true, false, k, ohw, og, 1, w + at.w, k, dy + at.y, ohw, accumulate ? 1 : 0, dx + at.x,
                         ohw);
                continue;
            }
            for (int r0 = 0; r0 < g->oh; r0 += rows) {
                int r1 = r0 + rows < g->oh ? r0 + rows : g->oh, cols = (r1 - r0) * g->ow;
                la->gemm(true, false, k, cols, og, 1, w + at.w, k, dy + at.y + (long)r0 * g->ow, ohw, 0, col, cols);
                col2im(g, col, r0, r1, dx + at.x);
            }
        }
}

static void cpu_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                void *ws) {
    const struct linalg_kernels *la = &cpu_linalg_kernels;
    int og = g->o / g->groups, k = group_k(g), ohw = g->oh * g->ow, rows = block_rows(g);
    real *col = ws;
    for (int n = 0; n < g->n; n++)
        for (int gi = 0; gi < g->groups; gi++) {
            group_offsets at = offsets(g, n, gi);
            /* The first product of each group overwrites unless the caller accumulates. */
            real beta = accumulate || n > 0 ? 1 : 0;
            if (is_pointwise(g)) {
                la->gemm(false, true, og, k, ohw, 1, dy + at.y, ohw, x + at.x, ohw, beta, dw + at.w, k);
                continue;
            }
            for (int r0 = 0; r0 < g->oh; r0 += rows, beta = 1) {
                int r1 = r0 + rows < g->oh ? r0 + rows : g->oh, cols = (r1 - r0) * g->ow;
                im2col(g, x + at.x, r0, r1, col);
                la->gemm(false, true, og, k, cols, 1, dy + at.y + (long)r0 * g->ow, ohw, col, cols, beta, dw + at.w,
                         k);
            }
        }
}

static void cpu_add_bias(real *y, const real *b, int n, int c, int hw) {
    long planes = (long)n * c;
#pragma omp parallel for if (planes * hw >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++) {
        real v = b[p % c], *plane = y + p * hw;
        for (int i = 0; i < hw; i++) plane[i] += v;
    }
}

/* Parallel over channels: each thread owns its db entries. A double sum
 * keeps float32 accurate over large batches of large planes. */
static void cpu_sum_bias(const real *dy, int n, int c, int hw, real *db) {
#pragma omp parallel for if ((long)n * c * hw >= PARALLEL_MIN)
    for (int ch = 0; ch < c; ch++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            const real *plane = dy + ((long)i * c + ch) * hw;
            for (int j = 0; j < hw; j++) s += plane[j];
        }
        db[ch] += (real)s;
    }
}

const struct conv_kernels cpu_conv_kernels = {
    .workspace_bytes = cpu_workspace_bytes,
    .forward = cpu_forward,
    .backward_data = cpu_backward_data,
    .backward_weight = cpu_backward_weight,
    .add_bias = cpu_add_bias,
    .sum_bias = cpu_sum_bias,
};
