/* Draws a human face (photo, cartoon and virtual styles; the look decides
 * shading, outlines and feature simplification). Back to front: clothes,
 * back hair, neck, ears, face, features, front hair. */
#include <math.h>
#include <stddef.h>

#include "data/synth/synth_internal.h"

typedef struct {
    const human_geom *g;
    const human_look *look;
    const face_place *pl;
    float skin[3], hair[3], lips[3], iris[3], brow[3], cloth[3];
    float light[3];
    shading face_sh, hair_sh;
} human_ctx;

static void palette(float out[3], const float (*stops)[3], int n, float t) {
    float x = clampf(t, 0, 1) * (float)(n - 1);
    int i = (int)x;
    if (i >= n - 1) i = n - 2;
    colour_lerp(out, stops[i], stops[i + 1], x - (float)i);
}

static void scale_col(float out[3], const float in[3], float k) {
    for (int i = 0; i < 3; i++) out[i] = clampf(in[i] * k, 0, 1);
}

static void human_colours(human_ctx *h, const synth_face *f) {
    static const float skin[5][3] = {{0.98f, 0.84f, 0.74f}, {0.93f, 0.74f, 0.60f}, {0.80f, 0.58f, 0.43f},
                                     {0.58f, 0.39f, 0.27f}, {0.36f, 0.23f, 0.16f}};
    static const float iris[5][3] = {{0.33f, 0.19f, 0.09f}, {0.50f, 0.38f, 0.17f}, {0.30f, 0.48f, 0.28f},
                                     {0.28f, 0.47f, 0.72f}, {0.50f, 0.55f, 0.60f}};
    const float *p = f->p;
    palette(h->skin, skin, 5, p[SYNTH_P_SKIN_TONE]);
    palette(h->iris, iris, 5, p[SYNTH_P_IRIS_COLOUR]);
    static const float ash[3] = {0.84f, 0.76f, 0.56f}, ginger[3] = {0.78f, 0.38f, 0.16f};
    static const float black[3] = {0.08f, 0.07f, 0.07f}, auburn[3] = {0.24f, 0.11f, 0.06f};
    float light[3], dark[3];
    colour_lerp(light, ash, ginger, p[SYNTH_P_HAIR_WARMTH]);
    colour_lerp(dark, black, auburn, p[SYNTH_P_HAIR_WARMTH]);
    colour_lerp(h->hair, light, dark, powf(p[SYNTH_P_HAIR_DARKNESS], 0.8f));
    h->lips[0] = clampf(h->skin[0] * 0.82f + 0.10f, 0, 1);
    h->lips[1] = h->skin[1] * 0.52f;
    h->lips[2] = h->skin[2] * 0.58f;
    scale_col(h->brow, h->hair, 0.62f);
    colour_hsv(h->cloth, p[SYNTH_P_CLOTHING_HUE], 0.45f, 0.55f);
    float sat = h->look->saturation;
    colour_saturate(h->skin, sat);
    colour_saturate(h->hair, sat);
    colour_saturate(h->lips, sat);
    colour_saturate(h->cloth, sat);
    colour_saturate(h->iris, sat);
}

/* The light comes from the side set by light_direction, slightly above;
 * shading works in face units, so it is expressed in the head's own,
 * rolled axes. */
void synth_light(const synth_face *f, const xform *t, float light[3]) {
    float az = (f->p[SYNTH_P_LIGHT_DIRECTION] - 0.5f) * 2.2f;
    float lx = 0.8f * sinf(az), ly = -0.35f;
    float roll = atan2f(t->c, t->a);
    float cs = cosf(roll), sn = sinf(roll);
    light[0] = cs * lx + sn * ly;
    light[1] = -sn * lx + cs * ly;
    light[2] = sqrtf(maxf(0.05f, 1 - lx * lx - ly * ly));
}

