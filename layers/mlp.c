/* A multi-layer perceptron on feature vectors: the parameter head of the
 * face-pinch regressor and domain classifiers behind gradient reversal. */
#include <stdio.h>

#include "core/ops/view.h"
#include "layers/architectures.h"
#include "layers/onnx.h"

static const char *const OUT_ACTIVATIONS[] = {"none", "sigmoid", "tanh", NULL}; /* mlp_activation order */

ganc_status mlp_read(config *c, const char *section, mlp_opts *o) {
    long in, width, layers, outputs;
    double dropout;
    int act;
    ganc_status st = config_int(c, section, "in_features", 0, 1, 1L << 26, &in);
    if (!st) st = config_int(c, section, "width", 256, 1, 1 << 16, &width);
    if (!st) st = config_int(c, section, "layers", 3, 1, 16, &layers);
    if (!st) st = config_int(c, section, "outputs", 1, 1, 1 << 20, &outputs);
    if (!st) st = config_real(c, section, "dropout", 0, 0, 0.99, &dropout);
    if (!st) st = config_choice(c, section, "out_activation", "none", OUT_ACTIVATIONS, &act);
    if (st) return st;
    if (in == 0) return GANC_ERR(GANC_ERR_ARG, "config: [%s] in_features: required (values per input sample)", section);
    *o = (mlp_opts){(int)in, (int)width, (int)layers, (int)outputs, dropout, (mlp_activation)act};
    return GANC_OK;
}

typedef struct {
    module base;
    int in_features;
} mlp_root;

/* Takes (N,F) or any (N,...) with F values per sample, flattened. */
static tensor *mlp_forward(module *m, module_run *run, const tensor *x) {
    const mlp_root *r = (const mlp_root *)m;
    size_t per_sample = x->ndim > 0 && x->shape[0] > 0 ? x->numel / (size_t)x->shape[0] : 0;
    if (per_sample != (size_t)r->in_features) {
        char sx[48];
        GANC_ERR(GANC_ERR_SHAPE, "input %s: expected %d features per sample (in_features = %d)",
                 tensor_shape_str(x, sx, sizeof sx), r->in_features, r->in_features);
        return NULL;
    }
    if (x->ndim != 2) x = op_reshape(run->t, x, 2, (int[]){x->shape[0], r->in_features});
    return module_forward(m->children[0], run, x);
}

/* Flatten makes (N,F) of any (N,...) input, as the reshape above; the
 * exporter's trial run has already checked the count. */
static const char *mlp_onnx(module *m, onnx_graph *g, const char *x) {
    return onnx_module(g, m->children[0], onnx_node(g, m, "Flatten", ONNX_IN(x), ONNX_ATTRS(ONNX_INT("axis", 1))));
}

static const module_type mlp_type = {.name = "MLP", .forward = mlp_forward, .onnx = mlp_onnx};

int mlp_in_features(const network *net) {
    return net->root && net->root->type == &mlp_type ? ((const mlp_root *)net->root)->in_features : 0;
}

ganc_status mlp_build(network *net, const mlp_opts *o) {
    if (o->in_features < 1 || o->width < 1 || o->layers < 1 || o->outputs < 1)
        return GANC_ERR(GANC_ERR_ARG,
                        "network %s: mlp: in_features %d, width %d, layers %d and outputs %d must be >= 1", net->name,
                        o->in_features, o->width, o->layers, o->outputs);
    mlp_root *r = (mlp_root *)module_alloc(net, &mlp_type, "", sizeof *r);
    if (!r) return ganc_error_status();
    r->in_features = o->in_features;
    module_free(net->root);
    net->root = &r->base;
    snprintf(r->base.detail, sizeof r->base.detail, "%d->%d x%d ->%d", o->in_features, o->width, o->layers - 1,
             o->outputs);
    char p[MODULE_PATH_MAX];
    module *seq = sequential_new(net, "net");
    ganc_status st = module_add_child(&r->base, seq);
    for (int i = 0, in = o->in_features; !st && i < o->layers; i++) {
        bool last = i == o->layers - 1;
        int out = last ? o->outputs : o->width;
        st = module_add_child(seq, linear_new(net, module_next_path(seq, p, sizeof p), in, out, true, false));
        in = out;
        if (last) break;
        if (!st) st = module_add_child(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
        if (!st && o->dropout > 0)
            st = module_add_child(seq, dropout_new(net, module_next_path(seq, p, sizeof p), o->dropout));
    }
    if (!st && o->out_activation != MLP_NONE) {
        module_next_path(seq, p, sizeof p);
        st = module_add_child(seq, o->out_activation == MLP_SIGMOID ? sigmoid_new(net, p) : tanh_new(net, p));
    }
    return st;
}
