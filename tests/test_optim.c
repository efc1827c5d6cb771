/* optim/: SGD, schedules, clipping and the image pool against values worked
 * by hand; the config reader and its errors; and bit-identical continuation
 * after saving and loading optimizer and pool state through a file. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "optim/clip.h"
#include "optim/image_pool.h"
#include "optim/optimizer.h"
#include "tests/test.h"

/* PyTorch's SGD update rule followed by hand (checked once with a few lines of Python):
 * w = (1, -2), lr 0.1, momentum 0.9, weight_decay 0.1, gradients (0.5, -1) then (1, 0).
 *   g' = g + 0.1 w = (0.6, -1.2), b = g', w = (0.94, -1.88)
 *   g' = (1.094, -0.188), b = 0.9 (0.6, -1.2) + g' = (1.634, -1.268), w = (0.7766, -1.7532)
 * With nesterov the step uses g' + 0.9 b: w = (0.886, -1.772), then (0.630566, -1.641132). */
TEST(optim_sgd_matches_hand_computed_steps) {
    const double want[2][2][2] = {{{0.94, -1.88}, {0.7766, -1.7532}}, {{0.886, -1.772}, {0.630566, -1.641132}}};
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        param_set ps;
        params_init(&ps, "net");
        tensor *w = params_add(&ps, "w", 1, (int[]){2});
        REQUIRE(w);
        w->data[0] = 1, w->data[1] = -2;
        sgd opt;
        REQUIRE(sgd_init(&opt, &ps, (sgd_config){.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1,
                                                 .nesterov = nesterov}) == GANC_OK);
        const real grads[2][2] = {{0.5, -1}, {1, 0}};
        for (int s = 0; s < 2; s++) {
            memcpy(w->grad, grads[s], sizeof grads[s]);
            REQUIRE(sgd_step(&opt, &ps) == GANC_OK);
            CHECK_NEAR(w->data[0], want[nesterov][s][0], 1e-6);
            CHECK_NEAR(w->data[1], want[nesterov][s][1], 1e-6);
        }
        CHECK(opt.step == 2);
        sgd_free(&opt);
        params_free(&ps);
    }
}

TEST(optim_sgd_plain_frozen_and_bad_config) {
    param_set ps;
    params_init(&ps, "net");
    tensor *w = params_add(&ps, "w", 1, (int[]){1});
    REQUIRE(w);
    w->data[0] = 2;
    w->grad[0] = 0.5;
    sgd opt;
    REQUIRE(sgd_init(&opt, &ps, sgd_defaults()) == GANC_OK);
    CHECK(opt.buf == NULL); /* no momentum, no buffer */
    REQUIRE(sgd_step(&opt, &ps) == GANC_OK);
    CHECK_NEAR(w->data[0], 2 - 0.01 * 0.5, 1e-7);
    params_set_frozen(&ps, true);
    REQUIRE(sgd_step(&opt, &ps) == GANC_OK);
    CHECK_NEAR(w->data[0], 1.995, 1e-7);
    sgd_free(&opt);
    CHECK(sgd_init(&opt, &ps, (sgd_config){.lr = 0.1, .nesterov = true}) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "nesterov needs momentum"));
    CHECK(sgd_init(&opt, &ps, (sgd_config){.lr = 0.1, .momentum = 1.5}) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "sgd net") && strstr(ganc_error_message(), "momentum 1.5"));
    params_free(&ps);
}

