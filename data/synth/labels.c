/* The 36-dimensional attribute vector and keypoint names. Attributes are
 * semantic: continuous ones copy a parameter (or centre it to [-1, 1]),
 * categorical ones are one-hot. docs/synth.md lists the same table. */
#include "data/synth/synth.h"

typedef struct {
    const char *name;
    float lo, hi;
} attr_info;

static const attr_info attrs[SYNTH_N_ATTRS] = {
    {"face_width", 0, 1},     {"face_length", 0, 1},   {"jaw_width", 0, 1},      {"chin_pointiness", 0, 1},
    {"skin_tone", 0, 1},      {"hair_length", 0, 1},   {"hair_darkness", 0, 1},  {"hair_warmth", 0, 1},
    {"hair_short", 0, 1},     {"hair_long", 0, 1},     {"hair_bun", 0, 1},       {"hair_bangs", 0, 1},
    {"eye_size", 0, 1},       {"eye_height", 0, 1},    {"eye_spacing", 0, 1},    {"iris_colour", 0, 1},
    {"brow_thickness", 0, 1}, {"brow_height", 0, 1},   {"nose_size", 0, 1},      {"nose_width", 0, 1},
    {"nose_height", 0, 1},    {"mouth_width", 0, 1},   {"mouth_height", 0, 1},   {"lip_thickness", 0, 1},
    {"is_cat", 0, 1},         {"is_dog", 0, 1},        {"eye_openness", 0, 1},   {"brow_raise", -1, 1},
    {"smile", -1, 1},         {"mouth_open", 0, 1},    {"expr_neutral", 0, 1},   {"expr_happy", 0, 1},
    {"expr_surprised", 0, 1}, {"expr_angry", 0, 1},    {"head_roll", -1, 1},     {"face_scale", 0, 1},
};

const char *synth_attr_name(int index) { return index >= 0 && index < SYNTH_N_ATTRS ? attrs[index].name : "unknown"; }

void synth_attr_range(int index, float *lo, float *hi) {
    if (index < 0 || index >= SYNTH_N_ATTRS) {
        *lo = *hi = 0;
        return;
    }
    *lo = attrs[index].lo;
    *hi = attrs[index].hi;
}

const char *synth_keypoint_name(synth_style style, int index) {
    static const char *const human[SYNTH_N_KEYPOINTS] = {"left_eye", "right_eye", "nose_tip", "mouth_left",
                                                         "mouth_right"};
    static const char *const animal[SYNTH_N_KEYPOINTS] = {"left_eye", "right_eye", "nose", "ear_left",
                                                          "ear_right"};
    if (index < 0 || index >= SYNTH_N_KEYPOINTS) return "unknown";
    return style == SYNTH_ANIMAL ? animal[index] : human[index];
}

void synth_attributes(const synth_face *face, synth_style style, float a[SYNTH_N_ATTRS]) {
    const float *p = face->p;
    static const int copied[][2] = {
        {0, SYNTH_P_FACE_WIDTH},      {1, SYNTH_P_FACE_LENGTH},   {2, SYNTH_P_JAW_WIDTH},
        {3, SYNTH_P_CHIN_POINTINESS}, {4, SYNTH_P_SKIN_TONE},     {5, SYNTH_P_HAIR_LENGTH},
        {6, SYNTH_P_HAIR_DARKNESS},   {7, SYNTH_P_HAIR_WARMTH},   {12, SYNTH_P_EYE_SIZE},
        {13, SYNTH_P_EYE_HEIGHT},     {14, SYNTH_P_EYE_SPACING},  {15, SYNTH_P_IRIS_COLOUR},
        {16, SYNTH_P_BROW_THICKNESS}, {17, SYNTH_P_BROW_HEIGHT},  {18, SYNTH_P_NOSE_SIZE},
        {19, SYNTH_P_NOSE_WIDTH},     {20, SYNTH_P_NOSE_HEIGHT},  {21, SYNTH_P_MOUTH_WIDTH},
        {22, SYNTH_P_MOUTH_HEIGHT},   {23, SYNTH_P_LIP_THICKNESS}, {26, SYNTH_P_EYE_OPENNESS},
        {29, SYNTH_P_MOUTH_OPEN},     {35, SYNTH_P_SCALE},
    };
    for (int i = 0; i < SYNTH_N_ATTRS; i++) a[i] = 0;
    for (unsigned k = 0; k < sizeof copied / sizeof copied[0]; k++) a[copied[k][0]] = p[copied[k][1]];
    a[SYNTH_A_HAIR_SHORT + synth_face_hair_style(face)] = 1;
    if (style == SYNTH_ANIMAL) a[synth_face_is_dog(face) ? SYNTH_A_IS_DOG : SYNTH_A_IS_CAT] = 1;
    a[SYNTH_A_BROW_RAISE] = 2 * p[SYNTH_P_BROW_RAISE] - 1;
    a[SYNTH_A_SMILE] = 2 * p[SYNTH_P_SMILE] - 1;
    a[SYNTH_A_EXPR_NEUTRAL + synth_face_expression(face)] = 1;
    a[SYNTH_A_HEAD_ROLL] = 2 * p[SYNTH_P_ROLL] - 1;
}
