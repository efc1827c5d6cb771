/* The CUDA backend against the CPU reference. Every op (each gradient-check
 * case, and larger cases from tests/test_support_cuda_cases.c) runs forward
 * and backward on both devices from the same inputs and the same seed
 * gradient; outputs, input gradients and the inputs afterwards (running
 * statistics) must agree per tensor within
 *     |cuda - cpu| <= tol * (|cpu| + max(1, max |cpu|))
 * with tol = 1e-4 with TF32 off (the default) and 1e-2 with TF32 on. A
 * finite CPU value must be finite on CUDA. Every allocation of the CUDA
 * step sits between guard regions (arena_set_guard) that must come back
 * untouched. Training: a small conv net trained with Adam and two steps of
 * a small CycleGAN give the CPU's losses within 1e-3 and 2e-3 relative, and
 * after the first step the training loop makes no cudaMalloc/cudaFree.
 *
 * Without a GPU (or without CUDA built) the GPU tests say SKIP; the harness
 * itself is checked on the CPU (CPU against CPU must agree exactly). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/cuda/cuda_backend.h"
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/norm.h"
#include "optim/adam.h"
#include "tests/cuda_parity.h"
#include "tests/data_fixtures.h"
#include "tests/test.h"
#include "tools/commands.h"
#include "tools/trainer.h"

#define PARITY_TOL 1e-4
#define TF32_TOL 1e-2
#define GUARD_BYTES 256

/* Skips without a usable GPU; fails when one is there but will not start. */
#define REQUIRE_GPU(be)                                                              \
    char why_[256];                                                                  \
    if (cuda_device_count(why_, sizeof why_) == 0) SKIP("needs a GPU: %s", why_);   \
    const backend *be = backend_get((device){DEVICE_CUDA, 0});                       \
    REQUIRE(be)

static const device CUDA0 = {DEVICE_CUDA, 0};

/* ---- running one case on one tape ---- */

typedef struct {
    int n_in;
    size_t n_out, numel[GC_MAX_INPUTS];
    real *out, *after[GC_MAX_INPUTS], *grad[GC_MAX_INPUTS];
} case_run;

static void case_run_free(case_run *r) {
    free(r->out);
    for (int k = 0; k < r->n_in; k++) {
        free(r->after[k]);
        free(r->grad[k]);
    }
    memset(r, 0, sizeof *r);
}

static real *to_host(tape *t, const real *src, size_t n) {
    real *h = malloc((n ? n : 1) * sizeof *h);
    if (h) t->be->download(h, src, n * sizeof *h);
    return h;
}

/* The case's inputs as gradcheck_run draws them. */
static void case_inputs(const gradcheck_case *c, real **inputs) {
    rng r;
    rng_init(&r, 1234);
    for (int k = 0; k < c->n_inputs; k++) {
        const gc_input *spec = &c->inputs[k];
        size_t n = shape_numel(spec->ndim, spec->shape);
        inputs[k] = malloc(n * sizeof(real));
        if (inputs[k]) gradcheck_fill(inputs[k], n, spec, &r);
    }
}

/* Forward, then backward from a fixed random seed gradient; everything
 * copied to the host; the guards checked when the tape has them. */
static ganc_status run_case(tape *t, const gradcheck_case *c, real *const *inputs, case_run *r) {
    memset(r, 0, sizeof *r);
    r->n_in = c->n_inputs;
    tape_reset(t);
    tensor *in[GC_MAX_INPUTS] = {0};
    for (int k = 0; k < c->n_inputs; k++) {
        const gc_input *spec = &c->inputs[k];
        if (!(in[k] = tape_from_host(t, spec->ndim, spec->shape, inputs[k], "input"))) return ganc_error_status();
        if (!spec->constant && tape_set_requires_grad(t, in[k])) return ganc_error_status();
    }
    tensor *y = c->forward(t, in);
    if (!y) return ganc_error_status();
    r->n_out = y->numel;
    if (!(r->out = to_host(t, y->data, y->numel))) return GANC_ERR(GANC_ERR_MEMORY, "parity: out of memory");
    if (y->requires_grad) {
        real *w = malloc(y->numel * sizeof *w);
        if (!w) return GANC_ERR(GANC_ERR_MEMORY, "parity: out of memory");
        rng wr;
        rng_init(&wr, 777);
        for (size_t i = 0; i < y->numel; i++) w[i] = (real)rng_normal(&wr);
        tensor *seed = tape_from_host(t, y->ndim, y->shape, w, "seed");
        free(w);
        if (!seed || tape_backward(t, y, seed)) return ganc_error_status();
    }
    for (int k = 0; k < c->n_inputs; k++) {
        r->numel[k] = in[k]->numel;
        r->after[k] = to_host(t, in[k]->data, in[k]->numel);
        if (in[k]->grad) r->grad[k] = to_host(t, in[k]->grad, in[k]->numel);
    }
    ganc_status st = t->be->sync();
    if (!st && t->data.guard) st = arena_check_guards(&t->data);
    return st;
}

