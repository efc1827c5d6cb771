/* Single layers against naive loops written here (in double), spectral
 * norm against an independent power iteration, initialiser statistics,
 * U-GAT-IT parameter clipping, the hourglass layout, and the constructors'
 * and forwards' errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/blocks.h"
#include "layers/init.h"
#include "layers/spectral_norm.h"
#include "tests/layers_support.h"
#include "tests/test.h"

static tensor *run(network *net, module *m, tape *t, const tensor *x, bool training) {
    module_run r = {.t = t, .training = training, .rng = &net->rng};
    return module_forward(m, &r, x);
}

static tensor *step_tensor(tape *t, int ndim, const int *shape, uint64_t seed) {
    tensor *x = tape_tensor(t, ndim, shape, "x");
    rng r;
    rng_init(&r, seed);
    for (size_t i = 0; x && i < x->numel; i++) x->data[i] = (real)rng_normal(&r);
    return x;
}

static double max_diff(const tensor *y, const double *ref) {
    double m = 0;
    for (size_t i = 0; i < y->numel; i++) m = fmax(m, fabs((double)y->data[i] - ref[i]));
    return m;
}

typedef struct {
    int kind;
    conv_opts o;
} conv_spec;

static module *make_conv(network *net, void *arg) {
    const conv_spec *s = arg;
    return s->kind == 0   ? conv2d_new(net, "c", s->o)
           : s->kind == 1 ? conv_transpose2d_new(net, "c", s->o)
                          : linear_new(net, "c", s->o.in_channels, s->o.out_channels, s->o.bias, s->o.spectral_norm);
}

static network *initialised(module *(*make)(network *, void *), void *arg, double gain) {
    network *net = support_single(make, arg);
    rng r;
    rng_init(&r, 3);
    if (net && network_init(net, INIT_NORMAL, gain, &r)) {
        network_free(net);
        return NULL;
    }
    for (size_t i = 0; net && i < net->params.count; i++) support_fill_normal(net->params.entries[i].t, &r, gain);
    return net;
}

TEST(layers_conv2d_matches_naive_loops) {
    conv_spec s = {0, {.in_channels = 3, .out_channels = 4, .kernel = 3, .stride = 2, .padding = 1, .bias = true}};
    network *net = initialised(make_conv, &s, 0.5);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    const int n = 2, c = 3, h = 7, w = 6, o = 4, oh = 4, ow = 3;
    tensor *x = step_tensor(t, 4, (int[]){n, c, h, w}, 1), *y = run(net, net->root, t, x, true);
    REQUIRE(y && y->shape[0] == n && y->shape[1] == o && y->shape[2] == oh && y->shape[3] == ow);
    const real *wt = net->root->weight->data, *b = net->root->bias->data;
    double ref[2 * 4 * 4 * 3];
    for (int in = 0; in < n; in++)
        for (int oc = 0; oc < o; oc++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double acc = b[oc];
                    for (int ic = 0; ic < c; ic++)
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++) {
                                int yi = 2 * i - 1 + ki, xj = 2 * j - 1 + kj;
                                if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
                                acc +=
                                    x->data[((in * c + ic) * h + yi) * w + xj] * wt[((oc * c + ic) * 3 + ki) * 3 + kj];
                            }
                    ref[((in * o + oc) * oh + i) * ow + j] = acc;
                }
    CHECK(max_diff(y, ref) < 1e-5);
    tape_free(t);
    network_free(net);
}

TEST(layers_conv_transpose2d_matches_naive_scatter) {
    conv_spec s = {1, {.in_channels = 2, .out_channels = 3, .kernel = 3, .stride = 2, .padding = 1,
                       .output_padding = 1, .bias = true}};
    network *net = initialised(make_conv, &s, 0.5);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    const int n = 2, c = 2, h = 3, w = 4, o = 3, oh = 6, ow = 8; /* (in-1)*2 - 2 + 3 + 1 */
    tensor *x = step_tensor(t, 4, (int[]){n, c, h, w}, 2), *y = run(net, net->root, t, x, true);
    REQUIRE(y && y->shape[1] == o && y->shape[2] == oh && y->shape[3] == ow);
    const real *wt = net->root->weight->data, *b = net->root->bias->data; /* (in, out, k, k) */
    double ref[2 * 3 * 6 * 8];
    for (int i = 0; i < n * o * oh * ow; i++) ref[i] = b[(i / (oh * ow)) % o];
    for (int in = 0; in < n; in++)
        for (int ic = 0; ic < c; ic++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    for (int oc = 0; oc < o; oc++)
                        for (int ki = 0; ki < 3; ki++)
                            for (int kj = 0; kj < 3; kj++) {
                                int yi = 2 * i - 1 + ki, yj = 2 * j - 1 + kj;
                                if (yi < 0 || yi >= oh || yj < 0 || yj >= ow) continue;
                                ref[((in * o + oc) * oh + yi) * ow + yj] +=
                                    x->data[((in * c + ic) * h + i) * w + j] * wt[((ic * o + oc) * 3 + ki) * 3 + kj];
                            }
    CHECK(max_diff(y, ref) < 1e-5);
    tape_free(t);
    network_free(net);
}

