/* The term registry ([loss.NAME] sections), what a term sees
 * (loss_inputs) and loss plugins: each kind computes what its loss
 * function computes, defaults show in the resolved config, the example
 * plugin's value by hand and a few training steps with it, and every
 * error path names the section, key or file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/loss.h"
#include "core/ops/shape.h"
#include "losses/canny.h"
#include "losses/feature.h"
#include "losses/gan.h"
#include "losses/loss.h"
#include "losses/pixel.h"
#include "optim/adam.h"
#include "tests/loss_nets.h"
#include "tests/test.h"

static bool error_mentions(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

static double ramp(size_t i) { return 0.1 * (double)(i % 17) - 0.8; }
static double wave(size_t i) { return 0.9 * cos(0.7 * (double)i); }
static double bump(size_t i) { return 0.6 * sin(1.1 * (double)i + 0.4); }

/* Images and networks of a pretend CycleGAN step, persistent so that
 * gradients and several steps can use them. */
typedef struct {
    tensor *img[8];
    tensor *feat[2], *seg[2], *cam[4];
    network e1, e2, id, c, domain;
    loss_inputs in;
} step;

static const char *const IMG_NAMES[8] = {"real_A", "real_B", "fake_A", "fake_B", "rec_A", "rec_B", "idt_A", "idt_B"};
static const char *const CAM_NAMES[4] = {"cam_A2B", "cam_B2A", "cam_B2B", "cam_A2A"};

static bool step_init(step *s, tape *t) {
    memset(s, 0, sizeof *s);
    double (*fill[3])(size_t) = {ramp, wave, bump};
    bool ok = true;
    for (int i = 0; i < 8; i++) ok = ok && (s->img[i] = test_input(4, (int[]){2, 3, 8, 8}, IMG_NAMES[i], fill[i % 3]));
    for (int i = 0; i < 4; i++) ok = ok && (s->cam[i] = test_input(2, (int[]){2, 1}, CAM_NAMES[i], fill[i % 3]));
    ok = ok && (s->feat[0] = test_input(2, (int[]){3, 5}, "feat_source", ramp)) &&
         (s->feat[1] = test_input(2, (int[]){2, 5}, "feat_target", wave)) &&
         (s->seg[0] = test_input(4, (int[]){2, 1, 4, 4}, "seg_logits", wave)) &&
         (s->seg[1] = test_input(4, (int[]){2, 1, 4, 4}, "seg_mask", ramp));
    if (!ok) return false;
    /* Every image its own content. */
    for (int k = 0; k < 8; k++)
        for (size_t i = 0; i < s->img[k]->numel; i++) s->img[k]->data[i] += (real)(0.1 * k * sin(0.3 * (double)i));
    for (size_t i = 0; i < s->seg[1]->numel; i++) s->seg[1]->data[i] = s->seg[1]->data[i] > 0 ? 1 : 0;
    ok = test_net_init(&s->e1, "E1", "linear", 192, 0, 4, 0.1, 1) &&
         test_net_init(&s->e2, "E2", "linear", 192, 0, 4, 0.1, 2) &&
         test_net_init(&s->id, "ID", "mlp", 48, 6, 5, 0.2, 3) && test_net_init(&s->c, "C", "conv", 3, 0, 2, 0.3, 4) &&
         test_net_init(&s->domain, "domain", "mlp", 5, 4, 1, 0.5, 5);
    if (!ok) return false;
    params_set_frozen(&s->e1.params, true);
    params_set_frozen(&s->e2.params, true);
    params_set_frozen(&s->id.params, true);
    params_set_frozen(&s->c.params, true);
    s->in = (loss_inputs){.t = t, .forward = test_net_forward, .progress = 0.5, .step = 10};
    for (int i = 0; ok && i < 8; i++) ok = !loss_inputs_add_tensor(&s->in, IMG_NAMES[i], s->img[i]);
    for (int i = 0; ok && i < 4; i++) ok = !loss_inputs_add_tensor(&s->in, CAM_NAMES[i], s->cam[i]);
    ok = ok && !loss_inputs_add_tensor(&s->in, "feat_source", s->feat[0]) &&
         !loss_inputs_add_tensor(&s->in, "feat_target", s->feat[1]) &&
         !loss_inputs_add_tensor(&s->in, "seg_logits", s->seg[0]) &&
         !loss_inputs_add_tensor(&s->in, "seg_mask", s->seg[1]);
    network *nets[5] = {&s->e1, &s->e2, &s->id, &s->c, &s->domain};
    for (int i = 0; ok && i < 5; i++) ok = !loss_inputs_add_network(&s->in, nets[i]);
    return ok;
}

