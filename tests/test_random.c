/* Dropout: the mask is the documented function of (seed, counter), the
 * drop rate is p, backward reuses the forward's mask, eval is identity,
 * and bad arguments are refused. */
#include <math.h>
#include <string.h>

#include "core/ops/random.h"
#include "core/tape.h"
#include "tests/test.h"

static bool error_mentions(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

TEST(dropout_mask_follows_rng_contract) {
    enum { N = 3 * 4 * 5 };
    real xv[N];
    for (int i = 0; i < N; i++) xv[i] = (real)(1 + 0.1 * i);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 3, (int[]){3, 4, 5}, xv, "x");
    rng r;
    rng_init(&r, 2024);
    r.counter = 17;
    const real p = 0.4;
    for (int call = 0; call < 2; call++) {
        uint64_t first = r.counter;
        tensor *y = op_dropout(t, x, p, true, &r);
        REQUIRE(y);
        CHECK(y->ndim == 3 && y->shape[2] == 5);
        CHECK(r.counter == first + N);
        int mismatches = 0;
        for (int i = 0; i < N; i++) {
            bool keep = rng_uniform_at(2024, first + (uint64_t)i) >= p;
            double want = keep ? xv[i] / (1 - p) : 0;
            mismatches += fabs(y->data[i] - want) > 1e-6;
        }
        CHECK_MSG(mismatches == 0, "call %d: %d elements differ from the documented mask", call, mismatches);
    }
    tape_free(t);
}

TEST(dropout_drop_rate_is_p) {
    enum { N = 100000 };
    static real xv[N];
    for (int i = 0; i < N; i++) xv[i] = 1;
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    rng r;
    rng_init(&r, 5);
    tensor *y = op_dropout(t, tape_from_host(t, 1, (int[]){N}, xv, "x"), 0.25, true, &r);
    REQUIRE(y);
    int dropped = 0;
    double sum = 0;
    for (int i = 0; i < N; i++) {
        dropped += y->data[i] == 0;
        sum += y->data[i];
    }
    CHECK_NEAR((double)dropped / N, 0.25, 0.007);
    CHECK_NEAR(sum / N, 1, 0.01); /* survivors' scale keeps the mean */
    tape_free(t);
}

TEST(dropout_backward_uses_forward_mask) {
    enum { N = 40 };
    real xv[N], dyv[N];
    for (int i = 0; i < N; i++) xv[i] = (real)(i - 20), dyv[i] = (real)(0.5 + i);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){5, 8}, xv, "x");
    REQUIRE(x && !tape_set_requires_grad(t, x));
    rng r;
    rng_init(&r, 11);
    tensor *y = op_dropout(t, x, 0.5, true, &r);
    /* Another draw between forward and backward must not change the mask. */
    rng_reserve(&r, 1000);
    REQUIRE(y && tape_backward(t, y, tape_from_host(t, 2, y->shape, dyv, "dy")) == GANC_OK);
    for (int i = 0; i < N; i++) {
        bool kept = rng_uniform_at(11, (uint64_t)i) >= 0.5;
        CHECK_NEAR(x->grad[i], kept ? 2 * dyv[i] : 0, 1e-6);
    }
    tape_free(t);
}

TEST(dropout_eval_and_p0_are_identity) {
    real xv[] = {1, -2, 3, -4, 5, -6};
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, xv, "x");
    rng r;
    rng_init(&r, 9);
    tensor *eval = op_dropout(t, x, 0.9, false, &r);
    tensor *p0 = op_dropout(t, x, 0, true, &r);
    tensor *no_rng = op_dropout(t, x, 0.5, false, NULL);
    REQUIRE(eval && p0 && no_rng);
    CHECK(r.counter == 0);
    CHECK(eval != x && eval->data != x->data); /* a new tensor, not an alias */
    for (int i = 0; i < 6; i++) CHECK(eval->data[i] == xv[i] && p0->data[i] == xv[i] && no_rng->data[i] == xv[i]);
    tape_free(t);
}

TEST(dropout_p1_drops_everything) {
    real xv[] = {1e30, -2, INFINITY};
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    rng r;
    rng_init(&r, 1);
    tensor *y = op_dropout(t, tape_from_host(t, 1, (int[]){3}, xv, "x"), 1, true, &r);
    REQUIRE(y);
    for (int i = 0; i < 3; i++) CHECK(y->data[i] == 0);
    tape_free(t);
}

TEST(dropout_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_zeros(t, 1, (int[]){4}, "x");
    rng r;
    rng_init(&r, 1);
    REQUIRE(x);
    CHECK(!op_dropout(t, x, 1.5, true, &r));
    CHECK(error_mentions("dropout", "1.5"));
    CHECK(!op_dropout(t, x, -0.1, false, &r));
    CHECK(error_mentions("dropout", "p must be"));
    CHECK(!op_dropout(t, x, 0.5, true, NULL));
    CHECK(error_mentions("dropout", "generator"));
    CHECK(r.counter == 0);
    tape_free(t);
}