TEST(layers_linear_matches_naive_product) {
    conv_spec s = {2, {.in_channels = 5, .out_channels = 3, .bias = true}};
    network *net = initialised(make_conv, &s, 0.5);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    tensor *x = step_tensor(t, 2, (int[]){4, 5}, 3), *y = run(net, net->root, t, x, true);
    REQUIRE(y && y->shape[0] == 4 && y->shape[1] == 3);
    double ref[12];
    for (int i = 0; i < 4; i++)
        for (int o = 0; o < 3; o++) {
            ref[i * 3 + o] = net->root->bias->data[o];
            for (int k = 0; k < 5; k++) ref[i * 3 + o] += x->data[i * 5 + k] * net->root->weight->data[o * 5 + k];
        }
    CHECK(max_diff(y, ref) < 1e-5);
    tape_free(t);
    network_free(net);
}

/* ---- norms ---- */

static module *make_norm(network *net, void *arg) {
    switch (*(const int *)arg) {
    case 0: return batch_norm_new(net, "n", 3, true);
    case 1: return instance_norm_new(net, "n", 3, true);
    case 2: return layer_norm_new(net, "n", 3, (int[]){3, 2, 5}, true);
    case 3: return iln_new(net, "n", 3);
    case 4: return adalin_new(net, "n", 3);
    default: return soft_adalin_new(net, "n", 3);
    }
}

/* Mean and variance (biased or unbiased) of x[offset .. offset+count-1]. */
typedef struct {
    double mean, var;
} moments;

static moments moments_of(const real *x, size_t offset, size_t count, bool unbiased) {
    double s = 0, q = 0;
    for (size_t k = 0; k < count; k++) s += x[offset + k];
    double mean = s / (double)count;
    for (size_t k = 0; k < count; k++) q += pow(x[offset + k] - mean, 2);
    return (moments){mean, q / (double)(unbiased ? count - 1 : count)};
}

TEST(layers_batch_norm_train_eval_and_running_statistics) {
    int kind = 0;
    network *net = initialised(make_norm, &kind, 0.5);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    module *m = net->root;
    tensor *rm = params_find(&net->buffers, "N.n.running_mean"), *rv = params_find(&net->buffers, "N.n.running_var");
    tensor *nb = params_find(&net->buffers, "N.n.num_batches_tracked");
    REQUIRE(rm && rv && nb && rv->data[0] == 1 && rm->data[0] == 0);
    const int n = 2, c = 3, s = 4;
    tensor *x = step_tensor(t, 4, (int[]){n, c, 2, 2}, 4), *y = run(net, m, t, x, true);
    REQUIRE(y);
    double ref[24], mean[3], var_u[3];
    for (int k = 0; k < c; k++) {
        double v[8];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++) v[i * s + j] = x->data[(i * c + k) * s + j];
        double mu = 0, q = 0;
        for (int j = 0; j < 8; j++) mu += v[j] / 8;
        for (int j = 0; j < 8; j++) q += (v[j] - mu) * (v[j] - mu);
        mean[k] = mu;
        var_u[k] = q / 7;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < s; j++)
                ref[(i * c + k) * s + j] =
                    (v[i * s + j] - mu) / sqrt(q / 8 + 1e-5) * m->weight->data[k] + m->bias->data[k];
    }
    CHECK(max_diff(y, ref) < 1e-5);
    CHECK(nb->data[0] == 1);
    for (int k = 0; k < c; k++) {
        CHECK_NEAR(rm->data[k], 0.1 * mean[k], 1e-6);        /* momentum 0.1 from 0 */
        CHECK_NEAR(rv->data[k], 0.9 + 0.1 * var_u[k], 1e-6); /* unbiased batch variance */
    }
    /* Eval: the running statistics, no update. */
    y = run(net, m, t, x, false);
    REQUIRE(y);
    for (int i = 0; i < n * c * s; i++) {
        int k = (i / s) % c;
        ref[i] = (x->data[i] - rm->data[k]) / sqrt(rv->data[k] + 1e-5) * m->weight->data[k] + m->bias->data[k];
    }
    CHECK(max_diff(y, ref) < 1e-5);
    CHECK(nb->data[0] == 1 && fabs(rm->data[0] - 0.1 * mean[0]) < 1e-6);
    tape_free(t);
    network_free(net);
}

