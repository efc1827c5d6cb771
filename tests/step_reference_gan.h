#ifndef GANC_TESTS_STEP_REFERENCE_GAN_H
#define GANC_TESTS_STEP_REFERENCE_GAN_H

/* Shared parts of the float64 step references of the GAN recipes
 * (tests/precision_step_cyclegan.c, precision_step_pix2pix.c):
 * a recipe runs its real steps through trainer_open/trainer_run on a
 * one-image-per-domain dataset written here, while the test recomputes the
 * same steps with plain code of its own (Adam, the lr schedule, losses from
 * core ops) on copies of the networks, and compares everything afterwards.
 * Only the networks' forward passes are shared: they have their own checks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ops/elementwise.h"
#include "core/ops/reduce.h"
#include "data/image_io.h"
#include "tests/test.h"
#include "tools/trainer.h"

#define SR_SIDE 8

typedef struct {
    char dir[64];
    trainer tr;
    bool open;
    volatile sig_atomic_t stop;
} sr_run;

/* DIR/trainA/x.png and DIR/trainB/x.png: random 8x8 images. */
static inline bool sr_write_images(const char *dir, uint64_t seed) {
    rng r;
    rng_init(&r, seed);
    const char *sub[2] = {"trainA", "trainB"};
    for (int k = 0; k < 2; k++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", dir, sub[k]);
        if (mkdir(path, 0700)) return false;
        uint8_t px[SR_SIDE * SR_SIDE * 3];
        for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(rng_uniform(&r) * 256);
        image img = {SR_SIDE, SR_SIDE, 3, px};
        snprintf(path, sizeof path, "%s/%s/x.png", dir, sub[k]);
        if (image_write(path, &img, 90)) return false;
    }
    return true;
}

/* The trainer's config, progress and summary lines (stdout and stderr)
 * would bury the test report; its errors come back as statuses. */
typedef struct {
    int out, err;
} sr_saved_fds;

static inline sr_saved_fds sr_quiet_begin(void) {
    fflush(stdout);
    fflush(stderr);
    sr_saved_fds saved = {dup(STDOUT_FILENO), dup(STDERR_FILENO)};
    FILE *null = fopen("/dev/null", "w");
    if (null) {
        dup2(fileno(null), STDOUT_FILENO);
        dup2(fileno(null), STDERR_FILENO);
        fclose(null);
    }
    return saved;
}

static inline void sr_quiet_end(sr_saved_fds saved) {
    fflush(stdout);
    fflush(stderr);
    if (saved.out >= 0) {
        dup2(saved.out, STDOUT_FILENO);
        close(saved.out);
    }
    if (saved.err >= 0) {
        dup2(saved.err, STDERR_FILENO);
        close(saved.err);
    }
}

/* Opens a run of INI text (without [data] and [train], which this adds). */
static inline ganc_status sr_open(sr_run *run, const char *ini, const char *data_kind) {
    snprintf(run->dir, sizeof run->dir, "/tmp/ganc_stepref_XXXXXX");
    if (!mkdtemp(run->dir)) return GANC_ERR(GANC_ERR_IO, "mkdtemp failed");
    if (!sr_write_images(run->dir, 99)) return GANC_ERR(GANC_ERR_IO, "could not write the images in %s", run->dir);
    char path[160];
    snprintf(path, sizeof path, "%s/run.ini", run->dir);
    FILE *f = fopen(path, "w");
    if (!f) return GANC_ERR(GANC_ERR_IO, "could not write %s", path);
    fprintf(f, "%s\n[data]\nkind = %s\nroot = %s\nload_size = %d\ncrop_size = %d\nflip = false\n\n"
            "[train]\nout = %s/out\nbatch_size = 1\nsteps = 1\nseed = 5\nlog_every = 1\nsample_every = 0\n"
            "checkpoint_every = 0\n", ini, data_kind, run->dir, SR_SIDE, SR_SIDE, run->dir);
    fclose(f);
    trainer_options o = {.config_path = path, .device = "cpu"};
    sr_saved_fds saved = sr_quiet_begin();
    ganc_status st = trainer_open(&run->tr, &o, &run->stop);
    sr_quiet_end(saved);
    run->open = st == GANC_OK;
    return st;
}

/* Runs the trainer on to `steps` finished steps, as `ganc train` does. */
static inline ganc_status sr_train_to(sr_run *run, long steps) {
    run->tr.total_steps = steps;
    sr_saved_fds saved = sr_quiet_begin();
    ganc_status st = trainer_run(&run->tr);
    sr_quiet_end(saved);
    return st;
}