static void setup_shading(human_ctx *h, draw_ctx *d, const synth_face *f) {
    const human_geom *g = h->g;
    const human_look *lk = h->look;
    float intensity = 0.85f + 0.3f * f->p[SYNTH_P_LIGHT_INTENSITY];
    shading s = {.inv = xform_inverse(&h->pl->t),
                 .cu = 0,
                 .cv = 0.08f,
                 .ru = g->W * 1.1f,
                 .rv = 0.5f * (g->Ht + g->Hb) * 1.1f,
                 .ambient = lk->ambient,
                 .diffuse = lk->diffuse * intensity,
                 .specular = lk->specular,
                 .shininess_log2 = 4,
                 .tex = lk->skin_tex > 0 ? &d->tex : NULL,
                 .tex_amp = lk->skin_tex,
                 .tex_fu = 7,
                 .tex_fv = 7,
                 .tex2_amp = lk->skin_tex * 0.6f,
                 .tex2_f = 26};
    for (int i = 0; i < 3; i++) s.light[i] = h->light[i];
    if (!lk->shaded) {
        s.ambient = 1;
        s.diffuse = 0;
        s.specular = 0;
    }
    h->face_sh = s;
    shading hs = s;
    hs.ru = g->W + g->hair_vol + 0.1f;
    hs.rv = g->Ht + g->hair_vol + 0.3f;
    hs.cv = -0.1f;
    hs.tex = lk->hair_tex > 0 ? &d->tex : NULL;
    hs.tex_amp = lk->hair_tex;
    hs.tex_fu = 30;
    hs.tex_fv = 2.5f;
    hs.tex2_amp = lk->hair_tex * 0.5f;
    hs.tex2_f = 40;
    hs.specular = lk->shaded ? lk->specular * 1.5f + 0.05f : 0;
    hs.shininess_log2 = 5;
    h->hair_sh = hs;
}

static void fill_q(draw_ctx *d, const paint *pt) { canvas_fill(d->c, d->q, pt); }

/* Strokes the curve in d->q (width in face units, w0 to w1) and fills it. */
static void stroke_q(draw_ctx *d, float w0, float w1, bool closed, const paint *pt) {
    float s = d->q->t.scale;
    path_begin(d->p, &d->q->t);
    path_stroke(d->p, d->q, w0 * s, w1 * s, closed);
    canvas_fill(d->c, d->p, pt);
}

static void outline_q(draw_ctx *d, const human_ctx *h, bool closed) {
    if (h->look->outline <= 0) return;
    paint ink = paint_flat(h->look->outline_col, 1);
    stroke_q(d, h->look->outline, h->look->outline, closed, &ink);
}

static void begin_q(draw_ctx *d, const human_ctx *h) { path_begin(d->q, &h->pl->t); }

static void draw_clothes(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    shading body = h->face_sh; /* the torso's own bulge, untextured and matte */
    body.cv = g->Hb + 1.0f;
    body.ru = 1.6f;
    body.rv = 0.8f;
    body.tex = NULL;
    body.specular = 0;
    begin_q(d, h);
    path_ellipse(d->q, 0, g->Hb + 1.0f, 1.55f, 0.62f, 0, 1);
    paint pt = paint_shaded(h->cloth, &body);
    fill_q(d, &pt);
    outline_q(d, h, true);
}

static void draw_back_hair(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    paint pt = paint_shaded(h->hair, &h->hair_sh);
    float Wb = g->W + g->hair_vol + 0.04f, Hb = g->Ht + g->hair_vol + 0.02f;
    bool long_back = g->hair == SYNTH_HAIR_LONG || (g->hair == SYNTH_HAIR_BANGS && g->hair_len > 0.45f);
    if (long_back) {
        float bottom = 0.35f + 1.5f * (g->hair_len - 0.4f);
        begin_q(d, h);
        path_move(d->q, Wb, 0);
        path_quad(d->q, Wb + 0.08f, bottom * 0.5f, Wb + 0.14f, bottom);
        path_quad(d->q, 0, bottom + 0.2f, -Wb - 0.14f, bottom);
        path_quad(d->q, -Wb - 0.08f, bottom * 0.5f, -Wb, 0);
        path_arc(d->q, 0, 0, Wb, Hb, 3.14159265f, 6.2831853f);
        fill_q(d, &pt);
        outline_q(d, h, true);
    }
    if (g->hair == SYNTH_HAIR_BUN) {
        float r = 0.22f + 0.2f * (g->hair_len - 0.3f) / 0.3f;
        begin_q(d, h);
        path_ellipse(d->q, 0, -(g->Ht + g->hair_vol) - 0.45f * r, r * 1.1f, r, 0, 1);
        fill_q(d, &pt);
        outline_q(d, h, true);
    }
}

