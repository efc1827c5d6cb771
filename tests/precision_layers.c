/* Finite-difference gradient checks of every layer type and of each whole
 * network at a tiny size, with respect to the inputs and the parameters.
 * They run in both precisions (float64: bound 1e-6). Functions with ReLU
 * kinks deep inside (blocks, networks) are checked in float64 only: the
 * float32 step h = 1e-2 moves some hidden pre-activation across zero,
 * which makes the central difference meaningless there.
 * Batch size 1 wherever a conv runs keeps the conv kernels serial, so the
 * thousands of evaluations are not paced by OpenMP start-up. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/gradcheck/gradcheck.h"
#include "core/ops/spatial.h"
#include "layers/blocks.h"
#include "layers/init.h"
#include "tests/layers_support.h"
#include "tests/test.h"

enum { CALL_SINGLE, CALL_ADALIN, CALL_SOFT_ADALIN };

typedef struct {
    network *net;
    module *m;
    int kind;
    tensor *in[3]; /* x, then gamma/beta or content/style */
    bool training;
    uint64_t rng_counter; /* every evaluation draws the same dropout mask */
    real *buffers;        /* buffer values restored before every evaluation */
    int upsample;         /* > 1: x is first upsampled (nearest) by this factor */
} layer_call;

static tensor *run_call(tape *t, void *ctx) {
    layer_call *c = ctx;
    c->net->rng.counter = c->rng_counter;
    if (c->buffers) memcpy(c->net->buffers.data, c->buffers, c->net->buffers.numel * sizeof(real));
    module_run run = {.t = t, .training = c->training, .rng = &c->net->rng};
    switch (c->kind) {
    case CALL_ADALIN: return adalin_forward(c->m, &run, c->in[0], c->in[1], c->in[2]);
    case CALL_SOFT_ADALIN: return soft_adalin_forward(c->m, &run, c->in[0], c->in[1], c->in[2]);
    default: break;
    }
    const tensor *x = c->in[0];
    if (c->upsample > 1) x = op_upsample_nearest(t, x, x->shape[2] * c->upsample, x->shape[3] * c->upsample);
    return module_forward(c->m, &run, x);
}

/* Parameters get O(1) values (the initialisers' 0.02 would make every
 * layer nearly linear); mixing weights stay inside (0, 1). */
static void randomize(network *net, rng *r) {
    for (size_t i = 0; i < net->params.count; i++) {
        tensor *p = net->params.entries[i].t;
        const char *name = net->params.entries[i].name;
        bool mixing = strstr(name, "rho") || strstr(name, "w_gamma") || strstr(name, "w_beta");
        for (size_t k = 0; k < p->numel; k++)
            p->data[k] = (real)(mixing ? 0.1 + 0.8 * rng_uniform(r) : 0.5 * rng_normal(r));
    }
}

#define MAX_WRT 48

/* Checks the call's output with respect to its inputs and every parameter
 * of the network, or only the first `max_params` of them (0: all, -1:
 * none). One OpenMP thread: thousands of evaluations of tiny layers would
 * otherwise be paced by the start-up of parallel regions, badly so on a
 * loaded machine. */
static void check_call(test_ctx *tc, const char *what, layer_call *c, int max_params) {
    tensor *wrt[MAX_WRT];
    int n = 0;
    for (int i = 0; i < 3; i++)
        if (c->in[i]) wrt[n++] = c->in[i];
    for (size_t i = 0;
         max_params >= 0 && i < c->net->params.count && n < MAX_WRT && (!max_params || (int)i < max_params); i++)
        wrt[n++] = c->net->params.entries[i].t;
    if (c->net->buffers.numel) {
        c->buffers = malloc(c->net->buffers.numel * sizeof(real));
        REQUIRE(c->buffers);
        memcpy(c->buffers, c->net->buffers.data, c->net->buffers.numel * sizeof(real));
    }
    gradcheck_result r;
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    ganc_status st = gradcheck_function(run_call, c, n, wrt, OP_COUNT, 0, &r);
    omp_set_num_threads(threads);
    CHECK_MSG(st == GANC_OK, "%s: could not run: %s", what, ganc_error_message());
    CHECK_MSG(st || r.passed, "%s: %s (max error %.3g over %zu elements)", what, r.message, r.max_error, r.checked);
    free(c->buffers);
    c->buffers = NULL;
}

/* ---- single layers ---- */

