#include "optim/adam.h"

#include <stdio.h>
#include <string.h>
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/optim.h"

adam_config adam_defaults(void) { return (adam_config){.lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8}; }

ganc_status adam_init(adam *opt, const param_set *ps, adam_config cfg) {
    memset(opt, 0, sizeof *opt);
    if (!(cfg.lr > 0) || !(cfg.beta1 >= 0 && cfg.beta1 < 1) || !(cfg.beta2 >= 0 && cfg.beta2 < 1) || !(cfg.eps > 0))
        return GANC_ERR(GANC_ERR_ARG, "adam %s: need lr > 0, 0 <= beta1, beta2 < 1 and eps > 0 (got lr %g, betas %g %g, eps %g)",
                        ps->name, (double)cfg.lr, (double)cfg.beta1, (double)cfg.beta2, (double)cfg.eps);
    const backend *be = backend_get(ps->dev);
    if (!be) return ganc_error_status();
    size_t bytes = ps->numel * sizeof(real);
    opt->dev = ps->dev;
    opt->m = be->alloc(bytes);
    opt->v = be->alloc(bytes);
    if (!opt->m || !opt->v) {
        adam_free(opt);
        return GANC_ERR(GANC_ERR_MEMORY, "adam %s: out of memory for moments of %zu values", ps->name, ps->numel);
    }
    be->fill(opt->m, 0, ps->numel);
    be->fill(opt->v, 0, ps->numel);
    opt->numel = ps->numel;
    opt->cfg = cfg;
    return GANC_OK;
}

void adam_free(adam *opt) {
    const backend *be = backend_get(opt->dev);
    if (be) {
        be->release(opt->m);
        be->release(opt->v);
    }
    memset(opt, 0, sizeof *opt);
}

ganc_status adam_to_device(adam *opt, device dev) {
    ganc_status st = params_move_block(&opt->m, opt->numel, opt->dev, dev, "adam moments");
    if (st) return st;
    if ((st = params_move_block(&opt->v, opt->numel, opt->dev, dev, "adam moments"))) {
        params_move_block(&opt->m, opt->numel, dev, opt->dev, "adam moments");
        return st;
    }
    opt->dev = dev;
    return GANC_OK;
}

/* The moments must sit with the parameters they update. */
static ganc_status check_fits(const adam *opt, const param_set *ps) {
    char a[16], b[16];
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "adam %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    if (!device_equal(ps->dev, opt->dev))
        return GANC_ERR(GANC_ERR_DEVICE, "adam %s: moments on %s, parameters on %s (move both: optimizer_to_device)",
                        ps->name, device_name(opt->dev, a, sizeof a), device_name(ps->dev, b, sizeof b));
    return GANC_OK;
}

ganc_status adam_step(adam *opt, param_set *ps) {
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    if (ps->frozen) return GANC_OK;
    const backend *be = backend_get(ps->dev);
    if (!be) return ganc_error_status();
    opt->step++;
    const adam_config c = opt->cfg;
    /* Bias corrections folded into the step size, as in the paper's Algorithm 1 note. */
    real correction1 = 1 - pow(c.beta1, (real)opt->step), correction2 = 1 - pow(c.beta2, (real)opt->step);
    real step_size = c.lr / correction1, inv_sqrt_c2 = 1 / sqrt(correction2);
    real decay = 1 - c.lr * c.weight_decay;
    be->optim->adam_step(ps->data, ps->grad, opt->m, opt->v, ps->numel, c.beta1, c.beta2, c.eps, step_size,
                         inv_sqrt_c2, decay);
    return GANC_OK;
}

ganc_status adam_save(const adam *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    st = checkpoint_set_meta_u64(ck, key, (uint64_t)opt->step);
    if (!st) st = checkpoint_put_block(ck, "optim.m.", ps, opt->m);
    if (!st) st = checkpoint_put_block(ck, "optim.v.", ps, opt->v);
    return st;
}

ganc_status adam_load(adam *opt, const param_set *ps, checkpoint *ck) {
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    char key[128];
    uint64_t step;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    st = checkpoint_meta_u64(ck, key, &step);
    if (!st) st = checkpoint_get_block(ck, "optim.m.", ps, opt->m);
    if (!st) st = checkpoint_get_block(ck, "optim.v.", ps, opt->v);
    if (st) return st;
    opt->step = (long)step;
    return GANC_OK;
}
