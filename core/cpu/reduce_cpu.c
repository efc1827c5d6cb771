/* CPU reference kernels: sum/mean and max over any set of dims, softmax and
 * log_softmax along one dim. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/reduce.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

/* How a reduction walks x: one output per position of `out`; the group of
 * an output spans `group` (the reduced extents) from its base offset. */
typedef struct {
    dims4 out, group;
    long stride[4]; /* of x */
} reduce_plan;

static reduce_plan plan_of(dims4 sx, unsigned mask) {
    reduce_plan p;
    long stride = 1;
    for (int i = 3; i >= 0; i--) {
        bool reduced = mask & (1u << i);
        p.out.d[i] = reduced ? 1 : sx.d[i];
        p.group.d[i] = reduced ? sx.d[i] : 1;
        p.stride[i] = stride;
        stride *= sx.d[i];
    }
    return p;
}

/* Offset in x of the first element of output o's group. */
static long group_base(const reduce_plan *p, long o) {
    long base = 0;
    for (int i = 3; i >= 0; i--) {
        base += (o % p->out.d[i]) * p->stride[i];
        o /= p->out.d[i];
    }
    return base;
}

/* Double accumulation keeps float32 sums of large images accurate. */
static double group_sum(const real *x, const reduce_plan *p) {
    double s = 0;
    for (int r0 = 0; r0 < p->group.d[0]; r0++)
        for (int r1 = 0; r1 < p->group.d[1]; r1++)
            for (int r2 = 0; r2 < p->group.d[2]; r2++) {
                const real *row = x + r0 * p->stride[0] + r1 * p->stride[1] + r2 * p->stride[2];
                for (int r3 = 0; r3 < p->group.d[3]; r3++) s += row[r3 * p->stride[3]];
            }
    return s;
}

/* Offset (from x) of the group's first maximal element in memory order. */
static long group_argmax(const real *x, const reduce_plan *p) {
    long best = 0;
    for (int r0 = 0; r0 < p->group.d[0]; r0++)
        for (int r1 = 0; r1 < p->group.d[1]; r1++)
            for (int r2 = 0; r2 < p->group.d[2]; r2++)
                for (int r3 = 0; r3 < p->group.d[3]; r3++) {
                    long off = r0 * p->stride[0] + r1 * p->stride[1] + r2 * p->stride[2] + r3 * p->stride[3];
                    if (x[off] > x[best]) best = off;
                }
    return best;
}

static void cpu_sum_forward(const real *x, dims4 sx, unsigned mask, real scale, real *y) {
    reduce_plan p = plan_of(sx, mask);
    long n_out = (long)dims4_numel(p.out);
#pragma omp parallel for if (dims4_numel(sx) >= PARALLEL_MIN && n_out > 1)
    for (long o = 0; o < n_out; o++) y[o] = (real)(scale * group_sum(x + group_base(&p, o), &p));
}

/* Parallel over x: every dx element is written by exactly one iteration. */
static void cpu_sum_backward(const real *dy, dims4 sx, unsigned mask, real scale, real *dx) {
    reduce_plan p = plan_of(sx, mask);
    long ystride[4], stride = 1;
    for (int i = 3; i >= 0; i--) {
        ystride[i] = p.group.d[i] > 1 ? 0 : stride;
        stride *= p.out.d[i];
    }
#pragma omp parallel for collapse(2) if (dims4_numel(sx) >= PARALLEL_MIN)
    for (int i0 = 0; i0 < sx.d[0]; i0++)
        for (int i1 = 0; i1 < sx.d[1]; i1++)
            for (int i2 = 0; i2 < sx.d[2]; i2++) {
                real *row = dx + i0 * p.stride[0] + i1 * p.stride[1] + i2 * p.stride[2];
                const real *g = dy + i0 * ystride[0] + i1 * ystride[1] + i2 * ystride[2];
                for (int i3 = 0; i3 < sx.d[3]; i3++) row[i3] += scale * g[i3 * ystride[3]];
            }
}

