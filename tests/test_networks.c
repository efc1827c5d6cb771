/* Whole networks: parameter counts against the reference models' numbers
 * (computed here by formula, layer by layer as networks.py builds them),
 * PyTorch parameter names, output shapes, train vs eval behaviour, the
 * summary, and every config and input error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/init.h"
#include "tests/layers_support.h"
#include "tests/test.h"

/* ---- the reference's parameter counts, by formula ---- */

static long conv_count(long in, long out, long k, bool bias) { return in * out * k * k + (bias ? out : 0); }

/* ResnetGenerator(in, out, ngf, n_blocks) of networks.py; BatchNorm2d adds
 * weight and bias, InstanceNorm2d(affine=False) nothing; convs followed by
 * a norm have a bias only under instance norm. */
static long resnet_count(long in, long out, long ngf, long blocks, bool batch) {
    bool b = !batch;
    long norm = batch ? 2 : 0;
    long n = conv_count(in, ngf, 7, b) + norm * ngf;
    n += conv_count(ngf, 2 * ngf, 3, b) + norm * 2 * ngf + conv_count(2 * ngf, 4 * ngf, 3, b) + norm * 4 * ngf;
    n += blocks * 2 * (conv_count(4 * ngf, 4 * ngf, 3, b) + norm * 4 * ngf);
    n += conv_count(4 * ngf, 2 * ngf, 3, b) + norm * 2 * ngf + conv_count(2 * ngf, ngf, 3, b) + norm * ngf;
    return n + conv_count(ngf, out, 7, true);
}

/* NLayerDiscriminator(in, ndf, n_layers). */
static long patchgan_count(long in, long ndf, int n_layers, bool batch) {
    long n = conv_count(in, ndf, 4, true), prev = 1, mult = 1;
    for (int i = 1; i <= n_layers; i++) {
        prev = mult;
        mult = (1 << i) < 8 ? (1 << i) : 8;
        n += conv_count(ndf * prev, ndf * mult, 4, !batch) + (batch ? 2 * ndf * mult : 0);
    }
    return n + conv_count(ndf * mult, 1, 4, true);
}

/* UnetGenerator(in, out, num_downs, ngf), innermost block first as the
 * reference constructs it. */
static long unet_block_count(long outer, long inner, long input, long sub, int where, bool batch) {
    long norm = batch ? 2 : 0;
    long down = conv_count(input, inner, 4, !batch);
    if (where < 0) return down + sub + conv_count(2 * inner, outer, 4, true);                 /* outermost */
    if (where > 0) return down + conv_count(inner, outer, 4, !batch) + norm * outer;          /* innermost */
    return down + norm * inner + sub + conv_count(2 * inner, outer, 4, !batch) + norm * outer; /* middle */
}

static long unet_count(long in, long out, int num_downs, long ngf, bool batch) {
    long n = unet_block_count(8 * ngf, 8 * ngf, 8 * ngf, 0, 1, batch);
    for (int i = 0; i < num_downs - 5; i++) n = unet_block_count(8 * ngf, 8 * ngf, 8 * ngf, n, 0, batch);
    n = unet_block_count(4 * ngf, 8 * ngf, 4 * ngf, n, 0, batch);
    n = unet_block_count(2 * ngf, 4 * ngf, 2 * ngf, n, 0, batch);
    n = unet_block_count(ngf, 2 * ngf, ngf, n, 0, batch);
    return unet_block_count(out, ngf, in, n, -1, batch);
}

/* Builds without initialising (init = NULL): counting needs no values. */
static network *build(const char *ini, const char *name) {
    config *c = config_new();
    network *net = c && !config_parse_string(c, ini, "test.ini") ? network_from_config(c, "G", name, NULL) : NULL;
    config_free(c);
    return net;
}

static const char *first_name(const network *net) { return net->params.entries[0].name; }
static const char *last_name(const network *net) { return net->params.entries[net->params.count - 1].name; }

