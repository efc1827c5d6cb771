/* Spatial ops: forward values against hand-computed numbers and naive loops
 * written here, a few backward checks, and every bad-input path. */
#include <math.h>
#include <string.h>

#include "core/ops/spatial.h"
#include "tests/test.h"
#include "tests/adjoint_check.h"

#define MAX_VALUES 1024

/* Distinct values in a scrambled order (7919 is prime): no ties for max pools. */
static void scrambled(real *v, int n) {
    for (int i = 0; i < n; i++) v[i] = (real)((i * 7919) % n) * (real)0.25 - (real)n / 8;
}

static tensor *scrambled_input(tape *t, int n, int c, int h, int w) {
    real v[MAX_VALUES];
    scrambled(v, n * c * h * w);
    return tape_from_host(t, 4, (int[]){n, c, h, w}, v, "x");
}

static bool message_has(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

/* Runs backward from y with a seed of ones. */
static bool backward_ones(tape *t, tensor *y) {
    real ones[MAX_VALUES];
    for (size_t i = 0; i < y->numel; i++) ones[i] = 1;
    tensor *seed = tape_from_host(t, y->ndim, y->shape, ones, "seed");
    return seed && tape_backward(t, y, seed) == GANC_OK;
}

/* ---- pad ---- */

/* x = [[1,2,3],[4,5,6]], left 2, right 1, top 1, bottom 0, as PyTorch's F.pad (2,1,1,0). */
TEST(pad_modes_match_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const real v[6] = {1, 2, 3, 4, 5, 6};
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 2, 3}, v, "x");
    const real zero[18] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0};
    const real reflect[18] = {6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5};
    const real replicate[18] = {1, 1, 1, 2, 3, 3, 1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6};
    const real *expected[3] = {zero, reflect, replicate};
    const pad_mode modes[3] = {PAD_ZERO, PAD_REFLECT, PAD_REPLICATE};
    for (int m = 0; m < 3; m++) {
        tensor *y = op_pad(t, x, 2, 1, 1, 0, modes[m]);
        REQUIRE(y);
        CHECK(y->ndim == 4 && y->shape[2] == 3 && y->shape[3] == 6);
        for (int i = 0; i < 18; i++) CHECK_NEAR(y->data[i], expected[m][i], 0);
    }
    tape_free(t);
}

/* Each input value receives one gradient per copy of it in the output. */
TEST(pad_replicate_backward_counts_copies) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 1, 1, 2, 3);
    REQUIRE(x && tape_set_requires_grad(t, x) == GANC_OK);
    tensor *y = op_pad(t, x, 2, 1, 1, 0, PAD_REPLICATE);
    REQUIRE(y && backward_ones(t, y));
    const real copies[6] = {6, 2, 4, 3, 1, 2};
    for (int i = 0; i < 6; i++) CHECK_NEAR(x->grad[i], copies[i], 0);
    tape_free(t);
}

TEST(pad_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 1, 2, 3, 4);
    REQUIRE(x);
    CHECK(!op_pad(t, x, 1, 1, 3, 0, PAD_REFLECT));
    CHECK(message_has("pad", "(1,2,3,4)"));
    CHECK(!op_pad(t, x, -1, 0, 0, 0, PAD_ZERO));
    CHECK(message_has("pad", ">= 0"));
    CHECK(!op_pad(t, x, 0, 0, 0, 0, (pad_mode)7));
    CHECK(message_has("pad", "mode"));
    tensor *flat = tape_from_host(t, 2, (int[]){3, 4}, x->data, "flat");
    CHECK(!op_pad(t, flat, 1, 1, 1, 1, PAD_ZERO));
    CHECK(message_has("pad", "(3,4)"));
    CHECK(!op_pad(t, NULL, 1, 1, 1, 1, PAD_ZERO));
    tape_free(t);
}

/* ---- resampling ---- */

