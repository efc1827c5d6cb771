#include "layers/network.h"

#include <stdlib.h>
#include <string.h>

#include "core/ops/view.h"
#include "layers/architectures.h"
#include "layers/init.h"
#include "layers/onnx.h"

/* ---- architecture roots ---- */

static ganc_status check_input(const arch_root *r, const tensor *x) {
    char sx[48];
    tensor_shape_str(x, sx, sizeof sx);
    if (x->ndim != 4 || x->shape[1] != r->in_channels)
        return GANC_ERR(GANC_ERR_SHAPE, "input %s: expected (N,%d,H,W) (in_channels = %d)", sx, r->in_channels,
                        r->in_channels);
    if (r->multiple > 1 && (x->shape[2] % r->multiple || x->shape[3] % r->multiple))
        return GANC_ERR(GANC_ERR_SHAPE, "input %s: H and W must be multiples of %d", sx, r->multiple);
    if (r->image_size && (x->shape[2] != r->image_size || x->shape[3] != r->image_size))
        return GANC_ERR(GANC_ERR_SHAPE, "input %s: expected %dx%d images (image_size = %d)", sx, r->image_size,
                        r->image_size, r->image_size);
    return GANC_OK;
}

static tensor *arch_root_forward(module *m, module_run *run, const tensor *x) {
    const arch_root *r = (const arch_root *)m;
    if (check_input(r, x)) return NULL;
    tensor *y = NULL;
    for (int i = 0; i < m->n_children; i++) {
        if (r->flatten_before_last && i == m->n_children - 1 && x)
            x = op_reshape(run->t, x, 2, (int[]){x->shape[0], -1});
        y = module_forward(m->children[i], run, x);
        x = y;
    }
    return y;
}

static const char *arch_root_onnx(module *m, onnx_graph *g, const char *x) {
    const arch_root *r = (const arch_root *)m;
    if (r->image_size) onnx_fix_input_size(g);
    for (int i = 0; i < m->n_children; i++) {
        if (r->flatten_before_last && i == m->n_children - 1)
            x = onnx_node(g, m, "Flatten", ONNX_IN(x), ONNX_ATTRS(ONNX_INT("axis", 1)));
        x = onnx_module(g, m->children[i], x);
    }
    return x;
}

/* One type per architecture, so the summary shows the reference's class. */
static const module_type ROOT_TYPES[] = {
    {.name = "ResnetGenerator", .forward = arch_root_forward, .onnx = arch_root_onnx},
    {.name = "UnetGenerator", .forward = arch_root_forward, .onnx = arch_root_onnx},
    {.name = "NLayerDiscriminator", .forward = arch_root_forward, .onnx = arch_root_onnx},
    {.name = "Classifier", .forward = arch_root_forward, .onnx = arch_root_onnx},
    {.name = "ResidualEncoder", .forward = arch_root_forward, .onnx = arch_root_onnx},
};

arch_root *arch_root_new(network *net, const char *type_name, int in_channels) {
    const module_type *type = NULL;
    for (size_t i = 0; i < sizeof ROOT_TYPES / sizeof ROOT_TYPES[0]; i++)
        if (strcmp(ROOT_TYPES[i].name, type_name) == 0) type = &ROOT_TYPES[i];
    if (!type) {
        GANC_ERR(GANC_ERR_ARG, "network %s: no architecture root named %s", net->name, type_name);
        return NULL;
    }
    arch_root *r = (arch_root *)module_alloc(net, type, "", sizeof *r);
    if (!r) return NULL;
    r->in_channels = in_channels;
    module_free(net->root);
    net->root = &r->base;
    return r;
}

static const char *const NORM_NAMES[] = {"instance", "batch", "none", NULL}; /* norm_kind order */

ganc_status arch_read_norm(config *c, const char *section, const char *def, norm_kind *out) {
    int index;
    ganc_status st = config_choice(c, section, "norm", def, NORM_NAMES, &index);
    if (!st) *out = (norm_kind)index;
    return st;
}

/* ---- networks ---- */

