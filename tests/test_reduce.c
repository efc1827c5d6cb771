/* Reduce ops: sum, mean, max, softmax, log_softmax. Forward values against
 * hand-computed numbers and naive loops written here; gradients routed to
 * the right elements (max ties, broadcast back); every bad-argument path. */
#include <stdlib.h>
#include <string.h>

#include "core/ops/reduce.h"
#include "core/rng.h"
#include "tests/test.h"

/* A step tensor of N(0,1) values from a fixed seed. */
static tensor *random_tensor(tape *t, int ndim, const int *shape, uint64_t seed, const char *name) {
    size_t n = shape_numel(ndim, shape);
    real *v = malloc(n * sizeof *v);
    if (!v) return NULL;
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; i < n; i++) v[i] = (real)rng_normal(&r);
    tensor *x = tape_from_host(t, ndim, shape, v, name);
    free(v);
    return x;
}

typedef enum { REF_SUM, REF_MEAN, REF_MAX } ref_kind;

/* Naive reduction over x's own dims: each element is added (or compared)
 * into the output cell whose index is x's with the reduced dims zeroed.
 * `ref` has the keepdim shape; returns the number of outputs. */
static size_t reference_reduce(ref_kind kind, const tensor *x, unsigned axes, double *ref) {
    if (axes == 0) axes = (1u << x->ndim) - 1;
    size_t n_out = 1, count = 1;
    for (int d = 0; d < x->ndim; d++) {
        if (axes & (1u << d))
            count *= (size_t)x->shape[d];
        else
            n_out *= (size_t)x->shape[d];
    }
    bool *seen = calloc(n_out, sizeof *seen);
    for (size_t o = 0; o < n_out; o++) ref[o] = 0;
    for (size_t f = 0; f < x->numel; f++) {
        size_t rest = f, o = 0, scale = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            size_t i = rest % (size_t)x->shape[d];
            rest /= (size_t)x->shape[d];
            if (!(axes & (1u << d))) {
                o += i * scale;
                scale *= (size_t)x->shape[d];
            }
        }
        double v = x->data[f];
        if (kind == REF_MAX)
            ref[o] = !seen[o] || v > ref[o] ? v : ref[o];
        else
            ref[o] += v;
        seen[o] = true;
    }
    if (kind == REF_MEAN)
        for (size_t o = 0; o < n_out; o++) ref[o] /= (double)count;
    free(seen);
    return n_out;
}

TEST(reduce_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 4, 5, 6}, "x");
    REQUIRE(x);

    tensor *all = op_sum(t, x, 0, false);
    REQUIRE(all);
    CHECK(all->ndim == 1 && all->shape[0] == 1);
    CHECK_NEAR(all->data[0], 21, 1e-6);

    tensor *cols = op_sum(t, x, 0x1, false);
    REQUIRE(cols);
    CHECK(cols->ndim == 1 && cols->shape[0] == 3);
    CHECK_NEAR(cols->data[0], 5, 1e-6);
    CHECK_NEAR(cols->data[1], 7, 1e-6);
    CHECK_NEAR(cols->data[2], 9, 1e-6);

    tensor *rows = op_mean(t, x, 0x2, true);
    REQUIRE(rows);
    CHECK(rows->ndim == 2 && rows->shape[0] == 2 && rows->shape[1] == 1);
    CHECK_NEAR(rows->data[0], 2, 1e-6);
    CHECK_NEAR(rows->data[1], 5, 1e-6);

    tensor *all_keep = op_mean(t, x, 0, true);
    REQUIRE(all_keep);
    CHECK(all_keep->ndim == 2 && all_keep->shape[0] == 1 && all_keep->shape[1] == 1);
    CHECK_NEAR(all_keep->data[0], 3.5, 1e-6);

    tensor *col_max = op_max(t, x, 0x1, false);
    REQUIRE(col_max);
    CHECK_NEAR(col_max->data[0], 4, 0);
    CHECK_NEAR(col_max->data[1], 5, 0);
    CHECK_NEAR(col_max->data[2], 6, 0);
    tape_free(t);
}

