/* Backgrounds: flat, gradient and clutter (photo and animal, chosen by the
 * background_kind parameter), a pastel plane (cartoon) and a studio
 * gradient (virtual). Clutter shapes are drawn from the image's noise seed. */
#include <math.h>

#include "core/rng.h"
#include "data/synth/synth_internal.h"

background_kind synth_background_kind(synth_style style, const synth_face *f) {
    switch (style) {
    case SYNTH_CARTOON: return BG_PASTEL;
    case SYNTH_VIRTUAL: return BG_STUDIO;
    default: break;
    }
    int bin = (int)(f->p[SYNTH_P_BACKGROUND_KIND] * 3);
    return bin <= 0 ? BG_FLAT : bin == 1 ? BG_GRADIENT : BG_CLUTTER;
}

static void full_rect(path *p, const canvas *c) {
    xform id = xform_make(0, 0, 1, 0);
    path_begin(p, &id);
    path_move(p, -1, -1);
    path_line(p, (float)c->w + 1, -1);
    path_line(p, (float)c->w + 1, (float)c->h + 1);
    path_line(p, -1, (float)c->h + 1);
}

static paint linear(const float a[3], const float b[3], float angle, const canvas *c) {
    paint pt = {.kind = PAINT_LINEAR, .alpha = 1};
    for (int i = 0; i < 3; i++) {
        pt.col[i] = a[i];
        pt.col2[i] = b[i];
    }
    /* t runs 0 -> 1 across the canvas along `angle` */
    float dx = cosf(angle), dy = sinf(angle);
    float extent = fabsf(dx) * (float)c->w + fabsf(dy) * (float)c->h;
    pt.gx = dx / extent;
    pt.gy = dy / extent;
    pt.g0 = 0.5f - (pt.gx * 0.5f * (float)c->w + pt.gy * 0.5f * (float)c->h);
    return pt;
}

static void clutter(canvas *c, path *p, const synth_face *f) {
    uint64_t key = synth_key(f->noise_seed, 3);
    rng g;
    rng_init(&g, key);
    float S = (float)(c->w < c->h ? c->w : c->h);
    xform id = xform_make(0, 0, 1, 0);
    int n = 10 + (int)(rng_uniform(&g) * 10);
    for (int i = 0; i < n; i++) {
        float col[3];
        colour_hsv(col, (float)rng_uniform(&g), 0.15f + 0.45f * (float)rng_uniform(&g),
                   0.25f + 0.7f * (float)rng_uniform(&g));
        float x = (float)rng_uniform(&g) * (float)c->w, y = (float)rng_uniform(&g) * (float)c->h;
        float rx = S * (0.05f + 0.25f * (float)rng_uniform(&g)), ry = S * (0.05f + 0.25f * (float)rng_uniform(&g));
        float ang = (float)rng_uniform(&g) * 3.14159265f;
        int shape = (int)(rng_uniform(&g) * 3);
        path_begin(p, &id);
        if (shape == 0) {
            path_ellipse(p, x, y, rx, ry, ang, 1);
        } else {
            /* a rotated rectangle, or a long thin bar */
            if (shape == 2) ry *= 0.15f, rx *= 2;
            float ca = cosf(ang), sa = sinf(ang);
            const float corner[4][2] = {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
            for (int k = 0; k < 4; k++) {
                float u = corner[k][0] * rx, v = corner[k][1] * ry;
                float px = x + ca * u - sa * v, py = y + sa * u + ca * v;
                if (k == 0)
                    path_move(p, px, py);
                else
                    path_line(p, px, py);
            }
        }
        paint pt = paint_flat(col, 0.6f + 0.4f * (float)rng_uniform(&g));
        canvas_fill(c, p, &pt);
    }
}

void synth_draw_background(canvas *c, path *scratch, background_kind kind, const synth_face *f) {
    float hue = f->p[SYNTH_P_BACKGROUND_HUE], val = f->p[SYNTH_P_BACKGROUND_VALUE];
    float a[3], b[3];
    paint pt;
    switch (kind) {
    case BG_FLAT:
        colour_hsv(a, hue, 0.25f, 0.3f + 0.6f * val);
        pt = paint_flat(a, 1);
        break;
    case BG_GRADIENT:
    case BG_CLUTTER:
        colour_hsv(a, hue, 0.3f, 0.25f + 0.6f * val);
        colour_hsv(b, hue + 0.12f, 0.25f, 0.85f - 0.5f * val);
        pt = linear(a, b, (float)(rng_uniform_at(synth_key(f->noise_seed, 4), 0) * 6.2831853), c);
        break;
    case BG_PASTEL:
        colour_hsv(a, hue, 0.22f + 0.15f * val, 0.93f);
        pt = paint_flat(a, 1);
        break;
    case BG_STUDIO:
    default:
        colour_hsv(a, 0.58f + 0.1f * hue, 0.12f, 0.75f + 0.15f * val);
        colour_hsv(b, 0.58f + 0.1f * hue, 0.18f, 0.35f + 0.15f * val);
        pt = linear(a, b, 1.5707963f, c);
        break;
    }
    full_rect(scratch, c);
    canvas_fill(c, scratch, &pt);
    if (kind == BG_CLUTTER) clutter(c, scratch, f);
}
