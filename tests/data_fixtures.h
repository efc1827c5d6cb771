#ifndef GANC_TESTS_DATA_FIXTURES_H
#define GANC_TESTS_DATA_FIXTURES_H

/* Files for the data tests, made on the fly in a temporary folder: images
 * in every format through stb_image_write directly (independent of
 * data/image_io.c), a 16-bit PNG built by hand with zlib, cut copies,
 * headers announcing absurd sizes, text files. Each returns false on
 * failure. */

#include <stdbool.h>
#include <stdint.h>

/* A fresh folder under /tmp (malloc'd path), removed with fx_rmtree. */
char *fx_tmpdir(void);
void fx_rmtree(const char *dir);
bool fx_mkdir(const char *dir, const char *sub);
/* dir/name into buf. */
const char *fx_path(char *buf, int size, const char *dir, const char *name);

/* 8-bit (H,W,C) pixels; the format follows the extension: .png .jpg .bmp
 * .tga (RLE when rle). JPEG quality 95. */
bool fx_write_image(const char *path, int w, int h, int channels, const uint8_t *px, bool rle);
/* A w x h image of one colour. */
bool fx_write_flat(const char *path, int w, int h, uint8_t r, uint8_t g, uint8_t b);
/* 16-bit PNG, channels 1 (gray) or 3 (RGB), big-endian samples as PNG stores them. */
bool fx_write_png16(const char *path, int w, int h, int channels, const uint16_t *samples);
/* A PNG signature and IHDR announcing w x h pixels, and no pixel data. */
bool fx_write_png_header(const char *path, uint32_t w, uint32_t h);
/* The first `keep` bytes of src (keep < 0: size + keep). */
bool fx_cut_copy(const char *src, const char *dst, long keep);
bool fx_write_text(const char *path, const char *text);
/* A deterministic test pattern (H,W,C). */
void fx_pattern(uint8_t *px, int w, int h, int channels, int seed);

#endif
