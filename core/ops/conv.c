#include "core/ops/conv.h"

#include "core/kernels/conv.h"

/* Scratch for the given passes (the larger of the two); *ws is NULL when
 * none is needed. */
static ganc_status workspace(tape *t, const conv_geom *g, conv_pass p1, conv_pass p2, void **ws) {
    size_t a = t->be->conv->workspace_bytes(g, p1), b = t->be->conv->workspace_bytes(g, p2);
    size_t bytes = a > b ? a : b;
    *ws = bytes ? tape_scratch(t, bytes) : NULL;
    return bytes && !*ws ? ganc_error_status() : GANC_OK;
}

static int or_one(int v) { return v == 0 ? 1 : v; }

static ganc_status check_bias(op_id op, const tensor *b, int channels, const tensor *w) {
    char sb[48], sw[48];
    if (b && (b->ndim != 1 || b->shape[0] != channels))
        return GANC_ERR(GANC_ERR_SHAPE, "%s: bias %s %s must be (%d) for weight %s %s", op_name(op), b->name,
                        tensor_shape_str(b, sb, sizeof sb), channels, w->name, tensor_shape_str(w, sw, sizeof sw));
    return GANC_OK;
}

static ganc_status check_4d(op_id op, const tensor *x, const tensor *w, const char *w_layout) {
    char sx[48], sw[48];
    if (x->ndim != 4 || w->ndim != 4)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: input %s %s must be (N,C,H,W) and weight %s %s %s", op_name(op),
                        x->name, tensor_shape_str(x, sx, sizeof sx), w->name, tensor_shape_str(w, sw, sizeof sw),
                        w_layout);
    return GANC_OK;
}

/* Bias gradients of both ops: the bias is per channel of the op's output y (n,c,hw). */
static ganc_status bias_grad(tape *t, const tape_node *node, int n, int c, int hw) {
    if (node->n_in < 3) return GANC_OK;
    tensor *b = node->in[2];
    real *db = tape_grad(t, b);
    if (!db) return b->requires_grad ? ganc_error_status() : GANC_OK;
    t->be->conv->sum_bias(node->out->grad, n, c, hw, db);
    return GANC_OK;
}

/* ---- conv2d ---- */

static ganc_status conv2d_backward(tape *t, const tape_node *node) {
    const conv_geom *g = node->saved;
    const struct conv_kernels *cv = t->be->conv;
    tensor *x = node->in[0], *w = node->in[1];
    const real *dy = node->out->grad;
    real *dx = tape_grad(t, x), *dw = tape_grad(t, w);
    void *ws;
    if ((x->requires_grad && !dx) || (w->requires_grad && !dw)) return ganc_error_status();
    if ((dx || dw) && workspace(t, g, CONV_PASS_BACKWARD_DATA, CONV_PASS_BACKWARD_WEIGHT, &ws))
        return ganc_error_status();
    if (dx) cv->backward_data(g, dy, w->data, true, dx, ws);
    if (dw) cv->backward_weight(g, x->data, dy, true, dw, ws);
    return bias_grad(t, node, g->n, g->o, g->oh * g->ow);
}

tensor *op_conv2d(tape *t, const tensor *x, const tensor *w, const tensor *b, conv2d_args a) {
    const tensor *in[3] = {x, w, b};
    int n_in = b ? 3 : 2;
    if (tape_check_inputs(t, OP_CONV2D, n_in, in) || check_4d(OP_CONV2D, x, w, "(O,C/groups,KH,KW)")) return NULL;
    char sx[48], sw[48];
    tensor_shape_str(x, sx, sizeof sx);
    tensor_shape_str(w, sw, sizeof sw);
    conv_geom g = {.n = x->shape[0], .c = x->shape[1], .h = x->shape[2], .w = x->shape[3], .o = w->shape[0],
                   .kh = w->shape[2], .kw = w->shape[3], .stride_h = or_one(a.stride_h),
                   .stride_w = or_one(a.stride_w), .pad_h = a.pad_h, .pad_w = a.pad_w,
                   .dilation_h = or_one(a.dilation_h), .dilation_w = or_one(a.dilation_w), .groups = or_one(a.groups)};
    if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1 || g.groups < 1 || g.pad_h < 0 ||
        g.pad_w < 0) {
        GANC_ERR(GANC_ERR_ARG,
                 "conv2d: input %s %s, weight %s %s: stride (%d,%d), dilation (%d,%d) and groups %d must be >= 1 "
                 "(0 reads as 1) and padding (%d,%d) >= 0",
                 x->name, sx, w->name, sw, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.groups, a.pad_h,
                 a.pad_w);
        return NULL;
    }
    if (g.c % g.groups || g.o % g.groups) {
        GANC_ERR(GANC_ERR_ARG, "conv2d: groups %d does not divide the %d channels of input %s %s and the %d of weight "
                 "%s %s", g.groups, g.c, x->name, sx, g.o, w->name, sw);
        return NULL;
    }
    if (w->shape[1] * g.groups != g.c) {
        GANC_ERR(GANC_ERR_SHAPE, "conv2d: input %s %s has %d channels but weight %s %s expects %d (%d per group, %d "
                 "groups)", x->name, sx, g.c, w->name, sw, w->shape[1] * g.groups, w->shape[1], g.groups);
        return NULL;
    }
    if (check_bias(OP_CONV2D, b, g.o, w)) return NULL;
    int span_h = g.dilation_h * (g.kh - 1) + 1, span_w = g.dilation_w * (g.kw - 1) + 1;
    if (span_h > g.h + 2 * g.pad_h || span_w > g.w + 2 * g.pad_w) {
        GANC_ERR(GANC_ERR_SHAPE, "conv2d: kernel of weight %s %s spans %dx%d (with dilation), larger than input %s %s "
                 "padded to %dx%d", w->name, sw, span_h, span_w, x->name, sx, g.h + 2 * g.pad_h, g.w + 2 * g.pad_w);
        return NULL;
    }
    conv_geom_set_output(&g);
    tensor *y = tape_tensor(t, 4, (int[]){g.n, g.o, g.oh, g.ow}, "conv2d");
    void *ws;
    if (!y || workspace(t, &g, CONV_PASS_FORWARD, CONV_PASS_FORWARD, &ws)) return NULL;
    t->be->conv->forward(&g, x->data, w->data, false, y->data, ws);
    if (b) t->be->conv->add_bias(y->data, b->data, g.n, g.o, g.oh * g.ow);
    tape_node *node;
    if (tape_record(t, OP_CONV2D, y, n_in, in, conv2d_backward, sizeof g, &node)) return NULL;
    if (node) *(conv_geom *)node->saved = g;
    return y;
}