/* Every mask of a 4-D tensor, both keepdim settings, against the naive loop. */
static void check_all_masks(test_ctx *tc, const int *shape, uint64_t seed) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = random_tensor(t, 4, shape, seed, "x");
    REQUIRE(x);
    double *ref = malloc(x->numel * sizeof *ref);
    REQUIRE(ref);
    for (unsigned axes = 0; axes < 16; axes++)
        for (int keep = 0; keep < 2; keep++)
            for (ref_kind kind = REF_SUM; kind <= REF_MAX; kind++) {
                tensor *y = kind == REF_SUM    ? op_sum(t, x, axes, keep)
                            : kind == REF_MEAN ? op_mean(t, x, axes, keep)
                                               : op_max(t, x, axes, keep);
                CHECK_MSG(y, "axes 0x%x: %s", axes, ganc_error_message());
                if (!y) continue;
                size_t n_out = reference_reduce(kind, x, axes, ref);
                unsigned reduced = axes ? axes : 0xf;
                int expect_ndim = 0;
                for (int d = 0; d < 4; d++)
                    if (keep || !(reduced & (1u << d))) {
                        int want = reduced & (1u << d) ? 1 : shape[d];
                        CHECK_MSG(expect_ndim < y->ndim && y->shape[expect_ndim] == want,
                                  "kind %d axes 0x%x keep %d: dim %d", kind, axes, keep, expect_ndim);
                        expect_ndim++;
                    }
                CHECK_MSG(y->ndim == (expect_ndim ? expect_ndim : 1), "kind %d axes 0x%x keep %d: ndim %d", kind,
                          axes, keep, y->ndim);
                CHECK(y->numel == n_out);
                double worst = 0;
                for (size_t o = 0; o < n_out && o < y->numel; o++) {
                    double err = fabs(y->data[o] - ref[o]) / fmax(1, fabs(ref[o]));
                    worst = err > worst ? err : worst;
                }
                CHECK_MSG(worst < 1e-5, "kind %d axes 0x%x keep %d: max relative error %g", kind, axes, keep, worst);
            }
    free(ref);
    tape_free(t);
}

TEST(reduce_every_mask_matches_naive_loop) { check_all_masks(tc, (int[]){2, 3, 4, 5}, 11); }

/* Large enough (> 32768 values) for the kernels' parallel paths. */
TEST(reduce_every_mask_matches_naive_loop_parallel) { check_all_masks(tc, (int[]){3, 8, 40, 36}, 12); }

TEST(max_gradient_goes_to_first_tie) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *v = tape_from_host(t, 1, (int[]){4}, (real[]){3, 1, 3, 2}, "v");
    tensor *m = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 5, 5, 7, 7, 0}, "m");
    tensor *c = tape_from_host(t, 2, (int[]){2, 2}, (real[]){2, 2, 2, 2}, "c");
    REQUIRE(v && m && c);
    REQUIRE(!tape_set_requires_grad(t, v) && !tape_set_requires_grad(t, m) && !tape_set_requires_grad(t, c));

    tensor *mv = op_max(t, v, 0, false);
    REQUIRE(mv);
    CHECK_NEAR(mv->data[0], 3, 0);
    REQUIRE(tape_backward(t, mv, NULL) == GANC_OK);
    const real want_v[] = {1, 0, 0, 0};
    for (int i = 0; i < 4; i++) CHECK_NEAR(v->grad[i], want_v[i], 0);

    tensor *mm = op_max(t, m, 0x2, false);
    REQUIRE(mm);
    tensor *seed = tape_from_host(t, 1, (int[]){2}, (real[]){10, 20}, "seed");
    REQUIRE(tape_backward(t, mm, seed) == GANC_OK);
    const real want_m[] = {0, 10, 0, 20, 0, 0};
    for (int i = 0; i < 6; i++) CHECK_NEAR(m->grad[i], want_m[i], 0);

    tensor *mc = op_max(t, c, 0x1, true);
    REQUIRE(mc);
    seed = tape_from_host(t, 2, (int[]){1, 2}, (real[]){1, 1}, "seed");
    REQUIRE(tape_backward(t, mc, seed) == GANC_OK);
    const real want_c[] = {1, 1, 0, 0};
    for (int i = 0; i < 4; i++) CHECK_NEAR(c->grad[i], want_c[i], 0);
    tape_free(t);
}

TEST(sum_and_mean_gradients_broadcast_back) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 4, 5, 6}, "x");
    tensor *w = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 4, 5, 6}, "w");
    REQUIRE(x && w);
    REQUIRE(!tape_set_requires_grad(t, x) && !tape_set_requires_grad(t, w));

    tensor *s = op_sum(t, x, 0x1, false);
    REQUIRE(s);
    tensor *seed = tape_from_host(t, 1, (int[]){3}, (real[]){1, 2, 3}, "seed");
    REQUIRE(tape_backward(t, s, seed) == GANC_OK);
    const real want_x[] = {1, 2, 3, 1, 2, 3};
    for (int i = 0; i < 6; i++) CHECK_NEAR(x->grad[i], want_x[i], 1e-6);

    tensor *m = op_mean(t, w, 0, false);
    REQUIRE(m);
    REQUIRE(tape_backward(t, m, NULL) == GANC_OK);
    for (int i = 0; i < 6; i++) CHECK_NEAR(w->grad[i], 1.0 / 6, 1e-6);
    tape_free(t);
}

