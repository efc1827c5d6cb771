/* ONNX export against onnxruntime: every architecture ganc trains, and a
 * small U-GAT-IT-like network built here by hand (encoder with ILN, an
 * hourglass, CAM logit and heatmap outputs, adaLIN and Soft-AdaLIN, and
 * every other layer of layers/layers.h but ConvTranspose2d, which the
 * generators have), exported and run by
 * onnxruntime on the same inputs as ganc, max |diff| <= 1e-4, after
 * onnx.checker accepts the file. Without onnxruntime these tests SKIP;
 * the error tests and the reader tests (test_export_files.c) run anyway. */
#include <unistd.h>

#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "core/ops/spatial.h"
#include "core/ops/view.h"
#include "layers/blocks.h"
#include "layers/onnx.h"
#include "tests/export_support.h"
#include "tests/test.h"

/* ---- architectures from configs ---- */

/* Builds [G] from `ini`, randomises it, lets it train-mode forward
 * `settle` times (spectral-norm vectors converge as in training), writes
 * ganc's output on `run_shape` and exports with `o`; then onnxruntime
 * must agree. */
static void check_config_net(test_ctx *tc, const char *ini, onnx_export_opts o, const int run_shape[4], int settle) {
    if (!export_have_python(ORT_MODULES)) SKIP(ORT_MISSING);
    char dir[64], model[128];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    network *net = support_network(ini, "G", 3);
    REQUIRE(net && export_randomise(net, 5) == GANC_OK);
    REQUIRE(export_settle(net, o.input_shape, settle) == GANC_OK);
    REQUIRE(export_reference(net, run_shape, 11, dir, "ref") == GANC_OK);
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    network_set_training(net, true);
    REQUIRE(onnx_export_network(net, &o, model) == GANC_OK);
    CHECK_MSG(net->training, "the export restores train mode");
    CHECK_MSG(export_check_ort(model, dir, "ref", NULL), "onnxruntime disagrees with ganc (see above)");
    network_free(net);
    export_rmdir(dir);
}

/* The small CycleGAN's generator (experiments/cyclegan/cyclegan_small.ini). */
static const char RESNET_INI[] = "[G]\narch = resnet_generator\nngf = 16\nn_blocks = 3\nnorm = instance\n";

TEST(export_onnx_resnet_generator_matches_onnxruntime) {
    onnx_export_opts o = {.input_shape = {1, 3, 32, 32}};
    check_config_net(tc, RESNET_INI, o, o.input_shape, 0);
}

/* Exported at 32x32, run at batch 2 and 40x48. */
TEST(export_onnx_resnet_generator_dynamic_sizes) {
    onnx_export_opts o = {.input_shape = {1, 3, 32, 32}, .dynamic = true, .opset = 13};
    check_config_net(tc, RESNET_INI, o, (int[]){2, 3, 40, 48}, 0);
}

/* The pix2pix U-Net (pix2pix_small.ini): batch norm in eval mode with its
 * running statistics, dropout left out, skip concatenations. */
TEST(export_onnx_unet_generator_matches_onnxruntime) {
    onnx_export_opts o = {.input_shape = {2, 3, 32, 32}};
    check_config_net(tc,
                     "[G]\narch = unet_generator\nngf = 16\nnum_downs = 5\nnorm = batch\nuse_dropout = true\n", o,
                     o.input_shape, 0);
}

/* Spectral norm: the initializer is W / sigma from the stored vectors
 * (after 20 power iterations; from the random start sigma is far too
 * small and the logits reach 1e9). */
TEST(export_onnx_patchgan_spectral_norm_matches_onnxruntime) {
    onnx_export_opts o = {.input_shape = {2, 6, 32, 32}, .opset = 21};
    check_config_net(tc, "[G]\narch = patchgan\nin_channels = 6\nndf = 8\nn_layers = 3\nnorm = batch\n"
                         "spectral_norm = true\n",
                     o, o.input_shape, 20);
}

/* Flatten + Gemm: a dynamic export keeps H and W (image_size) fixed. */
TEST(export_onnx_classifier_matches_onnxruntime) {
    onnx_export_opts o = {.input_shape = {1, 3, 32, 32}, .dynamic = true};
    check_config_net(tc,
                     "[G]\narch = classifier\nwidth = 8\ndepth = 3\noutputs = 5\nimage_size = 32\nnorm = instance\n", o,
                     (int[]){3, 3, 32, 32}, 0);
}

/* ---- a U-GAT-IT-like network built by hand ---- */

enum { MINI_C = 8 };
enum { ENC, HG, GAP_FC, CONV1X1, RELU, FC, GAMMA, BETA, ADA, SOFT, DEC, MINI_CHILDREN };

typedef struct {
    module base;
    tensor *cam_logit, *heatmap; /* side outputs of the last forward */
} mini_root;

