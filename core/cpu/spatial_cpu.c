/* CPU reference kernels: padding, nearest/bilinear resampling, pooling.
 * Forward kernels gather, one output row per iteration, so rows run in
 * parallel. Backward kernels scatter into dx, where several outputs can
 * land on one input value, so they run in parallel over planes only. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/spatial.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

static inline long plane_count(dims4 s) { return (long)s.d[0] * s.d[1]; }

/* ---- pad ---- */

/* Input index for position i of a dim of size n (i already shifted by the
 * leading pad); -1 for a zero. Reflect pads are below n, so one mirror suffices. */
static inline int pad_source(pad_mode mode, int i, int n) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case PAD_ZERO: return -1;
    case PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    }
    return -1;
}

static void cpu_pad_forward(pad_mode mode, int top, int left, const real *x, dims4 sx, real *y, int out_h,
                            int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            const real *xp = x + p * in_h * in_w;
            real *row = y + (p * out_h + i) * out_w;
            int si = pad_source(mode, i - top, in_h);
            for (int j = 0; j < out_w; j++) {
                int sj = pad_source(mode, j - left, in_w);
                row[j] = (si < 0 || sj < 0) ? 0 : xp[(long)si * in_w + sj];
            }
        }
}

static void cpu_pad_backward(pad_mode mode, int top, int left, const real *dy, int out_h, int out_w, real *dx,
                             dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++) {
        real *dxp = dx + p * in_h * in_w;
        for (int i = 0; i < out_h; i++) {
            int si = pad_source(mode, i - top, in_h);
            if (si < 0) continue;
            const real *row = dy + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) {
                int sj = pad_source(mode, j - left, in_w);
                if (sj >= 0) dxp[(long)si * in_w + sj] += row[j];
            }
        }
    }
}

/* ---- nearest ---- */

/* Exact integer floor(i * in / out): a float scale can round across an integer. */
static inline int nearest_source(int i, int in, int out) { return (int)((long)i * in / out); }

static void cpu_upsample_nearest_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            const real *src = x + (p * in_h + nearest_source(i, in_h, out_h)) * in_w;
            real *row = y + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) row[j] = src[nearest_source(j, in_w, out_w)];
        }
}

static void cpu_upsample_nearest_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            real *dst = dx + (p * in_h + nearest_source(i, in_h, out_h)) * in_w;
            const real *row = dy + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) dst[nearest_source(j, in_w, out_w)] += row[j];
        }
}

/* ---- bilinear ---- */

/* Output index i reads input i0 with weight w0 and i1 with weight w1. */
typedef struct {
    int i0, i1;
    real w0, w1;
} lerp;

/* PyTorch's source index: align_corners maps the corner pixel centres onto
 * each other; otherwise pixel areas are aligned and the index is clamped at 0. */
static inline lerp bilinear_source(bool align_corners, int i, int in, int out) {
    real src;
    if (align_corners) {
        real scale = out > 1 ? (real)(in - 1) / (real)(out - 1) : 0;
        src = scale * (real)i;
    } else {
        real scale = (real)in / (real)out;
        src = scale * ((real)i + (real)0.5) - (real)0.5;
        if (src < 0) src = 0;
    }
    lerp r;
    r.i0 = (int)src;
    r.i1 = r.i0 + (r.i0 < in - 1 ? 1 : 0);
    r.w1 = src - (real)r.i0;
    r.w0 = 1 - r.w1;
    return r;
}

static void cpu_upsample_bilinear_forward(bool align_corners, const real *x, dims4 sx, real *y, int out_h,
                                          int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            lerp ly = bilinear_source(align_corners, i, in_h, out_h);
            const real *r0 = x + (p * in_h + ly.i0) * in_w, *r1 = x + (p * in_h + ly.i1) * in_w;
            real *row = y + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) {
                lerp lx = bilinear_source(align_corners, j, in_w, out_w);
                row[j] = ly.w0 * (lx.w0 * r0[lx.i0] + lx.w1 * r0[lx.i1]) +
                         ly.w1 * (lx.w0 * r1[lx.i0] + lx.w1 * r1[lx.i1]);
            }
        }
}

