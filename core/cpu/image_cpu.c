/* CPU reference kernels: area downscaling and separable filtering with
 * BORDER_REFLECT_101. Forward passes gather per output row, in parallel;
 * backward passes scatter, in parallel over whatever they cannot collide in. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/image.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

static inline long plane_count(dims4 s) { return (long)s.d[0] * s.d[1]; }

/* ---- area downscale ----
 * Measured in units of 1/(in*out) of the input, input pixel i spans
 * [i*out, (i+1)*out) and output pixel j spans [j*in, (j+1)*in): integer
 * overlaps, so the weights are exact for any ratio. */

static inline int area_first(int j, int in, int out) { return (int)((long)j * in / out); }
static inline int area_last(int j, int in, int out) { return (int)(((long)(j + 1) * in - 1) / out); }

/* Share of output pixel j's span that input pixel i covers. */
static inline real area_weight(int i, int j, int in, int out) {
    long lo = (long)i * out > (long)j * in ? (long)i * out : (long)j * in;
    long hi = (long)(i + 1) * out < (long)(j + 1) * in ? (long)(i + 1) * out : (long)(j + 1) * in;
    return (real)(hi - lo) / (real)in;
}

static void cpu_area_downscale_forward(const real *x, dims4 sx, real *y, int out_h, int out_w) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for collapse(2) if (planes * in_h * in_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++)
        for (int i = 0; i < out_h; i++) {
            const real *xp = x + p * in_h * in_w;
            real *row = y + (p * out_h + i) * out_w;
            int r0 = area_first(i, in_h, out_h), r1 = area_last(i, in_h, out_h);
            for (int j = 0; j < out_w; j++) {
                int c0 = area_first(j, in_w, out_w), c1 = area_last(j, in_w, out_w);
                real s = 0;
                for (int r = r0; r <= r1; r++) {
                    real rs = 0;
                    for (int c = c0; c <= c1; c++) rs += area_weight(c, j, in_w, out_w) * xp[(long)r * in_w + c];
                    s += area_weight(r, i, in_h, out_h) * rs;
                }
                row[j] = s;
            }
        }
}

static void cpu_area_downscale_backward(const real *dy, int out_h, int out_w, real *dx, dims4 sx) {
    int in_h = sx.d[2], in_w = sx.d[3];
    long planes = plane_count(sx);
#pragma omp parallel for if (planes * in_h * in_w >= PARALLEL_MIN)
    for (long p = 0; p < planes; p++) {
        real *dxp = dx + p * in_h * in_w;
        for (int i = 0; i < out_h; i++) {
            int r0 = area_first(i, in_h, out_h), r1 = area_last(i, in_h, out_h);
            for (int j = 0; j < out_w; j++) {
                int c0 = area_first(j, in_w, out_w), c1 = area_last(j, in_w, out_w);
                real g = dy[(p * out_h + i) * out_w + j];
                for (int r = r0; r <= r1; r++) {
                    real gr = g * area_weight(r, i, in_h, out_h);
                    for (int c = c0; c <= c1; c++) dxp[(long)r * in_w + c] += gr * area_weight(c, j, in_w, out_w);
                }
            }
        }
    }
}

/* ---- separable filter ---- */

/* Position i of a dim of size n under BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba),
 * mirrored as often as needed: the pattern has period 2(n-1). */
static inline int reflect101(int i, int n) {
    if (i >= 0 && i < n) return i;
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

static void cpu_separable_filter_forward(const real *x, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                         real *tmp, real *y, int groups, int group) {
    int in_h = sx.d[2], in_w = sx.d[3], rx = nx / 2, ry = ny / 2;
    long planes = plane_count(sx);
    bool parallel = planes * in_h * in_w >= PARALLEL_MIN;
#pragma omp parallel for collapse(2) if (parallel)
    for (long p = 0; p < planes; p++)
        for (int h = 0; h < in_h; h++) {
            const real *src = x + (p * in_h + h) * in_w;
            real *dst = tmp + (p * in_h + h) * in_w;
            for (int w = 0; w < in_w; w++) {
                real s = 0;
                for (int k = 0; k < nx; k++) s += kx[k] * src[reflect101(w + k - rx, in_w)];
                dst[w] = s;
            }
        }
#pragma omp parallel for collapse(2) if (parallel)
    for (long p = 0; p < planes; p++)
        for (int h = 0; h < in_h; h++) {
            real *dst = y + ((p * groups + group) * in_h + h) * in_w;
            for (int w = 0; w < in_w; w++) dst[w] = 0;
            for (int k = 0; k < ny; k++) {
                const real *src = tmp + (p * in_h + reflect101(h + k - ry, in_h)) * in_w;
                for (int w = 0; w < in_w; w++) dst[w] += ky[k] * src[w];
            }
        }
}

/* The forward pass is y = V(H(x)) with V, H linear, so dx += H^T(V^T dy):
 * each transpose scatters every tap back to the position it read. */
static void cpu_separable_filter_backward(const real *dy, dims4 sx, const real *kx, int nx, const real *ky, int ny,
                                          real *tmp, real *dx, int groups, int group) {
    int in_h = sx.d[2], in_w = sx.d[3], rx = nx / 2, ry = ny / 2;
    long planes = plane_count(sx);
    bool parallel = planes * in_h * in_w >= PARALLEL_MIN;
    /* V^T: rows of one plane scatter into each other, so planes are the unit of work. */
#pragma omp parallel for if (parallel)
    for (long p = 0; p < planes; p++) {
        real *tp = tmp + p * in_h * in_w;
        for (long i = 0; i < (long)in_h * in_w; i++) tp[i] = 0;
        for (int h = 0; h < in_h; h++) {
            const real *g = dy + ((p * groups + group) * in_h + h) * in_w;
            for (int k = 0; k < ny; k++) {
                real *dst = tp + (long)reflect101(h + k - ry, in_h) * in_w;
                for (int w = 0; w < in_w; w++) dst[w] += ky[k] * g[w];
            }
        }
    }
    /* H^T: each row scatters within itself. */
#pragma omp parallel for collapse(2) if (parallel)
    for (long p = 0; p < planes; p++)
        for (int h = 0; h < in_h; h++) {
            const real *g = tmp + (p * in_h + h) * in_w;
            real *dst = dx + (p * in_h + h) * in_w;
            for (int w = 0; w < in_w; w++)
                for (int k = 0; k < nx; k++) dst[reflect101(w + k - rx, in_w)] += kx[k] * g[w];
        }
}

const struct image_kernels cpu_image_kernels = {
    .area_downscale_forward = cpu_area_downscale_forward,
    .area_downscale_backward = cpu_area_downscale_backward,
    .separable_filter_forward = cpu_separable_filter_forward,
    .separable_filter_backward = cpu_separable_filter_backward,
};
