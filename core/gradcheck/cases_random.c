/* Gradient checks: dropout. Each forward builds a fresh generator with a
 * fixed seed, so every forward of a case draws the same mask. */
#include "core/gradcheck/cases.h"
#include "core/ops/random.h"

#define DROPOUT_CASE(var, case_name, p, training, ...)                        \
    static tensor *fw_##var(tape *t, tensor *const *in) {                     \
        rng r;                                                                \
        rng_init(&r, 42);                                                     \
        return op_dropout(t, in[0], p, training, &r);                         \
    }                                                                         \
    static const gradcheck_case var = {case_name, OP_DROPOUT, 1, {GC_IN(GC_NORMAL, __VA_ARGS__)}, fw_##var};

DROPOUT_CASE(train_03, "dropout_train_p0.3", 0.3, true, 3, 5, 7)
DROPOUT_CASE(train_06, "dropout_train_p0.6_nchw", 0.6, true, 2, 3, 4, 5)
DROPOUT_CASE(train_0, "dropout_train_p0_identity", 0, true, 4, 5)
DROPOUT_CASE(train_1, "dropout_train_p1_drops_all", 1, true, 11)
DROPOUT_CASE(eval, "dropout_eval_identity", 0.5, false, 2, 3, 5)

const gradcheck_case *const gradcheck_cases_random[] = {&train_03, &train_06, &train_0, &train_1, &eval, NULL};
