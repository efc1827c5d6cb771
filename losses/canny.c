#include "losses/canny.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/ops/elementwise.h"
#include "core/ops/image.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"

/* OpenCV's sector test in fixed point: tan(22.5 deg) scaled by 2^15. With
 * doubles holding the integer gradients of an 8-bit image the products
 * below are exact, so the comparisons are OpenCV's bit for bit. */
#define CANNY_SHIFT 32768.0
#define CANNY_TG22 13573.0 /* (int)(0.4142135623730950488 * 2^15 + 0.5) */

enum { MAP_CANDIDATE = 0, MAP_NOT_EDGE = 1, MAP_EDGE = 2 };

/* Scratch for one (H,W) plane, carved from one block. */
typedef struct {
    double *dx, *dy, *mag, *tmp;
    int *stack;
    uint8_t *blurred, *map;
} canny_ws;

static size_t ws_bytes(size_t plane) { return plane * (4 * sizeof(double) + sizeof(int) + 2); }

static void ws_carve(canny_ws *ws, void *block, size_t plane) {
    double *d = block;
    ws->dx = d, ws->dy = d + plane, ws->mag = d + 2 * plane, ws->tmp = d + 3 * plane;
    ws->stack = (int *)(d + 4 * plane);
    ws->blurred = (uint8_t *)(ws->stack + plane);
    ws->map = ws->blurred + plane;
}

static ganc_status check_params(const canny_params *p) {
    if (!p) return GANC_ERR(GANC_ERR_ARG, "canny: parameters are NULL");
    if (!(p->low >= 0 && p->high >= 0 && isfinite(p->low) && isfinite(p->high)))
        return GANC_ERR(GANC_ERR_ARG, "canny: thresholds low = %g, high = %g must be finite and >= 0", p->low, p->high);
    if (p->blur_ksize > 1 && (p->blur_ksize % 2 == 0 || p->blur_ksize > 31))
        return GANC_ERR(GANC_ERR_ARG, "canny: blur size %d must be odd in 3..31 (or 0 for no blur)", p->blur_ksize);
    if (p->blur_ksize < 0) return GANC_ERR(GANC_ERR_ARG, "canny: blur size %d must be >= 0", p->blur_ksize);
    return GANC_OK;
}

/* OpenCV's border reflect-101 (gfedcb|abcdefgh|gfedcba), any distance. */
static int reflect101(int i, int n) {
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
    return i;
}

/* cv2.getGaussianKernel: the fixed binomial taps for ksize <= 7 and
 * sigma <= 0, else samples of the Gaussian normalised to sum 1. */
static void gaussian_taps(int ksize, double sigma, double *k) {
    static const double fixed[4][7] = {{1},
                                       {0.25, 0.5, 0.25},
                                       {0.0625, 0.25, 0.375, 0.25, 0.0625},
                                       {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125}};
    if (ksize <= 7 && sigma <= 0) {
        memcpy(k, fixed[ksize / 2], (size_t)ksize * sizeof *k);
        return;
    }
    if (sigma <= 0) sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8;
    double sum = 0;
    for (int i = 0; i < ksize; i++) {
        double x = i - (ksize - 1) * 0.5;
        sum += k[i] = exp(-x * x / (2 * sigma * sigma));
    }
    for (int i = 0; i < ksize; i++) k[i] /= sum;
}

/* OpenCV blurs 8-bit images in fixed point with 8 fractional bits: the
 * taps become multiples of 1/256 by error diffusion from the outside in
 * (rounding half to even), the centre tap taking what makes the sum 1.
 * The fixed taps are such multiples already. With them, the sums below
 * are exact in doubles, as OpenCV's are in its integers. */
static void quantise_taps(int ksize, double *k) {
    double err = 0, sum = 0;
    for (int i = 0; i < ksize / 2; i++) {
        double v = nearbyint(k[i] * 256 + err);
        err += k[i] * 256 - v;
        k[i] = k[ksize - 1 - i] = v / 256;
        sum += 2 * v;
    }
    k[ksize / 2] = (256 - sum) / 256;
}