TEST(networks_resnet9_matches_the_reference) {
    network *net = build("[G]\narch = resnet_generator\n", "G_A");
    REQUIRE(net);
    /* 11,378,179: the CycleGAN resnet_9blocks ngf 64 figure. */
    CHECK(net->params.numel == 11378179);
    CHECK(net->params.numel == (size_t)resnet_count(3, 3, 64, 9, false));
    CHECK(net->params.count == 48);
    CHECK(strcmp(first_name(net), "G_A.model.1.weight") == 0);
    CHECK(strcmp(net->params.entries[1].name, "G_A.model.1.bias") == 0);
    CHECK(strcmp(last_name(net), "G_A.model.26.bias") == 0);
    tensor *w = params_find(&net->params, "G_A.model.10.conv_block.5.weight");
    CHECK(w && w->ndim == 4 && w->shape[0] == 256 && w->shape[1] == 256 && w->shape[2] == 3);
    tensor *up = params_find(&net->params, "G_A.model.19.weight"); /* ConvTranspose2d: (in, out, k, k) */
    CHECK(up && up->shape[0] == 256 && up->shape[1] == 128 && up->shape[2] == 3);
    CHECK(net->buffers.count == 0);
    CHECK(strcmp(net->arch, "resnet_generator") == 0 && net->training);
    network_free(net);
}

TEST(networks_resnet_variants_shift_indices_like_the_reference) {
    network *net = build("[G]\narch = resnet_generator\nn_blocks = 6\nuse_dropout = true\n", "G");
    REQUIRE(net);
    CHECK(net->params.numel == (size_t)resnet_count(3, 3, 64, 6, false)); /* 7,837,699 */
    CHECK(params_find(&net->params, "G.model.10.conv_block.6.weight")); /* Dropout at index 4 */
    CHECK(!params_find(&net->params, "G.model.10.conv_block.5.weight"));
    CHECK(strcmp(last_name(net), "G.model.23.bias") == 0);
    network_free(net);

    net = build("[G]\narch = resnet_generator\nngf = 8\nn_blocks = 2\npadding = zero\nnorm = batch\n"
                "in_channels = 1\nout_channels = 2\n", "G");
    REQUIRE(net);
    CHECK(net->params.numel == (size_t)resnet_count(1, 2, 8, 2, true));
    CHECK(params_find(&net->params, "G.model.10.conv_block.0.weight")); /* no pad layers */
    CHECK(params_find(&net->params, "G.model.10.conv_block.3.weight"));
    CHECK(params_find(&net->params, "G.model.10.conv_block.4.weight")); /* BatchNorm2d */
    CHECK(!params_find(&net->params, "G.model.1.bias"));                /* no conv bias under batch norm */
    CHECK(params_find(&net->buffers, "G.model.2.running_mean") && params_find(&net->buffers, "G.model.2.running_var"));
    tensor *count = params_find(&net->buffers, "G.model.2.num_batches_tracked");
    CHECK(count && count->numel == 1 && count->requires_grad == false);
    network_free(net);
}

TEST(networks_patchgan_matches_the_reference) {
    network *net = build("[G]\narch = patchgan\n", "D_A");
    REQUIRE(net);
    /* 2,764,737: the 70x70 PatchGAN, ndf 64, n_layers 3, 3 input channels, instance norm. */
    CHECK(net->params.numel == 2764737);
    CHECK(net->params.numel == (size_t)patchgan_count(3, 64, 3, false));
    CHECK(strcmp(first_name(net), "D_A.model.0.weight") == 0);
    CHECK(strcmp(last_name(net), "D_A.model.11.bias") == 0);
    CHECK(params_find(&net->params, "D_A.model.8.weight") && params_find(&net->params, "D_A.model.8.bias"));
    network_free(net);

    /* pix2pix's conditional D: 6 channels, batch norm (2,768,705). */
    net = build("[G]\narch = patchgan\nin_channels = 6\nnorm = batch\nspectral_norm = true\n", "D");
    REQUIRE(net);
    CHECK(net->params.numel == (size_t)patchgan_count(6, 64, 3, true));
    CHECK(strcmp(first_name(net), "D.model.0.weight_orig") == 0);
    tensor *u = params_find(&net->buffers, "D.model.0.weight_u"), *v = params_find(&net->buffers, "D.model.0.weight_v");
    CHECK(u && u->numel == 64 && v && v->numel == 6 * 16);
    CHECK(params_find(&net->params, "D.model.3.weight") && params_find(&net->buffers, "D.model.3.running_var"));
    network_free(net);
}

