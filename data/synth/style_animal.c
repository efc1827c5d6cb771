/* The animal style: cat- and dog-like faces (species parameter) with ears,
 * snout, whiskers and streaked fur, shaded like photos and given the same
 * camera finish. The identity's hair colour becomes the fur colour, its
 * face width the head width, its eye size the eye size, so a human identity
 * has an animal counterpart. */
#include <math.h>
#include <stddef.h>

#include "data/synth/synth_internal.h"

typedef struct {
    const face_place *pl;
    bool dog;
    human_geom head; /* the head outline reuses the face oval */
    float fur[3], light_fur[3], dark_fur[3], ear_in[3], iris[3];
    float eye_dx, eye_y, eye_r, eye_open;
    float nose_y, nose_w, snout;
    float ear_h, ear_size;
    int pattern; /* 0 plain, 1 stripes, 2 patches */
    float light[3];
    shading sh;
    vec2 ear_tip[2];
} animal_ctx;

static void scale_col(float out[3], const float in[3], float k) {
    for (int i = 0; i < 3; i++) out[i] = clampf(in[i] * k, 0, 1);
}

static void begin_q(draw_ctx *d, const animal_ctx *a) { path_begin(d->q, &a->pl->t); }

static void fill_q(draw_ctx *d, const paint *pt) { canvas_fill(d->c, d->q, pt); }

static void stroke_q(draw_ctx *d, float w0, float w1, bool closed, const paint *pt) {
    float s = d->q->t.scale;
    path_begin(d->p, &d->q->t);
    path_stroke(d->p, d->q, w0 * s, w1 * s, closed);
    canvas_fill(d->c, d->p, pt);
}

static void animal_setup(animal_ctx *a, draw_ctx *d, const synth_face *f) {
    const float *p = f->p;
    a->dog = synth_face_is_dog(f);
    a->pattern = (int)(p[SYNTH_P_FUR_PATTERN] * 3);
    if (a->pattern > 2) a->pattern = 2;
    human_geom *g = &a->head;
    g->W = (a->dog ? 0.74f : 0.82f) + 0.14f * p[SYNTH_P_FACE_WIDTH];
    g->Ht = a->dog ? 0.88f : 0.80f;
    g->Hb = (a->dog ? 0.86f : 0.72f) + 0.12f * p[SYNTH_P_FACE_LENGTH];
    g->jaw = a->dog ? 0.45f + 0.3f * p[SYNTH_P_JAW_WIDTH] : 0.62f + 0.2f * p[SYNTH_P_JAW_WIDTH];
    g->chin = g->W * (a->dog ? 0.40f : 0.48f);

    static const float cream[3] = {0.94f, 0.89f, 0.79f}, orange[3] = {0.90f, 0.56f, 0.24f};
    static const float charcoal[3] = {0.16f, 0.16f, 0.17f}, brown[3] = {0.38f, 0.22f, 0.11f};
    float light[3], dark[3];
    colour_lerp(light, cream, orange, p[SYNTH_P_HAIR_WARMTH]);
    colour_lerp(dark, charcoal, brown, p[SYNTH_P_HAIR_WARMTH]);
    colour_lerp(a->fur, light, dark, p[SYNTH_P_HAIR_DARKNESS]);
    static const float white[3] = {0.96f, 0.95f, 0.92f};
    colour_lerp(a->light_fur, a->fur, white, 0.65f);
    scale_col(a->dark_fur, a->fur, 0.45f);
    static const float pink[3] = {0.92f, 0.62f, 0.62f};
    if (a->dog)
        scale_col(a->ear_in, a->fur, 0.7f);
    else
        colour_lerp(a->ear_in, pink, a->fur, 0.25f);
    static const float cat_iris[4][3] = {
        {0.80f, 0.55f, 0.12f}, {0.75f, 0.72f, 0.20f}, {0.40f, 0.62f, 0.25f}, {0.35f, 0.58f, 0.78f}};
    static const float dog_iris[2][3] = {{0.28f, 0.16f, 0.07f}, {0.45f, 0.30f, 0.12f}};
    float t = p[SYNTH_P_IRIS_COLOUR];
    if (a->dog) {
        colour_lerp(a->iris, dog_iris[0], dog_iris[1], t);
    } else {
        float x = t * 3;
        int i = x >= 3 ? 2 : (int)x;
        colour_lerp(a->iris, cat_iris[i], cat_iris[i + 1], x - (float)i);
    }

    a->eye_dx = g->W * (0.36f + 0.1f * p[SYNTH_P_EYE_SPACING]);
    a->eye_y = -0.08f + 0.12f * (p[SYNTH_P_EYE_HEIGHT] - 0.5f);
    a->eye_r = (a->dog ? 0.085f : 0.13f) + 0.045f * p[SYNTH_P_EYE_SIZE];
    a->eye_open = 0.25f + 0.75f * p[SYNTH_P_EYE_OPENNESS];
    a->snout = p[SYNTH_P_SNOUT_LENGTH];
    a->nose_y = a->dog ? 0.20f + 0.12f * a->snout : 0.24f + 0.06f * p[SYNTH_P_NOSE_HEIGHT];
    a->nose_w = (a->dog ? 0.12f : 0.065f) * (0.8f + 0.4f * p[SYNTH_P_NOSE_SIZE]);
    a->ear_size = p[SYNTH_P_EAR_SIZE];
    a->ear_h = 0.35f + 0.3f * a->ear_size;

    synth_light(f, &a->pl->t, a->light);
    noise_init(&d->tex, f->texture_seed, 2);
    float intensity = 0.85f + 0.3f * p[SYNTH_P_LIGHT_INTENSITY];
    shading s = {.inv = xform_inverse(&a->pl->t),
                 .cu = 0,
                 .cv = 0.05f,
                 .ru = g->W * 1.15f,
                 .rv = 0.5f * (g->Ht + g->Hb) * 1.15f,
                 .ambient = 0.5f,
                 .diffuse = 0.55f * intensity,
                 .tex = &d->tex,
                 .tex_amp = a->pattern == 1 && a->dog ? 0.3f : 0.13f,
                 .tex_fu = 16,
                 .tex_fv = 3,
                 .tex2_amp = 0.12f,
                 .tex2_f = 30};
    for (int i = 0; i < 3; i++) s.light[i] = a->light[i];
    a->sh = s;
}