static void step_free(step *s) {
    for (int i = 0; i < 8; i++) tensor_free(s->img[i]);
    for (int i = 0; i < 4; i++) tensor_free(s->cam[i]);
    tensor_free(s->feat[0]), tensor_free(s->feat[1]), tensor_free(s->seg[0]), tensor_free(s->seg[1]);
    test_net_free(&s->e1), test_net_free(&s->e2), test_net_free(&s->id), test_net_free(&s->c);
    test_net_free(&s->domain);
}

static const char *EVERY_KIND = "[loss.cyc]\nkind = cycle\nweight = 10\n"
                                "[loss.idt]\nkind = identity\nweight = 5\n"
                                "[loss.pix]\nkind = paired\ndistance = mse\n"
                                "[loss.col]\nkind = color\nsize = 4\n"
                                "[loss.edge]\nkind = canny\nlow = 20\nhigh = 60\nblur = 3\n"
                                "[loss.attr]\nkind = attribute\n"
                                "[loss.dom]\nkind = domain\nlambda = 0.5\n"
                                "[loss.face]\nkind = id\ncrop = 0.5\n"
                                "[loss.cam]\nkind = cam\n"
                                "[loss.sty]\nkind = style\ncompare = gram\n"
                                "[loss.seg]\nkind = segmentation\n";

