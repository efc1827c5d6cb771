/* Every gradient-check case, in this build's precision, plus the check that
 * every differentiable op of the op table has a case. */
#include <stdio.h>

#include "core/gradcheck/cases.h"
#include "core/ops/elementwise.h"
#include "core/ops/view.h"
#include "core/params.h"
#include "tests/test.h"

TEST(gradcheck_every_case) {
    size_t n = gradcheck_case_count();
    CHECK_MSG(n > 0, "no gradient-check cases registered");
    for (size_t i = 0; i < n; i++) {
        const gradcheck_case *c = gradcheck_case_at(i);
        gradcheck_result r;
        ganc_status st = gradcheck_run(c, &r);
        CHECK_MSG(st == GANC_OK, "%s: could not run: %s", c->name, ganc_error_message());
        CHECK_MSG(st || r.passed, "%s (%s): %s", c->name, op_name(c->op), r.message);
    }
}

TEST(gradcheck_covers_every_differentiable_op) {
    for (int op = 0; op < OP_COUNT; op++) {
        if (!op_is_differentiable((op_id)op)) continue;
        CHECK_MSG(gradcheck_cases_for_op((op_id)op) > 0, "differentiable op %s has no gradient-check case",
                  op_name((op_id)op));
    }
}

/* The harness must be able to fail: grad_reverse checked as if it were
 * plain identity has analytic = -lambda * numeric, which must be caught. */
static tensor *fw_reversed(tape *t, tensor *const *in) { return op_grad_reverse(t, in[0], 0.5); }

TEST(gradcheck_detects_a_wrong_gradient) {
    const gradcheck_case wrong = {"reversed_as_identity", OP_GRAD_REVERSE, 1, {GC_IN(GC_NORMAL, 3, 4)}, fw_reversed};
    gradcheck_result r;
    REQUIRE(gradcheck_run(&wrong, &r) == GANC_OK);
    CHECK(!r.passed);
    CHECK(r.max_error > 1.0);
}

/* And must refuse a case that never puts its op on the tape. */
static tensor *fw_other_op(tape *t, tensor *const *in) { return op_exp(t, in[0]); }

TEST(gradcheck_rejects_case_without_its_op) {
    const gradcheck_case mislabelled = {"exp_labelled_as_tanh", OP_TANH, 1, {GC_IN(GC_NORMAL, 3)}, fw_other_op};
    gradcheck_result r;
    REQUIRE(gradcheck_run(&mislabelled, &r) == GANC_OK);
    CHECK(!r.passed);
}

/* gradcheck_function over a composition with parameters of a param_set:
 * y = tanh(x * w + b), checked with respect to x, w and b. */
typedef struct {
    tensor *x, *w, *b;
} affine_tanh;

static tensor *fw_affine_tanh(tape *t, void *ctx) {
    affine_tanh *a = ctx;
    return op_tanh(t, op_add(t, op_mul(t, a->x, a->w), a->b));
}

TEST(gradcheck_function_checks_parameters) {
    param_set ps;
    params_init(&ps, "layer");
    affine_tanh a = {tensor_new(2, (int[]){3, 4}, "x"), params_add(&ps, "layer.w", 2, (int[]){1, 4}),
                     params_add(&ps, "layer.b", 1, (int[]){4})};
    REQUIRE(a.x && a.w && a.b && tensor_set_requires_grad(a.x, true) == GANC_OK);
    for (int i = 0; i < 12; i++) a.x->data[i] = (real)(0.1 * i - 0.5);
    for (int i = 0; i < 4; i++) a.w->data[i] = (real)(0.3 * i - 0.4), a.b->data[i] = (real)(0.05 * i);
    tensor *wrt[3] = {a.x, a.w, a.b};
    gradcheck_result r;
    REQUIRE(gradcheck_function(fw_affine_tanh, &a, 3, wrt, OP_TANH, 0, &r) == GANC_OK);
    CHECK_MSG(r.passed, "%s", r.message);
    CHECK(r.checked == 12 + 4 + 4);
    tensor_free(a.x);
    params_free(&ps);
}
