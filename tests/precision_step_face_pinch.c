/* Step reference of the face_pinch recipe (DANN, Ganin & Lempitsky 2015):
 * three steps of `ganc train`'s loop (tools/trainer.c) on tiny networks
 * against a plain implementation written from the equations:
 *
 *   feat = F([x_source; x_target])          one pass: F's batch norm sees both
 *   pred = R(feat)                           15 bones per image
 *   L_reg = mean (pred_source - bones_source)^2      source images only
 *   lambda_k = lambda (2 / (1 + exp(-gamma p_k)) - 1),  p_k = k / (steps - 1)
 *                                           (schedule = ganin; fixed: lambda)
 *   logits = D(GRL_lambda(feat))             identity forward, -lambda times the gradient backward
 *   L_dom = (BCE(logits_source, 1) + BCE(logits_target, 0)) / 2
 *   loss = w_reg L_reg + w_dom L_dom; one backward; Adam on F, R (lr of
 *   [optim], constant_linear) and D (lr of [optim.domain], constant)
 *   the run stops once loss < stop_loss for stop_patience steps in a row
 *
 * The gradient reversal is built here from other ops: -lambda feat +
 * (1 + lambda) detach(feat) has feat's value and -lambda times its
 * gradient. The bones are read by column name from the labels, not
 * through experiments/face_pinch/bones.c. Every loss value, metric,
 * parameter, batch-norm statistic and Adam moment must agree to 1e-9 in
 * float64; the float32 runner skips it. */
#include "tests/step_reference.h"

#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/view.h"

#define STEPS 3
#define N_IMAGES 4
#define N_BONES 15
#define BASE_LR 0.01
#define DOMAIN_LR 0.03
#define LAMBDA 0.8
#define GAMMA 3.0
#define W_REG 2.5
#define W_DOM 0.7
#define STOP_PATIENCE 3

/* The bone columns of `ganc synth`'s labels.csv, in the order of R's outputs. */
static const char BONES[] =
    "p_face_width,p_face_length,p_jaw_width,p_chin_pointiness,p_eye_size,p_eye_height,p_eye_spacing,"
    "p_brow_thickness,p_brow_height,p_nose_size,p_nose_width,p_nose_height,p_mouth_width,p_mouth_height,"
    "p_lip_thickness";

static double lr_at(int k) { return BASE_LR * (1 - fmax(0, k) / 3.0); } /* n_constant 1, n_decay 2 */

/* schedule = ganin: Ganin's ramp over the run's progress; fixed: LAMBDA throughout. */
static double lambda_at(bool ganin, int k) {
    return ganin ? LAMBDA * (2 / (1 + exp(-GAMMA * k / (double)(STEPS - 1))) - 1) : LAMBDA;
}

static bool write_config(const char *dir, bool ganin, char *path, size_t size) {
    snprintf(path, size, "%s/face_pinch_%s.ini", dir, ganin ? "ganin" : "fixed");
    FILE *f = fopen(path, "w");
    if (!f) return false;
    static const char *const sections[] = {"data", "virtual", "target", "photo"};
    fprintf(f, "[experiment]\nrecipe = face_pinch\n");
    for (int i = 0; i < 4; i += 2)
        fprintf(f, "[%s]\nkind = labelled\nroot = %s/%s/images\nlabels = %s/%s/labels.csv\nlabel_columns = p_*\n"
                "load_size = 16\ncrop_size = 16\ncrop = center\nflip = false\n",
                sections[i], dir, sections[i + 1], dir, sections[i + 1]);
    fprintf(f,
            "[train]\nout = %s/run_%s\nbatch_size = %d\nsteps = %d\nseed = 7\nlog_every = 1\nsample_every = 0\n"
            "checkpoint_every = 0\n"
            "[face_pinch]\nstop_loss = 1e9\nstop_patience = %d\n"
            "[F]\narch = residual_encoder\nwidth = 2\nn_blocks = 2\nimage_size = 16\nnorm = batch\n"
            "[R]\narch = mlp\nwidth = 4\nlayers = 2\noutputs = 15\nout_activation = sigmoid\n"
            "[domain]\narch = mlp\nwidth = 4\nlayers = 2\noutputs = 1\n"
            "[optim]\nkind = adam\nlr = %g\nbeta1 = 0.8\nbeta2 = 0.9\nschedule = constant_linear\n"
            "schedule_unit = step\nn_constant = 1\nn_decay = 2\n"
            "[optim.domain]\nkind = adam\nlr = %g\nbeta1 = 0.5\nbeta2 = 0.99\n"
            "[loss.regression]\nkind = paired\na = pred_source\nb = params_source\ndistance = mse\nweight = %g\n"
            "[loss.domain]\nkind = domain\na = feat_target\nb = feat_source\nlambda = %g\nschedule = %s\n"
            "gamma = %g\nweight = %g\n",
            dir, ganin ? "ganin" : "fixed", N_IMAGES, STEPS, STOP_PATIENCE, BASE_LR, DOMAIN_LR, W_REG, LAMBDA,
            ganin ? "ganin" : "fixed", GAMMA, W_DOM);
    return fclose(f) == 0;
}

