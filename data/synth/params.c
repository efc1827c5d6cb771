/* The parameter vector: names, sampling per identity and per image, edits.
 * Sub-seeds are derived through the Philox generator itself, so every draw
 * is a pure function of (seed, identity, image). */
#include <string.h>

#include "core/rng.h"
#include "data/synth/synth.h"
#include "data/synth/synth_internal.h"

static const char *const style_names[SYNTH_STYLE_COUNT] = {"photo", "cartoon", "virtual", "animal"};

const char *synth_style_name(synth_style style) {
    return (unsigned)style < SYNTH_STYLE_COUNT ? style_names[style] : "unknown";
}

ganc_status synth_style_parse(const char *name, synth_style *out) {
    for (int s = 0; s < SYNTH_STYLE_COUNT; s++)
        if (name && strcmp(name, style_names[s]) == 0) {
            *out = (synth_style)s;
            return GANC_OK;
        }
    return GANC_ERR(GANC_ERR_ARG, "unknown style \"%s\": expected photo, cartoon, virtual or animal",
                    name ? name : "(null)");
}

static const char *const param_names[SYNTH_N_PARAMS] = {
    "face_width",   "face_length",     "jaw_width",       "chin_pointiness", "skin_tone",
    "hair_length",  "hair_darkness",   "hair_warmth",     "hair_style",      "eye_size",
    "eye_height",   "eye_spacing",     "iris_colour",     "brow_thickness",  "brow_height",
    "nose_size",    "nose_width",      "nose_height",     "mouth_width",     "mouth_height",
    "lip_thickness", "species",        "ear_size",        "snout_length",    "fur_pattern",
    "clothing_hue", "eye_openness",    "smile",           "mouth_open",      "brow_raise",
    "roll",         "scale",           "offset_x",        "offset_y",        "light_direction",
    "light_intensity", "background_kind", "background_hue", "background_value",
};

const char *synth_param_name(int index) {
    return index >= 0 && index < SYNTH_N_PARAMS ? param_names[index] : "unknown";
}

uint64_t synth_key(uint64_t seed, uint64_t index) {
    return (uint64_t)rng_u32_at(seed, 2 * index) << 32 | rng_u32_at(seed, 2 * index + 1);
}

/* Stream indices of the derived seeds, apart from the draws (0..63). */
enum { KEY_TEXTURE = 1000, KEY_IMAGES = 1001, KEY_NOISE = 1002 };

static float bin_centre(double u, int bins) { return ((float)(int)(u * bins) + 0.5f) / (float)bins; }

static float in_range(rng *g, float lo, float hi) { return lo + (hi - lo) * (float)rng_uniform(g); }

static void sample_identity(rng *g, float *p) {
    for (int i = SYNTH_P_FACE_WIDTH; i < SYNTH_FIRST_EXPRESSION_PARAM; i++) p[i] = (float)rng_uniform(g);
    /* Categorical entries sit at their bin centres; hair length follows the style. */
    p[SYNTH_P_HAIR_STYLE] = bin_centre(p[SYNTH_P_HAIR_STYLE], 4);
    float u = p[SYNTH_P_HAIR_LENGTH];
    switch ((synth_hair_style)(int)(p[SYNTH_P_HAIR_STYLE] * 4)) {
    case SYNTH_HAIR_SHORT: p[SYNTH_P_HAIR_LENGTH] = 0.3f * u; break;
    case SYNTH_HAIR_LONG: p[SYNTH_P_HAIR_LENGTH] = 0.5f + 0.5f * u; break;
    case SYNTH_HAIR_BUN: p[SYNTH_P_HAIR_LENGTH] = 0.3f + 0.3f * u; break;
    case SYNTH_HAIR_BANGS: break;
    }
    p[SYNTH_P_SPECIES] = bin_centre(p[SYNTH_P_SPECIES], 2);
    p[SYNTH_P_FUR_PATTERN] = bin_centre(p[SYNTH_P_FUR_PATTERN], 3);
}

/* Expression classes are drawn evenly, then their coefficients inside ranges
 * that synth_face_expression maps back to the same class. */