static void cpu_max_forward(const real *x, dims4 sx, unsigned mask, real *y) {
    reduce_plan p = plan_of(sx, mask);
    long n_out = (long)dims4_numel(p.out);
#pragma omp parallel for if (dims4_numel(sx) >= PARALLEL_MIN && n_out > 1)
    for (long o = 0; o < n_out; o++) {
        const real *g = x + group_base(&p, o);
        y[o] = g[group_argmax(g, &p)];
    }
}

/* Groups are disjoint, so outputs never add into the same dx element. */
static void cpu_max_backward(const real *x, dims4 sx, unsigned mask, const real *dy, real *dx) {
    reduce_plan p = plan_of(sx, mask);
    long n_out = (long)dims4_numel(p.out);
#pragma omp parallel for if (dims4_numel(sx) >= PARALLEL_MIN && n_out > 1)
    for (long o = 0; o < n_out; o++) {
        long base = group_base(&p, o);
        dx[base + group_argmax(x + base, &p)] += dy[o];
    }
}

/* x seen as (outer, n, inner) around `axis`: softmax runs along n, with
 * stride `inner`, for each of the outer * inner lines. */
typedef struct {
    long outer, n, inner;
} axis_view;

static axis_view axis_view_of(dims4 sx, int axis) {
    axis_view v = {1, sx.d[axis], 1};
    for (int i = 0; i < axis; i++) v.outer *= sx.d[i];
    for (int i = axis + 1; i < 4; i++) v.inner *= sx.d[i];
    return v;
}

static void cpu_softmax_forward(const real *x, dims4 sx, int axis, bool is_log, real *y) {
    axis_view v = axis_view_of(sx, axis);
    long lines = v.outer * v.inner;
#pragma omp parallel for if (dims4_numel(sx) >= PARALLEL_MIN)
    for (long l = 0; l < lines; l++) {
        long start = (l / v.inner) * v.n * v.inner + l % v.inner;
        const real *xl = x + start;
        real *yl = y + start;
        real m = xl[0];
        for (long k = 1; k < v.n; k++) m = fmax(m, xl[k * v.inner]);
        double s = 0;
        for (long k = 0; k < v.n; k++) s += exp(xl[k * v.inner] - m);
        if (is_log) {
            real lse = m + (real)log(s);
            for (long k = 0; k < v.n; k++) yl[k * v.inner] = xl[k * v.inner] - lse;
        } else {
            for (long k = 0; k < v.n; k++) yl[k * v.inner] = (real)(exp(xl[k * v.inner] - m) / s);
        }
    }
}

static void cpu_softmax_backward(const real *y, const real *dy, dims4 sx, int axis, bool is_log, real *dx) {
    axis_view v = axis_view_of(sx, axis);
    long lines = v.outer * v.inner;
#pragma omp parallel for if (dims4_numel(sx) >= PARALLEL_MIN)
    for (long l = 0; l < lines; l++) {
        long start = (l / v.inner) * v.n * v.inner + l % v.inner;
        const real *yl = y + start, *gl = dy + start;
        real *dl = dx + start;
        double s = 0;
        for (long k = 0; k < v.n; k++) s += is_log ? gl[k * v.inner] : gl[k * v.inner] * yl[k * v.inner];
        for (long k = 0; k < v.n; k++) {
            long i = k * v.inner;
            dl[i] += is_log ? gl[i] - exp(yl[i]) * (real)s : yl[i] * (gl[i] - (real)s);
        }
    }
}

const struct reduce_kernels cpu_reduce_kernels = {
    .sum_forward = cpu_sum_forward,
    .sum_backward = cpu_sum_backward,
    .max_forward = cpu_max_forward,
    .max_backward = cpu_max_backward,
    .softmax_forward = cpu_softmax_forward,
    .softmax_backward = cpu_softmax_backward,
};
