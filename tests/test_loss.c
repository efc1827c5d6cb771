/* Loss ops: forward values against numbers computed with numpy (float64,
 * formulas written independently of the kernels: logaddexp for BCE,
 * log(sum(exp)) for cross entropy), gradients against hand formulas, and
 * every bad-input path. */
#include <math.h>
#include <string.h>

#include "core/ops/loss.h"
#include "core/tape.h"
#include "tests/test.h"

static const real P[] = {0.5, -1.2, 3.0, 0.1, 2.2, -0.7};
static const real Z[] = {0.0, -1.0, 1.0, 0.3, -0.5, -0.7};

static bool error_mentions(const char *a, const char *b, const char *c) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b)) && (!c || strstr(m, c));
}

TEST(loss_pointwise_numpy_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *p = tape_from_host(t, 2, (int[]){2, 3}, P, "p");
    tensor *z = tape_from_host(t, 2, (int[]){2, 3}, Z, "z");
    tensor *mse = op_mse(t, p, z), *l1 = op_l1(t, p, z);
    tensor *s1 = op_smooth_l1(t, p, z, 1), *s05 = op_smooth_l1(t, p, z, 0.5), *s0 = op_smooth_l1(t, p, z, 0);
    REQUIRE(mse && l1 && s1 && s05 && s0);
    CHECK(mse->ndim == 1 && mse->shape[0] == 1);
    /* numpy: mean(d**2), mean(abs(d)), mean(where(abs(d) < b, 0.5*d**2/b, abs(d) - 0.5*b)) */
    CHECK_NEAR(mse->data[0], 1.9366666666666668, 1e-6);
    CHECK_NEAR(l1->data[0], 0.9333333333333335, 1e-6);
    CHECK_NEAR(s1->data[0], 0.6441666666666667, 1e-6);
    CHECK_NEAR(s05->data[0], 0.755, 1e-6);
    CHECK_NEAR(s0->data[0], 0.9333333333333335, 1e-6);
    tape_free(t);
}

TEST(loss_bce_with_logits_is_stable) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real xv[] = {-30, -1.5, 0, 0.7, 25, 3}, zv[] = {0, 1, 0.5, 0.2, 1, 0};
    tensor *x = tape_from_host(t, 1, (int[]){6}, xv, "x");
    tensor *y = op_bce_with_logits(t, x, tape_from_host(t, 1, (int[]){6}, zv, "z"));
    REQUIRE(y);
    /* numpy: mean(logaddexp(0, x) - x*z) */
    CHECK_NEAR(y->data[0], 1.0677223098359798, 1e-6);
    /* Logits far beyond float32's exp range stay finite: -log(sigmoid(-200)) = 200. */
    real big[] = {-200}, one[] = {1};
    tensor *yb = op_bce_with_logits(t, tape_from_host(t, 1, (int[]){1}, big, "x"),
                                    tape_from_host(t, 1, (int[]){1}, one, "z"));
    REQUIRE(yb);
    CHECK_NEAR(yb->data[0], 200, 1e-3);
    tape_free(t);
}

TEST(loss_pointwise_gradients) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    enum { N = 6 };
    tensor *p = tape_from_host(t, 1, (int[]){N}, P, "p");
    tensor *z = tape_from_host(t, 1, (int[]){N}, Z, "z");
    REQUIRE(p && z && !tape_set_requires_grad(t, p) && !tape_set_requires_grad(t, z));

    REQUIRE(tape_backward(t, op_mse(t, p, z), NULL) == GANC_OK);
    for (int i = 0; i < N; i++) {
        CHECK_NEAR(p->grad[i], 2 * (P[i] - Z[i]) / N, 1e-6);
        CHECK_NEAR(z->grad[i], -2 * (P[i] - Z[i]) / N, 1e-6);
    }
    /* L1: the last pair is equal, where the subgradient is 0 (PyTorch). */
    memset(p->grad, 0, N * sizeof(real));
    memset(z->grad, 0, N * sizeof(real));
    REQUIRE(tape_backward(t, op_l1(t, p, z), NULL) == GANC_OK);
    const real l1_sign[] = {1, -1, 1, -1, 1, 0};
    for (int i = 0; i < N; i++) {
        CHECK_NEAR(p->grad[i], l1_sign[i] / N, 1e-7);
        CHECK_NEAR(z->grad[i], -l1_sign[i] / N, 1e-7);
    }
    /* BCE: d/dx = sigmoid(x) - z, d/dz = -x. */
    memset(p->grad, 0, N * sizeof(real));
    memset(z->grad, 0, N * sizeof(real));
    REQUIRE(tape_backward(t, op_bce_with_logits(t, p, z), NULL) == GANC_OK);
    for (int i = 0; i < N; i++) {
        CHECK_NEAR(p->grad[i], (1 / (1 + exp(-P[i])) - Z[i]) / N, 1e-6);
        CHECK_NEAR(z->grad[i], -P[i] / N, 1e-6);
    }
    tape_free(t);
}