/* ---- comparing ---- */

/* The largest |got - want| / (|want| + max(1, max |want|)); a non-finite
 * value where the reference is finite (or a different non-finite one)
 * counts as infinitely wrong. *at gets its index. */
static double parity_error(const real *want, const real *got, size_t n, size_t *at) {
    double scale = 1, worst = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(want[i]) && fabs((double)want[i]) > scale) scale = fabs((double)want[i]);
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        double e;
        if (!isfinite(want[i]))
            e = memcmp(&want[i], &got[i], sizeof want[i]) == 0 || (isnan(want[i]) && isnan(got[i])) ? 0 : INFINITY;
        else if (!isfinite(got[i]))
            e = INFINITY;
        else
            e = fabs((double)got[i] - (double)want[i]) / (fabs((double)want[i]) + scale);
        if (e > worst) {
            worst = e;
            *at = i;
        }
    }
    return worst;
}

static void check_close(test_ctx *tc, const char *name, const char *what, int k, const real *want, const real *got,
                        size_t n, double tol) {
    size_t at;
    double e = parity_error(want, got, n, &at);
    CHECK_MSG(e <= tol, "%s: %s %d differs at %zu of %zu: reference %.9g, device %.9g (error %.3g > %g)", name, what,
              k, at, n, (double)want[at], (double)got[at], e, tol);
}

static void compare_runs(test_ctx *tc, const char *name, const case_run *want, const case_run *got, double tol) {
    CHECK_MSG(want->n_out == got->n_out, "%s: %zu outputs vs %zu", name, want->n_out, got->n_out);
    if (want->n_out == got->n_out) check_close(tc, name, "output", 0, want->out, got->out, want->n_out, tol);
    for (int k = 0; k < want->n_in; k++) {
        check_close(tc, name, "input after the step", k, want->after[k], got->after[k], want->numel[k], tol);
        CHECK_MSG(!want->grad[k] == !got->grad[k], "%s: gradient of input %d on one device only", name, k);
        if (want->grad[k] && got->grad[k])
            check_close(tc, name, "gradient of input", k, want->grad[k], got->grad[k], want->numel[k], tol);
    }
}

/* Runs c on both tapes and compares; returns false when a run failed. */
static bool parity_case(test_ctx *tc, const gradcheck_case *c, tape *ref, tape *dut, double tol) {
    real *inputs[GC_MAX_INPUTS] = {0};
    case_inputs(c, inputs);
    case_run a = {0}, b = {0};
    ganc_status sa = run_case(ref, c, inputs, &a);
    CHECK_MSG(sa == GANC_OK, "%s on %s: %s", c->name, ref->be->name, ganc_error_message());
    ganc_status sb = sa ? sa : run_case(dut, c, inputs, &b);
    CHECK_MSG(sa || sb == GANC_OK, "%s on %s: %s", c->name, dut->be->name, ganc_error_message());
    if (!sa && !sb) compare_runs(tc, c->name, &a, &b, tol);
    case_run_free(&a);
    case_run_free(&b);
    for (int k = 0; k < c->n_inputs; k++) free(inputs[k]);
    return !sa && !sb;
}

static int parity_list(test_ctx *tc, const gradcheck_case *const *cases, tape *ref, tape *dut, double tol) {
    int n = 0;
    for (; cases[n]; n++) parity_case(tc, cases[n], ref, dut, tol);
    return n;
}

