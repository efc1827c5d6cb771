/* Finite-difference gradient checks of every loss, in float64 (bound 1e-6)
 * and float32 (3e-2): the GAN objectives and penalties, the distances, the
 * colour, segmentation and Canny-edge losses, the losses through networks,
 * a registry term and the example plugin. Inputs keep clear of kinks
 * (|1 - d| of the hinge, |a - b| of L1, ties of the edge ridges). */
#include <math.h>
#include <string.h>

#include "core/gradcheck/gradcheck.h"
#include "core/ops/elementwise.h"
#include "losses/canny.h"
#include "losses/feature.h"
#include "losses/gan.h"
#include "losses/loss.h"
#include "losses/pixel.h"
#include "tests/loss_nets.h"
#include "tests/test.h"

/* Values in +-[0.2, 0.6] and +-[1.4, 1.8]: none near 0 or +-1 (the kinks
 * of L1 and the hinge). */
static double away(size_t i) {
    double u = fmod(0.618034 * (double)(i + 1), 1.0);
    double v = 0.2 + 0.4 * u + 1.2 * (double)(i % 2);
    return i % 3 == 0 ? -v : v;
}
static double smooth(size_t i) { return 0.8 * sin(0.37 * (double)i + 0.2); }
static double other(size_t i) { return 0.7 * cos(0.53 * (double)i); }

