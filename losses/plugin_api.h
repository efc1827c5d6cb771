#ifndef GANC_LOSSES_PLUGIN_API_H
#define GANC_LOSSES_PLUGIN_API_H

/* The loss-plugin API. A plugin is a shared object that adds a loss term
 * without touching ganc. A config names it:
 *
 *     [loss.tv]
 *     plugin = build/release/plugins/libtv_loss.so
 *     weight = 0.1
 *     input = fake_B          # the plugin's own keys
 *
 * It exports one function, ganc_loss_plugin_register, which fills a
 * ganc_loss_plugin. ganc then calls create once with the config, compute
 * once per step, and destroy at the end. Inside, a plugin uses ganc's own
 * functions, which the ganc binary exports (it links with -rdynamic):
 * - the step's tensors and networks: loss_inputs_tensor,
 *   loss_inputs_network, loss_inputs_run (losses/loss.h);
 * - the ops: every header of core/ops, all included here; errors pass through them,
 *   so one NULL check at the end is enough;
 * - its config keys: config_real, config_int, config_string, ...
 *   (core/config.h), which report bad values with file, line and key;
 * - errors: GANC_ERR (core/error.h).
 * Build: cc -std=c11 -I<ganc> -fPIC -shared my_loss.c -o libmy_loss.so,
 * with -DGANC_REAL_DOUBLE for ganc-f64. losses/plugins/tv_loss.c is a
 * complete example; docs/losses.md walks through it.
 *
 * Stability: GANC_LOSS_PLUGIN_ABI goes up whenever this struct, the
 * structs it hands over (loss_inputs, tensor, network) or the signature of
 * a function above changes incompatibly. ganc refuses a plugin built for
 * another version, or for another `real` (float32 vs float64), with a
 * message saying so, instead of crashing in it. */

#include "core/config.h"
#include "core/error.h"
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/image.h"
#include "core/ops/linalg.h"
#include "core/ops/loss.h"
#include "core/ops/norm.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/spatial.h"
#include "core/ops/view.h"
#include "losses/loss.h"

#define GANC_LOSS_PLUGIN_ABI 1
#define GANC_LOSS_PLUGIN_SYMBOL "ganc_loss_plugin_register"

typedef struct ganc_loss_plugin {
    int abi;          /* GANC_LOSS_PLUGIN_ABI, as the plugin was built */
    int real_bytes;   /* sizeof(real), as the plugin was built */
    const char *name; /* short name for messages and logs, e.g. "tv" */
    /* Reads the plugin's keys from [section] with the config getters and
     * makes its state (it may leave *state NULL). NULL create: no keys. */
    ganc_status (*create)(config *c, const char *section, void **state);
    /* The term's unweighted value, a (1) tensor of in->t; NULL with an
     * error (GANC_ERR, or one passed through the ops). */
    tensor *(*compute)(void *state, const loss_inputs *in);
    /* Frees the state; may be NULL. */
    void (*destroy)(void *state);
} ganc_loss_plugin;

/* The first two fields, as the plugin sees them:
 * *out = (ganc_loss_plugin){GANC_LOSS_PLUGIN_VERSION, "tv", create, compute, destroy}; */
#define GANC_LOSS_PLUGIN_VERSION GANC_LOSS_PLUGIN_ABI, (int)sizeof(real)

typedef ganc_status (*ganc_loss_plugin_register_fn)(ganc_loss_plugin *out);

/* Defined by each plugin; ganc looks it up by name. */
ganc_status ganc_loss_plugin_register(ganc_loss_plugin *out);

#endif