static int parity_gradcheck_cases(test_ctx *tc, tape *ref, tape *dut, double tol) {
    size_t n = gradcheck_case_count();
    for (size_t i = 0; i < n; i++) parity_case(tc, gradcheck_case_at(i), ref, dut, tol);
    return (int)n;
}

/* ---- the harness on the CPU: runs everywhere ---- */

TEST(parity_harness_cpu_against_cpu_with_guards) {
    tape *ref = tape_new(device_cpu()), *dut = tape_new(device_cpu());
    REQUIRE(ref && dut);
    REQUIRE(arena_set_guard(&dut->data, GUARD_BYTES) == GANC_OK);
    int cases = parity_gradcheck_cases(tc, ref, dut, 0);
    cases += parity_list(tc, cuda_parity_large_cases, ref, dut, 0);
    CHECK(cases > 100);
    tape_free(ref);
    tape_free(dut);
}

TEST(arena_guards_catch_writes_past_either_end) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    REQUIRE(arena_set_guard(&t->data, GUARD_BYTES) == GANC_OK);
    tensor *a = tape_zeros(t, 1, (int[]){5}, "a"), *b = tape_zeros(t, 1, (int[]){3}, "b");
    REQUIRE(a && b);
    CHECK(arena_check_guards(&t->data) == GANC_OK);
    a->data[5] = 1; /* one past the end: in the guard, still inside the arena's block */
    CHECK(arena_check_guards(&t->data) == GANC_ERR_STATE);
    CHECK(strstr(ganc_error_message(), "after allocation 0") != NULL);
    a->data[5] = ARENA_GUARD_VALUE;
    b->data[-1] = 2; /* one before the start */
    CHECK(arena_check_guards(&t->data) == GANC_ERR_STATE);
    CHECK(strstr(ganc_error_message(), "before allocation 1") != NULL);
    tape_reset(t); /* a new step starts with no guards to check */
    CHECK(arena_check_guards(&t->data) == GANC_OK);
    tape_free(t);
}

TEST(cuda_libraries_load_without_a_gpu) {
    char about[256], why[256];
    ganc_status st = cuda_libraries_describe(about, sizeof about);
    if (st && strstr(ganc_error_message(), "CUDA not built")) SKIP("%s", ganc_error_message());
    CHECK_MSG(st == GANC_OK, "%s", ganc_error_message());
    if (cuda_is_simulator())
        CHECK(strstr(about, "simulator") != NULL);
    else
        CHECK(strstr(about, "libcublas.so.") && strstr(about, "libcudnn.so."));
    if (cuda_device_count(why, sizeof why) == 0) {
        CHECK(cuda_backend_get(0) == NULL);
        CHECK(strstr(ganc_error_message(), "unavailable") != NULL);
    }
}

TEST(moving_to_a_missing_gpu_leaves_everything_on_the_cpu) {
    char why[256];
    if (cuda_device_count(why, sizeof why) > 0) SKIP("a GPU is present; this covers machines without one");
    param_set ps;
    params_init(&ps, "G");
    tensor *w = params_add(&ps, "G.w", 1, (int[]){4});
    REQUIRE(w);
    w->data[2] = 5;
    adam opt;
    REQUIRE(adam_init(&opt, &ps, adam_defaults()) == GANC_OK);
    CHECK(params_to_device(&ps, CUDA0) == GANC_ERR_DEVICE);
    CHECK(strstr(ganc_error_message(), "unavailable") != NULL);
    CHECK(adam_to_device(&opt, CUDA0) == GANC_ERR_DEVICE);
    CHECK(ps.dev.kind == DEVICE_CPU && w->dev.kind == DEVICE_CPU && opt.dev.kind == DEVICE_CPU);
    CHECK(w->data == ps.data && w->data[2] == 5);
    /* Still a working CPU set. */
    w->grad[2] = 1;
    CHECK(adam_step(&opt, &ps) == GANC_OK && w->data[2] < 5);
    /* An optimizer whose moments sit elsewhere than its parameters is refused by name. */
    opt.dev = CUDA0;
    CHECK(adam_step(&opt, &ps) == GANC_ERR_DEVICE);
    opt.dev = device_cpu();
    CHECK(strstr(ganc_error_message(), "moments on cuda:0, parameters on cpu") != NULL);
    CHECK(params_add(&ps, "G.v", 1, (int[]){2}) != NULL);
    adam_free(&opt);
    params_free(&ps);
}

