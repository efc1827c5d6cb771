/* CUDA kernels: padding, nearest/bilinear resampling, pooling, as
 * core/cpu/spatial_cpu.c specifies them. Forward kernels run one thread
 * per output value. The CPU's backward passes scatter; here each input
 * value gathers from the outputs that read it, adding them in the CPU's
 * order (rows, then columns), so results repeat bit for bit and mostly
 * equal the CPU's. Only max pooling scatters, with atomics: its windows
 * are not known to max_pool_backward (non-overlapping windows, the usual
 * case, never collide). */
#include <math.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/spatial.h"
}

/* Up to three index ranges [lo, hi), ascending. */
struct ranges {
    int lo[3], hi[3];
    int n;
};

__device__ __forceinline__ void ranges_add(ranges &r, int lo, int hi, int out) {
    lo = lo > 0 ? lo : 0;
    hi = hi < out ? hi : out;
    if (lo >= hi) return;
    int k = r.n++;
    while (k > 0 && r.lo[k - 1] > lo) { /* keep ascending: the CPU adds in output order */
        r.lo[k] = r.lo[k - 1];
        r.hi[k] = r.hi[k - 1];
        k--;
    }
    r.lo[k] = lo;
    r.hi[k] = hi;
}

/* Plane p, row h, column w of an element of n = planes*rows*cols values. */
#define PLANE_DECODE(i, rows, cols, p, h, w)                 \
    long p = (i) / ((long)(rows) * (cols));                  \
    int h = (int)((i) / (cols) % (rows)), w = (int)((i) % (cols))

/* ---- pad ---- */

__device__ __forceinline__ int pad_source(pad_mode mode, int i, int n) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case PAD_ZERO: return -1;
    case PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    }
    return -1;
}

/* The output positions i (of `out`) whose pad_source(i - lead) is h. */
__device__ ranges pad_readers(pad_mode mode, int h, int n, int lead, int out) {
    ranges r;
    r.n = 0;
    ranges_add(r, h + lead, h + lead + 1, out);
    if (mode == PAD_REFLECT) {
        if (h > 0) ranges_add(r, lead - h, lead - h + 1, out);
        if (h < n - 1) ranges_add(r, lead + 2 * (n - 1) - h, lead + 2 * (n - 1) - h + 1, out);
    } else if (mode == PAD_REPLICATE) {
        if (h == 0) ranges_add(r, 0, lead, out);
        if (h == n - 1) ranges_add(r, lead + n, out, out);
    }
    return r;
}

__global__ void pad_forward_kernel(pad_mode mode, int top, int left, const real *x, int in_h, int in_w, real *y,
                                   int out_h, int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        int si = pad_source(mode, oh - top, in_h), sj = pad_source(mode, ow - left, in_w);
        y[i] = (si < 0 || sj < 0) ? 0 : x[(p * in_h + si) * in_w + sj];
    }
}

__global__ void pad_backward_kernel(pad_mode mode, int top, int left, const real *dy, int out_h, int out_w, real *dx,
                                    int in_h, int in_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, w);
        ranges rows = pad_readers(mode, h, in_h, top, out_h), cols = pad_readers(mode, w, in_w, left, out_w);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int a = 0; a < rows.n; a++)
            for (int oi = rows.lo[a]; oi < rows.hi[a]; oi++)
                for (int b = 0; b < cols.n; b++)
                    for (int oj = cols.lo[b]; oj < cols.hi[b]; oj++) acc += dp[(long)oi * out_w + oj];
        dx[i] = acc;
    }
}

static void cuda_pad_forward(pad_mode mode, int top, int left, const real *x, dims4 sx, real *y, int out_h,
                             int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(pad_forward_kernel, grid_for((size_t)n), CUDA_THREADS, mode, top, left, x, sx.d[2], sx.d[3], y, out_h,
                out_w, n);
}

static void cuda_pad_backward(pad_mode mode, int top, int left, const real *dy, int out_h, int out_w, real *dx,
                              dims4 sx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(pad_backward_kernel, grid_for((size_t)n), CUDA_THREADS, mode, top, left, dy, out_h, out_w, dx,
                sx.d[2], sx.d[3], n);
}

/* ---- nearest ---- */

/* Exact integer floor(i * in / out), as the CPU. */
__device__ __forceinline__ int nearest_source(int i, int in, int out) { return (int)((long)i * in / out); }
/* The first output whose nearest source is >= h: ceil(h * out / in). */
__device__ __forceinline__ int nearest_first(int h, int in, int out) {
    return (int)(((long)h * out + in - 1) / in);
}

