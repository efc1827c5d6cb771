/* matmul and linear: forward and gradients against naive loops and hand
 * values, and every bad-input path. */
#include <stdio.h>
#include <string.h>

#include "core/ops/linalg.h"
#include "core/rng.h"
#include "tests/test.h"

static void fill_normal(real *v, size_t n, uint64_t seed) {
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) v[i] = (real)rng_normal(&r);
}

static tensor *random_input(tape *t, int ndim, const int *shape, uint64_t seed, const char *name) {
    real v[4096];
    size_t n = shape_numel(ndim, shape);
    if (n > sizeof v / sizeof v[0]) return NULL;
    fill_normal(v, n, seed);
    tensor *x = tape_from_host(t, ndim, shape, v, name);
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

#define TOL (REAL_IS_DOUBLE ? 1e-12 : 1e-5)

/* Naive batched product and its gradients; batch_a / batch_b = 0 marks a 2-dim operand. */
static void check_matmul(test_ctx *tc, int batch_a, int batch_b, int m, int k, int n) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    int batch = batch_a ? batch_a : (batch_b ? batch_b : 1);
    tensor *a = batch_a ? random_input(t, 3, (int[]){batch_a, m, k}, 1, "a")
                        : random_input(t, 2, (int[]){m, k}, 1, "a");
    tensor *b = batch_b ? random_input(t, 3, (int[]){batch_b, k, n}, 2, "b")
                        : random_input(t, 2, (int[]){k, n}, 2, "b");
    REQUIRE(a && b);
    tensor *y = op_matmul(t, a, b);
    REQUIRE(y);
    CHECK(y->ndim == (batch_a || batch_b ? 3 : 2));
    CHECK(y->numel == (size_t)batch * m * n);
    tensor *dy = random_input(t, y->ndim, y->shape, 3, "dy");
    REQUIRE(dy);
    REQUIRE(tape_backward(t, y, dy) == GANC_OK);

    static double ref[4096], da[4096], db[4096];
    memset(da, 0, sizeof da);
    memset(db, 0, sizeof db);
    for (int q = 0; q < batch; q++) {
        const real *aq = a->data + (batch_a ? (long)q * m * k : 0), *bq = b->data + (batch_b ? (long)q * k * n : 0);
        const real *gq = dy->data + (long)q * m * n;
        double *daq = da + (batch_a ? (long)q * m * k : 0), *dbq = db + (batch_b ? (long)q * k * n : 0);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double)aq[i * k + p] * bq[p * n + j];
                    daq[i * k + p] += (double)gq[i * n + j] * bq[p * n + j];
                    dbq[p * n + j] += (double)aq[i * k + p] * gq[i * n + j];
                }
                ref[(long)q * m * n + i * n + j] = s;
            }
    }
    CHECK_MSG(max_rel_diff(y->data, ref, y->numel) < TOL, "matmul %d/%d (%d,%d,%d): forward differs", batch_a,
              batch_b, m, k, n);
    CHECK_MSG(max_rel_diff(a->grad, da, a->numel) < TOL, "matmul %d/%d: grad a differs", batch_a, batch_b);
    CHECK_MSG(max_rel_diff(b->grad, db, b->numel) < TOL, "matmul %d/%d: grad b differs", batch_a, batch_b);
    tape_free(t);
}

TEST(matmul_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_from_host(t, 2, (int[]){2, 2}, (real[]){1, 2, 3, 4}, "a");
    tensor *b = tape_from_host(t, 2, (int[]){2, 3}, (real[]){5, 6, 0, 7, 8, -1}, "b");
    tensor *y = op_matmul(t, a, b);
    REQUIRE(y);
    CHECK(y->ndim == 2 && y->shape[0] == 2 && y->shape[1] == 3);
    const real expect[] = {19, 22, -2, 43, 50, -4};
    for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], expect[i], 1e-5);
    tape_free(t);
}

TEST(matmul_matches_naive_loops) {
    check_matmul(tc, 0, 0, 5, 7, 3);
    check_matmul(tc, 0, 0, 1, 9, 1);
    check_matmul(tc, 3, 3, 4, 6, 5);
    check_matmul(tc, 3, 0, 4, 6, 5);
    check_matmul(tc, 0, 2, 4, 6, 5);
    check_matmul(tc, 2, 2, 17, 33, 9);
}