/* PyTorch 'nearest' 2x3 -> 3x4: rows floor(i*2/3) = 0,0,1; columns floor(j*3/4) = 0,0,1,2. */
TEST(upsample_nearest_matches_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const real v[6] = {1, 2, 3, 4, 5, 6};
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 2, 3}, v, "x");
    REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
    tensor *y = op_upsample_nearest(t, x, 3, 4);
    REQUIRE(y);
    const real expected[12] = {1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6};
    for (int i = 0; i < 12; i++) CHECK_NEAR(y->data[i], expected[i], 0);
    REQUIRE(backward_ones(t, y));
    const real copies[6] = {4, 2, 2, 2, 1, 1};
    for (int i = 0; i < 6; i++) CHECK_NEAR(x->grad[i], copies[i], 0);
    tape_free(t);
}

/* F.interpolate(arange(4).view(1,1,2,2), size=(4,4), mode='bilinear') is the
 * well-known table below (align_corners=False); with align_corners=True and
 * size (3,3) the midpoints appear. */
TEST(upsample_bilinear_matches_pytorch_2x2) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const real v[4] = {0, 1, 2, 3};
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 2, 2}, v, "x");
    tensor *y = op_upsample_bilinear(t, x, 4, 4, false);
    REQUIRE(y);
    const real expected[16] = {0,   0.25, 0.75, 1,   0.5, 0.75, 1.25, 1.5,
                               1.5, 1.75, 2.25, 2.5, 2,   2.25, 2.75, 3};
    for (int i = 0; i < 16; i++) CHECK_NEAR(y->data[i], expected[i], 1e-6);
    tensor *z = op_upsample_bilinear(t, x, 3, 3, true);
    REQUIRE(z);
    const real corners[9] = {0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3};
    for (int i = 0; i < 9; i++) CHECK_NEAR(z->data[i], corners[i], 1e-6);
    /* 4 -> 2 without align_corners samples at 0.5 and 2.5: the pair means. */
    const real row[4] = {0, 1, 2, 3};
    tensor *r = tape_from_host(t, 4, (int[]){1, 1, 1, 4}, row, "row");
    tensor *d = op_upsample_bilinear(t, r, 1, 2, false);
    REQUIRE(d);
    CHECK_NEAR(d->data[0], 0.5, 1e-6);
    CHECK_NEAR(d->data[1], 2.5, 1e-6);
    tape_free(t);
}

/* Classic 2x results on a 2-D input: align_corners=True with out = 2*in-1
 * keeps the input at even positions and puts midpoints between; without
 * align_corners, 2x is the separable [1/4, 3/4] stencil clamped at the edges. */
TEST(upsample_bilinear_2x_stencils) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int h = 3, w = 5;
    tensor *x = scrambled_input(t, 1, 2, h, w);
    REQUIRE(x);
    tensor *ac = op_upsample_bilinear(t, x, 2 * h - 1, 2 * w - 1, true);
    tensor *hp = op_upsample_bilinear(t, x, 2 * h, 2 * w, false);
    REQUIRE(ac && hp);
    for (int c = 0; c < 2; c++) {
        const real *xp = x->data + c * h * w;
        for (int i = 0; i < 2 * h - 1; i++)
            for (int j = 0; j < 2 * w - 1; j++) {
                int i0 = i / 2, i1 = (i + 1) / 2, j0 = j / 2, j1 = (j + 1) / 2;
                double e = (xp[i0 * w + j0] + xp[i0 * w + j1] + xp[i1 * w + j0] + xp[i1 * w + j1]) / 4.0;
                CHECK_NEAR(ac->data[(c * (2 * h - 1) + i) * (2 * w - 1) + j], e, 1e-5);
            }
        for (int i = 0; i < 2 * h; i++)
            for (int j = 0; j < 2 * w; j++) {
                /* Output 2k reads k-1 (1/4) and k (3/4); 2k+1 reads k (3/4) and k+1 (1/4); clamped. */
                int ri = i / 2, rn = i % 2 ? ri + 1 : ri - 1, cj = j / 2, cn = j % 2 ? cj + 1 : cj - 1;
                rn = rn < 0 ? 0 : (rn >= h ? h - 1 : rn);
                cn = cn < 0 ? 0 : (cn >= w ? w - 1 : cn);
                double e = 0.5625 * xp[ri * w + cj] + 0.1875 * xp[ri * w + cn] + 0.1875 * xp[rn * w + cj] +
                           0.0625 * xp[rn * w + cn];
                CHECK_NEAR(hp->data[(c * 2 * h + i) * 2 * w + j], e, 1e-5);
            }
    }
    tape_free(t);
}

