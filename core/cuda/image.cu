/* CUDA kernels: area downscaling and separable filtering with
 * BORDER_REFLECT_101, as core/cpu/image_cpu.c specifies them. Forward
 * passes add in the CPU's order (identical results); backward passes
 * gather from the outputs that read each input value instead of
 * scattering: area downscale in the CPU's order, the filter adjoint in
 * double over the taps that reach the value. */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/image.h"
}

#define PLANE_DECODE(i, rows, cols, p, h, w)                 \
    long p = (i) / ((long)(rows) * (cols));                  \
    int h = (int)((i) / (cols) % (rows)), w = (int)((i) % (cols))

/* ---- area downscale (integer overlaps, see the CPU file) ---- */

__device__ __forceinline__ int area_first(int j, int in, int out) { return (int)((long)j * in / out); }
__device__ __forceinline__ int area_last(int j, int in, int out) { return (int)(((long)(j + 1) * in - 1) / out); }

__device__ __forceinline__ real area_weight(int i, int j, int in, int out) {
    long lo = (long)i * out > (long)j * in ? (long)i * out : (long)j * in;
    long hi = (long)(i + 1) * out < (long)(j + 1) * in ? (long)(i + 1) * out : (long)(j + 1) * in;
    return (real)(hi - lo) / (real)in;
}

__global__ void area_forward_kernel(const real *x, int in_h, int in_w, real *y, int out_h, int out_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, out_h, out_w, p, oi, oj);
        const real *xp = x + p * in_h * in_w;
        int r0 = area_first(oi, in_h, out_h), r1 = area_last(oi, in_h, out_h);
        int c0 = area_first(oj, in_w, out_w), c1 = area_last(oj, in_w, out_w);
        real s = 0;
        for (int r = r0; r <= r1; r++) {
            real rs = 0;
            for (int c = c0; c <= c1; c++) rs += area_weight(c, oj, in_w, out_w) * xp[(long)r * in_w + c];
            s += area_weight(r, oi, in_h, out_h) * rs;
        }
        y[i] = s;
    }
}

/* Outputs whose span reaches input index r: from floor(r*out/in) to
 * ceil((r+1)*out/in) - 1, checked against the forward's own bounds. */
__global__ void area_backward_kernel(const real *dy, int out_h, int out_w, real *dx, int in_h, int in_w, long n) {
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, r, c);
        int i0 = (int)((long)r * out_h / in_h), i1 = (int)(((long)(r + 1) * out_h + in_h - 1) / in_h);
        int j0 = (int)((long)c * out_w / in_w), j1 = (int)(((long)(c + 1) * out_w + in_w - 1) / in_w);
        real acc = dx[i];
        const real *dp = dy + p * out_h * out_w;
        for (int oi = i0; oi < i1 && oi < out_h; oi++) {
            if (r < area_first(oi, in_h, out_h) || r > area_last(oi, in_h, out_h)) continue;
            for (int oj = j0; oj < j1 && oj < out_w; oj++) {
                if (c < area_first(oj, in_w, out_w) || c > area_last(oj, in_w, out_w)) continue;
                real gr = dp[(long)oi * out_w + oj] * area_weight(r, oi, in_h, out_h);
                acc += gr * area_weight(c, oj, in_w, out_w);
            }
        }
        dx[i] = acc;
    }
}

static void cuda_area_downscale_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    long n = (long)sx.d[0] * sx.d[1] * out_h * out_w;
    CUDA_LAUNCH(area_forward_kernel, grid_for((size_t)n), CUDA_THREADS, x, sx.d[2], sx.d[3], y, out_h, out_w, n);
}

static void cuda_area_downscale_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(area_backward_kernel, grid_for((size_t)n), CUDA_THREADS, dy, out_h, out_w, dx, sx.d[2], sx.d[3], n);
}

/* ---- separable filter ---- */