TEST(loss_terms_every_kind_matches_its_function) {
    tape *t = tape_new(device_cpu());
    config *c = config_new();
    step s;
    REQUIRE(t && c && step_init(&s, t) && config_parse_string(c, EVERY_KIND, "every.ini") == GANC_OK);
    const char *sections[16];
    int n = config_sections_with_prefix(c, "loss.", sections, 16);
    REQUIRE(n == 11);
    loss_term terms[11];
    for (int i = 0; i < n; i++) REQUIRE(loss_term_from_config(c, sections[i], &terms[i]) == GANC_OK);
    CHECK(config_check_unused(c) == GANC_OK);
    CHECK(strcmp(terms[0].name, "cyc") == 0 && strcmp(terms[0].kind, "cycle") == 0 && terms[0].weight == 10);
    CHECK(strcmp(terms[10].kind, "segmentation") == 0 && terms[10].weight == 1);

    tensor **im = s.img; /* real_A real_B fake_A fake_B rec_A rec_B idt_A idt_B */
    canny_loss_params cp = {{20, 60, false, 3, 0}, 0, true, LOSS_DIST_L2};
    tensor *want[11] = {
        op_add(t, op_l1(t, im[4], im[0]), op_l1(t, im[5], im[1])),
        op_add(t, op_l1(t, im[6], im[1]), op_l1(t, im[7], im[0])),
        op_mse(t, im[3], im[1]),
        op_add(t, loss_color(t, im[3], im[0], 4, 4, LOSS_DIST_L2), loss_color(t, im[2], im[1], 4, 4, LOSS_DIST_L2)),
        op_add(t, loss_canny(t, im[0], im[3], &cp), loss_canny(t, im[1], im[2], &cp)),
        loss_attribute(t, test_net_forward, &s.e1, im[0], &s.e2, im[3], LOSS_DIST_L2),
        loss_domain(t, test_net_forward, &s.domain, s.feat[0], s.feat[1], (real)0.5),
        loss_id(t, test_net_forward, &s.id, im[0], im[3], 0.5, 0),
        op_add(t, gan_cam_loss_g(t, s.cam[0], s.cam[2]), gan_cam_loss_g(t, s.cam[1], s.cam[3])),
        loss_style(t, test_net_forward, &s.c, im[0], im[3], true, LOSS_DIST_MSE),
        loss_segmentation(t, s.seg[0], s.seg[1], 1, 1, 1),
    };
    for (int i = 0; i < n; i++) {
        tensor *got = terms[i].compute(&terms[i], &s.in);
        CHECK_MSG(got && want[i], "[loss.%s]: %s", terms[i].name, ganc_error_message());
        if (got && want[i])
            CHECK_MSG(fabs(got->data[0] - want[i]->data[0]) <= 1e-6 * fmax(1, fabs(want[i]->data[0])),
                      "[loss.%s] = %g, its function gives %g", terms[i].name, got->data[0], want[i]->data[0]);
        if (got) CHECK_MSG(got->data[0] > 0, "[loss.%s] = %g", terms[i].name, got->data[0]);
    }
    /* The defaults are written into the resolved config. */
    char *text = config_resolved_text(c);
    REQUIRE(text);
    CHECK(strstr(text, "[loss.cyc]\nplugin = \nkind = cycle\nweight = 10\na = rec_A,rec_B\nb = real_A,real_B\n"
                       "distance = l1\n"));
    CHECK(strstr(text, "[loss.dom]\nplugin = \nkind = domain\nweight = 1\na = feat_source\nb = feat_target\n"
                       "net = domain\nlambda = 0.5\nschedule = ganin\ngamma = 10\n"));
    CHECK(strstr(text, "low = 20\nhigh = 60\nl2_gradient = false\nblur = 3\nsigma = 0\ntemperature = 0\n"
                       "range = -1..1\ndistance = l2\n"));
    free(text);
    for (int i = 0; i < n; i++) loss_term_free(&terms[i]);
    CHECK(terms[0].state == NULL && terms[0].compute == NULL);
    config_free(c);
    step_free(&s);
    tape_free(t);
}

TEST(loss_terms_domain_follows_the_schedule) {
    tape *t = tape_new(device_cpu());
    config *c = config_new();
    step s;
    REQUIRE(t && c && step_init(&s, t));
    REQUIRE(config_parse_string(c, "[loss.dom]\nkind = domain\nlambda = 2\ngamma = 10\n", "d.ini") == GANC_OK);
    loss_term term;
    REQUIRE(loss_term_from_config(c, "loss.dom", &term) == GANC_OK);
    /* The features get -lambda(p) times the BCE gradient through the
     * classifier: at p = 0.5, lambda = 2 (2 / (1 + e^-5) - 1), which is
     * lambda times what loss_domain with lambda = 1 hands them. */
    tensor *y = term.compute(&term, &s.in);
    REQUIRE(y && tape_backward(t, y, NULL) == GANC_OK);
    real reversed = s.feat[0]->grad[1];
    memset(s.feat[0]->grad, 0, s.feat[0]->numel * sizeof(real));
    tensor *plain = loss_domain(t, test_net_forward, &s.domain, s.feat[0], s.feat[1], 1);
    REQUIRE(plain && tape_backward(t, plain, NULL) == GANC_OK);
    double lambda = 2 * (2 / (1 + exp(-5.0)) - 1);
    CHECK_NEAR(reversed, lambda * s.feat[0]->grad[1], 1e-6);
    CHECK(fabs(reversed) > 1e-4);
    loss_term_free(&term);
    config_free(c);
    step_free(&s);
    tape_free(t);
}

/* Builds [loss.x] from `text`; returns the status. */
static ganc_status term_from(const char *text, loss_term *term) {
    config *c = config_new();
    if (!c) return ganc_error_status();
    ganc_status st = config_parse_string(c, text, "bad.ini");
    bool made = !st && !(st = loss_term_from_config(c, "loss.x", term));
    if (!st) st = config_check_unused(c);
    if (made) loss_term_free(term);
    config_free(c);
    return st;
}