static tensor *pooled(tape *t, const tensor *x) {
    return x ? op_reshape(t, op_global_avg_pool(t, x), 2, (int[]){x->shape[0], x->shape[1]}) : NULL;
}

/* U-GAT-IT's generator in small: CAM weighting by the logit layer's
 * weights, a heatmap, gamma and beta from an MLP, then the decoder. */
static tensor *mini_forward(module *m, module_run *run, const tensor *x) {
    mini_root *r = (mini_root *)m;
    module **c = m->children;
    tape *t = run->t;
    tensor *h = module_forward(c[HG], run, module_forward(c[ENC], run, x));
    r->cam_logit = module_forward(c[GAP_FC], run, pooled(t, h));
    tensor *w = op_reshape(t, c[GAP_FC]->weight, 4, (int[]){1, MINI_C, 1, 1});
    h = module_forward(c[RELU], run, module_forward(c[CONV1X1], run, op_mul(t, h, w)));
    r->heatmap = op_sum(t, h, 1u << 1, true);
    tensor *style = module_forward(c[FC], run, h);
    h = adalin_forward(c[ADA], run, h, module_forward(c[GAMMA], run, style), module_forward(c[BETA], run, style));
    h = soft_adalin_forward(c[SOFT], run, h, pooled(t, h), style);
    return module_forward(c[DEC], run, h);
}

static const char *pooled_onnx(onnx_graph *g, const module *m, const char *x) {
    const char *p = onnx_node(g, m, "GlobalAveragePool", ONNX_IN(x), ONNX_NO_ATTRS);
    return onnx_node(g, m, "Flatten", ONNX_IN(p), ONNX_ATTRS(ONNX_INT("axis", 1)));
}

static const char *mini_onnx(module *m, onnx_graph *g, const char *x) {
    module **c = m->children;
    const char *h = onnx_module(g, c[HG], onnx_module(g, c[ENC], x));
    const char *cam = onnx_module(g, c[GAP_FC], pooled_onnx(g, m, h));
    const char *w = onnx_to_nc11(g, m, onnx_param(g, c[GAP_FC], "weight", c[GAP_FC]->weight));
    h = onnx_module(g, c[RELU], onnx_module(g, c[CONV1X1], onnx_node(g, m, "Mul", ONNX_IN(h, w), ONNX_NO_ATTRS)));
    const char *heatmap = onnx_reduce(g, m, "ReduceSum", h, 1, (int64_t[]){1}, true);
    const char *style = onnx_module(g, c[FC], h);
    h = adalin_onnx(c[ADA], g, h, onnx_module(g, c[GAMMA], style), onnx_module(g, c[BETA], style));
    h = soft_adalin_onnx(c[SOFT], g, h, pooled_onnx(g, m, h), style);
    const char *image = onnx_module(g, c[DEC], h);
    if (onnx_add_output(g, cam, "cam_logit", 2) || onnx_add_output(g, heatmap, "heatmap", 4)) return NULL;
    return image;
}

static const module_type mini_type = {.name = "MiniUGATIT", .forward = mini_forward, .onnx = mini_onnx};

static ganc_status add(module *parent, module *child) { return module_add_child(parent, child); }

static module *mini_sequential(network *net, const char *path, module *(*fill)(network *, module *)) {
    module *seq = sequential_new(net, path);
    return seq ? fill(net, seq) : NULL;
}

#define NEXT(seq) module_next_path(seq, p, sizeof p)

static module *fill_encoder(network *net, module *s) {
    char p[MODULE_PATH_MAX];
    ganc_status st = add(s, pad_new(net, NEXT(s), 3, PAD_REFLECT));
    if (!st) st = add(s, conv2d_new(net, NEXT(s), (conv_opts){.in_channels = 3, .out_channels = MINI_C, .kernel = 7,
                                                               .bias = true}));
    if (!st) st = add(s, instance_norm_new(net, NEXT(s), MINI_C, true));
    if (!st) st = add(s, relu_new(net, NEXT(s)));
    if (!st) st = add(s, conv2d_new(net, NEXT(s), (conv_opts){.in_channels = MINI_C, .out_channels = MINI_C,
                                                               .kernel = 3, .stride = 2, .padding = 1}));
    if (!st) st = add(s, iln_new(net, NEXT(s), MINI_C));
    if (!st) st = add(s, relu_new(net, NEXT(s)));
    if (!st) st = add(s, layer_norm_new(net, NEXT(s), 3, (int[]){MINI_C, 32, 32}, false));
    return st ? (module_free(s), NULL) : s;
}

