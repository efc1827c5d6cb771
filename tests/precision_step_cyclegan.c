/* CycleGAN's step (experiments/cyclegan/cyclegan.c) against a plain
 * reference written from Zhu et al. 2017 (LSGAN form, as the authors'
 * code trains it):
 *   G:   mean (D_A(G_A(a)) - 1)^2 + mean (D_B(G_B(b)) - 1)^2
 *        + l_cyc (|G_B(G_A(a)) - a| + |G_A(G_B(b)) - b|)
 *        + l_idt (|G_A(b) - b| + |G_B(a) - a|)
 *   D_A: 0.5 (mean (D_A(b) - label)^2 + mean D_A(pool_B(G_A(a)))^2), D_B alike,
 * G_A and G_B updated together, then D_A, then D_B, each with Adam at
 * CycleGAN's linearly decaying lr. The pools keep 1 image, so the second
 * step on sees stored fakes; their choices follow the documented rule
 * (optim/image_pool.h) on the same Philox streams. Three steps through
 * trainer_run; every loss, parameter and Adam moment must agree. */
#include "tests/step_reference_gan.h"

#define STEPS 3

static const char *const CONFIG =
    "[experiment]\nrecipe = cyclegan\n"
    "[G]\narch = resnet_generator\nngf = 2\nn_blocks = 1\nnorm = none\n"
    "[D]\narch = patchgan\nndf = 2\nn_layers = 1\nnorm = none\n"
    "[optim]\nkind = adam\nlr = 0.01\nbeta1 = 0.5\nbeta2 = 0.999\nschedule = constant_linear\n"
    "schedule_unit = step\nn_constant = 1\nn_decay = 3\n"
    "[loss.cycle]\nkind = cycle\nweight = 3\n"
    "[loss.identity]\nkind = identity\nweight = 0.7\n";

/* The pool of optim/image_pool.h written out: fill to capacity, then each
 * image is with probability 1/2 swapped for a uniformly chosen stored one. */
typedef struct {
    rng r;
    int capacity, count, swaps;
    real *images;
} ref_pool;

static void pool_query(ref_pool *p, real *img, size_t n) {
    if (p->count < p->capacity) {
        memcpy(p->images + (size_t)p->count++ * n, img, n * sizeof(real));
        return;
    }
    if (!(rng_uniform(&p->r) > 0.5)) return;
    int k = (int)(rng_uniform(&p->r) * p->capacity);
    if (k >= p->capacity) k = p->capacity - 1;
    p->swaps++;
    for (size_t i = 0; i < n; i++) {
        real old = p->images[(size_t)k * n + i];
        p->images[(size_t)k * n + i] = img[i];
        img[i] = old;
    }
}

enum { G_A, G_B, D_A, D_B };
typedef struct {
    double real_label;
    double loss[6]; /* G_A, G_B, cycle, identity, D_A, D_B */
} ref_setup;

static void ref_d_update(tape *t, sr_net *d, const tensor *real_x, const real *fake, ref_pool *pool, double label,
                         double lr, double *loss_out) {
    int shape[4] = {1, 3, SR_SIDE, SR_SIDE};
    size_t n = 3 * SR_SIDE * SR_SIDE;
    real shown[3 * SR_SIDE * SR_SIDE];
    memcpy(shown, fake, n * sizeof(real));
    pool_query(pool, shown, n);
    tensor *pooled = tape_from_host(t, 4, shape, shown, "pooled");
    tensor *loss = op_mul_scalar(t, op_add(t, sr_mean_sq_from(t, network_forward(d->net, t, real_x), label),
                                           sr_mean_sq_from(t, network_forward(d->net, t, pooled), 0)), (real)0.5);
    *loss_out = sr_scalar(loss);
    sr_zero_grads(d, 1);
    if (loss && tape_backward(t, loss, NULL) == GANC_OK) sr_adam(d, lr);
}

static void ref_step(tape *t, sr_net *nets, ref_pool *pools, const real *a, const real *b, long step,
                     ref_setup *s) {
    int shape[4] = {1, 3, SR_SIDE, SR_SIDE};
    tape_reset(t);
    tensor *real_A = tape_from_host(t, 4, shape, a, "real_A"), *real_B = tape_from_host(t, 4, shape, b, "real_B");
    tensor *fake_B = network_forward(nets[G_A].net, t, real_A), *fake_A = network_forward(nets[G_B].net, t, real_B);
    tensor *rec_A = network_forward(nets[G_B].net, t, fake_B), *rec_B = network_forward(nets[G_A].net, t, fake_A);
    tensor *idt_A = network_forward(nets[G_A].net, t, real_B), *idt_B = network_forward(nets[G_B].net, t, real_A);
    tensor *gan_A = sr_mean_sq_from(t, network_forward(nets[D_A].net, t, fake_B), 1);
    tensor *gan_B = sr_mean_sq_from(t, network_forward(nets[D_B].net, t, fake_A), 1);
    tensor *cycle = op_add(t, sr_mean_abs_diff(t, rec_A, real_A), sr_mean_abs_diff(t, rec_B, real_B));
    tensor *identity = op_add(t, sr_mean_abs_diff(t, idt_A, real_B), sr_mean_abs_diff(t, idt_B, real_A));
    tensor *loss = op_add(t, op_add(t, gan_A, gan_B),
                          op_add(t, op_mul_scalar(t, cycle, 3), op_mul_scalar(t, identity, (real)0.7)));
    s->loss[0] = sr_scalar(gan_A);
    s->loss[1] = sr_scalar(gan_B);
    s->loss[2] = sr_scalar(cycle);
    s->loss[3] = sr_scalar(identity);
    double lr = sr_lr(0.01, step, 1, 3);
    sr_zero_grads(nets, 4);
    if (!loss || tape_backward(t, loss, NULL)) return;
    sr_adam(&nets[G_A], lr);
    sr_adam(&nets[G_B], lr);
    /* D_A judges domain B: real B against G_A's fakes; D_B the other way. */
    ref_d_update(t, &nets[D_A], real_B, fake_B->data, &pools[1], s->real_label, lr, &s->loss[4]);
    ref_d_update(t, &nets[D_B], real_A, fake_A->data, &pools[0], s->real_label, lr, &s->loss[5]);
}

