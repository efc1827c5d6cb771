/* conv2d and conv_transpose2d: forward and all three gradients against
 * naive loops (a direct 7-loop convolution, and the transposed convolution
 * by its definition as a scatter), the kernel table's overwrite/accumulate
 * contract, and every bad-input path. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu/conv_packed.h"
#include "core/kernels/conv.h"
#include "core/ops/conv.h"
#include "core/rng.h"
#include "tests/test.h"

#define TOL (REAL_IS_DOUBLE ? 1e-12 : 2e-5)

static void fill_normal(real *v, size_t n, uint64_t seed) {
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) v[i] = (real)rng_normal(&r);
}

static tensor *random_input(tape *t, int ndim, const int *shape, uint64_t seed, const char *name) {
    size_t n = shape_numel(ndim, shape);
    real *v = malloc(n * sizeof *v);
    if (!v) return NULL;
    fill_normal(v, n, seed);
    tensor *x = tape_from_host(t, ndim, shape, v, name);
    free(v);
    if (x) tape_set_requires_grad(t, x);
    return x;
}

/* max |a - b| / max(1, max |b|): norm-wise, so a long float32 sum that
 * cancels to a small value is not held to a tighter bound than its terms. */
static double max_rel_diff(const real *a, const double *b, size_t n) {
    double diff = 0, scale = 1;
    for (size_t i = 0; i < n; i++) {
        diff = fmax(diff, fabs((double)a[i] - b[i]));
        scale = fmax(scale, fabs(b[i]));
    }
    return diff / scale;
}

static double *zeros(size_t n) { return calloc(n, sizeof(double)); }

typedef struct {
    int n, c, h, w, o, kh, kw;
    conv2d_args a;
    bool bias;
} conv_config;

/* Forward and gradients of one config, both from the op and from the direct loops:
 * y[n,o,oy,ox] = b[o] + sum_{c in group, i, j} x[n, c, oy*s - p + i*d, ox*s - p + j*d] w[o, c, i, j]. */
static void check_conv2d(test_ctx *tc, conv_config cf) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    int sh = cf.a.stride_h ? cf.a.stride_h : 1, sw = cf.a.stride_w ? cf.a.stride_w : 1;
    int dh = cf.a.dilation_h ? cf.a.dilation_h : 1, dw = cf.a.dilation_w ? cf.a.dilation_w : 1;
    int groups = cf.a.groups ? cf.a.groups : 1, cg = cf.c / groups, og = cf.o / groups;
    tensor *x = random_input(t, 4, (int[]){cf.n, cf.c, cf.h, cf.w}, 11, "x");
    tensor *w = random_input(t, 4, (int[]){cf.o, cg, cf.kh, cf.kw}, 12, "w");
    tensor *b = cf.bias ? random_input(t, 1, (int[]){cf.o}, 13, "b") : NULL;
    REQUIRE(x && w && (!cf.bias || b));
    tensor *y = op_conv2d(t, x, w, b, cf.a);
    REQUIRE(y);
    int oh = (cf.h + 2 * cf.a.pad_h - dh * (cf.kh - 1) - 1) / sh + 1;
    int ow = (cf.w + 2 * cf.a.pad_w - dw * (cf.kw - 1) - 1) / sw + 1;
    REQUIRE(y->ndim == 4 && y->shape[0] == cf.n && y->shape[1] == cf.o && y->shape[2] == oh && y->shape[3] == ow);
    tensor *dy = random_input(t, 4, y->shape, 14, "dy");
    REQUIRE(dy);
    REQUIRE(tape_backward(t, y, dy) == GANC_OK);

    double *ref = zeros(y->numel), *dx = zeros(x->numel), *dwr = zeros(w->numel), *db = zeros((size_t)cf.o);
    REQUIRE(ref && dx && dwr && db);
    for (int n = 0; n < cf.n; n++)
        for (int o = 0; o < cf.o; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    long yi = (((long)n * cf.o + o) * oh + oy) * ow + ox;
                    double s = cf.bias ? b->data[o] : 0, g = dy->data[yi];
                    for (int ci = 0; ci < cg; ci++)
                        for (int i = 0; i < cf.kh; i++)
                            for (int j = 0; j < cf.kw; j++) {
                                int iy = oy * sh - cf.a.pad_h + i * dh, ix = ox * sw - cf.a.pad_w + j * dw;
                                if (iy < 0 || iy >= cf.h || ix < 0 || ix >= cf.w) continue;
                                int c = o / og * cg + ci;
                                long xi = (((long)n * cf.c + c) * cf.h + iy) * cf.w + ix;
                                long wi = (((long)o * cg + ci) * cf.kh + i) * cf.kw + j;
                                s += (double)x->data[xi] * w->data[wi];
                                dx[xi] += g * w->data[wi];
                                dwr[wi] += g * x->data[xi];
                            }
                    ref[yi] = s;
                    db[o] += g;
                }
    char what[96];
    snprintf(what, sizeof what, "conv2d (%d,%d,%d,%d) w (%d,%d,%d,%d) groups %d", cf.n, cf.c, cf.h, cf.w, cf.o, cg,
             cf.kh, cf.kw, groups);
    CHECK_MSG(max_rel_diff(y->data, ref, y->numel) < TOL, "%s: forward differs", what);
    CHECK_MSG(max_rel_diff(x->grad, dx, x->numel) < TOL, "%s: grad x differs", what);
    CHECK_MSG(max_rel_diff(w->grad, dwr, w->numel) < TOL, "%s: grad w differs", what);
    if (cf.bias) CHECK_MSG(max_rel_diff(b->grad, db, (size_t)cf.o) < TOL, "%s: grad b differs", what);
    free(ref);
    free(dx);
    free(dwr);
    free(db);
    tape_free(t);
}