static const real LOGITS[] = {1.0, 2.0, 0.5, -1.0, 0.3, -0.2, 2.2, 1.1, -1.5, 0.0, 0.4, 3.0};
static const real LABELS[] = {2, 0, 3};

TEST(loss_nll_values_and_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real lp[] = {-1.2, -0.3, -2.5, -4.0, -0.1, -3.0, -2.2, -1.7, -0.9, -1.1, -1.3, -0.6};
    tensor *x = tape_from_host(t, 2, (int[]){3, 4}, lp, "log_probs");
    tensor *labels = tape_from_host(t, 1, (int[]){3}, LABELS, "labels");
    REQUIRE(x && labels && !tape_set_requires_grad(t, x) && !tape_set_requires_grad(t, labels));
    tensor *y = op_nll(t, x, labels);
    REQUIRE(y);
    CHECK_NEAR(y->data[0], (2.5 + 0.1 + 0.6) / 3, 1e-6);
    REQUIRE(tape_backward(t, y, NULL) == GANC_OK);
    for (int i = 0; i < 12; i++) CHECK_NEAR(x->grad[i], i % 4 == (int)LABELS[i / 4] ? -1.0 / 3 : 0, 1e-7);
    CHECK(labels->grad == NULL);
    tape_free(t);
}

TEST(loss_cross_entropy_values_and_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){3, 4}, LOGITS, "logits");
    tensor *labels = tape_from_host(t, 1, (int[]){3}, LABELS, "labels");
    REQUIRE(x && labels && !tape_set_requires_grad(t, x) && !tape_set_requires_grad(t, labels));
    tensor *y = op_cross_entropy(t, x, labels);
    REQUIRE(y);
    /* numpy: mean(log(exp(x).sum(1)) - x[i, label]); gradient (softmax - onehot) / 3 */
    CHECK_NEAR(y->data[0], 1.491682949553758, 1e-6);
    REQUIRE(tape_backward(t, y, NULL) == GANC_OK);
    const double want[] = {0.07473593934940038,  0.20315334586629238,  -0.2880036947354982,  0.010114409519805408,
                           -0.30164152786759707, 0.019222051676617478, 0.21188806602916213,  0.07053141016181744,
                           0.0032620664836505724, 0.014619567706492894, 0.02180983217338484, -0.03969146636352827};
    for (int i = 0; i < 12; i++) CHECK_NEAR(x->grad[i], want[i], 1e-6);
    CHECK(labels->grad == NULL);
    tape_free(t);
}

TEST(loss_cross_entropy_large_logits_are_stable) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* Row 0 is certain of its label (loss 0); row 1 puts its label 2000 below the max. */
    real xv[] = {1000, 0, -1000, 1000, 0, -1000}, lv[] = {0, 2};
    tensor *y = op_cross_entropy(t, tape_from_host(t, 2, (int[]){2, 3}, xv, "logits"),
                                 tape_from_host(t, 1, (int[]){2}, lv, "labels"));
    REQUIRE(y);
    CHECK_NEAR(y->data[0], 1000, 1e-2);
    tape_free(t);
}

TEST(loss_cosine_similarity_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real av[] = {1, 2, -1, 0.5, 0, 3}, bv[] = {2, -1, 0.5, 1, 1, 1};
    tensor *y = op_cosine_similarity(t, tape_from_host(t, 2, (int[]){2, 3}, av, "a"),
                                     tape_from_host(t, 2, (int[]){2, 3}, bv, "b"), 1e-8);
    REQUIRE(y);
    CHECK(y->ndim == 1 && y->shape[0] == 2);
    /* numpy: (a*b).sum(1) / sqrt((a*a).sum(1) * (b*b).sum(1)) */
    CHECK_NEAR(y->data[0], -0.0890870806374748, 1e-6);
    CHECK_NEAR(y->data[1], 0.6644105970267493, 1e-6);
    /* A zero row divides by eps instead of 0. */
    real zero[4] = {0}, ones[] = {1, 1, 1, 1};
    tensor *y0 = op_cosine_similarity(t, tape_from_host(t, 2, (int[]){1, 4}, zero, "a"),
                                      tape_from_host(t, 2, (int[]){1, 4}, ones, "b"), 1e-8);
    REQUIRE(y0);
    CHECK(y0->data[0] == 0);
    tape_free(t);
}