TEST(loss_terms_config_errors) {
    loss_term term;
    CHECK(term_from("[loss.x]\nweight = 2\n", &term) &&
          error_mentions("[loss.x] needs kind = cycle|identity", "plugin = "));
    CHECK(term_from("[loss.x]\nkind = wasserstein\n", &term) &&
          error_mentions("bad.ini:2: [loss.x] kind = \"wasserstein\"", "one of cycle identity paired"));
    CHECK(term_from("[loss.x]\nkind = cycle\nplugin = libtv.so\n", &term) &&
          error_mentions("kind = cycle and plugin = libtv.so", NULL));
    CHECK(term_from("[loss.x]\nkind = plugin\n", &term) && error_mentions("kind = plugin needs plugin", NULL));
    CHECK(term_from("[loss.x]\nkind = cycle\ndistance = l3\n", &term) &&
          error_mentions("bad.ini:3: [loss.x] distance = \"l3\"", "l1 mse l2"));
    CHECK(term_from("[loss.x]\nkind = cycle\nweight = -1\n", &term) && error_mentions("weight = \"-1\"", NULL));
    CHECK(term_from("[loss.x]\nkind = cycle\na = rec_A\n", &term) &&
          error_mentions("[loss.x] a lists 1 tensors and b lists 2", NULL));
    CHECK(term_from("[loss.x]\nkind = paired\na = fake_B,,x\n", &term) &&
          error_mentions("[loss.x] a = \"fake_B,,x\"", NULL));
    CHECK(term_from("[loss.x]\nkind = paired\nb = a,b,c,d,e\n", &term) && error_mentions("1 to 4 tensor names", NULL));
    CHECK(term_from("[loss.x]\nkind = color\nsize = 0\n", &term) && error_mentions("size = \"0\"", NULL));
    CHECK(term_from("[loss.x]\nkind = canny\nblur = 4\n", &term) && error_mentions("[loss.x] blur = 4", "odd"));
    CHECK(term_from("[loss.x]\nkind = canny\nrange = 0..255\n", &term) && error_mentions("range", "-1..1 0..1"));
    CHECK(term_from("[loss.x]\nkind = style\ncompare = pixels\n", &term) && error_mentions("compare", "features gram"));
    CHECK(term_from("[loss.x]\nkind = domain\nschedule = linear\n", &term) &&
          error_mentions("schedule", "fixed ganin"));
    CHECK(term_from("[loss.x]\nkind = attribute\ne1 = \n", &term) && error_mentions("[loss.x] e1", "network name"));
    CHECK(term_from("[loss.x]\nkind = id\ncrop = 2\n", &term) && error_mentions("crop = \"2\"", NULL));
    CHECK(term_from("[loss.x]\nkind = segmentation\nsmooth = 0\n", &term) && error_mentions("smooth", NULL));
    CHECK(term_from("[loss.x]\nkind = cycle\nlambda = 3\n", &term) &&
          error_mentions("unknown key \"lambda\" in [loss.x]", "valid keys: plugin, kind, weight, a, b, distance"));
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, "[train]\nsteps = 3\n", "c.ini") == GANC_OK);
    CHECK(loss_term_from_config(c, "train", &term) && error_mentions("[train] must be named [loss.NAME]", NULL));
    CHECK(loss_term_from_config(c, "loss.missing", &term) && error_mentions("no section [loss.missing]", NULL));
    CHECK(term.compute == NULL && term.state == NULL);
    config_free(c);
}

