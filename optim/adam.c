#include "optim/adam.h"

#include <stdio.h>
#include <string.h>
#include <tgmath.h>

#include "core/backend.h"

adam_config adam_defaults(void) { return (adam_config){.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8}; }

ganc_status adam_init(adam *opt, const param_set *ps, adam_config cfg) {
    memset(opt, 0, sizeof *opt);
    if (!(cfg.lr > 0) || !(cfg.beta1 >= 0 && cfg.beta1 < 1) || !(cfg.beta2 >= 0 && cfg.beta2 < 1) || !(cfg.eps > 0))
        return GANC_ERR(GANC_ERR_ARG, "adam %s: need lr > 0, 0 <= beta1, beta2 < 1 and eps > 0 (got lr %g, betas %g %g, eps %g)",
                        ps->name, (double)cfg.lr, (double)cfg.beta1, (double)cfg.beta2, (double)cfg.eps);
    size_t bytes = ps->numel * sizeof(real);
    opt->m = cpu_backend.alloc(bytes);
    opt->v = cpu_backend.alloc(bytes);
    if (!opt->m || !opt->v) {
        adam_free(opt);
        return GANC_ERR(GANC_ERR_MEMORY, "adam %s: out of memory for moments of %zu values", ps->name, ps->numel);
    }
    memset(opt->m, 0, bytes);
    memset(opt->v, 0, bytes);
    opt->numel = ps->numel;
    opt->cfg = cfg;
    return GANC_OK;
}

void adam_free(adam *opt) {
    cpu_backend.release(opt->m);
    cpu_backend.release(opt->v);
    memset(opt, 0, sizeof *opt);
}

ganc_status adam_step(adam *opt, param_set *ps) {
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "adam %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    if (ps->frozen) return GANC_OK;
    opt->step++;
    const adam_config c = opt->cfg;
    /* Bias corrections folded into the step size, as in the paper's Algorithm 1 note. */
    real correction1 = 1 - pow(c.beta1, (real)opt->step), correction2 = 1 - pow(c.beta2, (real)opt->step);
    real step_size = c.lr / correction1, inv_sqrt_c2 = 1 / sqrt(correction2);
    real decay = 1 - c.lr * c.weight_decay;
    real *w = ps->data, *m = opt->m, *v = opt->v;
    const real *g = ps->grad;
    long n = (long)ps->numel;
#pragma omp parallel for if (n >= 65536)
    for (long i = 0; i < n; i++) {
        m[i] = c.beta1 * m[i] + (1 - c.beta1) * g[i];
        v[i] = c.beta2 * v[i] + (1 - c.beta2) * g[i] * g[i];
        w[i] = w[i] * decay - step_size * m[i] / (sqrt(v[i]) * inv_sqrt_c2 + c.eps);
    }
    return GANC_OK;
}

ganc_status adam_save(const adam *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    ganc_status st = checkpoint_set_meta_u64(ck, key, (uint64_t)opt->step);
    if (!st) st = checkpoint_put_block(ck, "optim.m.", ps, opt->m);
    if (!st) st = checkpoint_put_block(ck, "optim.v.", ps, opt->v);
    return st;
}

ganc_status adam_load(adam *opt, const param_set *ps, checkpoint *ck) {
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "adam %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    char key[128];
    uint64_t step;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    ganc_status st = checkpoint_meta_u64(ck, key, &step);
    if (!st) st = checkpoint_get_block(ck, "optim.m.", ps, opt->m);
    if (!st) st = checkpoint_get_block(ck, "optim.v.", ps, opt->v);
    if (st) return st;
    opt->step = (long)step;
    return GANC_OK;
}