static void draw_neck(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    float nw = g->W * 0.46f, top = 0.2f, bottom = g->Hb + 0.42f;
    shading neck = h->face_sh; /* a vertical cylinder facing the viewer */
    neck.cv = bottom;
    neck.ru = nw * 1.3f;
    neck.rv = 3;
    neck.specular = 0;
    begin_q(d, h);
    path_move(d->q, nw, top);
    path_quad(d->q, nw * 0.95f, 0.5f * (top + bottom), nw * 1.1f, bottom);
    path_quad(d->q, 0, bottom + 0.22f, -nw * 1.1f, bottom);
    path_quad(d->q, -nw * 0.95f, 0.5f * (top + bottom), -nw, top);
    float tone[3];
    scale_col(tone, h->skin, 0.85f);
    paint pt = paint_shaded(tone, &neck);
    fill_q(d, &pt);
    outline_q(d, h, true);
    if (h->look->shaded) { /* the jaw's shadow: the face oval moved down, on the neck only */
        canvas_clear_clip(d->c);
        canvas_mask_add(d->c, d->q, d->c->clip);
        xform down = h->pl->t;
        down.tx += down.b * 0.08f;
        down.ty += down.d * 0.08f;
        path_begin(d->q, &down);
        path_face_oval(d->q, g, 0);
        float shadow[3];
        scale_col(shadow, h->skin, 0.45f);
        paint sp = paint_flat(shadow, 0.4f);
        sp.clip = d->c->clip;
        fill_q(d, &sp);
    }
}

static void draw_ears(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    float inner[3];
    scale_col(inner, h->skin, 0.75f);
    for (int s = -1; s <= 1; s += 2) {
        float cu = (float)s * (g->W - 0.02f), cv = g->eye_y + 0.13f;
        begin_q(d, h);
        path_ellipse(d->q, cu, cv, g->ear_r * 0.55f, g->ear_r, (float)s * 0.15f, 1);
        paint pt = paint_shaded(h->skin, &h->face_sh);
        fill_q(d, &pt);
        outline_q(d, h, true);
        begin_q(d, h);
        path_ellipse(d->q, cu + (float)s * 0.02f, cv, g->ear_r * 0.28f, g->ear_r * 0.6f, (float)s * 0.15f, 1);
        paint in = paint_flat(inner, h->look->shaded ? 0.45f : 0.6f);
        fill_q(d, &in);
    }
}

static void draw_face(draw_ctx *d, const human_ctx *h) {
    begin_q(d, h);
    path_face_oval(d->q, h->g, 0);
    paint pt = paint_shaded(h->skin, &h->face_sh);
    fill_q(d, &pt);
    canvas_mask_add(d->c, d->q, d->c->mask);
    outline_q(d, h, true);
    if (h->look->outline > 0 || h->look->specular > 0) { /* cartoon and virtual: a touch of blush */
        static const float blush[3] = {0.95f, 0.45f, 0.45f};
        paint b = paint_flat(blush, h->look->outline > 0 ? 0.28f : 0.12f);
        for (int s = -1; s <= 1; s += 2) {
            begin_q(d, h);
            path_ellipse(d->q, (float)s * (h->g->eye_dx + 0.04f), h->g->eye_y + 0.27f, 0.12f, 0.065f, 0, 1);
            fill_q(d, &b);
        }
    }
}

static void almond(draw_ctx *d, const human_ctx *h, int s) {
    const human_geom *g = h->g;
    float ex = (float)s * g->eye_dx, ey = g->eye_y, w = g->eye_w;
    begin_q(d, h);
    path_move(d->q, ex - (float)s * w, ey + 0.012f);
    path_quad(d->q, ex - (float)s * 0.1f * w, ey - 2 * g->eye_up, ex + (float)s * w, ey - 0.01f);
    path_quad(d->q, ex + (float)s * 0.1f * w, ey + 2 * g->eye_lo, ex - (float)s * w, ey + 0.012f);
}