/* Checks f against finite differences with respect to wrt[0..n-1]. */
#define GRADCHECK(f, ctx, n, wrt, scale)                                                                               \
    do {                                                                                                               \
        gradcheck_result r_;                                                                                           \
        ganc_status st_ = gradcheck_function(f, ctx, n, wrt, OP_COUNT, scale, &r_);                                    \
        CHECK_MSG(st_ == GANC_OK, "%s: could not run: %s", #f, ganc_error_message());                                  \
        CHECK_MSG(st_ || r_.passed, "%s: %s (max error %.3g)", #f, r_.message, r_.max_error);                          \
    } while (0)

/* ---- GAN objectives ---- */

typedef struct {
    tensor *a, *b;
    gan_mode mode;
    real label;
} gan_ctx;

static tensor *f_gan_d(tape *t, void *ctx) {
    gan_ctx *g = ctx;
    return gan_loss_d(t, g->mode, g->a, g->b, g->label);
}
static tensor *f_gan_g(tape *t, void *ctx) {
    gan_ctx *g = ctx;
    return gan_loss_g(t, g->mode, g->b);
}
static tensor *f_cam(tape *t, void *ctx) {
    gan_ctx *g = ctx;
    return op_add(t, gan_cam_loss_g(t, g->a, g->b), op_mul_scalar(t, gan_cam_loss_d(t, g->b, g->a), (real)0.7));
}

TEST(gradcheck_gan_objectives) {
    gan_ctx g = {test_input(4, (int[]){2, 1, 3, 3}, "d_real", away),
                 test_input(4, (int[]){2, 1, 2, 3}, "d_fake", other)};
    REQUIRE(g.a && g.b);
    for (size_t i = 0; i < g.b->numel; i++) g.b->data[i] = (real)away(i + 5);
    tensor *wrt[2] = {g.a, g.b};
    for (int m = GAN_LSGAN; m <= GAN_WGAN_GP; m++) {
        g.mode = (gan_mode)m;
        g.label = (real)(m <= GAN_VANILLA ? 0.9 : 1);
        GRADCHECK(f_gan_d, &g, 2, wrt, 0);
        GRADCHECK(f_gan_g, &g, 1, &wrt[1], 0);
    }
    GRADCHECK(f_cam, &g, 2, wrt, 0);
    tensor_free(g.a);
    tensor_free(g.b);
}

typedef struct {
    network *d;
    tensor *real_x, *fake;
    bool r1;
} penalty_ctx;

/* The inner step of the penalties. In float64 the check's error is
 * 4e-7 at h = 1e-4 and 3e-4 (the floor of this comparison) and grows as
 * h^2 beyond: 1.7e-6 at 6e-4. Float32 takes the step it trains with. */
static const real PENALTY_H = REAL_IS_DOUBLE ? 3e-4 : 1e-2;

static tensor *f_penalty(tape *t, void *ctx) {
    penalty_ctx *p = ctx;
    if (p->r1) return gan_r1_penalty(t, test_net_forward, p->d, p->real_x, PENALTY_H);
    rng r;
    rng_init(&r, 77); /* the same interpolation in every evaluation */
    return gan_gradient_penalty(t, test_net_forward, p->d, p->real_x, p->fake, &r, PENALTY_H);
}

TEST(gradcheck_gradient_penalties) {
    network d;
    REQUIRE(test_net_init(&d, "D", "mlp", 12, 5, 2, 0.35, 21));
    penalty_ctx p = {&d, test_input(4, (int[]){3, 3, 2, 2}, "real", smooth),
                     test_input(4, (int[]){3, 3, 2, 2}, "fake", other), false};
    REQUIRE(p.real_x && p.fake);
    tensor *wrt[3] = {test_net_get(&d, "W"), test_net_get(&d, "b"), test_net_get(&d, "V")};
    GRADCHECK(f_penalty, &p, 3, wrt, 0);
    p.r1 = true;
    GRADCHECK(f_penalty, &p, 3, wrt, 0);
    tensor_free(p.real_x);
    tensor_free(p.fake);
    test_net_free(&d);
}

/* ---- distances, colour, segmentation ---- */

typedef struct {
    tensor *a, *b;
    loss_dist d;
    unsigned axes;
} pair_ctx;

static tensor *f_distance(tape *t, void *ctx) {
    pair_ctx *p = ctx;
    return loss_distance(t, p->a, p->b, p->d, p->axes);
}
static tensor *f_color(tape *t, void *ctx) {
    pair_ctx *p = ctx;
    return loss_color(t, p->a, p->b, 3, 2, p->d);
}
static tensor *f_segmentation(tape *t, void *ctx) {
    pair_ctx *p = ctx;
    return loss_segmentation(t, p->a, p->b, (real)0.7, (real)1.3, 1);
}

TEST(gradcheck_pixel_losses) {
    pair_ctx p = {test_input(4, (int[]){2, 3, 6, 5}, "a", smooth), test_input(4, (int[]){2, 3, 6, 5}, "b", smooth)};
    REQUIRE(p.a && p.b);
    /* b = a + d with |d| >= 0.25: no L1 kink. */
    for (size_t i = 0; i < p.b->numel; i++) p.b->data[i] = (real)(p.a->data[i] + away(i));
    tensor *wrt[2] = {p.a, p.b};
    const struct {
        loss_dist d;
        unsigned axes;
    } cases[] = {{LOSS_DIST_L1, 0}, {LOSS_DIST_MSE, 0}, {LOSS_DIST_L2, 1u << 1}, {LOSS_DIST_L2, 0xE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p.d = cases[i].d, p.axes = cases[i].axes;
        GRADCHECK(f_distance, &p, 2, wrt, 0);
    }
    /* 6x5 -> 3x2: fractional area weights along the width. */
    p.d = LOSS_DIST_L2;
    GRADCHECK(f_color, &p, 2, wrt, 0);
    p.d = LOSS_DIST_MSE;
    GRADCHECK(f_color, &p, 2, wrt, 0);
    for (size_t i = 0; i < p.b->numel; i++) p.b->data[i] = (real)(i % 3 == 0);
    GRADCHECK(f_segmentation, &p, 1, wrt, 0);
    tensor_free(p.a);
    tensor_free(p.b);
}

/* ---- Canny edges ---- */

typedef struct {
    tensor *target, *x;
    canny_loss_params p;
} canny_ctx;

static tensor *f_canny(tape *t, void *ctx) {
    canny_ctx *c = ctx;
    return loss_canny(t, c->target, c->x, &c->p);
}

/* Soft discs: ridges a clear margin above their neighbours, so no
 * perturbation of the check moves the ridge mask. */
static void discs(tensor *x, double shift) {
    int n = x->shape[0], ch = x->shape[1], h = x->shape[2], w = x->shape[3];
    for (int i = 0; i < n; i++)
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < h; y++)
                for (int k = 0; k < w; k++) {
                    double dx = k - w / 2.0 - shift + i, dy = y - h / 2.0 + 0.3 * c;
                    double r = sqrt(dx * dx + dy * dy);
                    x->data[(((size_t)i * ch + c) * h + y) * w + k] = (real)(-0.8 + 1.2 / (1 + exp((r - 3.1) / 0.9)));
                }
}

/* A bowl rising ever faster to the right and downwards: the magnitude
 * grows by 15 grey levels per row and per column, so the only ridges lie
 * next to the right and bottom borders (where dx or dy is 0), and
 * float32's step of 1e-2 (up to 1.5 levels of Sobel output) cannot move
 * them. No flat area is left for the step to raise ridges in. */
static void bowl(tensor *x) {
    int n = x->shape[0], ch = x->shape[1], h = x->shape[2], w = x->shape[3];
    for (int i = 0; i < n; i++)
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < h; y++)
                for (int k = 0; k < w; k++)
                    x->data[(((size_t)i * ch + c) * h + y) * w + k] =
                        (real)(-0.9 + 0.0074 * (k * k + y * y) + 0.05 * c + 0.1 * i);
}

TEST(gradcheck_canny_loss) {
    canny_ctx c = {tensor_new(4, (int[]){2, 3, 12, 11}, "target"), tensor_new(4, (int[]){2, 3, 12, 11}, "x")};
    REQUIRE(c.target && c.x && tensor_set_requires_grad(c.x, true) == GANC_OK);
    discs(c.target, 0);
    tensor *wrt[1] = {c.x};
    const canny_loss_params params[] = {
        {{20, 60, false, 0, 0}, 0, true, LOSS_DIST_L2},
        {{20, 60, true, 3, 0}, 15, true, LOSS_DIST_MSE},
        {{10, 40, false, 5, 0}, 0, true, LOSS_DIST_L1},
    };
    /* Edges of discs against edges of discs moved sideways: ridges where
     * float64's step of 1e-5 cannot move them; float32 checks the bowl. */
    for (int image = REAL_IS_DOUBLE ? 0 : 1; image < 2; image++) {
        if (image == 0)
            discs(c.x, 0.6);
        else
            bowl(c.x);
        for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
            c.p = params[i];
            GRADCHECK(f_canny, &c, 1, wrt, 0);
        }
    }
    tensor_free(c.target);
    tensor_free(c.x);
}

