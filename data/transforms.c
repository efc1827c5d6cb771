#include "data/transforms.h"

#include <math.h>
#include <stdlib.h>

int transform_out_side(const transform_cfg *t) { return t->crop_size > 0 ? t->crop_size : t->load_size; }

static int pick(double u, int choices) {
    int k = (int)(u * choices);
    return k < choices ? k : choices - 1;
}

ganc_status transform_choose(const transform_cfg *t, const double u[3], int w, int h, const char *what,
                             transform_draw *out) {
    int side = transform_out_side(t);
    transform_draw d = {0, 0, t->flip && u[2] < 0.5};
    if (t->crop_size > 0) {
        if (w < t->crop_size || h < t->crop_size)
            return GANC_ERR(GANC_ERR_SHAPE, "image %s: %dx%d pixels, smaller than crop_size %d", what, w, h,
                            t->crop_size);
        d.x = t->random_crop ? pick(u[0], w - side + 1) : (w - side) / 2;
        d.y = t->random_crop ? pick(u[1], h - side + 1) : (h - side) / 2;
    }
    *out = d;
    return GANC_OK;
}

/* The source taps of one axis: output o reads count[o] inputs from first[o]
 * with weights w[o * taps ...]. */
typedef struct {
    int taps;
    int *first, *count;
    float *w;
} axis_map;

static int axis_taps(int in, int out) { return in > out ? (in + out - 1) / out + 1 : in < out ? 2 : 1; }

static void axis_fill(int in, int out, axis_map *m) {
    for (int o = 0; o < out; o++) {
        float *w = m->w + (size_t)o * m->taps;
        if (in == out) {
            m->first[o] = o;
            m->count[o] = 1;
            w[0] = 1.0f;
        } else if (in > out) {
            /* Area: in units of 1/out of a source pixel, output o covers
             * [o in, (o+1) in) and source pixel i covers [i out, (i+1) out);
             * integer overlaps keep the weights exact rationals. */
            long lo = (long)o * in, hi = lo + in;
            int i0 = (int)(lo / out), i1 = (int)((hi - 1) / out);
            m->first[o] = i0;
            m->count[o] = i1 - i0 + 1;
            for (int i = i0; i <= i1; i++) {
                long a = (long)i * out > lo ? (long)i * out : lo;
                long b = (long)(i + 1) * out < hi ? (long)(i + 1) * out : hi;
                w[i - i0] = (float)((double)(b - a) / in);
            }
        } else {
            double s = (o + 0.5) * in / out - 0.5;
            if (s < 0) s = 0;
            int i0 = (int)floor(s);
            double f = s - i0;
            if (i0 >= in - 1) {
                i0 = in - 1;
                f = 0;
            }
            m->first[o] = i0;
            m->count[o] = f > 0 ? 2 : 1;
            w[0] = (float)(1 - f);
            w[1] = (float)f;
        }
    }
}

ganc_status transform_resize(const uint8_t *src, int sw, int sh, size_t stride, int channels, float *dst, int dw,
                             int dh) {
    if (!src || !dst || sw < 1 || sh < 1 || dw < 1 || dh < 1 || channels < 1 || stride < (size_t)sw * channels)
        return GANC_ERR(GANC_ERR_ARG, "transform_resize: %dx%d (stride %zu, %d channels) to %dx%d", sw, sh, stride,
                        channels, dw, dh);
    axis_map mx = {axis_taps(sw, dw), NULL, NULL, NULL}, my = {axis_taps(sh, dh), NULL, NULL, NULL};
    int *ints = malloc(sizeof(int) * 2 * ((size_t)dw + dh));
    float *floats = malloc(sizeof(float) * ((size_t)dw * mx.taps + (size_t)dh * my.taps + (size_t)dh * sw * channels));
    if (!ints || !floats) {
        free(ints);
        free(floats);
        return GANC_ERR(GANC_ERR_MEMORY, "transform_resize: out of memory for %dx%d to %dx%d", sw, sh, dw, dh);
    }
    mx.first = ints;
    mx.count = ints + dw;
    my.first = ints + 2 * dw;
    my.count = ints + 2 * dw + dh;
    mx.w = floats;
    my.w = floats + (size_t)dw * mx.taps;
    float *rows = my.w + (size_t)dh * my.taps; /* (dh,sw,C): the vertical pass */
    axis_fill(sw, dw, &mx);
    axis_fill(sh, dh, &my);

    size_t row_len = (size_t)sw * channels;
    for (int oy = 0; oy < dh; oy++) {
        float *r = rows + (size_t)oy * row_len;
        const float *w = my.w + (size_t)oy * my.taps;
        for (size_t k = 0; k < row_len; k++) r[k] = 0;
        for (int t = 0; t < my.count[oy]; t++) {
            const uint8_t *s = src + (size_t)(my.first[oy] + t) * stride;
            for (size_t k = 0; k < row_len; k++) r[k] += w[t] * (float)s[k];
        }
    }
    for (int oy = 0; oy < dh; oy++) {
        const float *r = rows + (size_t)oy * row_len;
        float *d = dst + (size_t)oy * dw * channels;
        for (int ox = 0; ox < dw; ox++) {
            const float *w = mx.w + (size_t)ox * mx.taps;
            for (int c = 0; c < channels; c++) {
                float acc = 0;
                for (int t = 0; t < mx.count[ox]; t++) acc += w[t] * r[(size_t)(mx.first[ox] + t) * channels + c];
                d[(size_t)ox * channels + c] = acc;
            }
        }
    }
    free(ints);
    free(floats);
    return GANC_OK;
}

void transform_crop_to_chw(const float *src, int w, int h, int channels, const transform_draw *d, int cw, int ch,
                           real *dst) {
    size_t plane = (size_t)cw * ch;
    for (int y = 0; y < ch; y++) {
        const float *row = src + ((size_t)(d->y + y) * w + d->x) * channels;
        for (int x = 0; x < cw; x++) {
            const float *p = row + (size_t)(d->flip ? cw - 1 - x : x) * channels;
            for (int c = 0; c < channels; c++)
                dst[c * plane + (size_t)y * cw + x] = (real)((double)p[c] * (2.0 / 255.0) - 1.0);
        }
    }
}
