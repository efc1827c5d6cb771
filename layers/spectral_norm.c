#include "layers/spectral_norm.h"

#include <math.h>

#include "core/backend.h"
#include "core/ops/elementwise.h"
#include "core/ops/linalg.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/view.h"

/* torch.nn.functional.normalize's eps: keeps a zero vector finite. */
static const double NORMALIZE_EPS = 1e-12;

ganc_status spectral_norm_attach(spectral_norm *sn, module *m, const tensor *weight, int dim) {
    sn->dim = dim;
    sn->rows = weight->shape[dim];
    sn->cols = (int)(weight->numel / (size_t)sn->rows);
    sn->u = module_add_buffer(m, "weight_u", 1, &sn->rows);
    sn->v = module_add_buffer(m, "weight_v", 1, &sn->cols);
    return sn->u && sn->v ? GANC_OK : ganc_error_status();
}

static void random_unit(tensor *x, rng *r) {
    double norm = 0;
    for (size_t i = 0; i < x->numel; i++) {
        x->data[i] = (real)rng_normal(r);
        norm += (double)x->data[i] * x->data[i];
    }
    norm = fmax(sqrt(norm), NORMALIZE_EPS);
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)(x->data[i] / norm);
}

void spectral_norm_init(spectral_norm *sn, rng *r) {
    random_unit(sn->u, r);
    random_unit(sn->v, r);
}

/* x / max(||x||, eps) for a (1,n) row. */
static tensor *normalize(tape *t, const tensor *x) {
    tensor *norm = op_sqrt(t, op_sum(t, op_mul(t, x, x), 0, false));
    return op_div(t, x, op_clamp(t, norm, (real)NORMALIZE_EPS, (real)1e30));
}

/* The weight as a (rows, cols) matrix: a view, or for dim 1 a permuted copy. */
static tensor *weight_matrix(tape *t, const spectral_norm *sn, const tensor *w) {
    if (sn->dim == 0) return op_reshape(t, w, 2, (int[]){sn->rows, sn->cols});
    int perm[TENSOR_MAX_DIM] = {1, 0, 2, 3};
    return op_reshape(t, op_permute(t, w, perm), 2, (int[]){sn->rows, sn->cols});
}

static ganc_status power_iteration(spectral_norm *sn, tape *t, const tensor *w) {
    tape_no_grad_begin(t);
    tensor *wm = weight_matrix(t, sn, w);
    tensor *u = op_reshape(t, sn->u, 2, (int[]){1, sn->rows});
    tensor *v = normalize(t, op_matmul(t, u, wm));     /* (1,cols) = W^T u */
    u = v ? normalize(t, op_linear(t, v, wm, NULL)) : NULL; /* (1,rows) = W v */
    tape_no_grad_end(t);
    if (!u) return ganc_error_status();
    t->be->copy(sn->v->data, v->data, v->numel * sizeof(real));
    t->be->copy(sn->u->data, u->data, u->numel * sizeof(real));
    return GANC_OK;
}

tensor *spectral_norm_weight(spectral_norm *sn, module_run *run, const tensor *weight) {
    tape *t = run->t;
    if (run->training && power_iteration(sn, t, weight)) return NULL;
    tensor *u = op_reshape(t, sn->u, 2, (int[]){1, sn->rows});
    tensor *v = op_reshape(t, sn->v, 2, (int[]){1, sn->cols});
    tensor *wv = op_linear(t, v, weight_matrix(t, sn, weight), NULL);   /* (1,rows) = W v */
    tensor *sigma = op_sum(t, op_mul(t, u, wv), 0, false);              /* (1) */
    return op_div(t, weight, sigma);
}