static void cpu_upsample_bilinear_backward(bool align_corners, const real *dy, int out_h, int out_w, real *dx,
                                           dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            lerp ly = bilinear_source(align_corners, i, in_h, out_h);
            real *r0 = dx + (p * in_h + ly.i0) * in_w, *r1 = dx + (p * in_h + ly.i1) * in_w;
            const real *row = dy + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) {
                lerp lx = bilinear_source(align_corners, j, in_w, out_w);
                real g = row[j];
                r0[lx.i0] += ly.w0 * lx.w0 * g;
                r0[lx.i1] += ly.w0 * lx.w1 * g;
                r1[lx.i0] += ly.w1 * lx.w0 * g;
                r1[lx.i1] += ly.w1 * lx.w1 * g;
            }
        }
}

/* ---- fixed-window pooling ---- */

/* The window of output (i, j) clipped to the input: rows [*h0, *h1), columns [*w0, *w1). */
static inline void pool_clip(pool_window w, int i, int j, int in_h, int in_w, int *h0, int *h1, int *w0,
                             int *w1) {
    int hs = i * w.sh - w.ph, ws = j * w.sw - w.pw;
    *h0 = hs > 0 ? hs : 0;
    *h1 = hs + w.kh < in_h ? hs + w.kh : in_h;
    *w0 = ws > 0 ? ws : 0;
    *w1 = ws + w.kw < in_w ? ws + w.kw : in_w;
}

static void cpu_avg_pool_forward(pool_window w, const real *x, dims4 sx, real *y, int out_h, int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
    real inv_area = (real)1 / (real)(w.kh * w.kw);
#pragma omp parallel for collapse(2) if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            const real *xp = x + p * in_h * in_w;
            real *row = y + (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) {
                int h0, h1, w0, w1;
                pool_clip(w, i, j, in_h, in_w, &h0, &h1, &w0, &w1);
                real s = 0;
                for (int h = h0; h < h1; h++)
                    for (int c = w0; c < w1; c++) s += xp[(long)h * in_w + c];
                row[j] = s * inv_area;
            }
        }
}

static void cpu_avg_pool_backward(pool_window w, const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
    real inv_area = (real)1 / (real)(w.kh * w.kw);
#pragma omp parallel for if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++) {
        real *dxp = dx + p * in_h * in_w;
        for (int i = 0; i < out_h; i++)
            for (int j = 0; j < out_w; j++) {
                int h0, h1, w0, w1;
                pool_clip(w, i, j, in_h, in_w, &h0, &h1, &w0, &w1);
                real g = dy[(p * out_h + i) * out_w + j] * inv_area;
                for (int h = h0; h < h1; h++)
                    for (int c = w0; c < w1; c++) dxp[(long)h * in_w + c] += g;
            }
    }
}

/* Max of rows [h0,h1) x columns [w0,w1) of one plane; its index into *arg.
 * The window is never empty (the op checks padding <= kernel/2). */
static inline real window_max(const real *xp, int in_w, int h0, int h1, int w0, int w1, int *arg) {
    int best = h0 * in_w + w0;
    real m = xp[best];
    for (int h = h0; h < h1; h++)
        for (int c = w0; c < w1; c++) {
            real v = xp[h * in_w + c];
            if (v > m || isnan(v)) {
                m = v;
                best = h * in_w + c;
            }
        }
    *arg = best;
    return m;
}

static void cpu_max_pool_forward(pool_window w, const real *x, dims4 sx, real *y, int *argmax, int out_h,
                                 int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * out_h * out_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            long o = (p * out_h + i) * out_w;
            for (int j = 0; j < out_w; j++) {
                int h0, h1, w0, w1, arg;
                pool_clip(w, i, j, in_h, in_w, &h0, &h1, &w0, &w1);
                y[o + j] = window_max(x + p * in_h * in_w, in_w, h0, h1, w0, w1, &arg);
                if (argmax) argmax[o + j] = arg;
            }
        }
}

