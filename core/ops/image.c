#include "core/ops/image.h"

#include <math.h>

#include "core/kernels/image.h"

/* Largest filter ksize = 0 may derive from sigma; wider ones are a typo. */
#define MAX_DERIVED_KSIZE 1001

static ganc_status check_planes(op_id op, const tensor *x) {
    char sx[48];
    if (x->ndim != 4)
        return GANC_ERR(GANC_ERR_SHAPE, "%s: input %s %s must be (N,C,H,W)", op_name(op), x->name,
                        tensor_shape_str(x, sx, sizeof sx));
    return GANC_OK;
}

/* A step copy of host taps on the tape's device. */
static real *upload_taps(tape *t, const real *taps, int n) {
    real *d = tape_alloc_data(t, (size_t)n * sizeof *d);
    if (d) t->be->upload(d, taps, (size_t)n * sizeof *d);
    return d;
}

/* ---- area downscale ---- */

static ganc_status area_downscale_backward(tape *t, const tape_node *node) {
    tensor *x = node->in[0], *y = node->out;
    real *dx = tape_grad(t, x);
    if (!dx) return ganc_error_status();
    t->be->image->area_downscale_backward(y->grad, y->shape[2], y->shape[3], dx, dims4_of(x));
    return GANC_OK;
}

tensor *op_area_downscale(tape *t, const tensor *x, int out_h, int out_w) {
    if (tape_check_inputs(t, OP_AREA_DOWNSCALE, 1, &x) || check_planes(OP_AREA_DOWNSCALE, x)) return NULL;
    char sx[48];
    if (out_h < 1 || out_w < 1 || out_h > x->shape[2] || out_w > x->shape[3]) {
        GANC_ERR(GANC_ERR_SHAPE, "area_downscale: output %dx%d must be at least 1x1 and at most the size of "
                 "input %s %s", out_h, out_w, x->name, tensor_shape_str(x, sx, sizeof sx));
        return NULL;
    }
    const int shape[4] = {x->shape[0], x->shape[1], out_h, out_w};
    tensor *y = tape_tensor(t, 4, shape, "area_downscale");
    if (!y) return NULL;
    t->be->image->area_downscale_forward(x->data, dims4_of(x), y->data, out_h, out_w);
    tape_node *node;
    if (tape_record(t, OP_AREA_DOWNSCALE, y, 1, &x, area_downscale_backward, 0, &node)) return NULL;
    return y;
}

/* ---- separable filters: Gaussian blur, Sobel ---- */

/* Taps on the device: Gaussian uses `a` both ways; Sobel uses the
 * derivative `a` and the smoothing `b` crosswise. */
typedef struct {
    const real *a, *b;
    int n;
} filter_saved;

/* OpenCV's getGaussianKernel: fixed taps for small sizes when sigma is not
 * given, else the sampled Gaussian normalised to sum 1. */
static void gaussian_taps(int ksize, double sigma, real *taps) {
    static const double fixed[4][7] = {
        {1},
        {0.25, 0.5, 0.25},
        {0.0625, 0.25, 0.375, 0.25, 0.0625},
        {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125},
    };
    if (sigma <= 0 && ksize <= 7) {
        for (int i = 0; i < ksize; i++) taps[i] = (real)fixed[ksize / 2][i];
        return;
    }
    if (sigma <= 0) sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
    double sum = 0;
    for (int i = 0; i < ksize; i++) {
        double d = i - (ksize - 1) / 2;
        sum += exp(-d * d / (2 * sigma * sigma));
    }
    for (int i = 0; i < ksize; i++) {
        double d = i - (ksize - 1) / 2;
        taps[i] = (real)(exp(-d * d / (2 * sigma * sigma)) / sum);
    }
}

static ganc_status gaussian_blur_backward(tape *t, const tape_node *node) {
    const filter_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    real *tmp = dx ? tape_scratch(t, x->numel * sizeof *tmp) : NULL;
    if (!tmp) return ganc_error_status();
    t->be->image->separable_filter_backward(node->out->grad, dims4_of(x), s->a, s->n, s->a, s->n, tmp, dx, 1, 0);
    return GANC_OK;
}