TEST(networks_unet_matches_the_reference) {
    network *net = build("[G]\narch = unet_generator\n", "G");
    REQUIRE(net);
    /* unet_256 (ngf 64, batch norm): 54,413,955 by the formula, which
     * also gives pix2pix's printed "54.414 M". */
    CHECK(net->params.numel == 54413955);
    CHECK(net->params.numel == (size_t)unet_count(3, 3, 8, 64, true));
    CHECK(strcmp(first_name(net), "G.model.model.0.weight") == 0);
    CHECK(strcmp(last_name(net), "G.model.model.3.bias") == 0);
    CHECK(params_find(&net->params, "G.model.model.1.model.1.weight"));
    CHECK(params_find(&net->buffers, "G.model.model.1.model.2.running_mean"));
    /* The innermost block (level 7) sits at model.model + 6 x .1.model.3. */
    const char *inner = "G.model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight";
    tensor *w = params_find(&net->params, inner);
    CHECK(w && w->shape[0] == 512 && w->shape[1] == 512);
    network_free(net);

    net = build("[G]\narch = unet_generator\nnum_downs = 7\nngf = 8\nnorm = instance\nuse_dropout = false\n", "G");
    REQUIRE(net);
    CHECK(net->params.numel == (size_t)unet_count(3, 3, 7, 8, false));
    CHECK(net->buffers.count == 0);
    network_free(net);
}

TEST(networks_classifier_layout) {
    network *net = build("[G]\narch = classifier\nwidth = 8\ndepth = 3\noutputs = 5\nimage_size = 32\nnorm = batch\n",
                         "E1");
    REQUIRE(net);
    /* convs 3->8->16->32 (4x4, no bias under batch norm), BatchNorm2d each, Linear 32*4*4 -> 5 */
    long expect = conv_count(3, 8, 4, false) + 16 + conv_count(8, 16, 4, false) + 32 + conv_count(16, 32, 4, false) +
                  64 + 32 * 4 * 4 * 5 + 5;
    CHECK(net->params.numel == (size_t)expect);
    CHECK(strcmp(first_name(net), "E1.features.0.weight") == 0);
    CHECK(params_find(&net->params, "E1.features.1.weight"));
    CHECK(strcmp(last_name(net), "E1.head.bias") == 0);
    network_free(net);
}

/* ---- forward passes ---- */

static tensor *forward(network *net, tape *t, int n, int c, int h, int w, uint64_t seed) {
    tensor *x = tape_tensor(t, 4, (int[]){n, c, h, w}, "x");
    if (!x) return NULL;
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)rng_normal(&r);
    return network_forward(net, t, x);
}

static bool has_shape(const tensor *y, int ndim, const int *shape) {
    if (!y || y->ndim != ndim) return false;
    for (int i = 0; i < ndim; i++)
        if (y->shape[i] != shape[i]) return false;
    return true;
}

