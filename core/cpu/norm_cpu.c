/* CPU reference kernels: segment normalisation (instance, group, layer
 * norm) and batch norm, each with a fused affine. Statistics accumulate in
 * double, shifted by the first value of the set: one pass over the data
 * without the cancellation of a plain sum of squares. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/norm.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

typedef struct {
    double shift, sum, sum_sq; /* of (x - shift) */
    long count;
} moments;

/* Sums over a run keep LANES partial sums side by side: one running sum
 * would make every add wait for the one before it (about 4 cycles per
 * value); independent lanes let the adds overlap, and the compiler
 * vectorise them. */
#define LANES 8

static inline void moments_add_run(moments *m, const real *x, int n) {
    double s[LANES] = {0}, sq[LANES] = {0}, k = m->shift;
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) {
            double d = (double)x[i + l] - k;
            s[l] += d;
            sq[l] += d * d;
        }
    for (; i < n; i++) {
        double d = (double)x[i] - k;
        s[0] += d;
        sq[0] += d * d;
    }
    for (int l = 0; l < LANES; l++) {
        m->sum += s[l];
        m->sum_sq += sq[l];
    }
    m->count += n;
}

/* *sum_dy = sum dy[i], *sum_dy_xc = sum dy[i] * (x[i] - mu), over one run. */
static inline void gradient_sums(const real *x, const real *dy, real mu, int n, double *sum_dy, double *sum_dy_xc) {
    double a[LANES] = {0}, b[LANES] = {0};
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) {
            a[l] += dy[i + l];
            b[l] += dy[i + l] * (x[i + l] - mu);
        }
    for (; i < n; i++) {
        a[0] += dy[i];
        b[0] += dy[i] * (x[i] - mu);
    }
    *sum_dy = *sum_dy_xc = 0;
    for (int l = 0; l < LANES; l++) {
        *sum_dy += a[l];
        *sum_dy_xc += b[l];
    }
}

static inline double moments_mean(const moments *m) { return m->shift + m->sum / (double)m->count; }

/* Biased variance; rounding can make the difference slightly negative. */
static inline double moments_var(const moments *m) {
    double mu = m->sum / (double)m->count, v = m->sum_sq / (double)m->count - mu * mu;
    return v > 0 ? v : 0;
}

/* ---- segments: instance, group and layer norm ---- */

static void cpu_segment_forward(const real *x, const real *gamma, const real *beta, norm_segments g, real eps,
                                real *y, real *mean, real *inv_std) {
    int runs = g.length / g.affine_run;
    long total = (long)g.count * g.length;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
    for (int s = 0; s < g.count; s++) {
        const real *xs = x + (long)s * g.length;
        real *ys = y + (long)s * g.length;
        moments m = {.shift = xs[0]};
        moments_add_run(&m, xs, g.length);
        real mu = (real)moments_mean(&m), inv = (real)(1 / sqrt(moments_var(&m) + (double)eps));
        mean[s] = mu;
        inv_std[s] = inv;
        int base = (s % g.per_sample) * runs;
        for (int r = 0; r < runs; r++) {
            /* y = x * scale + shift folds the normalisation and the affine. */
            real scale = inv * (gamma ? gamma[base + r] : 1);
            real shift = (beta ? beta[base + r] : 0) - mu * scale;
            const real *xr = xs + (long)r * g.affine_run;
            real *yr = ys + (long)r * g.affine_run;
            for (int j = 0; j < g.affine_run; j++) yr[j] = xr[j] * scale + shift;
        }
    }
}

/* Backward of segment s: dx (NULL: skip) += inv_std * (dxh - mean(dxh) -
 * xh * mean(dxh * xh)) with xh the normalised input and dxh = dy * gamma.
 * dgamma/dbeta (NULL: skip) get this segment's share; the caller makes sure
 * no other thread adds into the same entries. */