TEST(conv2d_matches_direct_loops) {
    const conv_config configs[] = {
        {2, 3, 8, 7, 4, 3, 3, {.pad_h = 1, .pad_w = 1}, true},
        {2, 4, 9, 8, 6, 3, 3, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}, true},
        {1, 3, 9, 9, 4, 3, 3, {.pad_h = 2, .pad_w = 2, .dilation_h = 2, .dilation_w = 2}, false},
        {2, 4, 6, 6, 6, 3, 3, {.pad_h = 1, .pad_w = 1, .groups = 2}, true},
        {1, 4, 7, 7, 4, 3, 3, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .groups = 4}, true},
        {2, 8, 5, 6, 5, 1, 1, {0}, true},
        {1, 6, 5, 7, 4, 1, 1, {.stride_h = 2, .stride_w = 2}, false},
        {1, 3, 12, 11, 4, 7, 7, {.pad_h = 3, .pad_w = 3}, true},
        {1, 3, 10, 9, 2, 7, 7, {0}, false},
        {2, 3, 9, 10, 4, 2, 4, {.stride_h = 2, .stride_w = 3, .pad_w = 2}, true},
        {1, 2, 8, 9, 3, 3, 3, {.pad_h = 2, .pad_w = 3, .dilation_h = 2, .dilation_w = 3, .stride_w = 2}, false},
        /* Stride 1 with far more output than input channels, and padding wider than the kernel: the CPU's
         * backward-data folds back with col2im here instead of running as a flipped convolution. */
        {2, 2, 7, 6, 8, 3, 3, {.pad_h = 1, .pad_w = 1}, true},
        {1, 3, 4, 5, 2, 3, 3, {.pad_h = 3, .pad_w = 2}, false},
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) check_conv2d(tc, configs[i]);
}

/* An image wide enough that im2col runs in several row blocks, the last one partial. */
TEST(conv2d_matches_direct_loops_in_blocks) {
    conv_geom g = {.n = 2, .c = 32, .h = 37, .w = 70, .o = 8, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                   .pad_h = 1, .pad_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 1};
    conv_geom_set_output(&g);
    size_t whole_image = (size_t)g.c * g.kh * g.kw * g.oh * g.ow * sizeof(real);
    size_t per_thread = cpu_backend.conv->workspace_bytes(&g, CONV_PASS_FORWARD) / (size_t)omp_get_max_threads();
    CHECK_MSG(per_thread < whole_image, "this config is meant to need several blocks");
    check_conv2d(tc, (conv_config){2, 32, 37, 70, 8, 3, 3, {.pad_h = 1, .pad_w = 1}, true});
    check_conv2d(tc, (conv_config){1, 16, 41, 66, 6, 3, 3, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1,
                                                            .groups = 2}, false});
}

/* The packed AVX-512 path (core/cpu/conv_packed.c) against the direct
 * loops: forward, backward-data where it runs as a flipped forward, and
 * backward-weight for groups of at most 8 output channels.
 * Each config covers one way of packing: output channels a multiple of 8
 * or not (a last A panel with zero rows), one output channel, zero padding on all sides, rows shorter than a 32-pixel
 * panel (runs from several rows) and longer, a last partial panel, K above
 * the 256 of one k block, stride 2 (gathers), dilation, groups, a batch. */
