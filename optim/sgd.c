#include "optim/sgd.h"

#include <stdio.h>
#include <string.h>

#include "core/backend.h"

sgd_config sgd_defaults(void) { return (sgd_config){.lr = 0.01}; }

ganc_status sgd_init(sgd *opt, const param_set *ps, sgd_config cfg) {
    memset(opt, 0, sizeof *opt);
    if (!(cfg.lr > 0) || !(cfg.momentum >= 0 && cfg.momentum < 1) || !(cfg.weight_decay >= 0))
        return GANC_ERR(GANC_ERR_ARG, "sgd %s: need lr > 0, 0 <= momentum < 1 and weight_decay >= 0 (got lr %g, momentum %g, "
                        "weight_decay %g)", ps->name, (double)cfg.lr, (double)cfg.momentum, (double)cfg.weight_decay);
    if (cfg.nesterov && !(cfg.momentum > 0))
        return GANC_ERR(GANC_ERR_ARG, "sgd %s: nesterov needs momentum > 0", ps->name);
    if (cfg.momentum > 0) {
        size_t bytes = ps->numel * sizeof(real);
        opt->buf = cpu_backend.alloc(bytes ? bytes : sizeof(real));
        if (!opt->buf)
            return GANC_ERR(GANC_ERR_MEMORY, "sgd %s: out of memory for the momentum of %zu values", ps->name, ps->numel);
        memset(opt->buf, 0, bytes);
    }
    opt->numel = ps->numel;
    opt->cfg = cfg;
    return GANC_OK;
}

void sgd_free(sgd *opt) {
    cpu_backend.release(opt->buf);
    memset(opt, 0, sizeof *opt);
}

ganc_status sgd_step(sgd *opt, param_set *ps) {
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "sgd %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    if (ps->frozen) return GANC_OK;
    const sgd_config c = opt->cfg;
    /* A zero buffer makes the first step b = g, as PyTorch's explicit first-step copy does. */
    real *w = ps->data, *b = opt->buf;
    const real *grad = ps->grad;
    long n = (long)ps->numel;
#pragma omp parallel for if (n >= 65536)
    for (long i = 0; i < n; i++) {
        real g = grad[i] + c.weight_decay * w[i];
        if (b) {
            b[i] = c.momentum * b[i] + g;
            g = c.nesterov ? g + c.momentum * b[i] : b[i];
        }
        w[i] -= c.lr * g;
    }
    opt->step++;
    return GANC_OK;
}

ganc_status sgd_save(const sgd *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    ganc_status st = checkpoint_set_meta_u64(ck, key, (uint64_t)opt->step);
    if (!st && opt->buf) st = checkpoint_put_block(ck, "optim.momentum.", ps, opt->buf);
    return st;
}

ganc_status sgd_load(sgd *opt, const param_set *ps, checkpoint *ck) {
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "sgd %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    char key[128];
    uint64_t step;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    ganc_status st = checkpoint_meta_u64(ck, key, &step);
    if (!st && opt->buf) st = checkpoint_get_block(ck, "optim.momentum.", ps, opt->buf);
    if (st) return st;
    opt->step = (long)step;
    return GANC_OK;
}
