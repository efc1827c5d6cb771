/* Every gradient-check case, in this build's precision, plus the check that
 * every differentiable op of the op table has a case. */
#include <stdio.h>

#include "core/gradcheck/cases.h"
#include "core/ops/elementwise.h"
#include "core/ops/view.h"
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
