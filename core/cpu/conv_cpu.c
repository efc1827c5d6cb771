/* CPU reference convolution: im2col + GEMM. For one image and group, the
 * input patches under the kernel unroll into a column matrix col (K =
 * c/groups*kh*kw rows, one column per output pixel), so that
 *   forward          y   = w col
 *   backward-weight  dw += dy col^T
 *   backward-data    col = w^T dy, folded back into dx by col2im
 *                    (or, at stride 1, a forward pass: see data_as_forward).
 * col is built one block of output rows at a time, small enough to stay in
 * a core's cache between the unroll and the product and to keep the
 * workspace small whatever the image size. A 1x1 stride-1 unpadded kernel
 * needs no unroll: x is its column matrix.
 *
 * Threads: each pass is cut into independent tasks whose outputs do not
 * overlap (forward: row blocks of y; backward-data: channel ranges of dx;
 * backward-weight: row ranges of K, i.e. column ranges of dw), run by
 * OpenMP with a serial GEMM each, so the unroll runs in parallel too and
 * stays in the cache of the core that multiplies it. With fewer tasks than
 * threads, the tasks run in turn on BLAS's own threads.
 *
 * Where conv_packed.c applies (float32 on a CPU with AVX-512), the forward
 * pass and the backward-data pass that runs as a forward pass go there
 * instead, and so do backward-weight and the other backward-data passes
 * (by stride phases, conv_packed_strided.c): they pack straight from x, w
 * and dy and need neither im2col nor BLAS. What remains here runs where
 * those do not: no AVX-512, float64, GANC_CPU_CONV=blas, or a dilated
 * strided backward-data. */
#include <omp.h>
#include <string.h>

#include "core/backend.h"
#include "core/cpu/conv_packed.h"
#include "core/kernels/conv.h"
#include "core/kernels/linalg.h"

extern const struct linalg_kernels cpu_linalg_kernels;

/* 1.5 MB: one column block and the weights it meets fit a core's L2 cache. */
#define COL_BLOCK_BYTES ((size_t)3 << 19)
/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

static bool is_pointwise(const conv_geom *g) {
    return g->kh == 1 && g->kw == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_h == 0 && g->pad_w == 0;
}

static int group_k(const conv_geom *g) { return g->c / g->groups * g->kh * g->kw; }

/* A pointwise product unrolls nothing, so nothing needs to stay in cache: whole images. */
static int block_rows(const conv_geom *g) {
    if (is_pointwise(g)) return g->oh;
    size_t row_bytes = (size_t)group_k(g) * (size_t)g->ow * sizeof(real);
    size_t rows = COL_BLOCK_BYTES / row_bytes;
    if (rows < 1) rows = 1;
    return rows > (size_t)g->oh ? g->oh : (int)rows;
}

/* Elements of one thread's column block. */
static size_t slot_elems(const conv_geom *g) {
    return is_pointwise(g) ? 0 : (size_t)group_k(g) * (size_t)block_rows(g) * (size_t)g->ow;
}

/* Backward-data of a stride-1 conv is itself a stride-1 conv: of dy padded
 * by the kernel's span minus the padding, with each group's kernel turned
 * 180 degrees and its channel axes swapped. Its GEMM then sums over
 * o/groups*kh*kw rather than o/groups, which BLAS runs far faster than the
 * thin product that col2im folds back, but it unrolls o/groups*kh*kw rows
 * instead of c/groups*kh*kw: worth it unless c is much smaller than o. */
static bool data_as_forward(const conv_geom *g) {
    return !is_pointwise(g) && 2 * (g->c / g->groups) >= g->o / g->groups && g->stride_h == 1 &&
           g->stride_w == 1 && g->pad_h <= g->dilation_h * (g->kh - 1) && g->pad_w <= g->dilation_w * (g->kw - 1);
}