static void chest(draw_ctx *d, const animal_ctx *a) {
    const human_geom *g = &a->head;
    shading sh = a->sh; /* the body's own bulge, with finer and calmer fur */
    sh.cv = g->Hb + 0.6f;
    sh.ru = 1.3f;
    sh.rv = 0.9f;
    sh.tex_amp *= 0.5f;
    sh.tex_fu *= 1.5f;
    begin_q(d, a);
    path_move(d->q, -g->W * 0.7f, 0.2f);
    path_quad(d->q, -g->W * 0.8f, g->Hb + 0.2f, -1.35f, g->Hb + 0.9f);
    path_line(d->q, -1.35f, g->Hb + 1.6f);
    path_line(d->q, 1.35f, g->Hb + 1.6f);
    path_line(d->q, 1.35f, g->Hb + 0.9f);
    path_quad(d->q, g->W * 0.8f, g->Hb + 0.2f, g->W * 0.7f, 0.2f);
    paint pt = paint_shaded(a->fur, &sh);
    fill_q(d, &pt);
    if (a->pattern == 2) {
        begin_q(d, a);
        path_ellipse(d->q, 0, g->Hb + 0.7f, 0.42f, 0.6f, 0, 1);
        paint wp = paint_shaded(a->light_fur, &sh);
        fill_q(d, &wp);
    }
}