tensor *op_gaussian_blur(tape *t, const tensor *x, int ksize, real sigma) {
    if (tape_check_inputs(t, OP_GAUSSIAN_BLUR, 1, &x) || check_planes(OP_GAUSSIAN_BLUR, x)) return NULL;
    char sx[48];
    double sg = (double)sigma;
    if (!isfinite(sg) || ksize < 0 || (ksize > 0 && ksize % 2 == 0) || (ksize == 0 && sg <= 0) ||
        (ksize == 0 && 8 * sg + 1 > MAX_DERIVED_KSIZE)) {
        GANC_ERR(GANC_ERR_ARG, "gaussian_blur: input %s %s: ksize %d, sigma %g: ksize must be odd, or 0 with "
                 "0 < sigma <= %d to derive it", x->name, tensor_shape_str(x, sx, sizeof sx), ksize, sg,
                 (MAX_DERIVED_KSIZE - 1) / 8);
        return NULL;
    }
    if (ksize == 0) ksize = (int)lround(8 * sg + 1) | 1;
    real *host = tape_alloc_meta(t, (size_t)ksize * sizeof *host);
    if (!host) return NULL;
    gaussian_taps(ksize, sg, host);
    real *taps = upload_taps(t, host, ksize);
    tensor *y = taps ? tape_tensor(t, 4, x->shape, "gaussian_blur") : NULL;
    real *tmp = y ? tape_scratch(t, x->numel * sizeof *tmp) : NULL;
    if (!tmp) return NULL;
    t->be->image->separable_filter_forward(x->data, dims4_of(x), taps, ksize, taps, ksize, tmp, y->data, 1, 0);
    tape_node *node;
    if (tape_record(t, OP_GAUSSIAN_BLUR, y, 1, &x, gaussian_blur_backward, sizeof(filter_saved), &node))
        return NULL;
    if (node) *(filter_saved *)node->saved = (filter_saved){taps, taps, ksize};
    return y;
}

static ganc_status sobel_backward(tape *t, const tape_node *node) {
    const filter_saved *s = node->saved;
    tensor *x = node->in[0];
    real *dx = tape_grad(t, x);
    real *tmp = dx ? tape_scratch(t, x->numel * sizeof *tmp) : NULL;
    if (!tmp) return ganc_error_status();
    const real *dy = node->out->grad;
    t->be->image->separable_filter_backward(dy, dims4_of(x), s->a, s->n, s->b, s->n, tmp, dx, 2, 0);
    t->be->image->separable_filter_backward(dy, dims4_of(x), s->b, s->n, s->a, s->n, tmp, dx, 2, 1);
    return GANC_OK;
}

tensor *op_sobel(tape *t, const tensor *x) {
    if (tape_check_inputs(t, OP_SOBEL, 1, &x) || check_planes(OP_SOBEL, x)) return NULL;
    /* Derivative then smoothing taps; d/dx runs the derivative along rows. */
    static const real host[6] = {-1, 0, 1, 1, 2, 1};
    real *taps = upload_taps(t, host, 6);
    const int shape[4] = {x->shape[0], 2 * x->shape[1], x->shape[2], x->shape[3]};
    tensor *y = taps ? tape_tensor(t, 4, shape, "sobel") : NULL;
    real *tmp = y ? tape_scratch(t, x->numel * sizeof *tmp) : NULL;
    if (!tmp) return NULL;
    const real *deriv = taps, *smooth = taps + 3;
    t->be->image->separable_filter_forward(x->data, dims4_of(x), deriv, 3, smooth, 3, tmp, y->data, 2, 0);
    t->be->image->separable_filter_forward(x->data, dims4_of(x), smooth, 3, deriv, 3, tmp, y->data, 2, 1);
    tape_node *node;
    if (tape_record(t, OP_SOBEL, y, 1, &x, sobel_backward, sizeof(filter_saved), &node)) return NULL;
    if (node) *(filter_saved *)node->saved = (filter_saved){deriv, smooth, 3};
    return y;
}