static void draw_eye(draw_ctx *d, const human_ctx *h, int s) {
    const human_geom *g = h->g;
    const human_look *lk = h->look;
    float ex = (float)s * g->eye_dx, ey = g->eye_y, w = g->eye_w;
    static const float dark[3] = {0.10f, 0.07f, 0.06f}, sclera[3] = {0.95f, 0.93f, 0.91f};
    static const float white[3] = {1, 1, 1}, black[3] = {0.02f, 0.02f, 0.03f};
    if (lk->eye_shadow) {
        float sock[3];
        scale_col(sock, h->skin, 0.7f);
        begin_q(d, h);
        path_ellipse(d->q, ex, ey - 0.3f * g->eye_up - 0.02f, w * 1.35f, g->eye_up + 0.08f, 0, 1);
        paint pt = paint_flat(sock, 0.16f);
        fill_q(d, &pt);
    }
    almond(d, h, s);
    paint pt = lk->shaded ? paint_shaded(sclera, &h->face_sh) : paint_flat(sclera, 1);
    fill_q(d, &pt);
    canvas_clear_clip(d->c);
    canvas_mask_add(d->c, d->q, d->c->clip);

    float ic = ey + 0.1f * g->eye_up, r = g->iris_r;
    float ring[3];
    scale_col(ring, h->iris, 0.45f);
    begin_q(d, h);
    path_ellipse(d->q, ex, ic, r, r, 0, 1);
    paint iris_pt = paint_flat(ring, 1);
    iris_pt.clip = d->c->clip;
    fill_q(d, &iris_pt);
    begin_q(d, h);
    path_ellipse(d->q, ex, ic, r * 0.82f, r * 0.82f, 0, 1);
    for (int i = 0; i < 3; i++) iris_pt.col[i] = h->iris[i];
    fill_q(d, &iris_pt);
    begin_q(d, h);
    path_ellipse(d->q, ex, ic, r * 0.42f, r * 0.42f, 0, 1);
    for (int i = 0; i < 3; i++) iris_pt.col[i] = black[i];
    fill_q(d, &iris_pt);
    begin_q(d, h);
    float hl = lk->outline > 0 ? 0.3f : 0.2f;
    path_ellipse(d->q, ex - 0.35f * r * (h->light[0] > 0 ? -1.0f : 1.0f), ic - 0.35f * r, r * hl, r * hl, 0, 1);
    for (int i = 0; i < 3; i++) iris_pt.col[i] = white[i];
    iris_pt.alpha = 0.9f;
    fill_q(d, &iris_pt);

    /* upper lid line, thicker at the outer corner */
    begin_q(d, h);
    path_move(d->q, ex - (float)s * w, ey + 0.012f);
    path_quad(d->q, ex - (float)s * 0.1f * w, ey - 2 * g->eye_up, ex + (float)s * w, ey - 0.01f);
    paint ink = paint_flat(lk->outline > 0 ? lk->outline_col : dark, 0.9f);
    float lid = lk->outline > 0 ? lk->outline * 1.3f : 0.022f;
    stroke_q(d, lid * 0.7f, lid * 1.3f, false, &ink);
    if (lk->outline > 0) { /* cartoon: the lower lid too */
        begin_q(d, h);
        path_move(d->q, ex - (float)s * w, ey + 0.012f);
        path_quad(d->q, ex + (float)s * 0.1f * w, ey + 2 * g->eye_lo, ex + (float)s * w, ey - 0.01f);
        stroke_q(d, lk->outline * 0.5f, lk->outline * 0.8f, false, &ink);
    }
    if (lk->lashes) { /* a flick at the outer corner */
        begin_q(d, h);
        path_move(d->q, ex + (float)s * w * 0.75f, ey - 0.75f * g->eye_up);
        path_line(d->q, ex + (float)s * w * 1.22f, ey - 0.9f * g->eye_up - 0.05f);
        path_line(d->q, ex + (float)s * w * 1.02f, ey - 0.01f);
        fill_q(d, &ink);
    }
    if (lk->shaded) { /* lid crease */
        float crease[3];
        scale_col(crease, h->skin, 0.55f);
        begin_q(d, h);
        path_move(d->q, ex - (float)s * w * 0.8f, ey - 0.4f * g->eye_up - 0.03f);
        path_quad(d->q, ex, ey - 2 * g->eye_up - 0.1f, ex + (float)s * w * 1.0f, ey - 0.3f * g->eye_up - 0.03f);
        paint cp = paint_flat(crease, 0.3f);
        stroke_q(d, 0.01f, 0.018f, false, &cp);
    }
}

