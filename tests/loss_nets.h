#ifndef GANC_TESTS_LOSS_NETS_H
#define GANC_TESTS_LOSS_NETS_H

/* Small stand-in networks for the loss tests, run through a loss_forward_fn
 * the way the trainer runs network_forward. `arch` picks the function:
 *   linear: y = x_flat W^T                         (N,out)
 *   mlp:    y = tanh(x_flat W^T + b) V^T           (N,out)
 *   quad:   y = sum_i w_i x_i^2 per sample         (N,1)
 *   conv:   y = tanh(conv3x3(x, K) + b)            (N,out,H,W), feature maps
 *   identity: y = x (no parameters)
 * Parameters are named NAME.W, NAME.b, NAME.V, drawn from N(0, scale^2). */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/linalg.h"
#include "core/ops/reduce.h"
#include "core/ops/view.h"
#include "core/params.h"
#include "core/rng.h"
#include "layers/network.h"

static inline tensor *test_net_param(network *net, const char *suffix, int ndim, const int *shape, double scale,
                                     rng *r) {
    char name[96];
    snprintf(name, sizeof name, "%s.%s", net->name, suffix);
    tensor *p = params_add(&net->params, name, ndim, shape);
    if (p)
        for (size_t i = 0; i < p->numel; i++) p->data[i] = (real)(scale * rng_normal(r));
    return p;
}

/* in: values per sample (C*H*W); out: outputs (or conv channels, with in = input channels). */
static inline bool test_net_init(network *net, const char *name, const char *arch, int in, int hidden, int out,
                                 double scale, uint64_t seed) {
    memset(net, 0, sizeof *net);
    snprintf(net->name, sizeof net->name, "%s", name);
    snprintf(net->arch, sizeof net->arch, "%s", arch);
    params_init(&net->params, name);
    params_init(&net->buffers, name);
    rng r;
    rng_init(&r, seed);
    if (strcmp(arch, "identity") == 0) return true;
    if (strcmp(arch, "linear") == 0) return test_net_param(net, "W", 2, (int[]){out, in}, scale, &r);
    if (strcmp(arch, "quad") == 0) return test_net_param(net, "W", 1, (int[]){in}, scale, &r);
    if (strcmp(arch, "conv") == 0)
        return test_net_param(net, "W", 4, (int[]){out, in, 3, 3}, scale, &r) &&
               test_net_param(net, "b", 1, (int[]){out}, scale, &r);
    return test_net_param(net, "W", 2, (int[]){hidden, in}, scale, &r) &&
           test_net_param(net, "b", 1, (int[]){hidden}, scale, &r) &&
           test_net_param(net, "V", 2, (int[]){out, hidden}, scale, &r);
}

static inline void test_net_free(network *net) {
    params_free(&net->params);
    params_free(&net->buffers);
}

static inline tensor *test_net_get(network *net, const char *suffix) {
    char name[96];
    snprintf(name, sizeof name, "%s.%s", net->name, suffix);
    return params_find(&net->params, name);
}

static inline tensor *test_net_forward(network *net, tape *t, const tensor *x) {
    if (!x) return NULL;
    if (strcmp(net->arch, "identity") == 0) return op_mul_scalar(t, x, 1);
    if (strcmp(net->arch, "conv") == 0)
        return op_tanh(
            t, op_conv2d(t, x, test_net_get(net, "W"), test_net_get(net, "b"), (conv2d_args){.pad_h = 1, .pad_w = 1}));
    tensor *flat = op_reshape(t, x, 2, (int[]){x->shape[0], -1});
    if (strcmp(net->arch, "linear") == 0) return op_linear(t, flat, test_net_get(net, "W"), NULL);
    if (strcmp(net->arch, "quad") == 0)
        return op_sum(t, op_mul(t, op_mul(t, flat, flat), test_net_get(net, "W")), 1u << 1, true);
    tensor *h = op_tanh(t, op_linear(t, flat, test_net_get(net, "W"), test_net_get(net, "b")));
    return op_linear(t, h, test_net_get(net, "V"), NULL);
}

/* A persistent tensor with a gradient buffer, filled by f(i). */
static inline tensor *test_input(int ndim, const int *shape, const char *name, double (*f)(size_t i)) {
    tensor *x = tensor_new(ndim, shape, name);
    if (!x || tensor_set_requires_grad(x, true)) return NULL;
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)f(i);
    return x;
}

/* build/<variant>/plugins/<lib>: plugins are built next to the test runner. */
static inline bool test_plugin_path(const char *lib, char *buf, size_t size) {
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0) return false;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash) return false;
    *slash = '\0';
    size_t len = strlen(buf);
    return snprintf(buf + len, size - len, "/plugins/%s", lib) < (int)(size - len);
}

#endif
