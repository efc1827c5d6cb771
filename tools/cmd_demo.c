/* ganc demo: trains the small pix2pix-style pair of tools/demo_model.c to
 * turn synthetic face photos into cartoons of the same identity, then
 * writes a results grid, the loss log and before/after test metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/view.h"
#include "optim/adam.h"
#include "tools/commands.h"
#include "tools/demo_data.h"
#include "tools/demo_model.h"

typedef struct {
    const char *out;
    int steps, size, batch, width, log_every;
    unsigned long seed;
    real l1_weight;
} demo_options;

enum { TEST_IMAGES = 8 };

static int usage(void) {
    fprintf(stderr, "usage: ganc demo [--out DIR] [--steps N] [--size S] [--batch B] [--width W] [--seed K]\n");
    return 2;
}

static int parse_int(const char *flag, const char *text, int lo, int hi, int *out) {
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "demo: %s must be an integer in %d..%d, got \"%s\"\n", flag, lo, hi, text);
        return 2;
    }
    *out = (int)v;
    return 0;
}

static int parse_options(int argc, char **argv, demo_options *o) {
    *o = (demo_options){.out = "demo_out", .steps = 1500, .size = 48, .batch = 4, .width = 24, .log_every = 100,
                        .seed = 1, .l1_weight = 10};
    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int seed = 0, rc = 0;
        if (!value) return usage();
        if (strcmp(flag, "--out") == 0) o->out = value;
        else if (strcmp(flag, "--steps") == 0) rc = parse_int(flag, value, 1, 1000000, &o->steps);
        else if (strcmp(flag, "--size") == 0) rc = parse_int(flag, value, 16, 256, &o->size);
        else if (strcmp(flag, "--batch") == 0) rc = parse_int(flag, value, 1, 64, &o->batch);
        else if (strcmp(flag, "--width") == 0) rc = parse_int(flag, value, 4, 128, &o->width);
        else if (strcmp(flag, "--seed") == 0) rc = parse_int(flag, value, 0, 1 << 30, &seed), o->seed = (unsigned long)seed;
        else return usage();
        if (rc) return rc;
        i++;
    }
    if (o->size % 4) {
        fprintf(stderr, "demo: --size must be a multiple of 4 (the discriminator halves it twice), got %d\n", o->size);
        return 2;
    }
    return 0;
}

static tensor *filled(tape *t, const tensor *like, real value) {
    if (!like) return NULL;
    tensor *x = tape_tensor(t, like->ndim, like->shape, value ? "ones" : "zeros");
    if (x) t->be->fill(x->data, value, x->numel);
    return x;
}

typedef struct {
    demo_generator g;
    demo_discriminator d;
    adam opt_g, opt_d;
} demo_state;

/* One D step then one G step on a batch (LSGAN + L1, as pix2pix with LSGAN). */
static ganc_status train_step(tape *t, demo_state *s, const demo_options *o, const tensor *photo,
                              const tensor *cartoon, double losses[3]) {
    tensor *fake = demo_generator_forward(t, &s->g, photo);
    tensor *d_real = demo_discriminator_forward(t, &s->d, photo, cartoon);
    tensor *d_fake = demo_discriminator_forward(t, &s->d, photo, op_detach(t, fake));
    tensor *loss_d = op_mul_scalar(t, op_add(t, op_mse(t, d_real, filled(t, d_real, 1)),
                                             op_mse(t, d_fake, filled(t, d_fake, 0))), (real)0.5);
    params_zero_grad(&s->d.params);
    ganc_status st = tape_backward(t, loss_d, NULL);
    if (!st) st = adam_step(&s->opt_d, &s->d.params);
    if (st) return st;

    tensor *d_fooled = demo_discriminator_forward(t, &s->d, photo, fake);
    tensor *gan = op_mse(t, d_fooled, filled(t, d_fooled, 1));
    tensor *l1 = op_l1(t, fake, cartoon);
    tensor *loss_g = op_add(t, gan, op_mul_scalar(t, l1, o->l1_weight));
    params_zero_grad(&s->g.params);
    st = tape_backward(t, loss_g, NULL);
    if (!st) st = adam_step(&s->opt_g, &s->g.params);
    if (st) return st;
    losses[0] = loss_d->data[0], losses[1] = gan->data[0], losses[2] = l1->data[0];
    return GANC_OK;
}

/* Mean |G(photo) - cartoon| over the test set; also fills `generated`. */
static ganc_status evaluate(tape *t, demo_state *s, const demo_set *test, real *generated, double *l1) {
    tape_reset(t);
    tape_no_grad_begin(t);
    tensor *x = tape_from_host(t, 4, test->shape, test->photos, "test_photos");
    tensor *y = tape_from_host(t, 4, test->shape, test->cartoons, "test_cartoons");
    tensor *fake = demo_generator_forward(t, &s->g, x);
    tensor *loss = op_l1(t, fake, y);
    tape_no_grad_end(t);
    if (!loss) return ganc_error_status();
    *l1 = loss->data[0];
    memcpy(generated, fake->data, fake->numel * sizeof(real));
    tape_reset(t);
    return GANC_OK;
}

