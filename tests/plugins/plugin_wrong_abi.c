/* A loss plugin from a future ganc: its ABI version does not match. */
#include "losses/plugin_api.h"

static tensor *compute(void *state, const loss_inputs *in) { return NULL; }

ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out) {
    *out = (ganc_loss_plugin){GANC_LOSS_PLUGIN_ABI + 998, (int)sizeof(real), "future", NULL, compute, NULL};
    return GANC_OK;
}
