/* The cartoon style: flat colours, dark outlines, larger eyes with big
 * highlights, a one-stroke nose and mouth, on a plain pastel background. */
#include "data/synth/synth_internal.h"

const human_look synth_look_cartoon = {
    .shaded = false,
    .outline = 0.035f,
    .outline_col = {0.13f, 0.09f, 0.09f},
    .eye_scale = 1.35f,
    .iris_scale = 0.62f,
    .saturation = 1.3f,
    .ambient = 1,
    .simple_features = true,
    .lashes = true,
};
