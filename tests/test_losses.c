/* Loss library: values against numbers computed by hand (numpy used as a
 * calculator, formulas written out independently of the library: named in
 * each comment) or naive loops, the exact second-order penalties against
 * their closed forms, and every bad-input path. Gradient checks are in
 * precision_losses.c; Canny in test_canny.c; the registry and plugins in
 * test_loss_terms.c. */
#include <math.h>
#include <string.h>

#include "core/ops/view.h"
#include "losses/feature.h"
#include "losses/gan.h"
#include "losses/pixel.h"
#include "tests/loss_nets.h"
#include "tests/test.h"

static bool error_mentions(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

static const real D_REAL[] = {0.8, -0.3, 1.5, 0.2}, D_FAKE[] = {0.1, -1.2, 0.6};

TEST(gan_objective_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *dr = tape_from_host(t, 1, (int[]){4}, D_REAL, "d_real");
    tensor *df = tape_from_host(t, 1, (int[]){3}, D_FAKE, "d_fake");
    REQUIRE(dr && df);
    /* numpy, sp = logaddexp(0, x), bce(x, z) = mean(sp(x) - x z):
     * lsgan 0.5 (mean((dr-l)^2) + mean(df^2)); vanilla 0.5 (bce(dr, l) + bce(df, 0));
     * hinge mean(max(0, 1-dr)) + mean(max(0, 1+df)); wgan mean(df) - mean(dr). */
    struct {
        gan_mode mode;
        real label;
        double want;
    } d_cases[] = {{GAN_LSGAN, 1, 0.6291666666666667},
                   {GAN_LSGAN, 0.9, 0.5891666666666666},
                   {GAN_VANILLA, 1, 0.5939871868721625},
                   {GAN_VANILLA, 0.9, 0.6214871868721624},
                   {GAN_HINGE, 1, 1.475},
                   {GAN_WGAN_GP, 1, -0.7166666666666667}};
    for (size_t i = 0; i < sizeof d_cases / sizeof d_cases[0]; i++) {
        tensor *y = gan_loss_d(t, d_cases[i].mode, dr, df, d_cases[i].label);
        REQUIRE(y && y->numel == 1);
        CHECK_NEAR(y->data[0], d_cases[i].want, 1e-6);
    }
    /* G: mean((df-1)^2), bce(df, 1), -mean(df). */
    const double g_want[] = {1.9366666666666668, 0.8483890259658292, 0.16666666666666663, 0.16666666666666663};
    for (int m = GAN_LSGAN; m <= GAN_WGAN_GP; m++) {
        tensor *y = gan_loss_g(t, (gan_mode)m, df);
        REQUIRE(y);
        CHECK_NEAR(y->data[0], g_want[m], 1e-6);
    }
    /* CAM: bce(dr, 1) + bce(df, 0); mean((dr-1)^2) + mean(df^2). */
    tensor *cg = gan_cam_loss_g(t, dr, df), *cd = gan_cam_loss_d(t, dr, df);
    REQUIRE(cg && cd);
    CHECK_NEAR(cg->data[0], 1.187974373744325, 1e-6);
    CHECK_NEAR(cd->data[0], 1.2583333333333333, 1e-6);
    CHECK(strcmp(gan_mode_names[GAN_WGAN_GP], "wgan_gp") == 0 && gan_mode_names[4] == NULL);
    tape_free(t);
}

TEST(gan_objective_errors) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *dr = tape_from_host(t, 1, (int[]){4}, D_REAL, "d_real");
    REQUIRE(dr);
    CHECK(!gan_loss_d(t, GAN_HINGE, dr, dr, 0.9) && error_mentions("hinge", "real label 0.9"));
    CHECK(!gan_loss_d(t, GAN_WGAN_GP, dr, dr, 0.9) && error_mentions("wgan_gp", "no labels"));
    CHECK(!gan_loss_d(t, GAN_LSGAN, dr, dr, 0) && error_mentions("lsgan", "(0, 1]"));
    CHECK(!gan_loss_d(t, GAN_VANILLA, dr, dr, 1.5) && error_mentions("vanilla", "real label 1.5"));
    CHECK(!gan_loss_d(t, (gan_mode)7, dr, dr, 1) && error_mentions("gan_loss_d", "unknown mode 7"));
    CHECK(!gan_loss_g(t, (gan_mode)-1, dr) && error_mentions("gan_loss_g", "unknown mode -1"));
    ganc_error_clear();
    CHECK(!gan_loss_g(t, GAN_LSGAN, NULL) && !gan_loss_d(t, GAN_LSGAN, NULL, dr, 1));
    tape_free(t);
}