TEST(softmax_hand_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* (2,3): softmax along dim 1; rows [1,2,3] and [1000,1001,1002] must agree
     * (the second overflows exp without the max shift). Values from
     * e^k / (e + e^2 + e^3) for k = 1, 2, 3, computed with Python's math module. */
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 1000, 1001, 1002}, "x");
    REQUIRE(x);
    const double p[] = {0.09003057317038046, 0.24472847105479767, 0.6652409557748219};
    const double lp[] = {-2.40760596444438, -1.4076059644443801, -0.4076059644443803};
    tensor *y = op_softmax(t, x, 1), *ly = op_log_softmax(t, x, -1);
    REQUIRE(y && ly);
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 3; k++) {
            CHECK_NEAR(y->data[r * 3 + k], p[k], 1e-6);
            CHECK_NEAR(ly->data[r * 3 + k], lp[k], 2e-5);
        }

    /* Along dim 0 of the same tensor the 1000s win outright. */
    tensor *y0 = op_softmax(t, x, 0), *ly0 = op_log_softmax(t, x, 0);
    REQUIRE(y0 && ly0);
    for (int k = 0; k < 3; k++) {
        CHECK_NEAR(y0->data[k], 0, 1e-30);
        CHECK_NEAR(y0->data[3 + k], 1, 1e-6);
        CHECK_NEAR(ly0->data[k], -999, 1e-3);
        CHECK_NEAR(ly0->data[3 + k], 0, 1e-6);
    }
    tape_free(t);
}

/* softmax_i = exp(x_i) / sum exp(x_j) along each axis of a 4-D tensor, in
 * double straight from the definition (the inputs are small, no shift needed). */
TEST(softmax_every_axis_matches_naive_loop) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int shape[4] = {2, 3, 4, 5};
    tensor *x = random_tensor(t, 4, shape, 21, "x");
    REQUIRE(x);
    for (int axis = 0; axis < 4; axis++) {
        tensor *y = op_softmax(t, x, axis), *ly = op_log_softmax(t, x, axis - 4);
        REQUIRE(y && ly);
        long stride = 1;
        for (int d = axis + 1; d < 4; d++) stride *= shape[d];
        double worst = 0, worst_log = 0;
        for (size_t f = 0; f < x->numel; f++) {
            long k = (long)(f / (size_t)stride) % shape[axis];
            long first = (long)f - k * stride;
            double s = 0;
            for (int j = 0; j < shape[axis]; j++) s += exp((double)x->data[first + j * stride]);
            double want = exp((double)x->data[f]) / s;
            worst = fmax(worst, fabs(y->data[f] - want));
            worst_log = fmax(worst_log, fabs(ly->data[f] - log(want)));
        }
        CHECK_MSG(worst < 1e-6, "softmax axis %d: max error %g", axis, worst);
        CHECK_MSG(worst_log < 1e-5, "log_softmax axis %d: max error %g", axis, worst_log);
    }
    tape_free(t);
}

TEST(softmax_parallel_rows_sum_to_one) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = random_tensor(t, 4, (int[]){4, 10, 32, 32}, 31, "x");
    REQUIRE(x);
    tensor *y = op_softmax(t, x, 1);
    REQUIRE(y);
    double worst = 0;
    for (size_t line = 0; line < 4 * 32 * 32; line++) {
        size_t n = line / (32 * 32), hw = line % (32 * 32);
        double s = 0;
        for (int c = 0; c < 10; c++) s += y->data[(n * 10 + (size_t)c) * 32 * 32 + hw];
        worst = fmax(worst, fabs(s - 1));
    }
    CHECK_MSG(worst < 1e-5, "a softmax line sums to 1 +- %g", worst);
    tape_free(t);
}

TEST(reduce_rejects_bad_axes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 2, (int[]){2, 3}, "logits");
    REQUIRE(x);
    const char *msg;
    CHECK(!op_sum(t, x, 0x4, false));
    msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "sum:") && strstr(msg, "(2,3)") && strstr(msg, "logits"), "message: %s", msg);
    CHECK(!op_mean(t, x, 0x8, true));
    msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "mean:") && strstr(msg, "(2,3)"), "message: %s", msg);
    CHECK(!op_max(t, x, 0x100, true));
    msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "max:") && strstr(msg, "0x100") && strstr(msg, "(2,3)"), "message: %s", msg);
    CHECK(!op_softmax(t, x, -3));
    msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "softmax:") && strstr(msg, "axis -3") && strstr(msg, "(2,3)"), "message: %s", msg);
    CHECK(!op_log_softmax(t, x, 2));
    msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "log_softmax:") && strstr(msg, "axis 2") && strstr(msg, "(2,3)"), "message: %s", msg);
    tape_free(t);
}

TEST(reduce_passes_upstream_failure_through) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 2, (int[]){2, 3}, "x");
    REQUIRE(x);
    tensor *bad = op_softmax(t, x, 7);
    CHECK(!bad);
    CHECK(!op_sum(t, bad, 0, false));
    CHECK(!op_log_softmax(t, op_max(t, bad, 0, false), 0));
    CHECK_MSG(strstr(ganc_error_message(), "softmax: axis 7"), "message: %s", ganc_error_message());
    tape_free(t);
}