TEST(networks_output_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    network *g = support_network("[G]\narch = resnet_generator\nngf = 4\nn_blocks = 2\nout_channels = 2\n", "G", 1);
    REQUIRE(g);
    tensor *y = forward(g, t, 2, 3, 16, 12, 1);
    CHECK(has_shape(y, 4, (int[]){2, 2, 16, 12}));
    for (size_t i = 0; y && i < y->numel; i++) CHECK(y->data[i] > -1 && y->data[i] < 1); /* tanh */
    network_free(g);

    g = support_network("[G]\narch = unet_generator\nngf = 2\nnum_downs = 6\n", "G", 1);
    REQUIRE(g);
    CHECK(has_shape(forward(g, t, 1, 3, 64, 128, 2), 4, (int[]){1, 3, 64, 128}));
    network_free(g);

    /* The 70x70 PatchGAN maps 256x256 to 30x30 patches. */
    network *d = support_network("[G]\narch = patchgan\nndf = 2\n", "D", 1);
    REQUIRE(d);
    CHECK(has_shape(forward(d, t, 1, 3, 256, 256, 3), 4, (int[]){1, 1, 30, 30}));
    network_free(d);

    network *e =
        support_network("[G]\narch = classifier\nwidth = 4\ndepth = 2\noutputs = 7\nimage_size = 16\n", "E", 1);
    REQUIRE(e);
    CHECK(has_shape(forward(e, t, 3, 3, 16, 16, 4), 2, (int[]){3, 7}));
    network_free(e);
    tape_free(t);
}

/* head = false keeps the features: with the same feature weights, the full
 * classifier's output is its head (Linear) applied to them, flattened. */
TEST(networks_classifier_features_only) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const char *ini = "[G]\narch = classifier\nwidth = 4\ndepth = 2\noutputs = 3\nimage_size = 8\n";
    network *full = support_network(ini, "E", 5);
    network *feat = support_network("[G]\narch = classifier\nwidth = 4\ndepth = 2\nimage_size = 8\nhead = false\n",
                                    "E", 6);
    REQUIRE(full && feat);
    CHECK(feat->params.count == full->params.count - 2);
    CHECK(strcmp(last_name(feat), "E.features.2.bias") == 0);
    for (size_t i = 0; i < feat->params.count; i++) {
        tensor *src = params_find(&full->params, feat->params.entries[i].name), *dst = feat->params.entries[i].t;
        REQUIRE(src && src->numel == dst->numel);
        memcpy(dst->data, src->data, src->numel * sizeof(real));
    }
    tensor *y = forward(full, t, 2, 3, 8, 8, 7), *f = forward(feat, t, 2, 3, 8, 8, 7);
    REQUIRE(has_shape(f, 4, (int[]){2, 8, 2, 2}) && has_shape(y, 2, (int[]){2, 3}));
    tensor *w = params_find(&full->params, "E.head.weight"), *b = params_find(&full->params, "E.head.bias");
    REQUIRE(w && b);
    for (int n = 0; n < 2; n++)
        for (int o = 0; o < 3; o++) {
            double sum = b->data[o];
            for (int k = 0; k < 32; k++) sum += (double)w->data[o * 32 + k] * f->data[n * 32 + k];
            CHECK_NEAR(y->data[n * 3 + o], sum, 1e-5);
        }
    network_free(full);
    network_free(feat);
    tape_free(t);
}

static bool same_values(const tensor *a, const tensor *b) {
    if (!a || !b || a->numel != b->numel) return false;
    return memcmp(a->data, b->data, a->numel * sizeof(real)) == 0;
}