TEST(optim_schedules_match_hand_computed_values) {
    lr_schedule s = schedule_defaults(1);
    s.unit = SCHEDULE_UNIT_STEP;
    s.kind = SCHEDULE_CONSTANT_LINEAR;
    s.n_constant = 3, s.n_decay = 4;
    /* 1 - max(0, t + 1 - 3) / 5 */
    const double linear[] = {1, 1, 1, 0.8, 0.6, 0.4, 0.2, 0, 0};
    for (int t = 0; t < 9; t++) CHECK_NEAR(schedule_lr(&s, t, 99), linear[t], 1e-12);

    /* CycleGAN's defaults (100 + 100 epochs): epoch 100 (0-based) runs at 1 - 1/101, epoch 199 at 1/101. */
    lr_schedule cyc = schedule_defaults(2e-4);
    cyc.kind = SCHEDULE_CONSTANT_LINEAR;
    CHECK(cyc.unit == SCHEDULE_UNIT_EPOCH);
    CHECK_NEAR(schedule_lr(&cyc, 123456, 99), 2e-4, 1e-15);
    CHECK_NEAR(schedule_lr(&cyc, 0, 100), 2e-4 * 100 / 101, 1e-15);
    CHECK_NEAR(schedule_lr(&cyc, 0, 199), 2e-4 / 101, 1e-15);
    CHECK(schedule_lr(&cyc, 0, 200) == 0);

    s.kind = SCHEDULE_STEP;
    s.step_size = 2, s.gamma = 0.5;
    const double step[] = {1, 1, 0.5, 0.5, 0.25};
    for (int t = 0; t < 5; t++) CHECK_NEAR(schedule_lr(&s, t, 0), step[t], 1e-12);

    s.kind = SCHEDULE_COSINE;
    s.n_constant = 1, s.n_decay = 4, s.min_lr = 0.1;
    /* t = 2: 0.1 + 0.9 (1 + cos(pi/4)) / 2 = 0.868198...; t = 3: 0.1 + 0.9 / 2 */
    const double cosine[] = {1, 1, 0.86819805153394639, 0.55, 0.1 + 0.9 * (1 - 0.70710678118654752) / 2, 0.1, 0.1};
    for (int t = 0; t < 7; t++) CHECK_NEAR(schedule_lr(&s, t, 0), cosine[t], 1e-12);

    s.kind = SCHEDULE_CONSTANT;
    CHECK(schedule_lr(&s, 1000, 1000) == 1);

    lr_schedule bad = schedule_defaults(1);
    bad.kind = SCHEDULE_STEP;
    bad.step_size = 0;
    CHECK(schedule_check(&bad, "here") == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "here: schedule step needs step_size >= 1"));
    bad = schedule_defaults(1);
    bad.kind = SCHEDULE_COSINE;
    bad.min_lr = 2;
    CHECK(schedule_check(&bad, "here") == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "min_lr"));
}

static config *config_from(const char *text) {
    config *c = config_new();
    if (c && config_parse_string(c, text, "test.ini")) {
        config_free(c);
        return NULL;
    }
    return c;
}

TEST(optim_config_reads_every_key) {
    config *c = config_from("[optim]\nkind = sgd\nlr = 0.05\nmomentum = 0.8\nnesterov = true\nweight_decay = 1e-4\n"
                            "schedule = step\nschedule_unit = step\nstep_size = 7\ngamma = 0.3\nclip_norm = 2.5\n");
    REQUIRE(c);
    optimizer_config o;
    REQUIRE(optimizer_config_read(c, "optim", &o) == GANC_OK);
    CHECK(o.kind == OPTIMIZER_SGD && o.lr == 0.05 && o.momentum == 0.8 && o.nesterov && o.weight_decay == 1e-4);
    CHECK(o.schedule.kind == SCHEDULE_STEP && o.schedule.unit == SCHEDULE_UNIT_STEP && o.schedule.step_size == 7);
    CHECK(o.schedule.gamma == 0.3 && o.schedule.base_lr == 0.05 && o.clip_norm == 2.5);
    CHECK(config_check_unused(c) == GANC_OK);
    config_free(c);

    c = config_from("[optim.G]\nkind = adamw\nbeta1 = 0.9\nschedule = cosine\nn_constant = 10\nn_decay = 90\n"
                    "min_lr = 1e-6\n");
    REQUIRE(c);
    REQUIRE(optimizer_config_read(c, "optim.G", &o) == GANC_OK);
    CHECK(o.kind == OPTIMIZER_ADAMW && o.lr == 2e-4 && o.beta1 == 0.9 && o.beta2 == 0.999 && o.eps == 1e-8);
    CHECK(o.weight_decay == 0.01 && o.schedule.kind == SCHEDULE_COSINE && o.schedule.unit == SCHEDULE_UNIT_EPOCH);
    CHECK(o.schedule.n_constant == 10 && o.schedule.n_decay == 90 && o.schedule.min_lr == 1e-6 && o.clip_norm == 0);
    config_free(c);

    /* Absent section: CycleGAN's Adam. */
    c = config_from("");
    REQUIRE(c);
    REQUIRE(optimizer_config_read(c, "optim", &o) == GANC_OK);
    CHECK(o.kind == OPTIMIZER_ADAM && o.lr == 2e-4 && o.beta1 == 0.5 && o.schedule.kind == SCHEDULE_CONSTANT);
    config_free(c);
}

