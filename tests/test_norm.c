/* Norm ops: forward values against numpy numbers and against naive two-pass
 * loops written here, backward against the textbook formula, and every
 * bad-input path. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/ops/elementwise.h"
#include "core/ops/norm.h"
#include "core/tape.h"
#include "tests/test.h"

#define EPS 1e-5

/* Deterministic, irregular values with a non-zero mean. */
static void fill_values(real *v, size_t n, double offset) {
    for (size_t i = 0; i < n; i++) v[i] = (real)(offset + 2 * sin(1.7 * (double)i + 0.3) + 0.1 * (double)(i % 7));
}

static double max_abs_diff(const real *a, const real *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - (double)b[i]));
    return m;
}

/* Group norm of x (n, c, s) by two passes in double; groups == c is
 * instance norm. */
static void naive_group_norm(const real *x, int n, int c, int s, int groups, const real *gamma, const real *beta,
                             real *y) {
    int cg = c / groups;
    size_t len = (size_t)cg * s;
    for (int i = 0; i < n; i++)
        for (int g = 0; g < groups; g++) {
            const real *xs = x + ((size_t)i * c + (size_t)g * cg) * s;
            real *ys = y + ((size_t)i * c + (size_t)g * cg) * s;
            double mean = 0, var = 0;
            for (size_t j = 0; j < len; j++) mean += xs[j];
            mean /= (double)len;
            for (size_t j = 0; j < len; j++) var += (xs[j] - mean) * (xs[j] - mean);
            var /= (double)len;
            for (size_t j = 0; j < len; j++) {
                int ch = g * cg + (int)(j / (size_t)s);
                ys[j] = (real)((xs[j] - mean) / sqrt(var + EPS) * (gamma ? gamma[ch] : 1) + (beta ? beta[ch] : 0));
            }
        }
}

static void naive_batch_norm(const real *x, int n, int c, int s, const real *gamma, const real *beta, real *y) {
    for (int k = 0; k < c; k++) {
        double mean = 0, var = 0, m = (double)n * s;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++) mean += x[((size_t)i * c + k) * s + j];
        mean /= m;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++) {
                double d = x[((size_t)i * c + k) * s + j] - mean;
                var += d * d;
            }
        var /= m;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++) {
                size_t o = ((size_t)i * c + k) * s + j;
                y[o] = (real)((x[o] - mean) / sqrt(var + EPS) * gamma[k] + beta[k]);
            }
    }
}

/* ---- forward values ---- */

TEST(instance_norm_numpy_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real xv[] = {1, 2, 3, 4, -1, 0, 5, 2}, gv[] = {2, 0.5}, bv[] = {0.1, -1};
    tensor *x = tape_from_host(t, 4, (int[]){1, 2, 2, 2}, xv, "x");
    tensor *g = tape_from_host(t, 1, (int[]){2}, gv, "gamma");
    tensor *b = tape_from_host(t, 1, (int[]){2}, bv, "beta");
    tensor *y = op_instance_norm(t, x, g, b, EPS);
    REQUIRE(y);
    /* numpy: (x - x.mean((2,3))) / sqrt(x.var((2,3)) + 1e-5) * gamma + beta */
    const double want[] = {-2.5832708399378537, -0.794423613312618,  0.994423613312618,   2.783270839937854,
                           -1.5455442060243179, -1.3273265236145908, -0.23623811156595498, -0.8908911587951365};
    for (int i = 0; i < 8; i++) CHECK_NEAR(y->data[i], want[i], 1e-5);
    tape_free(t);
}

TEST(instance_norm_matches_naive_large) {
    /* Large enough for the parallel path. */
    enum { N = 2, C = 64, S = 32 * 32 };
    static real xv[N * C * S], yv[N * C * S], gv[C], bv[C];
    fill_values(xv, N * C * S, 0.5);
    fill_values(gv, C, 1);
    fill_values(bv, C, -0.3);
    naive_group_norm(xv, N, C, S, C, gv, bv, yv);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *y = op_instance_norm(t, tape_from_host(t, 4, (int[]){N, C, 32, 32}, xv, "x"),
                                 tape_from_host(t, 1, (int[]){C}, gv, "gamma"),
                                 tape_from_host(t, 1, (int[]){C}, bv, "beta"), EPS);
    REQUIRE(y);
    CHECK(y->ndim == 4 && y->shape[1] == C && y->shape[3] == 32);
    CHECK(max_abs_diff(y->data, yv, y->numel) < 1e-4);
    tape_free(t);
}