TEST(loss_terms_compute_errors_name_the_term) {
    tape *t = tape_new(device_cpu());
    config *c = config_new();
    step s;
    REQUIRE(t && c && step_init(&s, t));
    REQUIRE(config_parse_string(c,
                                "[loss.cyc]\nkind = cycle\na = rec_A,rec_C\nb = real_A,real_B\n"
                                "[loss.attr]\nkind = attribute\ne2 = E3\n"
                                "[loss.pix]\nkind = paired\nb = real_A,feat_source\na = fake_B,real_B\n",
                                "e.ini") == GANC_OK);
    loss_term cyc, attr, pix;
    REQUIRE(!loss_term_from_config(c, "loss.cyc", &cyc) && !loss_term_from_config(c, "loss.attr", &attr) &&
            !loss_term_from_config(c, "loss.pix", &pix));
    CHECK(!cyc.compute(&cyc, &s.in) && error_mentions("[loss.cyc]", "no tensor \"rec_C\" (it has: real_A, real_B,"));
    CHECK(!attr.compute(&attr, &s.in) &&
          error_mentions("[loss.attr]", "no network \"E3\" (it has: E1, E2, ID, C, domain)"));
    CHECK(!pix.compute(&pix, &s.in) && error_mentions("[loss.pix]", "(3,5)"));
    loss_inputs no_forward = s.in;
    no_forward.forward = NULL;
    REQUIRE(config_parse_string(c, "[loss.id]\nkind = id\n", "f.ini") == GANC_OK);
    loss_term id;
    REQUIRE(!loss_term_from_config(c, "loss.id", &id));
    CHECK(!id.compute(&id, &no_forward) && error_mentions("[loss.id]", "no forward function"));
    CHECK(!id.compute(&id, NULL) && error_mentions("[loss.id]", "no inputs"));
    CHECK(!loss_inputs_run(&no_forward, "ID", s.img[0]) && error_mentions("forward is not set", NULL));
    loss_term_free(&cyc), loss_term_free(&attr), loss_term_free(&pix), loss_term_free(&id);
    config_free(c);
    step_free(&s);
    tape_free(t);
}

TEST(loss_inputs_add_and_find) {
    tape *t = tape_new(device_cpu());
    step s;
    REQUIRE(t && step_init(&s, t));
    CHECK(loss_inputs_tensor(&s.in, "fake_B") == s.img[3] && loss_inputs_network(&s.in, "ID") == &s.id);
    CHECK(loss_inputs_add_tensor(&s.in, "real_A", s.img[1]) && error_mentions("\"real_A\" added twice", NULL));
    CHECK(loss_inputs_add_network(&s.in, &s.e1) && error_mentions("\"E1\" added twice", NULL));
    CHECK(loss_inputs_add_network(&s.in, NULL) && error_mentions("network is NULL", NULL));
    ganc_error_clear();
    CHECK(loss_inputs_add_tensor(&s.in, "nothing", NULL) && error_mentions("\"nothing\" is NULL", NULL));
    loss_inputs full = {.t = t};
    static const char *const names[LOSS_MAX_TENSORS + 1] = {
        "t0",  "t1",  "t2",  "t3",  "t4",  "t5",  "t6",  "t7",  "t8",  "t9",  "t10", "t11", "t12",
        "t13", "t14", "t15", "t16", "t17", "t18", "t19", "t20", "t21", "t22", "t23", "t24"};
    for (int i = 0; i < LOSS_MAX_TENSORS; i++) REQUIRE(loss_inputs_add_tensor(&full, names[i], s.img[0]) == GANC_OK);
    CHECK(loss_inputs_add_tensor(&full, names[LOSS_MAX_TENSORS], s.img[0]) &&
          error_mentions("more than 24", "\"t24\""));
    /* Running a network by name: the ID net on an image gives its embedding. */
    tensor *e = loss_inputs_run(&s.in, "ID", op_slice(t, op_slice(t, s.img[0], 2, 0, 4), 3, 0, 4));
    REQUIRE(e);
    CHECK(e->ndim == 2 && e->shape[0] == 2 && e->shape[1] == 5);
    CHECK(!loss_inputs_run(&s.in, "G", s.img[0]) && error_mentions("no network \"G\"", NULL));
    step_free(&s);
    tape_free(t);
}

/* ---- plugins ---- */