static void cpu_max_pool_backward(const real *dy, const int *argmax, int out_h, int out_w, real *dx, dims4 sx) {
    long planes = plane_count(sx), in_plane = (long)sx.d[2] * sx.d[3], out_plane = (long)out_h * out_w;
#pragma omp parallel for if (planes * out_plane >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (long o = p * out_plane; o < (p + 1) * out_plane; o++) dx[p * in_plane + argmax[o]] += dy[o];
}

/* ---- adaptive pooling ---- */

/* Bin i of `out` over `in` values: [floor(i*in/out), ceil((i+1)*in/out)). */
static inline int bin_start(int i, int in, int out) { return (int)((long)i * in / out); }
static inline int bin_end(int i, int in, int out) { return (int)(((long)(i + 1) * in + out - 1) / out); }

static void cpu_adaptive_avg_pool_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * in_h * in_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            const real *xp = x + p * in_h * in_w;
            real *row = y + (p * out_h + i) * out_w;
            int h0 = bin_start(i, in_h, out_h), h1 = bin_end(i, in_h, out_h);
            for (int j = 0; j < out_w; j++) {
                int w0 = bin_start(j, in_w, out_w), w1 = bin_end(j, in_w, out_w);
                real s = 0;
                for (int h = h0; h < h1; h++)
                    for (int c = w0; c < w1; c++) s += xp[(long)h * in_w + c];
                row[j] = s / (real)((h1 - h0) * (w1 - w0));
            }
        }
}

static void cpu_adaptive_avg_pool_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for if (planes * in_h * in_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++) {
        real *dxp = dx + p * in_h * in_w;
        for (int i = 0; i < out_h; i++) {
            int h0 = bin_start(i, in_h, out_h), h1 = bin_end(i, in_h, out_h);
            for (int j = 0; j < out_w; j++) {
                int w0 = bin_start(j, in_w, out_w), w1 = bin_end(j, in_w, out_w);
                real g = dy[(p * out_h + i) * out_w + j] / (real)((h1 - h0) * (w1 - w0));
                for (int h = h0; h < h1; h++)
                    for (int c = w0; c < w1; c++) dxp[(long)h * in_w + c] += g;
            }
        }
    }
}

static void cpu_adaptive_max_pool_forward(const real *x, dims4 sx, real *y, int *argmax, int out_h, int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * in_h * in_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            long o = (p * out_h + i) * out_w;
            int h0 = bin_start(i, in_h, out_h), h1 = bin_end(i, in_h, out_h);
            for (int j = 0; j < out_w; j++) {
                int arg;
                y[o + j] = window_max(x + p * in_h * in_w, in_w, h0, h1, bin_start(j, in_w, out_w),
                                      bin_end(j, in_w, out_w), &arg);
                if (argmax) argmax[o + j] = arg;
            }
        }
}

const struct spatial_kernels cpu_spatial_kernels = {
    .pad_forward = cpu_pad_forward,
    .pad_backward = cpu_pad_backward,
    .upsample_nearest_forward = cpu_upsample_nearest_forward,
    .upsample_nearest_backward = cpu_upsample_nearest_backward,
    .upsample_bilinear_forward = cpu_upsample_bilinear_forward,
    .upsample_bilinear_backward = cpu_upsample_bilinear_backward,
    .avg_pool_forward = cpu_avg_pool_forward,
    .avg_pool_backward = cpu_avg_pool_backward,
    .max_pool_forward = cpu_max_pool_forward,
    .adaptive_avg_pool_forward = cpu_adaptive_avg_pool_forward,
    .adaptive_avg_pool_backward = cpu_adaptive_avg_pool_backward,
    .adaptive_max_pool_forward = cpu_adaptive_max_pool_forward,
    .max_pool_backward = cpu_max_pool_backward,
};
