/* Small colour and scalar helpers shared by the drawers. */
#include <math.h>

#include "data/synth/synth_internal.h"

void colour_hsv(float out[3], float h, float s, float v) {
    h = (h - floorf(h)) * 6;
    int i = (int)h;
    float f = h - (float)i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    float r, g, b;
    switch (i % 6) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
    }
    out[0] = r;
    out[1] = g;
    out[2] = b;
}

void colour_saturate(float c[3], float amount) {
    float grey = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
    for (int i = 0; i < 3; i++) c[i] = clampf(grey + (c[i] - grey) * amount, 0, 1);
}