typedef struct {
    int kind;
    conv_opts conv;
    int channels;
} layer_spec;

static module *make_layer(network *net, void *arg) {
    const layer_spec *s = arg;
    switch (s->kind) {
    case 0: return conv2d_new(net, "m", s->conv);
    case 1: return conv_transpose2d_new(net, "m", s->conv);
    case 2: return linear_new(net, "m", s->conv.in_channels, s->conv.out_channels, s->conv.bias, s->conv.spectral_norm);
    case 3: return batch_norm_new(net, "m", s->channels, true);
    case 4: return instance_norm_new(net, "m", s->channels, true);
    case 5: return layer_norm_new(net, "m", 3, (int[]){s->channels, 3, 4}, true);
    case 6: return iln_new(net, "m", s->channels);
    case 7: return adalin_new(net, "m", s->channels);
    default: return soft_adalin_new(net, "m", s->channels);
    }
}

/* Builds the layer, randomises it, checks it on input (N,C,H,W) or (N,C). */
static void check_layer(test_ctx *tc, const char *what, layer_spec spec, int ndim, const int *shape, bool training) {
    rng r;
    rng_init(&r, 99);
    network *net = support_single(make_layer, &spec);
    REQUIRE(net);
    REQUIRE(network_init(net, INIT_NORMAL, 0.5, &r) == GANC_OK);
    randomize(net, &r);
    layer_call c = {.net = net, .m = net->root, .training = training};
    c.in[0] = support_input(ndim, shape, &r, "x");
    REQUIRE(c.in[0]);
    if (spec.kind >= 7) {
        c.kind = spec.kind == 7 ? CALL_ADALIN : CALL_SOFT_ADALIN;
        c.in[1] = support_input(2, (int[]){shape[0], shape[1]}, &r, spec.kind == 7 ? "gamma" : "content");
        c.in[2] = support_input(2, (int[]){shape[0], shape[1]}, &r, spec.kind == 7 ? "beta" : "style");
        REQUIRE(c.in[1] && c.in[2]);
    }
    check_call(tc, what, &c, 0);
    for (int i = 0; i < 3; i++) tensor_free(c.in[i]);
    network_free(net);
}

TEST(layers_gradcheck_conv2d) {
    conv_opts o = {.in_channels = 3, .out_channels = 4, .kernel = 3, .stride = 2, .padding = 1, .bias = true};
    check_layer(tc, "Conv2d", (layer_spec){0, o, 0}, 4, (int[]){2, 3, 7, 6}, true);
}

TEST(layers_gradcheck_conv_transpose2d) {
    conv_opts o = {.in_channels = 3, .out_channels = 2, .kernel = 3, .stride = 2, .padding = 1, .output_padding = 1,
                   .bias = true};
    check_layer(tc, "ConvTranspose2d", (layer_spec){1, o, 0}, 4, (int[]){2, 3, 4, 5}, true);
}

TEST(layers_gradcheck_linear) {
    conv_opts o = {.in_channels = 5, .out_channels = 3, .bias = true};
    check_layer(tc, "Linear", (layer_spec){2, o, 0}, 2, (int[]){4, 5}, true);
}