static int fail(const char *what) {
    fprintf(stderr, "demo: %s: %s\n", what, ganc_error_message());
    return 1;
}

static int run(const demo_options *o, demo_state *s, tape *t, demo_set *train, demo_set *test, real *generated) {
    char path[4096];
    snprintf(path, sizeof path, "%s/loss.csv", o->out);
    FILE *log = fopen(path, "w");
    if (!log) {
        fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(log, "step,loss_D,loss_G_gan,loss_G_l1\n");
    double identity_l1 = demo_set_l1(test), before, after;
    if (evaluate(t, s, test, generated, &before)) return fclose(log), fail("evaluation");
    printf("demo: %d steps, batch %d, %dx%d, G %zu / D %zu parameters\n", o->steps, o->batch, o->size, o->size,
           s->g.params.numel, s->d.params.numel);
    printf("demo: test L1 before training %.4f (copying the photo: %.4f)\n", before, identity_l1);
    for (int step = 1; step <= o->steps; step++) {
        if (demo_set_fill(train, o->seed, (unsigned long)step * (unsigned long)o->batch)) {
            fclose(log);
            return fail("rendering a training batch");
        }
        tensor *x = tape_from_host(t, 4, train->shape, train->photos, "photos");
        tensor *y = tape_from_host(t, 4, train->shape, train->cartoons, "cartoons");
        double losses[3];
        if (!x || !y || train_step(t, s, o, x, y, losses)) return fclose(log), fail("training step");
        if (step % o->log_every == 0 || step == o->steps) {
            fprintf(log, "%d,%.6f,%.6f,%.6f\n", step, losses[0], losses[1], losses[2]);
            printf("step %5d  loss_D %.4f  loss_G_gan %.4f  loss_G_l1 %.4f\n", step, losses[0], losses[1], losses[2]);
        }
        tape_reset(t);
    }
    fclose(log);
    if (evaluate(t, s, test, generated, &after)) return fail("evaluation");
    printf("demo: test L1 after training %.4f (before %.4f, copying the photo %.4f)\n", after, before, identity_l1);
    printf("demo: memory peaks: step values %.1f MB, tape %.2f MB; parameters+gradients G %.2f MB, D %.2f MB\n",
           t->data.peak / 1e6, t->meta.peak / 1e6, params_bytes(&s->g.params) / 1e6, params_bytes(&s->d.params) / 1e6);
    snprintf(path, sizeof path, "%s/metrics.txt", o->out);
    FILE *m = fopen(path, "w");
    if (!m) return fprintf(stderr, "demo: cannot write %s: %s\n", path, strerror(errno)), 1;
    fprintf(m, "steps %d\ntest_l1_before %.6f\ntest_l1_after %.6f\ntest_l1_copy_photo %.6f\n", o->steps, before, after,
            identity_l1);
    fclose(m);
    snprintf(path, sizeof path, "%s/results.png", o->out);
    if (demo_write_grid(path, test, generated)) return fail("writing the results grid");
    printf("demo: wrote %s/results.png (photo | generated | target cartoon), loss.csv, metrics.txt\n", o->out);
    return 0;
}

int cmd_demo(int argc, char **argv) {
    demo_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc) return rc;
    if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "demo: cannot create output directory %s: %s\n", o.out, strerror(errno));
        return 1;
    }
    rng r;
    rng_init(&r, o.seed);
    demo_state s = {0};
    demo_set train = {0}, test = {0};
    real *generated = NULL;
    tape *t = tape_new(device_cpu());
    rc = 1;
    if (!t || demo_generator_init(&s.g, o.width, &r) || demo_discriminator_init(&s.d, o.width, &r) ||
        adam_init(&s.opt_g, &s.g.params, adam_defaults()) || adam_init(&s.opt_d, &s.d.params, adam_defaults()) ||
        demo_set_init(&train, o.batch, o.size) || demo_set_init(&test, TEST_IMAGES, o.size) ||
        demo_set_fill(&test, o.seed + 1000003, 0) ||
        !(generated = malloc(sizeof(real) * 3 * TEST_IMAGES * (size_t)o.size * (size_t)o.size))) {
        fail("setting up");
    } else {
        rc = run(&o, &s, t, &train, &test, generated);
    }
    free(generated);
    demo_set_free(&train);
    demo_set_free(&test);
    adam_free(&s.opt_g);
    adam_free(&s.opt_d);
    demo_generator_free(&s.g);
    demo_discriminator_free(&s.d);
    tape_free(t);
    return rc;
}