TEST(upsample_rejects_bad_sizes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 1, 2, 3, 4);
    REQUIRE(x);
    CHECK(!op_upsample_nearest(t, x, 0, 4));
    CHECK(message_has("upsample_nearest", "(1,2,3,4)"));
    CHECK(!op_upsample_bilinear(t, x, 5, -1, true));
    CHECK(message_has("upsample_bilinear", "(1,2,3,4)"));
    tensor *v = tape_from_host(t, 3, (int[]){2, 3, 4}, x->data, "v");
    CHECK(!op_upsample_bilinear(t, v, 6, 8, false));
    CHECK(message_has("upsample_bilinear", "(2,3,4)"));
    tape_free(t);
}

/* ---- pooling ---- */

/* Naive pools over an explicitly padded plane: padding is 0 for the mean
 * (divisor kh*kw) and -inf for the max. */
static double naive_pool(const real *xp, int h, int w, int oi, int oj, pool_window pw, bool is_max) {
    double acc = is_max ? -INFINITY : 0;
    for (int a = 0; a < pw.kh; a++)
        for (int b = 0; b < pw.kw; b++) {
            int r = oi * pw.sh - pw.ph + a, c = oj * pw.sw - pw.pw + b;
            bool inside = r >= 0 && r < h && c >= 0 && c < w;
            double v = inside ? xp[r * w + c] : (is_max ? -INFINITY : 0);
            acc = is_max ? fmax(acc, v) : acc + v;
        }
    return is_max ? acc : acc / (pw.kh * pw.kw);
}

TEST(pools_match_naive_loops) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int h = 7, w = 6;
    tensor *x = scrambled_input(t, 2, 3, h, w);
    REQUIRE(x);
    const pool_window windows[4] = {{3, 3, 2, 2, 1, 1}, {2, 2, 2, 2, 0, 0}, {3, 2, 1, 2, 1, 0}, {4, 5, 3, 1, 2, 2}};
    for (int k = 0; k < 4; k++) {
        pool_window pw = windows[k];
        tensor *avg = op_avg_pool(t, x, pw.kh, pw.kw, pw.sh, pw.sw, pw.ph, pw.pw);
        tensor *mx = op_max_pool(t, x, pw.kh, pw.kw, pw.sh, pw.sw, pw.ph, pw.pw);
        REQUIRE(avg && mx);
        int oh = (h + 2 * pw.ph - pw.kh) / pw.sh + 1, ow = (w + 2 * pw.pw - pw.kw) / pw.sw + 1;
        CHECK(avg->shape[2] == oh && avg->shape[3] == ow && mx->shape[2] == oh && mx->shape[3] == ow);
        for (int p = 0; p < 6; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    const real *xp = x->data + p * h * w;
                    int o = (p * oh + i) * ow + j;
                    CHECK_NEAR(avg->data[o], naive_pool(xp, h, w, i, j, pw, false), 1e-5);
                    CHECK_NEAR(mx->data[o], naive_pool(xp, h, w, i, j, pw, true), 0);
                }
    }
    tape_free(t);
}

/* 4x4 plane 0..15: 2x2 means are hand-computable; with k3 s2 p1 the corner
 * window holds 0,1,4,5 and divides by 9 (count_include_pad). */
TEST(avg_pool_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real v[16];
    for (int i = 0; i < 16; i++) v[i] = (real)i;
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 4, 4}, v, "x");
    tensor *y = op_avg_pool(t, x, 2, 2, 2, 2, 0, 0);
    tensor *z = op_avg_pool(t, x, 3, 3, 2, 2, 1, 1);
    REQUIRE(y && z);
    const real means[4] = {2.5, 4.5, 10.5, 12.5};
    for (int i = 0; i < 4; i++) CHECK_NEAR(y->data[i], means[i], 1e-6);
    CHECK_NEAR(z->data[0], 10.0 / 9, 1e-6);
    CHECK_NEAR(z->data[3], (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0, 1e-6);
    tape_free(t);
}