/* D(x) = sum_i w_i x_i^2 per sample: grad_x = 2 w x, so ||g|| = 2 sqrt(sum w^2 x^2) and
 * d||g||/dw_j = 4 w_j x_j^2 / ||g||. Central differences are exact on a quadratic. */
enum { PN = 3, PC = 2, PH = 3, PW = 2, PD = PC * PH * PW };

static double pen_real(size_t i) { return sin(0.7 * (double)i + 0.3); }
static double pen_fake(size_t i) { return 0.5 * cos(1.3 * (double)i); }

TEST(gan_gradient_penalty_matches_closed_form) {
    network d;
    REQUIRE(test_net_init(&d, "D", "quad", PD, 0, 1, 0.6, 5));
    tensor *w = test_net_get(&d, "W");
    tensor *xr = test_input(4, (int[]){PN, PC, PH, PW}, "real", pen_real);
    tensor *xf = test_input(4, (int[]){PN, PC, PH, PW}, "fake", pen_fake);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && xr && xf);
    params_zero_grad(&d.params);
    rng r, r_copy;
    rng_init(&r, 99);
    r_copy = r;
    tensor *p = gan_gradient_penalty(t, test_net_forward, &d, xr, xf, &r, (real)1e-2);
    REQUIRE(p && p->numel == 1);
    /* The inner input-gradient pass left D's parameter gradients alone and D unfrozen. */
    double g_sum = 0;
    for (int j = 0; j < PD; j++) g_sum += fabs((double)w->grad[j]);
    CHECK(g_sum == 0 && !d.params.frozen && w->requires_grad);

    double want = 0, dwant[PD] = {0};
    for (int n = 0; n < PN; n++) {
        double e = rng_uniform(&r_copy), xh[PD], s = 0;
        for (int j = 0; j < PD; j++) {
            size_t i = (size_t)n * PD + j;
            xh[j] = (double)xf->data[i] + e * ((double)xr->data[i] - (double)xf->data[i]);
            s += (double)w->data[j] * w->data[j] * xh[j] * xh[j];
        }
        double norm = 2 * sqrt(s);
        want += (norm - 1) * (norm - 1) / PN;
        for (int j = 0; j < PD; j++) dwant[j] += 2 * (norm - 1) * 4 * w->data[j] * xh[j] * xh[j] / norm / PN;
    }
    CHECK_NEAR(p->data[0], want, 1e-4 * fmax(1, want));
    REQUIRE(tape_backward(t, p, NULL) == GANC_OK);
    for (int j = 0; j < PD; j++) CHECK_NEAR(w->grad[j], dwant[j], 2e-3 * fmax(1, fabs(dwant[j])));
    /* real and fake are detached: the penalty trains D only. */
    CHECK(xr->grad[0] == 0 && xf->grad[0] == 0);

    /* Evaluating inside a no-grad scope gives the same value. */
    rng_init(&r, 99);
    tape_no_grad_begin(t);
    tensor *p2 = gan_gradient_penalty(t, test_net_forward, &d, xr, xf, &r, (real)1e-2);
    tape_no_grad_end(t);
    REQUIRE(p2);
    CHECK_NEAR(p2->data[0], p->data[0], 1e-6 * fmax(1, want));
    tape_free(t);
    tensor_free(xr);
    tensor_free(xf);
    test_net_free(&d);
}