TEST(networks_train_and_eval_modes) {
    /* num_downs 6: one 8*ngf level with Dropout(0.5), batch norm everywhere. */
    network *g = support_network("[G]\narch = unet_generator\nngf = 2\nnum_downs = 6\n", "G", 9);
    REQUIRE(g);
    tensor *rm = params_find(&g->buffers, "G.model.model.1.model.2.running_mean");
    tensor *count = params_find(&g->buffers, "G.model.model.1.model.2.num_batches_tracked");
    REQUIRE(rm && count);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = forward(g, t, 2, 3, 64, 64, 5), *b = forward(g, t, 2, 3, 64, 64, 5);
    CHECK(a && b && !same_values(a, b)); /* train: the dropout masks differ */
    CHECK(count->data[0] == 2);
    bool moved = false;
    for (size_t i = 0; i < rm->numel; i++) moved |= rm->data[i] != 0;
    CHECK(moved);
    real before = rm->data[0];
    network_set_training(g, false);
    CHECK(!g->training);
    uint64_t counter = g->rng.counter;
    a = forward(g, t, 2, 3, 64, 64, 5);
    b = forward(g, t, 2, 3, 64, 64, 5);
    CHECK(a && b && same_values(a, b));
    CHECK(rm->data[0] == before && count->data[0] == 2 && g->rng.counter == counter);
    tape_free(t);
    network_free(g);
}

TEST(networks_seed_makes_initialisation_reproducible) {
    const char *ini = "[G]\narch = patchgan\nndf = 4\nn_layers = 2\n";
    network *a = support_network(ini, "D", 42), *b = support_network(ini, "D", 42), *c = support_network(ini, "D", 43);
    REQUIRE(a && b && c);
    CHECK(memcmp(a->params.data, b->params.data, a->params.numel * sizeof(real)) == 0);
    CHECK(memcmp(a->params.data, c->params.data, a->params.numel * sizeof(real)) != 0);
    CHECK(a->rng.seed == b->rng.seed && a->rng.seed != c->rng.seed);
    network_free(a);
    network_free(b);
    network_free(c);
}

/* ---- summary ---- */

static char *summary_text(const network *net, const int shape[4]) {
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f) return NULL;
    network_print_summary(net, shape, f);
    fclose(f);
    return text;
}

TEST(networks_summary_lists_layers_shapes_and_counts) {
    network *g = support_network("[G]\narch = resnet_generator\nngf = 4\nn_blocks = 1\n", "G_A", 1);
    REQUIRE(g);
    char *text = summary_text(g, (int[]){1, 3, 16, 16});
    REQUIRE(text);
    CHECK(strstr(text, "network G_A (resnet_generator), input (1,3,16,16)"));
    CHECK(strstr(text, "(network)") && strstr(text, "ResnetGenerator(ngf 4, 1 blocks)"));
    CHECK(strstr(text, "model.10.conv_block.1") && strstr(text, "Conv2d(16->16 k3 s1 p0)"));
    CHECK(strstr(text, "(1,16,4,4)") && strstr(text, "ConvTranspose2d(16->8 k3 s2 p1 op1)"));
    CHECK(resnet_count(3, 3, 4, 1, false) == 8739);
    CHECK_MSG(strstr(text, "total parameters: 8,739\n"), "%s", text);
    CHECK(strstr(text, "trainable parameters: 8,739\n"));
    free(text);
    params_set_frozen(&g->params, true);
    text = summary_text(g, (int[]){1, 3, 15, 16});
    REQUIRE(text);
    CHECK(strstr(text, "trainable parameters: 0\n"));
    CHECK(strstr(text, "forward pass failed") && strstr(text, "multiples of 4"));
    free(text);
    network_free(g);

    network *big = build("[G]\narch = resnet_generator\n", "G");
    REQUIRE(big);
    text = summary_text(big, (int[]){1, 3, 4, 4}); /* just the counts: the forward pass is tiny */
    REQUIRE(text);
    CHECK(strstr(text, "total parameters: 11,378,179\n"));
    free(text);
    network_free(big);
}

/* ---- errors ---- */

