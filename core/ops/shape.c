#include "core/ops/shape.h"

#include <stdio.h>

#include "core/kernels/shape.h"

/* Resolves a possibly negative axis of x in place. */
static ganc_status resolve_axis(const char *op, const tensor *x, int *axis) {
    char sx[48];
    if (*axis < -x->ndim || *axis >= x->ndim)
        return GANC_ERR(GANC_ERR_ARG, "%s: axis %d is out of range for %s %s, which has %d dims", op, *axis,
                        x->name, tensor_shape_str(x, sx, sizeof sx), x->ndim);
    if (*axis < 0) *axis += x->ndim;
    return GANC_OK;
}

/* x seen as (outer, shape[axis], inner), the layout of the block kernels. */
static void outer_inner(const tensor *x, int axis, size_t *outer, size_t *inner) {
    *outer = 1;
    *inner = 1;
    for (int i = 0; i < axis; i++) *outer *= (size_t)x->shape[i];
    for (int i = axis + 1; i < x->ndim; i++) *inner *= (size_t)x->shape[i];
}

/* ---- concat ---- */

static ganc_status concat_backward(tape *t, const tape_node *node) {
    int axis = *(const int *)node->saved;
    tensor *y = node->out;
    size_t outer, inner;
    outer_inner(y, axis, &outer, &inner);
    int off = 0;
    for (int i = 0; i < node->n_in; i++) {
        tensor *x = node->in[i];
        int len = x->shape[axis];
        real *dx = tape_grad(t, x);
        if (x->requires_grad && !dx) return ganc_error_status();
        if (dx) t->be->shape->block_add(y->grad, y->shape[axis], off, dx, len, 0, len, outer, inner);
        off += len;
    }
    return GANC_OK;
}

static ganc_status concat_shape(int n, const tensor *const *xs, int axis, int *shape) {
    char s0[48], si[48];
    const tensor *x0 = xs[0];
    for (int d = 0; d < x0->ndim; d++) shape[d] = x0->shape[d];
    for (int i = 1; i < n; i++) {
        const tensor *x = xs[i];
        if (x->ndim != x0->ndim)
            return GANC_ERR(GANC_ERR_SHAPE, "concat: input %d %s %s has %d dims but input 0 %s %s has %d", i, x->name,
                            tensor_shape_str(x, si, sizeof si), x->ndim, x0->name,
                            tensor_shape_str(x0, s0, sizeof s0), x0->ndim);
        for (int d = 0; d < x0->ndim; d++)
            if (d != axis && x->shape[d] != x0->shape[d])
                return GANC_ERR(GANC_ERR_SHAPE,
                                "concat: input %d %s %s differs from input 0 %s %s in dim %d (%d vs %d); only dim "
                                "%d (the concat axis) may differ",
                                i, x->name, tensor_shape_str(x, si, sizeof si), x0->name,
                                tensor_shape_str(x0, s0, sizeof s0), d, x->shape[d], x0->shape[d], axis);
        shape[axis] += x->shape[axis];
    }
    return GANC_OK;
}

tensor *op_concat(tape *t, int n, const tensor *const *xs, int axis) {
    if (n < 1 || !xs) {
        GANC_ERR(GANC_ERR_ARG, "concat: needs at least one input, got %d", xs ? n : 0);
        return NULL;
    }
    if (tape_check_inputs(t, OP_CONCAT, n, xs) || resolve_axis("concat", xs[0], &axis)) return NULL;
    int shape[TENSOR_MAX_DIM];
    if (concat_shape(n, xs, axis, shape)) return NULL;
    tensor *y = tape_tensor(t, xs[0]->ndim, shape, "concat");
    if (!y) return NULL;
    size_t outer, inner;
    outer_inner(y, axis, &outer, &inner);
    int off = 0;
    for (int i = 0; i < n; i++) {
        int len = xs[i]->shape[axis];
        t->be->shape->block_copy(xs[i]->data, len, 0, y->data, shape[axis], off, len, outer, inner);
        off += len;
    }
    tape_node *node;
    if (tape_record(t, OP_CONCAT, y, n, xs, concat_backward, sizeof(int), &node)) return NULL;
    if (node) *(int *)node->saved = axis;
    return y;
}

/* ---- slice, split ---- */

typedef struct {
    int axis, start;
} slice_saved;

static ganc_status slice_backward(tape *t, const tape_node *node) {
    const slice_saved *s = node->saved;
    tensor *x = node->in[0], *y = node->out;
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    size_t outer, inner;
    outer_inner(x, s->axis, &outer, &inner);
    int len = y->shape[s->axis];
    t->be->shape->block_add(y->grad, len, 0, dx, x->shape[s->axis], s->start, len, outer, inner);
    return GANC_OK;
}

tensor *op_slice(tape *t, const tensor *x, int axis, int start, int length) {
    if (tape_check_inputs(t, OP_SLICE, 1, &x) || resolve_axis("slice", x, &axis)) return NULL;
    char sx[48];
    int dim = x->shape[axis];
    /* Written so that start + length cannot overflow. */
    if (start < 0 || length < 1 || start > dim - length) {
        GANC_ERR(GANC_ERR_ARG, "slice: start %d, length %d is outside dim %d (size %d) of %s %s", start, length, axis,
                 dim, x->name, tensor_shape_str(x, sx, sizeof sx));
        return NULL;
    }
    int shape[TENSOR_MAX_DIM];
    for (int d = 0; d < x->ndim; d++) shape[d] = x->shape[d];
    shape[axis] = length;
    tensor *y = tape_tensor(t, x->ndim, shape, "slice");
    if (!y) return NULL;
    size_t outer, inner;
    outer_inner(x, axis, &outer, &inner);
    t->be->shape->block_copy(x->data, dim, start, y->data, length, 0, length, outer, inner);
    tape_node *node;
    if (tape_record(t, OP_SLICE, y, 1, &x, slice_backward, sizeof(slice_saved), &node)) return NULL;
    if (node) *(slice_saved *)node->saved = (slice_saved){axis, start};
    return y;
}

