#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image_write.h>
#include <zlib.h>

#include "tests/data_fixtures.h"

char *fx_tmpdir(void) {
    char tmpl[] = "/tmp/ganc_data_XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

void fx_rmtree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                fx_rmtree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

bool fx_mkdir(const char *dir, const char *sub) {
    char p[4096];
    return mkdir(fx_path(p, sizeof p, dir, sub), 0755) == 0;
}

const char *fx_path(char *buf, int size, const char *dir, const char *name) {
    snprintf(buf, (size_t)size, "%s/%s", dir, name);
    return buf;
}

bool fx_write_image(const char *path, int w, int h, int channels, const uint8_t *px, bool rle) {
    const char *dot = strrchr(path, '.');
    if (!dot) return false;
    if (!strcmp(dot, ".png") || !strcmp(dot, ".PNG")) return stbi_write_png(path, w, h, channels, px, w * channels);
    if (!strcmp(dot, ".jpg") || !strcmp(dot, ".JPG") || !strcmp(dot, ".jpeg"))
        return stbi_write_jpg(path, w, h, channels, px, 95);
    if (!strcmp(dot, ".bmp")) return stbi_write_bmp(path, w, h, channels, px);
    if (!strcmp(dot, ".tga")) {
        int saved = stbi_write_tga_with_rle;
        stbi_write_tga_with_rle = rle;
        int ok = stbi_write_tga(path, w, h, channels, px);
        stbi_write_tga_with_rle = saved;
        return ok;
    }
    return false;
}

bool fx_write_flat(const char *path, int w, int h, uint8_t r, uint8_t g, uint8_t b) {
    uint8_t *px = malloc((size_t)w * h * 3);
    if (!px) return false;
    for (int i = 0; i < w * h; i++) {
        px[3 * i] = r;
        px[3 * i + 1] = g;
        px[3 * i + 2] = b;
    }
    bool ok = fx_write_image(path, w, h, 3, px, false);
    free(px);
    return ok;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A chunk: length, type, data, CRC-32 of type and data (PNG spec 5.3). */
static bool put_chunk(FILE *f, const char *type, const uint8_t *data, uint32_t len) {
    uint8_t head[8], tail[4];
    put32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len) crc = crc32(crc, data, len);
    put32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) && fwrite(tail, 1, 4, f) == 4;
}

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

static void ihdr(uint8_t out[13], uint32_t w, uint32_t h, int depth, int colour_type) {
    put32(out, w);
    put32(out + 4, h);
    out[8] = (uint8_t)depth;
    out[9] = (uint8_t)colour_type;
    out[10] = out[11] = out[12] = 0; /* deflate, adaptive filtering, no interlace */
}

bool fx_write_png16(const char *path, int w, int h, int channels, const uint16_t *samples) {
    size_t row = 1 + (size_t)w * channels * 2, raw_len = row * h;
    uint8_t *raw = malloc(raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    uint8_t *z = malloc(z_len);
    bool ok = raw && z;
    for (int y = 0; ok && y < h; y++) {
        uint8_t *r = raw + row * y;
        r[0] = 0; /* filter type None */
        for (int i = 0; i < w * channels; i++) {
            uint16_t v = samples[(size_t)y * w * channels + i];
            r[1 + 2 * i] = (uint8_t)(v >> 8);
            r[2 + 2 * i] = (uint8_t)v;
        }
    }
    ok = ok && compress(z, &z_len, raw, (uLong)raw_len) == Z_OK;
    FILE *f = ok ? fopen(path, "wb") : NULL;
    uint8_t head[13];
    ihdr(head, (uint32_t)w, (uint32_t)h, 16, channels == 1 ? 0 : 2);
    ok = f && fwrite(png_signature, 1, 8, f) == 8 && put_chunk(f, "IHDR", head, 13) &&
         put_chunk(f, "IDAT", z, (uint32_t)z_len) && put_chunk(f, "IEND", NULL, 0);
    if (f && fclose(f) != 0) ok = false;
    free(raw);
    free(z);
    return ok;
}

bool fx_write_png_header(const char *path, uint32_t w, uint32_t h) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    uint8_t head[13];
    ihdr(head, w, h, 8, 2);
    bool ok = fwrite(png_signature, 1, 8, f) == 8 && put_chunk(f, "IHDR", head, 13);
    return fclose(f) == 0 && ok;
}

bool fx_cut_copy(const char *src, const char *dst, long keep) {
    FILE *f = fopen(src, "rb");
    if (!f) return false;
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (keep < 0) keep += (long)n;
    if (keep < 0 || (size_t)keep > n) return false;
    f = fopen(dst, "wb");
    if (!f) return false;
    bool ok = fwrite(buf, 1, (size_t)keep, f) == (size_t)keep;
    return fclose(f) == 0 && ok;
}

bool fx_write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

void fx_pattern(uint8_t *px, int w, int h, int channels, int seed) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++)
                px[((size_t)y * w + x) * channels + c] =
                    (uint8_t)(x * 37 + y * 91 + c * 53 + seed * 17 + (x * y) % 7 * 13);
}
