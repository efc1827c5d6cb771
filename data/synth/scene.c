/* Scenes for face detection: 0-3 faces at random sizes and places, never
 * overlapping, on one background; each face's box comes from its own mask. */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "data/synth/synth_render.h"

enum { KEY_SCENES = 77 };

/* Radius, in face units, of a circle holding the face with hair and ears. */
#define FACE_EXTENT 1.65f

ganc_status synth_render_scene(synth_renderer *r, synth_style style, uint64_t seed, uint32_t index,
                               uint32_t n_identities, uint8_t *rgb, uint8_t *mask, synth_scene_labels *labels) {
    if (!r || !rgb) return GANC_ERR(GANC_ERR_ARG, "synth_render_scene: renderer and rgb must not be NULL");
    if ((unsigned)style >= SYNTH_STYLE_COUNT)
        return GANC_ERR(GANC_ERR_ARG, "synth_render_scene: style %d is not a synth_style", (int)style);
    if (n_identities == 0) return GANC_ERR(GANC_ERR_ARG, "synth_render_scene: n_identities must be at least 1");
    canvas *c = &r->c;
    const int w = c->w, h = c->h;
    const size_t npx = (size_t)w * h;
    uint64_t key = synth_key(synth_key(seed, KEY_SCENES), index);
    rng g;
    rng_init(&g, key);

    synth_face backdrop;
    synth_face_sample(key, 0, 0, &backdrop);
    memset(c->rgb, 0, sizeof(float) * npx * 3);
    synth_draw_background(c, &r->p, synth_background_kind(style, &backdrop), &backdrop);
    memset(r->scene_mask, 0, sizeof(float) * npx);

    synth_scene_labels lab = {0};
    int wanted = (int)(rng_uniform(&g) * (SYNTH_SCENE_MAX_FACES + 1));
    float S = (float)(w < h ? w : h);
    float placed[SYNTH_SCENE_MAX_FACES][3];
    int n_placed = 0;
    for (int k = 0; k < wanted; k++) {
        /* Rejection sampling of a free spot; a crowded scene keeps fewer faces. */
        for (int attempt = 0; attempt < 40; attempt++) {
            float scale = S * (0.06f + 0.1f * (float)rng_uniform(&g));
            float rad = FACE_EXTENT * scale;
            float cx = rad + (float)rng_uniform(&g) * ((float)w - 2 * rad);
            float cy = rad + (float)rng_uniform(&g) * ((float)h - 2 * rad);
            bool free_spot = true;
            for (int j = 0; j < n_placed; j++)
                if (hypotf(cx - placed[j][0], cy - placed[j][1]) < rad + placed[j][2]) free_spot = false;
            if (!free_spot) continue;
            placed[n_placed][0] = cx;
            placed[n_placed][1] = cy;
            placed[n_placed][2] = rad;
            n_placed++;
            break;
        }
    }
    for (int k = 0; k < n_placed; k++) {
        uint32_t identity = (uint32_t)(rng_uniform(&g) * n_identities);
        if (identity >= n_identities) identity = n_identities - 1;
        synth_face f;
        synth_face_sample(seed, identity, index, &f);
        float roll = (f.p[SYNTH_P_ROLL] - 0.5f) * 0.42f;
        face_place pl = {xform_make(placed[k][0], placed[k][1] - 0.1f * placed[k][2], placed[k][2] / FACE_EXTENT, roll),
                         false};
        memset(c->mask, 0, sizeof(float) * npx);
        face_marks marks;
        synth_draw_face(r, style, &f, &pl, &marks);
        synth_mask_bbox(c->mask, w, h, lab.box[lab.n_faces]);
        lab.identity[lab.n_faces++] = identity;
        for (size_t i = 0; i < npx; i++) r->scene_mask[i] = maxf(r->scene_mask[i], c->mask[i]);
    }
    synth_finish(r, style, backdrop.noise_seed, rgb);
    if (mask)
        for (size_t i = 0; i < npx; i++) mask[i] = synth_mask_byte(r->scene_mask[i]);
    if (labels) *labels = lab;
    return GANC_OK;
}