TEST(layers_instance_and_layer_norm_match_naive) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    for (int kind = 1; kind <= 2; kind++) {
        network *net = initialised(make_norm, &kind, 0.5);
        REQUIRE(net);
        module *m = net->root;
        tensor *x = step_tensor(t, 4, (int[]){2, 3, 2, 5}, 5), *y = run(net, m, t, x, true);
        REQUIRE(y);
        double ref[60];
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++) {
                /* instance: per (i, k) over 10 values; layer: per i over 30 */
                moments mo = kind == 1 ? moments_of(x->data, (size_t)(i * 3 + k) * 10, 10, false)
                                       : moments_of(x->data, (size_t)i * 30, 30, false);
                for (int j = 0; j < 10; j++) {
                    int e = (i * 3 + k) * 10 + j, p = kind == 1 ? k : k * 10 + j;
                    ref[e] = (x->data[e] - mo.mean) / sqrt(mo.var + 1e-5) * m->weight->data[p] + m->bias->data[p];
                }
            }
        CHECK_MSG(max_diff(y, ref) < 1e-5, "%s", kind == 1 ? "InstanceNorm2d" : "LayerNorm");
        network_free(net);
    }
    tape_free(t);
}

/* rho * IN + (1 - rho) * LN with torch.var's unbiased variance, in double. */
static void naive_lin(const real *x, int n, int c, int s, const real *rho, const double *gamma, const double *beta,
                      bool per_sample, double *out) {
    for (int i = 0; i < n; i++) {
        moments ln = moments_of(x, (size_t)i * c * s, (size_t)c * s, true);
        for (int k = 0; k < c; k++) {
            moments in = moments_of(x, (size_t)(i * c + k) * s, (size_t)s, true);
            int g = per_sample ? i * c + k : k;
            for (int j = 0; j < s; j++) {
                size_t e = (size_t)(i * c + k) * s + j;
                double a = (x[e] - in.mean) / sqrt(in.var + 1e-5), b = (x[e] - ln.mean) / sqrt(ln.var + 1e-5);
                out[e] = (rho[k] * a + (1 - rho[k]) * b) * gamma[g] + beta[g];
            }
        }
    }
}

static void to_double(const tensor *v, double *out) {
    for (size_t i = 0; i < v->numel; i++) out[i] = v->data[i];
}

TEST(layers_iln_and_adalin_match_naive_unbiased_formula) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    int kind = 3;
    network *net = initialised(make_norm, &kind, 0.5);
    REQUIRE(net);
    module *m = net->root;
    tensor *rho = params_find(&net->params, "N.n.rho");
    REQUIRE(rho && m->weight && m->bias && rho->shape[0] == 1 && rho->shape[1] == 3 && rho->shape[3] == 1);
    for (int k = 0; k < 3; k++) rho->data[k] = (real)(0.2 + 0.3 * k);
    tensor *x = step_tensor(t, 4, (int[]){2, 3, 2, 3}, 6), *y = run(net, m, t, x, true);
    REQUIRE(y);
    double ref[36], g[3], b[3];
    to_double(m->weight, g);
    to_double(m->bias, b);
    naive_lin(x->data, 2, 3, 6, rho->data, g, b, false, ref);
    CHECK(max_diff(y, ref) < 2e-5);
    network_free(net);

    kind = 4;
    net = initialised(make_norm, &kind, 0.5);
    REQUIRE(net);
    rho = params_find(&net->params, "N.n.rho");
    REQUIRE(rho);
    for (int k = 0; k < 3; k++) CHECK(rho->data[k] != 0); /* randomised above; the constructor sets 0.9 */
    tensor *gamma = step_tensor(t, 2, (int[]){2, 3}, 7), *beta = step_tensor(t, 2, (int[]){2, 3}, 8);
    module_run r = {.t = t, .training = true};
    y = adalin_forward(net->root, &r, x, gamma, beta);
    REQUIRE(y);
    double gd[6], bd[6];
    to_double(gamma, gd);
    to_double(beta, bd);
    naive_lin(x->data, 2, 3, 6, rho->data, gd, bd, true, ref);
    CHECK(max_diff(y, ref) < 2e-5);
    /* Wrong gamma shape, wrong module type, NULL pass-through. */
    CHECK(!adalin_forward(net->root, &r, x, beta, step_tensor(t, 2, (int[]){2, 4}, 9)));
    CHECK(strstr(ganc_error_message(), "N.n (adaLIN)") && strstr(ganc_error_message(), "beta (2,4)"));
    CHECK(!adalin_forward(net->root, &r, x, NULL, beta) && strstr(ganc_error_message(), "beta (2,4)"));
    CHECK(!module_forward(net->root, &r, x) && strstr(ganc_error_message(), "own forward"));
    network_free(net);
    tape_free(t);
}