/* AdaptiveAvgPool2d(1), Flatten, then Linear + ReLU twice. */
static module *fill_mlp(network *net, module *s) {
    char p[MODULE_PATH_MAX];
    ganc_status st = add(s, global_avg_pool_new(net, NEXT(s)));
    if (!st) st = add(s, flatten_new(net, NEXT(s)));
    for (int i = 0; !st && i < 2; i++) {
        st = add(s, linear_new(net, NEXT(s), MINI_C, MINI_C, true, false));
        if (!st) st = add(s, relu_new(net, NEXT(s)));
    }
    return st ? (module_free(s), NULL) : s;
}

/* 32x32 in, 64x64x3 out; BatchNorm without affine, LayerNorm over (C,64,64). */
static module *fill_decoder(network *net, module *s) {
    char p[MODULE_PATH_MAX];
    ganc_status st = add(s, upsample_new(net, NEXT(s), 2, false, false));
    if (!st) st = add(s, pad_new(net, NEXT(s), 1, PAD_ZERO));
    if (!st) st = add(s, conv2d_new(net, NEXT(s), (conv_opts){.in_channels = MINI_C, .out_channels = MINI_C,
                                                               .kernel = 3, .bias = true}));
    if (!st) st = add(s, batch_norm_new(net, NEXT(s), MINI_C, false));
    if (!st) st = add(s, layer_norm_new(net, NEXT(s), 3, (int[]){MINI_C, 64, 64}, true));
    if (!st) st = add(s, sigmoid_new(net, NEXT(s)));
    if (!st) st = add(s, upsample_new(net, NEXT(s), 2, true, true));
    if (!st) st = add(s, avg_pool_new(net, NEXT(s), 2));
    if (!st) st = add(s, upsample_new(net, NEXT(s), 2, true, false));
    if (!st) st = add(s, avg_pool_new(net, NEXT(s), 2));
    if (!st) st = add(s, dropout_new(net, NEXT(s), 0.5));
    if (!st) st = add(s, identity_new(net, NEXT(s)));
    if (!st) st = add(s, leaky_relu_new(net, NEXT(s), 0.2));
    if (!st) st = add(s, pad_new(net, NEXT(s), 3, PAD_REPLICATE));
    if (!st) st = add(s, conv2d_new(net, NEXT(s), (conv_opts){.in_channels = MINI_C, .out_channels = 3, .kernel = 7,
                                                               .bias = true}));
    if (!st) st = add(s, tanh_new(net, NEXT(s)));
    return st ? (module_free(s), NULL) : s;
}

static network *mini_network(void) {
    network *net = network_new("M", "mini_ugatit");
    mini_root *r = net ? (mini_root *)module_alloc(net, &mini_type, "", sizeof *r) : NULL;
    if (!r) {
        network_free(net);
        return NULL;
    }
    net->root = &r->base;
    module *m = &r->base;
    conv_opts c1 = {.in_channels = MINI_C, .out_channels = MINI_C, .kernel = 1, .bias = true};
    ganc_status st = add(m, mini_sequential(net, "enc", fill_encoder));
    if (!st) st = add(m, hourglass_new(net, "hg", MINI_C, true));
    if (!st) st = add(m, linear_new(net, "gap_fc", MINI_C, 1, false, false));
    if (!st) st = add(m, conv2d_new(net, "conv1x1", c1));
    if (!st) st = add(m, relu_new(net, "relu"));
    if (!st) st = add(m, mini_sequential(net, "fc", fill_mlp));
    if (!st) st = add(m, linear_new(net, "gamma", MINI_C, MINI_C, true, false));
    if (!st) st = add(m, linear_new(net, "beta", MINI_C, MINI_C, true, false));
    if (!st) st = add(m, adalin_new(net, "ada", MINI_C));
    if (!st) st = add(m, soft_adalin_new(net, "soft", MINI_C));
    if (!st) st = add(m, mini_sequential(net, "dec", fill_decoder));
    if (!st && m->n_children != MINI_CHILDREN) st = GANC_ERR(GANC_ERR_STATE, "mini network: wrong child count");
    if (st) {
        network_free(net);
        return NULL;
    }
    return net;
}

/* ganc's three outputs on a (2,3,64,64) input as DIR/mini.*.npy. */
static ganc_status mini_reference(network *net, const char *dir) {
    ganc_status st = export_reference(net, (int[]){2, 3, 64, 64}, 21, dir, "mini");
    if (st) return st;
    /* The side outputs of the same forward, run again (eval mode is deterministic). */
    tape *t = tape_new(device_cpu());
    if (!t) return ganc_error_status();
    tape_no_grad_begin(t);
    tensor *x = export_input(t, (int[]){2, 3, 64, 64}, 21);
    tensor *y = x ? network_forward(net, t, x) : NULL;
    mini_root *r = (mini_root *)net->root;
    char path[512];
    snprintf(path, sizeof path, "%s/mini.cam_logit.npy", dir);
    st = y ? npy_write_f32(path, r->cam_logit->ndim, r->cam_logit->shape, r->cam_logit->data) : ganc_error_status();
    snprintf(path, sizeof path, "%s/mini.heatmap.npy", dir);
    if (!st) st = npy_write_f32(path, r->heatmap->ndim, r->heatmap->shape, r->heatmap->data);
    tape_no_grad_end(t);
    tape_free(t);
    return st;
}

