#include "optim/optimizer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "optim/clip.h"

static const char *const kind_names[] = {"adam", "adamw", "sgd", NULL};

const char *optimizer_kind_name(optimizer_kind kind) { return kind_names[kind]; }

optimizer_config optimizer_defaults(void) {
    return (optimizer_config){.kind = OPTIMIZER_ADAM, .lr = 2e-4, .beta1 = 0.5, .beta2 = 0.999, .eps = 1e-8,
                              .schedule = schedule_defaults(2e-4)};
}

ganc_status optimizer_config_read(config *c, const char *section, optimizer_config *out) {
    optimizer_config o = optimizer_defaults();
    int kind;
    ganc_status st = config_choice(c, section, "kind", "adam", kind_names, &kind);
    if (st) return st;
    o.kind = (optimizer_kind)kind;
    if (o.kind == OPTIMIZER_SGD) o.lr = 0.01;
    if ((st = config_real(c, section, "lr", o.lr, 1e-12, 1e3, &o.lr))) return st;
    if (o.kind != OPTIMIZER_SGD) {
        st = config_real(c, section, "beta1", o.beta1, 0, 0.999999, &o.beta1);
        if (!st) st = config_real(c, section, "beta2", o.beta2, 0, 0.999999999, &o.beta2);
        if (!st) st = config_real(c, section, "eps", o.eps, 1e-30, 1, &o.eps);
    } else {
        st = config_real(c, section, "momentum", 0, 0, 0.999999, &o.momentum);
        if (!st) st = config_bool(c, section, "nesterov", false, &o.nesterov);
        if (!st && o.nesterov && o.momentum == 0)
            st = GANC_ERR(GANC_ERR_ARG, "config [%s]: nesterov = true needs momentum > 0", section);
    }
    if (!st && o.kind != OPTIMIZER_ADAM)
        st = config_real(c, section, "weight_decay", o.kind == OPTIMIZER_ADAMW ? 0.01 : 0, 0, 1e3, &o.weight_decay);
    if (!st) st = schedule_from_config(c, section, o.lr, &o.schedule);
    if (!st) st = config_real(c, section, "clip_norm", 0, 0, 1e12, &o.clip_norm);
    if (!st) *out = o;
    return st;
}

ganc_status optimizer_init(optimizer *opt, const param_set *ps, const optimizer_config *cfg) {
    memset(opt, 0, sizeof *opt);
    char what[96];
    snprintf(what, sizeof what, "optimizer of %s", ps->name);
    ganc_status st = schedule_check(&cfg->schedule, what);
    if (st) return st;
    if (cfg->schedule.base_lr != cfg->lr)
        return GANC_ERR(GANC_ERR_ARG, "%s: lr %g and schedule base_lr %g differ", what, cfg->lr, cfg->schedule.base_lr);
    if (!(cfg->clip_norm >= 0)) return GANC_ERR(GANC_ERR_ARG, "%s: clip_norm must be >= 0, got %g", what, cfg->clip_norm);
    if (cfg->kind == OPTIMIZER_ADAM && cfg->weight_decay != 0)
        return GANC_ERR(GANC_ERR_ARG, "%s: kind adam has no weight decay (got %g); use kind adamw", what,
                        cfg->weight_decay);
    if (cfg->kind == OPTIMIZER_SGD)
        st = sgd_init(&opt->sgd, ps, (sgd_config){.lr = (real)cfg->lr, .momentum = (real)cfg->momentum,
                                                  .weight_decay = (real)cfg->weight_decay, .nesterov = cfg->nesterov});
    else
        st = adam_init(&opt->adam, ps, (adam_config){.lr = (real)cfg->lr, .beta1 = (real)cfg->beta1,
                                                     .beta2 = (real)cfg->beta2, .eps = (real)cfg->eps,
                                                     .weight_decay = (real)cfg->weight_decay});
    if (st) return st;
    opt->cfg = *cfg;
    return GANC_OK;
}

ganc_status optimizer_from_config(optimizer *opt, config *c, const char *section, const param_set *ps) {
    optimizer_config cfg;
    ganc_status st = optimizer_config_read(c, section, &cfg);
    return st ? st : optimizer_init(opt, ps, &cfg);
}

void optimizer_free(optimizer *opt) {
    adam_free(&opt->adam);
    sgd_free(&opt->sgd);
    memset(opt, 0, sizeof *opt);
}

ganc_status optimizer_to_device(optimizer *opt, device dev) {
    return opt->cfg.kind == OPTIMIZER_SGD ? sgd_to_device(&opt->sgd, dev) : adam_to_device(&opt->adam, dev);
}

double optimizer_lr(const optimizer *opt, long step, long epoch) { return schedule_lr(&opt->cfg.schedule, step, epoch); }

ganc_status optimizer_step(optimizer *opt, param_set *ps, double lr) {
    if (!(lr >= 0) || !isfinite(lr))
        return GANC_ERR(GANC_ERR_ARG, "optimizer of %s: lr must be finite and >= 0, got %g", ps->name, lr);
    if (ps->frozen) return GANC_OK;
    if (opt->cfg.clip_norm > 0) {
        ganc_status st = clip_grad_norm(&ps, 1, opt->cfg.clip_norm, &opt->last_grad_norm);
        if (st) return st;
    }
    if (opt->cfg.kind == OPTIMIZER_SGD) {
        opt->sgd.cfg.lr = (real)lr;
        return sgd_step(&opt->sgd, ps);
    }
    opt->adam.cfg.lr = (real)lr;
    return adam_step(&opt->adam, ps);
}

ganc_status optimizer_save(const optimizer *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    snprintf(key, sizeof key, "optim.%s.kind", ps->name);
    ganc_status st = checkpoint_set_meta(ck, key, kind_names[opt->cfg.kind]);
    if (st) return st;
    return opt->cfg.kind == OPTIMIZER_SGD ? sgd_save(&opt->sgd, ps, ck) : adam_save(&opt->adam, ps, ck);
}

ganc_status optimizer_load(optimizer *opt, const param_set *ps, checkpoint *ck) {
    char key[128];
    snprintf(key, sizeof key, "optim.%s.kind", ps->name);
    const char *kind = checkpoint_meta(ck, key);
    if (!kind)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s has no optimizer state for %s (no metadata \"%s\")",
                        checkpoint_origin(ck), ps->name, key);
    if (strcmp(kind, kind_names[opt->cfg.kind]) != 0)
        return GANC_ERR(GANC_ERR_FORMAT, "checkpoint %s holds %s optimizer state for %s; this run uses %s",
                        checkpoint_origin(ck), kind, ps->name, kind_names[opt->cfg.kind]);
    return opt->cfg.kind == OPTIMIZER_SGD ? sgd_load(&opt->sgd, ps, ck) : adam_load(&opt->adam, ps, ck);
}