/* ---- the GPU ---- */

TEST(cuda_memory_transfers_fill_axpy) {
    REQUIRE_GPU(be);
    cuda_memory_stats before = cuda_memory_stats_get();
    enum { N = 100003 };
    real *host = malloc(N * sizeof *host), *back = malloc(N * sizeof *back);
    real *a = be->alloc(N * sizeof(real)), *b = be->alloc(N * sizeof(real));
    REQUIRE(host && back && a && b);
    cuda_memory_stats during = cuda_memory_stats_get();
    CHECK(during.mallocs == before.mallocs + 2);
    CHECK(during.bytes_in_use >= before.bytes_in_use + 2 * N * sizeof(real));
    CHECK(during.peak_bytes >= during.bytes_in_use);
    for (int i = 0; i < N; i++) host[i] = (real)(i % 1000) * (real)0.25;
    be->upload(a, host, N * sizeof(real));
    be->copy(b, a, N * sizeof(real));
    be->axpy(b, 2, a, N);      /* b = 3a */
    be->fill(a + 10, 7, N - 20); /* a keeps its first and last ten */
    be->download(back, b, N * sizeof(real));
    REQUIRE(be->sync() == GANC_OK);
    bool ok = true;
    for (int i = 0; i < N; i++) ok &= back[i] == 3 * host[i];
    CHECK(ok);
    be->download(back, a, N * sizeof(real));
    REQUIRE(be->sync() == GANC_OK);
    ok = true;
    for (int i = 0; i < N; i++) ok &= back[i] == (i < 10 || i >= N - 10 ? host[i] : 7);
    CHECK(ok);
    be->release(a);
    be->release(b);
    cuda_memory_stats after = cuda_memory_stats_get();
    CHECK(after.frees == before.frees + 2 && after.bytes_in_use == before.bytes_in_use);
    free(host);
    free(back);
}

TEST(cuda_parity_every_gradcheck_case) {
    REQUIRE_GPU(be);
    cuda_set_tf32(false);
    tape *ref = tape_new(device_cpu()), *dut = tape_new(CUDA0);
    REQUIRE(ref && dut);
    REQUIRE(arena_set_guard(&dut->data, GUARD_BYTES) == GANC_OK);
    CHECK(parity_gradcheck_cases(tc, ref, dut, PARITY_TOL) > 100);
    tape_free(ref);
    tape_free(dut);
}

TEST(cuda_parity_larger_shapes) {
    REQUIRE_GPU(be);
    cuda_set_tf32(false);
    tape *ref = tape_new(device_cpu()), *dut = tape_new(CUDA0);
    REQUIRE(ref && dut);
    REQUIRE(arena_set_guard(&dut->data, GUARD_BYTES) == GANC_OK);
    CHECK(parity_list(tc, cuda_parity_large_cases, ref, dut, PARITY_TOL) > 50);
    tape_free(ref);
    tape_free(dut);
}

TEST(cuda_parity_tf32_within_looser_bound) {
    REQUIRE_GPU(be);
    tape *ref = tape_new(device_cpu()), *dut = tape_new(CUDA0);
    REQUIRE(ref && dut);
    cuda_set_tf32(true);
    CHECK(cuda_tf32());
    CHECK(parity_list(tc, cuda_parity_tf32_cases, ref, dut, TF32_TOL) > 3);
    cuda_set_tf32(false);
    CHECK(!cuda_tf32());
    /* Back to strict: the algorithms chosen under TF32 must not linger. */
    CHECK(parity_list(tc, cuda_parity_tf32_cases, ref, dut, PARITY_TOL) > 3);
    tape_free(ref);
    tape_free(dut);
}

/* ---- training ---- */

/* conv 3x3 s2 -> instance norm -> leaky relu -> conv-transpose 4x4 s2 -> tanh,
 * L1 + MSE against a target, Adam. */
typedef struct {
    param_set ps;
    tensor *w1, *b1, *gamma, *beta, *w2, *b2;
    adam opt;
} tiny_net;