/* Pointed ears (cats, upright dogs): a rounded triangle per side. */
static void pointed_ears(draw_ctx *d, animal_ctx *a) {
    const human_geom *g = &a->head;
    float spread = a->dog ? 0.62f : 0.58f;
    for (int s = -1; s <= 1; s += 2) {
        float fs = (float)s;
        float bi_u = fs * 0.18f, bi_v = -g->Ht * 0.88f;      /* inner base */
        float bo_u = fs * g->W * 0.96f, bo_v = -0.30f;        /* outer base */
        float ap_u = fs * g->W * spread * 1.1f, ap_v = -g->Ht - a->ear_h;
        begin_q(d, a);
        path_move(d->q, bi_u, bi_v);
        path_quad(d->q, fs * g->W * 0.4f, -g->Ht - 0.3f * a->ear_h, ap_u - fs * 0.03f, ap_v + 0.04f);
        path_quad(d->q, ap_u, ap_v - 0.02f, ap_u + fs * 0.04f, ap_v + 0.05f);
        path_quad(d->q, bo_u, -g->Ht * 0.5f - 0.3f * a->ear_h, bo_u, bo_v);
        paint pt = paint_shaded(a->fur, &a->sh);
        fill_q(d, &pt);
        canvas_mask_add(d->c, d->q, d->c->mask);
        /* inner ear */
        float k = 0.3f;
        float iu = bi_u + (ap_u - bi_u) * 0.15f + (bo_u - bi_u) * k * 0.5f;
        float iv = bi_v + (ap_v - bi_v) * 0.1f + 0.08f;
        float ou = bo_u - (bo_u - bi_u) * k, ov = bo_v - 0.1f;
        begin_q(d, a);
        path_move(d->q, iu, iv);
        path_quad(d->q, ap_u * 0.95f, ap_v + 0.3f * a->ear_h, ap_u, ap_v + 0.14f);
        path_quad(d->q, ap_u + fs * 0.05f, ap_v + 0.4f * a->ear_h, ou, ov);
        path_quad(d->q, 0.5f * (iu + ou), 0.5f * (iv + ov) + 0.05f, iu, iv);
        paint ip = paint_shaded(a->ear_in, &a->sh);
        ip.alpha = 0.9f;
        fill_q(d, &ip);
        /* The keypoint: 30% of the way from the apex to the middle of the
         * base, where the ear is wide enough to be on the mask at any size. */
        float mu = 0.5f * (bi_u + bo_u), mv = 0.5f * (bi_v + bo_v);
        a->ear_tip[(s + 1) / 2] = xform_apply(&a->pl->t, ap_u + 0.3f * (mu - ap_u), ap_v + 0.3f * (mv - ap_v));
    }
}

/* Floppy dog ears hang from the top corners of the head. */
static void floppy_ears(draw_ctx *d, animal_ctx *a) {
    const human_geom *g = &a->head;
    float len = 0.75f + 0.5f * a->ear_size;
    for (int s = -1; s <= 1; s += 2) {
        float fs = (float)s;
        float ang = -fs * 0.22f; /* hanging slightly outwards */
        float au = fs * g->W * 0.7f, av = -g->Ht * 0.8f; /* where the ear joins the head */
        float cu = au - sinf(ang) * 0.5f * len, cv = av + cosf(ang) * 0.5f * len;
        begin_q(d, a);
        path_ellipse(d->q, cu, cv, 0.21f, 0.5f * len, ang, 1);
        float col[3];
        scale_col(col, a->fur, a->pattern == 2 ? 0.5f : 0.78f);
        paint pt = paint_shaded(col, &a->sh);
        fill_q(d, &pt);
        canvas_mask_add(d->c, d->q, d->c->mask);
        /* tip: the bottom end of the rotated ellipse, pulled inside */
        float r = 0.5f * len - 0.12f;
        a->ear_tip[(s + 1) / 2] = xform_apply(&a->pl->t, cu - sinf(ang) * r, cv + cosf(ang) * r);
    }
}

