/* Face pinching: the residual_encoder and mlp architectures (layout,
 * parameter counts by formula, shapes, errors) and the bone helpers
 * (the bone set, its groups, errors, the default avatar, rendering). */
#include <string.h>

#include "core/ops/elementwise.h"
#include "experiments/face_pinch/bones.h"
#include "layers/architectures.h"
#include "tests/layers_support.h"
#include "tests/test.h"

static long conv_count(int in, int out, int k, bool bias) { return (long)in * out * k * k + (bias ? out : 0); }

static tensor *forward_random(network *net, tape *t, int ndim, const int *shape) {
    tensor *x = tape_tensor(t, ndim, shape, "x");
    if (!x) return NULL;
    rng r;
    rng_init(&r, 3);
    for (size_t i = 0; i < x->numel; i++) x->data[i] = (real)rng_normal(&r);
    return network_forward(net, t, x);
}

TEST(face_pinch_residual_encoder_layout) {
    network *net = support_network("[G]\narch = residual_encoder\nwidth = 4\nn_blocks = 3\nimage_size = 32\n"
                                   "norm = batch\n", "F", 1);
    REQUIRE(net);
    /* Blocks 3->4->8->16: two 3x3 convs and a 1x1 shortcut each, no conv
     * bias under batch norm, three BatchNorm2d (weight + bias) each. */
    long expect = 0;
    int in = 3;
    for (int i = 0, out = 4; i < 3; i++, out *= 2) {
        expect += conv_count(in, out, 3, false) + conv_count(out, out, 3, false) + conv_count(in, out, 1, false);
        expect += 3 * 2 * out;
        in = out;
    }
    CHECK(net->params.numel == (size_t)expect);
    CHECK(strcmp(net->params.entries[0].name, "F.blocks.0.conv1.weight") == 0);
    CHECK(params_find(&net->params, "F.blocks.1.norm2.bias"));
    CHECK(params_find(&net->params, "F.blocks.2.downsample.0.weight"));
    CHECK(params_find(&net->buffers, "F.blocks.2.downsample.1.running_var"));
    CHECK(strcmp(net->params.entries[net->params.count - 1].name, "F.blocks.2.downsample.1.bias") == 0);
    residual_encoder_opts o = {3, 4, 3, 32, NORM_BATCH};
    CHECK(residual_encoder_features(&o) == 16 * 4 * 4);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *y = forward_random(net, t, 4, (int[]){2, 3, 32, 32});
    CHECK(y && y->ndim == 2 && y->shape[0] == 2 && y->shape[1] == 256);
    /* ReLU after the residual sum: features are never negative. */
    bool non_negative = y != NULL;
    for (size_t i = 0; y && i < y->numel; i++) non_negative &= y->data[i] >= 0;
    CHECK(non_negative);
    CHECK(!forward_random(net, t, 4, (int[]){2, 3, 30, 30}));
    CHECK(strstr(ganc_error_message(), "image_size = 32"));
    network_free(net);

    /* Instance norm: convs keep their bias, the norms have no parameters. */
    net = support_network("[G]\narch = residual_encoder\nwidth = 2\nn_blocks = 1\nimage_size = 4\nnorm = instance\n",
                          "F", 1);
    REQUIRE(net);
    long with_bias = conv_count(3, 2, 3, true) + conv_count(2, 2, 3, true) + conv_count(3, 2, 1, true);
    CHECK(net->params.numel == (size_t)with_bias);
    network_free(net);
    tape_free(t);
}

TEST(face_pinch_mlp_layout) {
    network *net = support_network("[G]\narch = mlp\nin_features = 12\nwidth = 7\nlayers = 3\noutputs = 5\n"
                                   "out_activation = sigmoid\ndropout = 0.25\n", "R", 1);
    REQUIRE(net);
    CHECK(net->params.numel == (size_t)(12 * 7 + 7 + 7 * 7 + 7 + 7 * 5 + 5));
    /* Linear, ReLU, Dropout between Linears: indices 0, 3, 6. */
    CHECK(strcmp(net->params.entries[0].name, "R.net.0.weight") == 0);
    CHECK(params_find(&net->params, "R.net.3.weight"));
    CHECK(strcmp(net->params.entries[net->params.count - 1].name, "R.net.6.bias") == 0);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    network_set_training(net, false);
    tensor *a = forward_random(net, t, 2, (int[]){4, 12});
    tensor *b = forward_random(net, t, 4, (int[]){4, 3, 2, 2}); /* the same values, flattened */
    REQUIRE(a && b);
    CHECK(a->ndim == 2 && a->shape[0] == 4 && a->shape[1] == 5);
    bool same = true, in_range = true;
    for (size_t i = 0; i < a->numel; i++) {
        same &= a->data[i] == b->data[i];
        in_range &= a->data[i] > 0 && a->data[i] < 1;
    }
    CHECK(same && in_range);
    CHECK(!forward_random(net, t, 2, (int[]){4, 11}));
    CHECK(strstr(ganc_error_message(), "expected 12 features per sample"));
    network_free(net);
    tape_free(t);
}