TEST(optim_config_errors_name_the_key) {
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"[optim]\nkind = rmsprop\n", "kind"},
        {"[optim]\nlr = -1\n", "lr"},
        {"[optim]\nbeta1 = 1\n", "beta1"},
        {"[optim]\nschedule = exponential\n", "schedule"},
        {"[optim]\nschedule = step\nstep_size = 0\n", "step_size"},
        {"[optim]\nschedule = constant_linear\nschedule_unit = fortnight\n", "schedule_unit"},
        {"[optim]\nschedule = cosine\nn_decay = 0\n", "n_decay"},
        {"[optim]\nschedule = cosine\nmin_lr = 1\n", "min_lr"},
        {"[optim]\nclip_norm = -1\n", "clip_norm"},
        {"[optim]\nkind = sgd\nnesterov = true\n", "nesterov = true needs momentum"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config *c = config_from(cases[i].text);
        REQUIRE(c);
        optimizer_config o;
        CHECK_MSG(optimizer_config_read(c, "optim", &o) != GANC_OK && strstr(ganc_error_message(), cases[i].message),
                  "case %zu: %s", i, ganc_error_message());
        config_free(c);
    }
    /* Keys the kind does not use are never read, so the unused-key check names them. */
    config *c = config_from("[optim]\nkind = adam\nmomentum = 0.9\nweight_decay = 0.1\n");
    REQUIRE(c);
    optimizer_config o;
    REQUIRE(optimizer_config_read(c, "optim", &o) == GANC_OK);
    CHECK(config_check_unused(c) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "unknown key \"momentum\"") && strstr(ganc_error_message(), "test.ini:3"));
    config_free(c);

    param_set ps;
    params_init(&ps, "D_A");
    REQUIRE(params_add(&ps, "w", 1, (int[]){1}));
    optimizer opt;
    optimizer_config bad = optimizer_defaults();
    bad.weight_decay = 0.1;
    CHECK(optimizer_init(&opt, &ps, &bad) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "optimizer of D_A: kind adam has no weight decay"));
    optimizer_config zero = optimizer_defaults();
    zero.lr = zero.schedule.base_lr = 0;
    CHECK(optimizer_init(&opt, &ps, &zero) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "optimizer of D_A: lr must be > 0"));
    optimizer_config good = optimizer_defaults();
    REQUIRE(optimizer_init(&opt, &ps, &good) == GANC_OK);
    CHECK(optimizer_step(&opt, &ps, -1) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "lr must be finite and >= 0"));
    CHECK(optimizer_step(&opt, &ps, NAN) == GANC_ERR_ARG);
    optimizer_free(&opt);
    params_free(&ps);
}