typedef struct {
    real *images, *bones; /* (2N,3,S,S): source then target; (2N,15) likewise */
    int side;
} pinch_data;

static bool read_domain_data(const char *dir, const char *folder, real **images, real **bones, int *side) {
    char ini[1600];
    snprintf(ini, sizeof ini,
             "[ref]\nkind = labelled\nroot = %s/%s/images\nlabels = %s/%s/labels.csv\nlabel_columns = %s\n"
             "load_size = 16\ncrop_size = 16\ncrop = center\nflip = false\n", dir, folder, dir, folder, BONES);
    int n, k;
    return step_ref_read_all(ini, images, bones, &n, side, &k) && n == N_IMAGES && k == N_BONES;
}

static bool read_data(const char *dir, pinch_data *d) {
    real *img[2] = {0}, *bones[2] = {0};
    int side[2] = {0};
    bool ok = read_domain_data(dir, "virtual", &img[0], &bones[0], &side[0]) &&
              read_domain_data(dir, "photo", &img[1], &bones[1], &side[1]) && side[0] == side[1];
    size_t plane = 3 * (size_t)side[0] * side[0];
    d->side = side[0];
    d->images = ok ? malloc(sizeof(real) * plane * 2 * N_IMAGES) : NULL;
    d->bones = ok ? malloc(sizeof(real) * N_BONES * 2 * N_IMAGES) : NULL;
    ok = ok && d->images && d->bones;
    for (int i = 0; ok && i < 2; i++) {
        memcpy(d->images + i * plane * N_IMAGES, img[i], sizeof(real) * plane * N_IMAGES);
        memcpy(d->bones + i * N_BONES * N_IMAGES, bones[i], sizeof(real) * N_BONES * N_IMAGES);
    }
    for (int i = 0; i < 2; i++) {
        free(img[i]);
        free(bones[i]);
    }
    return ok;
}

typedef struct {
    double loss, regression, domain, src_mae, tgt_mae, domain_acc;
} pinch_values;

/* The MAE metrics take the true parameters as float vectors (pinch_error
 * of bones.h, shared with `ganc pinch`): the reference rounds them alike. */
static double mean_abs_diff(const tensor *pred, const real *truth, int row0) {
    double s = 0;
    for (int i = 0; i < N_IMAGES * N_BONES; i++)
        s += fabs((double)pred->data[row0 * N_BONES + i] - (double)(float)truth[row0 * N_BONES + i]);
    return s / (N_IMAGES * N_BONES);
}

static bool reference_step(tape *t, ref_net *f, ref_net *r, ref_net *dom, const pinch_data *d, bool ganin, int k,
                           pinch_values *out) {
    const int n = N_IMAGES, both = 2 * N_IMAGES;
    tape_reset(t);
    tensor *x = tape_from_host(t, 4, (int[]){both, 3, d->side, d->side}, d->images, "x");
    tensor *truth = tape_from_host(t, 2, (int[]){n, N_BONES}, d->bones, "bones_source");
    tensor *feat = network_forward(f->net, t, x);
    tensor *pred = network_forward(r->net, t, feat);
    tensor *diff = op_sub(t, op_slice(t, pred, 0, 0, n), truth);
    tensor *l_reg = op_mean(t, op_mul(t, diff, diff), 0, false);
    double lambda = lambda_at(ganin, k);
    tensor *reversed = op_add(t, op_mul_scalar(t, feat, (real)-lambda),
                              op_mul_scalar(t, op_detach(t, feat), (real)(1 + lambda)));
    tensor *logits = network_forward(dom->net, t, reversed); /* (2N,1) */
    real domain_label[2 * N_IMAGES];
    for (int i = 0; i < both; i++) domain_label[i] = i < n ? 1 : 0; /* virtual faces 1, user photos 0 */
    tensor *labels = tape_from_host(t, 2, (int[]){both, 1}, domain_label, "domain_labels");
    tensor *bce_source = op_bce_with_logits(t, op_slice(t, logits, 0, 0, n), op_slice(t, labels, 0, 0, n));
    tensor *bce_target = op_bce_with_logits(t, op_slice(t, logits, 0, n, n), op_slice(t, labels, 0, n, n));
    tensor *l_dom = op_mul_scalar(t, op_add(t, bce_source, bce_target), 0.5);
    tensor *loss = op_add(t, op_mul_scalar(t, l_reg, W_REG), op_mul_scalar(t, l_dom, W_DOM));
    if (!loss) return false;
    double right_source = 0, right_target = 0;
    for (int i = 0; i < both; i++) {
        if (i < n) right_source += logits->data[i] > 0;
        else right_target += logits->data[i] < 0;
    }
    *out = (pinch_values){.loss = loss->data[0], .regression = l_reg->data[0], .domain = l_dom->data[0],
                          .src_mae = mean_abs_diff(pred, d->bones, 0), .tgt_mae = mean_abs_diff(pred, d->bones, n),
                          .domain_acc = 0.5 * (right_source / n + right_target / n)};
    ref_net *nets[] = {f, r, dom};
    for (int i = 0; i < 3; i++) params_zero_grad(&nets[i]->net->params);
    if (tape_backward(t, loss, NULL)) return false;
    ref_adam_step(f, lr_at(k));
    ref_adam_step(r, lr_at(k));
    ref_adam_step(dom, DOMAIN_LR);
    return true;
}