TEST(conv2d_packed_path_matches_direct_loops) {
    if (!conv_packed_enabled()) SKIP("the packed path needs float32 and AVX-512 (and GANC_CPU_CONV not blas)");
    const conv_config configs[] = {
        {1, 8, 9, 7, 8, 3, 3, {.pad_h = 1, .pad_w = 1}, true},
        {2, 16, 6, 45, 16, 3, 3, {.pad_h = 1, .pad_w = 1}, false},
        {1, 32, 11, 13, 24, 3, 3, {.pad_h = 2, .pad_w = 2}, true},
        {1, 8, 13, 15, 16, 4, 4, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}, true},
        {1, 16, 9, 40, 8, 3, 3, {.stride_h = 2, .stride_w = 3, .pad_h = 1, .pad_w = 2}, false},
        {1, 8, 10, 11, 16, 3, 3, {.pad_h = 2, .pad_w = 2, .dilation_h = 2, .dilation_w = 2}, true},
        {2, 16, 7, 9, 16, 3, 3, {.pad_h = 1, .pad_w = 1, .groups = 2}, true},
        {1, 3, 12, 11, 8, 7, 7, {.pad_h = 3, .pad_w = 3}, true},
        {1, 8, 12, 11, 3, 7, 7, {.pad_h = 3, .pad_w = 3}, true},
        {1, 16, 6, 6, 8, 1, 1, {0}, false},
        {2, 12, 9, 10, 12, 3, 3, {.pad_h = 1, .pad_w = 1}, true},
        {1, 20, 6, 7, 1, 4, 4, {.pad_h = 1, .pad_w = 1}, true},
        {1, 6, 8, 9, 10, 3, 3, {.pad_h = 1, .pad_w = 1, .groups = 2}, false},
        {2, 5, 14, 13, 3, 7, 7, {.pad_h = 3, .pad_w = 3}, true},
        {1, 6, 40, 41, 4, 4, 4, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .groups = 2}, true},
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) check_conv2d(tc, configs[i]);
}

/* The scratch of one conv (one block per thread) must not grow with the
 * image: the step arena keeps it until the step ends. */
TEST(conv2d_workspace_is_bounded) {
    conv_geom g = {.n = 1, .c = 64, .h = 512, .w = 512, .o = 64, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1,
                   .pad_h = 1, .pad_w = 1, .dilation_h = 1, .dilation_w = 1, .groups = 1};
    conv_geom_set_output(&g);
    for (int p = CONV_PASS_FORWARD; p <= CONV_PASS_BACKWARD_WEIGHT; p++)
        CHECK(cpu_backend.conv->workspace_bytes(&g, (conv_pass)p) <= (size_t)omp_get_max_threads() << 22);
}

typedef struct {
    int n, c, h, w, o, kh, kw;
    conv_transpose2d_args a;
    bool bias;
} convt_config;

/* The transposed convolution by its definition: each input pixel scatters
 * its value times the kernel into the output,
 * y[n, o, iy*s - p + i, ix*s - p + j] += x[n, c, iy, ix] w[c, o, i, j]. */
