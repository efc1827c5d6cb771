#ifndef GANC_EXPERIMENTS_FACE_PINCH_BONES_H
#define GANC_EXPERIMENTS_FACE_PINCH_BONES_H

/* The bone parameters of face pinching: the entries of the synthetic
 * world's parameter vector (docs/synth.md) that shape a game face's
 * skeleton, in four groups. Appearance (skin, hair, iris, clothing),
 * expression, pose, light and background are not bones: the virtual
 * engine takes them from elsewhere (the photo's own labels, or a default
 * avatar). Shared by the face_pinch recipe and `ganc pinch`. */

#include "core/real.h"
#include "data/dataset.h"
#include "data/synth/synth.h"

enum { PINCH_FACE_SHAPE, PINCH_EYES, PINCH_NOSE, PINCH_MOUTH, PINCH_N_GROUPS };

#define PINCH_N_BONES 15

/* Parameter index (SYNTH_P_*) and group of each bone, in output order. */
extern const int pinch_bone_param[PINCH_N_BONES];
extern const int pinch_bone_group[PINCH_N_BONES];
/* "face_shape", "eyes", "nose", "mouth"; PINCH_N_GROUPS gives "all". */
const char *pinch_group_name(int group);

/* Column k of a labelled dataset for each of the 39 parameters, found by
 * the names p_<name> that `ganc synth` writes. An error names the section
 * and the first missing column (label_columns = p_* takes them all). */
ganc_status pinch_param_columns(const dataset *ds, const char *section, int cols[SYNTH_N_PARAMS]);

/* The parameters of the default avatar: a neutral, frontal, plainly lit
 * face of average build; what `ganc pinch` renders a photo's bones onto. */
void pinch_default_params(float p[SYNTH_N_PARAMS]);

/* params with its bones replaced by `bones` (clamped to [0, 1]). */
void pinch_set_bones(float params[SYNTH_N_PARAMS], const real bones[PINCH_N_BONES]);

/* The virtual face of a parameter vector: (3,side,side) in [-1, 1]. The
 * renderer must be of side x side. */
ganc_status pinch_render_virtual(synth_renderer *r, int side, const float params[SYNTH_N_PARAMS], uint8_t *rgb_scratch,
                                 real *chw);

/* Mean absolute error of predicted bones (clamped to [0, 1], as the
 * engine renders them) against true parameter vectors, per group and over
 * all bones. */
typedef struct {
    double sum[PINCH_N_GROUPS + 1];
    long count[PINCH_N_GROUPS + 1];
    double bone_sum[PINCH_N_BONES];
    long samples;
} pinch_error;

void pinch_error_add(pinch_error *e, const real pred[PINCH_N_BONES], const float truth[SYNTH_N_PARAMS]);
/* group PINCH_N_GROUPS: every bone. 0 before any sample. */
double pinch_error_mae(const pinch_error *e, int group);
/* The MAE of one bone (0 before any sample). */
double pinch_error_bone_mae(const pinch_error *e, int bone);

#endif