TEST(gan_r1_penalty_matches_closed_form) {
    network d;
    REQUIRE(test_net_init(&d, "D", "quad", PD, 0, 1, 0.6, 6));
    tensor *w = test_net_get(&d, "W");
    tensor *xr = test_input(4, (int[]){PN, PC, PH, PW}, "real", pen_real);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && xr);
    params_zero_grad(&d.params);
    tensor *p = gan_r1_penalty(t, test_net_forward, &d, xr, (real)1e-2);
    REQUIRE(p);
    /* mean_n ||2 w x_n||^2; d/dw_j = mean_n 8 w_j x_nj^2. */
    double want = 0, dwant[PD] = {0};
    for (int n = 0; n < PN; n++)
        for (int j = 0; j < PD; j++) {
            double x = xr->data[(size_t)n * PD + j], wj = w->data[j];
            want += 4 * wj * wj * x * x / PN;
            dwant[j] += 8 * wj * x * x / PN;
        }
    CHECK_NEAR(p->data[0], want, 1e-4 * fmax(1, want));
    REQUIRE(tape_backward(t, p, NULL) == GANC_OK);
    for (int j = 0; j < PD; j++) CHECK_NEAR(w->grad[j], dwant[j], 2e-3 * fmax(1, fabs(dwant[j])));
    tape_free(t);
    tensor_free(xr);
    test_net_free(&d);
}

TEST(gan_penalty_errors) {
    network d;
    REQUIRE(test_net_init(&d, "D", "quad", PD, 0, 1, 0.6, 6));
    tensor *xr = test_input(4, (int[]){PN, PC, PH, PW}, "real", pen_real);
    tensor *small = test_input(4, (int[]){PN, PC, PH, 1}, "small", pen_fake);
    tape *t = tape_new(device_cpu());
    rng r;
    rng_init(&r, 1);
    REQUIRE(t && xr && small);
    CHECK(!gan_gradient_penalty(t, test_net_forward, &d, xr, small, &r, (real)1e-2) &&
          error_mentions("gan_gradient_penalty", "one shape"));
    CHECK(!gan_gradient_penalty(t, test_net_forward, &d, xr, xr, NULL, (real)1e-2) &&
          error_mentions("gan_gradient_penalty", "r must be set"));
    CHECK(!gan_r1_penalty(t, test_net_forward, &d, xr, 0) && error_mentions("gan_r1_penalty", "h = 0"));
    CHECK(!gan_r1_penalty(t, NULL, &d, xr, (real)1e-2) && error_mentions("gan_r1_penalty", "forward"));
    /* D that does not fit the input: the op's error comes through. */
    CHECK(!gan_r1_penalty(t, test_net_forward, &d, small, (real)1e-2) && error_mentions("mul", "(3,6)"));
    CHECK(!d.params.frozen);
    tape_free(t);
    tensor_free(xr);
    tensor_free(small);
    test_net_free(&d);
}

TEST(loss_distance_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* (1,2,1,2): pixel colour vectors (1,3) and (2,4) against 0. */
    const real av[] = {1, 2, 3, 4};
    tensor *a = tape_from_host(t, 4, (int[]){1, 2, 1, 2}, av, "a");
    tensor *z = loss_full_like(t, a, 0);
    REQUIRE(a && z);
    tensor *l1 = loss_distance(t, a, z, LOSS_DIST_L1, 0), *mse = loss_distance(t, a, z, LOSS_DIST_MSE, 0);
    tensor *l2 = loss_distance(t, a, z, LOSS_DIST_L2, 1u << 1);
    tensor *l2s = loss_distance(t, a, z, LOSS_DIST_L2, loss_sample_axes(a));
    REQUIRE(l1 && mse && l2 && l2s);
    CHECK_NEAR(l1->data[0], 2.5, 1e-6);
    CHECK_NEAR(mse->data[0], 7.5, 1e-6);
    CHECK_NEAR(l2->data[0], (sqrt(10.0) + sqrt(20.0)) / 2, 1e-5);
    CHECK_NEAR(l2s->data[0], sqrt(30.0), 1e-5);
    CHECK(loss_sample_axes(a) == 0xE);
    /* Equal inputs: distance ~0 and a finite (zero) gradient. */
    REQUIRE(!tape_set_requires_grad(t, a));
    tensor *same = loss_distance(t, a, op_detach(t, a), LOSS_DIST_L2, 1u << 1);
    REQUIRE(same && tape_backward(t, same, NULL) == GANC_OK);
    CHECK(same->data[0] < 1e-5);
    for (int i = 0; i < 4; i++) CHECK(a->grad[i] == 0);

    tensor *b = tape_from_host(t, 4, (int[]){1, 1, 2, 2}, av, "b");
    CHECK(!loss_distance(t, a, b, LOSS_DIST_L1, 0) && error_mentions("a (1,2,1,2)", "b (1,1,2,2)"));
    CHECK(!loss_distance(t, a, z, LOSS_DIST_L2, 1u << 5) && error_mentions("l2", "vector axes 0x20"));
    CHECK(!loss_distance(t, a, z, (loss_dist)9, 0) && error_mentions("unknown distance 9", NULL));
    tape_free(t);
}

