/* Gradient checks: binary ops with broadcasting, scalar and unary ops, and
 * the view ops (reshape, grad_reverse). */
#include "core/gradcheck/cases.h"
#include "core/ops/elementwise.h"
#include "core/ops/view.h"

static tensor *fw_add(tape *t, tensor *const *in) { return op_add(t, in[0], in[1]); }
static tensor *fw_sub(tape *t, tensor *const *in) { return op_sub(t, in[0], in[1]); }
static tensor *fw_mul(tape *t, tensor *const *in) { return op_mul(t, in[0], in[1]); }
static tensor *fw_div(tape *t, tensor *const *in) { return op_div(t, in[0], in[1]); }

static const gradcheck_case add_same = {"add_same_shape", OP_ADD, 2,
                                        {GC_IN(GC_NORMAL, 2, 3, 5, 7), GC_IN(GC_NORMAL, 2, 3, 5, 7)}, fw_add};
static const gradcheck_case add_bcast = {"add_broadcast_channel", OP_ADD, 2,
                                         {GC_IN(GC_NORMAL, 2, 3, 5, 7), GC_IN(GC_NORMAL, 1, 3, 1, 1)}, fw_add};
static const gradcheck_case sub_bcast = {"sub_broadcast_both", OP_SUB, 2,
                                         {GC_IN(GC_NORMAL, 3, 1, 5), GC_IN(GC_NORMAL, 4, 1)}, fw_sub};
static const gradcheck_case mul_bcast = {"mul_broadcast_batch_width", OP_MUL, 2,
                                         {GC_IN(GC_NORMAL, 1, 2, 3, 5), GC_IN(GC_NORMAL, 3, 2, 3, 1)}, fw_mul};
static const gradcheck_case div_bcast = {"div_broadcast_scalar_tensor", OP_DIV, 2,
                                         {GC_IN(GC_NORMAL, 2, 3, 4), GC_IN(GC_POSITIVE, 1)}, fw_div};
static const gradcheck_case div_same = {"div_same_shape", OP_DIV, 2,
                                        {GC_IN(GC_NORMAL, 3, 7), GC_IN(GC_POSITIVE, 3, 7)}, fw_div};

#define UNARY_CASE(var, case_name, op, dist, expr)                                                  \
    static tensor *fw_##var(tape *t, tensor *const *in) { return expr; }                           \
    static const gradcheck_case var = {case_name, op, 1, {GC_IN(dist, 2, 3, 5, 3)}, fw_##var};

UNARY_CASE(add_scalar, "add_scalar", OP_ADD_SCALAR, GC_NORMAL, op_add_scalar(t, in[0], 0.7))
UNARY_CASE(mul_scalar, "mul_scalar", OP_MUL_SCALAR, GC_NORMAL, op_mul_scalar(t, in[0], -1.3))
UNARY_CASE(neg, "neg", OP_NEG, GC_NORMAL, op_neg(t, in[0]))
UNARY_CASE(abs_, "abs", OP_ABS, GC_AWAY_ZERO, op_abs(t, in[0]))
UNARY_CASE(exp_, "exp", OP_EXP, GC_NORMAL, op_exp(t, in[0]))
UNARY_CASE(log_, "log", OP_LOG, GC_POSITIVE, op_log(t, in[0]))
UNARY_CASE(sqrt_, "sqrt", OP_SQRT, GC_POSITIVE, op_sqrt(t, in[0]))
UNARY_CASE(pow_, "pow_1.7", OP_POW, GC_POSITIVE, op_pow(t, in[0], 1.7))
UNARY_CASE(clamp, "clamp", OP_CLAMP, GC_DISTINCT, op_clamp(t, in[0], -0.325, 0.475))
UNARY_CASE(relu, "relu", OP_RELU, GC_AWAY_ZERO, op_relu(t, in[0]))
UNARY_CASE(leaky_relu, "leaky_relu_0.2", OP_LEAKY_RELU, GC_AWAY_ZERO, op_leaky_relu(t, in[0], 0.2))
UNARY_CASE(elu, "elu", OP_ELU, GC_AWAY_ZERO, op_elu(t, in[0], 1.1))
UNARY_CASE(tanh_, "tanh", OP_TANH, GC_NORMAL, op_tanh(t, in[0]))
UNARY_CASE(sigmoid, "sigmoid", OP_SIGMOID, GC_NORMAL, op_sigmoid(t, in[0]))
UNARY_CASE(softplus, "softplus", OP_SOFTPLUS, GC_NORMAL, op_softplus(t, in[0]))

/* Reshape feeds a broadcasting op so the gradient really passes through the view. */
static tensor *fw_reshape(tape *t, tensor *const *in) {
    tensor *v = op_reshape(t, in[0], 2, (int[]){6, -1});
    return op_mul(t, v, in[1]);
}
static const gradcheck_case reshape = {"reshape_then_mul", OP_RESHAPE, 2,
                                       {GC_IN(GC_NORMAL, 2, 3, 5), GC_IN(GC_NORMAL, 6, 5)}, fw_reshape};

static tensor *fw_grad_reverse(tape *t, tensor *const *in) { return op_grad_reverse(t, in[0], 0.6); }
static const gradcheck_case grad_reverse = {"grad_reverse_0.6", OP_GRAD_REVERSE, 1, {GC_IN(GC_NORMAL, 2, 3, 4)},
                                            fw_grad_reverse, .expected_scale = -0.6};

const gradcheck_case *const gradcheck_cases_elementwise[] = {
    &add_same, &add_bcast, &sub_bcast, &mul_bcast, &div_bcast, &div_same, &add_scalar, &mul_scalar, &neg, &abs_,
    &exp_, &log_, &sqrt_, &pow_, &clamp, &relu, &leaky_relu, &elu, &tanh_, &sigmoid, &softplus, &reshape,
    &grad_reverse, NULL,
};
