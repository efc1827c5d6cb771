/* The virtual style: a clean game render, the engine that turns bone
 * parameters into a face. Smooth lighting with a glossy highlight, no
 * texture and no camera noise, lashes and blush, on a studio gradient; the
 * image is a pure function of the parameter vector. */
#include "data/synth/synth_internal.h"

const human_look synth_look_virtual = {
    .shaded = true,
    .eye_scale = 1.12f,
    .iris_scale = 0.55f,
    .saturation = 1.1f,
    .hair_tex = 0.08f,
    .specular = 0.16f,
    .ambient = 0.62f,
    .diffuse = 0.45f,
    .lashes = true,
    .eye_shadow = true,
};