static double ramp(size_t i) { return 0.1 * (double)i; }
static double wave(size_t i) { return cos((double)i); }

TEST(loss_color_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = test_input(4, (int[]){1, 3, 4, 4}, "a", ramp), *b = test_input(4, (int[]){1, 3, 4, 4}, "b", wave);
    REQUIRE(a && b);
    /* numpy: d = a.reshape(1,3,2,2,2,2).mean((3,5)) - (same for b); mean(sqrt((d**2).sum(1))), mean|d|, mean d^2 */
    tensor *l2 = loss_color(t, a, b, 2, 2, LOSS_DIST_L2), *l1 = loss_color(t, a, b, 2, 2, LOSS_DIST_L1);
    tensor *mse = loss_color(t, a, b, 2, 2, LOSS_DIST_MSE);
    REQUIRE(l2 && l1 && mse);
    CHECK_NEAR(l2->data[0], 4.714518184479546, 1e-5);
    CHECK_NEAR(l1->data[0], 2.354660623615658, 1e-5);
    CHECK_NEAR(mse->data[0], 7.578518400770117, 1e-4);
    CHECK(!loss_color(t, a, b, 8, 8, LOSS_DIST_L2) && error_mentions("area_downscale", NULL));
    tape_free(t);
    tensor_free(a);
    tensor_free(b);
}

TEST(loss_segmentation_values) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const real xv[] = {2, -1, 0.5, -3, 1, 1, -2, 0.3}, zv[] = {1, 0, 1, 0, 0, 0, 1, 1};
    tensor *x = tape_from_host(t, 4, (int[]){2, 1, 2, 2}, xv, "logits");
    tensor *z = tape_from_host(t, 4, (int[]){2, 1, 2, 2}, zv, "mask");
    REQUIRE(x && z);
    /* numpy: bce = mean(logaddexp(0,x) - x z); p = sigmoid(x);
     * dice_n = (2 sum(p z) + 1) / (sum p + sum z + 1) per sample = 0.83129162, 0.46303352 */
    tensor *y = loss_segmentation(t, x, z, 1, 1, 1), *yw = loss_segmentation(t, x, z, 0.5, 2, 1);
    REQUIRE(y && yw);
    CHECK_NEAR(y->data[0], 1.1366700133077727, 1e-6);
    CHECK_NEAR(yw->data[0], 1.0975911519537347, 1e-6);
    tensor *z1 = tape_from_host(t, 2, (int[]){2, 4}, zv, "mask");
    CHECK(!loss_segmentation(t, x, z1, 1, 1, 1) && error_mentions("segmentation", "(2,1,2,2)"));
    CHECK(!loss_segmentation(t, x, z, 1, 1, 0) && error_mentions("segmentation", "smooth"));
    tape_free(t);
}

/* ---- losses through networks ---- */

/* linear net outputs by loops: out[n][o] = sum_i W[o][i] x[n][i]. */
static void linear_ref(const tensor *w, const real *x, int n, int in, int out, double *y) {
    for (int s = 0; s < n; s++)
        for (int o = 0; o < out; o++) {
            double acc = 0;
            for (int i = 0; i < in; i++) acc += (double)w->data[o * in + i] * x[s * in + i];
            y[s * out + o] = acc;
        }
}