static void blur_u8(const uint8_t *in, int h, int w, int ksize, double sigma, double *tmp, uint8_t *out) {
    double k[31];
    gaussian_taps(ksize, sigma, k);
    quantise_taps(ksize, k);
    int r = ksize / 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int i = 0; i < ksize; i++) s += k[i] * in[(size_t)y * w + reflect101(x + i - r, w)];
            tmp[(size_t)y * w + x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int i = 0; i < ksize; i++) s += k[i] * tmp[(size_t)reflect101(y + i - r, h) * w + x];
            /* Round half up, as OpenCV's fixed-point 8-bit path does. */
            double v = floor(s + 0.5);
            out[(size_t)y * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

/* cv2.Canny's 3x3 Sobel (border replicate): integer dx, dy. */
static void sobel_replicate(const uint8_t *g, int h, int w, double *dx, double *dy) {
    for (int y = 0; y < h; y++) {
        const uint8_t *up = g + (size_t)(y > 0 ? y - 1 : 0) * w, *mid = g + (size_t)y * w;
        const uint8_t *dn = g + (size_t)(y < h - 1 ? y + 1 : y) * w;
        for (int x = 0; x < w; x++) {
            int l = x > 0 ? x - 1 : 0, r = x < w - 1 ? x + 1 : x;
            dx[(size_t)y * w + x] = (up[r] + 2 * mid[r] + dn[r]) - (up[l] + 2 * mid[l] + dn[l]);
            dy[(size_t)y * w + x] = (dn[l] + 2 * dn[x] + dn[r]) - (up[l] + 2 * up[x] + up[r]);
        }
    }
}

typedef enum { MAG_L1, MAG_L2_SQUARED, MAG_L2 } mag_kind;

static void magnitude(const double *dx, const double *dy, size_t n, mag_kind kind, double *mag) {
    for (size_t i = 0; i < n; i++) {
        double sq = dx[i] * dx[i] + dy[i] * dy[i];
        mag[i] = kind == MAG_L1 ? fabs(dx[i]) + fabs(dy[i]) : kind == MAG_L2 ? sqrt(sq) : sq;
    }
}

static double mag_at(const double *mag, int h, int w, int y, int x) {
    return y < 0 || y >= h || x < 0 || x >= w ? 0 : mag[(size_t)y * w + x];
}

/* Non-maximum suppression: map = MAP_NOT_EDGE, or MAP_CANDIDATE for a
 * ridge above low, or MAP_EDGE for one above high too. */
static void suppress(const double *dx, const double *dy, const double *mag, int h, int w, double low, double high,
                     uint8_t *map) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            double m = mag[i];
            map[i] = MAP_NOT_EDGE;
            if (!(m > low)) continue;
            double ax = fabs(dx[i]), ay = fabs(dy[i]) * CANNY_SHIFT, tg22x = ax * CANNY_TG22;
            bool ridge;
            if (ay < tg22x) /* within 22.5 degrees of horizontal: compare left and right */
                ridge = m > mag_at(mag, h, w, y, x - 1) && m >= mag_at(mag, h, w, y, x + 1);
            else if (ay > tg22x + ax * 2 * CANNY_SHIFT) /* within 22.5 degrees of vertical */
                ridge = m > mag_at(mag, h, w, y - 1, x) && m >= mag_at(mag, h, w, y + 1, x);
            else { /* diagonal: the two neighbours along the gradient */
                int s = (dx[i] < 0) != (dy[i] < 0) ? -1 : 1;
                ridge = m > mag_at(mag, h, w, y - 1, x - s) && m > mag_at(mag, h, w, y + 1, x + s);
            }
            if (ridge) map[i] = m > high ? MAP_EDGE : MAP_CANDIDATE;
        }
}

static void hysteresis(uint8_t *map, int h, int w, int *stack) {
    int top = 0;
    for (int i = 0; i < h * w; i++)
        if (map[i] == MAP_EDGE) stack[top++] = i;
    while (top > 0) {
        int i = stack[--top], y = i / w, x = i % w;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                int j = yy * w + xx;
                if (map[j] == MAP_CANDIDATE) {
                    map[j] = MAP_EDGE;
                    stack[top++] = j;
                }
            }
    }
}

/* cv2.Canny's thresholds: swapped into order; for the L2 magnitude
 * (compared squared) capped at 32767 and squared; then floored. */
static void thresholds(const canny_params *p, double *low, double *high) {
    double lo = fmin(p->low, p->high), hi = fmax(p->low, p->high);
    if (p->l2_gradient) {
        lo = fmin(lo, 32767.0), hi = fmin(hi, 32767.0);
        lo *= lo, hi *= hi;
    }
    *low = floor(lo), *high = floor(hi);
}

static void canny_plane(const uint8_t *gray, int h, int w, const canny_params *p, canny_ws *ws, uint8_t *edges) {
    const uint8_t *src = gray;
    if (p->blur_ksize > 1) {
        blur_u8(gray, h, w, p->blur_ksize, p->blur_sigma, ws->tmp, ws->blurred);
        src = ws->blurred;
    }
    size_t n = (size_t)h * w;
    sobel_replicate(src, h, w, ws->dx, ws->dy);
    magnitude(ws->dx, ws->dy, n, p->l2_gradient ? MAG_L2_SQUARED : MAG_L1, ws->mag);
    double low, high;
    thresholds(p, &low, &high);
    suppress(ws->dx, ws->dy, ws->mag, h, w, low, high, ws->map);
    hysteresis(ws->map, h, w, ws->stack);
    for (size_t i = 0; i < n; i++) edges[i] = ws->map[i] == MAP_EDGE ? 255 : 0;
}