static const real *soft_param(const network *net, const char *name) {
    char full[64];
    snprintf(full, sizeof full, "N.n.%s", name);
    const tensor *p = params_find(&net->params, full);
    return p ? p->data : NULL;
}

TEST(layers_soft_adalin_blends_content_and_style) {
    tape *t = tape_new(device_cpu());
    int kind = 5;
    network *net = initialised(make_norm, &kind, 0.5);
    REQUIRE(t && net);
    module *m = net->root;
    const char *names[] = {"w_gamma", "w_beta", "norm.rho", "c_gamma.0.weight", "c_gamma.2.bias", "c_beta.0.weight",
                           "c_beta.2.weight", "s_gamma.weight", "s_beta.bias"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char full[64];
        snprintf(full, sizeof full, "N.n.%s", names[i]);
        CHECK_MSG(params_find(&net->params, full), "no parameter %s", full);
    }
    tensor *wg = params_find(&net->params, "N.n.w_gamma"), *wb = params_find(&net->params, "N.n.w_beta");
    tensor *rho = params_find(&net->params, "N.n.norm.rho");
    REQUIRE(wg && wb && rho && wg->ndim == 2 && wg->shape[0] == 1 && wg->shape[1] == 3);
    for (int k = 0; k < 3; k++) {
        wg->data[k] = (real)(0.1 + 0.3 * k);
        wb->data[k] = (real)(0.8 - 0.2 * k);
        rho->data[k] = (real)(0.5 + 0.1 * k);
    }
    tensor *x = step_tensor(t, 4, (int[]){2, 3, 2, 2}, 10);
    tensor *content = step_tensor(t, 2, (int[]){2, 3}, 11), *style = step_tensor(t, 2, (int[]){2, 3}, 12);
    module_run r = {.t = t, .training = true};
    tensor *y = soft_adalin_forward(m, &r, x, content, style);
    REQUIRE(y);
    /* Naive: Linear(ReLU(Linear(.))) for content, one Linear for style, then the blend. */
    const real *cg0 = soft_param(net, "c_gamma.0.weight"), *cg0b = soft_param(net, "c_gamma.0.bias");
    const real *cg2 = soft_param(net, "c_gamma.2.weight"), *cg2b = soft_param(net, "c_gamma.2.bias");
    const real *cb0 = soft_param(net, "c_beta.0.weight"), *cb0b = soft_param(net, "c_beta.0.bias");
    const real *cb2 = soft_param(net, "c_beta.2.weight"), *cb2b = soft_param(net, "c_beta.2.bias");
    const real *sg = soft_param(net, "s_gamma.weight"), *sgb = soft_param(net, "s_gamma.bias");
    const real *sb = soft_param(net, "s_beta.weight"), *sbb = soft_param(net, "s_beta.bias");
    REQUIRE(cg0 && cg0b && cg2 && cg2b && cb0 && cb0b && cb2 && cb2b && sg && sgb && sb && sbb);
    double gamma[6], beta[6];
    for (int i = 0; i < 2; i++) {
        const real *cf = content->data + 3 * i, *sf = style->data + 3 * i;
        double hg[3], hb[3];
        for (int o = 0; o < 3; o++) {
            hg[o] = cg0b[o];
            hb[o] = cb0b[o];
            for (int k = 0; k < 3; k++) hg[o] += cg0[o * 3 + k] * cf[k], hb[o] += cb0[o * 3 + k] * cf[k];
            hg[o] = fmax(hg[o], 0);
            hb[o] = fmax(hb[o], 0);
        }
        for (int o = 0; o < 3; o++) {
            double c_g = cg2b[o], c_b = cb2b[o], s_g = sgb[o], s_b = sbb[o];
            for (int k = 0; k < 3; k++) {
                c_g += cg2[o * 3 + k] * hg[k];
                c_b += cb2[o * 3 + k] * hb[k];
                s_g += sg[o * 3 + k] * sf[k];
                s_b += sb[o * 3 + k] * sf[k];
            }
            gamma[i * 3 + o] = (1 - wg->data[o]) * s_g + wg->data[o] * c_g;
            beta[i * 3 + o] = (1 - wb->data[o]) * s_b + wb->data[o] * c_b;
        }
    }
    double ref[24];
    naive_lin(x->data, 2, 3, 4, rho->data, gamma, beta, true, ref);
    CHECK(max_diff(y, ref) < 2e-5);
    network_free(net);
    tape_free(t);
}

