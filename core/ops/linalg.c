#include "core/ops/linalg.h"

#include "core/kernels/linalg.h"

/* ---- matmul ---- */

/* A matmul seen as `batch` products (m,k) @ (k,n); a shared operand has stride 0. */
typedef struct {
    int batch, m, n, k;
    long stride_a, stride_b;
} matmul_saved;

static ganc_status matmul_backward(tape *t, const tape_node *node) {
    const matmul_saved *s = node->saved;
    const struct linalg_kernels *la = t->be->linalg;
    tensor *a = node->in[0], *b = node->in[1];
    const real *dy = node->out->grad;
    long stride_y = (long)s->m * s->n;
    real *da = tape_grad(t, a), *db = tape_grad(t, b);
    if ((a->requires_grad && !da) || (b->requires_grad && !db)) return ganc_error_status();
    /* dA_i += dY_i B_i^T, dB_i += A_i^T dY_i; a shared operand sums over the batch. */
    if (da) {
        if (s->stride_a)
            la->gemm_batched(false, true, s->m, s->k, s->n, 1, dy, s->n, stride_y, b->data, s->n, s->stride_b, 1, da,
                             s->k, s->stride_a, s->batch);
        else
            for (int i = 0; i < s->batch; i++)
                la->gemm(false, true, s->m, s->k, s->n, 1, dy + i * stride_y, s->n, b->data + i * s->stride_b, s->n, 1,
                         da, s->k);
    }
    if (db) {
        if (s->stride_b)
            la->gemm_batched(true, false, s->k, s->n, s->m, 1, a->data, s->k, s->stride_a, dy, s->n, stride_y, 1, db,
                             s->n, s->stride_b, s->batch);
        else if (s->stride_a)
            /* A's batch entries stacked are one (batch*m, k) matrix: one product sums the batch. */
            la->gemm(true, false, s->k, s->n, s->batch * s->m, 1, a->data, s->k, dy, s->n, 1, db, s->n);
        else
            la->gemm(true, false, s->k, s->n, s->m, 1, a->data, s->k, dy, s->n, 1, db, s->n);
    }
    return GANC_OK;
}

tensor *op_matmul(tape *t, const tensor *a, const tensor *b) {
    const tensor *in[2] = {a, b};
    if (tape_check_inputs(t, OP_MATMUL, 2, in)) return NULL;
    char sa[48], sb[48];
    if (a->ndim < 2 || a->ndim > 3 || b->ndim < 2 || b->ndim > 3) {
        GANC_ERR(GANC_ERR_SHAPE, "matmul: a %s %s must be (M,K) or (B,M,K) and b %s %s (K,N) or (B,K,N)", a->name,
                 tensor_shape_str(a, sa, sizeof sa), b->name, tensor_shape_str(b, sb, sizeof sb));
        return NULL;
    }
    int m = a->shape[a->ndim - 2], k = a->shape[a->ndim - 1];
    int kb = b->shape[b->ndim - 2], n = b->shape[b->ndim - 1];
    int ba = a->ndim == 3 ? a->shape[0] : 0, bb = b->ndim == 3 ? b->shape[0] : 0;
    if (k != kb) {
        GANC_ERR(GANC_ERR_SHAPE, "matmul: a %s %s has %d columns but b %s %s has %d rows", a->name,
                 tensor_shape_str(a, sa, sizeof sa), k, b->name, tensor_shape_str(b, sb, sizeof sb), kb);
        return NULL;
    }
    if (ba && bb && ba != bb) {
        GANC_ERR(GANC_ERR_SHAPE, "matmul: a %s %s and b %s %s have different batch sizes %d and %d", a->name,
                 tensor_shape_str(a, sa, sizeof sa), b->name, tensor_shape_str(b, sb, sizeof sb), ba, bb);
        return NULL;
    }
    int batch = ba ? ba : (bb ? bb : 1);
    matmul_saved s = {batch, m, n, k, ba ? (long)m * k : 0, bb ? (long)k * n : 0};
    bool batched = ba || bb;
    tensor *y = tape_tensor(t, batched ? 3 : 2, batched ? (int[]){batch, m, n} : (int[]){m, n}, "matmul");
    if (!y) return NULL;
    const struct linalg_kernels *la = t->be->linalg;
    if (!bb)
        /* A shared B: the batch of A stacked is one (batch*m, k) matrix. */
        la->gemm(false, false, batch * m, n, k, 1, a->data, k, b->data, n, 0, y->data, n);
    else
        la->gemm_batched(false, false, m, n, k, 1, a->data, k, s.stride_a, b->data, n, s.stride_b, 0, y->data, n,
                         (long)m * n, batch);
    tape_node *node;
    if (tape_record(t, OP_MATMUL, y, 2, in, matmul_backward, sizeof s, &node)) return NULL;
    if (node) *(matmul_saved *)node->saved = s;
    return y;
}