TEST(optim_clip_matches_hand_computed_norm) {
    param_set a, b;
    params_init(&a, "G_A");
    params_init(&b, "G_B");
    tensor *wa = params_add(&a, "w", 1, (int[]){2}), *wb = params_add(&b, "w", 1, (int[]){2});
    REQUIRE(wa && wb);
    param_set *sets[2] = {&a, &b};
    wa->grad[0] = 3, wa->grad[1] = 0, wb->grad[0] = 0, wb->grad[1] = -4;
    double norm;
    REQUIRE(clip_grad_norm(sets, 2, 10, &norm) == GANC_OK);
    CHECK(norm == 5);
    CHECK(wa->grad[0] == 3 && wb->grad[1] == -4); /* under the bound: untouched */
    REQUIRE(clip_grad_norm(sets, 2, 1, &norm) == GANC_OK);
    CHECK(norm == 5);
    /* PyTorch's coefficient: max_norm / (norm + 1e-6) */
    CHECK_NEAR(wa->grad[0], 3 / (5 + 1e-6), 1e-7);
    CHECK_NEAR(wb->grad[1], -4 / (5 + 1e-6), 1e-7);
    CHECK_NEAR(clip_grad_norm_of(sets, 2), 1, 1e-6);

    params_set_frozen(&b, true); /* a frozen set neither counts nor changes */
    wa->grad[0] = 3, wa->grad[1] = 4, wb->grad[1] = 100;
    REQUIRE(clip_grad_norm(sets, 2, 2.5, &norm) == GANC_OK);
    CHECK(norm == 5 && wb->grad[1] == 100);
    CHECK_NEAR(wa->grad[1], 4 * 2.5 / (5 + 1e-6), 1e-6);

    wa->grad[0] = NAN;
    CHECK(clip_grad_norm(sets, 2, 1, &norm) == GANC_ERR_STATE);
    CHECK(strstr(ganc_error_message(), "gradient norm of G_A, G_B is nan"));
    CHECK(isnan(wa->grad[0]) && wa->grad[1] == (real)(4 * 2.5 / (5 + 1e-6)));
    CHECK(clip_grad_norm(sets, 1, 0, &norm) == GANC_ERR_ARG);
    params_free(&a);
    params_free(&b);
}

TEST(optim_clip_norm_is_the_same_for_any_thread_count) {
    param_set ps;
    params_init(&ps, "net");
    tensor *w = params_add(&ps, "w", 1, (int[]){300001});
    REQUIRE(w);
    double naive = 0;
    for (int i = 0; i < 300001; i++) {
        w->grad[i] = (real)sin(i * 0.37) * (real)(1 + i % 7);
        naive += (double)w->grad[i] * w->grad[i];
    }
    param_set *sets[1] = {&ps};
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    double one = clip_grad_norm_of(sets, 1);
    omp_set_num_threads(3);
    double three = clip_grad_norm_of(sets, 1);
    omp_set_num_threads(threads);
    CHECK(one == three);
    CHECK_NEAR(one, sqrt(naive), 1e-9 * sqrt(naive));
    params_free(&ps);
}

/* A 1x1x2 image whose two values are v and -v. */
static tensor *image_batch(tape *t, int n, const double *values) {
    real data[16];
    for (int i = 0; i < n; i++) data[2 * i] = (real)values[i], data[2 * i + 1] = (real)-values[i];
    return tape_from_host(t, 4, (int[]){n, 1, 1, 2}, data, "images");
}

