/* EXIF orientation (data/exif.c) through the image reader: a JPEG written
 * by stb_image_write into memory, with an APP1 "Exif" segment spliced in
 * after SOI carrying each orientation 1..8 in both byte orders. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image_write.h>

#include "data/exif.h"
#include "data/image_io.h"
#include "tests/data_fixtures.h"
#include "tests/test.h"

enum { W = 32, H = 16, QW = W / 2, QH = H / 2 };

/* One colour per quadrant (top-left, top-right, bottom-left, bottom-right),
 * far apart, so JPEG's loss cannot confuse them. */
static const uint8_t quad_rgb[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};

typedef struct {
    uint8_t *bytes;
    size_t n, cap;
} buffer;

static void append(void *ctx, void *data, int size) {
    buffer *b = ctx;
    if (b->n + (size_t)size > b->cap) {
        b->cap = 2 * (b->n + (size_t)size);
        b->bytes = realloc(b->bytes, b->cap);
    }
    memcpy(b->bytes + b->n, data, (size_t)size);
    b->n += (size_t)size;
}

static void put16(uint8_t *p, unsigned v, bool big) {
    p[big ? 0 : 1] = (uint8_t)(v >> 8);
    p[big ? 1 : 0] = (uint8_t)v;
}
static void put32(uint8_t *p, unsigned v, bool big) {
    for (int i = 0; i < 4; i++) p[big ? i : 3 - i] = (uint8_t)(v >> (24 - 8 * i));
}

/* A W x H JPEG of the four quadrants; with orientation > 0, an APP1 segment
 * after SOI whose IFD0 holds a dummy tag, then Orientation (SHORT, 1 value). */
static buffer quadrant_jpeg(int orientation, bool big) {
    uint8_t px[W * H * 3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) memcpy(px + (y * W + x) * 3, quad_rgb[(y >= QH) * 2 + (x >= QW)], 3);
    buffer jpg = {0};
    stbi_write_jpg_to_func(append, &jpg, W, H, 3, px, 95);
    if (!orientation || !jpg.bytes) return jpg;
    uint8_t app1[2 + 2 + 6 + 8 + 2 + 2 * 12 + 4] = {0xff, 0xe1};
    put16(app1 + 2, sizeof app1 - 2, true); /* segment lengths are always big-endian */
    memcpy(app1 + 4, "Exif\0\0", 6);
    uint8_t *tiff = app1 + 10;
    memcpy(tiff, big ? "MM" : "II", 2);
    put16(tiff + 2, 42, big);
    put32(tiff + 4, 8, big);
    put16(tiff + 8, 2, big);
    put16(tiff + 10, 0x010f, big); /* Make, ASCII: skipped by the reader */
    put16(tiff + 12, 2, big);
    put32(tiff + 14, 4, big);
    memcpy(tiff + 18, "ab\0\0", 4);
    put16(tiff + 22, 0x0112, big);
    put16(tiff + 24, 3, big);
    put32(tiff + 26, 1, big);
    put16(tiff + 30, (unsigned)orientation, big);
    buffer out = {0};
    append(&out, jpg.bytes, 2);
    append(&out, app1, sizeof app1);
    append(&out, jpg.bytes + 2, (int)jpg.n - 2);
    free(jpg.bytes);
    return out;
}

/* The quadrant (0..3 as quad_rgb) nearest in colour to the pixel at (x, y). */
static int quadrant_at(const image *img, int x, int y) {
    const uint8_t *p = img->pixels + ((size_t)y * img->width + x) * 3;
    int best = -1, best_d = 1 << 30;
    for (int q = 0; q < 4; q++) {
        int d = 0;
        for (int c = 0; c < 3; c++) d += (p[c] - quad_rgb[q][c]) * (p[c] - quad_rgb[q][c]);
        if (d < best_d) best = q, best_d = d;
    }
    return best;
}