static void draw_brow(draw_ctx *d, const human_ctx *h, int s) {
    const human_geom *g = h->g;
    float uin = (float)s * (g->eye_dx - g->eye_w * 0.9f), uout = (float)s * (g->eye_dx + g->eye_w * 1.15f);
    float vin = g->brow_y - g->brow_lift + g->brow_tilt, vout = g->brow_y - g->brow_lift * 0.7f + 0.03f;
    float umid = 0.5f * (uin + uout), vmid = 0.5f * (vin + vout) - 0.07f - 0.3f * maxf(g->brow_lift, 0);
    float th = g->brow_th;
    begin_q(d, h);
    path_move(d->q, uin, vin + 0.5f * th);
    path_quad(d->q, umid, vmid + 0.5f * th, uout, vout + 0.15f * th);
    path_line(d->q, uout, vout - 0.15f * th);
    path_quad(d->q, umid, vmid - 0.6f * th, uin, vin - 0.5f * th);
    paint pt = paint_flat(h->brow, h->look->shaded ? 0.85f : 1);
    fill_q(d, &pt);
}

static void draw_nose(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    const human_look *lk = h->look;
    float ny = g->nose_y, nw = g->nose_w, nl = g->nose_len;
    if (lk->simple_features) {
        begin_q(d, h);
        path_move(d->q, -0.035f, ny - 0.01f);
        path_quad(d->q, 0, ny + 0.035f, 0.035f, ny - 0.01f);
        paint ink = paint_flat(lk->outline_col, 1);
        stroke_q(d, lk->outline * 0.8f, lk->outline * 0.8f, false, &ink);
        return;
    }
    float shadow[3], deep[3];
    scale_col(shadow, h->skin, 0.6f);
    scale_col(deep, h->skin, 0.3f);
    float side = h->light[0] > 0 ? -1.0f : 1.0f; /* the side away from the light */
    begin_q(d, h);
    path_move(d->q, side * 0.025f, ny - nl);
    path_quad(d->q, side * 0.075f, ny - 0.45f * nl, side * nw * 0.95f, ny - 0.02f);
    path_line(d->q, side * nw * 0.45f, ny - 0.01f);
    path_quad(d->q, side * 0.01f, ny - 0.4f * nl, side * 0.0f, ny - nl);
    paint sp = paint_flat(shadow, 0.2f);
    fill_q(d, &sp);
    for (int s = -1; s <= 1; s += 2) {
        begin_q(d, h);
        path_move(d->q, (float)s * nw * 0.45f, ny - 0.075f);
        path_quad(d->q, (float)s * nw * 1.3f, ny - 0.05f, (float)s * nw * 0.6f, ny + 0.025f);
        paint ap = paint_flat(shadow, 0.5f);
        stroke_q(d, 0.012f, 0.02f, false, &ap);
        begin_q(d, h);
        path_ellipse(d->q, (float)s * nw * 0.42f, ny + 0.012f, nw * 0.27f, 0.018f, (float)s * 0.3f, 1);
        paint np = paint_flat(deep, 0.75f);
        fill_q(d, &np);
    }
    static const float white[3] = {1, 1, 1};
    begin_q(d, h);
    path_ellipse(d->q, -side * 0.01f, ny - 0.05f, 0.035f, 0.03f, 0, 1);
    paint hp = paint_flat(white, lk->specular > 0 ? 0.22f : 0.1f);
    fill_q(d, &hp);
}

/* Mouth corners at (+-w, y - smile); the inner curves meet at the corners
 * and open by `gap` at the centre. Nothing here reaches outside
 * g->mouth_extent, so a mouth edit changes only the mouth box. */