TEST(loss_cosine_similarity_gradient_is_orthogonal_to_a) {
    /* cos is scale-invariant in a, so its gradient in a is orthogonal to a. */
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real av[] = {1, 2, -1, 0.5, 0, 3, 0.2, -0.4}, bv[] = {2, -1, 0.5, 1, 1, 1, 0.3, 0.9};
    tensor *a = tape_from_host(t, 3, (int[]){2, 2, 2}, av, "a");
    tensor *b = tape_from_host(t, 3, (int[]){2, 2, 2}, bv, "b");
    REQUIRE(a && b && !tape_set_requires_grad(t, a));
    tensor *y = op_cosine_similarity(t, a, b, 1e-8);
    real seed[] = {1, 1};
    REQUIRE(y && tape_backward(t, y, tape_from_host(t, 1, (int[]){2}, seed, "seed")) == GANC_OK);
    for (int i = 0; i < 2; i++) {
        double dot = 0;
        for (int j = 0; j < 4; j++) dot += a->grad[i * 4 + j] * av[i * 4 + j];
        CHECK_NEAR(dot, 0, 1e-6);
    }
    tape_free(t);
}

TEST(loss_rejects_bad_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 2, (int[]){2, 3}, "a");
    tensor *b = tape_zeros(t, 2, (int[]){3, 2}, "b");
    tensor *v = tape_zeros(t, 1, (int[]){3}, "v");
    tensor *labels2 = tape_zeros(t, 1, (int[]){2}, "labels");
    REQUIRE(a && b && v && labels2);
    CHECK(!op_mse(t, a, b));
    CHECK(error_mentions("mse", "(2,3)", "(3,2)"));
    CHECK(!op_l1(t, a, b));
    CHECK(error_mentions("l1", "(2,3)", "(3,2)"));
    CHECK(!op_smooth_l1(t, a, b, 1));
    CHECK(error_mentions("smooth_l1", "(2,3)", "(3,2)"));
    CHECK(!op_bce_with_logits(t, a, b));
    CHECK(error_mentions("bce_with_logits", "(2,3)", "(3,2)"));
    CHECK(!op_cosine_similarity(t, a, b, 1e-8));
    CHECK(error_mentions("cosine_similarity", "(2,3)", "(3,2)"));
    CHECK(!op_cosine_similarity(t, v, v, 1e-8));
    CHECK(error_mentions("cosine_similarity", "(3)", NULL));
    CHECK(!op_nll(t, v, labels2));
    CHECK(error_mentions("nll", "(3)", "(N,C)"));
    CHECK(!op_nll(t, b, labels2));
    CHECK(error_mentions("nll", "(2)", "(3,2)"));
    CHECK(!op_cross_entropy(t, b, a));
    CHECK(error_mentions("cross_entropy", "(2,3)", "(3,2)"));
    tape_free(t);
}

TEST(loss_rejects_bad_labels) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 2, (int[]){3, 4}, "x");
    real out_of_range[] = {0, 4, 1}, negative[] = {0, 1, -1}, fractional[] = {0, 2.5, 1};
    tensor *l1 = tape_from_host(t, 1, (int[]){3}, out_of_range, "labels");
    tensor *l2 = tape_from_host(t, 1, (int[]){3}, negative, "labels");
    tensor *l3 = tape_from_host(t, 1, (int[]){3}, fractional, "labels");
    REQUIRE(x && l1 && l2 && l3);
    CHECK(!op_nll(t, x, l1));
    CHECK(error_mentions("nll", "labels[1] = 4", "[0, 4)"));
    CHECK(!op_cross_entropy(t, x, l2));
    CHECK(error_mentions("cross_entropy", "labels[2] = -1", "[0, 4)"));
    CHECK(!op_cross_entropy(t, x, l3));
    CHECK(error_mentions("cross_entropy", "labels[1] = 2.5", NULL));
    tape_free(t);
}

TEST(loss_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 2, (int[]){2, 3}, "a");
    REQUIRE(a);
    CHECK(!op_smooth_l1(t, a, a, -1));
    CHECK(error_mentions("smooth_l1", "beta", "-1"));
    CHECK(!op_cosine_similarity(t, a, a, 0));
    CHECK(error_mentions("cosine_similarity", "eps", NULL));
    ganc_error_clear();
    CHECK(!op_mse(t, NULL, a));
    CHECK(error_mentions("mse", "NULL", NULL));
    tape_free(t);
}