TEST(instance_norm_large_offset_is_accurate) {
    /* A plain sum of squares in float32 loses everything at this offset. */
    real xv[2 * 3 * 25], yv[2 * 3 * 25];
    fill_values(xv, 150, 1000);
    naive_group_norm(xv, 2, 3, 25, 3, NULL, NULL, yv);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *y = op_instance_norm(t, tape_from_host(t, 3, (int[]){2, 3, 25}, xv, "x"), NULL, NULL, EPS);
    REQUIRE(y);
    CHECK(max_abs_diff(y->data, yv, 150) < 1e-3);
    tape_free(t);
}

TEST(group_norm_matches_naive) {
    enum { N = 2, C = 6, S = 6 };
    real xv[N * C * S], yv[N * C * S], gv[C], bv[C];
    fill_values(xv, N * C * S, 0.2);
    fill_values(gv, C, 1);
    fill_values(bv, C, 0);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 4, (int[]){N, C, 3, 2}, xv, "x");
    tensor *g = tape_from_host(t, 1, (int[]){C}, gv, "gamma");
    tensor *b = tape_from_host(t, 1, (int[]){C}, bv, "beta");
    int group_counts[] = {1, 2, 3, 6};
    for (int k = 0; k < 4; k++) {
        naive_group_norm(xv, N, C, S, group_counts[k], gv, bv, yv);
        tensor *y = op_group_norm(t, x, group_counts[k], g, b, EPS);
        REQUIRE(y);
        CHECK_MSG(max_abs_diff(y->data, yv, y->numel) < 1e-5, "groups = %d", group_counts[k]);
    }
    /* (N,C) input: each group spans its channels only. */
    naive_group_norm(xv, 4, 6, 1, 2, NULL, NULL, yv);
    tensor *y = op_group_norm(t, tape_from_host(t, 2, (int[]){4, 6}, xv, "x2"), 2, NULL, NULL, EPS);
    REQUIRE(y);
    CHECK(max_abs_diff(y->data, yv, 24) < 1e-5);
    tape_free(t);
}

TEST(layer_norm_numpy_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real xv[] = {1, 2, 4, -3, 0, 3}, gv[] = {1, 2, -1}, bv[] = {0, 1, 0.5};
    tensor *y = op_layer_norm(t, tape_from_host(t, 2, (int[]){2, 3}, xv, "x"),
                              tape_from_host(t, 1, (int[]){3}, gv, "gamma"),
                              tape_from_host(t, 1, (int[]){3}, bv, "beta"), EPS);
    REQUIRE(y);
    /* numpy: (x - x.mean(1)) / sqrt(x.var(1) + 1e-5) * gamma + beta */
    const double want[] = {-1.0690415314502977, 0.46547923427485094, -0.8363019143128718,
                           -1.2247438507721387, 1.0,                 -0.7247438507721387};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], want[i], 1e-5);
    tape_free(t);
}

TEST(layer_norm_elementwise_affine_matches_naive) {
    enum { N = 3, D = 2 * 4 * 5 };
    real xv[N * D], gv[D], bv[D], yv[N * D];
    fill_values(xv, N * D, -0.4);
    fill_values(gv, D, 0.8);
    fill_values(bv, D, 0.1);
    naive_group_norm(xv, N, 1, D, 1, NULL, NULL, yv);
    for (int i = 0; i < N * D; i++) yv[i] = yv[i] * gv[i % D] + bv[i % D];
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *y = op_layer_norm(t, tape_from_host(t, 4, (int[]){N, 2, 4, 5}, xv, "x"),
                              tape_from_host(t, 3, (int[]){2, 4, 5}, gv, "gamma"),
                              tape_from_host(t, 3, (int[]){2, 4, 5}, bv, "beta"), EPS);
    REQUIRE(y);
    CHECK(max_abs_diff(y->data, yv, N * D) < 1e-5);
    tape_free(t);
}