/* ---- linear ---- */

static ganc_status linear_backward(tape *t, const tape_node *node) {
    const struct linalg_kernels *la = t->be->linalg;
    tensor *x = node->in[0], *w = node->in[1], *b = node->n_in > 2 ? node->in[2] : NULL;
    int rows = x->shape[0], in = x->shape[1], out = w->shape[0];
    const real *dy = node->out->grad;
    real *dx = tape_grad(t, x), *dw = tape_grad(t, w), *db = b ? tape_grad(t, b) : NULL;
    if ((x->requires_grad && !dx) || (w->requires_grad && !dw) || (b && b->requires_grad && !db))
        return ganc_error_status();
    if (dx) la->gemm(false, false, rows, in, out, 1, dy, out, w->data, in, 1, dx, in);
    if (dw) la->gemm(true, false, out, in, rows, 1, dy, out, x->data, in, 1, dw, in);
    if (db) la->sum_rows(dy, rows, out, db);
    return GANC_OK;
}

tensor *op_linear(tape *t, const tensor *x, const tensor *w, const tensor *b) {
    const tensor *in[3] = {x, w, b};
    int n_in = b ? 3 : 2;
    if (tape_check_inputs(t, OP_LINEAR, n_in, in)) return NULL;
    char sx[48], sw[48], sb[48];
    tensor_shape_str(x, sx, sizeof sx);
    tensor_shape_str(w, sw, sizeof sw);
    if (x->ndim != 2 || w->ndim != 2) {
        GANC_ERR(GANC_ERR_SHAPE, "linear: input %s %s must be (N,in) and weight %s %s (out,in)", x->name, sx, w->name,
                 sw);
        return NULL;
    }
    int rows = x->shape[0], n_feat = x->shape[1], out = w->shape[0];
    if (w->shape[1] != n_feat) {
        GANC_ERR(GANC_ERR_SHAPE, "linear: input %s %s has %d features but weight %s %s expects %d", x->name, sx,
                 n_feat, w->name, sw, w->shape[1]);
        return NULL;
    }
    if (b && (b->ndim != 1 || b->shape[0] != out)) {
        GANC_ERR(GANC_ERR_SHAPE, "linear: bias %s %s must be (%d) for weight %s %s", b->name,
                 tensor_shape_str(b, sb, sizeof sb), out, w->name, sw);
        return NULL;
    }
    tensor *y = tape_tensor(t, 2, (int[]){rows, out}, "linear");
    if (!y) return NULL;
    const struct linalg_kernels *la = t->be->linalg;
    la->gemm(false, true, rows, out, n_feat, 1, x->data, n_feat, w->data, n_feat, 0, y->data, out);
    if (b) la->add_row_bias(y->data, b->data, rows, out);
    tape_node *node;
    if (tape_record(t, OP_LINEAR, y, n_in, in, linear_backward, 0, &node)) return NULL;
    return y;
}
