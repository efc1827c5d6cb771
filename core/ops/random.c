#include "core/ops/random.h"

#include "core/kernels/random.h"

typedef struct {
    real p; /* 0 for the identity of eval mode */
    uint64_t seed, first;
} dropout_saved;

static ganc_status dropout_backward(tape *t, const tape_node *node) {
    const dropout_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->random->dropout_backward(node->out->grad, x->numel, s->p, s->seed, s->first, dx);
    return GANC_OK;
}

tensor *op_dropout(tape *t, const tensor *x, real p, bool training, rng *r) {
    if (tape_check_inputs(t, OP_DROPOUT, 1, &x)) return NULL;
    if (!(p >= 0 && p <= 1)) {
        GANC_ERR(GANC_ERR_ARG, "dropout %s: p must be in [0, 1], got %g", x->name, (double)p);
        return NULL;
    }
    /* Eval is the p = 0 case of the same kernels, so it draws nothing. */
    dropout_saved s = {training ? p : 0, 0, 0};
    if (s.p > 0 && !r) {
        GANC_ERR(GANC_ERR_ARG, "dropout %s: training with p = %g needs a random generator, got NULL", x->name,
                 (double)p);
        return NULL;
    }
    tensor *y = tape_tensor(t, x->ndim, x->shape, "dropout");
    if (!y) return NULL;
    if (s.p > 0) {
        s.seed = r->seed;
        s.first = rng_reserve(r, x->numel);
    }
    t->be->random->dropout_forward(x->data, x->numel, s.p, s.seed, s.first, y->data);
    tape_node *node;
    if (tape_record(t, OP_DROPOUT, y, 1, &x, dropout_backward, sizeof s, &node)) return NULL;
    if (node) *(dropout_saved *)node->saved = s;
    return y;
}