/* Every opset ganc writes where the ops changed: 13 (the first), 17 (the
 * default), 18 (Reduce* axes become inputs), 21 (the last). */
TEST(export_onnx_adalin_network_three_outputs_match_onnxruntime) {
    if (!export_have_python(ORT_MODULES)) SKIP(ORT_MISSING);
    char dir[64], model[128], extra[512];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    network *net = mini_network();
    REQUIRE(net && export_randomise(net, 9) == GANC_OK);
    REQUIRE(mini_reference(net, dir) == GANC_OK);
    snprintf(extra, sizeof extra, "--reference cam_logit=%s/mini.cam_logit.npy --reference heatmap=%s/mini.heatmap.npy",
             dir, dir);
    const int opsets[] = {13, 17, 18, 21};
    for (int i = 0; i < 4; i++) {
        snprintf(model, sizeof model, "%s/mini_%d.onnx", dir, opsets[i]);
        onnx_export_opts o = {.input_shape = {2, 3, 64, 64}, .opset = opsets[i]};
        CHECK_MSG(onnx_export_network(net, &o, model) == GANC_OK, "opset %d: %s", opsets[i], ganc_error_message());
        CHECK_MSG(export_check_ort(model, dir, "mini", extra), "opset %d: onnxruntime disagrees (see above)",
                  opsets[i]);
    }
    network_free(net);
    export_rmdir(dir);
}

/* ---- errors ---- */

static tensor *mystery_forward(module *m, module_run *run, const tensor *x) { return op_neg(run->t, x); }
static const module_type mystery_type = {.name = "Mystery", .forward = mystery_forward};

TEST(export_onnx_unsupported_layer_names_it) {
    network *net = network_new("N", "test");
    REQUIRE(net);
    net->root = sequential_new(net, "body");
    REQUIRE(net->root && add(net->root, relu_new(net, "body.0")) == GANC_OK);
    REQUIRE(add(net->root, module_alloc(net, &mystery_type, "body.1", sizeof(module))) == GANC_OK);
    onnx_export_opts o = {.input_shape = {1, 3, 8, 8}};
    CHECK(onnx_export_network(net, &o, "/tmp/ganc_never_written.onnx") == GANC_ERR_UNSUPPORTED);
    CHECK_MSG(strstr(ganc_error_message(), "N.body.1 (Mystery): this layer has no ONNX mapping"), "%s",
              ganc_error_message());
    CHECK(access("/tmp/ganc_never_written.onnx", F_OK) != 0);
    /* A several-input layer on its own: its parent must map it. */
    module_free(net->root->children[1]);
    net->root->children[1] = adalin_new(net, "body.1", 3);
    REQUIRE(net->root->children[1]);
    CHECK(onnx_export_network(net, &o, "/tmp/ganc_never_written.onnx") != GANC_OK);
    CHECK_MSG(strstr(ganc_error_message(), "takes several inputs"), "%s", ganc_error_message());
    network_free(net);
}

TEST(export_onnx_refuses_bad_shapes_and_opsets) {
    network *net = support_network(RESNET_INI, "G", 1);
    REQUIRE(net);
    onnx_export_opts o = {.input_shape = {1, 3, 30, 30}};
    CHECK(onnx_export_network(net, &o, "/tmp/ganc_never_written.onnx") != GANC_OK);
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "does not run on input (1,3,30,30)") && strstr(msg, "multiples of 4"), "%s", msg);
    o = (onnx_export_opts){.input_shape = {1, 3, 32, 32}, .opset = 12};
    CHECK(onnx_export_network(net, &o, "/tmp/ganc_never_written.onnx") == GANC_ERR_ARG);
    CHECK_MSG(strstr(ganc_error_message(), "opset 12 is not supported; ganc writes opsets 13 to 21"), "%s",
              ganc_error_message());
    o = (onnx_export_opts){.input_shape = {1, 3, 32, 0}};
    CHECK(onnx_export_network(net, &o, "/tmp/ganc_never_written.onnx") != GANC_OK);
    o = (onnx_export_opts){.input_shape = {1, 3, 32, 32}};
    CHECK(onnx_export_network(net, &o, "/nonexistent_dir/g.onnx") == GANC_ERR_IO);
    CHECK_MSG(strstr(ganc_error_message(), "/nonexistent_dir/g.onnx"), "%s", ganc_error_message());
    network_free(net);
}
