/* Human face geometry in face units (u right, v down; the oval is ~2 units
 * tall): every length is a fixed affine map of one parameter, so the
 * documentation in docs/synth.md can state each parameter's effect. */
#include <math.h>

#include "data/synth/synth_internal.h"

/* The lower contour is the cubic (W,0) (W,jaw*Hb) (chin,Hb) (0,Hb). */
static void lower_point(const human_geom *g, float t, float *u, float *v) {
    float m = 1 - t;
    float b1 = 3 * m * m * t, b2 = 3 * m * t * t, b3 = t * t * t, b0 = m * m * m;
    *u = b0 * g->W + b1 * g->W + b2 * g->chin;
    *v = b1 * g->jaw * g->Hb + b2 * g->Hb + b3 * g->Hb;
}

float human_half_width(const human_geom *g, float v) {
    if (v <= -g->Ht || v >= g->Hb) return 0;
    if (v <= 0) return g->W * sqrtf(1 - (v / g->Ht) * (v / g->Ht));
    float lo = 0, hi = 1; /* v(t) increases monotonically */
    for (int i = 0; i < 24; i++) {
        float mid = 0.5f * (lo + hi), u, vm;
        lower_point(g, mid, &u, &vm);
        if (vm < v)
            lo = mid;
        else
            hi = mid;
    }
    float u, vm;
    lower_point(g, 0.5f * (lo + hi), &u, &vm);
    return u;
}

void path_face_oval(path *p, const human_geom *g, float grow) {
    float W = g->W + grow, Ht = g->Ht + grow, Hb = g->Hb + grow;
    float chin = g->chin + grow * 0.5f;
    path_move(p, W, 0);
    path_cubic(p, W, g->jaw * Hb, chin, Hb, 0, Hb);
    path_cubic(p, -chin, Hb, -W, g->jaw * Hb, -W, 0);
    /* upper half: an ellipse quarter per side (cubic with kappa 0.5523) */
    const float k = 0.5523f;
    path_cubic(p, -W, -k * Ht, -k * W, -Ht, 0, -Ht);
    path_cubic(p, k * W, -Ht, W, -k * Ht, W, 0);
}

void human_geom_build(const synth_face *f, const human_look *look, human_geom *g) {
    const float *p = f->p;
    g->W = 0.66f + 0.16f * p[SYNTH_P_FACE_WIDTH];
    g->Ht = 0.95f + 0.10f * p[SYNTH_P_FACE_LENGTH];
    g->Hb = 0.92f + 0.22f * p[SYNTH_P_FACE_LENGTH];
    g->jaw = 0.30f + 0.45f * p[SYNTH_P_JAW_WIDTH];
    g->chin = g->W * (0.45f - 0.27f * p[SYNTH_P_CHIN_POINTINESS]);

    g->eye_y = -0.02f + 0.16f * (p[SYNTH_P_EYE_HEIGHT] - 0.5f);
    g->eye_w = g->W * (0.16f + 0.07f * p[SYNTH_P_EYE_SIZE]) * look->eye_scale;
    g->eye_dx = g->W * (0.40f + 0.12f * p[SYNTH_P_EYE_SPACING]);
    if (g->eye_dx < g->eye_w + 0.09f) g->eye_dx = g->eye_w + 0.09f;
    float open = p[SYNTH_P_EYE_OPENNESS];
    g->eye_up = g->eye_w * (0.08f + 0.50f * open) * (look->eye_scale > 1 ? 1.15f : 1.0f);
    g->eye_lo = g->eye_up * 0.55f + g->eye_w * 0.04f;
    g->iris_r = g->eye_w * look->iris_scale;

    float raise = p[SYNTH_P_BROW_RAISE] - 0.5f;
    g->brow_th = 0.035f + 0.045f * p[SYNTH_P_BROW_THICKNESS];
    g->brow_y = g->eye_y - 0.19f - 0.09f * p[SYNTH_P_BROW_HEIGHT] - 0.5f * g->eye_up + 0.1f * g->eye_w;
    g->brow_lift = 0.16f * raise;
    g->brow_tilt = raise < 0 ? -0.30f * raise : -0.06f * raise; /* inner end: down when furrowed */

    g->nose_y = 0.27f + 0.14f * p[SYNTH_P_NOSE_HEIGHT];
    g->nose_len = 0.16f + 0.14f * p[SYNTH_P_NOSE_SIZE];
    g->nose_w = (0.075f + 0.06f * p[SYNTH_P_NOSE_WIDTH]) * (0.85f + 0.3f * p[SYNTH_P_NOSE_SIZE]);

    g->mouth_y = g->nose_y + 0.17f + 0.13f * p[SYNTH_P_MOUTH_HEIGHT];
    g->mouth_w = g->W * (0.26f + 0.14f * p[SYNTH_P_MOUTH_WIDTH]);
    float room = 0.78f * human_half_width(g, g->mouth_y + 0.08f);
    if (g->mouth_w > room) g->mouth_w = room;
    g->lip_th = 0.028f + 0.030f * p[SYNTH_P_LIP_THICKNESS];
    g->smile = 0.16f * (p[SYNTH_P_SMILE] - 0.5f);
    g->gap = 0.16f * p[SYNTH_P_MOUTH_OPEN];
    /* Over every smile (|smile| <= 0.08) and gap (<= 0.16), with the lips'
     * outer curves, the outline and a margin. */
    float pad = 0.03f + look->outline;
    g->mouth_extent[0] = -g->mouth_w - pad;
    g->mouth_extent[2] = g->mouth_w + pad;
    g->mouth_extent[1] = g->mouth_y - 0.08f - 0.08f - 1.6f * g->lip_th - pad;
    g->mouth_extent[3] = g->mouth_y + 0.08f + 0.08f + 2.6f * g->lip_th + pad;

    g->ear_r = 0.13f + 0.06f * p[SYNTH_P_EAR_SIZE];

    g->hair = synth_face_hair_style(f);
    g->hair_len = p[SYNTH_P_HAIR_LENGTH];
    g->hair_vol = 0.07f + 0.10f * minf(g->hair_len, 0.6f) / 0.6f;
    g->hairline = -0.50f * g->Ht - 0.10f * (1 - p[SYNTH_P_FACE_LENGTH]);
}