static inline void sr_close(sr_run *run) {
    if (run->open) trainer_close(&run->tr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", run->dir);
}

/* The dataset's (only) A and B images, as the trainer's batches carry them. */
static inline ganc_status sr_images(sr_run *run, real *a, real *b) {
    dataset *ds;
    ganc_status st = dataset_open(run->tr.cfg, "data", run->tr.seed, NULL, &ds);
    if (st) return st;
    sample s;
    st = sample_init(&s, ds);
    if (!st) st = dataset_get(ds, 0, 0, &s);
    if (!st) {
        memcpy(a, s.a, 3 * SR_SIDE * SR_SIDE * sizeof(real));
        memcpy(b, s.b, 3 * SR_SIDE * SR_SIDE * sizeof(real));
    }
    sample_free(&s);
    dataset_free(ds);
    return st;
}

/* A copy of trainer network `name` (built from `section`) with its current
 * weights, and its own plain Adam state. */
typedef struct {
    const char *name;
    network *net;
    real *m, *v;
    long steps;
} sr_net;

static inline ganc_status sr_net_copy(sr_run *run, const char *section, const char *name, sr_net *out) {
    rng r;
    rng_init(&r, 1);
    out->name = name;
    out->net = network_from_config(run->tr.cfg, section, name, &r);
    network *theirs = trainer_network_named(&run->tr, name);
    if (!out->net || !theirs) return ganc_error_status();
    if (out->net->params.numel != theirs->params.numel)
        return GANC_ERR(GANC_ERR_STATE, "%s: %zu parameters, the trainer's has %zu", name, out->net->params.numel,
                        theirs->params.numel);
    memcpy(out->net->params.data, theirs->params.data, theirs->params.numel * sizeof(real));
    out->m = calloc(theirs->params.numel, sizeof(real));
    out->v = calloc(theirs->params.numel, sizeof(real));
    out->steps = 0;
    return out->m && out->v ? GANC_OK : GANC_ERR(GANC_ERR_MEMORY, "out of memory");
}

static inline void sr_net_free(sr_net *n) {
    network_free(n->net);
    free(n->m);
    free(n->v);
}

/* Kingma & Ba's Algorithm 1 with betas (0.5, 0.999), eps 1e-8 (the tests' [optim]). */
static inline void sr_adam(sr_net *n, double lr) {
    const double b1 = 0.5, b2 = 0.999, eps = 1e-8;
    param_set *ps = &n->net->params;
    n->steps++;
    for (size_t i = 0; i < ps->numel; i++) {
        double g = ps->grad[i];
        n->m[i] = (real)(b1 * n->m[i] + (1 - b1) * g);
        n->v[i] = (real)(b2 * n->v[i] + (1 - b2) * g * g);
        double mhat = n->m[i] / (1 - pow(b1, (double)n->steps)), vhat = n->v[i] / (1 - pow(b2, (double)n->steps));
        ps->data[i] = (real)(ps->data[i] - lr * mhat / (sqrt(vhat) + eps));
    }
}

/* CycleGAN's linear decay (per step here): 1 for n_constant steps, then
 * falling by 1/(n_decay+1) each step. */
static inline double sr_lr(double base, long step, long n_constant, long n_decay) {
    double over = (double)(step + 1 - n_constant);
    return base * (1 - (over > 0 ? over : 0) / (double)(n_decay + 1));
}

static inline void sr_zero_grads(sr_net *nets, int n) {
    for (int i = 0; i < n; i++) memset(nets[i].net->params.grad, 0, nets[i].net->params.numel * sizeof(real));
}

static inline double sr_scalar(const tensor *x) { return x ? (double)x->data[0] : NAN; }

/* |got - want| <= 1e-9 * max |want| over the array (1e-4 in float32). */
static inline void sr_compare(test_ctx *tc, const char *what, long step, const real *got, const real *want, size_t n) {
    double scale = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)want[i]));
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= worst)) worst = d, at = i;
    }
    double tol = (REAL_IS_DOUBLE ? 1e-9 : 1e-4) * (scale > 0 ? scale : 1);
    CHECK_MSG(worst <= tol, "after step %ld: %s differs from the reference at %zu: %.12g vs %.12g (max |ref| %.3g)",
              step, what, at, (double)got[at], (double)want[at], scale);
}

/* Parameters and both Adam moments of the trainer's network against the reference's. */
static inline void sr_compare_net(test_ctx *tc, sr_run *run, const sr_net *ref, long step) {
    trainer_network *tn = NULL;
    for (int i = 0; i < run->tr.n_nets; i++)
        if (strcmp(run->tr.nets[i].net->name, ref->name) == 0) tn = &run->tr.nets[i];
    CHECK_MSG(tn && tn->opt.adam.step == ref->steps, "%s: %ld Adam steps, the reference made %ld", ref->name,
              tn ? tn->opt.adam.step : -1, ref->steps);
    if (!tn) return;
    char what[96];
    size_t n = ref->net->params.numel;
    snprintf(what, sizeof what, "%s parameters", ref->name);
    sr_compare(tc, what, step, tn->net->params.data, ref->net->params.data, n);
    snprintf(what, sizeof what, "%s Adam m", ref->name);
    sr_compare(tc, what, step, tn->opt.adam.m, ref->m, n);
    snprintf(what, sizeof what, "%s Adam v", ref->name);
    sr_compare(tc, what, step, tn->opt.adam.v, ref->v, n);
}

/* The trainer's latest value of metric `name` against the reference's. */
static inline void sr_compare_metric(test_ctx *tc, sr_run *run, const char *name, double want, long step) {
    int i = 0;
    while (i < run->tr.n_metrics && strcmp(run->tr.metric_names[i], name) != 0) i++;
    CHECK_MSG(i < run->tr.n_metrics, "step %ld: the trainer logged no loss %s", step, name);
    if (i == run->tr.n_metrics) return;
    double got = run->tr.metric_values[i], tol = (REAL_IS_DOUBLE ? 1e-9 : 1e-4) * fmax(1, fabs(want));
    CHECK_MSG(fabs(got - want) <= tol, "step %ld: loss %s is %.12g, the reference's %.12g", step, name, got, want);
}

/* Plain forms of the losses, from their papers. */
static inline tensor *sr_mean_abs_diff(tape *t, const tensor *a, const tensor *b) {
    return op_mean(t, op_abs(t, op_sub(t, a, b)), 0, false);
}
static inline tensor *sr_mean_sq_from(tape *t, const tensor *x, double target) {
    return op_mean(t, op_pow(t, op_add_scalar(t, x, (real)-target), 2), 0, false);
}
/* Binary cross-entropy on logits x against label y: mean(log(1 + e^x) - y x). */
static inline tensor *sr_bce_logits(tape *t, const tensor *x, double y) {
    return op_mean(t, op_sub(t, op_softplus(t, x), op_mul_scalar(t, x, (real)y)), 0, false);
}

#endif
