#ifndef GANC_OPTIM_SCHEDULE_H
#define GANC_OPTIM_SCHEDULE_H

/* Learning-rate schedules: the lr as a pure function of the training
 * position, so resuming needs only the step and epoch counters.
 *
 *   constant         base_lr
 *   constant_linear  CycleGAN's rule: base_lr * (1 - max(0, t + 1 - n_constant) / (n_decay + 1)),
 *                    never below 0: constant for n_constant units, then falling linearly to
 *                    base_lr / (n_decay + 1) at t = n_constant + n_decay - 1 and 0 after
 *   step             base_lr * gamma^floor(t / step_size) (torch StepLR)
 *   cosine           base_lr for n_constant units, then min_lr + (base_lr - min_lr)(1 + cos(pi u / n_decay)) / 2
 *                    with u = t - n_constant, then min_lr once u >= n_decay
 *
 * t counts optimizer steps or epochs (the `schedule_unit` key), from 0. */

#include "core/config.h"

typedef enum { SCHEDULE_CONSTANT, SCHEDULE_CONSTANT_LINEAR, SCHEDULE_STEP, SCHEDULE_COSINE } schedule_kind;
typedef enum { SCHEDULE_UNIT_STEP, SCHEDULE_UNIT_EPOCH } schedule_unit;

typedef struct lr_schedule {
    schedule_kind kind;
    schedule_unit unit;
    double base_lr;
    long n_constant, n_decay; /* constant_linear, cosine */
    long step_size;           /* step */
    double gamma;             /* step */
    double min_lr;            /* cosine */
} lr_schedule;

/* A constant schedule at base_lr, with CycleGAN's values for the other
 * fields (100 + 100 epochs, step 50 with gamma 0.1). */
lr_schedule schedule_defaults(double base_lr);
/* Reads `schedule` and the keys that kind uses from [section]; base_lr is
 * the section's lr, read by the caller. */
ganc_status schedule_from_config(config *c, const char *section, double base_lr, lr_schedule *out);
/* Error naming `what` (a section, an optimizer) when a field is out of range. */
ganc_status schedule_check(const lr_schedule *s, const char *what);
/* The lr at global step `step` during epoch `epoch` (both from 0); the
 * schedule's unit picks which one counts. */
double schedule_lr(const lr_schedule *s, long step, long epoch);
const char *schedule_kind_name(schedule_kind kind);

#endif