TEST(loss_attribute_values) {
    network e1, e2;
    REQUIRE(test_net_init(&e1, "E1", "linear", 8, 0, 3, 1, 11) && test_net_init(&e2, "E2", "linear", 8, 0, 3, 1, 12));
    params_set_frozen(&e1.params, true);
    params_set_frozen(&e2.params, true);
    tensor *a = test_input(4, (int[]){2, 2, 2, 2}, "a", ramp), *b = test_input(4, (int[]){2, 2, 2, 2}, "b", wave);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && a && b);
    double ya[6], yb[6];
    linear_ref(test_net_get(&e1, "W"), a->data, 2, 8, 3, ya);
    linear_ref(test_net_get(&e2, "W"), b->data, 2, 8, 3, yb);
    double l2 = 0, mse = 0;
    for (int n = 0; n < 2; n++) {
        double s = 0;
        for (int o = 0; o < 3; o++) s += (ya[n * 3 + o] - yb[n * 3 + o]) * (ya[n * 3 + o] - yb[n * 3 + o]);
        l2 += sqrt(s) / 2, mse += s / 6;
    }
    tensor *y = loss_attribute(t, test_net_forward, &e1, a, &e2, b, LOSS_DIST_L2);
    tensor *ym = loss_attribute(t, test_net_forward, &e1, a, &e2, b, LOSS_DIST_MSE);
    REQUIRE(y && ym);
    CHECK_NEAR(y->data[0], l2, 1e-5);
    CHECK_NEAR(ym->data[0], mse, 1e-5);
    /* Gradients reach b through frozen E2, not a (E1's side runs without a tape) nor E2's weights. */
    REQUIRE(tape_backward(t, y, NULL) == GANC_OK);
    CHECK(b->grad[0] != 0 && a->grad[0] == 0 && test_net_get(&e2, "W")->grad[0] == 0);

    params_set_frozen(&e2.params, false);
    CHECK(!loss_attribute(t, test_net_forward, &e1, a, &e2, b, LOSS_DIST_L2) &&
          error_mentions("network E2 must be frozen", NULL));
    CHECK(!loss_attribute(t, NULL, &e1, a, &e2, b, LOSS_DIST_L2) && error_mentions("no forward", NULL));
    CHECK(!loss_attribute(t, test_net_forward, NULL, a, &e2, b, LOSS_DIST_L2) &&
          error_mentions("attribute loss (E1): network is NULL", NULL));
    tape_free(t);
    tensor_free(a);
    tensor_free(b);
    test_net_free(&e1);
    test_net_free(&e2);
}

TEST(loss_id_values) {
    network id;
    REQUIRE(test_net_init(&id, "ID", "linear", 4, 0, 3, 1, 13));
    params_set_frozen(&id.params, true);
    tensor *a = test_input(4, (int[]){2, 1, 4, 4}, "a", ramp), *b = test_input(4, (int[]){2, 1, 4, 4}, "b", wave);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && a && b);
    /* crop 0.5 keeps rows 1..2 and columns 1..2. */
    real ca[8], cb[8];
    for (int n = 0; n < 2; n++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++) {
                ca[n * 4 + y * 2 + x] = a->data[n * 16 + (y + 1) * 4 + x + 1];
                cb[n * 4 + y * 2 + x] = b->data[n * 16 + (y + 1) * 4 + x + 1];
            }
    double ea[6], eb[6], want = 1;
    linear_ref(test_net_get(&id, "W"), ca, 2, 4, 3, ea);
    linear_ref(test_net_get(&id, "W"), cb, 2, 4, 3, eb);
    for (int n = 0; n < 2; n++) {
        double dot = 0, na = 0, nb = 0;
        for (int o = 0; o < 3; o++)
            dot += ea[n * 3 + o] * eb[n * 3 + o], na += ea[n * 3 + o] * ea[n * 3 + o],
                nb += eb[n * 3 + o] * eb[n * 3 + o];
        want -= dot / sqrt(na * nb) / 2;
    }
    tensor *y = loss_id(t, test_net_forward, &id, a, b, 0.5, 0);
    REQUIRE(y);
    CHECK_NEAR(y->data[0], want, 1e-5);
    /* Identical images: loss 0. Resizing to the net's input: 4x4 -> crop 2x2 -> 2x2. */
    tensor *same = loss_id(t, test_net_forward, &id, a, a, 0.75, 2);
    REQUIRE(same);
    CHECK_NEAR(same->data[0], 0, 1e-6);
    CHECK(!loss_id(t, test_net_forward, &id, a, b, 0, 0) && error_mentions("crop 0", NULL));
    tensor *flat = test_input(2, (int[]){2, 16}, "flat", ramp);
    REQUIRE(flat);
    CHECK(!loss_id(t, test_net_forward, &id, a, flat, 1, 0) && error_mentions("ID loss", "(N,C,H,W)"));
    params_set_frozen(&id.params, false);
    CHECK(!loss_id(t, test_net_forward, &id, a, b, 0.5, 0) && error_mentions("network ID must be frozen", NULL));
    tape_free(t);
    tensor_free(a);
    tensor_free(b);
    tensor_free(flat);
    test_net_free(&id);
}