static bool plugin_config(config *c, const char *lib, const char *extra) {
    char path[600], text[1200];
    if (!test_plugin_path(lib, path, sizeof path)) return false;
    snprintf(text, sizeof text, "[loss.x]\nplugin = %s\nweight = 0.1\n%s", path, extra);
    return config_parse_string(c, text, "plugin.ini") == GANC_OK;
}

/* [loss.x] with plugin `lib`; returns the status of loading it. */
static ganc_status plugin_term(const char *lib, const char *extra, loss_term *term) {
    config *c = config_new();
    ganc_status st = c && plugin_config(c, lib, extra) ? loss_term_from_config(c, "loss.x", term) : GANC_ERR_IO;
    bool made = !st;
    if (!st) st = config_check_unused(c);
    if (made) loss_term_free(term);
    config_free(c);
    return st;
}

TEST(plugin_tv_value_by_hand) {
    tape *t = tape_new(device_cpu());
    config *c = config_new();
    REQUIRE(t && c && plugin_config(c, "libtv_loss.so", "input = img\n"));
    loss_term tv;
    REQUIRE(loss_term_from_config(c, "loss.x", &tv) == GANC_OK);
    CHECK(strcmp(tv.kind, "tv") == 0 && strcmp(tv.name, "x") == 0 && fabs(tv.weight - 0.1) < 1e-12);
    /* Rows 0 1 3 | 2 2 2 | 5 0 1: vertical differences 2 1 -1, 3 -2 -1 (mean |.| 10/6),
     * horizontal 1 2, 0 0, -5 1 (mean |.| 9/6); squared: 20/6 + 31/6. */
    const real v[] = {0, 1, 3, 2, 2, 2, 5, 0, 1};
    tensor *img = tape_from_host(t, 4, (int[]){1, 1, 3, 3}, v, "img");
    loss_inputs in = {.t = t};
    REQUIRE(img && loss_inputs_add_tensor(&in, "img", img) == GANC_OK);
    tensor *y = tv.compute(&tv, &in);
    REQUIRE(y);
    CHECK_NEAR(y->data[0], 19.0 / 6, 1e-6);
    loss_term_free(&tv);
    REQUIRE(config_set(c, "loss.x.power=2") == GANC_OK && loss_term_from_config(c, "loss.x", &tv) == GANC_OK);
    y = tv.compute(&tv, &in);
    REQUIRE(y);
    CHECK_NEAR(y->data[0], 51.0 / 6, 1e-6);
    /* Its own shape check, passed through with the term's name. */
    tensor *row = tape_from_host(t, 4, (int[]){1, 1, 1, 9}, v, "row");
    loss_inputs in_row = {.t = t};
    REQUIRE(loss_inputs_add_tensor(&in_row, "img", row) == GANC_OK);
    CHECK(!tv.compute(&tv, &in_row) && error_mentions("[loss.x]", "tv: img must be (N,C,H,W) with H, W >= 2"));
    loss_term_free(&tv);
    config_free(c);
    tape_free(t);
}

TEST(plugin_tv_trains_an_image) {
    config *c = config_new();
    REQUIRE(c && plugin_config(c, "libtv_loss.so", "power = 2\n"));
    loss_term tv;
    REQUIRE(loss_term_from_config(c, "loss.x", &tv) == GANC_OK);
    param_set ps;
    params_init(&ps, "G");
    tensor *img = params_add(&ps, "G.img", 4, (int[]){1, 3, 8, 8});
    REQUIRE(img);
    for (size_t i = 0; i < img->numel; i++) img->data[i] = (real)wave(i * 7);
    adam opt;
    adam_config cfg = adam_defaults();
    cfg.lr = (real)0.05;
    REQUIRE(adam_init(&opt, &ps, cfg) == GANC_OK);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    double first = 0, last = 0;
    for (int it = 0; it < 30; it++) {
        tape_reset(t);
        loss_inputs in = {.t = t, .step = it, .progress = it / 29.0};
        REQUIRE(loss_inputs_add_tensor(&in, "fake_B", img) == GANC_OK);
        tensor *y = tv.compute(&tv, &in);
        REQUIRE(y);
        tensor *weighted = op_mul_scalar(t, y, (real)tv.weight);
        REQUIRE(tape_backward(t, weighted, NULL) == GANC_OK);
        REQUIRE(adam_step(&opt, &ps) == GANC_OK);
        params_zero_grad(&ps);
        if (it == 0) first = y->data[0];
        last = y->data[0];
    }
    CHECK_MSG(last < 0.3 * first, "TV went from %g to %g in 30 Adam steps", first, last);
    tape_free(t);
    adam_free(&opt);
    params_free(&ps);
    loss_term_free(&tv);
    config_free(c);
}

