#ifndef GANC_DATA_IMAGE_IO_H
#define GANC_DATA_IMAGE_IO_H

/* Image files: PNG, JPEG, BMP and TGA in (stb_image), PNG and JPEG out
 * (stb_image_write). In memory an image is 8-bit (H,W,C) interleaved.
 * Loading gives 3-channel RGB (grayscale is replicated) or, on request,
 * 1-channel grey (stb's luma, (77 R + 150 G + 29 B) >> 8); alpha is
 * dropped, 16-bit samples keep their high byte (as libpng's strip_16 and
 * PIL do). A JPEG's EXIF orientation is applied after decoding
 * (data/exif.h), so pixels, sizes and probes are those of the image as a
 * viewer shows it. A file that is missing, unreadable, truncated or corrupt is an
 * error that names it; so is a header announcing more than IMAGE_MAX_SIDE
 * pixels a side or more pixels than the caller's limit (max_pixels), refused
 * from the header alone, before any pixel memory is allocated. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/real.h"

#define IMAGE_MAX_SIDE 16384
/* The default of `max_pixels` ([data] max_image_pixels, translate's
 * --max-image-pixels): 64 Mpixel, 192 MB decoded. */
#define IMAGE_DEFAULT_MAX_PIXELS (64L * 1024 * 1024)

typedef struct image {
    int width, height, channels;
    uint8_t *pixels; /* (H,W,C), malloc'd */
} image;

/* What the header says, before conversion. */
typedef struct image_info {
    int width, height;
    int channels;   /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    bool is_16_bit; /* 16-bit PNG */
    int orientation; /* EXIF orientation 1..8 (1: upright or none); width and height are after it */
} image_info;

/* Reads the header only (no pixel decoding); refuses more than
 * max_pixels (width x height). */
ganc_status image_probe_limit(const char *path, long max_pixels, image_info *out);
/* The same with IMAGE_DEFAULT_MAX_PIXELS. */
ganc_status image_probe(const char *path, image_info *out);

/* Decodes `path` to 3-channel RGB; `info` (may be NULL) receives the header
 * as in the file. Free with image_free. */
ganc_status image_load_rgb_limit(const char *path, long max_pixels, image *out, image_info *info);
/* The same with IMAGE_DEFAULT_MAX_PIXELS. */
ganc_status image_load_rgb(const char *path, image *out, image_info *info);
/* The same from the n bytes of a file already in memory; `origin` is the
 * name in errors, and its extension tells a TGA file (which has no magic
 * number). image_load_rgb_limit reads the file and calls this. */
ganc_status image_decode_rgb(const char *origin, const uint8_t *data, size_t n, long max_pixels, image *out,
                             image_info *info);
/* The same as the two above with a choice of `channels`: 3 RGB or 1 grey. */
ganc_status image_load_limit(const char *path, long max_pixels, int channels, image *out, image_info *info);
ganc_status image_decode(const char *origin, const uint8_t *data, size_t n, long max_pixels, int channels,
                         image *out, image_info *info);
void image_free(image *img);

/* Writes `img` (1, 3 or 4 channels) as PNG or JPEG, chosen by the file's
 * extension (.png, .jpg, .jpeg, any case); jpeg_quality in 1..100. The file
 * is written to `path`.tmp and renamed, so a reader never sees half of it. */
ganc_status image_write(const char *path, const image *img, int jpeg_quality);

/* Whether image_write can write `path`: its extension is .png, .jpg or
 * .jpeg (any case). Commands ask before they compute what they will write. */
bool image_write_supported(const char *path);

/* (C,H,W) values in [-1, 1] (C = 1 or 3) to an 8-bit image: round((v + 1) * 127.5),
 * clamped to 0..255. Free with image_free. */
ganc_status image_from_chw(const real *chw /* (C,H,W) */, int channels, int height, int width, image *out);

#endif