static void head(draw_ctx *d, const animal_ctx *a) {
    begin_q(d, a);
    path_face_oval(d->q, &a->head, 0);
    paint pt = paint_shaded(a->fur, &a->sh);
    fill_q(d, &pt);
    canvas_mask_add(d->c, d->q, d->c->mask);
    const human_geom *g = &a->head;
    if (a->pattern == 1 && !a->dog) { /* tabby stripes on the forehead and cheeks */
        paint sp = paint_shaded(a->dark_fur, &a->sh);
        sp.alpha = 0.75f;
        for (int i = -1; i <= 1; i++) {
            float u = 0.13f * (float)i;
            begin_q(d, a);
            path_move(d->q, u - 0.025f, -g->Ht * 0.95f);
            path_quad(d->q, u * 1.3f, -0.55f, u - 0.01f, -0.32f + 0.05f * fabsf((float)i));
            path_quad(d->q, u * 1.3f + 0.03f, -0.55f, u + 0.025f, -g->Ht * 0.95f);
            fill_q(d, &sp);
        }
        for (int s = -1; s <= 1; s += 2)
            for (int k = 0; k < 2; k++) {
                float v = 0.08f + 0.1f * (float)k;
                begin_q(d, a);
                path_move(d->q, (float)s * g->W * 1.01f, v - 0.02f);
                path_quad(d->q, (float)s * g->W * 0.8f, v + 0.02f, (float)s * g->W * 0.58f, v + 0.05f);
                path_quad(d->q, (float)s * g->W * 0.8f, v + 0.05f, (float)s * g->W * 1.01f, v + 0.03f);
                fill_q(d, &sp);
            }
    }
    if (a->pattern == 2) { /* a patch over one eye (dogs) or a white blaze (cats) */
        begin_q(d, a);
        if (a->dog) {
            path_ellipse(d->q, -a->eye_dx, a->eye_y, 0.26f, 0.23f, 0.3f, 1);
            paint pp = paint_shaded(a->dark_fur, &a->sh);
            fill_q(d, &pp);
        } else {
            path_move(d->q, 0, -0.45f);
            path_quad(d->q, 0.1f, -0.15f, 0.07f, a->nose_y - 0.05f);
            path_quad(d->q, 0.35f, a->nose_y, 0.3f, a->nose_y + 0.3f);
            path_quad(d->q, 0, g->Hb + 0.05f, -0.3f, a->nose_y + 0.3f);
            path_quad(d->q, -0.35f, a->nose_y, -0.07f, a->nose_y - 0.05f);
            path_quad(d->q, -0.1f, -0.15f, 0, -0.45f);
            paint wp = paint_shaded(a->light_fur, &a->sh);
            fill_q(d, &wp);
        }
    }
}

static void eyes(draw_ctx *d, const animal_ctx *a) {
    static const float black[3] = {0.03f, 0.03f, 0.03f}, white[3] = {1, 1, 1};
    for (int s = -1; s <= 1; s += 2) {
        float fs = (float)s, ex = fs * a->eye_dx, ey = a->eye_y, r = a->eye_r;
        float ry = r * (a->dog ? 0.95f : 0.8f) * a->eye_open;
        float tilt = a->dog ? 0 : -fs * 0.22f;
        begin_q(d, a);
        path_ellipse(d->q, ex, ey, r * 1.12f, ry + r * 0.12f, tilt, 1);
        paint rim = paint_flat(black, 0.9f);
        fill_q(d, &rim);
        begin_q(d, a);
        path_ellipse(d->q, ex, ey, r, ry, tilt, 1);
        paint ip = paint_shaded(a->iris, &a->sh);
        fill_q(d, &ip);
        canvas_clear_clip(d->c);
        canvas_mask_add(d->c, d->q, d->c->clip);
        begin_q(d, a);
        if (a->dog)
            path_ellipse(d->q, ex, ey, r * 0.6f, r * 0.6f, 0, 1);
        else
            path_ellipse(d->q, ex, ey, r * 0.22f, r * 0.95f, 0, 1);
        paint pp = paint_flat(black, 1);
        pp.clip = d->c->clip;
        fill_q(d, &pp);
        begin_q(d, a);
        path_ellipse(d->q, ex - 0.3f * r, ey - 0.35f * r, r * 0.2f, r * 0.2f, 0, 1);
        paint hp = paint_flat(white, 0.85f);
        hp.clip = d->c->clip;
        fill_q(d, &hp);
    }
}

