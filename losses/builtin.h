#ifndef GANC_LOSSES_BUILTIN_H
#define GANC_LOSSES_BUILTIN_H

/* The built-in term kinds behind the registry (losses/loss.c): each reads
 * its keys from a [loss.NAME] section and computes through the loss
 * functions of losses/. Internal to losses/. */

#include "losses/loss.h"

/* Kinds are numbered 0..count-1; name: "cycle", "identity", ... */
int loss_builtin_count(void);
const char *loss_builtin_name(int kind);

ganc_status loss_builtin_create(int kind, config *c, const char *section, void **state);
tensor *loss_builtin_compute(void *state, const loss_inputs *in);
void loss_builtin_destroy(void *state);

#endif
