#ifndef GANC_DATA_SYNTH_INTERNAL_H
#define GANC_DATA_SYNTH_INTERNAL_H

/* Shared pieces of the renderer: paths, the anti-aliased rasteriser, paints,
 * texture noise, the per-style looks and the drawing entry points. Not part
 * of the public API (see synth.h). */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "data/synth/synth.h"

/* A sub-seed: a 64-bit key drawn from stream `seed` at `index`. */
uint64_t synth_key(uint64_t seed, uint64_t index);

typedef struct {
    float x, y;
} vec2;

/* Face-local (u right, v down, unit ~ half the face height) to image pixels:
 * x = a u + b v + tx, y = c u + d v + ty; a rotation and uniform scale. */
typedef struct xform {
    float a, b, c, d, tx, ty;
    float scale; /* pixels per face unit */
} xform;

xform xform_make(float cx, float cy, float scale, float angle);
vec2 xform_apply(const xform *t, float u, float v);
xform xform_inverse(const xform *t);

/* ---- paths: contours of image-space points, built in face units ---- */
#define PATH_MAX_POINTS 4096
#define PATH_MAX_CONTOURS 96

typedef struct path {
    vec2 pts[PATH_MAX_POINTS];
    int start[PATH_MAX_CONTOURS + 1];
    int n, n_contours;
    xform t;
    bool overflow; /* too many points: the fill is skipped, never out of bounds */
} path;

void path_begin(path *p, const xform *t);
void path_move(path *p, float u, float v); /* starts a contour; contours close implicitly */
void path_line(path *p, float u, float v);
void path_quad(path *p, float cu, float cv, float u, float v);
void path_cubic(path *p, float c1u, float c1v, float c2u, float c2v, float u, float v);
/* A full ellipse contour, rotated by `angle` (radians) around its centre;
 * dir +1 or -1 picks the winding (opposite windings cut holes). */
void path_ellipse(path *p, float cu, float cv, float ru, float rv, float angle, int dir);
/* Points along the ellipse (cu + ru cos a, cv + rv sin a) for a from a0 to a1 (v points down). */
void path_arc(path *p, float cu, float cv, float ru, float rv, float a0, float a1);
vec2 path_last(const path *p); /* last point, face units */
/* Appends to dst the outline of every contour of src stroked with a width
 * (pixels) going linearly from w0 to w1 along it; closed contours become
 * rings, open ones (closed = false) ribbons. */
void path_stroke(path *dst, const path *src, float w0, float w1, bool closed);

/* ---- texture noise: a tileable lattice, smooth-interpolated ---- */
#define NOISE_N 32
typedef struct noise_tex {
    float v[NOISE_N * NOISE_N];
} noise_tex;
void noise_init(noise_tex *n, uint64_t seed, uint64_t stream);

/* In [-1, 1], period NOISE_N; inline because shading calls it per pixel. */
static inline float noise_at(const noise_tex *n, float x, float y) {
    float fx = floorf(x), fy = floorf(y);
    float tx = x - fx, ty = y - fy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    int ix = (int)fx & (NOISE_N - 1), iy = (int)fy & (NOISE_N - 1);
    int jx = (ix + 1) & (NOISE_N - 1), jy = (iy + 1) & (NOISE_N - 1);
    float a = n->v[iy * NOISE_N + ix], b = n->v[iy * NOISE_N + jx];
    float c = n->v[jy * NOISE_N + ix], d = n->v[jy * NOISE_N + jx];
    float top = a + (b - a) * tx, bottom = c + (d - c) * tx;
    return top + (bottom - top) * ty;
}

/* ---- paints ---- */
typedef enum { PAINT_FLAT, PAINT_LINEAR, PAINT_SHADED } paint_kind;

/* Lighting of a surface approximated by an ellipsoid in face units. */
typedef struct shading {
    xform inv;            /* image -> face-local */
    float cu, cv, ru, rv; /* the ellipsoid's centre and radii */
    float light[3];       /* unit vector towards the light (x right, y down, z to viewer) */
    float ambient, diffuse, specular;
    int shininess_log2; /* the highlight's exponent is 2^shininess_log2 */
    const noise_tex *tex; /* may be NULL */
    float tex_amp, tex_fu, tex_fv; /* amplitude and lattice cells per face unit */
    float tex2_amp, tex2_f;        /* a finer octave */
} shading;

typedef struct paint {
    paint_kind kind;
    float col[3], col2[3]; /* flat colour; LINEAR goes col -> col2 */
    float gx, gy, g0;      /* LINEAR: t = gx x + gy y + g0, clamped to [0, 1] */
    const shading *sh;     /* SHADED: col lit by sh */
    float alpha;
    const float *clip; /* optional (H,W) coverage multiplier */
} paint;

paint paint_flat(const float col[3], float alpha);
paint paint_shaded(const float col[3], const shading *sh);