static void check_conv_transpose2d(test_ctx *tc, convt_config cf) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    int sh = cf.a.stride_h ? cf.a.stride_h : 1, sw = cf.a.stride_w ? cf.a.stride_w : 1;
    tensor *x = random_input(t, 4, (int[]){cf.n, cf.c, cf.h, cf.w}, 21, "x");
    tensor *w = random_input(t, 4, (int[]){cf.c, cf.o, cf.kh, cf.kw}, 22, "w");
    tensor *b = cf.bias ? random_input(t, 1, (int[]){cf.o}, 23, "b") : NULL;
    REQUIRE(x && w && (!cf.bias || b));
    tensor *y = op_conv_transpose2d(t, x, w, b, cf.a);
    REQUIRE(y);
    int oh = (cf.h - 1) * sh - 2 * cf.a.pad_h + cf.kh + cf.a.output_pad_h;
    int ow = (cf.w - 1) * sw - 2 * cf.a.pad_w + cf.kw + cf.a.output_pad_w;
    REQUIRE(y->ndim == 4 && y->shape[0] == cf.n && y->shape[1] == cf.o && y->shape[2] == oh && y->shape[3] == ow);
    tensor *dy = random_input(t, 4, y->shape, 24, "dy");
    REQUIRE(dy);
    REQUIRE(tape_backward(t, y, dy) == GANC_OK);

    double *ref = zeros(y->numel), *dx = zeros(x->numel), *dwr = zeros(w->numel), *db = zeros((size_t)cf.o);
    REQUIRE(ref && dx && dwr && db);
    for (int n = 0; n < cf.n; n++)
        for (int o = 0; o < cf.o; o++)
            for (long p = 0; p < (long)oh * ow; p++) {
                long yi = ((long)n * cf.o + o) * oh * ow + p;
                ref[yi] = cf.bias ? b->data[o] : 0;
                db[o] += dy->data[yi];
            }
    for (int n = 0; n < cf.n; n++)
        for (int c = 0; c < cf.c; c++)
            for (int iy = 0; iy < cf.h; iy++)
                for (int ix = 0; ix < cf.w; ix++) {
                    long xi = (((long)n * cf.c + c) * cf.h + iy) * cf.w + ix;
                    for (int o = 0; o < cf.o; o++)
                        for (int i = 0; i < cf.kh; i++)
                            for (int j = 0; j < cf.kw; j++) {
                                int oy = iy * sh - cf.a.pad_h + i, ox = ix * sw - cf.a.pad_w + j;
                                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                                long yi = (((long)n * cf.o + o) * oh + oy) * ow + ox;
                                long wi = (((long)c * cf.o + o) * cf.kh + i) * cf.kw + j;
                                ref[yi] += (double)x->data[xi] * w->data[wi];
                                dx[xi] += (double)dy->data[yi] * w->data[wi];
                                dwr[wi] += (double)dy->data[yi] * x->data[xi];
                            }
                }
    char what[96];
    snprintf(what, sizeof what, "conv_transpose2d (%d,%d,%d,%d) w (%d,%d,%d,%d)", cf.n, cf.c, cf.h, cf.w, cf.c, cf.o,
             cf.kh, cf.kw);
    CHECK_MSG(max_rel_diff(y->data, ref, y->numel) < TOL, "%s: forward differs", what);
    CHECK_MSG(max_rel_diff(x->grad, dx, x->numel) < TOL, "%s: grad x differs", what);
    CHECK_MSG(max_rel_diff(w->grad, dwr, w->numel) < TOL, "%s: grad w differs", what);
    if (cf.bias) CHECK_MSG(max_rel_diff(b->grad, db, (size_t)cf.o) < TOL, "%s: grad b differs", what);
    free(ref);
    free(dx);
    free(dwr);
    free(db);
    tape_free(t);
}

TEST(conv_transpose2d_matches_scatter_definition) {
    const convt_config configs[] = {
        {2, 3, 4, 5, 2, 4, 4, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}, true},
        {1, 4, 5, 3, 3, 3, 3, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .output_pad_h = 1,
                               .output_pad_w = 1}, false},
        {2, 2, 3, 4, 3, 3, 2, {.stride_h = 2, .stride_w = 3, .pad_w = 1, .output_pad_h = 1, .output_pad_w = 2},
         true},
        {1, 5, 4, 4, 3, 1, 1, {0}, true},
        {1, 3, 6, 5, 2, 3, 3, {.pad_h = 1, .pad_w = 1}, false},
        {2, 8, 9, 11, 4, 4, 4, {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}, true},
        {1, 2, 3, 3, 2, 5, 5, {.stride_h = 3, .stride_w = 3, .pad_h = 3, .pad_w = 4, .output_pad_h = 2}, false},
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) check_conv_transpose2d(tc, configs[i]);
}

/* Kernel contract: accumulate = false must ignore the output's old values
 * (NaN here), accumulate = true must add to them. */
