#ifndef GANC_TESTS_STEP_REFERENCE_H
#define GANC_TESTS_STEP_REFERENCE_H

/* What the float64 step references of the regressor and face_pinch
 * recipes share: the recipe's real steps through the trainer (the loop of
 * trainer_run), reference copies of its networks with a plain Adam written
 * from the paper, the reference's data read sample by sample, and the
 * comparison of every parameter, buffer and Adam moment. Header-only: the
 * float64 runner links the precision_*.c files alone. */

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"
#include "tools/commands.h"
#include "tools/trainer.h"

/* A float64 reference agrees to this, relative (floor 1e-12 of the array's largest value). */
#define STEP_REF_TOL 1e-9

static inline bool step_ref_close(double got, double want, double scale) {
    return fabs(got - want) <= STEP_REF_TOL * fabs(want) + 1e-12 * scale;
}

/* A fresh folder under $TMPDIR or /tmp; removed with step_ref_remove. */
static inline bool step_ref_tmpdir(char *dir, size_t size) {
    const char *base = getenv("TMPDIR");
    snprintf(dir, size, "%s/ganc_stepref_XXXXXX", base && base[0] ? base : "/tmp");
    return mkdtemp(dir) != NULL;
}

static inline void step_ref_remove(const char *dir) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* trainer_open and `ganc synth` report on stdout (the resolved config, the
 * layer tables): muted, so that the runner's output stays one line a test;
 * their errors come back through ganc_error_message. */
static inline int step_ref_mute_stdout(void) {
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0) dup2(null, STDOUT_FILENO);
    if (null >= 0) close(null);
    return saved;
}

static inline void step_ref_restore_stdout(int saved) {
    fflush(stdout);
    if (saved < 0) return;
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

/* `ganc synth --style STYLE --n N --size 16 --seed SEED --out DIR/NAME`. */
static inline bool step_ref_synth(const char *dir, const char *name, const char *style, int n, int seed) {
    char out[1100], n_text[16], seed_text[16];
    snprintf(out, sizeof out, "%s/%s", dir, name);
    snprintf(n_text, sizeof n_text, "%d", n);
    snprintf(seed_text, sizeof seed_text, "%d", seed);
    char *argv[] = {"synth", "--style", (char *)style, "--n", n_text, "--size", "16", "--seed", seed_text,
                    "--out", out};
    int saved = step_ref_mute_stdout();
    bool ok = cmd_synth((int)(sizeof argv / sizeof argv[0]), argv) == 0;
    step_ref_restore_stdout(saved);
    return ok;
}

/* trainer_open with stdout muted. */
static inline ganc_status step_ref_open(trainer *tr, const char *config_path, volatile sig_atomic_t *stop) {
    trainer_options o = {.config_path = config_path};
    int saved = step_ref_mute_stdout();
    ganc_status st = trainer_open(tr, &o, stop);
    step_ref_restore_stdout(saved);
    return st;
}

/* One step as trainer_run takes it (ganc train's loop, less the logs). */
static inline ganc_status step_ref_runner_step(trainer *tr) {
    const batch *b;
    ganc_status st = prefetch_next(tr->loader, &b);
    if (st) return st;
    tape_reset(tr->t);
    if ((st = tr->recipe->train_step(tr, b))) return st;
    if ((st = tr->t->be->sync())) return st;
    tr->step++;
    return GANC_OK;
}

/* The latest value of metric `name` of the trainer; NAN when never reported. */
static inline double step_ref_metric(const trainer *tr, const char *name) {
    for (int i = 0; i < tr->n_metrics; i++)
        if (strcmp(tr->metric_names[i], name) == 0) return tr->metric_values[i];
    return NAN;
}

static inline trainer_network *step_ref_trained(trainer *tr, const char *name) {
    for (int i = 0; i < tr->n_nets; i++)
        if (strcmp(tr->nets[i].net->name, name) == 0) return &tr->nets[i];
    return NULL;
}

/* A reference network: a second instance of the architecture, started from
 * the trainer's weights, and Adam's moments kept by the test. */
typedef struct {
    network *net;
    real *m, *v;
    long t;
    double beta1, beta2, eps;
} ref_net;

static inline bool ref_net_copy(ref_net *r, trainer *tr, const char *name, double beta1, double beta2, double eps) {
    memset(r, 0, sizeof *r);
    trainer_network *tn = step_ref_trained(tr, name);
    rng unused;
    rng_init(&unused, 12345);
    if (!tn || !(r->net = network_from_config(tr->cfg, name, name, &unused))) return false;
    if (r->net->params.numel != tn->net->params.numel || r->net->buffers.numel != tn->net->buffers.numel) return false;
    memcpy(r->net->params.data, tn->net->params.data, sizeof(real) * r->net->params.numel);
    if (r->net->buffers.numel)
        memcpy(r->net->buffers.data, tn->net->buffers.data, sizeof(real) * r->net->buffers.numel);
    r->m = calloc(r->net->params.numel, sizeof(real));
    r->v = calloc(r->net->params.numel, sizeof(real));
    r->beta1 = beta1;
    r->beta2 = beta2;
    r->eps = eps;
    return r->m && r->v;
}

static inline void ref_net_free(ref_net *r) {
    network_free(r->net);
    free(r->m);
    free(r->v);
}

/* Kingma & Ba, Algorithm 1, from the gradients in params.grad. */
static inline void ref_adam_step(ref_net *r, double lr) {
    param_set *ps = &r->net->params;
    r->t++;
    double c1 = 1 - pow(r->beta1, (double)r->t), c2 = 1 - pow(r->beta2, (double)r->t);
    for (size_t i = 0; i < ps->numel; i++) {
        double g = ps->grad[i];
        r->m[i] = r->beta1 * r->m[i] + (1 - r->beta1) * g;
        r->v[i] = r->beta2 * r->v[i] + (1 - r->beta2) * g * g;
        double m_hat = r->m[i] / c1, v_hat = r->v[i] / c2;
        ps->data[i] -= lr * m_hat / (sqrt(v_hat) + r->eps);
    }
}

static inline double step_ref_max_abs(const real *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)x[i]));
    return m;
}