static conv_geom flipped_geom(const conv_geom *g) {
    return (conv_geom){.n = g->n, .c = g->o, .h = g->oh, .w = g->ow, .o = g->c, .kh = g->kh, .kw = g->kw,
                       .oh = g->h, .ow = g->w, .stride_h = 1, .stride_w = 1,
                       .pad_h = g->dilation_h * (g->kh - 1) - g->pad_h, .pad_w = g->dilation_w * (g->kw - 1) - g->pad_w,
                       .dilation_h = g->dilation_h, .dilation_w = g->dilation_w, .groups = g->groups};
}

/* wf (c, o/groups, kh, kw) from w (o, c/groups, kh, kw), as data_as_forward says. */
static void flip_weight(const conv_geom *g, const real *w, real *wf) {
    int cg = g->c / g->groups, og = g->o / g->groups, khw = g->kh * g->kw;
    for (int gi = 0; gi < g->groups; gi++)
        for (int o = 0; o < og; o++)
            for (int c = 0; c < cg; c++)
                for (int t = 0; t < khw; t++) {
                    real v = w[((long)(gi * og + o) * cg + c) * khw + t];
                    wf[((long)(gi * cg + c) * og + o) * khw + khw - 1 - t] = v;
                }
}

/* The same thread count as the parallel regions below use, given the
 * caller's OpenMP settings do not change between sizing and running. */
static size_t cpu_workspace_bytes(const conv_geom *g, conv_pass pass) {
    size_t slots = (size_t)omp_get_max_threads();
    if (pass == CONV_PASS_BACKWARD_DATA && data_as_forward(g)) {
        conv_geom f = flipped_geom(g);
        if (conv_packed_enabled()) return conv_packed_workspace_bytes(&f, (int)slots);
        return (slots * slot_elems(&f) + (size_t)g->o * group_k(g)) * sizeof(real);
    }
    if (pass == CONV_PASS_BACKWARD_DATA && conv_packed_backward_data_usable(g))
        return conv_packed_backward_data_workspace_bytes(g, (int)slots);
    if (pass == CONV_PASS_FORWARD && conv_packed_enabled()) return conv_packed_workspace_bytes(g, (int)slots);
    if (pass == CONV_PASS_BACKWARD_WEIGHT && conv_packed_enabled())
        return conv_packed_backward_weight_workspace_bytes(g, (int)slots);
    return slots * slot_elems(g) * sizeof(real);
}

/* Output positions [*lo, *hi) of a kernel tap whose input index is
 * o*stride + offset, restricted to those inside [0, size). */
static void valid_range(int offset, int stride, int size, int n_out, int *lo, int *hi) {
    *lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    *hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
    if (*hi > n_out) *hi = n_out;
    if (*lo > *hi) *lo = *hi;
}

/* Rows k0..k1 of col for output rows r0..r1, from x (c/groups, h, w) of one
 * image and group; col is (k1-k0, (r1-r0)*ow). */