TEST(layers_constraints_clip_rho_and_blend_weights) {
    int kind = 5;
    network *net = initialised(make_norm, &kind, 0.5);
    REQUIRE(net);
    tensor *wg = params_find(&net->params, "N.n.w_gamma"), *rho = params_find(&net->params, "N.n.norm.rho");
    tensor *lin = params_find(&net->params, "N.n.s_gamma.weight");
    REQUIRE(wg && rho && lin);
    wg->data[0] = (real)-0.5, wg->data[1] = (real)0.25, wg->data[2] = (real)1.5;
    rho->data[0] = (real)2, rho->data[1] = (real)-1, rho->data[2] = (real)0.75;
    lin->data[0] = (real)7;
    network_apply_constraints(net);
    CHECK(wg->data[0] == 0 && wg->data[1] == (real)0.25 && wg->data[2] == 1);
    CHECK(rho->data[0] == 1 && rho->data[1] == 0 && rho->data[2] == (real)0.75);
    CHECK(lin->data[0] == 7);
    network_free(net);
}

/* ---- dropout ---- */

static module *make_dropout(network *net, void *arg) { return dropout_new(net, "d", 0.5); }

TEST(layers_dropout_train_and_eval) {
    network *net = support_single(make_dropout, NULL);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    rng_init(&net->rng, 77);
    tensor *x = step_tensor(t, 2, (int[]){40, 100}, 13), *y = run(net, net->root, t, x, true);
    REQUIRE(y);
    size_t zeros = 0;
    bool scaled = true;
    for (size_t i = 0; i < y->numel; i++) {
        if (y->data[i] == 0) zeros++;
        else scaled &= fabs(y->data[i] - 2 * x->data[i]) < 1e-6;
    }
    CHECK(scaled);
    CHECK_MSG(zeros > 1800 && zeros < 2200, "%zu of 4000 dropped", zeros); /* p = 0.5, 6 sigma */
    CHECK(net->rng.counter == 4000);
    y = run(net, net->root, t, x, false);
    CHECK(y && memcmp(y->data, x->data, x->numel * sizeof(real)) == 0 && net->rng.counter == 4000);
    tape_free(t);
    network_free(net);
}

/* ---- spectral norm ---- */

/* Largest singular value of the (rows, cols) matrix w, by 500 power iterations in double. */
static double top_singular_value(const real *w, int rows, int cols, double scale) {
    double *u = malloc(rows * sizeof *u), *v = malloc(cols * sizeof *v), sigma = 0;
    for (int i = 0; i < rows; i++) u[i] = 1.0 + 0.01 * i;
    for (int it = 0; it < 500; it++) {
        double nv = 0, nu = 0;
        for (int j = 0; j < cols; j++) {
            v[j] = 0;
            for (int i = 0; i < rows; i++) v[j] += w[i * cols + j] * scale * u[i];
            nv += v[j] * v[j];
        }
        for (int j = 0; j < cols; j++) v[j] /= sqrt(nv);
        for (int i = 0; i < rows; i++) {
            u[i] = 0;
            for (int j = 0; j < cols; j++) u[i] += w[i * cols + j] * scale * v[j];
            nu += u[i] * u[i];
        }
        sigma = sqrt(nu);
        for (int i = 0; i < rows; i++) u[i] /= sigma;
    }
    free(u);
    free(v);
    return sigma;
}