/* ---- conv_transpose2d ----
 * The saved geometry is that of the conv2d from y back to x, whose
 * backward-data pass this op is; see core/kernels/conv.h. */

static ganc_status conv_transpose2d_backward(tape *t, const tape_node *node) {
    const conv_geom *g = node->saved;
    const struct conv_kernels *cv = t->be->conv;
    tensor *x = node->in[0], *w = node->in[1];
    const real *dy = node->out->grad;
    real *dx = tape_grad(t, x), *dw = tape_grad(t, w);
    void *ws;
    if ((x->requires_grad && !dx) || (w->requires_grad && !dw)) return ganc_error_status();
    if ((dx || dw) && workspace(t, g, CONV_PASS_FORWARD, CONV_PASS_BACKWARD_WEIGHT, &ws)) return ganc_error_status();
    if (dx) cv->forward(g, dy, w->data, true, dx, ws);
    if (dw) cv->backward_weight(g, dy, x->data, true, dw, ws);
    return bias_grad(t, node, g->n, g->c, g->h * g->w);
}

tensor *op_conv_transpose2d(tape *t, const tensor *x, const tensor *w, const tensor *b, conv_transpose2d_args a) {
    const tensor *in[3] = {x, w, b};
    int n_in = b ? 3 : 2;
    if (tape_check_inputs(t, OP_CONV_TRANSPOSE2D, n_in, in) || check_4d(OP_CONV_TRANSPOSE2D, x, w, "(C,O,KH,KW)"))
        return NULL;
    char sx[48], sw[48];
    tensor_shape_str(x, sx, sizeof sx);
    tensor_shape_str(w, sw, sizeof sw);
    int sh = or_one(a.stride_h), sw_ = or_one(a.stride_w);
    if (sh < 1 || sw_ < 1 || a.pad_h < 0 || a.pad_w < 0) {
        GANC_ERR(GANC_ERR_ARG, "conv_transpose2d: input %s %s, weight %s %s: stride (%d,%d) must be >= 1 (0 reads as "
                 "1) and padding (%d,%d) >= 0", x->name, sx, w->name, sw, a.stride_h, a.stride_w, a.pad_h, a.pad_w);
        return NULL;
    }
    if (a.output_pad_h < 0 || a.output_pad_w < 0 || a.output_pad_h >= sh || a.output_pad_w >= sw_) {
        GANC_ERR(GANC_ERR_ARG, "conv_transpose2d: input %s %s, weight %s %s: output_pad (%d,%d) must be >= 0 and "
                 "smaller than stride (%d,%d)", x->name, sx, w->name, sw, a.output_pad_h, a.output_pad_w, sh, sw_);
        return NULL;
    }
    if (w->shape[0] != x->shape[1]) {
        GANC_ERR(GANC_ERR_SHAPE, "conv_transpose2d: input %s %s has %d channels but weight %s %s expects %d", x->name,
                 sx, x->shape[1], w->name, sw, w->shape[0]);
        return NULL;
    }
    if (check_bias(OP_CONV_TRANSPOSE2D, b, w->shape[1], w)) return NULL;
    int n = x->shape[0], h = x->shape[2], wd = x->shape[3], o = w->shape[1], kh = w->shape[2], kw = w->shape[3];
    int oh = (h - 1) * sh - 2 * a.pad_h + kh + a.output_pad_h, ow = (wd - 1) * sw_ - 2 * a.pad_w + kw + a.output_pad_w;
    if (oh < 1 || ow < 1) {
        GANC_ERR(GANC_ERR_SHAPE, "conv_transpose2d: input %s %s with weight %s %s and padding (%d,%d) gives an empty "
                 "%dx%d output", x->name, sx, w->name, sw, a.pad_h, a.pad_w, oh, ow);
        return NULL;
    }
    conv_geom g = {.n = n, .c = o, .h = oh, .w = ow, .o = x->shape[1], .kh = kh, .kw = kw, .oh = h, .ow = wd,
                   .stride_h = sh, .stride_w = sw_, .pad_h = a.pad_h, .pad_w = a.pad_w, .dilation_h = 1,
                   .dilation_w = 1, .groups = 1};
    tensor *y = tape_tensor(t, 4, (int[]){n, o, oh, ow}, "conv_transpose2d");
    void *ws;
    if (!y || workspace(t, &g, CONV_PASS_BACKWARD_DATA, CONV_PASS_BACKWARD_DATA, &ws)) return NULL;
    t->be->conv->backward_data(&g, x->data, w->data, false, y->data, ws);
    if (b) t->be->conv->add_bias(y->data, b->data, n, o, oh * ow);
    tape_node *node;
    if (tape_record(t, OP_CONV_TRANSPOSE2D, y, n_in, in, conv_transpose2d_backward, sizeof g, &node)) return NULL;
    if (node) *(conv_geom *)node->saved = g;
    return y;
}