TEST(networks_config_errors_name_the_key) {
    support_expect_config_error(tc, "[G]\nngf = 4\n", "[G]", "\"arch\"");
    support_expect_config_error(tc, "[G]\narch = resnet\n", "test.ini:2", "resnet_generator");
    support_expect_config_error(tc, "[G]\narch = patchgan\nnorm = group\n", "norm", "instance");
    support_expect_config_error(tc, "[G]\narch = resnet_generator\nngf = 0\n", "test.ini:3", "ngf");
    support_expect_config_error(tc, "[G]\narch = patchgan\nn_layers = 0\n", "test.ini:3", "n_layers");
    support_expect_config_error(tc, "[G]\narch = resnet_generator\npadding = mirror\n", "padding", "reflect");
    support_expect_config_error(tc, "[G]\narch = unet_generator\nnum_downs = 1\n", "test.ini:3", "num_downs");
    support_expect_config_error(tc, "[G]\narch = classifier\nimage_size = 60\n", "image_size", "2^depth");
    support_expect_config_error(tc, "[G]\narch = patchgan\ninit = uniform\n", "init", "orthogonal");
    support_expect_config_error(tc, "[G]\narch = patchgan\ninit_gain = -1\n", "test.ini:3", "init_gain");
    support_expect_config_error(tc, "[G]\narch = patchgan\nspectral_norm = maybe\n", "spectral_norm", "true");

    /* Keys of another architecture are left unused, so the config check names them. */
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, "[G]\narch = resnet_generator\nndf = 64\n", "exp.ini") == GANC_OK);
    rng r;
    rng_init(&r, 1);
    network *net = network_from_config(c, "G", "G", NULL);
    REQUIRE(net);
    CHECK(config_check_unused(c) != GANC_OK);
    CHECK(strstr(ganc_error_message(), "exp.ini:3") && strstr(ganc_error_message(), "\"ndf\"") &&
          strstr(ganc_error_message(), "n_blocks"));
    network_free(net);
    config_free(c);

    CHECK(!network_new("G.A", "x") && strstr(ganc_error_message(), "without dots"));
    CHECK(!network_new("", "x"));
    CHECK(!network_new("a_name_that_is_much_too_long_for_it", "x"));
}

static void expect_forward_error(test_ctx *tc, network *net, int n, int c, int h, int w, const char *a, const char *b) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    CHECK(!forward(net, t, n, c, h, w, 1));
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, a) && strstr(msg, b), "message \"%s\" lacks \"%s\" or \"%s\"", msg, a, b);
    tape_free(t);
}

TEST(networks_input_errors_name_the_network) {
    network *g = support_network("[G]\narch = resnet_generator\nngf = 2\nn_blocks = 1\n", "G_A", 1);
    REQUIRE(g);
    expect_forward_error(tc, g, 1, 1, 16, 16, "G_A (ResnetGenerator)", "in_channels = 3");
    expect_forward_error(tc, g, 1, 3, 18, 16, "G_A (ResnetGenerator)", "multiples of 4");
    network_free(g);
    g = support_network("[G]\narch = unet_generator\nngf = 2\nnum_downs = 5\n", "G", 1);
    REQUIRE(g);
    expect_forward_error(tc, g, 1, 3, 48, 32, "UnetGenerator", "multiples of 32");
    network_free(g);
    g = support_network("[G]\narch = classifier\nwidth = 2\ndepth = 2\nimage_size = 16\n", "E", 1);
    REQUIRE(g);
    expect_forward_error(tc, g, 1, 3, 32, 32, "E (Classifier)", "image_size = 16");
    network_free(g);
    g = support_network("[G]\narch = patchgan\nndf = 2\n", "D", 1);
    REQUIRE(g);
    /* Too small for three stride-2 convs and two 4x4 ones: the failing layer names itself. */
    expect_forward_error(tc, g, 1, 3, 8, 8, "D.model.", "(Conv2d)");
    network_free(g);

    /* An upstream failure passes through without a new message. */
    tape *t = tape_new(device_cpu());
    g = support_network("[G]\narch = patchgan\nndf = 2\n", "D", 1);
    REQUIRE(t && g);
    GANC_ERR(GANC_ERR_SHAPE, "upstream");
    CHECK(!network_forward(g, t, NULL) && strstr(ganc_error_message(), "upstream"));
    network_free(g);
    tape_free(t);
}
