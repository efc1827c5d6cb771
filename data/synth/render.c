/* The renderer object and the single-face render: background, face, camera
 * finish, 8-bit conversion, labels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/synth/synth_internal.h"
#include "data/synth/synth_render.h"

synth_renderer *synth_renderer_new(int width, int height) {
    if (width < SYNTH_MIN_SIZE || height < SYNTH_MIN_SIZE || width > SYNTH_MAX_SIZE || height > SYNTH_MAX_SIZE) {
        GANC_ERR(GANC_ERR_ARG, "synth_renderer_new: image size %dx%d out of range: each side must be %d..%d", width,
                 height, SYNTH_MIN_SIZE, SYNTH_MAX_SIZE);
        return NULL;
    }
    synth_renderer *r = calloc(1, sizeof *r);
    size_t n = (size_t)width * height;
    if (r) {
        r->c.w = width;
        r->c.h = height;
        r->c.rgb = malloc(sizeof(float) * n * 3);
        r->c.acc = calloc((size_t)(width + 2) * height, sizeof(float));
        r->c.clip = calloc(n, sizeof(float));
        r->c.mask = calloc(n, sizeof(float));
        r->c.tmp = malloc(sizeof(float) * 3 * (3 * (size_t)(width > height ? width : height) + 6));
        r->scene_mask = calloc(n, sizeof(float));
        r->d.c = &r->c;
        r->d.p = &r->p;
        r->d.q = &r->q;
    }
    if (!r || !r->c.rgb || !r->c.acc || !r->c.clip || !r->c.mask || !r->c.tmp || !r->scene_mask) {
        synth_renderer_free(r);
        GANC_ERR(GANC_ERR_MEMORY, "synth_renderer_new: cannot allocate buffers for %dx%d", width, height);
        return NULL;
    }
    return r;
}

void synth_renderer_free(synth_renderer *r) {
    if (!r) return;
    free(r->c.rgb);
    free(r->c.acc);
    free(r->c.clip);
    free(r->c.mask);
    free(r->c.tmp);
    free(r->scene_mask);
    free(r);
}

face_place synth_place_portrait(const synth_face *f, synth_style style, int w, int h) {
    const float *p = f->p;
    float S = (float)(w < h ? w : h);
    /* Animals sit lower and smaller: their ears rise above the head. */
    bool animal = style == SYNTH_ANIMAL;
    float scale = S * (animal ? 0.205f + 0.04f * p[SYNTH_P_SCALE] : 0.235f + 0.05f * p[SYNTH_P_SCALE]);
    float cx = 0.5f * (float)w + (p[SYNTH_P_OFFSET_X] - 0.5f) * 0.12f * S;
    float cy = (animal ? 0.53f : 0.46f) * (float)h + (p[SYNTH_P_OFFSET_Y] - 0.5f) * 0.08f * S;
    float roll = (p[SYNTH_P_ROLL] - 0.5f) * 0.42f; /* +-12 degrees */
    return (face_place){xform_make(cx, cy, scale, roll), true};
}

void synth_draw_face(synth_renderer *r, synth_style style, const synth_face *f, const face_place *pl,
                     face_marks *marks) {
    switch (style) {
    case SYNTH_PHOTO: synth_draw_human(&r->d, f, &synth_look_photo, pl, marks); break;
    case SYNTH_CARTOON: synth_draw_human(&r->d, f, &synth_look_cartoon, pl, marks); break;
    case SYNTH_VIRTUAL: synth_draw_human(&r->d, f, &synth_look_virtual, pl, marks); break;
    default: synth_draw_animal(&r->d, f, pl, marks); break;
    }
}

void synth_finish(synth_renderer *r, synth_style style, uint64_t noise_seed, uint8_t *rgb) {
    if (style == SYNTH_PHOTO || style == SYNTH_ANIMAL) synth_photo_finish(&r->c, noise_seed);
    const size_t n = (size_t)r->c.w * r->c.h * 3;
    const float *restrict src = r->c.rgb;
    uint8_t *restrict dst = rgb;
    for (size_t i = 0; i < n; i++) {
        float v = src[i] * 255.0f + 0.5f;
        v = v > 0 ? v : 0;
        v = v < 255 ? v : 255;
        dst[i] = (uint8_t)(int)v;
    }
}

