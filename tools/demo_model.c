#include "tools/demo_model.h"

#include <stdio.h>

#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/norm.h"
#include "core/ops/shape.h"
#include "core/ops/spatial.h"

/* One row per conv layer: weight dims 0 and 1, kernel size, bias length.
 * Weights ~ N(0, 0.02), biases 0: the pix2pix initialisation. */
static ganc_status add_convs(param_set *ps, rng *r, int n, const char *const *names, const int (*shapes)[4]) {
    char key[96];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s.weight", names[i]);
        tensor *w = params_add(ps, key, 4, (int[]){shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][2]});
        snprintf(key, sizeof key, "%s.bias", names[i]);
        if (!w || !params_add(ps, key, 1, (int[]){shapes[i][3]})) return ganc_error_status();
        for (size_t k = 0; k < w->numel; k++) w->data[k] = (real)(0.02 * rng_normal(r));
    }
    return GANC_OK;
}

static tensor *param(param_set *ps, const char *layer, const char *kind) {
    char key[96];
    snprintf(key, sizeof key, "%s.%s", layer, kind);
    return params_find(ps, key);
}

static tensor *conv(tape *t, param_set *ps, const char *layer, const tensor *x, int stride, int pad) {
    conv2d_args a = {.stride_h = stride, .stride_w = stride, .pad_h = pad, .pad_w = pad};
    return op_conv2d(t, x, param(ps, layer, "weight"), param(ps, layer, "bias"), a);
}

static const real NORM_EPS = (real)1e-5;

ganc_status demo_generator_init(demo_generator *g, int width, rng *r) {
    params_init(&g->params, "G");
    g->width = width;
    const char *names[] = {"G.enc0", "G.enc1", "G.res.conv0", "G.res.conv1", "G.dec0", "G.out"};
    /* ConvTranspose2d weights are (in, out, k, k): G.dec0 is declared that way round. */
    const int shapes[][4] = {{width, 3, 3, width},
                             {2 * width, width, 4, 2 * width},
                             {2 * width, 2 * width, 3, 2 * width},
                             {2 * width, 2 * width, 3, 2 * width},
                             {2 * width, width, 4, width},
                             {3, width, 3, 3}};
    return add_convs(&g->params, r, 6, names, shapes);
}

tensor *demo_generator_forward(tape *t, demo_generator *g, const tensor *x) {
    param_set *ps = &g->params;
    tensor *h = op_pad(t, x, 1, 1, 1, 1, PAD_REFLECT);
    h = op_relu(t, op_instance_norm(t, conv(t, ps, "G.enc0", h, 1, 0), NULL, NULL, NORM_EPS));
    h = op_relu(t, op_instance_norm(t, conv(t, ps, "G.enc1", h, 2, 1), NULL, NULL, NORM_EPS));
    tensor *r = op_pad(t, h, 1, 1, 1, 1, PAD_REFLECT);
    r = op_relu(t, op_instance_norm(t, conv(t, ps, "G.res.conv0", r, 1, 0), NULL, NULL, NORM_EPS));
    r = op_pad(t, r, 1, 1, 1, 1, PAD_REFLECT);
    r = op_instance_norm(t, conv(t, ps, "G.res.conv1", r, 1, 0), NULL, NULL, NORM_EPS);
    h = op_add(t, h, r);
    conv_transpose2d_args up = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1};
    h = op_conv_transpose2d(t, h, param(ps, "G.dec0", "weight"), param(ps, "G.dec0", "bias"), up);
    h = op_relu(t, op_instance_norm(t, h, NULL, NULL, NORM_EPS));
    h = op_pad(t, h, 1, 1, 1, 1, PAD_REFLECT);
    return op_tanh(t, conv(t, ps, "G.out", h, 1, 0));
}

ganc_status demo_discriminator_init(demo_discriminator *d, int width, rng *r) {
    params_init(&d->params, "D");
    d->width = width;
    const char *names[] = {"D.conv0", "D.conv1", "D.out"};
    const int shapes[][4] = {{width, 6, 4, width}, {2 * width, width, 4, 2 * width}, {1, 2 * width, 3, 1}};
    return add_convs(&d->params, r, 3, names, shapes);
}

tensor *demo_discriminator_forward(tape *t, demo_discriminator *d, const tensor *a, const tensor *b) {
    param_set *ps = &d->params;
    const tensor *pair[2] = {a, b};
    tensor *h = op_concat(t, 2, pair, 1);
    h = op_leaky_relu(t, conv(t, ps, "D.conv0", h, 2, 1), (real)0.2);
    h = op_leaky_relu(t, op_instance_norm(t, conv(t, ps, "D.conv1", h, 2, 1), NULL, NULL, NORM_EPS), (real)0.2);
    return conv(t, ps, "D.out", h, 1, 1);
}

void demo_generator_free(demo_generator *g) { params_free(&g->params); }
void demo_discriminator_free(demo_discriminator *d) { params_free(&d->params); }
