/* Step reference of the regressor recipe: three steps of `ganc train`'s
 * loop (tools/trainer.c) on a tiny classifier E, against a plain
 * implementation of the same steps written from the definitions: E's
 * prediction of each image's label vector, the configured distance (l1:
 * mean |y - t|; mse: mean (y - t)^2; l2: mean over samples of ||y - t||),
 * the MAE metric, Adam (Kingma & Ba, Algorithm 1) at the lr of CycleGAN's
 * constant_linear schedule. Every loss value, parameter and Adam moment
 * must agree to 1e-9 in float64; float32 rounding is far above that, so
 * the float32 runner skips it. */
#include "tests/step_reference.h"

#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"

#define STEPS 3
#define N_IMAGES 4
#define BASE_LR 0.01

static const char LABEL_COLUMNS[] = "a_face_width,a_skin_tone,a_hair_length";

/* constant_linear with n_constant = 1, n_decay = 2 in steps: lr (1 - max(0, k + 1 - 1) / 3). */
static double schedule_lr_at(int k) { return BASE_LR * (1 - fmax(0, k) / 3.0); }

static bool write_config(const char *dir, const char *distance, char *path, size_t size) {
    snprintf(path, size, "%s/regressor_%s.ini", dir, distance);
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fprintf(f,
            "[experiment]\nrecipe = regressor\n"
            "[data]\nkind = labelled\nroot = %s/faces/images\nlabels = %s/faces/labels.csv\nlabel_columns = %s\n"
            "load_size = 8\ncrop_size = 8\ncrop = center\nflip = false\n"
            "[train]\nout = %s/run_%s\nbatch_size = %d\nsteps = %d\nseed = 5\nlog_every = 1\nsample_every = 0\n"
            "checkpoint_every = 0\n"
            "[E]\narch = classifier\noutputs = 3\nimage_size = 8\nwidth = 2\ndepth = 2\nnorm = none\n"
            "[optim]\nkind = adam\nlr = %g\nbeta1 = 0.8\nbeta2 = 0.9\nschedule = constant_linear\n"
            "schedule_unit = step\nn_constant = 1\nn_decay = 2\n"
            "[regressor]\ndistance = %s\n",
            dir, dir, LABEL_COLUMNS, dir, distance, N_IMAGES, STEPS, BASE_LR, distance);
    return fclose(f) == 0;
}

/* The reference step; the loss and MAE values it computed. */
static bool reference_step(tape *t, ref_net *e, const real *images, const real *labels, int n, int side, int k,
                           const char *distance, int step, double *loss_out, double *mae_out) {
    tape_reset(t);
    tensor *x = tape_from_host(t, 4, (int[]){n, 3, side, side}, images, "x");
    tensor *truth = tape_from_host(t, 2, (int[]){n, k}, labels, "labels");
    tensor *y = network_forward(e->net, t, x);
    tensor *d = op_sub(t, y, truth), *loss;
    if (strcmp(distance, "l1") == 0) loss = op_mean(t, op_abs(t, d), 0, false);
    else if (strcmp(distance, "mse") == 0) loss = op_mean(t, op_mul(t, d, d), 0, false);
    else loss = op_mean(t, op_sqrt(t, op_sum(t, op_mul(t, d, d), 1u << 1, false)), 0, false);
    if (!loss) return false;
    *loss_out = loss->data[0];
    double mae = 0;
    for (size_t i = 0; i < d->numel; i++) mae += fabs((double)d->data[i]);
    *mae_out = mae / (double)d->numel;
    params_zero_grad(&e->net->params);
    if (tape_backward(t, loss, NULL)) return false;
    ref_adam_step(e, schedule_lr_at(step));
    return true;
}

static void check_distance(test_ctx *tc, const char *dir, const char *distance) {
    char config_path[1200], ref_ini[2400];
    REQUIRE(write_config(dir, distance, config_path, sizeof config_path));
    snprintf(ref_ini, sizeof ref_ini,
             "[ref]\nkind = labelled\nroot = %s/faces/images\nlabels = %s/faces/labels.csv\nlabel_columns = %s\n"
             "load_size = 8\ncrop_size = 8\ncrop = center\nflip = false\n", dir, dir, LABEL_COLUMNS);
    real *images = NULL, *labels = NULL;
    int n, side, k;
    REQUIRE(step_ref_read_all(ref_ini, &images, &labels, &n, &side, &k));
    CHECK(n == N_IMAGES && side == 8 && k == 3);
    volatile sig_atomic_t stop = 0;
    trainer tr;
    ganc_status st = step_ref_open(&tr, config_path, &stop);
    CHECK_MSG(st == GANC_OK, "distance %s: trainer_open: %s", distance, ganc_error_message());
    ref_net e = {0};
    tape *rt = tape_new(device_cpu());
    bool ok = !st && rt && ref_net_copy(&e, &tr, "E", 0.8, 0.9, 1e-8);
    CHECK_MSG(ok, "distance %s: could not set up the reference: %s", distance, ganc_error_message());
    for (int step = 0; ok && step < STEPS; step++) {
        double loss, mae;
        ok = reference_step(rt, &e, images, labels, n, side, k, distance, step, &loss, &mae);
        CHECK_MSG(ok, "distance %s: reference step %d: %s", distance, step, ganc_error_message());
        st = ok ? step_ref_runner_step(&tr) : GANC_OK;
        CHECK_MSG(st == GANC_OK, "distance %s: recipe step %d: %s", distance, step, ganc_error_message());
        if (!ok || st) break;
        char run[64];
        snprintf(run, sizeof run, "distance %s", distance);
        step_ref_compare_value(tc, run, step + 1, "loss", step_ref_metric(&tr, "loss"), loss);
        step_ref_compare_value(tc, run, step + 1, "mae", step_ref_metric(&tr, "mae"), mae);
        step_ref_compare_net(tc, run, &tr, &e, step + 1);
    }
    ref_net_free(&e);
    tape_free(rt);
    trainer_close(&tr);
    free(images);
    free(labels);
}

TEST(precision_step_regressor_matches_reference) {
    if (!REAL_IS_DOUBLE) SKIP("an exact step reference (1e-9): checked in the float64 runner");
    char dir[512];
    REQUIRE(step_ref_tmpdir(dir, sizeof dir));
    if (step_ref_synth(dir, "faces", "photo", N_IMAGES, 4)) {
        check_distance(tc, dir, "l1");
        check_distance(tc, dir, "l2");
        check_distance(tc, dir, "mse");
    } else {
        CHECK_MSG(false, "ganc synth failed: %s", ganc_error_message());
    }
    step_ref_remove(dir);
}