/* Counts the values of `got` that differ from `want`; reports the first. */
static inline void step_ref_compare(test_ctx *tc, const char *what, const real *got, const real *want, size_t n) {
    double scale = step_ref_max_abs(want, n);
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (!step_ref_close(got[i], want[i], scale) && bad++ == 0) first = i;
    CHECK_MSG(bad == 0, "%s: %zu of %zu values differ from the reference, first [%zu]: recipe %.17g, reference %.17g",
              what, bad, n, first, bad ? (double)got[first] : 0.0, bad ? (double)want[first] : 0.0);
}

/* Parameters, buffers (batch-norm statistics) and both Adam moments of the
 * trainer's network `name` against the reference's. */
static inline void step_ref_compare_net(test_ctx *tc, const char *run, trainer *tr, const ref_net *r, long step) {
    trainer_network *tn = step_ref_trained(tr, r->net->name);
    char what[256];
    CHECK_MSG(tn && tn->trained, "%s: network %s is not trained by the recipe", run, r->net->name);
    if (!tn || !tn->trained) return;
    size_t n = r->net->params.numel;
    snprintf(what, sizeof what, "%s, step %ld: %s parameters", run, step, r->net->name);
    step_ref_compare(tc, what, tn->net->params.data, r->net->params.data, n);
    snprintf(what, sizeof what, "%s, step %ld: %s buffers", run, step, r->net->name);
    step_ref_compare(tc, what, tn->net->buffers.data, r->net->buffers.data, r->net->buffers.numel);
    snprintf(what, sizeof what, "%s, step %ld: %s Adam first moment", run, step, r->net->name);
    step_ref_compare(tc, what, tn->opt.adam.m, r->m, n);
    snprintf(what, sizeof what, "%s, step %ld: %s Adam second moment", run, step, r->net->name);
    step_ref_compare(tc, what, tn->opt.adam.v, r->v, n);
    CHECK_MSG(tn->opt.adam.step == r->t, "%s, step %ld: %s has taken %ld Adam steps, the reference %ld", run, step,
              r->net->name, tn->opt.adam.step, r->t);
}

static inline void step_ref_compare_value(test_ctx *tc, const char *run, long step, const char *name, double got,
                                          double want) {
    CHECK_MSG(step_ref_close(got, want, 0), "%s, step %ld: %s is %.17g in the recipe, %.17g in the reference", run, step,
              name, got, want);
}

/* Every sample of section [ref] of INI text `ini` in index order (these
 * configs augment nothing): images (n,3,S,S) and labels (n,K), malloc'd. */
static inline bool step_ref_read_all(const char *ini, real **images, real **labels, int *n, int *side, int *k) {
    *images = *labels = NULL;
    config *cfg = config_new();
    dataset *ds = NULL;
    if (!cfg || config_parse_string(cfg, ini, "reference.ini") || dataset_open(cfg, "ref", 1, stderr, &ds)) {
        config_free(cfg);
        return false;
    }
    *n = (int)dataset_size(ds);
    *side = dataset_side(ds);
    *k = dataset_label_count(ds);
    size_t plane = 3 * (size_t)*side * *side;
    *images = malloc(sizeof(real) * plane * *n);
    *labels = malloc(sizeof(real) * (size_t)*k * *n + 1);
    sample s;
    bool inited = *images && *labels && *k > 0 && sample_init(&s, ds) == GANC_OK, ok = inited;
    for (int i = 0; ok && i < *n; i++) {
        ok = dataset_get(ds, 0, i, &s) == GANC_OK;
        if (ok) memcpy(*images + plane * i, s.a, sizeof(real) * plane);
        if (ok) memcpy(*labels + (size_t)*k * i, s.labels, sizeof(real) * *k);
    }
    if (inited) sample_free(&s);
    dataset_free(ds);
    config_free(cfg);
    return ok;
}

#endif