static ganc_status tiny_net_init(tiny_net *n, device dev) {
    memset(n, 0, sizeof *n);
    params_init(&n->ps, "tiny");
    n->w1 = params_add(&n->ps, "tiny.down.weight", 4, (int[]){16, 3, 3, 3});
    n->b1 = params_add(&n->ps, "tiny.down.bias", 1, (int[]){16});
    n->gamma = params_add(&n->ps, "tiny.norm.weight", 1, (int[]){16});
    n->beta = params_add(&n->ps, "tiny.norm.bias", 1, (int[]){16});
    n->w2 = params_add(&n->ps, "tiny.up.weight", 4, (int[]){16, 3, 4, 4});
    n->b2 = params_add(&n->ps, "tiny.up.bias", 1, (int[]){3});
    if (!n->b2) return ganc_error_status();
    rng r;
    rng_init(&r, 5);
    for (size_t i = 0; i < n->ps.numel; i++) n->ps.data[i] = (real)(0.2 * rng_normal(&r));
    for (int i = 0; i < 16; i++) n->gamma->data[i] += 1;
    ganc_status st = params_to_device(&n->ps, dev);
    adam_config cfg = adam_defaults();
    cfg.lr = 1e-3;
    return st ? st : adam_init(&n->opt, &n->ps, cfg);
}

static void tiny_net_free(tiny_net *n) {
    adam_free(&n->opt);
    params_free(&n->ps);
}

/* One training step from host data; the loss comes back in *loss. */
static ganc_status tiny_step(tape *t, tiny_net *n, const real *x_host, const real *target_host, double *loss) {
    tensor *x = tape_from_host(t, 4, (int[]){2, 3, 16, 16}, x_host, "x");
    tensor *target = tape_from_host(t, 4, (int[]){2, 3, 16, 16}, target_host, "target");
    conv2d_args down = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1};
    conv_transpose2d_args up = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1};
    tensor *h = op_leaky_relu(t, op_instance_norm(t, op_conv2d(t, x, n->w1, n->b1, down), n->gamma, n->beta, 1e-5),
                              0.2);
    tensor *y = op_tanh(t, op_conv_transpose2d(t, h, n->w2, n->b2, up));
    tensor *l = op_add(t, op_l1(t, y, target), op_mse(t, y, target));
    if (!l) return ganc_error_status();
    params_zero_grad(&n->ps);
    ganc_status st = tape_backward(t, l, NULL);
    if (!st) st = adam_step(&n->opt, &n->ps);
    real v;
    t->be->download(&v, l->data, sizeof v);
    if (!st) st = t->be->sync();
    *loss = v;
    return st;
}

#define TINY_STEPS 5

static ganc_status tiny_train(device dev, double *losses, cuda_memory_stats *after_first,
                              cuda_memory_stats *at_end) {
    real x[2 * 3 * 16 * 16], target[2 * 3 * 16 * 16];
    rng r;
    rng_init(&r, 11);
    for (int i = 0; i < 2 * 3 * 16 * 16; i++) {
        x[i] = (real)rng_normal(&r);
        target[i] = (real)(0.8 * sin(0.1 * i));
    }
    tiny_net n;
    tape *t = NULL;
    ganc_status st = tiny_net_init(&n, dev);
    if (!st && !(t = tape_new(dev))) st = ganc_error_status();
    for (int step = 0; !st && step < TINY_STEPS; step++) {
        tape_reset(t); /* the trainer's order: each step starts with a reset */
        if (step == 1 && after_first) *after_first = cuda_memory_stats_get();
        st = tiny_step(t, &n, x, target, &losses[step]);
    }
    if (!st && at_end) *at_end = cuda_memory_stats_get();
    tape_free(t);
    tiny_net_free(&n);
    return st;
}

