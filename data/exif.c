/* EXIF orientation: found by walking the JPEG's marker segments up to the
 * first scan, then IFD0 of the TIFF structure inside APP1. Every offset is
 * checked against the segment, so a damaged tag reads as "upright". */

#include "data/exif.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TAG_ORIENTATION 0x0112
#define TYPE_SHORT 3

static uint32_t get16(const uint8_t *p, bool big) { return big ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0]; }
static uint32_t get32(const uint8_t *p, bool big) {
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The orientation in an APP1 payload of `len` bytes ("Exif\0\0" + TIFF); 1 when absent. */
static int from_app1(const uint8_t *p, size_t len) {
    if (len < 14 || memcmp(p, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *tiff = p + 6;
    size_t size = len - 6;
    bool big;
    if (memcmp(tiff, "MM", 2) == 0) big = true;
    else if (memcmp(tiff, "II", 2) == 0) big = false;
    else return 1;
    if (get16(tiff + 2, big) != 42) return 1;
    uint32_t ifd = get32(tiff + 4, big);
    if ((uint64_t)ifd + 2 > size) return 1;
    uint32_t count = get16(tiff + ifd, big);
    for (uint32_t i = 0; i < count; i++) {
        uint64_t entry = (uint64_t)ifd + 2 + 12 * (uint64_t)i;
        if (entry + 12 > size) return 1;
        const uint8_t *e = tiff + entry;
        if (get16(e, big) != TAG_ORIENTATION) continue;
        if (get16(e + 2, big) != TYPE_SHORT || get32(e + 4, big) != 1) return 1;
        uint32_t v = get16(e + 8, big); /* a single SHORT sits in the first two bytes of the value field */
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

int exif_orientation(const uint8_t *d, size_t n) {
    if (n < 4 || d[0] != 0xff || d[1] != 0xd8) return 1;
    size_t pos = 2;
    while (pos + 4 <= n) {
        if (d[pos] != 0xff) return 1;
        uint8_t m = d[pos + 1];
        if (m == 0xff) { /* fill byte */
            pos++;
            continue;
        }
        if (m == 0xda || m == 0xd9) return 1; /* scan data or the end: no EXIF before them */
        size_t len = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (len < 2 || pos + 2 + len > n) return 1;
        if (m == 0xe1) {
            int o = from_app1(d + pos + 4, len - 2);
            if (o != 1) return o;
        }
        pos += 2 + len;
    }
    return 1;
}

int exif_swaps_sides(int orientation) { return orientation >= 5 && orientation <= 8; }

/* The stored pixel (sx, sy) that shows at (x, y) of the upright image. */
static void source_of(int orientation, int x, int y, int w, int h, int *sx, int *sy) {
    switch (orientation) {
    case 2: *sx = w - 1 - x; *sy = y; break;
    case 3: *sx = w - 1 - x; *sy = h - 1 - y; break;
    case 4: *sx = x; *sy = h - 1 - y; break;
    case 5: *sx = y; *sy = x; break;
    case 6: *sx = y; *sy = h - 1 - x; break;
    case 7: *sx = w - 1 - y; *sy = h - 1 - x; break;
    case 8: *sx = w - 1 - y; *sy = x; break;
    default: *sx = x; *sy = y; break;
    }
}

ganc_status exif_apply(int orientation, uint8_t **pixels, int *w, int *h, int c) {
    if (orientation < 2 || orientation > 8) return GANC_OK;
    int sw = *w, sh = *h;
    int ow = exif_swaps_sides(orientation) ? sh : sw, oh = exif_swaps_sides(orientation) ? sw : sh;
    uint8_t *out = malloc((size_t)ow * (size_t)oh * (size_t)c);
    if (!out) return GANC_ERR(GANC_ERR_MEMORY, "EXIF orientation %d: out of memory for %dx%d pixels", orientation, ow, oh);
    const uint8_t *src = *pixels;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            source_of(orientation, x, y, sw, sh, &sx, &sy);
            memcpy(out + ((size_t)y * ow + x) * c, src + ((size_t)sy * sw + sx) * c, (size_t)c);
        }
    free(*pixels);
    *pixels = out;
    *w = ow;
    *h = oh;
    return GANC_OK;
}