/* Overlapping k3 s1 windows on 0..15 (max at the bottom-right of each
 * window): gradient of ones lands on each window's winner, summed. */
TEST(max_pool_backward_routes_to_winners) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real v[16];
    for (int i = 0; i < 16; i++) v[i] = (real)i;
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 4, 4}, v, "x");
    REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
    tensor *y = op_max_pool(t, x, 3, 3, 1, 1, 1, 1);
    REQUIRE(y && y->shape[2] == 4 && y->shape[3] == 4);
    REQUIRE(backward_ones(t, y));
    /* Output (i,j) is won by input (min(i+1,3), min(j+1,3)). */
    const real wins[16] = {0, 0, 0, 0, 0, 1, 1, 2, 0, 1, 1, 2, 0, 2, 2, 4};
    for (int i = 0; i < 16; i++) CHECK_NEAR(x->grad[i], wins[i], 0);
    tape_free(t);
}

/* Without a backward pass to come the max pools keep no indices; the
 * values must not change. */
TEST(max_pools_without_grad) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 1, 2, 5, 5);
    REQUIRE(x);
    tensor *a = op_max_pool(t, x, 2, 2, 2, 2, 0, 0);
    tensor *b = op_adaptive_max_pool(t, x, 2, 2);
    REQUIRE(a && b);
    CHECK(!a->requires_grad && !a->node && !b->node);
    REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
    tape_no_grad_begin(t);
    tensor *c = op_max_pool(t, x, 2, 2, 2, 2, 0, 0);
    tape_no_grad_end(t);
    REQUIRE(c);
    CHECK(!c->node);
    for (size_t i = 0; i < a->numel; i++) CHECK_NEAR(c->data[i], a->data[i], 0);
    tape_free(t);
}

TEST(pools_reject_bad_windows) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 1, 2, 3, 4);
    REQUIRE(x);
    CHECK(!op_avg_pool(t, x, 3, 3, 1, 1, 2, 1));
    CHECK(message_has("avg_pool", "half the window"));
    CHECK(!op_max_pool(t, x, 5, 2, 1, 1, 0, 0));
    CHECK(message_has("max_pool", "(1,2,3,4)"));
    CHECK(!op_max_pool(t, x, 2, 2, 0, 1, 0, 0));
    CHECK(message_has("max_pool", "stride"));
    CHECK(!op_adaptive_avg_pool(t, x, 0, 2));
    CHECK(message_has("adaptive_avg_pool", "(1,2,3,4)"));
    CHECK(!op_adaptive_max_pool(t, x, 2, 0));
    CHECK(message_has("adaptive_max_pool", "(1,2,3,4)"));
    tensor *v = tape_from_host(t, 3, (int[]){2, 3, 4}, x->data, "v");
    CHECK(!op_global_avg_pool(t, v));
    CHECK(message_has("adaptive_avg_pool", "(2,3,4)"));
    tape_free(t);
}

/* 1x5 row [1..5] into 3 bins: [0,2), [1,4), [3,5) -> means 1.5, 3, 4.5 and maxima 2, 4, 5. */
TEST(adaptive_pools_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const real v[5] = {1, 2, 3, 4, 5};
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, 1, 5}, v, "x");
    tensor *a = op_adaptive_avg_pool(t, x, 1, 3);
    tensor *m = op_adaptive_max_pool(t, x, 1, 3);
    REQUIRE(a && m);
    const real means[3] = {1.5, 3, 4.5}, maxima[3] = {2, 4, 5};
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(a->data[i], means[i], 1e-6);
        CHECK_NEAR(m->data[i], maxima[i], 0);
    }
    tape_free(t);
}