TEST(plugin_errors_are_clear) {
    loss_term term;
    CHECK(plugin_term("libnot_there.so", "", &term) == GANC_ERR_IO &&
          error_mentions("[loss.x] plugin = ", "libnot_there.so: cannot load it"));
    CHECK(plugin_term("libplugin_no_symbol.so", "", &term) == GANC_ERR_FORMAT &&
          error_mentions("does not export ganc_loss_plugin_register()", "libplugin_no_symbol.so"));
    CHECK(plugin_term("libplugin_wrong_abi.so", "", &term) == GANC_ERR_UNSUPPORTED &&
          error_mentions("built for loss-plugin ABI 999, this ganc has ABI 1", "rebuild"));
    CHECK(plugin_term("libplugin_wrong_real.so", "", &term) == GANC_ERR_UNSUPPORTED &&
          error_mentions(REAL_IS_DOUBLE ? "built with 4-byte reals" : "built with 8-byte reals", REAL_NAME));
    CHECK(plugin_term("libtv_loss.so", "power = 3\n", &term) == GANC_ERR_ARG &&
          error_mentions("plugin.ini:4: [loss.x] power = \"3\"", "1..2"));
    CHECK(plugin_term("libtv_loss.so", "smoothness = 3\n", &term) == GANC_ERR_ARG &&
          error_mentions("unknown key \"smoothness\" in [loss.x]", "valid keys: plugin, kind, weight, input, power"));
    CHECK(plugin_term("libplugin_register_fails.so", "", &term) == GANC_ERR_UNSUPPORTED &&
          error_mentions("registration failed", "needs a GPU with tensor cores"));
    CHECK(plugin_term("libplugin_no_compute.so", "", &term) == GANC_ERR_FORMAT &&
          error_mentions("libplugin_no_compute.so: registration left compute unset", NULL));
    /* A bare name is looked for in the working directory only. */
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, "[loss.x]\nplugin = libtv_loss.so\n", "bare.ini") == GANC_OK);
    CHECK(loss_term_from_config(c, "loss.x", &term) && error_mentions("./libtv_loss.so", NULL));
    config_free(c);
    /* The longest value a config holds, as a bare name: too long with "./". */
    char text[1100] = "[loss.x]\nplugin = ";
    size_t len = strlen(text);
    memset(text + len, 'x', 1022);
    strcpy(text + len + 1022, "\n");
    c = config_new();
    REQUIRE(c && config_parse_string(c, text, "long.ini") == GANC_OK);
    CHECK(loss_term_from_config(c, "loss.x", &term) == GANC_ERR_ARG && error_mentions("path longer than 1021", NULL));
    config_free(c);
    /* compute must return one value. */
    tape *t = tape_new(device_cpu());
    c = config_new();
    REQUIRE(t && c && plugin_config(c, "libplugin_not_scalar.so", ""));
    REQUIRE(loss_term_from_config(c, "loss.x", &term) == GANC_OK);
    const real v[4] = {1, 2, 3, 4};
    loss_inputs in = {.t = t};
    REQUIRE(loss_inputs_add_tensor(&in, "fake_B", tape_from_host(t, 2, (int[]){2, 2}, v, "fake_B")) == GANC_OK);
    CHECK(!term.compute(&term, &in) && error_mentions("[loss.x] not_scalar returned shape (2,2)", "shape (1)"));
    loss_term_free(&term);
    config_free(c);
    tape_free(t);
}