TEST(layers_spectral_norm_makes_sigma_one) {
    conv_spec s = {0, {.in_channels = 4, .out_channels = 6, .kernel = 3, .padding = 1, .bias = true,
                       .spectral_norm = true}};
    network *net = initialised(make_conv, &s, 0.3);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    CHECK(params_find(&net->params, "N.c.weight_orig") && !params_find(&net->params, "N.c.weight"));
    spectral_norm *sn = module_spectral_norm(net->root);
    REQUIRE(sn && sn->rows == 6 && sn->cols == 36);
    tensor *x = step_tensor(t, 4, (int[]){1, 4, 5, 5}, 14);
    real u0[6];
    memcpy(u0, sn->u->data, sizeof u0);
    REQUIRE(run(net, net->root, t, x, false));
    CHECK(memcmp(u0, sn->u->data, sizeof u0) == 0); /* eval: u untouched */
    for (int i = 0; i < 60; i++) {
        tape_reset(t);
        REQUIRE(run(net, net->root, t, step_tensor(t, 4, (int[]){1, 4, 5, 5}, 14), true));
    }
    CHECK(memcmp(u0, sn->u->data, sizeof u0) != 0);
    const real *w = net->root->weight->data;
    double sigma_true = top_singular_value(w, 6, 36, 1), sigma_ours = 0;
    for (int i = 0; i < 6; i++) { /* u^T W v */
        double wv = 0;
        for (int j = 0; j < 36; j++) wv += w[i * 36 + j] * sn->v->data[j];
        sigma_ours += sn->u->data[i] * wv;
    }
    CHECK_NEAR(sigma_ours / sigma_true, 1, 1e-4);
    CHECK_NEAR(top_singular_value(w, 6, 36, 1 / sigma_ours), 1, 1e-4); /* sigma(W_sn) */
    /* The output is that of a plain conv with weight W / sigma. */
    tape_reset(t);
    x = step_tensor(t, 4, (int[]){1, 4, 5, 5}, 14);
    tensor *y = run(net, net->root, t, x, false);
    conv_spec plain = {0, {.in_channels = 4, .out_channels = 6, .kernel = 3, .padding = 1, .bias = true}};
    network *ref = support_single(make_conv, &plain);
    REQUIRE(y && ref);
    for (size_t i = 0; i < ref->root->weight->numel; i++) ref->root->weight->data[i] = (real)(w[i] / sigma_ours);
    memcpy(ref->root->bias->data, net->root->bias->data, 6 * sizeof(real));
    tensor *y_ref = run(ref, ref->root, t, x, false);
    REQUIRE(y_ref);
    double m = 0;
    for (size_t i = 0; i < y->numel; i++) m = fmax(m, fabs((double)y->data[i] - y_ref->data[i]));
    CHECK(m < 1e-5);
    network_free(ref);
    tape_free(t);
    network_free(net);
}

/* ---- initialisers ---- */

static module *make_init_stack(network *net, void *arg) {
    module *seq = sequential_new(net, "s");
    char p[16];
    conv_opts big = {.in_channels = 64, .out_channels = 64, .kernel = 3, .bias = true};
    conv_opts wide = {.in_channels = 4, .out_channels = 16, .kernel = 3};
    bool ok = seq && !module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), big)) &&
              !module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), wide)) &&
              !module_add_child(seq, linear_new(net, module_next_path(seq, p, sizeof p), 8, 20, true, false)) &&
              !module_add_child(seq, batch_norm_new(net, module_next_path(seq, p, sizeof p), 4096, true)) &&
              !module_add_child(seq, iln_new(net, module_next_path(seq, p, sizeof p), 3));
    if (!ok) module_free(seq);
    return ok ? seq : NULL;
}

static moments stats(const tensor *w) { return moments_of(w->data, 0, w->numel, false); }