__global__ void nearest_forward_kernel(const real *x, int in_h, int in_w, real *y, int out_h, int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        y[i] = x[(p * in_h + nearest_source(oh, in_h, out_h)) * in_w + nearest_source(ow, in_w, out_w)];
    }
}

__global__ void nearest_backward_kernel(const real *dy, int out_h, int out_w, real *dx, int in_h, int in_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, w);
        int i0 = nearest_first(h, in_h, out_h), i1 = nearest_first(h + 1, in_h, out_h);
        int j0 = nearest_first(w, in_w, out_w), j1 = nearest_first(w + 1, in_w, out_w);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int oi = i0; oi < i1 && oi < out_h; oi++)
            for (int oj = j0; oj < j1 && oj < out_w; oj++) acc += dp[(long)oi * out_w + oj];
        dx[i] = acc;
    }
}

static void cuda_upsample_nearest_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(nearest_forward_kernel, grid_for((size_t)n), CUDA_THREADS, x, sx.d[2], sx.d[3], y, out_h, out_w, n);
}

static void cuda_upsample_nearest_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(nearest_backward_kernel, grid_for((size_t)n), CUDA_THREADS, dy, out_h, out_w, dx, sx.d[2], sx.d[3],
                n);
}

/* ---- bilinear ---- */

struct lerp {
    int i0, i1;
    real w0, w1;
};

/* PyTorch's source index, in the CPU's float operations. */
__device__ __forceinline__ lerp bilinear_source(bool align_corners, int i, int in, int out) {
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

/* The first output i with i0(i) >= v: i0 never decreases with i. */
__device__ int bilinear_first(bool align_corners, int v, int in, int out) {
    int lo = 0, hi = out;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (bilinear_source(align_corners, mid, in, out).i0 >= v) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

__global__ void bilinear_forward_kernel(bool align_corners, const real *x, int in_h, int in_w, real *y, int out_h,
                                        int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        lerp ly = bilinear_source(align_corners, oh, in_h, out_h), lx = bilinear_source(align_corners, ow, in_w, out_w);
        const real *r0 = x + (p * in_h + ly.i0) * in_w, *r1 = x + (p * in_h + ly.i1) * in_w;
        y[i] = ly.w0 * (lx.w0 * r0[lx.i0] + lx.w1 * r0[lx.i1]) + ly.w1 * (lx.w0 * r1[lx.i0] + lx.w1 * r1[lx.i1]);
    }
}

/* Outputs that read input (h, w) have i0 in {h-1, h} along each dim; each
 * adds its (up to four) terms in the CPU's order. */
__global__ void bilinear_backward_kernel(bool align_corners, const real *dy, int out_h, int out_w, real *dx, int in_h,
                                         int in_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, w);
        int i_lo = bilinear_first(align_corners, h - 1, in_h, out_h), i_hi = bilinear_first(align_corners, h + 1, in_h, out_h);
        int j_lo = bilinear_first(align_corners, w - 1, in_w, out_w), j_hi = bilinear_first(align_corners, w + 1, in_w, out_w);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int oi = i_lo; oi < i_hi; oi++) {
            lerp ly = bilinear_source(align_corners, oi, in_h, out_h);
            for (int oj = j_lo; oj < j_hi; oj++) {
                lerp lx = bilinear_source(align_corners, oj, in_w, out_w);
                real g = dp[(long)oi * out_w + oj];
                if (ly.i0 == h && lx.i0 == w) acc += ly.w0 * lx.w0 * g;
                if (ly.i0 == h && lx.i1 == w) acc += ly.w0 * lx.w1 * g;
                if (ly.i1 == h && lx.i0 == w) acc += ly.w1 * lx.w0 * g;
                if (ly.i1 == h && lx.i1 == w) acc += ly.w1 * lx.w1 * g;
            }
        }
        dx[i] = acc;
    }
}

static void cuda_upsample_bilinear_forward(bool align_corners, const real *x, dims4 sx, real *y, int out_h,
                                           int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(bilinear_forward_kernel, grid_for((size_t)n), CUDA_THREADS, align_corners, x, sx.d[2], sx.d[3], y,
                out_h, out_w, n);
}

static void cuda_upsample_bilinear_backward(bool align_corners, const real *dy, int out_h, int out_w, real *dx,
                                            dims4 sx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(bilinear_backward_kernel, grid_for((size_t)n), CUDA_THREADS, align_corners, dy, out_h, out_w, dx,
                sx.d[2], sx.d[3], n);
}

