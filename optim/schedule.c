#include "optim/schedule.h"

#include <math.h>
#include <stdio.h>

static const char *const kind_names[] = {"constant", "constant_linear", "step", "cosine", NULL};
static const char *const unit_names[] = {"step", "epoch", NULL};

const char *schedule_kind_name(schedule_kind kind) { return kind_names[kind]; }

lr_schedule schedule_defaults(double base_lr) {
    return (lr_schedule){.kind = SCHEDULE_CONSTANT, .unit = SCHEDULE_UNIT_EPOCH, .base_lr = base_lr,
                         .n_constant = 100, .n_decay = 100, .step_size = 50, .gamma = 0.1, .min_lr = 0};
}

ganc_status schedule_check(const lr_schedule *s, const char *what) {
    if (!(s->base_lr > 0)) return GANC_ERR(GANC_ERR_ARG, "%s: lr must be > 0, got %g", what, s->base_lr);
    switch (s->kind) {
    case SCHEDULE_CONSTANT:
        return GANC_OK;
    case SCHEDULE_CONSTANT_LINEAR:
    case SCHEDULE_COSINE:
        if (s->n_constant < 0 || s->n_decay < (s->kind == SCHEDULE_COSINE ? 1 : 0))
            return GANC_ERR(GANC_ERR_ARG, "%s: schedule %s needs n_constant >= 0 and n_decay >= %d, got %ld and %ld",
                            what, kind_names[s->kind], s->kind == SCHEDULE_COSINE ? 1 : 0, s->n_constant, s->n_decay);
        if (s->kind == SCHEDULE_COSINE && !(s->min_lr >= 0 && s->min_lr <= s->base_lr))
            return GANC_ERR(GANC_ERR_ARG, "%s: min_lr must be in 0..lr (%g), got %g", what, s->base_lr, s->min_lr);
        return GANC_OK;
    case SCHEDULE_STEP:
        if (s->step_size < 1 || !(s->gamma > 0))
            return GANC_ERR(GANC_ERR_ARG, "%s: schedule step needs step_size >= 1 and gamma > 0, got %ld and %g", what,
                            s->step_size, s->gamma);
        return GANC_OK;
    }
    return GANC_ERR(GANC_ERR_ARG, "%s: unknown schedule kind %d", what, (int)s->kind);
}

ganc_status schedule_from_config(config *c, const char *section, double base_lr, lr_schedule *out) {
    lr_schedule s = schedule_defaults(base_lr);
    int kind, unit = (int)s.unit;
    ganc_status st = config_choice(c, section, "schedule", "constant", kind_names, &kind);
    if (st) return st;
    s.kind = (schedule_kind)kind;
    if (s.kind != SCHEDULE_CONSTANT) st = config_choice(c, section, "schedule_unit", "epoch", unit_names, &unit);
    s.unit = (schedule_unit)unit;
    if (!st && (s.kind == SCHEDULE_CONSTANT_LINEAR || s.kind == SCHEDULE_COSINE)) {
        st = config_int(c, section, "n_constant", s.n_constant, 0, 1000000000, &s.n_constant);
        if (!st) st = config_int(c, section, "n_decay", s.n_decay, s.kind == SCHEDULE_COSINE, 1000000000, &s.n_decay);
    }
    if (!st && s.kind == SCHEDULE_COSINE) st = config_real(c, section, "min_lr", 0, 0, base_lr, &s.min_lr);
    if (!st && s.kind == SCHEDULE_STEP) {
        st = config_int(c, section, "step_size", s.step_size, 1, 1000000000, &s.step_size);
        if (!st) st = config_real(c, section, "gamma", s.gamma, 1e-12, 1e6, &s.gamma);
    }
    if (!st) {
        char what[96];
        snprintf(what, sizeof what, "config [%s]", section);
        st = schedule_check(&s, what);
    }
    if (!st) *out = s;
    return st;
}

double schedule_lr(const lr_schedule *s, long step, long epoch) {
    double t = (double)(s->unit == SCHEDULE_UNIT_EPOCH ? epoch : step);
    switch (s->kind) {
    case SCHEDULE_CONSTANT:
        break;
    case SCHEDULE_CONSTANT_LINEAR: {
        double factor = 1 - fmax(0, t + 1 - (double)s->n_constant) / ((double)s->n_decay + 1);
        return s->base_lr * fmax(0, factor);
    }
    case SCHEDULE_STEP:
        return s->base_lr * pow(s->gamma, floor(t / (double)s->step_size));
    case SCHEDULE_COSINE: {
        double u = t - (double)s->n_constant;
        if (u < 0) break;
        if (u >= (double)s->n_decay) return s->min_lr;
        return s->min_lr + (s->base_lr - s->min_lr) * (1 + cos(3.14159265358979323846 * u / (double)s->n_decay)) / 2;
    }
    }
    return s->base_lr;
}