TEST(layers_initialisers_have_the_stated_statistics) {
    network *net = support_single(make_init_stack, NULL);
    REQUIRE(net);
    tensor *big = params_find(&net->params, "N.s.0.weight"), *bias = params_find(&net->params, "N.s.0.bias");
    tensor *wide = params_find(&net->params, "N.s.1.weight"), *tall = params_find(&net->params, "N.s.2.weight");
    tensor *bn = params_find(&net->params, "N.s.3.weight"), *bnb = params_find(&net->params, "N.s.3.bias");
    tensor *gamma = params_find(&net->params, "N.s.4.gamma"), *rho = params_find(&net->params, "N.s.4.rho");
    REQUIRE(big && bias && wide && tall && bn && bnb && gamma && rho);
    rng r;
    rng_init(&r, 21);
    for (size_t i = 0; i < bias->numel; i++) bias->data[i] = 1;
    /* 36,864 values: the sample std is within 1.5% of the true one. */
    REQUIRE(network_init(net, INIT_NORMAL, 0.02, &r) == GANC_OK);
    moments m = stats(big);
    CHECK_NEAR(sqrt(m.var), 0.02, 0.0003);
    CHECK_NEAR(m.mean, 0, 0.0003);
    CHECK(stats(bias).var == 0 && bias->data[0] == 0);
    m = stats(bn); /* BatchNorm weight ~ N(1, gain) over 4096 channels */
    CHECK_NEAR(m.mean, 1, 0.002);
    CHECK_NEAR(sqrt(m.var), 0.02, 0.001);
    CHECK(bnb->data[0] == 0 && gamma->data[0] == 1 && rho->data[0] == 0); /* ILN keeps its constructor values */

    REQUIRE(network_init(net, INIT_XAVIER, 1.5, &r) == GANC_OK);
    CHECK_NEAR(sqrt(stats(big).var), 1.5 * sqrt(2.0 / (576 + 576)), 0.001);
    REQUIRE(network_init(net, INIT_KAIMING, 123, &r) == GANC_OK); /* gain unused, as in the reference */
    CHECK_NEAR(sqrt(stats(big).var), sqrt(2.0 / 576), 0.001);

    /* Orthogonal: the (16, 36) weight has orthonormal rows times gain, the
     * (20, 8) Linear weight orthonormal columns. */
    REQUIRE(network_init(net, INIT_ORTHOGONAL, 0.7, &r) == GANC_OK);
    double worst = 0;
    for (int a = 0; a < 16; a++)
        for (int b = 0; b < 16; b++) {
            double dot = 0;
            for (int k = 0; k < 36; k++) dot += wide->data[a * 36 + k] * wide->data[b * 36 + k];
            worst = fmax(worst, fabs(dot - (a == b ? 0.49 : 0)));
        }
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++) {
            double dot = 0;
            for (int k = 0; k < 20; k++) dot += tall->data[k * 8 + a] * tall->data[k * 8 + b];
            worst = fmax(worst, fabs(dot - (a == b ? 0.49 : 0)));
        }
    CHECK_MSG(worst < 1e-5, "largest deviation from gain^2 I: %g", worst);
    network_free(net);
}

/* ---- blocks ---- */

static module *make_hourglass(network *net, void *arg) { return hourglass_new(net, "h", 4, *(const bool *)arg); }

TEST(layers_hourglass_layout_and_shapes) {
    bool res = true, plain = false;
    network *net = initialised(make_hourglass, &res, 0.3);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    /* ConvBlock(4, 4): 3x3 convs 4->2, 2->1, 1->1 and the 1x1 4->4 (ConvBlock4, kept though unused). */
    size_t conv_block = 4 * 2 * 9 + 2 * 1 * 9 + 1 * 1 * 9 + 4 * 4;
    CHECK(net->params.numel == 14 * conv_block + 4 * 4 + (4 * 3 + 3) + (4 * 4 + 4) + (3 * 4 + 4));
    CHECK(strcmp(net->params.entries[0].name, "N.h.HG.0.ConvBlock1_1.ConvBlock1.3.weight") == 0);
    CHECK(params_find(&net->params, "N.h.HG.0.ConvBlock9.ConvBlock4.2.weight"));
    CHECK(params_find(&net->params, "N.h.HG.1.ConvBlock3.3.weight") && params_find(&net->params, "N.h.HG.2.weight"));
    CHECK(strcmp(net->params.entries[net->params.count - 1].name, "N.h.Conv3.bias") == 0);
    tensor *x = step_tensor(t, 4, (int[]){2, 4, 32, 48}, 15), *y = run(net, net->root, t, x, true);
    CHECK(y && y->shape[0] == 2 && y->shape[1] == 4 && y->shape[2] == 32 && y->shape[3] == 48);
    /* With Conv2 and Conv3 zeroed the residual head returns x itself. */
    for (size_t i = 0; i < net->params.count; i++)
        if (strstr(net->params.entries[i].name, "Conv2.") || strstr(net->params.entries[i].name, "Conv3."))
            memset(net->params.entries[i].t->data, 0, net->params.entries[i].t->numel * sizeof(real));
    y = run(net, net->root, t, x, true);
    CHECK(y && memcmp(y->data, x->data, x->numel * sizeof(real)) == 0);
    CHECK(!run(net, net->root, t, step_tensor(t, 4, (int[]){1, 4, 16, 16}, 1), true));
    CHECK(strstr(ganc_error_message(), "N.h.HG.0 (HourGlassBlock)") && strstr(ganc_error_message(), "at least 32"));
    network_free(net);

    net = initialised(make_hourglass, &plain, 0.3);
    REQUIRE(net);
    CHECK(!params_find(&net->params, "N.h.Conv2.weight") && params_find(&net->params, "N.h.Conv1.bias"));
    y = run(net, net->root, t, x, true);
    CHECK(y && y->shape[1] == 3 && y->shape[2] == 32);
    network_free(net);
    tape_free(t);
}