static ganc_status check_plane(const char *what, const void *a, const void *b, int h, int w) {
    if (!a || !b) return GANC_ERR(GANC_ERR_ARG, "%s: image or output is NULL", what);
    if (h < 1 || w < 1 || (size_t)h * w > (size_t)1 << 30)
        return GANC_ERR(GANC_ERR_ARG, "%s: image size %dx%d must be positive (and below 2^30 pixels)", what, w, h);
    return GANC_OK;
}

ganc_status canny_u8(const uint8_t *gray, int h, int w, const canny_params *p, uint8_t *edges) {
    ganc_status st = check_plane("canny", gray, edges, h, w);
    if (st || (st = check_params(p))) return st;
    size_t n = (size_t)h * w;
    void *block = malloc(ws_bytes(n));
    if (!block) return GANC_ERR(GANC_ERR_MEMORY, "canny: out of memory for a %dx%d image", w, h);
    canny_ws ws;
    ws_carve(&ws, block, n);
    canny_plane(gray, h, w, p, &ws, edges);
    free(block);
    return GANC_OK;
}

ganc_status canny_blur_u8(const uint8_t *gray, int h, int w, int ksize, double sigma, uint8_t *out) {
    ganc_status st = check_plane("canny_blur", gray, out, h, w);
    if (st) return st;
    if (ksize < 1 || ksize % 2 == 0 || ksize > 31)
        return GANC_ERR(GANC_ERR_ARG, "canny_blur: size %d must be odd in 1..31", ksize);
    double *tmp = malloc((size_t)h * w * sizeof *tmp);
    if (!tmp) return GANC_ERR(GANC_ERR_MEMORY, "canny_blur: out of memory for a %dx%d image", w, h);
    blur_u8(gray, h, w, ksize, sigma, tmp, out);
    free(tmp);
    return GANC_OK;
}

/* ---- the edge loss ---- */

static const real GREY_WEIGHTS[3] = {(real)0.299, (real)0.587, (real)0.114};

/* cv2.cvtColor(RGB2GRAY) on 8-bit images in OpenCV 5: 15-bit weights,
 * rounding half up. They equal cv2 5.1's output on all 2^24 colours; the
 * 14-bit weights (4899, 9617, 1868) differ by one level on 43,864 of them,
 * mostly exact .5 ties (test canny_grey_matches_opencv_on_ties). */
void canny_grey_u8(const real *img, int c, size_t n, bool signed_range, uint8_t *grey) {
    for (size_t i = 0; i < n; i++) {
        int ch[3];
        for (int k = 0; k < c; k++) {
            double v =
                floor((signed_range ? ((double)img[k * n + i] + 1) * 127.5 : (double)img[k * n + i] * 255) + 0.5);
            ch[k] = v < 0 ? 0 : v > 255 ? 255 : (int)v;
        }
        grey[i] = (uint8_t)(c == 1 ? ch[0] : (ch[0] * 9798 + ch[1] * 19235 + ch[2] * 3735 + (1 << 14)) >> 15);
    }
}

static ganc_status check_loss_args(const tensor *target, const tensor *x, const canny_loss_params *p) {
    char a[48], b[48];
    if (!p) return GANC_ERR(GANC_ERR_ARG, "canny loss: parameters are NULL");
    ganc_status st = check_params(&p->canny);
    if (st) return st;
    if (!tensor_same_shape(target, x) || x->ndim != 4 || (x->shape[1] != 1 && x->shape[1] != 3))
        return GANC_ERR(GANC_ERR_SHAPE, "canny loss: %s %s and %s %s must have one shape (N,C,H,W) with C = 1 or 3",
                        target->name, tensor_shape_str(target, a, sizeof a), x->name, tensor_shape_str(x, b, sizeof b));
    if (p->temperature <= 0 && !(fabs(p->canny.high - p->canny.low) > 0))
        return GANC_ERR(GANC_ERR_ARG,
                        "canny loss: low == high = %g leaves the default temperature (high - low) / 4 "
                        "at 0; set a temperature > 0",
                        p->canny.low);
    if (p->distance != LOSS_DIST_L1 && p->distance != LOSS_DIST_MSE && p->distance != LOSS_DIST_L2)
        return GANC_ERR(GANC_ERR_ARG, "canny loss: unknown distance %d", (int)p->distance);
    return GANC_OK;
}