static ganc_status split_check(const tensor *x, int axis, int n, const int *sizes) {
    char sx[48];
    tensor_shape_str(x, sx, sizeof sx);
    if (n < 1 || !sizes)
        return GANC_ERR(GANC_ERR_ARG, "split: needs at least one part of %s %s, got %d", x->name, sx, sizes ? n : 0);
    long total = 0;
    for (int i = 0; i < n; i++) {
        if (sizes[i] < 1)
            return GANC_ERR(GANC_ERR_ARG, "split: part %d of %s %s has size %d (must be >= 1)", i, x->name, sx,
                            sizes[i]);
        total += sizes[i];
    }
    if (total != x->shape[axis])
        return GANC_ERR(GANC_ERR_SHAPE, "split: part sizes sum to %ld but dim %d of %s %s is %d", total, axis, x->name,
                        sx, x->shape[axis]);
    return GANC_OK;
}

ganc_status op_split(tape *t, const tensor *x, int axis, int n, const int *sizes, tensor **out) {
    if (!out) return GANC_ERR(GANC_ERR_ARG, "split: output array is NULL");
    for (int i = 0; i < n; i++) out[i] = NULL;
    ganc_status st = tape_check_inputs(t, OP_SLICE, 1, &x);
    if (!st) st = resolve_axis("split", x, &axis);
    if (!st) st = split_check(x, axis, n, sizes);
    for (int i = 0, start = 0; !st && i < n; start += sizes[i++])
        if (!(out[i] = op_slice(t, x, axis, start, sizes[i]))) st = ganc_error_status();
    if (st)
        for (int i = 0; i < n; i++) out[i] = NULL;
    return st;
}

/* ---- permute ---- */

typedef struct {
    int perm[4]; /* dims4 numbering */
} permute_saved;

static ganc_status permute_backward(tape *t, const tape_node *node) {
    const permute_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->shape->permute_backward(node->out->grad, dims4_of(x), s->perm, dx);
    return GANC_OK;
}

static ganc_status permute_check(const tensor *x, const int *perm) {
    char sx[48], sp[64];
    if (!perm) return GANC_ERR(GANC_ERR_ARG, "permute %s: perm is NULL", x->name);
    bool seen[TENSOR_MAX_DIM] = {false};
    bool ok = true;
    for (int k = 0; k < x->ndim; k++) {
        ok = ok && perm[k] >= 0 && perm[k] < x->ndim && !seen[perm[k]];
        if (ok) seen[perm[k]] = true;
    }
    if (!ok) {
        int len = 0;
        for (int k = 0; k < x->ndim; k++)
            len += snprintf(sp + len, sizeof sp - (size_t)len, "%s%d", k ? "," : "", perm[k]);
        return GANC_ERR(GANC_ERR_ARG, "permute: perm (%s) is not a permutation of the %d dims of %s %s", sp, x->ndim,
                        x->name, tensor_shape_str(x, sx, sizeof sx));
    }
    return GANC_OK;
}

tensor *op_permute(tape *t, const tensor *x, const int *perm) {
    if (tape_check_inputs(t, OP_PERMUTE, 1, &x) || permute_check(x, perm)) return NULL;
    int shape[TENSOR_MAX_DIM], offset = TENSOR_MAX_DIM - x->ndim;
    permute_saved s;
    for (int k = 0; k < offset; k++) s.perm[k] = k;
    for (int k = 0; k < x->ndim; k++) {
        shape[k] = x->shape[perm[k]];
        s.perm[offset + k] = offset + perm[k];
    }
    tensor *y = tape_tensor(t, x->ndim, shape, "permute");
    if (!y) return NULL;
    t->be->shape->permute_forward(x->data, dims4_of(x), s.perm, y->data);
    tape_node *node;
    if (tape_record(t, OP_PERMUTE, y, 1, &x, permute_backward, sizeof s, &node)) return NULL;
    if (node) *(permute_saved *)node->saved = s;
    return y;
}

/* ---- flip ---- */

static ganc_status flip_backward(tape *t, const tape_node *node) {
    unsigned mask = *(const unsigned *)node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->shape->flip_backward(node->out->grad, dims4_of(x), mask, dx);
    return GANC_OK;
}

tensor *op_flip(tape *t, const tensor *x, unsigned axes) {
    if (tape_check_inputs(t, OP_FLIP, 1, &x)) return NULL;
    char sx[48];
    if (axes >> x->ndim) {
        GANC_ERR(GANC_ERR_ARG, "flip: axes mask 0x%x names a dim beyond %s %s, which has %d dims", axes, x->name,
                 tensor_shape_str(x, sx, sizeof sx), x->ndim);
        return NULL;
    }
    unsigned mask = axes << (TENSOR_MAX_DIM - x->ndim);
    tensor *y = tape_tensor(t, x->ndim, x->shape, "flip");
    if (!y) return NULL;
    t->be->shape->flip_forward(x->data, dims4_of(x), mask, y->data);
    tape_node *node;
    if (tape_record(t, OP_FLIP, y, 1, &x, flip_backward, sizeof mask, &node)) return NULL;
    if (node) *(unsigned *)node->saved = mask;
    return y;
}