TEST(loss_style_values) {
    network f, lin;
    REQUIRE(test_net_init(&f, "F", "identity", 0, 0, 0, 0, 0) && test_net_init(&lin, "L", "linear", 4, 0, 2, 1, 3));
    params_set_frozen(&lin.params, true);
    tensor *a = test_input(4, (int[]){2, 2, 1, 2}, "a", ramp), *b = test_input(4, (int[]){2, 2, 1, 2}, "b", wave);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && a && b);
    /* Gram per sample: G[c][d] = sum_p F[c][p] F[d][p] / (C H W) with C = 2, HW = 2. */
    double want = 0;
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 2; c++)
            for (int d = 0; d < 2; d++) {
                double ga = 0, gb = 0;
                for (int p = 0; p < 2; p++) {
                    ga += (double)a->data[n * 4 + c * 2 + p] * a->data[n * 4 + d * 2 + p] / 4;
                    gb += (double)b->data[n * 4 + c * 2 + p] * b->data[n * 4 + d * 2 + p] / 4;
                }
                want += (ga - gb) * (ga - gb) / 8;
            }
    tensor *g = loss_style(t, test_net_forward, &f, a, b, true, LOSS_DIST_MSE);
    tensor *feat = loss_style(t, test_net_forward, &f, a, b, false, LOSS_DIST_L1);
    REQUIRE(g && feat);
    CHECK_NEAR(g->data[0], want, 1e-6);
    double l1 = 0;
    for (int i = 0; i < 8; i++) l1 += fabs((double)a->data[i] - b->data[i]) / 8;
    CHECK_NEAR(feat->data[0], l1, 1e-6);
    CHECK(!loss_style(t, test_net_forward, &lin, a, b, true, LOSS_DIST_MSE) &&
          error_mentions("Gram matrices need (N,C,H,W)", "(2,2)"));
    tape_free(t);
    tensor_free(a);
    tensor_free(b);
    test_net_free(&f);
    test_net_free(&lin);
}

TEST(loss_domain_values_and_schedule) {
    network c;
    REQUIRE(test_net_init(&c, "domain", "linear", 4, 0, 1, 1, 17));
    tensor *s = test_input(2, (int[]){3, 4}, "source", ramp), *g = test_input(2, (int[]){2, 4}, "target", wave);
    tape *t = tape_new(device_cpu());
    REQUIRE(t && s && g);
    double ls[3], lt[2], want = 0;
    linear_ref(test_net_get(&c, "W"), s->data, 3, 4, 1, ls);
    linear_ref(test_net_get(&c, "W"), g->data, 2, 4, 1, lt);
    /* BCE with logits: log(1 + e^x) - x z; source label 0, target label 1. */
    for (int i = 0; i < 3; i++) want += 0.5 * log1p(exp(ls[i])) / 3;
    for (int i = 0; i < 2; i++) want += 0.5 * (log1p(exp(lt[i])) - lt[i]) / 2;
    tensor *y = loss_domain(t, test_net_forward, &c, s, g, (real)0.5);
    REQUIRE(y);
    CHECK_NEAR(y->data[0], want, 1e-6);
    CHECK(!loss_domain(t, test_net_forward, &c, s, g, (real)-1) && error_mentions("lambda -1", NULL));
    /* Ganin: 2 / (1 + exp(-gamma p)) - 1. */
    CHECK_NEAR(loss_domain_lambda(true, 1, 10, 0), 0, 1e-12);
    CHECK_NEAR(loss_domain_lambda(true, 1, 10, 0.5), 0.9866142981514305, 1e-12);
    CHECK_NEAR(loss_domain_lambda(true, 0.3, 10, 1), 0.3 * 0.9999092042625951, 1e-12);
    CHECK_NEAR(loss_domain_lambda(false, 0.3, 10, 0.1), 0.3, 1e-12);
    tape_free(t);
    tensor_free(s);
    tensor_free(g);
    test_net_free(&c);
}