/* (N,1,H,W): x's grey image in grey levels 0..255. */
static tensor *grey_levels(tape *t, const tensor *x, bool signed_range) {
    const tensor *g = x;
    if (x->shape[1] == 3) {
        tensor *w = tape_from_host(t, 4, (int[]){1, 3, 1, 1}, GREY_WEIGHTS, "grey_weights");
        g = op_sum(t, op_mul(t, x, w), 1u << 1, true);
    }
    return signed_range ? op_add_scalar(t, op_mul_scalar(t, g, (real)127.5), (real)127.5) : op_mul_scalar(t, g, 255);
}

/* The relaxed edges S of x (see canny.h); `edges` holds E, (N,H,W) 0/1 on the host. */
static tensor *relaxed_edges(tape *t, const tensor *x, const canny_loss_params *p, const real *edges, canny_ws *ws) {
    int n = x->shape[0], h = x->shape[2], w = x->shape[3];
    size_t plane = (size_t)h * w;
    tensor *grey = grey_levels(t, x, p->signed_range);
    if (p->canny.blur_ksize > 1) grey = op_gaussian_blur(t, grey, p->canny.blur_ksize, (real)p->canny.blur_sigma);
    tensor *sob = op_sobel(t, grey);
    tensor *dx = op_slice(t, sob, 1, 0, 1), *dy = op_slice(t, sob, 1, 1, 1);
    tensor *mag = p->canny.l2_gradient
                      ? op_sqrt(t, op_add_scalar(t, op_add(t, op_mul(t, dx, dx), op_mul(t, dy, dy)), (real)1e-6))
                      : op_add(t, op_abs(t, dx), op_abs(t, dy));
    real *host = sob ? tape_alloc_meta(t, sob->numel * sizeof(real)) : NULL;
    real *mask = host ? tape_alloc_meta(t, (size_t)n * plane * sizeof(real)) : NULL;
    if (!mask) return NULL;
    t->be->download(host, sob->data, sob->numel * sizeof(real));
    for (int i = 0; i < n; i++) {
        const real *sx = host + (size_t)i * 2 * plane, *sy = sx + plane;
        for (size_t k = 0; k < plane; k++) ws->dx[k] = sx[k], ws->dy[k] = sy[k];
        magnitude(ws->dx, ws->dy, plane, p->canny.l2_gradient ? MAG_L2 : MAG_L1, ws->mag);
        suppress(ws->dx, ws->dy, ws->mag, h, w, 0, INFINITY, ws->map);
        for (size_t k = 0; k < plane; k++)
            mask[i * plane + k] = ws->map[k] != MAP_NOT_EDGE || edges[i * plane + k] > 0 ? 1 : 0;
    }
    double lo = fmin(p->canny.low, p->canny.high), hi = fmax(p->canny.low, p->canny.high);
    double tau = p->temperature > 0 ? p->temperature : (hi - lo) / 4;
    tensor *soft = op_sigmoid(t, op_mul_scalar(t, op_add_scalar(t, mag, (real)(-(lo + hi) / 2)), (real)(1 / tau)));
    return op_mul(t, soft, tape_from_host(t, 4, (int[]){n, 1, h, w}, mask, "canny_mask"));
}

tensor *loss_canny(tape *t, const tensor *target, const tensor *x, const canny_loss_params *p) {
    if (!target || !x) return NULL;
    if (check_loss_args(target, x, p)) return NULL;
    int n = x->shape[0], c = x->shape[1], h = x->shape[2], w = x->shape[3];
    size_t plane = (size_t)h * w;
    real *img = tape_alloc_meta(t, target->numel * sizeof(real));
    real *edges = tape_alloc_meta(t, (size_t)n * plane * sizeof(real));
    uint8_t *grey = tape_alloc_meta(t, 2 * plane);
    void *block = tape_alloc_meta(t, ws_bytes(plane));
    if (!img || !edges || !grey || !block) return NULL;
    canny_ws ws;
    ws_carve(&ws, block, plane);
    t->be->download(img, target->data, target->numel * sizeof(real));
    uint8_t *e8 = grey + plane;
    for (int i = 0; i < n; i++) {
        canny_grey_u8(img + (size_t)i * c * plane, c, plane, p->signed_range, grey);
        canny_plane(grey, h, w, &p->canny, &ws, e8);
        for (size_t k = 0; k < plane; k++) edges[i * plane + k] = e8[k] ? 1 : 0;
    }
    tensor *soft = relaxed_edges(t, x, p, edges, &ws);
    tensor *exact = tape_from_host(t, 4, (int[]){n, 1, h, w}, edges, "canny_edges");
    if (p->distance != LOSS_DIST_L2) return loss_distance(t, soft, exact, p->distance, 0);
    /* Per-image Euclidean distance over sqrt(H W): an RMS difference in
     * [0, 1] whose weight does not depend on the image size. */
    return op_mul_scalar(t, loss_distance(t, soft, exact, LOSS_DIST_L2, loss_sample_axes(exact)),
                         (real)(1 / sqrt((double)plane)));
}