static void compare_values(test_ctx *tc, const char *run, const trainer *tr, long step, const pinch_values *want) {
    step_ref_compare_value(tc, run, step, "loss", step_ref_metric(tr, "loss"), want->loss);
    step_ref_compare_value(tc, run, step, "regression", step_ref_metric(tr, "regression"), want->regression);
    step_ref_compare_value(tc, run, step, "domain", step_ref_metric(tr, "domain"), want->domain);
    step_ref_compare_value(tc, run, step, "src_mae", step_ref_metric(tr, "src_mae"), want->src_mae);
    step_ref_compare_value(tc, run, step, "tgt_mae", step_ref_metric(tr, "tgt_mae"), want->tgt_mae);
    step_ref_compare_value(tc, run, step, "domain_acc", step_ref_metric(tr, "domain_acc"), want->domain_acc);
}

static void check_steps(test_ctx *tc, const char *dir, bool ganin) {
    const char *run = ganin ? "schedule ganin" : "schedule fixed";
    char config_path[1200];
    pinch_data d = {0};
    REQUIRE(write_config(dir, ganin, config_path, sizeof config_path));
    REQUIRE(read_data(dir, &d));
    volatile sig_atomic_t stop = 0;
    trainer tr;
    ganc_status st = step_ref_open(&tr, config_path, &stop);
    CHECK_MSG(st == GANC_OK, "%s: trainer_open: %s", run, ganc_error_message());
    ref_net f = {0}, r = {0}, dom = {0};
    tape *rt = tape_new(device_cpu());
    bool ok = !st && rt && ref_net_copy(&f, &tr, "F", 0.8, 0.9, 1e-8) && ref_net_copy(&r, &tr, "R", 0.8, 0.9, 1e-8) &&
              ref_net_copy(&dom, &tr, "domain", 0.5, 0.99, 1e-8);
    CHECK_MSG(ok, "%s: could not set up the reference: %s", run, ganc_error_message());
    for (int k = 0; ok && k < STEPS; k++) {
        pinch_values want;
        ok = reference_step(rt, &f, &r, &dom, &d, ganin, k, &want);
        CHECK_MSG(ok, "%s: reference step %d: %s", run, k, ganc_error_message());
        st = ok ? step_ref_runner_step(&tr) : GANC_OK;
        CHECK_MSG(st == GANC_OK, "%s: recipe step %d: %s", run, k, ganc_error_message());
        if (!ok || st) break;
        compare_values(tc, run, &tr, k + 1, &want);
        step_ref_compare_net(tc, run, &tr, &f, k + 1);
        step_ref_compare_net(tc, run, &tr, &r, k + 1);
        step_ref_compare_net(tc, run, &tr, &dom, k + 1);
        /* Every summed loss is below stop_loss = 1e9: the run ends after exactly stop_patience steps. */
        bool finished = tr.finished[0] != '\0';
        CHECK_MSG(finished == (k + 1 >= STOP_PATIENCE), "%s, step %d: the stop rule %s (stop_patience %d)", run, k + 1,
                  finished ? "ended the run" : "did not end the run", STOP_PATIENCE);
    }
    ref_net_free(&f);
    ref_net_free(&r);
    ref_net_free(&dom);
    tape_free(rt);
    trainer_close(&tr);
    free(d.images);
    free(d.bones);
}

TEST(precision_step_face_pinch_matches_reference) {
    if (!REAL_IS_DOUBLE) SKIP("an exact step reference (1e-9): checked in the float64 runner");
    char dir[512];
    REQUIRE(step_ref_tmpdir(dir, sizeof dir));
    if (step_ref_synth(dir, "virtual", "virtual", N_IMAGES, 1) && step_ref_synth(dir, "photo", "photo", N_IMAGES, 2)) {
        check_steps(tc, dir, true);
        check_steps(tc, dir, false);
    } else {
        CHECK_MSG(false, "ganc synth failed: %s", ganc_error_message());
    }
    step_ref_remove(dir);
}
