/* The photo style: soft shading from the light direction, skin and hair
 * texture, then a camera finish (slight blur, white balance, vignette,
 * sensor noise). The finish is shared with the animal style. */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "data/synth/synth_internal.h"

const human_look synth_look_photo = {
    .shaded = true,
    .eye_scale = 1.0f,
    .iris_scale = 0.50f,
    .saturation = 0.95f,
    .skin_tex = 0.05f,
    .hair_tex = 0.14f,
    .specular = 0.04f,
    .ambient = 0.52f,
    .diffuse = 0.55f,
    .eye_shadow = true,
};

/* Separable [1 2 1]/4 blur, once per 128 pixels of the shorter side. The
 * vertical pass runs row by row, keeping the previous unblurred row. */
static void blur121(canvas *c) {
    const int w = c->w, h = c->h, n = 3 * w;
    int passes = (w < h ? w : h) / 128;
    if (passes < 1) passes = 1;
    float *restrict line = c->tmp, *restrict prev = line + n + 6, *restrict cur = prev + n + 6;
    for (int pass = 0; pass < passes; pass++) {
        for (int y = 0; y < h; y++) {
            float *restrict row = c->rgb + (size_t)y * n;
            memcpy(line + 3, row, sizeof(float) * (size_t)n);
            memcpy(line, row, sizeof(float) * 3);                 /* edge pixels repeat */
            memcpy(line + 3 + n, row + n - 3, sizeof(float) * 3);
            for (int i = 0; i < n; i++) row[i] = 0.25f * (line[i] + 2 * line[i + 3] + line[i + 6]);
        }
        memcpy(prev, c->rgb, sizeof(float) * (size_t)n);
        for (int y = 0; y < h; y++) {
            float *restrict row = c->rgb + (size_t)y * n;
            const float *next = y + 1 < h ? row + n : row;
            memcpy(cur, row, sizeof(float) * (size_t)n);
            for (int i = 0; i < n; i++) row[i] = 0.25f * (prev[i] + 2 * cur[i] + next[i]);
            memcpy(prev, cur, sizeof(float) * (size_t)n);
        }
    }
}

void synth_photo_finish(canvas *c, uint64_t noise_seed) {
    blur121(c);
    uint64_t key = synth_key(noise_seed, 7);
    /* white balance and exposure of this shot */
    float gain[3];
    float warm = (float)(rng_uniform_at(key, 0) - 0.5) * 0.12f;
    float expo = 0.92f + 0.16f * (float)rng_uniform_at(key, 1);
    gain[0] = expo * (1 + warm);
    gain[1] = expo;
    gain[2] = expo * (1 - warm);
    /* uniform noise of this standard deviation (a byte spans +-sqrt(3) sigma) */
    float sigma = 0.006f + 0.012f * (float)rng_uniform_at(key, 2);
    float amp = sigma * 1.7320508f / 128.0f;
    const int w = c->w, h = c->h;
    const float cx = 0.5f * (float)w, cy = 0.5f * (float)h, inv_r2 = 1.0f / (cx * cx + cy * cy);
    uint64_t nkey = synth_key(noise_seed, 8);
    uint32_t bits = 0;
    for (int y = 0; y < h; y++) {
        float dy = (float)y + 0.5f - cy;
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            float dx = (float)x + 0.5f - cx;
            float vig = 1 - 0.18f * (dx * dx + dy * dy) * inv_r2;
            /* One 32-bit draw per 4 pixels: a byte of luma noise each, and
             * a weaker chroma tint from the neighbouring byte. */
            if ((i & 3) == 0) bits = rng_u32_at(nkey, i >> 2);
            int sh = (int)(i & 3) * 8;
            float luma = (float)((int)(bits >> sh & 0xff) - 128);
            float chroma = 0.3f * (float)((int)(bits >> ((sh + 8) & 31) & 0xff) - 128);
            float *px = c->rgb + i * 3;
            px[0] = px[0] * gain[0] * vig + amp * (luma + chroma);
            px[1] = px[1] * gain[1] * vig + amp * (luma - chroma);
            px[2] = px[2] * gain[2] * vig + amp * luma;
        }
    }
}