TEST(optim_image_pool_follows_cyclegan_rule) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    image_pool pool;
    REQUIRE(image_pool_init(&pool, "fake_B", 3, 11) == GANC_OK);
    /* Filling: the first 3 images go in and come back out (one batch of 2, then one of 2). */
    tensor *out = image_pool_query(&pool, t, image_batch(t, 2, (double[]){1, 2}));
    REQUIRE(out);
    CHECK(out->data[0] == 1 && out->data[2] == 2 && pool.count == 2 && !out->requires_grad);
    /* Image 3 fills the pool; image 4 is the first to face the coin. Follow the draws by hand. */
    rng mirror;
    rng_init(&mirror, 11);
    double stored[3] = {1, 2, 3}, in_total = 1 + 2 + 3, out_total = 1 + 2 + 3;
    out = image_pool_query(&pool, t, image_batch(t, 2, (double[]){3, 4}));
    REQUIRE(out);
    CHECK(out->data[0] == 3 && out->data[1] == -3);
    double expect4 = 4;
    if (rng_uniform(&mirror) > 0.5) {
        int k = (int)(rng_uniform(&mirror) * 3);
        expect4 = stored[k];
        stored[k] = 4;
    }
    CHECK(out->data[2] == (real)expect4 && out->data[3] == (real)-expect4);
    in_total += 4, out_total += expect4;

    /* Many more. Past the filling, every image comes out exactly once, now or from the pool
     * later, so what went in plus the copies kept while filling (1 + 2 + 3) is what came out
     * plus what the pool holds. About half come out at once. */
    int fresh = 0, n = 0;
    for (int q = 0; q < 400; q++) {
        double v[2] = {5 + 2 * q, 6 + 2 * q};
        out = image_pool_query(&pool, t, image_batch(t, 2, v));
        REQUIRE(out);
        for (int i = 0; i < 2; i++, n++) {
            fresh += out->data[2 * i] == (real)v[i];
            in_total += v[i], out_total += out->data[2 * i];
            CHECK(out->data[2 * i + 1] == -out->data[2 * i]);
        }
        tape_reset(t);
    }
    double pooled = 0;
    for (int i = 0; i < 3; i++) pooled += pool.images[2 * i];
    CHECK_NEAR(in_total + 6, out_total + pooled, 1e-6);
    CHECK_MSG(fresh > 0.45 * n && fresh < 0.55 * n, "%d of %d came back at once", fresh, n);

    CHECK(image_pool_query(&pool, t, NULL) == NULL); /* an upstream error passes through */
    real wrong[8] = {0};
    CHECK(image_pool_query(&pool, t, tape_from_host(t, 4, (int[]){1, 2, 2, 2}, wrong, "x")) == NULL);
    CHECK(strstr(ganc_error_message(), "image_pool fake_B: images of shape (2,2,2), the pool holds (1,1,2)"));
    CHECK(image_pool_query(&pool, t, tape_from_host(t, 2, (int[]){2, 4}, wrong, "x")) == NULL);
    CHECK(strstr(ganc_error_message(), "must be (N,C,H,W)"));
    image_pool_free(&pool);

    /* Size 0 hands the batch back. */
    REQUIRE(image_pool_init(&pool, "off", 0, 1) == GANC_OK);
    out = image_pool_query(&pool, t, image_batch(t, 1, (double[]){9}));
    REQUIRE(out);
    CHECK(out->data[0] == 9 && pool.count == 0);
    image_pool_free(&pool);
    CHECK(image_pool_init(&pool, "neg", -1, 1) == GANC_ERR_ARG);
    tape_free(t);
}

static const char *temp_path(char *dir, size_t dir_size, char *path, size_t path_size) {
    snprintf(dir, dir_size, "/tmp/ganc_optim_XXXXXX");
    if (!mkdtemp(dir)) return NULL;
    snprintf(path, path_size, "%s/state.safetensors", dir);
    return path;
}

TEST(optim_image_pool_state_round_trip) {
    char dir[64], path[128];
    REQUIRE(temp_path(dir, sizeof dir, path, sizeof path));
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    image_pool a, b;
    REQUIRE(image_pool_init(&a, "fake_A", 4, 5) == GANC_OK);
    REQUIRE(image_pool_init(&b, "fake_A", 4, 999) == GANC_OK);
    for (int q = 0; q < 6; q++) REQUIRE(image_pool_query(&a, t, image_batch(t, 1, (double[]){q + 1})));
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck && image_pool_save(&a, ck) == GANC_OK);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);
    checkpoint_free(ck);
    REQUIRE(checkpoint_read(path, 0, &ck) == GANC_OK);
    REQUIRE(image_pool_load(&b, ck) == GANC_OK);
    CHECK(checkpoint_check_all_used(ck) == GANC_OK);
    CHECK(b.count == 4 && b.rng.seed == 5 && b.rng.counter == a.rng.counter);
    for (int q = 0; q < 20; q++) {
        tensor *oa = image_pool_query(&a, t, image_batch(t, 1, (double[]){100 + q}));
        tensor *ob = image_pool_query(&b, t, image_batch(t, 1, (double[]){100 + q}));
        REQUIRE(oa && ob);
        CHECK(oa->data[0] == ob->data[0]);
    }
    image_pool small;
    REQUIRE(image_pool_init(&small, "fake_A", 2, 5) == GANC_OK);
    CHECK(image_pool_load(&small, ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "holds 4 images for pool fake_A, whose size is 2"));
    image_pool_free(&small);
    checkpoint_free(ck);
    image_pool_free(&a);
    image_pool_free(&b);
    tape_free(t);
    unlink(path);
    rmdir(dir);
}

