#ifndef GANC_TESTS_LAYERS_SUPPORT_H
#define GANC_TESTS_LAYERS_SUPPORT_H

/* Helpers shared by the layer tests (test_layers.c, precision_layers.c). */

#include <string.h>

#include "core/config.h"
#include "layers/module.h"
#include "tests/test.h"

/* Values N(0, std) from a fixed stream. */
static inline void support_fill_normal(tensor *x, rng *r, double std) {
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)(std * rng_normal(r));
}

/* A persistent input with a gradient buffer (a leaf of gradient checks). */
static inline tensor *support_input(int ndim, const int *shape, rng *r, const char *name) {
    tensor *x = tensor_new(ndim, shape, name);
    if (!x) return NULL;
    support_fill_normal(x, r, 1);
    if (tensor_set_requires_grad(x, true)) {
        tensor_free(x);
        return NULL;
    }
    return x;
}

/* network_from_config over INI text; NULL with the error on failure. */
static inline network *support_network(const char *ini, const char *name, uint64_t seed) {
    config *c = config_new();
    if (!c) return NULL;
    rng r;
    rng_init(&r, seed);
    network *net = config_parse_string(c, ini, "test.ini") ? NULL : network_from_config(c, "G", name, &r);
    config_free(c);
    return net;
}

/* The config `ini` must be refused, with both `a` and `b` in the message. */
static inline void support_expect_config_error(test_ctx *tc, const char *ini, const char *a, const char *b) {
    network *net = support_network(ini, "G", 1);
    CHECK_MSG(!net, "accepted: %s", ini);
    network_free(net);
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, a) && strstr(msg, b), "config %s: message \"%s\" lacks \"%s\" or \"%s\"", ini, msg, a, b);
}

/* An empty network whose root is the module `make` builds at path "m". */
static inline network *support_single(module *(*make)(network *net, void *arg), void *arg) {
    network *net = network_new("N", "test");
    if (!net) return NULL;
    net->root = make(net, arg);
    if (!net->root) {
        network_free(net);
        return NULL;
    }
    return net;
}

/* Finds the parameter whose name ends in `suffix`. */
static inline tensor *support_param(const network *net, const char *suffix) {
    size_t ls = strlen(suffix);
    for (size_t i = 0; i < net->params.count; i++) {
        size_t ln = strlen(net->params.entries[i].name);
        if (ln >= ls && strcmp(net->params.entries[i].name + ln - ls, suffix) == 0) return net->params.entries[i].t;
    }
    return NULL;
}

#endif