static void check_overwrite_accumulate(test_ctx *tc, conv_geom g) {
    const struct conv_kernels *cv = cpu_backend.conv;
    conv_geom_set_output(&g);
    size_t nx = (size_t)g.n * g.c * g.h * g.w, ny = (size_t)g.n * g.o * g.oh * g.ow;
    size_t nw = (size_t)g.o * (g.c / g.groups) * g.kh * g.kw, ws_bytes = 0;
    for (int p = CONV_PASS_FORWARD; p <= CONV_PASS_BACKWARD_WEIGHT; p++) {
        size_t b = cv->workspace_bytes(&g, (conv_pass)p);
        if (b > ws_bytes) ws_bytes = b;
    }
    real *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *dy = malloc(ny * sizeof *dy);
    real *out[3] = {malloc(ny * sizeof(real)), malloc(nx * sizeof(real)), malloc(nw * sizeof(real))};
    real *first[3] = {malloc(ny * sizeof(real)), malloc(nx * sizeof(real)), malloc(nw * sizeof(real))};
    void *ws = malloc(ws_bytes ? ws_bytes : 1);
    REQUIRE(x && w && dy && ws && out[0] && out[1] && out[2] && first[0] && first[1] && first[2]);
    fill_normal(x, nx, 31);
    fill_normal(w, nw, 32);
    fill_normal(dy, ny, 33);
    size_t sizes[3] = {ny, nx, nw};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++) out[k][i] = NAN;
    cv->forward(&g, x, w, false, out[0], ws);
    cv->backward_data(&g, dy, w, false, out[1], ws);
    cv->backward_weight(&g, x, dy, false, out[2], ws);
    for (int k = 0; k < 3; k++) memcpy(first[k], out[k], sizes[k] * sizeof(real));
    cv->forward(&g, x, w, true, out[0], ws);
    cv->backward_data(&g, dy, w, true, out[1], ws);
    cv->backward_weight(&g, x, dy, true, out[2], ws);
    for (int k = 0; k < 3; k++) {
        bool finite = true, doubled = true;
        for (size_t i = 0; i < sizes[k]; i++) {
            finite &= isfinite(first[k][i]);
            doubled &= fabs(out[k][i] - 2 * first[k][i]) <= 1e-5 * (1 + fabs(first[k][i]));
        }
        CHECK_MSG(finite, "%dx%d stride %d: pass %d: accumulate = false kept the old NaN", g.kh, g.kw, g.stride_h, k);
        CHECK_MSG(doubled, "%dx%d stride %d: pass %d: accumulate = true did not add", g.kh, g.kw, g.stride_h, k);
    }
    for (int k = 0; k < 3; k++) {
        free(out[k]);
        free(first[k]);
    }
    free(x);
    free(w);
    free(dy);
    free(ws);
}

/* One geometry per way the CPU runs a pass: col2im (stride 2), backward-data as a flipped conv (stride 1),
 * the packed path (16 channels), and the pointwise products of a 1x1 kernel; with groups, and with a single
 * image. */
TEST(conv_kernels_overwrite_or_accumulate) {
    check_overwrite_accumulate(tc, (conv_geom){.n = 2, .c = 4, .h = 6, .w = 5, .o = 3, .kh = 3, .kw = 3,
                                               .stride_h = 2, .stride_w = 1, .pad_h = 1, .pad_w = 1,
                                               .dilation_h = 1, .dilation_w = 1, .groups = 1});
    check_overwrite_accumulate(tc, (conv_geom){.n = 1, .c = 4, .h = 6, .w = 5, .o = 6, .kh = 3, .kw = 3,
                                               .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1,
                                               .dilation_h = 1, .dilation_w = 1, .groups = 2});
    check_overwrite_accumulate(tc, (conv_geom){.n = 2, .c = 16, .h = 7, .w = 9, .o = 16, .kh = 3, .kw = 3,
                                               .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1,
                                               .dilation_h = 1, .dilation_w = 1, .groups = 1});
    check_overwrite_accumulate(tc, (conv_geom){.n = 3, .c = 5, .h = 4, .w = 3, .o = 2, .kh = 1, .kw = 1,
                                               .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                                               .groups = 1});
    check_overwrite_accumulate(tc, (conv_geom){.n = 1, .c = 6, .h = 4, .w = 3, .o = 4, .kh = 1, .kw = 1,
                                               .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                                               .groups = 1});
}

/* Runs op_conv2d on zero tensors of the given shapes and checks that it fails with a message naming the op and
 * containing every fragment in `expect` (NULL-terminated). */
static void expect_conv2d_error(test_ctx *tc, const int *xs, const int *ws, int bias_len, conv2d_args a,
                                const char *const *expect) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, xs[0], xs + 1, "x"), *w = tape_zeros(t, ws[0], ws + 1, "w");
    tensor *b = bias_len ? tape_zeros(t, 1, &bias_len, "b") : NULL;
    REQUIRE(x && w);
    CHECK(op_conv2d(t, x, w, b, a) == NULL);
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "conv2d"), "message does not name the op: %s", msg);
    for (; *expect; expect++) CHECK_MSG(strstr(msg, *expect), "message lacks \"%s\": %s", *expect, msg);
    tape_free(t);
}