TEST(batch_norm_train_updates_running_stats) {
    tape *t = tape_new(device_cpu());
    tensor *rm = tensor_new(1, (int[]){2}, "running_mean");
    tensor *rv = tensor_new(1, (int[]){2}, "running_var");
    REQUIRE(t && rm && rv);
    rm->data[0] = 0.5, rm->data[1] = -0.5, rv->data[0] = 1, rv->data[1] = 2;
    real xv[] = {1, 4, 2, -2, 6, 0.5};
    tensor *y = op_batch_norm(t, tape_from_host(t, 2, (int[]){3, 2}, xv, "x"), NULL, NULL, rm, rv, true, 0.1, EPS);
    REQUIRE(y);
    /* numpy: (x - x.mean(0)) / sqrt(x.var(0) + 1e-5); running var uses x.var(0, ddof=1). */
    const double want[] = {-0.9258191078240388, 1.286841314280246,  -0.4629095539120194,
                           -1.1513843338296939, 1.3887286617360581, -0.13545698045055224};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], want[i], 1e-5);
    CHECK_NEAR(rm->data[0], 0.75, 1e-6);
    CHECK_NEAR(rm->data[1], -0.3666666666666667, 1e-6);
    CHECK_NEAR(rv->data[0], 1.6, 1e-6);
    CHECK_NEAR(rv->data[1], 2.7083333333333335, 1e-6);
    tensor_free(rm);
    tensor_free(rv);
    tape_free(t);
}

TEST(batch_norm_train_matches_naive_large) {
    enum { N = 4, C = 16, S = 24 * 24 };
    static real xv[N * C * S], yv[N * C * S];
    real gv[C], bv[C];
    fill_values(xv, N * C * S, 3);
    fill_values(gv, C, 1);
    fill_values(bv, C, 0.2);
    naive_batch_norm(xv, N, C, S, gv, bv, yv);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *y = op_batch_norm(t, tape_from_host(t, 4, (int[]){N, C, 24, 24}, xv, "x"),
                              tape_from_host(t, 1, (int[]){C}, gv, "gamma"),
                              tape_from_host(t, 1, (int[]){C}, bv, "beta"), NULL, NULL, true, 0.1, EPS);
    REQUIRE(y);
    CHECK(max_abs_diff(y->data, yv, y->numel) < 1e-4);
    tape_free(t);
}

TEST(batch_norm_eval_uses_running_stats) {
    tape *t = tape_new(device_cpu());
    tensor *rm = tensor_new(1, (int[]){2}, "running_mean");
    tensor *rv = tensor_new(1, (int[]){2}, "running_var");
    REQUIRE(t && rm && rv);
    rm->data[0] = 1, rm->data[1] = -2, rv->data[0] = 4, rv->data[1] = 0.25;
    real xv[] = {3, 0, 5, 1, -1, -2, 1, 2}, gv[] = {2, -1}, bv[] = {0.5, 1};
    tensor *y = op_batch_norm(t, tape_from_host(t, 3, (int[]){2, 2, 2}, xv, "x"),
                              tape_from_host(t, 1, (int[]){2}, gv, "gamma"),
                              tape_from_host(t, 1, (int[]){2}, bv, "beta"), rm, rv, false, 0.1, EPS);
    REQUIRE(y);
    for (int i = 0; i < 8; i++) {
        int k = (i / 2) % 2;
        double want = (xv[i] - rm->data[k]) / sqrt(rv->data[k] + EPS) * gv[k] + bv[k];
        CHECK_NEAR(y->data[i], want, 1e-5);
    }
    CHECK(rm->data[0] == 1 && rv->data[1] == (real)0.25); /* eval leaves them alone */
    tensor_free(rm);
    tensor_free(rv);
    tape_free(t);
}

/* ---- backward ---- */