static void im2col(const conv_geom *g, const real *x, int k0, int k1, int r0, int r1, real *col) {
    int ow = g->ow;
    long cols = (long)(r1 - r0) * ow;
    for (int k = k0; k < k1; k++) {
        int c = k / (g->kh * g->kw), i = k / g->kw % g->kh, j = k % g->kw;
        real *row = col + (long)(k - k0) * cols;
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

/* dx += rows k0..k1 of col folded back: the adjoint of im2col. */
static void col2im(const conv_geom *g, const real *col, int k0, int k1, int r0, int r1, real *dx) {
    int ow = g->ow;
    long cols = (long)(r1 - r0) * ow;
    for (int k = k0; k < k1; k++) {
        int c = k / (g->kh * g->kw), i = k / g->kw % g->kh, j = k % g->kw;
        const real *row = col + (long)(k - k0) * cols;
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

/* One pass: its operands and how it is cut into tasks. */
typedef struct {
    const conv_geom *g;
    const real *in, *w, *dy; /* in: x, or dy for backward-data */
    real *out;
    bool accumulate;
    int rows, blocks; /* output rows per block, blocks per image */
    int chunks;       /* backward passes: K or channel ranges per group */
} conv_pass_args;

typedef void (*conv_task_fn)(const conv_pass_args *p, long task, real *col);

/* Below this many multiply-adds a parallel region costs more than the conv
 * (gradient checks run thousands of tiny ones). */
#define PARALLEL_MIN_MACS (1L << 18)

static void run_tasks(const conv_pass_args *p, long n_tasks, conv_task_fn fn, real *ws) {
    int slots = omp_get_max_threads();
    const conv_geom *g = p->g;
    double macs = (double)g->n * g->o * g->oh * g->ow * (g->c / g->groups) * g->kh * g->kw;
    if (slots > 1 && n_tasks >= slots && macs >= PARALLEL_MIN_MACS) {
        size_t slot = slot_elems(p->g);
#pragma omp parallel for schedule(dynamic)
        for (long i = 0; i < n_tasks; i++) fn(p, i, slot ? ws + (size_t)omp_get_thread_num() * slot : NULL);
    } else {
        for (long i = 0; i < n_tasks; i++) fn(p, i, ws);
    }
}

/* Offsets of image n, group gi in x, y and w. */
static long x_at(const conv_geom *g, int n, int gi) {
    return ((long)n * g->c + (long)gi * (g->c / g->groups)) * g->h * g->w;
}
static long y_at(const conv_geom *g, int n, int gi) {
    return ((long)n * g->o + (long)gi * (g->o / g->groups)) * g->oh * g->ow;
}
static long w_at(const conv_geom *g, int gi) { return (long)gi * (g->o / g->groups) * group_k(g); }

/* Range `part` of `parts` near-equal ranges of [0, n). */
static void split(int n, int parts, int part, int *lo, int *hi) {
    *lo = (int)((long)n * part / parts);
    *hi = (int)((long)n * (part + 1) / parts);
}

/* Task = (image, group, row block): y block = w col block. */
static void forward_task(const conv_pass_args *p, long task, real *col) {
    const conv_geom *g = p->g;
    int b = (int)(task % p->blocks), gi = (int)(task / p->blocks % g->groups), n = (int)(task / p->blocks / g->groups);
    int og = g->o / g->groups, k = group_k(g), ohw = g->oh * g->ow;
    int r0 = b * p->rows, r1 = r0 + p->rows < g->oh ? r0 + p->rows : g->oh, cols = (r1 - r0) * g->ow;
    const real *x = p->in + x_at(g, n, gi);
    const real *src = x + (long)r0 * g->ow;
    int ld = ohw;
    if (!is_pointwise(g)) {
        im2col(g, x, 0, k, r0, r1, col);
        src = col;
        ld = cols;
    }
    cpu_linalg_kernels.gemm(false, false, og, cols, k, 1, p->w + w_at(g, gi), k, src, ld, p->accumulate ? 1 : 0,
                            p->out + y_at(g, n, gi) + (long)r0 * g->ow, ohw);
}

static void cpu_forward(const conv_geom *g, const real *x, const real *w, bool accumulate, real *y, void *ws) {
    if (conv_packed_enabled()) {
        conv_packed_forward(g, x, w, false, accumulate, y, ws);
        return;
    }
    int rows = block_rows(g);
    conv_pass_args p = {g, x, w, NULL, y, accumulate, rows, (g->oh + rows - 1) / rows, 1};
    run_tasks(&p, (long)g->n * g->groups * p.blocks, forward_task, ws);
}

/* Task = (image, group, channel range): whole input channels, so no other
 * task's col2im writes to the same dx values. */
static void backward_data_task(const conv_pass_args *p, long task, real *col) {
    const conv_geom *g = p->g;
    int part = (int)(task % p->chunks), gi = (int)(task / p->chunks % g->groups);
    int n = (int)(task / p->chunks / g->groups);
    int cg = g->c / g->groups, og = g->o / g->groups, k = group_k(g), khw = g->kh * g->kw, ohw = g->oh * g->ow;
    int c0, c1;
    split(cg, p->chunks, part, &c0, &c1);
    int k0 = c0 * khw, k1 = c1 * khw;
    const real *w = p->w + w_at(g, gi), *dy = p->dy + y_at(g, n, gi);
    real *dx = p->out + x_at(g, n, gi);
    if (is_pointwise(g)) {
        cpu_linalg_kernels.gemm(true, false, k1 - k0, ohw, og, 1, w + k0, k, dy, ohw, p->accumulate ? 1 : 0,
                                dx + (long)c0 * ohw, ohw);
        return;
    }
    if (!p->accumulate) memset(dx + (long)c0 * g->h * g->w, 0, (size_t)(c1 - c0) * g->h * g->w * sizeof *dx);
    for (int r0 = 0; r0 < g->oh; r0 += p->rows) {
        int r1 = r0 + p->rows < g->oh ? r0 + p->rows : g->oh, cols = (r1 - r0) * g->ow;
        cpu_linalg_kernels.gemm(true, false, k1 - k0, cols, og, 1, w + k0, k, dy + (long)r0 * g->ow, ohw, 0, col,
                                cols);
        col2im(g, col, k0, k1, r0, r1, dx);
    }
}

static void cpu_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                              void *ws) {
    if (data_as_forward(g)) {
        conv_geom f = flipped_geom(g);
        if (conv_packed_enabled()) {
            conv_packed_forward(&f, dy, w, true, accumulate, dx, ws);
            return;
        }
        real *wf = (real *)ws + (size_t)omp_get_max_threads() * slot_elems(&f);
        flip_weight(g, w, wf);
        cpu_forward(&f, dy, wf, accumulate, dx, ws);
        return;
    }
    if (conv_packed_backward_data_usable(g)) {
        conv_packed_backward_data(g, dy, w, accumulate, dx, ws);
        return;
    }
    int slots = omp_get_max_threads(), cg = g->c / g->groups;
    long images = (long)g->n * g->groups;
    int chunks = images >= slots ? 1 : (cg < slots ? cg : slots);
    conv_pass_args p = {g, NULL, w, dy, dx, accumulate, block_rows(g), 0, chunks};
    run_tasks(&p, images * chunks, backward_data_task, ws);
}

/* Task = (group, range of K): dw[:, k0..k1] of that group over all images. */
static void backward_weight_task(const conv_pass_args *p, long task, real *col) {
    const conv_geom *g = p->g;
    int part = (int)(task % p->chunks), gi = (int)(task / p->chunks);
    int og = g->o / g->groups, k = group_k(g), ohw = g->oh * g->ow;
    int k0, k1;
    split(k, p->chunks, part, &k0, &k1);
    real *dw = p->out + w_at(g, gi) + k0;
    /* The first product overwrites unless the caller accumulates. */
    real beta = p->accumulate ? 1 : 0;
    for (int n = 0; n < g->n; n++) {
        const real *x = p->in + x_at(g, n, gi), *dy = p->dy + y_at(g, n, gi);
        if (is_pointwise(g)) {
            cpu_linalg_kernels.gemm(false, true, og, k1 - k0, ohw, 1, dy, ohw, x + (long)k0 * ohw, ohw, beta, dw, k);
            beta = 1;
            continue;
        }
        for (int r0 = 0; r0 < g->oh; r0 += p->rows, beta = 1) {
            int r1 = r0 + p->rows < g->oh ? r0 + p->rows : g->oh, cols = (r1 - r0) * g->ow;
            im2col(g, x, k0, k1, r0, r1, col);
            cpu_linalg_kernels.gemm(false, true, og, k1 - k0, cols, 1, dy + (long)r0 * g->ow, ohw, col, cols, beta,
                                    dw, k);
        }
    }
}

static void cpu_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                void *ws) {
    if (conv_packed_enabled()) {
        conv_packed_backward_weight(g, x, dy, accumulate, dw, ws);
        return;
    }
    int slots = omp_get_max_threads(), k = group_k(g);
    int chunks = g->groups >= slots ? 1 : (k < slots ? k : slots);
    conv_pass_args p = {g, x, NULL, dy, dw, accumulate, block_rows(g), 0, chunks};
    run_tasks(&p, (long)g->groups * chunks, backward_weight_task, ws);
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
