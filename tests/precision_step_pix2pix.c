/* pix2pix's step (experiments/pix2pix/pix2pix.c) against a plain
 * reference written from Isola et al. 2017 (vanilla GAN on logits):
 *   D: 0.5 (BCE(D(a ++ b), label) + BCE(D(a ++ G(a)), 0)), G(a) detached,
 *   then G: BCE(D'(a ++ G(a)), 1) + l_L1 mean |G(a) - b| with the updated D',
 * "++" the concatenation on channels, Adam at the linearly decaying lr.
 * Three steps through trainer_run; every loss, parameter and Adam moment
 * must agree. */
#include "core/ops/shape.h"
#include "core/ops/view.h"
#include "tests/step_reference_gan.h"

#define STEPS 3

static const char *const CONFIG =
    "[experiment]\nrecipe = pix2pix\n"
    "[G]\narch = unet_generator\nngf = 2\nnum_downs = 3\nnorm = none\nuse_dropout = false\n"
    "[D]\narch = patchgan\nin_channels = 6\nndf = 2\nn_layers = 1\nnorm = none\n"
    "[optim]\nkind = adam\nlr = 0.01\nbeta1 = 0.5\nbeta2 = 0.999\nschedule = constant_linear\n"
    "schedule_unit = step\nn_constant = 1\nn_decay = 3\n"
    "[loss.l1]\nkind = paired\nweight = 7\n";

static tensor *judge(tape *t, sr_net *d, const tensor *a, const tensor *b) {
    const tensor *pair[2] = {a, b};
    return network_forward(d->net, t, op_concat(t, 2, pair, 1));
}

/* loss: D, G_GAN, l1 */
static void ref_step(tape *t, sr_net *g, sr_net *d, const real *a, const real *b, long step, double label,
                     double loss[3]) {
    int shape[4] = {1, 3, SR_SIDE, SR_SIDE};
    tape_reset(t);
    tensor *real_A = tape_from_host(t, 4, shape, a, "real_A"), *real_B = tape_from_host(t, 4, shape, b, "real_B");
    tensor *fake_B = network_forward(g->net, t, real_A);
    double lr = sr_lr(0.01, step, 1, 3);
    tensor *loss_d = op_mul_scalar(t, op_add(t, sr_bce_logits(t, judge(t, d, real_A, real_B), label),
                                             sr_bce_logits(t, judge(t, d, real_A, op_detach(t, fake_B)), 0)),
                                   (real)0.5);
    loss[0] = sr_scalar(loss_d);
    sr_zero_grads(d, 1);
    if (!loss_d || tape_backward(t, loss_d, NULL)) return;
    sr_adam(d, lr);
    tensor *gan = sr_bce_logits(t, judge(t, d, real_A, fake_B), 1), *l1 = sr_mean_abs_diff(t, fake_B, real_B);
    loss[1] = sr_scalar(gan);
    loss[2] = sr_scalar(l1);
    tensor *loss_g = op_add(t, gan, op_mul_scalar(t, l1, 7));
    sr_zero_grads(g, 1);
    if (!loss_g || tape_backward(t, loss_g, NULL)) return;
    sr_adam(g, lr);
}

static void check_pix2pix(test_ctx *tc, const char *extra, double real_label) {
    if (!REAL_IS_DOUBLE) SKIP("a step reference is exact only in the float64 runner");
    char ini[2048];
    snprintf(ini, sizeof ini, "%s%s", CONFIG, extra);
    sr_run run = {0};
    ganc_status st = sr_open(&run, ini, "aligned");
    CHECK_MSG(st == GANC_OK, "trainer_open: %s", ganc_error_message());
    sr_net g = {0}, d = {0};
    if (!st) st = sr_net_copy(&run, "G", "G", &g);
    if (!st) st = sr_net_copy(&run, "D", "D", &d);
    real a[3 * SR_SIDE * SR_SIDE], b[3 * SR_SIDE * SR_SIDE];
    if (!st) st = sr_images(&run, a, b);
    tape *t = st ? NULL : tape_new(device_cpu());
    CHECK_MSG(!st && t, "setting up the reference: %s", ganc_error_message());
    static const char *const losses[3] = {"D", "G_GAN", "l1"};
    for (long step = 0; t && step < STEPS; step++) {
        ganc_status ran = sr_train_to(&run, step + 1);
        CHECK_MSG(ran == GANC_OK, "trainer_run to step %ld: %s", step + 1, ganc_error_message());
        if (ran) break;
        double loss[3];
        ref_step(t, &g, &d, a, b, step, real_label, loss);
        for (int i = 0; i < 3; i++) sr_compare_metric(tc, &run, losses[i], loss[i], step + 1);
        sr_compare_net(tc, &run, &g, step + 1);
        sr_compare_net(tc, &run, &d, step + 1);
    }
    if (t) tape_free(t);
    if (g.net) sr_net_free(&g);
    if (d.net) sr_net_free(&d);
    sr_close(&run);
}

TEST(step_reference_pix2pix_default_label) { check_pix2pix(tc, "[pix2pix]\ngan_mode = vanilla\n", 1.0); }

TEST(step_reference_pix2pix_smoothed_label) {
    check_pix2pix(tc, "[pix2pix]\ngan_mode = vanilla\nreal_label = 0.9\n", 0.9);
}