TEST(layers_gradcheck_batch_norm_train_and_eval) {
    check_layer(tc, "BatchNorm train", (layer_spec){.kind = 3, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
    check_layer(tc, "BatchNorm eval", (layer_spec){.kind = 3, .channels = 3}, 4, (int[]){2, 3, 3, 4}, false);
    check_layer(tc, "BatchNorm1d train", (layer_spec){.kind = 3, .channels = 3}, 2, (int[]){5, 3}, true);
}

TEST(layers_gradcheck_instance_and_layer_norm) {
    check_layer(tc, "InstanceNorm2d", (layer_spec){.kind = 4, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
    check_layer(tc, "LayerNorm", (layer_spec){.kind = 5, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
}

TEST(layers_gradcheck_iln_adalin_soft_adalin) {
    check_layer(tc, "ILN", (layer_spec){.kind = 6, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
    check_layer(tc, "adaLIN", (layer_spec){.kind = 7, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
    check_layer(tc, "SoftAdaLIN", (layer_spec){.kind = 8, .channels = 3}, 4, (int[]){2, 3, 3, 4}, true);
}

/* Spectral norm in eval mode (fixed u, v: exact), and in train mode once
 * the power iteration has converged, where the derivative of sigma through
 * u and v vanishes, so leaving it out (as PyTorch does) is exact too. */
static void check_spectral(test_ctx *tc, const char *what, layer_spec spec, int ndim, const int *shape) {
    rng r;
    rng_init(&r, 5);
    network *net = support_single(make_layer, &spec);
    REQUIRE(net);
    REQUIRE(network_init(net, INIT_NORMAL, 0.5, &r) == GANC_OK);
    randomize(net, &r);
    layer_call c = {.net = net, .m = net->root, .training = true};
    c.in[0] = support_input(ndim, shape, &r, "x");
    REQUIRE(c.in[0]);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    for (int i = 0; i < 200; i++) {
        tape_reset(t);
        REQUIRE(run_call(t, &c));
    }
    tape_free(t);
    check_call(tc, what, &c, 0);
    c.training = false;
    check_call(tc, what, &c, 0);
    tensor_free(c.in[0]);
    network_free(net);
}

TEST(layers_gradcheck_spectral_norm) {
    conv_opts conv = {.in_channels = 3, .out_channels = 4, .kernel = 3, .stride = 1, .padding = 1, .bias = true,
                      .spectral_norm = true};
    check_spectral(tc, "Conv2d SN", (layer_spec){0, conv, 0}, 4, (int[]){2, 3, 4, 4});
    conv.out_channels = 2;
    conv.stride = 2;
    conv.output_padding = 1;
    check_spectral(tc, "ConvTranspose2d SN", (layer_spec){1, conv, 0}, 4, (int[]){2, 3, 3, 3});
    conv_opts lin = {.in_channels = 5, .out_channels = 3, .bias = false, .spectral_norm = true};
    check_spectral(tc, "Linear SN", (layer_spec){2, lin, 0}, 2, (int[]){4, 5});
}

/* ---- blocks and parameter-free layers, in one Sequential ---- */

static module *make_basic_stack(network *net, void *arg) {
    module *seq = sequential_new(net, "m");
    char p[32];
    conv_opts o = {.in_channels = 2, .out_channels = 2, .kernel = 3, .bias = true};
    bool ok = seq && !module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 2, PAD_REFLECT)) &&
              !module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), o)) &&
              !module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 1, PAD_REPLICATE)) &&
              !module_add_child(seq, pad_new(net, module_next_path(seq, p, sizeof p), 1, PAD_ZERO)) &&
              !module_add_child(seq, leaky_relu_new(net, module_next_path(seq, p, sizeof p), 0.2)) &&
              !module_add_child(seq, upsample_new(net, module_next_path(seq, p, sizeof p), 2, false, false)) &&
              !module_add_child(seq, avg_pool_new(net, module_next_path(seq, p, sizeof p), 2)) &&
              !module_add_child(seq, upsample_new(net, module_next_path(seq, p, sizeof p), 2, true, true)) &&
              !module_add_child(seq, upsample_new(net, module_next_path(seq, p, sizeof p), 1, true, false)) &&
              !module_add_child(seq, dropout_new(net, module_next_path(seq, p, sizeof p), 0.3)) &&
              !module_add_child(seq, tanh_new(net, module_next_path(seq, p, sizeof p))) &&
              !module_add_child(seq, identity_new(net, module_next_path(seq, p, sizeof p))) &&
              !module_add_child(seq, sigmoid_new(net, module_next_path(seq, p, sizeof p))) &&
              !module_add_child(seq, global_avg_pool_new(net, module_next_path(seq, p, sizeof p))) &&
              !module_add_child(seq, flatten_new(net, module_next_path(seq, p, sizeof p))) &&
              !module_add_child(seq, linear_new(net, module_next_path(seq, p, sizeof p), 2, 3, true, false)) &&
              !module_add_child(seq, relu_new(net, module_next_path(seq, p, sizeof p)));
    if (!ok) module_free(seq);
    return ok ? seq : NULL;
}

static module *make_resnet_block(network *net, void *arg) {
    return resnet_block_new(net, "m", 3, *(const pad_mode *)arg, NORM_INSTANCE, true, true);
}

static module *make_resnet_block_batch(network *net, void *arg) {
    return resnet_block_new(net, "m", 3, PAD_ZERO, NORM_BATCH, false, false);
}

static module *make_hourglass(network *net, void *arg) { return hourglass_new(net, "m", 4, *(const bool *)arg); }

#define SKIP_IF_FLOAT32()                                                                                  \
    do {                                                                                                  \
        if (!REAL_IS_DOUBLE) SKIP("ReLU kinks inside: checked in the float64 runner (h = 1e-2 crosses them)"); \
    } while (0)

static void check_built(test_ctx *tc, const char *what, module *(*make)(network *, void *), void *arg, int ndim,
                        const int *shape, int max_params, int upsample) {
    rng r;
    rng_init(&r, 7);
    network *net = support_single(make, arg);
    REQUIRE(net);
    REQUIRE(network_init(net, INIT_NORMAL, 0.5, &r) == GANC_OK);
    randomize(net, &r);
    layer_call c = {.net = net, .m = net->root, .training = true, .rng_counter = 17, .upsample = upsample};
    c.in[0] = support_input(ndim, shape, &r, "x");
    REQUIRE(c.in[0]);
    check_call(tc, what, &c, max_params);
    tensor_free(c.in[0]);
    network_free(net);
}

TEST(layers_gradcheck_basic_layers) {
    SKIP_IF_FLOAT32();
    check_built(tc, "pads, upsampling, pooling, dropout, activations", make_basic_stack, NULL, 4, (int[]){1, 2, 3, 4},
                0, 1);
}

TEST(layers_gradcheck_resnet_block) {
    SKIP_IF_FLOAT32();
    pad_mode reflect = PAD_REFLECT, replicate = PAD_REPLICATE;
    check_built(tc, "ResnetBlock reflect, dropout", make_resnet_block, &reflect, 4, (int[]){1, 3, 4, 4}, 0, 1);
    check_built(tc, "ResnetBlock replicate, dropout", make_resnet_block, &replicate, 4, (int[]){1, 3, 4, 5}, 0, 1);
    check_built(tc, "ResnetBlock zero, batch norm", make_resnet_block_batch, NULL, 4, (int[]){1, 3, 4, 4}, 0, 1);
}

TEST(layers_gradcheck_hourglass) {
    SKIP_IF_FLOAT32();
    bool res = true;
    /* A 4x4 input upsampled to 64x64 keeps the evaluations few; at 64x64 the
     * bottom level's instance norms see 4x4 values (at 32x32 their 2x2
     * groups make float64 rounding noise reach 1e-6 of the gradient).
     * Checked: the input and the first ConvBlock's four convs. The graph
     * without the residual head (Conv1(HG(x))) is part of this one. */
    check_built(tc, "HourGlass", make_hourglass, &res, 4, (int[]){1, 4, 4, 4}, 4, 16);
}

/* ---- whole networks at tiny sizes ---- */

static void check_network(test_ctx *tc, const char *what, const char *ini, int ndim, const int *shape, bool training,
                          int max_params) {
    rng r;
    rng_init(&r, 11);
    network *net = support_network(ini, "G", 3);
    REQUIRE(net);
    randomize(net, &r);
    layer_call c = {.net = net, .m = net->root, .training = training, .rng_counter = 5};
    c.in[0] = support_input(ndim, shape, &r, "x");
    REQUIRE(c.in[0]);
    check_call(tc, what, &c, max_params);
    tensor_free(c.in[0]);
    network_free(net);
}

TEST(layers_gradcheck_resnet_generator) {
    SKIP_IF_FLOAT32();
    check_network(tc, "resnet_generator",
                  "[G]\narch = resnet_generator\nngf = 2\nn_blocks = 1\nuse_dropout = true\n", 4,
                  (int[]){1, 3, 8, 8}, true, 0);
}

TEST(layers_gradcheck_unet_generator) {
    SKIP_IF_FLOAT32();
    check_network(tc, "unet_generator", "[G]\narch = unet_generator\nngf = 2\nnum_downs = 4\nnorm = batch\n", 4,
                  (int[]){1, 3, 16, 16}, true, 0);
}

TEST(layers_gradcheck_patchgan) {
    SKIP_IF_FLOAT32();
    check_network(tc, "patchgan SN", "[G]\narch = patchgan\nndf = 4\nn_layers = 2\nspectral_norm = true\n", 4,
                  (int[]){1, 3, 16, 16}, false, 0);
}

TEST(layers_gradcheck_classifier) {
    SKIP_IF_FLOAT32();
    check_network(tc, "classifier",
                  "[G]\narch = classifier\nwidth = 3\ndepth = 2\noutputs = 2\nimage_size = 8\nnorm = batch\n", 4,
                  (int[]){1, 3, 8, 8}, true, 0);
}
