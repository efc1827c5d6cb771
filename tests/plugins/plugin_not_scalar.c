/* A loss plugin whose compute returns a whole tensor instead of one value. */
#include "losses/plugin_api.h"

static tensor *compute(void *state, const loss_inputs *in) { return loss_inputs_tensor(in, "fake_B"); }

ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out) {
    *out = (ganc_loss_plugin){GANC_LOSS_PLUGIN_VERSION, "not_scalar", NULL, compute, NULL};
    return GANC_OK;
}