network *network_new(const char *name, const char *arch) {
    if (!name || !name[0] || strlen(name) >= sizeof ((network *)0)->name || strchr(name, '.')) {
        GANC_ERR(GANC_ERR_ARG, "network name \"%s\": expected 1 to %zu characters without dots", name ? name : "(null)",
                 sizeof ((network *)0)->name - 1);
        return NULL;
    }
    network *net = calloc(1, sizeof *net);
    if (!net) {
        GANC_ERR(GANC_ERR_MEMORY, "network %s: out of memory", name);
        return NULL;
    }
    snprintf(net->name, sizeof net->name, "%s", name);
    snprintf(net->arch, sizeof net->arch, "%s", arch ? arch : "custom");
    params_init(&net->params, name);
    params_init(&net->buffers, name);
    params_set_frozen(&net->buffers, true); /* state, never trained */
    net->training = true;
    rng_init(&net->rng, 0);
    return net;
}

void network_free(network *net) {
    if (!net) return;
    module_free(net->root);
    params_free(&net->params);
    params_free(&net->buffers);
    free(net);
}

enum { ARCH_RESNET, ARCH_UNET, ARCH_PATCHGAN, ARCH_CLASSIFIER, ARCH_RESIDUAL_ENCODER, ARCH_MLP };
static const char *const ARCH_NAMES[] = {"resnet_generator", "unet_generator", "patchgan", "classifier",
                                         "residual_encoder", "mlp", NULL};

static ganc_status build_arch(network *net, config *c, const char *section, int arch) {
    ganc_status st;
    switch (arch) {
    case ARCH_RESNET: {
        resnet_generator_opts o;
        return (st = resnet_generator_read(c, section, &o)) ? st : resnet_generator_build(net, &o);
    }
    case ARCH_UNET: {
        unet_generator_opts o;
        return (st = unet_generator_read(c, section, &o)) ? st : unet_generator_build(net, &o);
    }
    case ARCH_PATCHGAN: {
        patchgan_opts o;
        return (st = patchgan_read(c, section, &o)) ? st : patchgan_build(net, &o);
    }
    case ARCH_RESIDUAL_ENCODER: {
        residual_encoder_opts o;
        return (st = residual_encoder_read(c, section, &o)) ? st : residual_encoder_build(net, &o);
    }
    case ARCH_MLP: {
        mlp_opts o;
        return (st = mlp_read(c, section, &o)) ? st : mlp_build(net, &o);
    }
    default: {
        classifier_opts o;
        return (st = classifier_read(c, section, &o)) ? st : classifier_build(net, &o);
    }
    }
}

network *network_from_config(config *c, const char *section, const char *name, rng *init) {
    int arch, kind;
    double gain;
    ganc_status st = config_choice(c, section, "arch", NULL, ARCH_NAMES, &arch);
    if (!st) st = config_choice(c, section, "init", "normal", INIT_KIND_NAMES, &kind);
    if (!st) st = config_real(c, section, "init_gain", 0.02, 0, 100, &gain);
    if (st) return NULL;
    network *net = network_new(name, ARCH_NAMES[arch]);
    if (!net) return NULL;
    st = build_arch(net, c, section, arch);
    if (!st && init) st = network_init(net, (init_kind)kind, gain, init);
    if (st) {
        network_free(net);
        return NULL;
    }
    return net;
}

ganc_status network_init(network *net, init_kind kind, double gain, rng *init) {
    if (!net->root) return GANC_ERR(GANC_ERR_STATE, "network %s: nothing to initialise (no modules)", net->name);
    uint64_t hi = rng_u32_at(init->seed, rng_reserve(init, 1)), lo = rng_u32_at(init->seed, rng_reserve(init, 1));
    rng_init(&net->rng, hi << 32 | lo);
    return init_modules(net->root, kind, gain, init);
}

tensor *network_forward(network *net, tape *t, const tensor *x) {
    if (!net || !net->root) {
        GANC_ERR(GANC_ERR_STATE, "network_forward: network %s has no modules", net ? net->name : "(null)");
        return NULL;
    }
    module_run run = {.t = t, .training = net->training, .rng = &net->rng};
    return module_forward(net->root, &run, x);
}

void network_set_training(network *net, bool training) { net->training = training; }

int network_in_channels(const network *net) {
    if (!net->root || net->root->type->forward != arch_root_forward) return 0;
    return ((const arch_root *)net->root)->in_channels;
}

int network_input_multiple(const network *net) {
    if (!net->root || net->root->type->forward != arch_root_forward) return 1;
    int m = ((const arch_root *)net->root)->multiple;
    return m > 1 ? m : 1;
}

static void constrain_one(module *m, void *ctx) {
    if (m->type->constrain) m->type->constrain(m);
}

void network_apply_constraints(network *net) {
    if (net->root) module_visit(net->root, constrain_one, NULL);
}