static void check_cyclegan(test_ctx *tc, const char *extra, double real_label) {
    if (!REAL_IS_DOUBLE) SKIP("a step reference is exact only in the float64 runner");
    char ini[2048];
    snprintf(ini, sizeof ini, "%s%s", CONFIG, extra);
    sr_run run = {0};
    ganc_status st = sr_open(&run, ini, "unaligned");
    CHECK_MSG(st == GANC_OK, "trainer_open: %s", ganc_error_message());
    static const char *const names[4] = {"G_A", "G_B", "D_A", "D_B"}, *const sections[4] = {"G", "G", "D", "D"};
    sr_net nets[4] = {0};
    for (int i = 0; !st && i < 4; i++) st = sr_net_copy(&run, sections[i], names[i], &nets[i]);
    real a[3 * SR_SIDE * SR_SIDE], b[3 * SR_SIDE * SR_SIDE];
    if (!st) st = sr_images(&run, a, b);
    ref_pool pools[2] = {{.capacity = 1}, {.capacity = 1}};
    for (int k = 0; !st && k < 2; k++) {
        if (strcmp(run.tr.pools[k].name, k == 0 ? "fake_A" : "fake_B") != 0 || run.tr.pools[k].capacity != 1)
            st = GANC_ERR(GANC_ERR_STATE, "pool %d is %s of size %d, not fake_%c of size 1", k, run.tr.pools[k].name,
                          run.tr.pools[k].capacity, "AB"[k]);
        pools[k].r = run.tr.pools[k].rng;
        pools[k].images = calloc(3 * SR_SIDE * SR_SIDE, sizeof(real));
    }
    tape *t = st ? NULL : tape_new(device_cpu());
    CHECK_MSG(!st && t, "setting up the reference: %s", ganc_error_message());
    ref_setup s = {.real_label = real_label};
    static const char *const losses[6] = {"G_A", "G_B", "cycle", "identity", "D_A", "D_B"};
    for (long step = 0; t && step < STEPS; step++) {
        ganc_status ran = sr_train_to(&run, step + 1);
        CHECK_MSG(ran == GANC_OK, "trainer_run to step %ld: %s", step + 1, ganc_error_message());
        if (ran) break;
        ref_step(t, nets, pools, a, b, step, &s);
        for (int i = 0; i < 6; i++) sr_compare_metric(tc, &run, losses[i], s.loss[i], step + 1);
        for (int i = 0; i < 4; i++) sr_compare_net(tc, &run, &nets[i], step + 1);
        for (int k = 0; k < 2; k++) {
            const image_pool *theirs = &run.tr.pools[k];
            CHECK_MSG(theirs->count == pools[k].count && theirs->images, "after step %ld: pool %s holds %d images, "
                      "the reference's %d", step + 1, theirs->name, theirs->images ? theirs->count : 0, pools[k].count);
            if (theirs->images)
                sr_compare(tc, theirs->name, step + 1, theirs->images, pools[k].images, 3 * SR_SIDE * SR_SIDE);
        }
    }
    /* The pools must have handed back a stored image at least once, or the test proves little about them. */
    CHECK_MSG(pools[0].swaps > 0 && pools[1].swaps > 0, "the pools returned no stored image (%d, %d swaps)",
              pools[0].swaps, pools[1].swaps);
    if (t) tape_free(t);
    for (int i = 0; i < 4; i++) sr_net_free(&nets[i]);
    for (int k = 0; k < 2; k++) free(pools[k].images);
    sr_close(&run);
}

TEST(step_reference_cyclegan_default_label) {
    check_cyclegan(tc, "[cyclegan]\ngan_mode = lsgan\npool_size = 1\n", 1.0);
}

TEST(step_reference_cyclegan_smoothed_label) {
    check_cyclegan(tc, "[cyclegan]\ngan_mode = lsgan\npool_size = 1\nreal_label = 0.9\n", 0.9);
}