/* BORDER_REFLECT_101 with period 2(n-1), mirrored as often as needed. */
__device__ __forceinline__ int reflect101(int i, int n) {
    if (i >= 0 && i < n) return i;
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

/* Adds f(q) to acc for every q in [lo, hi] with reflect101(q, n) == t: the
 * q congruent to t, or to -t when t is not an end, modulo the period. */
template <class F>
__device__ double sum_reflect_preimages(int t, int n, int lo, int hi, F f) {
    double acc = 0;
    if (n == 1) {
        for (int q = lo; q <= hi; q++) acc += f(q);
        return acc;
    }
    int period = 2 * (n - 1);
    int residues[2] = {t, period - t};
    int n_residues = (t > 0 && t < n - 1) ? 2 : 1;
    for (int k = 0; k < n_residues; k++) {
        int c = residues[k];
        /* The first q >= lo with q = c (mod period). */
        int m = (lo - c) >= 0 ? (lo - c + period - 1) / period : -((c - lo) / period);
        for (int q = c + m * period; q <= hi; q += period) acc += f(q);
    }
    return acc;
}

__global__ void filter_rows_kernel(const real *x, int in_h, int in_w, const real *kx, int nx, real *tmp, long n) {
    int rx = nx / 2;
    GRID_STRIDE(i, n) {
        const real *src = x + (i / in_w) * in_w;
        int w = (int)(i % in_w);
        real s = 0;
        for (int k = 0; k < nx; k++) s += kx[k] * src[reflect101(w + k - rx, in_w)];
        tmp[i] = s;
    }
}

__global__ void filter_columns_kernel(const real *tmp, int in_h, int in_w, const real *ky, int ny, real *y, int groups,
                                      int group, long n) {
    int ry = ny / 2;
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, h, w);
        const real *tp = tmp + p * in_h * in_w;
        real s = 0;
        for (int k = 0; k < ny; k++) s += ky[k] * tp[(long)reflect101(h + k - ry, in_h) * in_w + w];
        y[((p * groups + group) * in_h + h) * in_w + w] = s;
    }
}

static void cuda_separable_filter_forward(const real *x, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                          real *tmp, real *y, int groups, int group) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(filter_rows_kernel, grid_for((size_t)n), CUDA_THREADS, x, sx.d[2], sx.d[3], kx, nx, tmp, n);
    CUDA_LAUNCH(filter_columns_kernel, grid_for((size_t)n), CUDA_THREADS, tmp, sx.d[2], sx.d[3], ky, ny, y, groups,
                group, n);
}

/* V^T: tmp(t, w) = sum over (h, k) with reflect101(h + k - ry) = t of ky[k] dy(h, w). */
struct column_adjoint_term {
    const real *g; /* dy plane, column w */
    int in_w, k, ry;
    real tap;
    __device__ double operator()(int q) const { return (double)(tap * g[(long)(q - k + ry) * in_w]); }
};

__global__ void adjoint_columns_kernel(const real *dy, int in_h, int in_w, const real *ky, int ny, real *tmp,
                                       int groups, int group, long n) {
    int ry = ny / 2;
    GRID_STRIDE(i, n) {
        PLANE_DECODE(i, in_h, in_w, p, t, w);
        const real *g = dy + (p * groups + group) * in_h * in_w + w;
        double acc = 0;
        for (int k = 0; k < ny; k++) {
            column_adjoint_term f = {g, in_w, k, ry, ky[k]};
            acc += sum_reflect_preimages(t, in_h, k - ry, in_h - 1 + k - ry, f);
        }
        tmp[i] = (real)acc;
    }
}

/* H^T: dx(h, t) += sum over (w, k) with reflect101(w + k - rx) = t of kx[k] tmp(h, w). */
struct row_adjoint_term {
    const real *row; /* tmp row h */
    int k, rx;
    real tap;
    __device__ double operator()(int q) const { return (double)(tap * row[q - k + rx]); }
};

__global__ void adjoint_rows_kernel(const real *tmp, int in_w, const real *kx, int nx, real *dx, long n) {
    int rx = nx / 2;
    GRID_STRIDE(i, n) {
        const real *row = tmp + (i / in_w) * in_w;
        int t = (int)(i % in_w);
        double acc = 0;
        for (int k = 0; k < nx; k++) {
            row_adjoint_term f = {row, k, rx, kx[k]};
            acc += sum_reflect_preimages(t, in_w, k - rx, in_w - 1 + k - rx, f);
        }
        dx[i] += (real)acc;
    }
}

static void cuda_separable_filter_backward(const real *dy, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                           real *tmp, real *dx, int groups, int group) {
    long n = (long)dims4_numel(sx);
    CUDA_LAUNCH(adjoint_columns_kernel, grid_for((size_t)n), CUDA_THREADS, dy, sx.d[2], sx.d[3], ky, ny, tmp, groups,
                group, n);
    CUDA_LAUNCH(adjoint_rows_kernel, grid_for((size_t)n), CUDA_THREADS, tmp, sx.d[3], kx, nx, dx, n);
}

/* Positional, in the order of core/kernels/image.h. */
extern "C" const struct image_kernels cuda_image_kernels = {
    cuda_area_downscale_forward,
    cuda_area_downscale_backward,
    cuda_separable_filter_forward,
    cuda_separable_filter_backward,
};