TEST(cuda_training_matches_cpu_and_allocates_nothing_after_the_first_step) {
    REQUIRE_GPU(be);
    cuda_set_tf32(false);
    double cpu[TINY_STEPS], gpu[TINY_STEPS];
    cuda_memory_stats first, end;
    REQUIRE(tiny_train(device_cpu(), cpu, NULL, NULL) == GANC_OK);
    REQUIRE(tiny_train(CUDA0, gpu, &first, &end) == GANC_OK);
    for (int i = 0; i < TINY_STEPS; i++)
        CHECK_MSG(fabs(gpu[i] - cpu[i]) <= 1e-3 * fabs(cpu[i]), "step %d: loss %.9g on CUDA, %.9g on the CPU", i,
                  gpu[i], cpu[i]);
    CHECK(cpu[TINY_STEPS - 1] < cpu[0]);
    CHECK_MSG(end.mallocs == first.mallocs && end.frees == first.frees,
              "%zu cudaMalloc and %zu cudaFree calls after the first step", end.mallocs - first.mallocs,
              end.frees - first.frees);
    CHECK_MSG(end.device_free == first.device_free, "the GPU's free memory moved by %lld bytes after the first step",
              (long long)end.device_free - (long long)first.device_free);
    printf("    tiny net on cuda:0: peak %.1f MiB taken by ganc, %zu cudaMalloc calls in all\n",
           end.peak_bytes / 1048576.0, end.mallocs);
}

/* Numbers of a metrics.csv without its wall_time column, row after row. */
static int read_metrics(const char *path, double *values, int cap, char *header, size_t header_size) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    int n = 0;
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    snprintf(header, header_size, "%s", line);
    while (fgets(line, sizeof line, f)) {
        int column = 0;
        for (char *save = NULL, *cell = strtok_r(line, ",\n", &save); cell; cell = strtok_r(NULL, ",\n", &save))
            if (column++ != 1 && n < cap) values[n++] = strtod(cell, NULL);
    }
    fclose(f);
    return n;
}

static ganc_status run_cyclegan(const char *faces, const char *out, const char *device_text) {
    char root[600], out_key[600];
    snprintf(root, sizeof root, "data.root=%s", faces);
    snprintf(out_key, sizeof out_key, "train.out=%s", out);
    const char *overrides[] = {root, out_key, "data.load_size=28", "data.crop_size=24", "G.ngf=8", "G.n_blocks=2",
                               "D.ndf=8", "train.steps=2", "train.batch_size=2", "train.log_every=1",
                               "train.sample_every=0", "train.checkpoint_every=0"};
    trainer_options o = {.config_path = "experiments/cyclegan/cyclegan_small.ini", .overrides = overrides,
                         .n_overrides = (int)(sizeof overrides / sizeof overrides[0]), .device = device_text};
    volatile sig_atomic_t stop = 0;
    trainer tr;
    ganc_status st = trainer_open(&tr, &o, &stop);
    if (!st) st = trainer_run(&tr);
    trainer_close(&tr);
    return st;
}

TEST(cuda_cyclegan_steps_match_cpu) {
    REQUIRE_GPU(be);
    cuda_set_tf32(false);
    char *dir = fx_tmpdir(), faces[512], cpu_out[512], gpu_out[512], path[600];
    REQUIRE(dir);
    fx_path(faces, sizeof faces, dir, "faces");
    fx_path(cpu_out, sizeof cpu_out, dir, "cpu");
    fx_path(gpu_out, sizeof gpu_out, dir, "cuda");
    char *synth[] = {"synth", "--style", "photo,cartoon", "--n", "8", "--size", "32", "--seed", "3",
                     "--split", "train=0.75", "--out", faces};
    REQUIRE(cmd_synth(13, synth) == 0);
    REQUIRE(run_cyclegan(faces, cpu_out, "cpu") == GANC_OK);
    REQUIRE(run_cyclegan(faces, gpu_out, "cuda") == GANC_OK);
    double want[64], got[64];
    char header_cpu[512], header_gpu[512];
    snprintf(path, sizeof path, "%s/metrics.csv", cpu_out);
    int n = read_metrics(path, want, 64, header_cpu, sizeof header_cpu);
    snprintf(path, sizeof path, "%s/metrics.csv", gpu_out);
    int m = read_metrics(path, got, 64, header_gpu, sizeof header_gpu);
    CHECK_MSG(n > 8 && n == m && strcmp(header_cpu, header_gpu) == 0, "metrics: %d values (%s) vs %d (%s)", n,
              header_cpu, m, header_gpu);
    for (int i = 0; i < n && i < m; i++)
        CHECK_MSG(fabs(got[i] - want[i]) <= 2e-3 * fabs(want[i]), "metrics.csv value %d (columns %s): CUDA %.9g, CPU "
                  "%.9g", i, header_cpu, got[i], want[i]);
    fx_rmtree(dir);
    free(dir);
}