/* ---- losses through networks ---- */

typedef struct {
    network *n1, *n2;
    tensor *a, *b;
    bool gram;
    real lambda;
} net_ctx;

static tensor *f_attribute(tape *t, void *ctx) {
    net_ctx *c = ctx;
    return loss_attribute(t, test_net_forward, c->n1, c->a, c->n2, c->b, LOSS_DIST_L2);
}
static tensor *f_id(tape *t, void *ctx) {
    net_ctx *c = ctx;
    return loss_id(t, test_net_forward, c->n1, c->a, c->b, 0.7, 4);
}
static tensor *f_style(tape *t, void *ctx) {
    net_ctx *c = ctx;
    return loss_style(t, test_net_forward, c->n1, c->a, c->b, c->gram, c->gram ? LOSS_DIST_MSE : LOSS_DIST_L2);
}
static tensor *f_domain(tape *t, void *ctx) {
    net_ctx *c = ctx;
    return loss_domain(t, test_net_forward, c->n1, c->a, c->b, c->lambda);
}

TEST(gradcheck_network_losses) {
    network e1, e2, id, f, dom;
    REQUIRE(test_net_init(&e1, "E1", "mlp", 75, 6, 4, 0.2, 31) && test_net_init(&e2, "E2", "mlp", 75, 6, 4, 0.2, 32) &&
            test_net_init(&id, "ID", "mlp", 48, 5, 6, 0.3, 33) && test_net_init(&f, "F", "conv", 3, 0, 4, 0.4, 34) &&
            test_net_init(&dom, "domain", "mlp", 7, 5, 1, 0.6, 35));
    params_set_frozen(&e1.params, true);
    params_set_frozen(&e2.params, true);
    params_set_frozen(&id.params, true);
    params_set_frozen(&f.params, true);
    net_ctx c = {&e1, &e2, test_input(4, (int[]){2, 3, 5, 5}, "a", smooth),
                 test_input(4, (int[]){2, 3, 5, 5}, "b", other)};
    REQUIRE(c.a && c.b);
    tensor *wrt_b[1] = {c.b};
    GRADCHECK(f_attribute, &c, 1, wrt_b, 0);
    c.n1 = &id;
    GRADCHECK(f_id, &c, 1, wrt_b, 0);
    c.n1 = &f;
    GRADCHECK(f_style, &c, 1, wrt_b, 0);
    c.gram = true;
    GRADCHECK(f_style, &c, 1, wrt_b, 0);

    /* Domain: the classifier learns (scale 1); the features get the
     * gradient reversed and scaled by lambda. */
    net_ctx d = {
        &dom,  NULL,     test_input(2, (int[]){3, 7}, "source", smooth), test_input(2, (int[]){4, 7}, "target", other),
        false, (real)0.4};
    REQUIRE(d.a && d.b);
    tensor *wrt_c[3] = {test_net_get(&dom, "W"), test_net_get(&dom, "b"), test_net_get(&dom, "V")};
    GRADCHECK(f_domain, &d, 3, wrt_c, 0);
    tensor *wrt_feat[2] = {d.a, d.b};
    GRADCHECK(f_domain, &d, 2, wrt_feat, -0.4);
    tensor_free(c.a), tensor_free(c.b), tensor_free(d.a), tensor_free(d.b);
    test_net_free(&e1), test_net_free(&e2), test_net_free(&id), test_net_free(&f), test_net_free(&dom);
}

