#include "core/ops/reduce.h"

#include "core/kernels/reduce.h"

/* ---- sum, mean, max over a set of dims ---- */

typedef struct {
    unsigned mask; /* dims4 numbering */
    real scale;
} reduce_saved;

/* Checks `axes` against x and gives the kernels' dims4 mask, the number of
 * reduced values per output and the output shape. */
static ganc_status reduce_shape(op_id op, const tensor *x, unsigned axes, bool keepdim, unsigned *mask,
                                size_t *count, int *ndim, int *shape) {
    char sx[48];
    if (axes >> x->ndim)
        return GANC_ERR(GANC_ERR_ARG, "%s: axes mask 0x%x names a dim beyond %s %s, which has %d dims",
                        op_name(op), axes, x->name, tensor_shape_str(x, sx, sizeof sx), x->ndim);
    if (axes == 0) axes = (1u << x->ndim) - 1;
    int offset = TENSOR_MAX_DIM - x->ndim;
    *mask = axes << offset;
    *count = 1;
    *ndim = 0;
    for (int i = 0; i < x->ndim; i++) {
        bool reduced = axes & (1u << i);
        if (reduced) *count *= (size_t)x->shape[i];
        if (keepdim || !reduced) shape[(*ndim)++] = reduced ? 1 : x->shape[i];
    }
    if (*ndim == 0) shape[(*ndim)++] = 1;
    return GANC_OK;
}

static ganc_status sum_backward(tape *t, const tape_node *node) {
    const reduce_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->reduce->sum_backward(node->out->grad, dims4_of(x), s->mask, s->scale, dx);
    return GANC_OK;
}

static ganc_status max_backward(tape *t, const tape_node *node) {
    const reduce_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->reduce->max_backward(x->data, dims4_of(x), s->mask, node->out->grad, dx);
    return GANC_OK;
}

static tensor *reduce(tape *t, op_id op, const tensor *x, unsigned axes, bool keepdim) {
    if (tape_check_inputs(t, op, 1, &x)) return NULL;
    unsigned mask = 0;
    size_t count = 1;
    int ndim = 0, shape[TENSOR_MAX_DIM];
    if (reduce_shape(op, x, axes, keepdim, &mask, &count, &ndim, shape)) return NULL;
    tensor *y = tape_tensor(t, ndim, shape, op_name(op));
    if (!y) return NULL;
    real scale = op == OP_MEAN ? (real)(1.0 / (double)count) : 1;
    if (op == OP_MAX)
        t->be->reduce->max_forward(x->data, dims4_of(x), mask, y->data);
    else
        t->be->reduce->sum_forward(x->data, dims4_of(x), mask, scale, y->data);
    tape_node *node;
    tape_backward_fn backward = op == OP_MAX ? max_backward : sum_backward;
    if (tape_record(t, op, y, 1, &x, backward, sizeof(reduce_saved), &node)) return NULL;
    if (node) *(reduce_saved *)node->saved = (reduce_saved){mask, scale};
    return y;
}

tensor *op_sum(tape *t, const tensor *x, unsigned axes, bool keepdim) { return reduce(t, OP_SUM, x, axes, keepdim); }
tensor *op_mean(tape *t, const tensor *x, unsigned axes, bool keepdim) {
    return reduce(t, OP_MEAN, x, axes, keepdim);
}
tensor *op_max(tape *t, const tensor *x, unsigned axes, bool keepdim) { return reduce(t, OP_MAX, x, axes, keepdim); }

/* ---- softmax, log_softmax ---- */

typedef struct {
    int axis; /* dims4 numbering */
} softmax_saved;

static ganc_status softmax_backward(tape *t, const tape_node *node) {
    const softmax_saved *s = node->saved;
    tensor *x = node->in[0], *y = node->out;
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->reduce->softmax_backward(y->data, y->grad, dims4_of(x), s->axis, node->op == OP_LOG_SOFTMAX, dx);
    return GANC_OK;
}

static tensor *softmax(tape *t, op_id op, const tensor *x, int axis) {
    if (tape_check_inputs(t, op, 1, &x)) return NULL;
    char sx[48];
    if (axis < -x->ndim || axis >= x->ndim) {
        GANC_ERR(GANC_ERR_ARG, "%s: axis %d is out of range for %s %s, which has %d dims", op_name(op), axis,
                 x->name, tensor_shape_str(x, sx, sizeof sx), x->ndim);
        return NULL;
    }
    if (axis < 0) axis += x->ndim;
    int axis4 = TENSOR_MAX_DIM - x->ndim + axis;
    tensor *y = tape_tensor(t, x->ndim, x->shape, op_name(op));
    if (!y) return NULL;
    t->be->reduce->softmax_forward(x->data, dims4_of(x), axis4, op == OP_LOG_SOFTMAX, y->data);
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, softmax_backward, sizeof(softmax_saved), &node)) return NULL;
    if (node) ((softmax_saved *)node->saved)->axis = axis4;
    return y;
}

tensor *op_softmax(tape *t, const tensor *x, int axis) { return softmax(t, OP_SOFTMAX, x, axis); }
tensor *op_log_softmax(tape *t, const tensor *x, int axis) { return softmax(t, OP_LOG_SOFTMAX, x, axis); }
