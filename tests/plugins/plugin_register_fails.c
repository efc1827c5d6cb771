/* A loss plugin whose registration reports an error of its own. */
#include "losses/plugin_api.h"

ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out) {
    return GANC_ERR(GANC_ERR_UNSUPPORTED, "needs a GPU with tensor cores");
}