/* ---- a registry term and the example plugin ---- */

typedef struct {
    loss_term *term;
    loss_inputs in;
} term_ctx;

static tensor *f_term(tape *t, void *ctx) {
    term_ctx *c = ctx;
    c->in.t = t;
    return c->term->compute(c->term, &c->in);
}

static void check_term(test_ctx *tc, const char *text, const char *const *names, tensor *const *xs, int n, int n_wrt) {
    config *c = config_new();
    loss_term term;
    REQUIRE(c && config_parse_string(c, text, "term.ini") == GANC_OK);
    REQUIRE(loss_term_from_config(c, "loss.x", &term) == GANC_OK);
    term_ctx ctx = {&term, {.forward = test_net_forward}};
    for (int i = 0; i < n; i++) REQUIRE(loss_inputs_add_tensor(&ctx.in, names[i], xs[i]) == GANC_OK);
    GRADCHECK(f_term, &ctx, n_wrt, xs, 0);
    loss_term_free(&term);
    config_free(c);
}

TEST(gradcheck_registry_terms_and_plugin) {
    tensor *x[4] = {
        test_input(4, (int[]){2, 3, 5, 4}, "rec_A", smooth), test_input(4, (int[]){1, 3, 5, 4}, "rec_B", other),
        test_input(4, (int[]){2, 3, 5, 4}, "real_A", smooth), test_input(4, (int[]){1, 3, 5, 4}, "real_B", other)};
    REQUIRE(x[0] && x[1] && x[2] && x[3]);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < x[k]->numel; i++) x[k]->data[i] = (real)(x[k + 2]->data[i] + away(i + 3 * k));
    const char *names[4] = {"rec_A", "rec_B", "real_A", "real_B"};
    check_term(tc, "[loss.x]\nkind = cycle\nweight = 10\n", names, x, 4, 4);

    /* TV: a ramp steep enough that no difference comes near 0 (power 1's kink). */
    tensor *img = tensor_new(4, (int[]){2, 2, 4, 5}, "fake_B");
    REQUIRE(img && tensor_set_requires_grad(img, true) == GANC_OK);
    for (size_t i = 0; i < img->numel; i++) img->data[i] = (real)(0.3 * (double)(i % 20) + 0.1 * sin((double)i));
    char path[600], text[800];
    REQUIRE(test_plugin_path("libtv_loss.so", path, sizeof path));
    const char *fake_name[1] = {"fake_B"};
    for (int power = 1; power <= 2; power++) {
        snprintf(text, sizeof text, "[loss.x]\nplugin = %s\npower = %d\n", path, power);
        check_term(tc, text, fake_name, &img, 1, 1);
    }
    for (int k = 0; k < 4; k++) tensor_free(x[k]);
    tensor_free(img);
}
