#include "optim/sgd.h"

#include <stdio.h>
#include <string.h>

#include "core/backend.h"
#include "core/kernels/optim.h"

sgd_config sgd_defaults(void) { return (sgd_config){.lr = 0.01}; }

ganc_status sgd_init(sgd *opt, const param_set *ps, sgd_config cfg) {
    memset(opt, 0, sizeof *opt);
    if (!(cfg.lr > 0) || !(cfg.momentum >= 0 && cfg.momentum < 1) || !(cfg.weight_decay >= 0))
        return GANC_ERR(GANC_ERR_ARG, "sgd %s: need lr > 0, 0 <= momentum < 1 and weight_decay >= 0 (got lr %g, momentum %g, "
                        "weight_decay %g)", ps->name, (double)cfg.lr, (double)cfg.momentum, (double)cfg.weight_decay);
    if (cfg.nesterov && !(cfg.momentum > 0))
        return GANC_ERR(GANC_ERR_ARG, "sgd %s: nesterov needs momentum > 0", ps->name);
    opt->dev = ps->dev;
    if (cfg.momentum > 0) {
        const backend *be = backend_get(ps->dev);
        if (!be) return ganc_error_status();
        size_t bytes = ps->numel * sizeof(real);
        opt->buf = be->alloc(bytes ? bytes : sizeof(real));
        if (!opt->buf)
            return GANC_ERR(GANC_ERR_MEMORY, "sgd %s: out of memory for the momentum of %zu values", ps->name, ps->numel);
        be->fill(opt->buf, 0, ps->numel);
    }
    opt->numel = ps->numel;
    opt->cfg = cfg;
    return GANC_OK;
}

void sgd_free(sgd *opt) {
    const backend *be = backend_get(opt->dev);
    if (be) be->release(opt->buf);
    memset(opt, 0, sizeof *opt);
}

ganc_status sgd_to_device(sgd *opt, device dev) {
    ganc_status st = params_move_block(&opt->buf, opt->numel, opt->dev, dev, "sgd momentum");
    if (!st) opt->dev = dev;
    return st;
}

/* The momentum must sit with the parameters it updates. */
static ganc_status check_fits(const sgd *opt, const param_set *ps) {
    char a[16], b[16];
    if (ps->numel != opt->numel)
        return GANC_ERR(GANC_ERR_STATE, "sgd %s: optimizer made for %zu values, network now has %zu", ps->name,
                        opt->numel, ps->numel);
    if (!device_equal(ps->dev, opt->dev))
        return GANC_ERR(GANC_ERR_DEVICE, "sgd %s: momentum on %s, parameters on %s (move both: optimizer_to_device)",
                        ps->name, device_name(opt->dev, a, sizeof a), device_name(ps->dev, b, sizeof b));
    return GANC_OK;
}

ganc_status sgd_step(sgd *opt, param_set *ps) {
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    if (ps->frozen) return GANC_OK;
    const backend *be = backend_get(ps->dev);
    if (!be) return ganc_error_status();
    const sgd_config c = opt->cfg;
    be->optim->sgd_step(ps->data, ps->grad, opt->buf, ps->numel, c.lr, c.momentum, c.weight_decay, c.nesterov);
    opt->step++;
    return GANC_OK;
}

ganc_status sgd_save(const sgd *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    st = checkpoint_set_meta_u64(ck, key, (uint64_t)opt->step);
    if (!st && opt->buf) st = checkpoint_put_block(ck, "optim.momentum.", ps, opt->buf);
    return st;
}

ganc_status sgd_load(sgd *opt, const param_set *ps, checkpoint *ck) {
    ganc_status st = check_fits(opt, ps);
    if (st) return st;
    char key[128];
    uint64_t step;
    snprintf(key, sizeof key, "optim.%s.step", ps->name);
    st = checkpoint_meta_u64(ck, key, &step);
    if (!st && opt->buf) st = checkpoint_get_block(ck, "optim.momentum.", ps, opt->buf);
    if (st) return st;
    opt->step = (long)step;
    return GANC_OK;
}