/* ---- errors ---- */

static module *make_mismatch(network *net, void *arg) {
    module *seq = sequential_new(net, "s");
    char p[16];
    conv_opts a = {.in_channels = 3, .out_channels = 4, .kernel = 3},
              b = {.in_channels = 5, .out_channels = 2, .kernel = 1};
    bool ok = seq && !module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), a)) &&
              !module_add_child(seq, conv2d_new(net, module_next_path(seq, p, sizeof p), b));
    if (!ok) module_free(seq);
    return ok ? seq : NULL;
}

TEST(layers_forward_errors_name_the_failing_module) {
    network *net = support_single(make_mismatch, NULL);
    tape *t = tape_new(device_cpu());
    REQUIRE(net && t);
    CHECK(!run(net, net->root, t, step_tensor(t, 4, (int[]){1, 3, 5, 5}, 1), true));
    const char *msg = ganc_error_message();
    CHECK_MSG(strstr(msg, "N.s.1 (Conv2d)") && strstr(msg, "conv2d") && !strstr(msg, "N.s (Sequential)"), "%s", msg);
    tape_free(t);
    network_free(net);
}

TEST(layers_constructor_errors_name_the_path_and_option) {
    network *net = network_new("N", "test");
    REQUIRE(net);
    CHECK(!conv2d_new(net, "a.b", (conv_opts){.in_channels = 0, .out_channels = 4, .kernel = 3}));
    CHECK(strstr(ganc_error_message(), "Conv2d a.b") && strstr(ganc_error_message(), "channels 0->4"));
    CHECK(!conv2d_new(net, "g", (conv_opts){.in_channels = 3, .out_channels = 4, .kernel = 3, .groups = 2}));
    CHECK(strstr(ganc_error_message(), "divisible by groups 2"));
    CHECK(!conv_transpose2d_new(
        net, "t", (conv_opts){.in_channels = 3, .out_channels = 4, .kernel = 3, .stride = 2, .output_padding = 2}));
    CHECK(strstr(ganc_error_message(), "ConvTranspose2d t") && strstr(ganc_error_message(), "below stride 2"));
    CHECK(!linear_new(net, "l", 3, 0, true, false) && strstr(ganc_error_message(), "Linear l"));
    CHECK(!dropout_new(net, "d", 1.0) && strstr(ganc_error_message(), "dropout probability"));
    CHECK(!pad_new(net, "p", -1, PAD_REFLECT) && strstr(ganc_error_message(), "padding must be >= 0"));
    CHECK(!upsample_new(net, "u", 0, false, false) && strstr(ganc_error_message(), "scale"));
    CHECK(!avg_pool_new(net, "a", 0) && strstr(ganc_error_message(), "pooling kernel"));
    CHECK(!batch_norm_new(net, "bn", 0, true) && strstr(ganc_error_message(), "BatchNorm bn"));
    CHECK(!iln_new(net, "i", -2) && strstr(ganc_error_message(), "ILN i"));
    CHECK(!layer_norm_new(net, "ln", 3, (int[]){2, 0, 2}, true) && strstr(ganc_error_message(), "LayerNorm ln"));
    CHECK(!hourglass_new(net, "h", 6, true) && strstr(ganc_error_message(), "multiple of 4"));
    char long_path[MODULE_PATH_MAX + 10];
    memset(long_path, 'x', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    CHECK(!relu_new(net, long_path) && strstr(ganc_error_message(), "longer than"));
    /* A name clash in the flat block is caught by params_add. */
    module *first = linear_new(net, "same", 2, 2, false, false);
    CHECK(first);
    CHECK(!linear_new(net, "same", 2, 2, false, false) && strstr(ganc_error_message(), "added twice"));
    module_free(first);
    network_free(net);
}
