#ifndef GANC_DATA_SYNTH_H
#define GANC_DATA_SYNTH_H

/* The synthetic face world: a deterministic procedural renderer of human and
 * animal faces in four styles, with ground truth for every label the
 * experiments need (parameter vector, 36 attributes, keypoints, mask, box,
 * identity). Everything random is drawn from the counter-based RNG of
 * core/rng.h, so an image is a pure function of (seed, identity, image index,
 * style, size). docs/synth.md documents every dimension. */

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/real.h"

typedef enum {
    SYNTH_PHOTO,   /* shaded, textured, blurred, sensor noise, varied backgrounds */
    SYNTH_CARTOON, /* flat colours, dark outlines, large eyes, plain background */
    SYNTH_VIRTUAL, /* clean game render: the engine that turns bone parameters into a face */
    SYNTH_ANIMAL,  /* cat- and dog-like faces: ears, snout, whiskers, fur */
    SYNTH_STYLE_COUNT
} synth_style;

const char *synth_style_name(synth_style style);
/* Parses "photo", "cartoon", "virtual" or "animal". */
ganc_status synth_style_parse(const char *name, synth_style *out);

/* The parameter vector (the "bone parameters"): every entry lies in [0, 1].
 * Identity entries are fixed per identity; expression, pose and scene entries
 * vary per image. Categorical entries use equal bins of [0, 1]. */
enum {
    /* identity */
    SYNTH_P_FACE_WIDTH,
    SYNTH_P_FACE_LENGTH,
    SYNTH_P_JAW_WIDTH,
    SYNTH_P_CHIN_POINTINESS,
    SYNTH_P_SKIN_TONE,
    SYNTH_P_HAIR_LENGTH,
    SYNTH_P_HAIR_DARKNESS,
    SYNTH_P_HAIR_WARMTH,
    SYNTH_P_HAIR_STYLE, /* 4 bins: short, long, bun, bangs */
    SYNTH_P_EYE_SIZE,
    SYNTH_P_EYE_HEIGHT,
    SYNTH_P_EYE_SPACING,
    SYNTH_P_IRIS_COLOUR,
    SYNTH_P_BROW_THICKNESS,
    SYNTH_P_BROW_HEIGHT,
    SYNTH_P_NOSE_SIZE,
    SYNTH_P_NOSE_WIDTH,
    SYNTH_P_NOSE_HEIGHT,
    SYNTH_P_MOUTH_WIDTH,
    SYNTH_P_MOUTH_HEIGHT,
    SYNTH_P_LIP_THICKNESS,
    SYNTH_P_SPECIES,     /* animal: 2 bins: cat, dog */
    SYNTH_P_EAR_SIZE,
    SYNTH_P_SNOUT_LENGTH,
    SYNTH_P_FUR_PATTERN, /* animal: 3 bins: plain, stripes, patches */
    SYNTH_P_CLOTHING_HUE,
    /* expression */
    SYNTH_P_EYE_OPENNESS,
    SYNTH_P_SMILE, /* 0.5 neutral, 1 broad smile, 0 frown */
    SYNTH_P_MOUTH_OPEN,
    SYNTH_P_BROW_RAISE, /* 0.5 neutral, 1 raised, 0 furrowed */
    /* pose (in-plane) */
    SYNTH_P_ROLL,
    SYNTH_P_SCALE,
    SYNTH_P_OFFSET_X,
    SYNTH_P_OFFSET_Y,
    /* light and background */
    SYNTH_P_LIGHT_DIRECTION,
    SYNTH_P_LIGHT_INTENSITY,
    SYNTH_P_BACKGROUND_KIND, /* 3 bins: flat, gradient, clutter */
    SYNTH_P_BACKGROUND_HUE,
    SYNTH_P_BACKGROUND_VALUE,
    SYNTH_N_PARAMS
};
#define SYNTH_FIRST_EXPRESSION_PARAM SYNTH_P_EYE_OPENNESS /* identity entries come before it */

/* The attribute vector: 36 semantic labels derived from the parameters. */
#define SYNTH_N_ATTRS 36
enum {
    SYNTH_A_HAIR_SHORT = 8, /* first of the 4 one-hot hair styles */
    SYNTH_A_IS_CAT = 24,
    SYNTH_A_IS_DOG = 25,
    SYNTH_A_EYE_OPENNESS = 26,
    SYNTH_A_BROW_RAISE = 27,
    SYNTH_A_SMILE = 28,
    SYNTH_A_MOUTH_OPEN = 29,
    SYNTH_A_EXPR_NEUTRAL = 30, /* first of the 4 one-hot expression classes */
    SYNTH_A_HEAD_ROLL = 34,
    SYNTH_A_FACE_SCALE = 35
};
#define SYNTH_N_IDENTITY_ATTRS 26 /* attributes 0..25 depend on the identity (and style) only */