static void draw_mouth(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    const human_look *lk = h->look;
    float my = g->mouth_y, mw = g->mouth_w, c = g->smile, gap = g->gap, th = g->lip_th;
    float cy = my - c;
    float up_in = my - gap + c, lo_in = my + gap + c;
    bool open = gap > 0.004f;
    static const float cavity[3] = {0.22f, 0.05f, 0.07f}, teeth[3] = {0.96f, 0.94f, 0.89f};
    static const float tongue[3] = {0.85f, 0.40f, 0.42f};
    if (open) {
        begin_q(d, h);
        path_move(d->q, -mw, cy);
        path_quad(d->q, 0, up_in, mw, cy);
        path_quad(d->q, 0, lo_in, -mw, cy);
        paint cp = paint_flat(lk->simple_features ? (const float[3]){0.5f, 0.12f, 0.14f} : cavity, 1);
        fill_q(d, &cp);
        canvas_clear_clip(d->c);
        canvas_mask_add(d->c, d->q, d->c->clip);
        path_begin(d->p, &h->pl->t);
        float top = my - 0.5f * gap;
        if (lk->simple_features) {
            path_ellipse(d->p, 0, my + 0.5f * gap, mw * 0.55f, gap * 0.55f, 0, 1);
            paint tp = paint_flat(tongue, 1);
            tp.clip = d->c->clip;
            canvas_fill(d->c, d->p, &tp);
        } else {
            path_move(d->p, -mw * 0.75f, top - 0.05f);
            path_line(d->p, mw * 0.75f, top - 0.05f);
            path_line(d->p, mw * 0.75f, top + 0.42f * gap);
            path_line(d->p, -mw * 0.75f, top + 0.42f * gap);
            paint tp = paint_flat(teeth, 1);
            tp.clip = d->c->clip;
            canvas_fill(d->c, d->p, &tp);
        }
        outline_q(d, h, true);
    }
    if (lk->simple_features) {
        if (!open) {
            begin_q(d, h);
            path_move(d->q, -mw, cy);
            path_quad(d->q, 0, my + c, mw, cy);
            paint ink = paint_flat(lk->outline_col, 1);
            stroke_q(d, lk->outline * 0.6f, lk->outline * 0.6f, false, &ink);
        }
        return;
    }
    float ub = my - 0.5f * gap; /* centre of the upper lip's lower edge */
    paint lp = paint_shaded(h->lips, &h->face_sh);
    begin_q(d, h); /* upper lip with a Cupid's bow */
    path_move(d->q, -mw, cy);
    path_cubic(d->q, -0.6f * mw, cy - 0.6f * th - 0.4f * (ub - cy), -0.25f * mw, ub - 1.6f * th, 0, ub - 1.15f * th);
    path_cubic(d->q, 0.25f * mw, ub - 1.6f * th, 0.6f * mw, cy - 0.6f * th - 0.4f * (ub - cy), mw, cy);
    path_quad(d->q, 0, up_in, -mw, cy);
    fill_q(d, &lp);
    float lb = my + 0.5f * gap + 1.5f * th;
    begin_q(d, h); /* lower lip */
    path_move(d->q, -mw, cy);
    path_quad(d->q, 0, lo_in, mw, cy);
    path_quad(d->q, 0, 2 * lb - cy, -mw, cy);
    fill_q(d, &lp);
    static const float white[3] = {1, 1, 1};
    begin_q(d, h);
    path_ellipse(d->q, 0, my + 0.5f * gap + 0.75f * th, mw * 0.32f, th * 0.3f, 0, 1);
    paint hp = paint_flat(white, lk->specular > 0 ? 0.25f : 0.12f);
    fill_q(d, &hp);
    float line[3];
    scale_col(line, h->lips, 0.45f);
    begin_q(d, h);
    path_move(d->q, -mw * 1.02f, cy);
    path_quad(d->q, 0, open ? up_in : my + c, mw * 1.02f, cy);
    paint ln = paint_flat(line, 0.7f);
    stroke_q(d, 0.02f, 0.02f, false, &ln);
}

/* Front hair: a cap from one side over the top to the other, its lower edge
 * the hairline (or a fringe for bangs). Erases the face mask it covers. */