TEST(matmul_rejects_bad_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 2, (int[]){3, 5}, "a"), *b = tape_zeros(t, 2, (int[]){4, 2}, "b");
    tensor *a3 = tape_zeros(t, 3, (int[]){2, 3, 4}, "a3"), *b3 = tape_zeros(t, 3, (int[]){3, 4, 2}, "b3");
    tensor *v = tape_zeros(t, 1, (int[]){4}, "v");
    REQUIRE(a && b && a3 && b3 && v);
    CHECK(op_matmul(t, a, b) == NULL);
    CHECK(strstr(ganc_error_message(), "matmul") && strstr(ganc_error_message(), "(3,5)") &&
          strstr(ganc_error_message(), "(4,2)"));
    CHECK(op_matmul(t, a3, b3) == NULL);
    CHECK(strstr(ganc_error_message(), "batch") && strstr(ganc_error_message(), "(2,3,4)") &&
          strstr(ganc_error_message(), "(3,4,2)"));
    CHECK(op_matmul(t, v, b) == NULL);
    CHECK(strstr(ganc_error_message(), "matmul") && strstr(ganc_error_message(), "(4)"));
    ganc_error_clear();
    CHECK(op_matmul(t, NULL, b) == NULL);
    CHECK(strstr(ganc_error_message(), "matmul"));
    tape_free(t);
}

TEST(linear_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* y = x w^T + b: [1-3+0.5, 2+2-1] and [4-6+0.5, 8+5-1] by hand. */
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 4, 5, 6}, "x");
    tensor *w = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 0, -1, 2, 1, 0}, "w");
    tensor *b = tape_from_host(t, 1, (int[]){2}, (real[]){0.5, -1}, "b");
    tensor *y = op_linear(t, x, w, b);
    REQUIRE(y);
    CHECK(y->ndim == 2 && y->shape[0] == 2 && y->shape[1] == 2);
    const real expect[] = {-1.5, 3, -1.5, 12};
    for (int i = 0; i < 4; i++) CHECK_NEAR(y->data[i], expect[i], 1e-6);
    tape_free(t);
}

static void check_linear(test_ctx *tc, int rows, int in, int out, bool bias) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = random_input(t, 2, (int[]){rows, in}, 4, "x"), *w = random_input(t, 2, (int[]){out, in}, 5, "w");
    tensor *b = bias ? random_input(t, 1, (int[]){out}, 6, "b") : NULL;
    REQUIRE(x && w && (!bias || b));
    tensor *y = op_linear(t, x, w, b);
    REQUIRE(y);
    CHECK(y->shape[0] == rows && y->shape[1] == out);
    tensor *dy = random_input(t, 2, y->shape, 7, "dy");
    REQUIRE(dy);
    REQUIRE(tape_backward(t, y, dy) == GANC_OK);
    static double ref[4096], dx[4096], dw[4096], db[64];
    memset(dx, 0, sizeof dx);
    memset(dw, 0, sizeof dw);
    memset(db, 0, sizeof db);
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) {
            double s = bias ? b->data[o] : 0, g = dy->data[r * out + o];
            for (int i = 0; i < in; i++) {
                s += (double)x->data[r * in + i] * w->data[o * in + i];
                dx[r * in + i] += g * w->data[o * in + i];
                dw[o * in + i] += g * x->data[r * in + i];
            }
            db[o] += g;
            ref[r * out + o] = s;
        }
    CHECK_MSG(max_rel_diff(y->data, ref, y->numel) < TOL, "linear (%d,%d)->%d: forward differs", rows, in, out);
    CHECK_MSG(max_rel_diff(x->grad, dx, x->numel) < TOL, "linear: grad x differs");
    CHECK_MSG(max_rel_diff(w->grad, dw, w->numel) < TOL, "linear: grad w differs");
    if (bias) CHECK_MSG(max_rel_diff(b->grad, db, (size_t)out) < TOL, "linear: grad b differs");
    tape_free(t);
}

TEST(linear_matches_naive_loops) {
    check_linear(tc, 4, 7, 5, true);
    check_linear(tc, 1, 3, 6, true);
    check_linear(tc, 9, 16, 3, false);
    check_linear(tc, 33, 40, 20, true);
}

TEST(linear_rejects_bad_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 2, (int[]){4, 7}, "x"), *w = tape_zeros(t, 2, (int[]){5, 6}, "w");
    tensor *w_ok = tape_zeros(t, 2, (int[]){5, 7}, "w_ok"), *b = tape_zeros(t, 1, (int[]){4}, "b");
    tensor *x4 = tape_zeros(t, 4, (int[]){4, 7, 1, 1}, "x4");
    REQUIRE(x && w && w_ok && b && x4);
    CHECK(op_linear(t, x, w, NULL) == NULL);
    CHECK(strstr(ganc_error_message(), "linear") && strstr(ganc_error_message(), "(4,7)") &&
          strstr(ganc_error_message(), "(5,6)"));
    CHECK(op_linear(t, x, w_ok, b) == NULL);
    CHECK(strstr(ganc_error_message(), "linear: bias b (4)") && strstr(ganc_error_message(), "(5,7)"));
    CHECK(op_linear(t, x4, w_ok, NULL) == NULL);
    CHECK(strstr(ganc_error_message(), "linear") && strstr(ganc_error_message(), "(4,7,1,1)"));
    tape_free(t);
}