/* A small "network" whose gradient is a fixed function of its weights and the step. */
static ganc_status make_net(param_set *ps) {
    params_init(ps, "G_A");
    if (!params_add(ps, "G_A.conv.weight", 4, (int[]){2, 3, 3, 3}) || !params_add(ps, "G_A.conv.bias", 1, (int[]){2}))
        return ganc_error_status();
    for (size_t i = 0; i < ps->numel; i++) ps->data[i] = (real)cos(0.3 * (double)i);
    return GANC_OK;
}

static ganc_status train(optimizer *opt, param_set *ps, long from, long to) {
    for (long s = from; s < to; s++) {
        for (size_t i = 0; i < ps->numel; i++) ps->grad[i] = (real)sin(1.7 * ps->data[i] + 0.3 * (double)s + (double)i);
        ganc_status st = optimizer_step(opt, ps, optimizer_lr(opt, s, s / 3));
        if (st) return st;
    }
    return GANC_OK;
}

/* N steps straight against N/2, save to a file, load into fresh objects, N/2 more. */
static void check_resume(test_ctx *tc, const char *ini) {
    char dir[64], path[128];
    REQUIRE(temp_path(dir, sizeof dir, path, sizeof path));
    config *c = config_from(ini);
    REQUIRE(c);
    param_set straight, first, second;
    optimizer o_straight, o_first, o_second;
    REQUIRE(make_net(&straight) == GANC_OK && make_net(&first) == GANC_OK && make_net(&second) == GANC_OK);
    REQUIRE(optimizer_from_config(&o_straight, c, "optim", &straight) == GANC_OK);
    REQUIRE(optimizer_from_config(&o_first, c, "optim", &first) == GANC_OK);
    REQUIRE(optimizer_from_config(&o_second, c, "optim", &second) == GANC_OK);
    for (size_t i = 0; i < second.numel; i++) second.data[i] = 0; /* everything must come from the file */

    REQUIRE(train(&o_straight, &straight, 0, 12) == GANC_OK);
    REQUIRE(train(&o_first, &first, 0, 6) == GANC_OK);
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck && checkpoint_put_params(ck, &first) == GANC_OK && optimizer_save(&o_first, &first, ck) == GANC_OK);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);
    checkpoint_free(ck);
    REQUIRE(checkpoint_read(path, 0, &ck) == GANC_OK);
    REQUIRE(checkpoint_get_params(ck, &second) == GANC_OK && optimizer_load(&o_second, &second, ck) == GANC_OK);
    CHECK(checkpoint_check_all_used(ck) == GANC_OK);
    checkpoint_free(ck);
    REQUIRE(train(&o_second, &second, 6, 12) == GANC_OK);

    CHECK_MSG(memcmp(straight.data, second.data, straight.numel * sizeof(real)) == 0, "%s: weights differ", ini);
    if (o_straight.cfg.kind == OPTIMIZER_SGD) {
        CHECK(memcmp(o_straight.sgd.buf, o_second.sgd.buf, straight.numel * sizeof(real)) == 0);
        CHECK(o_second.sgd.step == 12);
    } else {
        CHECK(memcmp(o_straight.adam.m, o_second.adam.m, straight.numel * sizeof(real)) == 0);
        CHECK(memcmp(o_straight.adam.v, o_second.adam.v, straight.numel * sizeof(real)) == 0);
        CHECK(o_second.adam.step == 12);
    }
    /* The run really moved, and clipping (when on) really acted. */
    CHECK(straight.data[0] != (real)1);
    if (o_straight.cfg.clip_norm > 0) CHECK(o_straight.last_grad_norm > o_straight.cfg.clip_norm);
    optimizer_free(&o_straight);
    optimizer_free(&o_first);
    optimizer_free(&o_second);
    params_free(&straight);
    params_free(&first);
    params_free(&second);
    config_free(c);
    unlink(path);
    rmdir(dir);
}

