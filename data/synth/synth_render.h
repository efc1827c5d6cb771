#ifndef GANC_DATA_SYNTH_RENDER_H
#define GANC_DATA_SYNTH_RENDER_H

/* The renderer's insides, shared by the single-face render and scenes. */

#include "data/synth/synth_internal.h"

#define SYNTH_MIN_SIZE 16
#define SYNTH_MAX_SIZE 4096

struct synth_renderer {
    canvas c;
    path p, q;
    draw_ctx d;
    float *scene_mask; /* (H,W) union of the face masks of a scene */
};

/* Draws one face of `style` placed by `pl`; its mask is ORed into c.mask. */
void synth_draw_face(synth_renderer *r, synth_style style, const synth_face *f, const face_place *pl,
                     face_marks *marks);
/* Camera finish (photo, animal) and conversion of the canvas to 8 bits. */
void synth_finish(synth_renderer *r, synth_style style, uint64_t noise_seed, uint8_t *rgb);
/* Tight box of mask >= 0.5, [x0, x1) x [y0, y1); all zero when empty. */
void synth_mask_bbox(const float *mask, int w, int h, int box[4]);
uint8_t synth_mask_byte(float m);

#endif
