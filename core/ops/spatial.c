#include "core/ops/spatial.h"

/* ---- shared checks ---- */

static ganc_status check_planes(op_id op, const tensor *x) {
    char sx[48];
    if (x->ndim != 4)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: input %s %s must be (N,C,H,W)", op_name(op), x->name,
                        tensor_shape_str(x, sx, sizeof sx));
    return GANC_OK;
}

static ganc_status check_out_size(op_id op, const tensor *x, int out_h, int out_w) {
    char sx[48];
    if (out_h < 1 || out_w < 1)
        return GANC_ERR(GANC_ERR_ARG, "%s: output size %dx%d for input %s %s must be at least 1x1", op_name(op),
                        out_h, out_w, x->name, tensor_shape_str(x, sx, sizeof sx));
    return GANC_OK;
}

/* The (N,C,out_h,out_w) output of x. */
static tensor *planes_like(tape *t, op_id op, const tensor *x, int out_h, int out_w) {
    const int shape[4] = {x->shape[0], x->shape[1], out_h, out_w};
    return tape_tensor(t, 4, shape, op_name(op));
}

/* ---- pad ---- */

typedef struct {
    pad_mode mode;
    int top, left;
} pad_saved;

static ganc_status pad_backward(tape *t, const tape_node *node) {
    const pad_saved *s = node->saved;
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->pad_backward(s->mode, s->top, s->left, y->grad, y->shape[2], y->shape[3], dx,
                                 dims4_of(node->in[0]));
    return GANC_OK;
}

tensor *op_pad(tape *t, const tensor *x, int left, int right, int top, int bottom, pad_mode mode) {
    if (tape_check_inputs(t, OP_PAD, 1, &x) || check_planes(OP_PAD, x)) return NULL;
    char sx[48];
    int in_h = x->shape[2], in_w = x->shape[3];
    if (mode != PAD_ZERO && mode != PAD_REFLECT && mode != PAD_REPLICATE) {
        GANC_ERR(GANC_ERR_ARG, "pad: unknown mode %d for input %s", (int)mode, x->name);
        return NULL;
    }
    if (left < 0 || right < 0 || top < 0 || bottom < 0) {
        GANC_ERR(GANC_ERR_ARG, "pad: pads (left %d, right %d, top %d, bottom %d) of input %s %s must be >= 0 "
                 "(crop with op_slice)", left, right, top, bottom, x->name, tensor_shape_str(x, sx, sizeof sx));
        return NULL;
    }
    if (mode == PAD_REFLECT && (left >= in_w || right >= in_w || top >= in_h || bottom >= in_h)) {
        GANC_ERR(GANC_ERR_SHAPE, "pad: reflect pads (left %d, right %d, top %d, bottom %d) must be smaller than "
                 "the input %s %s in their dim (H %d, W %d)", left, right, top, bottom, x->name,
                 tensor_shape_str(x, sx, sizeof sx), in_h, in_w);
        return NULL;
    }
    tensor *y = planes_like(t, OP_PAD, x, in_h + top + bottom, in_w + left + right);
    if (!y) return NULL;
    t->be->spatial->pad_forward(mode, top, left, x->data, dims4_of(x), y->data, y->shape[2], y->shape[3]);
    tape_node *node;
    if (tape_record(t, OP_PAD, y, 1, &x, pad_backward, sizeof(pad_saved), &node)) return NULL;
    if (node) *(pad_saved *)node->saved = (pad_saved){mode, top, left};
    return y;
}

/* ---- resampling ---- */

static ganc_status upsample_nearest_backward(tape *t, const tape_node *node) {
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->upsample_nearest_backward(y->grad, y->shape[2], y->shape[3], dx, dims4_of(node->in[0]));
    return GANC_OK;
}

tensor *op_upsample_nearest(tape *t, const tensor *x, int out_h, int out_w) {
    op_id op = OP_UPSAMPLE_NEAREST;
    if (tape_check_inputs(t, op, 1, &x) || check_planes(op, x) || check_out_size(op, x, out_h, out_w)) return NULL;
    tensor *y = planes_like(t, op, x, out_h, out_w);
    if (!y) return NULL;
    t->be->spatial->upsample_nearest_forward(x->data, dims4_of(x), y->data, out_h, out_w);
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, upsample_nearest_backward, 0, &node)) return NULL;
    return y;
}