TEST(optim_resume_is_bit_identical) {
    check_resume(tc, "[optim]\nkind = adam\nlr = 0.01\nschedule = constant_linear\nschedule_unit = step\n"
                     "n_constant = 4\nn_decay = 6\nclip_norm = 0.5\n");
    check_resume(tc, "[optim]\nkind = adamw\nlr = 0.02\nweight_decay = 0.1\nschedule = cosine\nn_constant = 1\n"
                     "n_decay = 3\n");
    check_resume(tc, "[optim]\nkind = sgd\nlr = 0.05\nmomentum = 0.9\nnesterov = true\nweight_decay = 0.01\n"
                     "schedule = step\nschedule_unit = step\nstep_size = 5\ngamma = 0.5\nclip_norm = 1\n");
}

TEST(optim_load_reports_mismatches) {
    param_set ps;
    REQUIRE(make_net(&ps) == GANC_OK);
    optimizer adam_opt, sgd_opt;
    optimizer_config cfg = optimizer_defaults();
    REQUIRE(optimizer_init(&adam_opt, &ps, &cfg) == GANC_OK);
    cfg.kind = OPTIMIZER_SGD, cfg.momentum = 0.5;
    REQUIRE(optimizer_init(&sgd_opt, &ps, &cfg) == GANC_OK);
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck);
    CHECK(optimizer_load(&adam_opt, &ps, ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "has no optimizer state for G_A"));
    REQUIRE(optimizer_save(&adam_opt, &ps, ck) == GANC_OK);
    CHECK(checkpoint_find(ck, "optim.m.G_A.conv.weight") && checkpoint_find(ck, "optim.v.G_A.conv.bias"));
    CHECK(strcmp(checkpoint_meta(ck, "optim.G_A.kind"), "adam") == 0);
    CHECK(strcmp(checkpoint_meta(ck, "optim.G_A.step"), "0") == 0);
    CHECK(optimizer_load(&sgd_opt, &ps, ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "holds adam optimizer state for G_A; this run uses sgd"));

    /* The same names with a wider network: the moments do not fit. */
    param_set wide;
    params_init(&wide, "G_A");
    REQUIRE(params_add(&wide, "G_A.conv.weight", 4, (int[]){4, 3, 3, 3}) &&
            params_add(&wide, "G_A.conv.bias", 1, (int[]){4}));
    optimizer wide_opt;
    cfg = optimizer_defaults();
    REQUIRE(optimizer_init(&wide_opt, &wide, &cfg) == GANC_OK);
    CHECK(optimizer_load(&wide_opt, &wide, ck) == GANC_ERR_SHAPE);
    CHECK(strstr(ganc_error_message(), "has optim.m.G_A.conv.weight with shape (2,3,3,3), network G_A expects (4,3,3,3)"));
    CHECK(optimizer_load(&wide_opt, &ps, ck) == GANC_ERR_STATE); /* optimizer made for another size */
    optimizer_free(&wide_opt);
    optimizer_free(&adam_opt);
    optimizer_free(&sgd_opt);
    checkpoint_free(ck);
    params_free(&wide);
    params_free(&ps);
}