/* ---- fixed-window pooling ---- */

__device__ __forceinline__ void pool_clip(pool_window w, int i, int j, int in_h, int in_w, int *h0, int *h1,
                                          int *w0, int *w1) {
    int hs = i * w.sh - w.ph, ws = j * w.sw - w.pw;
    *h0 = hs > 0 ? hs : 0;
    *h1 = hs + w.kh < in_h ? hs + w.kh : in_h;
    *w0 = ws > 0 ? ws : 0;
    *w1 = ws + w.kw < in_w ? ws + w.kw : in_w;
}

/* Outputs [*lo, *hi) whose window (size k, stride s, pad p) covers input index h. */
__device__ __forceinline__ void pool_readers(int h, int k, int s, int p, int out, int *lo, int *hi) {
    int num = h + p - k + 1; /* first i with i*s - p + k > h */
    int first = num <= 0 ? 0 : (num + s - 1) / s;
    int last = (h + p) / s; /* i*s - p <= h */
    *lo = first;
    *hi = last + 1 < out ? last + 1 : out;
}

__global__ void avg_pool_forward_kernel(pool_window w, const real *x, int in_h, int in_w, real *y, int out_h,
                                        int out_w, real inv_area, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        int h0, h1, w0, w1;
        pool_clip(w, oh, ow, in_h, in_w, &h0, &h1, &w0, &w1);
        const real *xp = x + p * in_h * in_w;
        real s = 0;
        for (int h = h0; h < h1; h++)
            for (int c = w0; c < w1; c++) s += xp[(long)h * in_w + c];
        y[i] = s * inv_area;
    }
}

__global__ void avg_pool_backward_kernel(pool_window w, const real *dy, int out_h, int out_w, real *dx, int in_h,
                                         int in_w, real inv_area, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, c);
        int i0, i1, j0, j1;
        pool_readers(h, w.kh, w.sh, w.ph, out_h, &i0, &i1);
        pool_readers(c, w.kw, w.sw, w.pw, out_w, &j0, &j1);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int oi = i0; oi < i1; oi++)
            for (int oj = j0; oj < j1; oj++) acc += dp[(long)oi * out_w + oj] * inv_area;
        dx[i] = acc;
    }
}

static void cuda_avg_pool_forward(pool_window w, const real *x, dims4 sx, real *y, int out_h, int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    real inv_area = (real)1 / (real)(w.kh * w.kw);
    CUDA_LAUNCH(avg_pool_forward_kernel, grid_for((size_t)n), CUDA_THREADS, w, x, sx.d[2], sx.d[3], y, out_h, out_w,
                inv_area, n);
}

static void cuda_avg_pool_backward(pool_window w, const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    long n = (long)dims4_numel(sx);
    real inv_area = (real)1 / (real)(w.kh * w.kw);
    CUDA_LAUNCH(avg_pool_backward_kernel, grid_for((size_t)n), CUDA_THREADS, w, dy, out_h, out_w, dx, sx.d[2],
                sx.d[3], inv_area, n);
}

/* Max of rows [h0,h1) x columns [w0,w1) of one plane, first on ties, a NaN wins. */
__device__ __forceinline__ real window_max(const real *xp, int in_w, int h0, int h1, int w0, int w1, int *arg) {
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

__global__ void max_pool_forward_kernel(pool_window w, const real *x, int in_h, int in_w, real *y, int *argmax,
                                        int out_h, int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        int h0, h1, w0, w1, arg;
        pool_clip(w, oh, ow, in_h, in_w, &h0, &h1, &w0, &w1);
        y[i] = window_max(x + p * in_h * in_w, in_w, h0, h1, w0, w1, &arg);
        if (argmax) argmax[i] = arg;
    }
}

static void cuda_max_pool_forward(pool_window w, const real *x, dims4 sx, real *y, int *argmax, int out_h,
                                  int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(max_pool_forward_kernel, grid_for((size_t)n), CUDA_THREADS, w, x, sx.d[2], sx.d[3], y, argmax, out_h,
                out_w, n);
}

__global__ void max_pool_backward_kernel(const real *dy, const int *argmax, long out_plane, real *dx, long in_plane,
                                         long n) {
    GRID_STRIDE(o, n) atomicAdd(dx + (o / out_plane) * in_plane + argmax[o], dy[o]);
}

