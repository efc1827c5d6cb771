#include "layers/init.h"

#include <math.h>
#include <stdlib.h>

#include "layers/spectral_norm.h"

const char *const INIT_KIND_NAMES[] = {"normal", "xavier", "kaiming", "orthogonal", NULL};

static void fill_normal(tensor *w, double mean, double std, rng *r) {
    for (size_t i = 0; i < w->numel; i++) w->data[i] = (real)(mean + std * rng_normal(r));
}

static void fill_zero(tensor *b) {
    for (size_t i = 0; b && i < b->numel; i++) b->data[i] = 0;
}

/* The weight viewed as (rows, cols) = (shape[0], everything else) is filled
 * with min(rows, cols) orthonormal vectors of length max(rows, cols): its
 * rows when it is wide, its columns when it is tall. Modified Gram-Schmidt
 * in double over Gaussian vectors is the QR of PyTorch's orthogonal_, with
 * R's diagonal positive by construction. */
static ganc_status fill_orthogonal(tensor *w, double gain, rng *r) {
    size_t rows = (size_t)w->shape[0], cols = w->numel / rows;
    size_t k = rows < cols ? rows : cols, len = rows < cols ? cols : rows;
    double *v = malloc(k * len * sizeof *v);
    if (!v) return GANC_ERR(GANC_ERR_MEMORY, "init: out of memory for an orthogonal %zux%zu weight", rows, cols);
    for (size_t i = 0; i < k * len; i++) v[i] = rng_normal(r);
    for (size_t j = 0; j < k; j++) {
        double *vj = v + j * len;
        for (size_t i = 0; i < j; i++) {
            const double *vi = v + i * len;
            double dot = 0;
            for (size_t e = 0; e < len; e++) dot += vi[e] * vj[e];
            for (size_t e = 0; e < len; e++) vj[e] -= dot * vi[e];
        }
        double norm = 0;
        for (size_t e = 0; e < len; e++) norm += vj[e] * vj[e];
        norm = sqrt(norm);
        for (size_t e = 0; e < len; e++) vj[e] /= norm;
    }
    for (size_t a = 0; a < rows; a++)
        for (size_t b = 0; b < cols; b++)
            w->data[a * cols + b] = (real)(gain * (rows <= cols ? v[a * len + b] : v[b * len + a]));
    free(v);
    return GANC_OK;
}

static ganc_status init_weight(tensor *w, init_kind kind, double gain, rng *r) {
    double receptive = w->ndim == 4 ? (double)w->shape[2] * w->shape[3] : 1;
    double fan_in = w->shape[1] * receptive, fan_out = w->shape[0] * receptive;
    switch (kind) {
    case INIT_NORMAL: fill_normal(w, 0, gain, r); break;
    case INIT_XAVIER: fill_normal(w, 0, gain * sqrt(2.0 / (fan_in + fan_out)), r); break;
    case INIT_KAIMING: fill_normal(w, 0, sqrt(2.0 / fan_in), r); break;
    case INIT_ORTHOGONAL: return fill_orthogonal(w, gain, r);
    }
    return GANC_OK;
}

typedef struct {
    init_kind kind;
    double gain;
    rng *r;
    ganc_status status;
} init_pass;

static void init_one(module *m, void *ctx) {
    init_pass *p = ctx;
    if (p->status) return;
    switch (m->type->init_role) {
    case MODULE_INIT_WEIGHT: p->status = init_weight(m->weight, p->kind, p->gain, p->r); break;
    case MODULE_INIT_NORM:
        if (m->weight) fill_normal(m->weight, 1, p->gain, p->r);
        break;
    case MODULE_INIT_NONE: return;
    }
    fill_zero(m->bias);
    spectral_norm *sn = module_spectral_norm(m);
    if (sn) spectral_norm_init(sn, p->r);
}

ganc_status init_modules(module *root, init_kind kind, double gain, rng *r) {
    init_pass p = {kind, gain, r, GANC_OK};
    module_visit(root, init_one, &p);
    return p.status;
}