static void cat_snout(draw_ctx *d, const animal_ctx *a, const synth_face *f) {
    float ny = a->nose_y, nw = a->nose_w;
    float open = f->p[SYNTH_P_MOUTH_OPEN], smile = f->p[SYNTH_P_SMILE] - 0.5f;
    paint pads = paint_shaded(a->light_fur, &a->sh);
    for (int s = -1; s <= 1; s += 2) {
        begin_q(d, a);
        path_ellipse(d->q, (float)s * 0.11f, ny + 0.13f, 0.15f + 0.04f * a->snout, 0.11f, 0, 1);
        fill_q(d, &pads);
    }
    static const float dark[3] = {0.12f, 0.08f, 0.08f}, cavity[3] = {0.35f, 0.08f, 0.1f};
    if (open > 0.3f) {
        begin_q(d, a);
        path_ellipse(d->q, 0, ny + 0.2f, 0.07f, 0.03f + 0.08f * open, 0, 1);
        paint cp = paint_flat(cavity, 1);
        fill_q(d, &cp);
    }
    paint ink = paint_flat(dark, 0.85f);
    begin_q(d, a);
    path_move(d->q, 0, ny + 0.04f);
    path_line(d->q, 0, ny + 0.11f);
    stroke_q(d, 0.018f, 0.018f, false, &ink);
    for (int s = -1; s <= 1; s += 2) {
        begin_q(d, a);
        path_move(d->q, 0, ny + 0.11f);
        path_quad(d->q, (float)s * 0.05f, ny + 0.17f + 0.04f * smile, (float)s * 0.12f, ny + 0.12f - 0.06f * smile);
        stroke_q(d, 0.018f, 0.012f, false, &ink);
    }
    /* nose: a rounded inverted triangle */
    static const float pink[3] = {0.85f, 0.48f, 0.50f};
    float nose[3];
    colour_lerp(nose, pink, a->dark_fur, f->p[SYNTH_P_SKIN_TONE] * 0.7f);
    begin_q(d, a);
    path_move(d->q, -nw, ny - 0.035f);
    path_quad(d->q, 0, ny - 0.06f, nw, ny - 0.035f);
    path_quad(d->q, nw * 0.6f, ny + 0.01f, 0, ny + 0.045f);
    path_quad(d->q, -nw * 0.6f, ny + 0.01f, -nw, ny - 0.035f);
    paint np = paint_shaded(nose, &a->sh);
    fill_q(d, &np);
    /* whiskers */
    static const float wcol[3] = {0.97f, 0.97f, 0.95f};
    paint wp = paint_flat(wcol, 0.85f);
    for (int s = -1; s <= 1; s += 2)
        for (int k = 0; k < 3; k++) {
            float fs = (float)s, v = ny + 0.1f + 0.04f * (float)k;
            begin_q(d, a);
            path_move(d->q, fs * 0.16f, v);
            path_quad(d->q, fs * 0.6f, v - 0.05f + 0.03f * (float)k, fs * (a->head.W + 0.3f), v - 0.12f + 0.12f * (float)k);
            stroke_q(d, 0.014f, 0.004f, false, &wp);
        }
}

