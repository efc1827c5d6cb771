#include "core/ops/elementwise.h"

#include "core/kernels/elementwise.h"

/* ---- binary ops with broadcasting ---- */

typedef struct {
    binary_kind kind;
} binary_saved;

static ganc_status broadcast_shape(op_id op, const tensor *a, const tensor *b, int *ndim, int *shape) {
    char sa[48], sb[48];
    *ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int i = 0; i < *ndim; i++) {
        int da = i < *ndim - a->ndim ? 1 : a->shape[i - (*ndim - a->ndim)];
        int db = i < *ndim - b->ndim ? 1 : b->shape[i - (*ndim - b->ndim)];
        if (da != db && da != 1 && db != 1)
            return GANC_ERR(GANC_ERR_SHAPE, "%s: shapes %s (%s) and %s (%s) do not broadcast (dim %d: %d vs %d)",
                            op_name(op), tensor_shape_str(a, sa, sizeof sa), a->name,
                            tensor_shape_str(b, sb, sizeof sb), b->name, i, da, db);
        shape[i] = da > db ? da : db;
    }
    return GANC_OK;
}

static ganc_status binary_backward(tape *t, const tape_node *node) {
    const binary_saved *s = node->saved;
    tensor *a = node->in[0], *b = node->in[1], *y = node->out;
    real *da = tape_grad(t, a), *db = tape_grad(t, b);
    if ((a->requires_grad && !da) || (b->requires_grad && !db)) return ganc_error_status();
    t->be->elementwise->binary_backward(s->kind, a->data, dims4_of(a), b->data, dims4_of(b), y->grad, dims4_of(y),
                                        da, db);
    return GANC_OK;
}

static tensor *binary(tape *t, op_id op, binary_kind kind, const tensor *a, const tensor *b) {
    const tensor *in[2] = {a, b};
    if (tape_check_inputs(t, op, 2, in)) return NULL;
    int ndim, shape[TENSOR_MAX_DIM];
    if (broadcast_shape(op, a, b, &ndim, shape)) return NULL;
    tensor *y = tape_tensor(t, ndim, shape, op_name(op));
    if (!y) return NULL;
    t->be->elementwise->binary_forward(kind, a->data, dims4_of(a), b->data, dims4_of(b), y->data, dims4_of(y));
    tape_node *node;
    if (tape_record(t, op, y, 2, in, binary_backward, sizeof(binary_saved), &node)) return NULL;
    if (node) ((binary_saved *)node->saved)->kind = kind;
    return y;
}

tensor *op_add(tape *t, const tensor *a, const tensor *b) { return binary(t, OP_ADD, BINARY_ADD, a, b); }
tensor *op_sub(tape *t, const tensor *a, const tensor *b) { return binary(t, OP_SUB, BINARY_SUB, a, b); }
tensor *op_mul(tape *t, const tensor *a, const tensor *b) { return binary(t, OP_MUL, BINARY_MUL, a, b); }
tensor *op_div(tape *t, const tensor *a, const tensor *b) { return binary(t, OP_DIV, BINARY_DIV, a, b); }

/* ---- unary and scalar ops ---- */

typedef struct {
    unary_kind kind;
    real p0, p1;
} unary_saved;

static ganc_status unary_backward(tape *t, const tape_node *node) {
    const unary_saved *s = node->saved;
    tensor *x = node->in[0], *y = node->out;
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->elementwise->unary_backward(s->kind, s->p0, s->p1, x->data, y->data, y->grad, dx, x->numel);
    return GANC_OK;
}

static tensor *unary(tape *t, op_id op, unary_kind kind, const tensor *x, real p0, real p1) {
    if (tape_check_inputs(t, op, 1, &x)) return NULL;
    tensor *y = tape_tensor(t, x->ndim, x->shape, op_name(op));
    if (!y) return NULL;
    t->be->elementwise->unary_forward(kind, p0, p1, x->data, y->data, x->numel);
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, unary_backward, sizeof(unary_saved), &node)) return NULL;
    if (node) *(unary_saved *)node->saved = (unary_saved){kind, p0, p1};
    return y;
}

tensor *op_add_scalar(tape *t, const tensor *x, real s) { return unary(t, OP_ADD_SCALAR, UNARY_ADD_SCALAR, x, s, 0); }
tensor *op_mul_scalar(tape *t, const tensor *x, real s) { return unary(t, OP_MUL_SCALAR, UNARY_MUL_SCALAR, x, s, 0); }
tensor *op_neg(tape *t, const tensor *x) { return unary(t, OP_NEG, UNARY_NEG, x, 0, 0); }
tensor *op_abs(tape *t, const tensor *x) { return unary(t, OP_ABS, UNARY_ABS, x, 0, 0); }
tensor *op_exp(tape *t, const tensor *x) { return unary(t, OP_EXP, UNARY_EXP, x, 0, 0); }
tensor *op_log(tape *t, const tensor *x) { return unary(t, OP_LOG, UNARY_LOG, x, 0, 0); }
tensor *op_sqrt(tape *t, const tensor *x) { return unary(t, OP_SQRT, UNARY_SQRT, x, 0, 0); }
tensor *op_pow(tape *t, const tensor *x, real exponent) { return unary(t, OP_POW, UNARY_POW, x, exponent, 0); }
tensor *op_relu(tape *t, const tensor *x) { return unary(t, OP_RELU, UNARY_RELU, x, 0, 0); }
tensor *op_leaky_relu(tape *t, const tensor *x, real slope) {
    return unary(t, OP_LEAKY_RELU, UNARY_LEAKY_RELU, x, slope, 0);
}
tensor *op_elu(tape *t, const tensor *x, real alpha) { return unary(t, OP_ELU, UNARY_ELU, x, alpha, 0); }
tensor *op_tanh(tape *t, const tensor *x) { return unary(t, OP_TANH, UNARY_TANH, x, 0, 0); }
tensor *op_sigmoid(tape *t, const tensor *x) { return unary(t, OP_SIGMOID, UNARY_SIGMOID, x, 0, 0); }
tensor *op_softplus(tape *t, const tensor *x) { return unary(t, OP_SOFTPLUS, UNARY_SOFTPLUS, x, 0, 0); }

tensor *op_clamp(tape *t, const tensor *x, real lo, real hi) {
    if (x && lo > hi) {
        GANC_ERR(GANC_ERR_ARG, "clamp %s: lower bound %g is above upper bound %g", x->name, (double)lo, (double)hi);
        return NULL;
    }
    return unary(t, OP_CLAMP, UNARY_CLAMP, x, lo, hi);
}