TEST(instance_norm_backward_matches_formula_large) {
    enum { N = 2, C = 32, S = 32 * 32 };
    static real xv[N * C * S], dyv[N * C * S], dx[N * C * S];
    real gv[C], bv[C], dgamma[C] = {0}, dbeta[C] = {0};
    fill_values(xv, N * C * S, 0.5);
    fill_values(dyv, N * C * S, 0.1);
    for (size_t i = 0; i < N * C * S; i++) dyv[i] *= (real)cos(0.37 * (double)i);
    fill_values(gv, C, 1);
    fill_values(bv, C, 0);
    /* dx = inv_std * (dxh - mean(dxh) - xh * mean(dxh * xh)), dxh = dy * gamma. */
    for (int s = 0; s < N * C; s++) {
        const real *xs = xv + (size_t)s * S, *dys = dyv + (size_t)s * S;
        int c = s % C;
        double mean = 0, var = 0, m1 = 0, m2 = 0;
        for (int j = 0; j < S; j++) mean += xs[j];
        mean /= S;
        for (int j = 0; j < S; j++) var += (xs[j] - mean) * (xs[j] - mean);
        double inv = 1 / sqrt(var / S + EPS);
        for (int j = 0; j < S; j++) {
            double xh = (xs[j] - mean) * inv;
            m1 += dys[j] * gv[c] / S;
            m2 += dys[j] * gv[c] * xh / S;
            dgamma[c] += (real)(dys[j] * xh);
            dbeta[c] += dys[j];
        }
        for (int j = 0; j < S; j++)
            dx[(size_t)s * S + j] = (real)(inv * (dys[j] * gv[c] - m1 - (xs[j] - mean) * inv * m2));
    }
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 4, (int[]){N, C, 32, 32}, xv, "x");
    tensor *g = tape_from_host(t, 1, (int[]){C}, gv, "gamma");
    tensor *b = tape_from_host(t, 1, (int[]){C}, bv, "beta");
    REQUIRE(x && g && b);
    REQUIRE(!tape_set_requires_grad(t, x) && !tape_set_requires_grad(t, g) && !tape_set_requires_grad(t, b));
    tensor *y = op_instance_norm(t, x, g, b, EPS);
    REQUIRE(y);
    REQUIRE(tape_backward(t, y, tape_from_host(t, 4, y->shape, dyv, "dy")) == GANC_OK);
    CHECK(max_abs_diff(x->grad, dx, x->numel) < 1e-4);
    CHECK(max_abs_diff(g->grad, dgamma, C) < 1e-2);
    CHECK(max_abs_diff(b->grad, dbeta, C) < 1e-2);
    tape_free(t);
}

TEST(norm_backward_gradient_of_sum_is_zero) {
    /* Every normalised group sums to a constant, so d(sum y)/dx = 0 and
     * d(sum y)/dbeta counts the values each beta entry shifts. */
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real xv[2 * 4 * 3];
    fill_values(xv, 24, 0);
    tensor *x = tape_from_host(t, 3, (int[]){2, 4, 3}, xv, "x");
    tensor *b = tape_zeros(t, 1, (int[]){4}, "beta");
    REQUIRE(x && b && !tape_set_requires_grad(t, x) && !tape_set_requires_grad(t, b));
    tensor *ys[] = {op_batch_norm(t, x, NULL, b, NULL, NULL, true, 0.1, EPS), op_instance_norm(t, x, NULL, b, EPS),
                    op_group_norm(t, x, 2, NULL, b, EPS)};
    tensor *total = op_add(t, op_add(t, ys[0], ys[1]), ys[2]);
    REQUIRE(total);
    real ones[24];
    for (int i = 0; i < 24; i++) ones[i] = 1;
    REQUIRE(tape_backward(t, total, tape_from_host(t, 3, total->shape, ones, "seed")) == GANC_OK);
    for (int i = 0; i < 24; i++) CHECK_NEAR(x->grad[i], 0, 1e-4);
    for (int c = 0; c < 4; c++) CHECK_NEAR(b->grad[c], 3 * 6, 1e-5);
    tape_free(t);
}

/* ---- bad inputs ---- */

static bool error_mentions(const char *a, const char *b, const char *c) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b)) && (!c || strstr(m, c));
}

