#include "core/ops/view.h"

#include <string.h>

/* A new step tensor header over x's values. */
static tensor *share_values(tape *t, const tensor *x, int ndim, const int *shape, const char *name) {
    tensor *y = tape_alloc_meta(t, sizeof *y);
    if (!y) return NULL;
    memset(y, 0, sizeof *y);
    y->magic = TENSOR_MAGIC;
    y->ndim = ndim;
    memcpy(y->shape, shape, (size_t)ndim * sizeof *shape);
    y->numel = x->numel;
    y->data = x->data;
    y->dev = x->dev;
    y->tape = t;
    y->step = t->step;
    tensor_set_name(y, name);
    return y;
}

static ganc_status pass_through_backward(tape *t, const tape_node *node, real scale) {
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->axpy(dx, scale, node->out->grad, x->numel);
    return GANC_OK;
}

static ganc_status reshape_backward(tape *t, const tape_node *node) { return pass_through_backward(t, node, 1); }

tensor *op_reshape(tape *t, const tensor *x, int ndim, const int *shape) {
    if (tape_check_inputs(t, OP_RESHAPE, 1, &x)) return NULL;
    char sx[48];
    if (ndim < 1 || ndim > TENSOR_MAX_DIM) {
        GANC_ERR(GANC_ERR_SHAPE, "reshape %s: ndim must be 1..%d, got %d", x->name, TENSOR_MAX_DIM, ndim);
        return NULL;
    }
    int resolved[TENSOR_MAX_DIM], inferred = -1;
    size_t known = 1;
    for (int i = 0; i < ndim; i++) {
        resolved[i] = shape[i];
        if (shape[i] == -1 && inferred < 0) {
            inferred = i;
        } else if (shape[i] < 1) {
            GANC_ERR(GANC_ERR_SHAPE, "reshape %s: dimension %d is %d (only one -1 allowed)", x->name, i, shape[i]);
            return NULL;
        } else {
            known *= (size_t)shape[i];
        }
    }
    if (inferred >= 0 && known && x->numel % known == 0) resolved[inferred] = (int)(x->numel / known);
    if ((inferred >= 0 && x->numel % known != 0) || shape_numel(ndim, resolved) != x->numel) {
        GANC_ERR(GANC_ERR_SHAPE, "reshape %s: cannot view %s (%zu values) with the requested %d-dim shape", x->name,
                 tensor_shape_str(x, sx, sizeof sx), x->numel, ndim);
        return NULL;
    }
    tensor *y = share_values(t, x, ndim, resolved, "reshape");
    tape_node *node;
    if (!y || tape_record(t, OP_RESHAPE, y, 1, &x, reshape_backward, 0, &node)) return NULL;
    return y;
}

tensor *op_detach(tape *t, const tensor *x) {
    if (tape_check_inputs(t, OP_DETACH, 1, &x)) return NULL;
    return share_values(t, x, x->ndim, x->shape, x->name);
}

static ganc_status grad_reverse_backward(tape *t, const tape_node *node) {
    return pass_through_backward(t, node, -*(const real *)node->saved);
}

tensor *op_grad_reverse(tape *t, const tensor *x, real lambda) {
    if (tape_check_inputs(t, OP_GRAD_REVERSE, 1, &x)) return NULL;
    tensor *y = share_values(t, x, x->ndim, x->shape, "grad_reverse");
    tape_node *node;
    if (!y || tape_record(t, OP_GRAD_REVERSE, y, 1, &x, grad_reverse_backward, sizeof(real), &node)) return NULL;
    if (node) *(real *)node->saved = lambda;
    return y;
}
