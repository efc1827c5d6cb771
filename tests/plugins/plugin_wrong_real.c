/* A loss plugin built for the other precision (float32 vs float64). */
#include "losses/plugin_api.h"

static tensor *compute(void *state, const loss_inputs *in) { return NULL; }

ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out) {
    int other = sizeof(real) == sizeof(float) ? (int)sizeof(double) : (int)sizeof(float);
    *out = (ganc_loss_plugin){GANC_LOSS_PLUGIN_ABI, other, "other_precision", NULL, compute, NULL};
    return GANC_OK;
}