static void segment_backward_one(const real *x, const real *gamma, const real *dy, norm_segments g, int s,
                                 const real *mean, const real *inv_std, real *dx, real *dgamma, real *dbeta) {
    int runs = g.length / g.affine_run, base = (s % g.per_sample) * runs;
    long off = (long)s * g.length;
    real mu = mean[s], inv = inv_std[s];
    double sum_dxh = 0, sum_dxh_xh = 0;
    for (int r = 0; r < runs; r++) {
        const real *xr = x + off + (long)r * g.affine_run, *dyr = dy + off + (long)r * g.affine_run;
        double a, b;
        gradient_sums(xr, dyr, mu, g.affine_run, &a, &b);
        real gr = gamma ? gamma[base + r] : 1;
        sum_dxh += gr * a;
        sum_dxh_xh += gr * b * inv;
        if (dgamma) dgamma[base + r] += (real)(b * inv);
        if (dbeta) dbeta[base + r] += (real)a;
    }
    if (!dx) return;
    real c1 = (real)(sum_dxh / g.length), c2 = (real)(sum_dxh_xh / g.length) * inv;
    for (int r = 0; r < runs; r++) {
        long o = off + (long)r * g.affine_run;
        real gr = gamma ? gamma[base + r] : 1;
        for (int j = 0; j < g.affine_run; j++) dx[o + j] += inv * (dy[o + j] * gr - c1 - (x[o + j] - mu) * c2);
    }
}

/* Layer norm's affine gradient, parallel over affine entries: each sums its
 * runs over every sample, so no two threads add into the same entry. */
static void segment_affine_grad(const real *x, const real *dy, norm_segments g, const real *mean,
                                const real *inv_std, real *dgamma, real *dbeta) {
    int runs = g.length / g.affine_run, entries = g.per_sample * runs, samples = g.count / g.per_sample;
    long total = (long)g.count * g.length;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
    for (int a = 0; a < entries; a++) {
        int p = a / runs, r = a % runs;
        double sum_dy = 0, sum_dy_xh = 0;
        for (int n = 0; n < samples; n++) {
            int s = n * g.per_sample + p;
            long off = (long)s * g.length + (long)r * g.affine_run;
            double run_dy, run_dy_xc;
            gradient_sums(x + off, dy + off, mean[s], g.affine_run, &run_dy, &run_dy_xc);
            sum_dy += run_dy;
            sum_dy_xh += run_dy_xc * inv_std[s];
        }
        if (dgamma) dgamma[a] += (real)sum_dy_xh;
        if (dbeta) dbeta[a] += (real)sum_dy;
    }
}

/* Instance and group norm (runs longer than one value): parallel over the
 * segment position within a sample, so a thread owns that position's affine
 * entries across all samples and the affine gradient comes from the same
 * pass as dx. Layer norm (one entry per value): parallel over segments,
 * then a separate pass for the affine gradient. */
static void cpu_segment_backward(const real *x, const real *gamma, const real *dy, norm_segments g, const real *mean,
                                 const real *inv_std, real *dx, real *dgamma, real *dbeta) {
    long total = (long)g.count * g.length;
    if (g.affine_run > 1) {
        int samples = g.count / g.per_sample;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
        for (int p = 0; p < g.per_sample; p++)
            for (int n = 0; n < samples; n++)
                segment_backward_one(x, gamma, dy, g, n * g.per_sample + p, mean, inv_std, dx, dgamma, dbeta);
        return;
    }
    if (dx) {
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
        for (int s = 0; s < g.count; s++) segment_backward_one(x, gamma, dy, g, s, mean, inv_std, dx, NULL, NULL);
    }
    if (dgamma || dbeta) segment_affine_grad(x, dy, g, mean, inv_std, dgamma, dbeta);
}

/* ---- batch norm: channel k of x (n, c, s) over n*s strided values ---- */