static void cuda_max_pool_backward(const real *dy, const int *argmax, int out_h, int out_w, real *dx, dims4 sx) {
    long out_plane = (long)out_h * out_w, n = (long)sx.d[0] * sx.d[1] * out_plane;
    CUDA_LAUNCH(max_pool_backward_kernel, grid_for((size_t)n), CUDA_THREADS, dy, argmax, out_plane, dx,
                (long)sx.d[2] * sx.d[3], n);
}

/* ---- adaptive pooling ---- */

__device__ __forceinline__ int bin_start(int i, int in, int out) { return (int)((long)i * in / out); }
__device__ __forceinline__ int bin_end(int i, int in, int out) { return (int)(((long)(i + 1) * in + out - 1) / out); }

__global__ void adaptive_avg_forward_kernel(const real *x, int in_h, int in_w, real *y, int out_h, int out_w,
                                            long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        int h0 = bin_start(oh, in_h, out_h), h1 = bin_end(oh, in_h, out_h);
        int w0 = bin_start(ow, in_w, out_w), w1 = bin_end(ow, in_w, out_w);
        const real *xp = x + p * in_h * in_w;
        real s = 0;
        for (int h = h0; h < h1; h++)
            for (int c = w0; c < w1; c++) s += xp[(long)h * in_w + c];
        y[i] = s / (real)((h1 - h0) * (w1 - w0));
    }
}

/* Bins that contain input index h: from floor(h*out/in), and no bin past
 * ceil((h+1)*out/in) starts at or before h; membership is checked anyway. */
__global__ void adaptive_avg_backward_kernel(const real *dy, int out_h, int out_w, real *dx, int in_h, int in_w,
                                             long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, w);
        int i0 = (int)((long)h * out_h / in_h), i1 = (int)(((long)(h + 1) * out_h + in_h - 1) / in_h);
        int j0 = (int)((long)w * out_w / in_w), j1 = (int)(((long)(w + 1) * out_w + in_w - 1) / in_w);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int oi = i0; oi < i1 && oi < out_h; oi++) {
            int h0 = bin_start(oi, in_h, out_h), h1 = bin_end(oi, in_h, out_h);
            if (h < h0 || h >= h1) continue;
            for (int oj = j0; oj < j1 && oj < out_w; oj++) {
                int w0 = bin_start(oj, in_w, out_w), w1 = bin_end(oj, in_w, out_w);
                if (w < w0 || w >= w1) continue;
                acc += dp[(long)oi * out_w + oj] / (real)((h1 - h0) * (w1 - w0));
            }
        }
        dx[i] = acc;
    }
}

__global__ void adaptive_max_forward_kernel(const real *x, int in_h, int in_w, real *y, int *argmax, int out_h,
                                            int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oh, ow);
        int arg;
        y[i] = window_max(x + p * in_h * in_w, in_w, bin_start(oh, in_h, out_h), bin_end(oh, in_h, out_h),
                          bin_start(ow, in_w, out_w), bin_end(ow, in_w, out_w), &arg);
        if (argmax) argmax[i] = arg;
    }
}

static void cuda_adaptive_avg_pool_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(adaptive_avg_forward_kernel, grid_for((size_t)n), CUDA_THREADS, x, sx.d[2], sx.d[3], y, out_h, out_w,
                n);
}

static void cuda_adaptive_avg_pool_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(adaptive_avg_backward_kernel, grid_for((size_t)n), CUDA_THREADS, dy, out_h, out_w, dx, sx.d[2],
                sx.d[3], n);
}

static void cuda_adaptive_max_pool_forward(const real *x, dims4 sx, real *y, int *argmax, int out_h, int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(adaptive_max_forward_kernel, grid_for((size_t)n), CUDA_THREADS, x, sx.d[2], sx.d[3], y, argmax, out_h,
                out_w, n);
}

/* Positional, in the order of core/kernels/spatial.h. */
extern "C" const struct spatial_kernels cuda_spatial_kernels = {
    cuda_pad_forward,
    cuda_pad_backward,
    cuda_upsample_nearest_forward,
    cuda_upsample_nearest_backward,
    cuda_upsample_bilinear_forward,
    cuda_upsample_bilinear_backward,
    cuda_avg_pool_forward,
    cuda_avg_pool_backward,
    cuda_max_pool_forward,
    cuda_adaptive_avg_pool_forward,
    cuda_adaptive_avg_pool_backward,
    cuda_adaptive_max_pool_forward,
    cuda_max_pool_backward,
};