TEST(norm_rejects_bad_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x4 = tape_zeros(t, 4, (int[]){2, 3, 4, 4}, "x");
    tensor *x2 = tape_zeros(t, 2, (int[]){2, 3}, "x");
    tensor *v3 = tape_zeros(t, 1, (int[]){3}, "v3");
    tensor *v4 = tape_zeros(t, 1, (int[]){4}, "gamma4");
    tensor *m34 = tape_zeros(t, 2, (int[]){3, 4}, "gamma34");
    REQUIRE(x4 && x2 && v3 && v4 && m34);

    CHECK(!op_instance_norm(t, x2, NULL, NULL, EPS));
    CHECK(error_mentions("instance_norm", "(2,3)", NULL));
    CHECK(!op_instance_norm(t, x4, v4, NULL, EPS));
    CHECK(error_mentions("instance_norm", "gamma4", "(2,3,4,4)"));
    CHECK(!op_instance_norm(t, x4, NULL, m34, EPS));
    CHECK(error_mentions("instance_norm", "beta", "(3,4)"));

    CHECK(!op_group_norm(t, x4, 2, NULL, NULL, EPS));
    CHECK(error_mentions("group_norm", "2 groups", "(2,3,4,4)"));
    CHECK(!op_group_norm(t, x4, 0, NULL, NULL, EPS));
    CHECK(error_mentions("group_norm", "0 groups", NULL));
    CHECK(!op_group_norm(t, x4, 3, v4, NULL, EPS));
    CHECK(error_mentions("group_norm", "(4)", "(2,3,4,4)"));

    CHECK(!op_layer_norm(t, x4, m34, NULL, EPS));
    CHECK(error_mentions("layer_norm", "(3,4)", "(3,4,4)"));
    CHECK(!op_layer_norm(t, x4, v3, NULL, EPS));
    CHECK(error_mentions("layer_norm", "(3)", "(2,3,4,4)"));
    CHECK(!op_layer_norm(t, v3, NULL, NULL, EPS));
    CHECK(error_mentions("layer_norm", "(3)", NULL));

    CHECK(!op_batch_norm(t, x4, v4, NULL, NULL, NULL, true, 0.1, EPS));
    CHECK(error_mentions("batch_norm", "gamma4", "(2,3,4,4)"));
    CHECK(!op_batch_norm(t, x4, NULL, NULL, v3, v4, false, 0.1, EPS));
    CHECK(error_mentions("batch_norm", "running_var", "(4)"));
    CHECK(!op_batch_norm(t, tape_zeros(t, 2, (int[]){1, 3}, "single"), NULL, NULL, NULL, NULL, true, 0.1, EPS));
    CHECK(error_mentions("batch_norm", "(1,3)", "more than one"));
    tape_free(t);
}

TEST(norm_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 4, (int[]){2, 3, 4, 4}, "x");
    tensor *v3 = tape_zeros(t, 1, (int[]){3}, "v3");
    REQUIRE(x && v3);
    CHECK(!op_batch_norm(t, x, NULL, NULL, NULL, NULL, false, 0.1, EPS));
    CHECK(error_mentions("batch_norm", "running_mean", "eval"));
    CHECK(!op_batch_norm(t, x, NULL, NULL, v3, v3, true, 1.5, EPS));
    CHECK(error_mentions("batch_norm", "momentum", "1.5"));
    CHECK(!op_instance_norm(t, x, NULL, NULL, -1e-5));
    CHECK(error_mentions("instance_norm", "eps", NULL));
    CHECK(!op_layer_norm(t, x, NULL, NULL, NAN));
    CHECK(error_mentions("layer_norm", "eps", NULL));
    tape_free(t);
}

TEST(norm_passes_upstream_failure_through) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *bad = op_add(t, tape_zeros(t, 1, (int[]){3}, "a"), tape_zeros(t, 1, (int[]){4}, "b"));
    CHECK(!bad);
    char first[256];
    snprintf(first, sizeof first, "%s", ganc_error_message());
    CHECK(!op_instance_norm(t, bad, NULL, NULL, EPS));
    CHECK(!op_batch_norm(t, bad, NULL, NULL, NULL, NULL, true, 0.1, EPS));
    CHECK(strcmp(first, ganc_error_message()) == 0);
    tape_free(t);
}