static void sample_expression(rng *g, float *p) {
    int cls = (int)(rng_uniform(g) * 4);
    static const float lo[4][4] = {
        /* eye_openness, smile, mouth_open, brow_raise */
        {0.50f, 0.40f, 0.00f, 0.40f}, /* neutral */
        {0.35f, 0.72f, 0.00f, 0.45f}, /* happy */
        {0.85f, 0.40f, 0.50f, 0.76f}, /* surprised */
        {0.40f, 0.00f, 0.00f, 0.00f}, /* angry */
    };
    static const float hi[4][4] = {
        {0.90f, 0.60f, 0.25f, 0.60f},
        {0.80f, 1.00f, 0.75f, 0.65f},
        {1.00f, 0.60f, 1.00f, 1.00f},
        {0.75f, 0.35f, 0.30f, 0.24f},
    };
    for (int k = 0; k < 4; k++) p[SYNTH_P_EYE_OPENNESS + k] = in_range(g, lo[cls][k], hi[cls][k]);
}

void synth_face_sample(uint64_t seed, uint32_t identity, uint32_t image, synth_face *out) {
    memset(out, 0, sizeof *out);
    uint64_t id_key = synth_key(seed, identity);
    rng g;
    rng_init(&g, id_key);
    sample_identity(&g, out->p);

    uint64_t image_key = synth_key(synth_key(id_key, KEY_IMAGES), image);
    rng_init(&g, image_key);
    sample_expression(&g, out->p);
    for (int i = SYNTH_P_ROLL; i < SYNTH_N_PARAMS; i++) out->p[i] = (float)rng_uniform(&g);
    out->p[SYNTH_P_BACKGROUND_KIND] = bin_centre(out->p[SYNTH_P_BACKGROUND_KIND], 3);

    out->texture_seed = synth_key(id_key, KEY_TEXTURE);
    out->noise_seed = synth_key(image_key, KEY_NOISE);
    out->identity = identity;
    out->image = image;
}

static float clamp01(float x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

synth_face synth_face_edit_mouth(const synth_face *face, float smile, float mouth_open) {
    synth_face f = *face;
    f.p[SYNTH_P_SMILE] = clamp01(smile);
    f.p[SYNTH_P_MOUTH_OPEN] = clamp01(mouth_open);
    return f;
}

synth_face synth_face_canonical(const synth_face *face) {
    synth_face f = *face;
    f.p[SYNTH_P_EYE_OPENNESS] = 0.75f;
    f.p[SYNTH_P_SMILE] = 0.5f;
    f.p[SYNTH_P_MOUTH_OPEN] = 0.0f;
    f.p[SYNTH_P_BROW_RAISE] = 0.5f;
    f.p[SYNTH_P_ROLL] = 0.5f;
    f.p[SYNTH_P_SCALE] = 0.5f;
    f.p[SYNTH_P_OFFSET_X] = 0.5f;
    f.p[SYNTH_P_OFFSET_Y] = 0.5f;
    f.p[SYNTH_P_LIGHT_DIRECTION] = 0.5f;
    f.p[SYNTH_P_LIGHT_INTENSITY] = 0.5f;
    f.p[SYNTH_P_BACKGROUND_KIND] = 0.5f / 3;
    return f;
}

synth_hair_style synth_face_hair_style(const synth_face *face) {
    int bin = (int)(face->p[SYNTH_P_HAIR_STYLE] * 4);
    return (synth_hair_style)(bin > 3 ? 3 : bin);
}

bool synth_face_is_dog(const synth_face *face) { return face->p[SYNTH_P_SPECIES] >= 0.5f; }

synth_expression synth_face_expression(const synth_face *face) {
    const float *p = face->p;
    if (p[SYNTH_P_SMILE] >= 0.68f) return SYNTH_EXPR_HAPPY;
    if (p[SYNTH_P_BROW_RAISE] >= 0.72f && p[SYNTH_P_MOUTH_OPEN] >= 0.45f) return SYNTH_EXPR_SURPRISED;
    if (p[SYNTH_P_BROW_RAISE] <= 0.28f) return SYNTH_EXPR_ANGRY;
    return SYNTH_EXPR_NEUTRAL;
}
