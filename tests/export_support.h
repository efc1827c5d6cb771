#ifndef GANC_TESTS_EXPORT_SUPPORT_H
#define GANC_TESTS_EXPORT_SUPPORT_H

/* Helpers of the export tests: networks with values that exercise every
 * path (not the tiny N(0, 0.02) of the default init), ganc's own outputs
 * written as .npy, and the outside checks (tests/tools/run_onnx.py with
 * onnxruntime, tests/tools/torch_resnet.py with PyTorch). */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/npy.h"
#include "layers/init.h"
#include "tests/layers_support.h"
#include "tools/export.h"

static inline bool export_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Kaiming weights, then nonzero biases, rho and blend weights in [0, 1],
 * norm scales near 1, and batch-norm running statistics that differ from
 * the batch's, so every parameter moves the output. */
static inline ganc_status export_randomise(network *net, uint64_t seed) {
    rng r;
    rng_init(&r, seed);
    ganc_status st = network_init(net, INIT_KAIMING, 0.02, &r);
    for (size_t i = 0; !st && i < net->params.count; i++) {
        const param_entry *e = &net->params.entries[i];
        tensor *t = e->t;
        bool unit = export_ends_with(e->name, ".rho") || export_ends_with(e->name, ".w_gamma") ||
                    export_ends_with(e->name, ".w_beta");
        bool scale = export_ends_with(e->name, ".gamma") || (t->ndim == 1 && export_ends_with(e->name, ".weight"));
        for (size_t k = 0; k < t->numel; k++) {
            if (unit) t->data[k] = (real)rng_uniform(&r);
            else if (scale) t->data[k] = (real)(1 + 0.2 * rng_normal(&r));
            else if (export_ends_with(e->name, "bias") || export_ends_with(e->name, ".beta"))
                t->data[k] = (real)(0.1 * rng_normal(&r));
        }
    }
    for (size_t i = 0; !st && i < net->buffers.count; i++) {
        const param_entry *e = &net->buffers.entries[i];
        for (size_t k = 0; k < e->t->numel; k++) {
            if (export_ends_with(e->name, "running_mean")) e->t->data[k] = (real)(0.1 * rng_normal(&r));
            if (export_ends_with(e->name, "running_var")) e->t->data[k] = (real)(0.5 + rng_uniform(&r));
            if (export_ends_with(e->name, "num_batches_tracked")) e->t->data[k] = 7;
        }
    }
    return st;
}

static inline bool export_tmpdir(char *dir, size_t size) {
    snprintf(dir, size, "/tmp/ganc_export_XXXXXX");
    return mkdtemp(dir) != NULL;
}

static inline void export_rmdir(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

static inline bool export_have_python(const char *modules) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 -c 'import %s' >/dev/null 2>&1", modules);
    return system(cmd) == 0;
}

#define ORT_MODULES "onnx, onnxruntime, numpy"
#define ORT_MISSING "python3 with onnx, onnxruntime and numpy is not installed (pip install onnx onnxruntime numpy)"

/* Values in [-1, 1), like the images `ganc translate` feeds a generator. */
static inline tensor *export_input_nd(tape *t, int ndim, const int *shape, uint64_t seed) {
    tensor *x = tape_zeros(t, ndim, shape, "input");
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; x && i < x->numel; i++) x->data[i] = (real)tanh(rng_normal(&r));
    return x;
}

static inline tensor *export_input(tape *t, const int shape[4], uint64_t seed) {
    return export_input_nd(t, 4, shape, seed);
}

/* `steps` train-mode forwards without gradients: each runs a
 * spectral-norm power iteration and a batch-norm running-stat update. */
static inline ganc_status export_settle_nd(network *net, int ndim, const int *shape, int steps) {
    tape *t = tape_new(device_cpu());
    if (!t) return ganc_error_status();
    network_set_training(net, true);
    ganc_status st = GANC_OK;
    for (int i = 0; i < steps && !st; i++) {
        tape_reset(t);
        tape_no_grad_begin(t);
        tensor *x = export_input_nd(t, ndim, shape, 100 + (uint64_t)i);
        if (!(x ? network_forward(net, t, x) : NULL)) st = ganc_error_status();
        tape_no_grad_end(t);
    }
    tape_free(t);
    return st;
}

static inline ganc_status export_settle(network *net, const int shape[4], int steps) {
    return export_settle_nd(net, 4, shape, steps);
}

/* net in eval mode on a random input of `ndim` dimensions: writes
 * DIR/<tag>.input.npy and DIR/<tag>.output.npy. */
static inline ganc_status export_reference_nd(network *net, int ndim, const int *shape, uint64_t seed,
                                              const char *dir, const char *tag) {
    tape *t = tape_new(device_cpu());
    if (!t) return ganc_error_status();
    network_set_training(net, false);
    tape_no_grad_begin(t);
    tensor *x = export_input_nd(t, ndim, shape, seed);
    tensor *y = x ? network_forward(net, t, x) : NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.input.npy", dir, tag);
    ganc_status st = y ? npy_write_f32(path, ndim, shape, x->data) : ganc_error_status();
    snprintf(path, sizeof path, "%s/%s.output.npy", dir, tag);
    if (!st) st = npy_write_f32(path, y->ndim, y->shape, y->data);
    tape_no_grad_end(t);
    tape_free(t);
    return st;
}

static inline ganc_status export_reference(network *net, const int shape[4], uint64_t seed, const char *dir,
                                           const char *tag) {
    return export_reference_nd(net, 4, shape, seed, dir, tag);
}

/* Runs `command`, echoing its output indented; true when it exits 0. */
static inline bool export_run(const char *command) {
    FILE *p = popen(command, "r");
    if (!p) return false;
    char line[512];
    while (fgets(line, sizeof line, p)) printf("    %s", line);
    return pclose(p) == 0;
}

/* onnx.checker, then onnxruntime on DIR/<tag>.input.npy against ganc's
 * DIR/<tag>.output.npy (as graph output "output") and any `extra`
 * references ("name=path ..."), within 1e-4. */
static inline bool export_check_ort(const char *model, const char *dir, const char *tag, const char *extra) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 tests/tools/run_onnx.py '%s' '%s/%s.input.npy' --reference 'output=%s/%s.output.npy' %s 2>&1",
             model, dir, tag, dir, tag, extra ? extra : "");
    return export_run(cmd);
}

#endif