/* Bins from floor/ceil in floating point, as PyTorch defines them. */
TEST(adaptive_pools_match_naive_loops) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int h = 7, w = 5, oh = 3, ow = 4;
    tensor *x = scrambled_input(t, 2, 2, h, w);
    REQUIRE(x);
    tensor *a = op_adaptive_avg_pool(t, x, oh, ow), *m = op_adaptive_max_pool(t, x, oh, ow);
    REQUIRE(a && m);
    for (int p = 0; p < 4; p++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                int r0 = (int)floor(i * (double)h / oh), r1 = (int)ceil((i + 1) * (double)h / oh);
                int c0 = (int)floor(j * (double)w / ow), c1 = (int)ceil((j + 1) * (double)w / ow);
                double s = 0, mx = -INFINITY;
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) {
                        s += x->data[(p * h + r) * w + c];
                        mx = fmax(mx, x->data[(p * h + r) * w + c]);
                    }
                int o = (p * oh + i) * ow + j;
                CHECK_NEAR(a->data[o], s / ((r1 - r0) * (c1 - c0)), 1e-5);
                CHECK_NEAR(m->data[o], mx, 0);
            }
    tape_free(t);
}

/* When the output divides the input, adaptive average is a plain k=s pool. */
TEST(adaptive_avg_pool_equals_avg_pool_when_divisible) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 2, 3, 6, 8);
    tensor *a = op_adaptive_avg_pool(t, x, 3, 2);
    tensor *b = op_avg_pool(t, x, 2, 4, 2, 4, 0, 0);
    REQUIRE(a && b && a->numel == b->numel);
    for (size_t i = 0; i < a->numel; i++) CHECK_NEAR(a->data[i], b->data[i], 1e-5);
    tape_free(t);
}

TEST(global_pools_reduce_each_plane) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = scrambled_input(t, 2, 3, 5, 4);
    REQUIRE(x && tape_set_requires_grad(t, x) == GANC_OK);
    tensor *a = op_global_avg_pool(t, x), *m = op_global_max_pool(t, x);
    REQUIRE(a && m);
    CHECK(a->ndim == 4 && a->shape[0] == 2 && a->shape[1] == 3 && a->shape[2] == 1 && a->shape[3] == 1);
    for (int p = 0; p < 6; p++) {
        double s = 0, mx = -INFINITY;
        for (int i = 0; i < 20; i++) {
            s += x->data[p * 20 + i];
            mx = fmax(mx, x->data[p * 20 + i]);
        }
        CHECK_NEAR(a->data[p], s / 20, 1e-5);
        CHECK_NEAR(m->data[p], mx, 0);
    }
    REQUIRE(backward_ones(t, a));
    for (int i = 0; i < 120; i++) CHECK_NEAR(x->grad[i], 1.0 / 20, 1e-7);
    tape_free(t);
}

/* ---- large inputs: the parallel paths ---- */

static tensor *large_pad(tape *t, const tensor *x) { return op_pad(t, x, 3, 1, 2, 4, PAD_REFLECT); }
static tensor *large_nearest(tape *t, const tensor *x) { return op_upsample_nearest(t, x, 97, 45); }
static tensor *large_bilinear(tape *t, const tensor *x) { return op_upsample_bilinear(t, x, 131, 101, false); }
static tensor *large_avg(tape *t, const tensor *x) { return op_avg_pool(t, x, 2, 3, 1, 1, 1, 1); }
static tensor *large_max(tape *t, const tensor *x) { return op_max_pool(t, x, 3, 2, 1, 1, 1, 1); }
static tensor *large_adaptive_avg(tape *t, const tensor *x) { return op_adaptive_avg_pool(t, x, 9, 13); }
static tensor *large_adaptive_max(tape *t, const tensor *x) { return op_adaptive_max_pool(t, x, 9, 13); }

TEST(spatial_backward_is_adjoint_on_large_inputs) {
    check_adjoint(tc, "pad", large_pad);
    check_adjoint(tc, "upsample_nearest", large_nearest);
    check_adjoint(tc, "upsample_bilinear", large_bilinear);
    check_adjoint(tc, "avg_pool", large_avg);
    check_adjoint(tc, "max_pool", large_max);
    check_adjoint(tc, "adaptive_avg_pool", large_adaptive_avg);
    check_adjoint(tc, "adaptive_max_pool", large_adaptive_max);
}
