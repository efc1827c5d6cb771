/* Gradient checks: matmul (plain, batched, either operand shared across the
 * batch) and linear (with and without bias). */
#include "core/gradcheck/cases.h"
#include "core/ops/linalg.h"

static tensor *fw_matmul(tape *t, tensor *const *in) { return op_matmul(t, in[0], in[1]); }
static tensor *fw_linear(tape *t, tensor *const *in) { return op_linear(t, in[0], in[1], in[2]); }
static tensor *fw_linear_nobias(tape *t, tensor *const *in) { return op_linear(t, in[0], in[1], NULL); }

static const gradcheck_case matmul_2d = {"matmul_2d", OP_MATMUL, 2,
                                         {GC_IN(GC_NORMAL, 3, 5), GC_IN(GC_NORMAL, 5, 4)}, fw_matmul};
static const gradcheck_case matmul_batched = {"matmul_batched", OP_MATMUL, 2,
                                              {GC_IN(GC_NORMAL, 2, 3, 4), GC_IN(GC_NORMAL, 2, 4, 5)}, fw_matmul};
static const gradcheck_case matmul_shared_b = {"matmul_batched_a_shared_b", OP_MATMUL, 2,
                                               {GC_IN(GC_NORMAL, 3, 2, 4), GC_IN(GC_NORMAL, 4, 3)}, fw_matmul};
static const gradcheck_case matmul_shared_a = {"matmul_shared_a_batched_b", OP_MATMUL, 2,
                                               {GC_IN(GC_NORMAL, 3, 4), GC_IN(GC_NORMAL, 2, 4, 5)}, fw_matmul};
static const gradcheck_case matmul_vector = {"matmul_row_times_column", OP_MATMUL, 2,
                                             {GC_IN(GC_NORMAL, 1, 7), GC_IN(GC_NORMAL, 7, 1)}, fw_matmul};
static const gradcheck_case linear_bias = {"linear_bias", OP_LINEAR, 3,
                                           {GC_IN(GC_NORMAL, 4, 7), GC_IN(GC_NORMAL, 5, 7), GC_IN(GC_NORMAL, 5)},
                                           fw_linear};
static const gradcheck_case linear_single = {"linear_single_row_bias", OP_LINEAR, 3,
                                             {GC_IN(GC_NORMAL, 1, 3), GC_IN(GC_NORMAL, 6, 3), GC_IN(GC_NORMAL, 6)},
                                             fw_linear};
static const gradcheck_case linear_nobias = {"linear_no_bias", OP_LINEAR, 2,
                                             {GC_IN(GC_NORMAL, 3, 6), GC_IN(GC_NORMAL, 4, 6)}, fw_linear_nobias};
/* A frozen weight: only x and b are differentiated. */
static const gradcheck_case linear_frozen = {"linear_frozen_weight", OP_LINEAR, 3,
                                             {GC_IN(GC_NORMAL, 5, 4), GC_CONST(GC_NORMAL, 0, 3, 4),
                                              GC_IN(GC_NORMAL, 3)},
                                             fw_linear};

const gradcheck_case *const gradcheck_cases_linalg[] = {
    &matmul_2d,   &matmul_batched, &matmul_shared_b, &matmul_shared_a, &matmul_vector,
    &linear_bias, &linear_single,  &linear_nobias,   &linear_frozen,   NULL,
};