static void draw_front_hair(draw_ctx *d, const human_ctx *h) {
    const human_geom *g = h->g;
    float Wo = g->W + g->hair_vol, Ho = g->Ht + g->hair_vol;
    bool low_sides = g->hair == SYNTH_HAIR_LONG || g->hair == SYNTH_HAIR_BANGS;
    float v_side = low_sides ? g->eye_y + 0.30f : g->eye_y - 0.12f;
    float in_side = human_half_width(g, v_side) - 0.05f;
    begin_q(d, h);
    if (v_side > 0) {
        path_move(d->q, Wo + 0.02f, v_side);
        path_line(d->q, Wo, 0);
        path_arc(d->q, 0, 0, Wo, Ho, 0, -3.14159265f);
        path_line(d->q, -Wo - 0.02f, v_side);
    } else {
        float a = asinf(clampf(-v_side / Ho, -1, 1));
        path_move(d->q, Wo * cosf(a), v_side);
        path_arc(d->q, 0, 0, Wo, Ho, -a, -3.14159265f + a);
    }
    path_line(d->q, -in_side, v_side);
    if (g->hair == SYNTH_HAIR_BANGS) {
        float fy = g->brow_y - g->brow_th - 0.06f + maxf(g->brow_lift, 0) * -1.0f;
        float fw = human_half_width(g, fy) - 0.02f;
        path_quad(d->q, -fw, 0.5f * (v_side + fy), -fw, fy);
        int teeth = 7;
        for (int i = 0; i < teeth; i++) {
            float u0 = -fw + 2 * fw * (float)i / (float)teeth, u1 = -fw + 2 * fw * (float)(i + 1) / (float)teeth;
            path_quad(d->q, 0.5f * (u0 + u1), fy - 0.02f, u1, i % 2 == 0 ? fy - 0.07f : fy);
        }
        path_line(d->q, fw, fy);
        path_quad(d->q, fw, 0.5f * (v_side + fy), in_side, v_side);
    } else {
        float hl = g->hairline;
        path_cubic(d->q, -in_side, hl + 0.15f, -0.55f * g->W, hl, 0, hl);
        path_cubic(d->q, 0.55f * g->W, hl, in_side, hl + 0.15f, in_side, v_side);
    }
    paint pt = paint_shaded(h->hair, &h->hair_sh);
    fill_q(d, &pt);
    canvas_mask_erase(d->c, d->q, d->c->mask);
    outline_q(d, h, true);
}

void synth_draw_human(draw_ctx *d, const synth_face *f, const human_look *look, const face_place *pl,
                      face_marks *marks) {
    human_geom g;
    human_geom_build(f, look, &g);
    human_ctx h = {.g = &g, .look = look, .pl = pl};
    human_colours(&h, f);
    synth_light(f, &pl->t, h.light);
    noise_init(&d->tex, f->texture_seed, 1);
    setup_shading(&h, d, f);

    if (pl->body) draw_clothes(d, &h);
    draw_back_hair(d, &h);
    if (pl->body) draw_neck(d, &h);
    draw_ears(d, &h);
    draw_face(d, &h);
    for (int s = -1; s <= 1; s += 2) {
        draw_eye(d, &h, s);
        draw_brow(d, &h, s);
    }
    draw_nose(d, &h);
    draw_mouth(d, &h);
    draw_front_hair(d, &h);

    const xform *t = &pl->t;
    marks->keypoints[0] = xform_apply(t, -g.eye_dx, g.eye_y);
    marks->keypoints[1] = xform_apply(t, g.eye_dx, g.eye_y);
    marks->keypoints[2] = xform_apply(t, 0, g.nose_y);
    marks->keypoints[3] = xform_apply(t, -g.mouth_w, g.mouth_y - g.smile);
    marks->keypoints[4] = xform_apply(t, g.mouth_w, g.mouth_y - g.smile);
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (int k = 0; k < 4; k++) {
        vec2 q = xform_apply(t, g.mouth_extent[k & 1 ? 2 : 0], g.mouth_extent[k & 2 ? 3 : 1]);
        x0 = minf(x0, q.x), x1 = maxf(x1, q.x), y0 = minf(y0, q.y), y1 = maxf(y1, q.y);
    }
    marks->mouth_box[0] = x0;
    marks->mouth_box[1] = y0;
    marks->mouth_box[2] = x1;
    marks->mouth_box[3] = y1;
}
