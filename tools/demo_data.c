#include "tools/demo_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include <stb_image_write.h>

#include "data/synth/synth.h"

#define GRID_ZOOM 3

ganc_status demo_set_init(demo_set *s, int n, int size) {
    memset(s, 0, sizeof *s);
    size_t values = (size_t)n * 3 * (size_t)size * (size_t)size;
    s->photos = malloc(values * sizeof(real));
    s->cartoons = malloc(values * sizeof(real));
    if (!s->photos || !s->cartoons) {
        demo_set_free(s);
        return GANC_ERR(GANC_ERR_MEMORY, "demo: out of memory for %d images of %dx%d", n, size, size);
    }
    s->shape[0] = n, s->shape[1] = 3, s->shape[2] = size, s->shape[3] = size;
    return GANC_OK;
}

void demo_set_free(demo_set *s) {
    free(s->photos);
    free(s->cartoons);
    memset(s, 0, sizeof *s);
}

ganc_status demo_set_fill(demo_set *s, unsigned long seed, unsigned long first) {
    int n = s->shape[0], size = s->shape[2];
    size_t plane = 3 * (size_t)size * (size_t)size;
    synth_renderer *r = synth_renderer_new(size, size);
    uint8_t *rgb = malloc(plane);
    ganc_status st = (r && rgb) ? GANC_OK : GANC_ERR(GANC_ERR_MEMORY, "demo: out of memory for the renderer");
    for (int i = 0; !st && i < n; i++) {
        synth_face face;
        synth_face_sample(seed, (uint32_t)(first + (unsigned long)i), 0, &face);
        st = synth_render(r, SYNTH_PHOTO, &face, rgb, NULL, NULL);
        if (!st) synth_rgb_to_chw(rgb, size, size, s->photos + (size_t)i * plane);
        if (!st) st = synth_render(r, SYNTH_CARTOON, &face, rgb, NULL, NULL);
        if (!st) synth_rgb_to_chw(rgb, size, size, s->cartoons + (size_t)i * plane);
    }
    free(rgb);
    synth_renderer_free(r);
    return st;
}

double demo_set_l1(const demo_set *s) {
    size_t n = (size_t)s->shape[0] * 3 * (size_t)s->shape[2] * (size_t)s->shape[3];
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += fabs((double)s->photos[i] - (double)s->cartoons[i]);
    return sum / (double)n;
}

static uint8_t to_byte(real v) {
    double x = (v + 1) * 127.5;
    return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x + 0.5);
}

ganc_status demo_write_grid(const char *path, const demo_set *s, const real *generated) {
    int n = s->shape[0], size = s->shape[2], cell = size * GRID_ZOOM;
    int width = 3 * cell, height = n * cell;
    uint8_t *pixels = malloc((size_t)width * (size_t)height * 3);
    if (!pixels) return GANC_ERR(GANC_ERR_MEMORY, "demo: out of memory for the %dx%d grid", width, height);
    const real *columns[3] = {s->photos, generated, s->cartoons};
    size_t hw = (size_t)size * (size_t)size;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            int image = y / cell, column = x / cell, py = (y % cell) / GRID_ZOOM, px = (x % cell) / GRID_ZOOM;
            const real *chw = columns[column] + (size_t)image * 3 * hw;
            for (int c = 0; c < 3; c++)
                pixels[((size_t)y * (size_t)width + (size_t)x) * 3 + (size_t)c] =
                    to_byte(chw[(size_t)c * hw + (size_t)py * (size_t)size + (size_t)px]);
        }
    int ok = stbi_write_png(path, width, height, 3, pixels, width * 3);
    free(pixels);
    return ok ? GANC_OK : GANC_ERR(GANC_ERR_IO, "demo: cannot write %s", path);
}