void synth_mask_bbox(const float *mask, int w, int h, int box[4]) {
    int x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (mask[(size_t)y * w + x] >= 0.5f) {
                if (x < x0) x0 = x;
                if (x + 1 > x1) x1 = x + 1;
                if (y < y0) y0 = y;
                if (y + 1 > y1) y1 = y + 1;
            }
    if (x1 <= x0) x0 = y0 = x1 = y1 = 0;
    box[0] = x0;
    box[1] = y0;
    box[2] = x1;
    box[3] = y1;
}

uint8_t synth_mask_byte(float m) {
    /* Rounded, but never across 128: a byte >= 128 exactly where m >= 0.5,
     * the rule of the boxes, so a box read back from the PNG is the same. */
    float v = m * 255.0f + 0.5f;
    int b = v >= 255 ? 255 : v <= 0 ? 0 : (int)v;
    if (m < 0.5f && b >= 128) b = 127;
    return (uint8_t)b;
}

ganc_status synth_render(synth_renderer *r, synth_style style, const synth_face *face, uint8_t *rgb,
                         uint8_t *mask, synth_labels *labels) {
    if (!r || !face || !rgb) return GANC_ERR(GANC_ERR_ARG, "synth_render: renderer, face and rgb must not be NULL");
    if ((unsigned)style >= SYNTH_STYLE_COUNT)
        return GANC_ERR(GANC_ERR_ARG, "synth_render: style %d is not a synth_style (0..%d)", (int)style,
                        SYNTH_STYLE_COUNT - 1);
    canvas *c = &r->c;
    memset(c->mask, 0, sizeof(float) * (size_t)c->w * c->h);
    memset(c->rgb, 0, sizeof(float) * (size_t)c->w * c->h * 3);
    synth_draw_background(c, &r->p, synth_background_kind(style, face), face);
    face_place pl = synth_place_portrait(face, style, c->w, c->h);
    face_marks marks;
    synth_draw_face(r, style, face, &pl, &marks);
    synth_finish(r, style, face->noise_seed, rgb);

    if (mask) {
        size_t n = (size_t)c->w * c->h;
        for (size_t i = 0; i < n; i++) mask[i] = synth_mask_byte(c->mask[i]);
    }
    if (labels) {
        memset(labels, 0, sizeof *labels);
        synth_attributes(face, style, labels->attrs);
        for (int k = 0; k < SYNTH_N_KEYPOINTS; k++) {
            labels->keypoints[k][0] = marks.keypoints[k].x;
            labels->keypoints[k][1] = marks.keypoints[k].y;
        }
        synth_mask_bbox(c->mask, c->w, c->h, labels->bbox);
        /* Anti-aliasing reaches one pixel past the geometry, the photo
         * finish's blur one more per pass. */
        int S = c->w < c->h ? c->w : c->h;
        int margin = 2 + ((style == SYNTH_PHOTO || style == SYNTH_ANIMAL) ? (S / 128 > 1 ? S / 128 : 1) : 0);
        int *mb = labels->mouth_box;
        mb[0] = (int)floorf(marks.mouth_box[0]) - margin;
        mb[1] = (int)floorf(marks.mouth_box[1]) - margin;
        mb[2] = (int)ceilf(marks.mouth_box[2]) + margin;
        mb[3] = (int)ceilf(marks.mouth_box[3]) + margin;
        mb[0] = mb[0] < 0 ? 0 : mb[0];
        mb[1] = mb[1] < 0 ? 0 : mb[1];
        mb[2] = mb[2] > c->w ? c->w : mb[2];
        mb[3] = mb[3] > c->h ? c->h : mb[3];
    }
    return GANC_OK;
}

void synth_rgb_to_chw(const uint8_t *rgb, int width, int height, real *out) {
    size_t plane = (size_t)width * height;
    for (size_t i = 0; i < plane; i++)
        for (int ch = 0; ch < 3; ch++) out[ch * plane + i] = (real)rgb[i * 3 + ch] * (real)(2.0 / 255.0) - (real)1;
}
