#include "losses/loss.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "losses/builtin.h"
#include "losses/plugin_api.h"

/* ---- what a term sees ---- */

tensor *loss_inputs_tensor(const loss_inputs *in, const char *name) {
    for (int i = 0; i < in->n_tensors; i++)
        if (strcmp(in->tensor_names[i], name) == 0) return in->tensors[i];
    char present[512] = "";
    for (int i = 0; i < in->n_tensors; i++)
        snprintf(present + strlen(present), sizeof present - strlen(present), "%s%s", i ? ", " : "",
                 in->tensor_names[i]);
    GANC_ERR(GANC_ERR_ARG, "loss: this step has no tensor \"%s\" (it has: %s)", name, present[0] ? present : "none");
    return NULL;
}

network *loss_inputs_network(const loss_inputs *in, const char *name) {
    for (int i = 0; i < in->n_networks; i++)
        if (strcmp(in->networks[i]->name, name) == 0) return in->networks[i];
    char present[512] = "";
    for (int i = 0; i < in->n_networks; i++)
        snprintf(present + strlen(present), sizeof present - strlen(present), "%s%s", i ? ", " : "",
                 in->networks[i]->name);
    GANC_ERR(GANC_ERR_ARG, "loss: this experiment has no network \"%s\" (it has: %s)", name,
             present[0] ? present : "none");
    return NULL;
}

ganc_status loss_inputs_add_tensor(loss_inputs *in, const char *name, tensor *x) {
    if (!x)
        return ganc_error_status() ? ganc_error_status()
                                   : GANC_ERR(GANC_ERR_ARG, "loss inputs: tensor \"%s\" is NULL", name);
    for (int i = 0; i < in->n_tensors; i++)
        if (strcmp(in->tensor_names[i], name) == 0)
            return GANC_ERR(GANC_ERR_ARG, "loss inputs: tensor \"%s\" added twice", name);
    if (in->n_tensors == LOSS_MAX_TENSORS)
        return GANC_ERR(GANC_ERR_ARG, "loss inputs: more than %d tensors (adding \"%s\")", LOSS_MAX_TENSORS, name);
    in->tensor_names[in->n_tensors] = name;
    in->tensors[in->n_tensors++] = x;
    return GANC_OK;
}

ganc_status loss_inputs_add_network(loss_inputs *in, network *net) {
    if (!net) return GANC_ERR(GANC_ERR_ARG, "loss inputs: network is NULL");
    for (int i = 0; i < in->n_networks; i++)
        if (strcmp(in->networks[i]->name, net->name) == 0)
            return GANC_ERR(GANC_ERR_ARG, "loss inputs: network \"%s\" added twice", net->name);
    if (in->n_networks == LOSS_MAX_NETWORKS)
        return GANC_ERR(GANC_ERR_ARG, "loss inputs: more than %d networks (adding \"%s\")", LOSS_MAX_NETWORKS,
                        net->name);
    in->networks[in->n_networks++] = net;
    return GANC_OK;
}

tensor *loss_inputs_run(const loss_inputs *in, const char *name, const tensor *x) {
    network *net = loss_inputs_network(in, name);
    if (!net || !x) return NULL;
    if (!in->forward) {
        GANC_ERR(GANC_ERR_STATE, "loss: cannot run network \"%s\": loss_inputs.forward is not set", name);
        return NULL;
    }
    return in->forward(net, in->t, x);
}

/* ---- terms ---- */

/* Built-in kinds and plugins behind one interface. */
typedef struct {
    ganc_loss_plugin impl;
    void *state;
    void *dl; /* plugin handle, NULL for a built-in kind */
} term_state;

static tensor *term_compute(loss_term *self, const loss_inputs *in) {
    if (!in || !in->t) {
        GANC_ERR(GANC_ERR_ARG, "[loss.%s]: no inputs or no tape", self->name);
        return NULL;
    }
    term_state *ts = self->state;
    tensor *y = ts->impl.compute(ts->state, in);
    if (!y) {
        /* Say which term failed; the message below still names the op. */
        char why[512];
        snprintf(why, sizeof why, "%s", ganc_error_message());
        GANC_ERR(ganc_error_status() ? ganc_error_status() : GANC_ERR_STATE, "[loss.%s] %s", self->name,
                 why[0] ? why : "failed without an error message");
        return NULL;
    }
    if (y->numel != 1) {
        char s[48];
        GANC_ERR(GANC_ERR_SHAPE, "[loss.%s] %s returned shape %s; a loss term returns one value, shape (1)", self->name,
                 ts->impl.name, tensor_shape_str(y, s, sizeof s));
        return NULL;
    }
    return y;
}

static void term_destroy(loss_term *self) {
    term_state *ts = self->state;
    if (!ts) return;
    if (ts->impl.destroy) ts->impl.destroy(ts->state);
    /* After destroy: its code lives in the plugin. */
    if (ts->dl) dlclose(ts->dl);
    free(ts);
    self->state = NULL;
}