TEST(exif_orientation_turns_every_jpeg_upright) {
    /* What shows at the upright image's top-left, top-right, bottom-left,
     * bottom-right for each orientation (PIL's exif_transpose gives the same). */
    static const int expect[9][4] = {{0}, {0, 1, 2, 3}, {1, 0, 3, 2}, {3, 2, 1, 0}, {2, 3, 0, 1},
                                     {0, 2, 1, 3}, {2, 0, 3, 1}, {3, 1, 2, 0}, {1, 3, 0, 2}};
    for (int big = 0; big < 2; big++)
        for (int o = 1; o <= 8; o++) {
            buffer jpg = quadrant_jpeg(o, big);
            REQUIRE(jpg.bytes);
            CHECK_MSG(exif_orientation(jpg.bytes, jpg.n) == o, "orientation %d (%s)", o, big ? "MM" : "II");
            image img;
            image_info info;
            REQUIRE(image_decode_rgb("o.jpg", jpg.bytes, jpg.n, IMAGE_DEFAULT_MAX_PIXELS, &img, &info) == GANC_OK);
            int ew = o >= 5 ? H : W, eh = o >= 5 ? W : H;
            CHECK_MSG(img.width == ew && img.height == eh && info.width == ew && info.height == eh &&
                          info.orientation == o,
                      "orientation %d: %dx%d (info %dx%d), expected %dx%d", o, img.width, img.height, info.width,
                      info.height, ew, eh);
            if (img.width == ew && img.height == eh) {
                int got[4] = {quadrant_at(&img, ew / 4, eh / 4), quadrant_at(&img, 3 * ew / 4, eh / 4),
                              quadrant_at(&img, ew / 4, 3 * eh / 4), quadrant_at(&img, 3 * ew / 4, 3 * eh / 4)};
                CHECK_MSG(memcmp(got, expect[o], sizeof got) == 0, "orientation %d (%s): quadrants %d %d %d %d", o,
                          big ? "MM" : "II", got[0], got[1], got[2], got[3]);
            }
            image_free(&img);
            /* Grey loads turn the same way. */
            REQUIRE(image_decode("o.jpg", jpg.bytes, jpg.n, IMAGE_DEFAULT_MAX_PIXELS, 1, &img, NULL) == GANC_OK);
            CHECK(img.channels == 1 && img.width == ew && img.height == eh);
            image_free(&img);
            free(jpg.bytes);
        }
}

TEST(exif_missing_or_damaged_orientation_reads_upright) {
    buffer jpg = quadrant_jpeg(0, false);
    REQUIRE(jpg.bytes);
    CHECK(exif_orientation(jpg.bytes, jpg.n) == 1);
    free(jpg.bytes);
    jpg = quadrant_jpeg(9, true); /* out of range */
    REQUIRE(jpg.bytes);
    CHECK(exif_orientation(jpg.bytes, jpg.n) == 1);
    image img;
    REQUIRE(image_decode_rgb("o.jpg", jpg.bytes, jpg.n, IMAGE_DEFAULT_MAX_PIXELS, &img, NULL) == GANC_OK);
    CHECK(img.width == W && img.height == H);
    image_free(&img);
    /* A segment cut short: every prefix parses without reading past it. */
    for (size_t n = 0; n < 60; n++) CHECK(exif_orientation(jpg.bytes, n) == 1);
    free(jpg.bytes);
}

TEST(exif_probe_reports_upright_sides) {
    buffer jpg = quadrant_jpeg(6, false);
    REQUIRE(jpg.bytes);
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    FILE *f = fopen(fx_path(path, sizeof path, dir, "phone.jpg"), "wb");
    REQUIRE(f);
    fwrite(jpg.bytes, 1, jpg.n, f);
    fclose(f);
    image_info info;
    CHECK(image_probe(path, &info) == GANC_OK && info.width == H && info.height == W && info.orientation == 6);
    fx_rmtree(dir);
    free(dir);
    free(jpg.bytes);
}
