#include "experiments/face_pinch/bones.h"

#include <stdio.h>
#include <string.h>

/* Brows belong to the eye region of a game's face editor. */
const int pinch_bone_param[PINCH_N_BONES] = {
    SYNTH_P_FACE_WIDTH,  SYNTH_P_FACE_LENGTH,    SYNTH_P_JAW_WIDTH,   SYNTH_P_CHIN_POINTINESS,
    SYNTH_P_EYE_SIZE,    SYNTH_P_EYE_HEIGHT,     SYNTH_P_EYE_SPACING, SYNTH_P_BROW_THICKNESS,
    SYNTH_P_BROW_HEIGHT, SYNTH_P_NOSE_SIZE,      SYNTH_P_NOSE_WIDTH,  SYNTH_P_NOSE_HEIGHT,
    SYNTH_P_MOUTH_WIDTH, SYNTH_P_MOUTH_HEIGHT,   SYNTH_P_LIP_THICKNESS,
};

const int pinch_bone_group[PINCH_N_BONES] = {
    PINCH_FACE_SHAPE, PINCH_FACE_SHAPE, PINCH_FACE_SHAPE, PINCH_FACE_SHAPE, PINCH_EYES,
    PINCH_EYES,       PINCH_EYES,       PINCH_EYES,       PINCH_EYES,       PINCH_NOSE,
    PINCH_NOSE,       PINCH_NOSE,       PINCH_MOUTH,      PINCH_MOUTH,      PINCH_MOUTH,
};

const char *pinch_group_name(int group) {
    static const char *const names[PINCH_N_GROUPS + 1] = {"face_shape", "eyes", "nose", "mouth", "all"};
    return group >= 0 && group <= PINCH_N_GROUPS ? names[group] : "unknown";
}

ganc_status pinch_param_columns(const dataset *ds, const char *section, int cols[SYNTH_N_PARAMS]) {
    int k = dataset_label_count(ds);
    for (int i = 0; i < SYNTH_N_PARAMS; i++) {
        char want[64];
        snprintf(want, sizeof want, "p_%s", synth_param_name(i));
        cols[i] = -1;
        for (int j = 0; j < k && cols[i] < 0; j++)
            if (strcmp(dataset_label_name(ds, j), want) == 0) cols[i] = j;
        if (cols[i] < 0)
            return GANC_ERR(GANC_ERR_ARG,
                            "[%s]: the labels have no column %s: face pinching reads the 39 parameter columns of "
                            "`ganc synth`'s labels.csv (kind = labelled, label_columns = p_*)", section, want);
    }
    return GANC_OK;
}

void pinch_default_params(float p[SYNTH_N_PARAMS]) {
    synth_face f = {0};
    for (int i = 0; i < SYNTH_N_PARAMS; i++) f.p[i] = 0.5f;
    f.p[SYNTH_P_SKIN_TONE] = 0.3f;
    f.p[SYNTH_P_HAIR_STYLE] = 0.125f; /* short */
    f.p[SYNTH_P_HAIR_LENGTH] = 0.2f;
    f.p[SYNTH_P_HAIR_DARKNESS] = 0.75f;
    f.p[SYNTH_P_IRIS_COLOUR] = 0.1f;
    f.p[SYNTH_P_SPECIES] = 0.25f;
    f.p[SYNTH_P_FUR_PATTERN] = 0.5f / 3;
    f.p[SYNTH_P_CLOTHING_HUE] = 0.6f;
    f.p[SYNTH_P_BACKGROUND_VALUE] = 0.8f;
    f = synth_face_canonical(&f);
    memcpy(p, f.p, sizeof f.p);
}

void pinch_set_bones(float params[SYNTH_N_PARAMS], const real bones[PINCH_N_BONES]) {
    for (int i = 0; i < PINCH_N_BONES; i++) {
        float v = (float)bones[i];
        params[pinch_bone_param[i]] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
}

ganc_status pinch_render_virtual(synth_renderer *r, int side, const float params[SYNTH_N_PARAMS], uint8_t *rgb_scratch,
                                 real *chw) {
    synth_face f = {0};
    memcpy(f.p, params, sizeof f.p);
    ganc_status st = synth_render(r, SYNTH_VIRTUAL, &f, rgb_scratch, NULL, NULL);
    if (!st) synth_rgb_to_chw(rgb_scratch, side, side, chw);
    return st;
}

void pinch_error_add(pinch_error *e, const real pred[PINCH_N_BONES], const float truth[SYNTH_N_PARAMS]) {
    for (int i = 0; i < PINCH_N_BONES; i++) {
        /* The engine clamps what it renders; the error is of that. */
        double v = pred[i] < 0 ? 0 : pred[i] > 1 ? 1 : (double)pred[i];
        double d = v - (double)truth[pinch_bone_param[i]];
        d = d < 0 ? -d : d;
        e->sum[pinch_bone_group[i]] += d;
        e->count[pinch_bone_group[i]]++;
        e->sum[PINCH_N_GROUPS] += d;
        e->count[PINCH_N_GROUPS]++;
        e->bone_sum[i] += d;
    }
    e->samples++;
}

double pinch_error_mae(const pinch_error *e, int group) {
    return e->count[group] ? e->sum[group] / (double)e->count[group] : 0;
}

double pinch_error_bone_mae(const pinch_error *e, int bone) {
    return e->samples ? e->bone_sum[bone] / (double)e->samples : 0;
}