TEST(face_pinch_config_errors_name_the_key) {
    support_expect_config_error(tc, "[G]\narch = residual_encoder\nimage_size = 40\n", "image_size", "2^n_blocks");
    support_expect_config_error(tc, "[G]\narch = residual_encoder\nn_blocks = 0\n", "test.ini:3", "n_blocks");
    support_expect_config_error(tc, "[G]\narch = mlp\nwidth = 8\n", "[G] in_features", "required");
    support_expect_config_error(tc, "[G]\narch = mlp\nin_features = 4\nout_activation = relu\n",
                                "out_activation", "sigmoid");
    support_expect_config_error(tc, "[G]\narch = mlp\nin_features = 4\ndropout = 1\n", "test.ini:4", "dropout");
}

TEST(face_pinch_bones_are_identity_geometry) {
    int per_group[PINCH_N_GROUPS] = {0};
    for (int i = 0; i < PINCH_N_BONES; i++) {
        CHECK(pinch_bone_param[i] < SYNTH_FIRST_EXPRESSION_PARAM); /* fixed per identity */
        for (int j = 0; j < i; j++) CHECK(pinch_bone_param[i] != pinch_bone_param[j]);
        per_group[pinch_bone_group[i]]++;
    }
    CHECK(per_group[PINCH_FACE_SHAPE] == 4 && per_group[PINCH_EYES] == 5 && per_group[PINCH_NOSE] == 3 &&
          per_group[PINCH_MOUTH] == 3);
    CHECK(strcmp(synth_param_name(pinch_bone_param[0]), "face_width") == 0);
    CHECK(strcmp(synth_param_name(pinch_bone_param[PINCH_N_BONES - 1]), "lip_thickness") == 0);
    CHECK(strcmp(pinch_group_name(PINCH_N_GROUPS), "all") == 0 && strcmp(pinch_group_name(PINCH_EYES), "eyes") == 0);
}

TEST(face_pinch_error_per_group) {
    float truth[SYNTH_N_PARAMS];
    for (int k = 0; k < SYNTH_N_PARAMS; k++) truth[k] = 0.5f;
    real pred[PINCH_N_BONES];
    for (int i = 0; i < PINCH_N_BONES; i++) pred[i] = (real)0.5;
    pred[0] = (real)0.75;  /* face shape: 0.25 */
    pred[4] = (real)1.75;  /* eyes: clamped to 1, error 0.5 */
    pred[12] = (real)-0.5; /* mouth: clamped to 0, error 0.5 */
    pinch_error e = {0};
    pinch_error_add(&e, pred, truth);
    pinch_error_add(&e, pred, truth);
    CHECK_NEAR(pinch_error_mae(&e, PINCH_FACE_SHAPE), 0.25 / 4, 1e-12);
    CHECK_NEAR(pinch_error_mae(&e, PINCH_EYES), 0.5 / 5, 1e-12);
    CHECK_NEAR(pinch_error_mae(&e, PINCH_NOSE), 0, 1e-12);
    CHECK_NEAR(pinch_error_mae(&e, PINCH_MOUTH), 0.5 / 3, 1e-12);
    CHECK_NEAR(pinch_error_mae(&e, PINCH_N_GROUPS), 1.25 / 15, 1e-12);
    CHECK(e.count[PINCH_N_GROUPS] == 30 && e.samples == 2);
    CHECK_NEAR(pinch_error_bone_mae(&e, 4), 0.5, 1e-12);
    CHECK_NEAR(pinch_error_bone_mae(&e, 1), 0, 1e-12);
    pinch_error none = {0};
    CHECK(pinch_error_mae(&none, PINCH_EYES) == 0);
}

TEST(face_pinch_virtual_faces_from_bones) {
    float p[SYNTH_N_PARAMS];
    pinch_default_params(p);
    CHECK(p[SYNTH_P_ROLL] == 0.5f && p[SYNTH_P_SMILE] == 0.5f && p[SYNTH_P_MOUTH_OPEN] == 0.0f);
    real bones[PINCH_N_BONES];
    for (int i = 0; i < PINCH_N_BONES; i++) bones[i] = (real)(i % 2 ? 1.5 : 0.2);
    pinch_set_bones(p, bones);
    CHECK(p[SYNTH_P_FACE_WIDTH] == 0.2f && p[SYNTH_P_FACE_LENGTH] == 1.0f && p[SYNTH_P_SKIN_TONE] == 0.3f);

    /* The render is the virtual engine's image of exactly these parameters. */
    enum { S = 48 };
    synth_renderer *r = synth_renderer_new(S, S);
    REQUIRE(r);
    static uint8_t rgb[S * S * 3], expect_rgb[S * S * 3];
    static real chw[3 * S * S], expect_chw[3 * S * S], other[3 * S * S];
    synth_face f = {0};
    memcpy(f.p, p, sizeof f.p);
    REQUIRE(synth_render(r, SYNTH_VIRTUAL, &f, expect_rgb, NULL, NULL) == GANC_OK);
    synth_rgb_to_chw(expect_rgb, S, S, expect_chw);
    REQUIRE(pinch_render_virtual(r, S, p, rgb, chw) == GANC_OK);
    CHECK(memcmp(chw, expect_chw, sizeof chw) == 0);
    /* Other bones, another face. */
    bones[0] = (real)0.9;
    pinch_set_bones(p, bones);
    REQUIRE(pinch_render_virtual(r, S, p, rgb, other) == GANC_OK);
    CHECK(memcmp(chw, other, sizeof chw) != 0);
    synth_renderer_free(r);
}