/* Keypoints: human: left eye, right eye, nose tip, left mouth corner, right
 * mouth corner; animal: left eye, right eye, nose, left ear tip, right ear
 * tip. "Left" is the image's left. */
#define SYNTH_N_KEYPOINTS 5

const char *synth_param_name(int index);
const char *synth_attr_name(int index);
const char *synth_keypoint_name(synth_style style, int index);
/* The documented range of attribute `index`. */
void synth_attr_range(int index, float *lo, float *hi);

typedef enum { SYNTH_HAIR_SHORT, SYNTH_HAIR_LONG, SYNTH_HAIR_BUN, SYNTH_HAIR_BANGS } synth_hair_style;
typedef enum { SYNTH_EXPR_NEUTRAL, SYNTH_EXPR_HAPPY, SYNTH_EXPR_SURPRISED, SYNTH_EXPR_ANGRY } synth_expression;

/* One face: its parameter vector and the two seeds of its texture (fixed per
 * identity) and of its per-image noise (background clutter, sensor noise). */
typedef struct synth_face {
    float p[SYNTH_N_PARAMS];
    uint64_t texture_seed;
    uint64_t noise_seed;
    uint32_t identity;
    uint32_t image;
} synth_face;

/* Samples image `image` of identity `identity` under `seed`: the identity
 * entries depend on (seed, identity) only, the rest on (seed, identity, image). */
void synth_face_sample(uint64_t seed, uint32_t identity, uint32_t image, synth_face *out);
/* The same face with other mouth-expression coefficients (smile and mouth
 * opening in [0, 1]): rendered, only pixels inside its mouth_box change. */
synth_face synth_face_edit_mouth(const synth_face *face, float smile, float mouth_open);
/* The same identity with neutral expression, pose and a plain background:
 * the canonical render of the virtual engine. */
synth_face synth_face_canonical(const synth_face *face);

synth_hair_style synth_face_hair_style(const synth_face *face);
synth_expression synth_face_expression(const synth_face *face);
bool synth_face_is_dog(const synth_face *face);

/* Ground truth of one rendered face. Pixel coordinates; boxes are
 * [x0, x1) x [y0, y1). */
typedef struct synth_labels {
    float attrs[SYNTH_N_ATTRS];
    float keypoints[SYNTH_N_KEYPOINTS][2]; /* (x, y) */
    int bbox[4];      /* tight box of mask >= 128 */
    int mouth_box[4]; /* every pixel a mouth edit may change lies inside */
} synth_labels;

/* Fills `attrs` from the parameters (also done by synth_render). */
void synth_attributes(const synth_face *face, synth_style style, float attrs[SYNTH_N_ATTRS]);

/* A renderer holds the scratch buffers for one image size; reuse it across
 * renders (no allocation per image). Not shared between threads. */
typedef struct synth_renderer synth_renderer;
synth_renderer *synth_renderer_new(int width, int height);
void synth_renderer_free(synth_renderer *r);

/* Renders `face` in `style` into rgb (H,W,3) 8-bit interleaved; mask (H,W)
 * 8-bit face mask and labels may be NULL. */
ganc_status synth_render(synth_renderer *r, synth_style style, const synth_face *face, uint8_t *rgb,
                         uint8_t *mask, synth_labels *labels);

/* Scenes: 0-3 faces placed without overlap on a larger background. */
#define SYNTH_SCENE_MAX_FACES 3
typedef struct synth_scene_labels {
    int n_faces;
    uint32_t identity[SYNTH_SCENE_MAX_FACES];
    int box[SYNTH_SCENE_MAX_FACES][4]; /* tight boxes of each face's mask >= 128 */
} synth_scene_labels;
/* Scene `index` under `seed`, identities drawn from [0, n_identities). rgb
 * (H,W,3), mask (H,W) (union of the face masks, may be NULL). */
ganc_status synth_render_scene(synth_renderer *r, synth_style style, uint64_t seed, uint32_t index,
                               uint32_t n_identities, uint8_t *rgb, uint8_t *mask, synth_scene_labels *labels);

/* 8-bit (H,W,3) to a tensor-ready (3,H,W) buffer in [-1, 1]. */
void synth_rgb_to_chw(const uint8_t *rgb, int width, int height, real *out);

#endif