static void dog_snout(draw_ctx *d, const animal_ctx *a, const synth_face *f) {
    float ny = a->nose_y, nw = a->nose_w, sn = a->snout;
    float open = f->p[SYNTH_P_MOUTH_OPEN], smile = f->p[SYNTH_P_SMILE] - 0.5f;
    begin_q(d, a);
    path_ellipse(d->q, 0, ny + 0.16f, 0.34f + 0.08f * sn, 0.26f + 0.08f * sn, 0, 1);
    paint mp = paint_shaded(a->light_fur, &a->sh);
    fill_q(d, &mp);
    static const float dark[3] = {0.1f, 0.07f, 0.07f}, cavity[3] = {0.3f, 0.06f, 0.08f};
    static const float tongue[3] = {0.9f, 0.42f, 0.48f};
    float my = ny + 0.22f + 0.06f * sn;
    if (open > 0.25f) {
        begin_q(d, a);
        path_move(d->q, -0.2f, my - 0.02f);
        path_quad(d->q, 0, my + 0.02f, 0.2f, my - 0.02f);
        path_quad(d->q, 0, my + 0.1f + 0.22f * open, -0.2f, my - 0.02f);
        paint cp = paint_flat(cavity, 1);
        fill_q(d, &cp);
        begin_q(d, a);
        path_ellipse(d->q, 0, my + 0.07f + 0.12f * open, 0.1f, 0.05f + 0.1f * open, 0, 1);
        paint tp = paint_shaded(tongue, &a->sh);
        fill_q(d, &tp);
    }
    paint ink = paint_flat(dark, 0.85f);
    begin_q(d, a);
    path_move(d->q, 0, ny + 0.05f);
    path_line(d->q, 0, my);
    stroke_q(d, 0.022f, 0.022f, false, &ink);
    for (int s = -1; s <= 1; s += 2) {
        begin_q(d, a);
        path_move(d->q, 0, my);
        path_quad(d->q, (float)s * 0.1f, my + 0.06f, (float)s * 0.22f, my - 0.02f - 0.08f * smile);
        stroke_q(d, 0.022f, 0.014f, false, &ink);
    }
    begin_q(d, a);
    path_move(d->q, -nw, ny - 0.04f);
    path_quad(d->q, 0, ny - 0.09f, nw, ny - 0.04f);
    path_quad(d->q, nw * 1.05f, ny + 0.03f, 0, ny + 0.06f);
    path_quad(d->q, -nw * 1.05f, ny + 0.03f, -nw, ny - 0.04f);
    static const float black[3] = {0.07f, 0.06f, 0.06f}, white[3] = {1, 1, 1};
    paint np = paint_flat(black, 1);
    fill_q(d, &np);
    begin_q(d, a);
    path_ellipse(d->q, -nw * 0.3f, ny - 0.04f, nw * 0.3f, 0.015f, 0, 1);
    paint hp = paint_flat(white, 0.35f);
    fill_q(d, &hp);
    /* whisker dots */
    for (int s = -1; s <= 1; s += 2)
        for (int k = 0; k < 3; k++) {
            begin_q(d, a);
            path_ellipse(d->q, (float)s * (0.12f + 0.06f * (float)k), ny + 0.14f + 0.03f * (float)(k % 2), 0.012f,
                         0.012f, 0, 1);
            paint dp = paint_flat(a->dark_fur, 0.7f);
            fill_q(d, &dp);
        }
}

void synth_draw_animal(draw_ctx *d, const synth_face *f, const face_place *pl, face_marks *marks) {
    animal_ctx a = {.pl = pl};
    animal_setup(&a, d, f);
    if (pl->body) chest(d, &a);
    bool floppy = a.dog && a.ear_size < 0.5f;
    if (!floppy) pointed_ears(d, &a);
    head(d, &a);
    if (floppy) floppy_ears(d, &a);
    eyes(d, &a);
    if (a.dog)
        dog_snout(d, &a, f);
    else
        cat_snout(d, &a, f);

    const xform *t = &pl->t;
    marks->keypoints[0] = xform_apply(t, -a.eye_dx, a.eye_y);
    marks->keypoints[1] = xform_apply(t, a.eye_dx, a.eye_y);
    marks->keypoints[2] = xform_apply(t, 0, a.nose_y);
    marks->keypoints[3] = a.ear_tip[0];
    marks->keypoints[4] = a.ear_tip[1];
    /* everything the mouth coefficients move lies in this face-unit box */
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (int k = 0; k < 4; k++) {
        vec2 q = xform_apply(t, k & 1 ? 0.3f : -0.3f, k & 2 ? a.nose_y + 0.7f : a.nose_y - 0.02f);
        x0 = minf(x0, q.x), x1 = maxf(x1, q.x), y0 = minf(y0, q.y), y1 = maxf(y1, q.y);
    }
    marks->mouth_box[0] = x0;
    marks->mouth_box[1] = y0;
    marks->mouth_box[2] = x1;
    marks->mouth_box[3] = y1;
}