/* ---- canvas and rasteriser ---- */
typedef struct canvas {
    int w, h;
    float *rgb;  /* (H,W,3) in [0, 1] */
    float *acc;  /* (H,W+2) signed-area accumulator, all zero between fills */
    float *clip; /* (H,W) scratch clip mask */
    float *mask; /* (H,W) the face mask being built */
    float *tmp;  /* 3 rows of 3 * max(W,H) + 6 floats, for filters */
} canvas;

/* Anti-aliased fills with exact area coverage (non-zero winding, |w| capped
 * at 1). */
void canvas_fill(canvas *c, const path *p, const paint *pt);
void canvas_mask_add(canvas *c, const path *p, float *mask);   /* mask = max(mask, coverage) */
void canvas_mask_erase(canvas *c, const path *p, float *mask); /* mask *= 1 - coverage */
void canvas_clear_clip(canvas *c);

/* ---- colour helpers ---- */
/* Inline, and written without fminf/fmaxf, which -O2 leaves as library calls. */
static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }
static inline float minf(float a, float b) { return a < b ? a : b; }
static inline float maxf(float a, float b) { return a > b ? a : b; }
static inline float lerpf(float a, float b, float t) { return a + (b - a) * t; }
static inline void colour_lerp(float out[3], const float a[3], const float b[3], float t) {
    for (int i = 0; i < 3; i++) out[i] = a[i] + (b[i] - a[i]) * t;
}
void colour_hsv(float out[3], float h, float s, float v);
void colour_saturate(float c[3], float amount); /* scales saturation around the grey */

/* ---- looks of the human styles ---- */
typedef struct human_look {
    bool shaded;          /* lit by the light direction (else flat colours) */
    float outline;        /* dark outline width in face units; 0 = none */
    float outline_col[3];
    float eye_scale;      /* cartoons draw larger eyes */
    float iris_scale;     /* iris radius relative to the eye's half width */
    float saturation;     /* colour treatment of skin, hair, lips */
    float skin_tex;       /* amplitude of skin texture noise */
    float hair_tex;       /* amplitude of hair strand noise */
    float specular;       /* glossiness of skin */
    float ambient, diffuse;
    bool simple_features; /* cartoon nose and mouth */
    bool lashes;
    bool eye_shadow;      /* soft lid shadow */
} human_look;

extern const human_look synth_look_photo;
extern const human_look synth_look_cartoon;
extern const human_look synth_look_virtual;

/* Background kinds drawn by synth_draw_background. */
typedef enum { BG_FLAT, BG_GRADIENT, BG_CLUTTER, BG_STUDIO, BG_PASTEL } background_kind;
background_kind synth_background_kind(synth_style style, const synth_face *f);
void synth_draw_background(canvas *c, path *scratch, background_kind kind, const synth_face *f);

/* Where a face is drawn: its transform and whether body (neck, shoulders) is drawn. */
typedef struct face_place {
    xform t;
    bool body;
} face_place;
face_place synth_place_portrait(const synth_face *f, synth_style style, int w, int h);
/* The light direction of a face in its own (unrolled) axes. */
void synth_light(const synth_face *f, const xform *t, float light[3]);

/* Geometry produced by a face drawer, in image pixels. */
typedef struct face_marks {
    vec2 keypoints[SYNTH_N_KEYPOINTS];
    float mouth_box[4]; /* x0, y0, x1, y1 before margins */
} face_marks;

/* Scratch shared by the drawers: two paths and the lighting of the face. */
typedef struct draw_ctx {
    canvas *c;
    path *p, *q;
    noise_tex tex;
} draw_ctx;

/* Draws a face onto the canvas (over what is there) and ORs its coverage
 * into c->mask. */
void synth_draw_human(draw_ctx *d, const synth_face *f, const human_look *look, const face_place *pl,
                      face_marks *marks);
void synth_draw_animal(draw_ctx *d, const synth_face *f, const face_place *pl, face_marks *marks);

/* Camera finish of photo and animal images: blur, white balance, vignette,
 * sensor noise. */
void synth_photo_finish(canvas *c, uint64_t noise_seed);

/* Geometry of the human face in face units (shared by the styles and the
 * labels). */
typedef struct human_geom {
    float W, Ht, Hb;  /* half width; top and bottom extents of the face oval */
    float jaw, chin;  /* lower contour: control height fraction, chin half width */
    float eye_y, eye_dx, eye_w, eye_up, eye_lo, iris_r;
    float brow_y, brow_th, brow_lift, brow_tilt;
    float nose_y, nose_len, nose_w;
    float mouth_y, mouth_w, lip_th, smile, gap;
    float mouth_extent[4]; /* u0, v0, u1, v1 over every smile and opening */
    float ear_r;
    synth_hair_style hair;
    float hair_len, hair_vol, hairline;
} human_geom;
void human_geom_build(const synth_face *f, const human_look *look, human_geom *g);
/* Half width of the face oval at height v (0 outside it). */
float human_half_width(const human_geom *g, float v);
/* The face oval, grown by `grow` face units. */
void path_face_oval(path *p, const human_geom *g, float grow);

#endif