TEST(conv2d_rejects_bad_inputs) {
    const int x[] = {4, 2, 3, 8, 8}, w3[] = {4, 5, 4, 3, 3}, w4[] = {4, 5, 3, 3, 3};
    expect_conv2d_error(tc, x, w3, 0, (conv2d_args){.pad_h = 1, .pad_w = 1},
                        (const char *[]){"has 3 channels", "(2,3,8,8)", "(5,4,3,3)", NULL});
    const int big[] = {4, 5, 3, 11, 3};
    expect_conv2d_error(tc, x, big, 0, (conv2d_args){.pad_h = 1},
                        (const char *[]){"larger", "(2,3,8,8)", "(5,3,11,3)", NULL});
    expect_conv2d_error(tc, x, w4, 0, (conv2d_args){.dilation_h = 5},
                        (const char *[]){"spans 11x3", "(5,3,3,3)", NULL});
    const int wg[] = {4, 6, 1, 3, 3};
    expect_conv2d_error(tc, x, wg, 0, (conv2d_args){.groups = 2},
                        (const char *[]){"groups 2", "(2,3,8,8)", "(6,1,3,3)", NULL});
    const int x3[] = {3, 3, 8, 8};
    expect_conv2d_error(tc, x3, w4, 0, (conv2d_args){0}, (const char *[]){"(N,C,H,W)", "(3,8,8)", NULL});
    expect_conv2d_error(tc, x, w4, 4, (conv2d_args){0}, (const char *[]){"bias b (4)", "(5,3,3,3)", NULL});
    expect_conv2d_error(tc, x, w4, 0, (conv2d_args){.stride_h = -1}, (const char *[]){"stride", "(2,3,8,8)", NULL});
    expect_conv2d_error(tc, x, w4, 0, (conv2d_args){.pad_w = -2}, (const char *[]){"padding (0,-2)", NULL});
}

static void expect_convt_error(test_ctx *tc, const int *xs, const int *ws, conv_transpose2d_args a,
                               const char *const *expect) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, xs[0], xs + 1, "x"), *w = tape_zeros(t, ws[0], ws + 1, "w");
    REQUIRE(x && w);
    CHECK(op_conv_transpose2d(t, x, w, NULL, a) == NULL);
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "conv_transpose2d"), "message does not name the op: %s", msg);
    for (; *expect; expect++) CHECK_MSG(strstr(msg, *expect), "message lacks \"%s\": %s", *expect, msg);
    tape_free(t);
}

TEST(conv_transpose2d_rejects_bad_inputs) {
    const int x[] = {4, 2, 3, 4, 4}, w[] = {4, 3, 5, 4, 4}, wc[] = {4, 4, 5, 4, 4};
    expect_convt_error(tc, x, w, (conv_transpose2d_args){.stride_h = 2, .stride_w = 2, .output_pad_h = 2},
                       (const char *[]){"output_pad (2,0)", "stride (2,2)", "(2,3,4,4)", NULL});
    expect_convt_error(tc, x, w, (conv_transpose2d_args){.output_pad_w = 1},
                       (const char *[]){"output_pad (0,1)", "stride (1,1)", NULL});
    expect_convt_error(tc, x, wc, (conv_transpose2d_args){0},
                       (const char *[]){"has 3 channels", "(2,3,4,4)", "(4,5,4,4)", NULL});
    const int x3[] = {3, 3, 4, 4};
    expect_convt_error(tc, x3, w, (conv_transpose2d_args){0}, (const char *[]){"(N,C,H,W)", "(3,4,4)", NULL});
    expect_convt_error(tc, x, w, (conv_transpose2d_args){.pad_h = 4},
                       (const char *[]){"empty", "(2,3,4,4)", NULL});
    expect_convt_error(tc, x, w, (conv_transpose2d_args){.pad_h = -1}, (const char *[]){"padding (-1,0)", NULL});
}

TEST(conv_ops_pass_upstream_failures_through) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *w = tape_zeros(t, 4, (int[]){2, 2, 3, 3}, "w");
    REQUIRE(w);
    GANC_ERR(GANC_ERR_SHAPE, "upstream op failed");
    CHECK(op_conv2d(t, NULL, w, NULL, (conv2d_args){0}) == NULL);
    CHECK(strstr(ganc_error_message(), "upstream op failed"));
    CHECK(op_conv_transpose2d(t, NULL, w, NULL, (conv_transpose2d_args){0}) == NULL);
    CHECK(strstr(ganc_error_message(), "upstream op failed"));
    tape_free(t);
}