static ganc_status upsample_bilinear_backward(tape *t, const tape_node *node) {
    bool align_corners = *(const bool *)node->saved;
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->upsample_bilinear_backward(align_corners, y->grad, y->shape[2], y->shape[3], dx,
                                               dims4_of(node->in[0]));
    return GANC_OK;
}

tensor *op_upsample_bilinear(tape *t, const tensor *x, int out_h, int out_w, bool align_corners) {
    op_id op = OP_UPSAMPLE_BILINEAR;
    if (tape_check_inputs(t, op, 1, &x) || check_planes(op, x) || check_out_size(op, x, out_h, out_w)) return NULL;
    tensor *y = planes_like(t, op, x, out_h, out_w);
    if (!y) return NULL;
    t->be->spatial->upsample_bilinear_forward(align_corners, x->data, dims4_of(x), y->data, out_h, out_w);
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, upsample_bilinear_backward, sizeof(bool), &node)) return NULL;
    if (node) *(bool *)node->saved = align_corners;
    return y;
}

/* ---- fixed-window pooling ---- */

/* Validates the window against x and gives the output size. */
static ganc_status pool_output_size(op_id op, const tensor *x, pool_window w, int *out_h, int *out_w) {
    char sx[48];
    int in_h = x->shape[2], in_w = x->shape[3];
    if (w.kh < 1 || w.kw < 1 || w.sh < 1 || w.sw < 1 || w.ph < 0 || w.pw < 0)
        return GANC_ERR(GANC_ERR_ARG, "%s: input %s: window %dx%d and stride %dx%d must be >= 1, padding %dx%d >= 0",
                        op_name(op), x->name, w.kh, w.kw, w.sh, w.sw, w.ph, w.pw);
    /* A wider padding would make windows that hold nothing but padding. */
    if (2 * w.ph > w.kh || 2 * w.pw > w.kw)
        return GANC_ERR(GANC_ERR_ARG, "%s: input %s: padding %dx%d must be at most half the window %dx%d",
                        op_name(op), x->name, w.ph, w.pw, w.kh, w.kw);
    if (in_h + 2 * w.ph < w.kh || in_w + 2 * w.pw < w.kw)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: window %dx%d is larger than input %s %s with padding %dx%d", op_name(op),
                        w.kh, w.kw, x->name, tensor_shape_str(x, sx, sizeof sx), w.ph, w.pw);
    *out_h = (in_h + 2 * w.ph - w.kh) / w.sh + 1;
    *out_w = (in_w + 2 * w.pw - w.kw) / w.sw + 1;
    return GANC_OK;
}

static ganc_status avg_pool_backward(tape *t, const tape_node *node) {
    const pool_window *w = node->saved;
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->avg_pool_backward(*w, y->grad, y->shape[2], y->shape[3], dx, dims4_of(node->in[0]));
    return GANC_OK;
}

tensor *op_avg_pool(tape *t, const tensor *x, int kh, int kw, int sh, int sw, int ph, int pw) {
    pool_window w = {kh, kw, sh, sw, ph, pw};
    int out_h, out_w;
    if (tape_check_inputs(t, OP_AVG_POOL, 1, &x) || check_planes(OP_AVG_POOL, x) ||
        pool_output_size(OP_AVG_POOL, x, w, &out_h, &out_w))
        return NULL;
    tensor *y = planes_like(t, OP_AVG_POOL, x, out_h, out_w);
    if (!y) return NULL;
    t->be->spatial->avg_pool_forward(w, x->data, dims4_of(x), y->data, out_h, out_w);
    tape_node *node;
    if (tape_record(t, OP_AVG_POOL, y, 1, &x, avg_pool_backward, sizeof w, &node)) return NULL;
    if (node) *(pool_window *)node->saved = w;
    return y;
}