static ganc_status load_plugin(const char *section, const char *path, term_state *ts) {
    /* A bare file name is a path in the working directory, not a library
     * for dlopen to look for on the system's search path. */
    char full[1024];
    if (snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path) >= (int)sizeof full)
        return GANC_ERR(GANC_ERR_ARG, "[%s] plugin = %.40s...: path longer than %zu characters", section, path,
                        sizeof full - 3);
    ts->dl = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    if (!ts->dl) return GANC_ERR(GANC_ERR_IO, "[%s] plugin = %s: cannot load it: %s", section, path, dlerror());
    ganc_loss_plugin_register_fn reg = (ganc_loss_plugin_register_fn)dlsym(ts->dl, GANC_LOSS_PLUGIN_SYMBOL);
    if (!reg)
        return GANC_ERR(GANC_ERR_FORMAT,
                        "[%s] plugin = %s does not export %s(): not a ganc loss plugin "
                        "(see losses/plugin_api.h)",
                        section, path, GANC_LOSS_PLUGIN_SYMBOL);
    ganc_loss_plugin p = {0};
    ganc_error_clear();
    ganc_status st = reg(&p);
    if (st) {
        char why[512];
        snprintf(why, sizeof why, "%s", ganc_error_message());
        return GANC_ERR(st, "[%s] plugin = %s: registration failed: %s", section, path, why);
    }
    if (p.abi != GANC_LOSS_PLUGIN_ABI)
        return GANC_ERR(GANC_ERR_UNSUPPORTED,
                        "[%s] plugin = %s was built for loss-plugin ABI %d, this ganc has ABI "
                        "%d: rebuild it against this ganc's losses/plugin_api.h",
                        section, path, p.abi, GANC_LOSS_PLUGIN_ABI);
    if (p.real_bytes != (int)sizeof(real))
        return GANC_ERR(GANC_ERR_UNSUPPORTED,
                        "[%s] plugin = %s was built with %d-byte reals, this ganc computes in %s: "
                        "build it %s -DGANC_REAL_DOUBLE",
                        section, path, p.real_bytes, REAL_NAME, REAL_IS_DOUBLE ? "with" : "without");
    if (!p.name || !p.compute)
        return GANC_ERR(GANC_ERR_FORMAT, "[%s] plugin = %s: registration left %s unset", section, path,
                        p.name ? "compute" : "name");
    ts->impl = p;
    return GANC_OK;
}

/* The kind names and "plugin", for config_choice. */
#define MAX_KINDS 32
static void kind_choices(const char **choices, int *plugin_index) {
    int n = loss_builtin_count();
    for (int i = 0; i < n; i++) choices[i] = loss_builtin_name(i);
    choices[n] = "plugin";
    choices[n + 1] = NULL;
    *plugin_index = n;
}

static ganc_status read_kind(config *c, const char *section, const char *plugin, int *kind) {
    const char *choices[MAX_KINDS + 2];
    int plugin_index;
    kind_choices(choices, &plugin_index);
    const char *text;
    ganc_status st = config_string(c, section, "kind", plugin[0] ? "plugin" : "", &text);
    if (st) return st;
    if (!text[0]) {
        char list[512] = "";
        for (int i = 0; i < plugin_index; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "|" : "", choices[i]);
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] needs kind = %s, or plugin = path/to/libNAME.so", section, list);
    }
    if ((st = config_choice(c, section, "kind", text, choices, kind))) return st;
    if (plugin[0] && *kind != plugin_index)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] sets kind = %s and plugin = %s; a term has one or the other",
                        section, text, plugin);
    if (!plugin[0] && *kind == plugin_index)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] kind = plugin needs plugin = path/to/libNAME.so", section);
    return GANC_OK;
}

ganc_status loss_term_from_config(config *c, const char *section, loss_term *out) {
    memset(out, 0, sizeof *out);
    if (!c || !section) return GANC_ERR(GANC_ERR_ARG, "loss_term_from_config: config or section is NULL");
    const char *name = section + 5;
    if (strncmp(section, "loss.", 5) != 0 || !name[0] || strlen(name) >= sizeof out->name)
        return GANC_ERR(GANC_ERR_ARG,
                        "config: loss term section [%s] must be named [loss.NAME], NAME 1 to %zu "
                        "characters",
                        section, sizeof out->name - 1);
    if (!config_has_section(c, section)) return GANC_ERR(GANC_ERR_ARG, "config: no section [%s]", section);
    const char *plugin;
    int kind;
    double weight;
    ganc_status st = config_string(c, section, "plugin", "", &plugin);
    if (!st) st = read_kind(c, section, plugin, &kind);
    if (!st) st = config_real(c, section, "weight", 1, 0, 1e9, &weight);
    if (st) return st;

    term_state *ts = calloc(1, sizeof *ts);
    if (!ts) return GANC_ERR(GANC_ERR_MEMORY, "[%s]: out of memory", section);
    if (plugin[0]) {
        st = load_plugin(section, plugin, ts);
        if (!st && ts->impl.create) st = ts->impl.create(c, section, &ts->state);
    } else {
        ts->impl = (ganc_loss_plugin){GANC_LOSS_PLUGIN_VERSION, loss_builtin_name(kind), NULL, loss_builtin_compute,
                                      loss_builtin_destroy};
        st = loss_builtin_create(kind, c, section, &ts->state);
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->kind, sizeof out->kind, "%s", st ? "" : ts->impl.name);
    out->weight = weight;
    out->state = ts;
    out->compute = term_compute;
    out->destroy = term_destroy;
    if (st) {
        /* destroy must not see a state its create never made */
        ts->impl.destroy = NULL;
        term_destroy(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

void loss_term_free(loss_term *term) {
    if (term && term->destroy) term->destroy(term);
    if (term) memset(term, 0, sizeof *term);
}