static inline void batch_apply(const real *x, real *y, int n, int c, int s, int k, real scale, real shift) {
    for (int i = 0; i < n; i++) {
        long off = ((long)i * c + k) * s;
        for (int j = 0; j < s; j++) y[off + j] = x[off + j] * scale + shift;
    }
}

static void cpu_batch_forward_train(const real *x, const real *gamma, const real *beta, int n, int c, int s,
                                    real eps, real momentum, real *y, real *mean, real *inv_std, real *running_mean,
                                    real *running_var) {
    long total = (long)n * c * s;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
    for (int k = 0; k < c; k++) {
        moments m = {.shift = x[(long)k * s]};
        for (int i = 0; i < n; i++) moments_add_run(&m, x + ((long)i * c + k) * s, s);
        double mu = moments_mean(&m), var = moments_var(&m);
        real inv = (real)(1 / sqrt(var + (double)eps));
        mean[k] = (real)mu;
        inv_std[k] = inv;
        /* Running variance is unbiased (PyTorch); the normalisation is not. */
        if (running_mean) running_mean[k] = (1 - momentum) * running_mean[k] + momentum * (real)mu;
        if (running_var)
            running_var[k] = (1 - momentum) * running_var[k] + momentum * (real)(var * m.count / (m.count - 1));
        real scale = inv * (gamma ? gamma[k] : 1);
        batch_apply(x, y, n, c, s, k, scale, (beta ? beta[k] : 0) - (real)mu * scale);
    }
}

static void cpu_batch_forward_eval(const real *x, const real *gamma, const real *beta, int n, int c, int s, real eps,
                                   const real *running_mean, const real *running_var, real *y, real *mean,
                                   real *inv_std) {
    long total = (long)n * c * s;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
    for (int k = 0; k < c; k++) {
        real mu = running_mean[k], inv = 1 / sqrt(running_var[k] + eps);
        mean[k] = mu;
        inv_std[k] = inv;
        real scale = inv * (gamma ? gamma[k] : 1);
        batch_apply(x, y, n, c, s, k, scale, (beta ? beta[k] : 0) - mu * scale);
    }
}

static void cpu_batch_backward(const real *x, const real *gamma, const real *dy, int n, int c, int s, bool training,
                               const real *mean, const real *inv_std, real *dx, real *dgamma, real *dbeta) {
    long total = (long)n * c * s, count = (long)n * s;
#pragma omp parallel for schedule(static) if (total >= PARALLEL_MIN)
    for (int k = 0; k < c; k++) {
        real mu = mean[k], inv = inv_std[k];
        double sum_dy = 0, sum_dy_xc = 0; /* xc = x - mean */
        for (int i = 0; i < n; i++) {
            long off = ((long)i * c + k) * s;
            for (int j = 0; j < s; j++) {
                sum_dy += dy[off + j];
                sum_dy_xc += dy[off + j] * (x[off + j] - mu);
            }
        }
        if (dgamma) dgamma[k] += (real)(sum_dy_xc * inv);
        if (dbeta) dbeta[k] += (real)sum_dy;
        if (!dx) continue;
        real g_inv = inv * (gamma ? gamma[k] : 1);
        /* With batch statistics the mean and variance also depend on x. */
        real c1 = training ? (real)(sum_dy / count) : 0;
        real c2 = training ? (real)(sum_dy_xc / count) * inv * inv : 0;
        for (int i = 0; i < n; i++) {
            long off = ((long)i * c + k) * s;
            for (int j = 0; j < s; j++) dx[off + j] += g_inv * (dy[off + j] - c1 - (x[off + j] - mu) * c2);
        }
    }
}

const struct norm_kernels cpu_norm_kernels = {
    .segment_forward = cpu_segment_forward,
    .segment_backward = cpu_segment_backward,
    .batch_forward_train = cpu_batch_forward_train,
    .batch_forward_eval = cpu_batch_forward_eval,
    .batch_backward = cpu_batch_backward,
};