/* ---- max-like pooling: the winners' indices are saved for backward ---- */

static ganc_status max_pool_backward(tape *t, const tape_node *node) {
    const int *argmax = *(int *const *)node->saved;
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->max_pool_backward(y->grad, argmax, y->shape[2], y->shape[3], dx, dims4_of(node->in[0]));
    return GANC_OK;
}

/* Index scratch for the winners when a backward pass can follow, else NULL;
 * *failed tells an allocation failure from "not needed". */
static int *argmax_scratch(tape *t, const tensor *x, const tensor *y, bool *failed) {
    *failed = false;
    if (!tape_grad_enabled(t) || !x->requires_grad) return NULL;
    int *argmax = tape_alloc_data(t, y->numel * sizeof *argmax);
    *failed = !argmax;
    return argmax;
}

/* Records a max-like op whose forward filled `argmax`. */
static tensor *record_max(tape *t, op_id op, const tensor *x, tensor *y, int *argmax) {
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, max_pool_backward, sizeof argmax, &node)) return NULL;
    if (node) *(int **)node->saved = argmax;
    return y;
}

tensor *op_max_pool(tape *t, const tensor *x, int kh, int kw, int sh, int sw, int ph, int pw) {
    pool_window w = {kh, kw, sh, sw, ph, pw};
    int out_h, out_w;
    if (tape_check_inputs(t, OP_MAX_POOL, 1, &x) || check_planes(OP_MAX_POOL, x) ||
        pool_output_size(OP_MAX_POOL, x, w, &out_h, &out_w))
        return NULL;
    tensor *y = planes_like(t, OP_MAX_POOL, x, out_h, out_w);
    if (!y) return NULL;
    bool failed;
    int *argmax = argmax_scratch(t, x, y, &failed);
    if (failed) return NULL;
    t->be->spatial->max_pool_forward(w, x->data, dims4_of(x), y->data, argmax, out_h, out_w);
    return record_max(t, OP_MAX_POOL, x, y, argmax);
}

/* ---- adaptive pooling ---- */

static ganc_status adaptive_avg_pool_backward(tape *t, const tape_node *node) {
    tensor *y = node->out;
    real *dx = tape_grad(t, node->in[0]);
    if (!dx) return ganc_error_status();
    t->be->spatial->adaptive_avg_pool_backward(y->grad, y->shape[2], y->shape[3], dx, dims4_of(node->in[0]));
    return GANC_OK;
}

tensor *op_adaptive_avg_pool(tape *t, const tensor *x, int out_h, int out_w) {
    op_id op = OP_ADAPTIVE_AVG_POOL;
    if (tape_check_inputs(t, op, 1, &x) || check_planes(op, x) || check_out_size(op, x, out_h, out_w)) return NULL;
    tensor *y = planes_like(t, op, x, out_h, out_w);
    if (!y) return NULL;
    t->be->spatial->adaptive_avg_pool_forward(x->data, dims4_of(x), y->data, out_h, out_w);
    tape_node *node;
    if (tape_record(t, op, y, 1, &x, adaptive_avg_pool_backward, 0, &node)) return NULL;
    return y;
}

tensor *op_adaptive_max_pool(tape *t, const tensor *x, int out_h, int out_w) {
    op_id op = OP_ADAPTIVE_MAX_POOL;
    if (tape_check_inputs(t, op, 1, &x) || check_planes(op, x) || check_out_size(op, x, out_h, out_w)) return NULL;
    tensor *y = planes_like(t, op, x, out_h, out_w);
    if (!y) return NULL;
    bool failed;
    int *argmax = argmax_scratch(t, x, y, &failed);
    if (failed) return NULL;
    t->be->spatial->adaptive_max_pool_forward(x->data, dims4_of(x), y->data, argmax, out_h, out_w);
    return record_max(t, op, x, y, argmax);
}

tensor *op_global_avg_pool(tape *t, const tensor *x) { return op_adaptive_avg_pool(t, x, 1, 1); }
tensor *op_global_max_pool(tape *t, const tensor *x) { return op_adaptive_max_pool(t, x, 1, 1); }
