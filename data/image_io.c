/* Image files through stb_image / stb_image_write (the implementations are
 * in libstb). Files are read into memory first: that gives clean I/O errors
 * and lets us check that BMP, TGA and PNG files are complete, which stb does
 * not always do (it pads a cut BMP or TGA with zeros). */

#include "data/image_io.h"

#include "data/exif.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <stb_image.h>
#include <stb_image_write.h>

#include "core/file_open.h"

#define MAX_FILE_BYTES (1L << 30)

static ganc_status read_file(const char *path, uint8_t **data, size_t *size) {
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "image %s: cannot open: %s", path, strerror(errno));
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return GANC_ERR(GANC_ERR_IO, "image %s: cannot read: %s", path, strerror(errno));
    }
    if (n == 0) {
        fclose(f);
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: the file is empty", path);
    }
    if (n > MAX_FILE_BYTES) {
        fclose(f);
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: %ld bytes, more than the %ld an image may have", path, n,
                        MAX_FILE_BYTES);
    }
    uint8_t *buf = malloc((size_t)n);
    if (!buf) {
        fclose(f);
        return GANC_ERR(GANC_ERR_MEMORY, "image %s: out of memory for %ld bytes", path, n);
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != (size_t)n) {
        free(buf);
        return GANC_ERR(GANC_ERR_IO, "image %s: read error", path);
    }
    *data = buf;
    *size = (size_t)n;
    return GANC_OK;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static uint32_t le16(const uint8_t *p) { return (uint32_t)p[1] << 8 | p[0]; }

static ganc_status truncated(const char *path, const char *format, const char *what) {
    return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: truncated %s (%s)", path, format, what);
}

/* Every chunk must lie inside the file, up to IEND. */
static ganc_status check_png(const char *path, const uint8_t *d, size_t n) {
    size_t pos = 8;
    while (pos + 8 <= n) {
        uint32_t len = be32(d + pos);
        if (len > 0x7fffffffu)
            return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: corrupt PNG chunk length", path);
        if ((uint64_t)pos + 12 + len > n) return truncated(path, "PNG", "a chunk runs past the end of the file");
        if (memcmp(d + pos + 4, "IEND", 4) == 0) return GANC_OK;
        pos += 12 + (size_t)len;
    }
    return truncated(path, "PNG", "no IEND chunk");
}

/* Uncompressed BMP: the pixel rows must fit between the data offset and the end. */
static ganc_status check_bmp(const char *path, const uint8_t *d, size_t n) {
    if (n < 30) return truncated(path, "BMP", "header cut short");
    uint32_t offset = le32(d + 10), header = le32(d + 14);
    uint64_t w, h, bpp, compression = 0;
    if (header == 12) {
        w = le16(d + 18);
        h = le16(d + 20);
        bpp = le16(d + 24);
    } else {
        if (n < 34) return truncated(path, "BMP", "header cut short");
        int32_t sw = (int32_t)le32(d + 18), sh = (int32_t)le32(d + 22);
        w = (uint64_t)(sw < 0 ? -(int64_t)sw : sw);
        h = (uint64_t)(sh < 0 ? -(int64_t)sh : sh);
        bpp = le16(d + 28);
        compression = le32(d + 30);
    }
    /* 0 BI_RGB, 3 BI_BITFIELDS, 6 BI_ALPHABITFIELDS have fixed-size rows; RLE is checked by stb. */
    if (compression != 0 && compression != 3 && compression != 6) return GANC_OK;
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) return GANC_OK; /* refused by the size check */
    uint64_t need = offset + (w * bpp + 31) / 32 * 4 * h;
    if (n < need) {
        char what[96];
        snprintf(what, sizeof what, "%zu of %llu bytes", n, (unsigned long long)need);
        return truncated(path, "BMP", what);
    }
    return GANC_OK;
}

/* TGA: uncompressed pixels must fit; run-length packets are walked to their end. */
static ganc_status check_tga(const char *path, const uint8_t *d, size_t n) {
    if (n < 18) return truncated(path, "TGA", "header cut short");
    int type = d[2];
    uint64_t pos = 18 + (uint64_t)d[0];
    if (d[1]) pos += le16(d + 5) * (uint64_t)((d[7] + 7) / 8);
    uint64_t w = le16(d + 12), h = le16(d + 14), bytes = (uint64_t)(d[16] + 7) / 8;
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) return GANC_OK;
    uint64_t pixels = w * h;
    if (type == 1 || type == 2 || type == 3) {
        pos += pixels * bytes;
    } else if (type == 9 || type == 10 || type == 11) {
        for (uint64_t done = 0; done < pixels;) {
            if (pos >= n) return truncated(path, "TGA", "run-length data ends early");
            uint8_t packet = d[pos++];
            uint64_t count = (uint64_t)(packet & 0x7f) + 1;
            pos += packet & 0x80 ? bytes : count * bytes;
            done += count;
        }
    } else {
        return GANC_OK;
    }
    if (pos > n) return truncated(path, "TGA", "pixel data ends early");
    return GANC_OK;
}

static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

/* stb takes a file for JPEG when its first marker is SOI, after any
 * number of 0xff fill bytes; the position after SOI, or 0 when not a JPEG. */
static size_t jpeg_start(const uint8_t *d, size_t n) {
    size_t i = 0;
    while (i < n && d[i] == 0xff) i++;
    return i >= 1 && i < n && d[i] == 0xd8 ? i + 1 : 0;
}

/* A byte as stb's stream reader returns it: 0 past the end. */
static uint8_t byte_at(const uint8_t *d, size_t n, size_t pos) { return pos < n ? d[pos] : 0; }

/* The Huffman tables a JPEG has defined so far: DC and AC, 0..3 each. */
typedef struct {
    bool dc[4], ac[4];
    bool progressive; /* SOF2 */
} jpeg_tables;

/* One DHT segment as stb_image reads it (from the stream, not bounded by
 * the segment's length): tables of 16 code counts and their symbols. More
 * than 256 codes in a table overflow stb's tables: libstb 2.27 (Debian 12)
 * writes past them, so such a file is refused here, before stb sees it.
 * `t` (may be NULL) records the tables defined. */
static ganc_status check_jpeg_dht(const char *path, const uint8_t *d, size_t n, size_t pos, long left,
                                  jpeg_tables *t) {
    while (left > 0) {
        uint8_t q = byte_at(d, n, pos);
        if (q >> 4 > 1 || (q & 15) > 3) return GANC_OK; /* stb refuses the table class */
        long codes = 0;
        for (size_t i = 1; i <= 16; i++) codes += byte_at(d, n, pos + i);
        if (codes > 256)
            return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: corrupt JPEG (a Huffman table at byte %zu has "
                            "%ld codes, at most 256)", path, pos, codes);
        if (t) {
            if (q >> 4) t->ac[q & 15] = true;
            else t->dc[q & 15] = true;
        }
        pos += 17 + (size_t)codes;
        left -= 17 + codes;
    }
    return GANC_OK;
}

/* stb 2.27 does not clear its decoder, so a scan that uses a Huffman table
 * no DHT defined decodes with leftover heap bytes as the table, and reads
 * outside it. Baseline scans use both tables of each component;
 * progressive ones the DC table (first DC pass) or the AC table. */
static ganc_status check_jpeg_scan(const char *path, const uint8_t *d, size_t n, size_t pos, const jpeg_tables *t) {
    int comps = byte_at(d, n, pos + 4);
    if (comps < 1 || comps > 4) return GANC_OK; /* stb refuses the scan */
    size_t after = pos + 5 + 2 * (size_t)comps;
    int ss = byte_at(d, n, after), ah = byte_at(d, n, after + 2) >> 4;
    bool need_dc = !t->progressive || (ss == 0 && ah == 0), need_ac = !t->progressive || ss != 0;
    for (int i = 0; i < comps; i++) {
        uint8_t sel = byte_at(d, n, pos + 6 + 2 * (size_t)i);
        int dc = sel >> 4, ac = sel & 15;
        if (dc > 3 || ac > 3) return GANC_OK; /* stb refuses the scan */
        if ((need_dc && !t->dc[dc]) || (need_ac && !t->ac[ac]))
            return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: corrupt JPEG (the scan at byte %zu uses Huffman "
                            "table %s %d, which no DHT defines)", path, pos, need_dc && !t->dc[dc] ? "DC" : "AC",
                            need_dc && !t->dc[dc] ? dc : ac);
    }
    return GANC_OK;
}

/* Walks a JPEG as stb_image does: marker segments (skipping junk between
 * them), each scan's header, and its entropy-coded data up to the next
 * marker (0xff then neither 0, a stuffed byte, nor RSTn). Where stb stops
 * earlier it reports an error, so the walk sees every DHT and SOS that
 * stb acts on. With only_headers the walk stops at the first SOS (all
 * that stb's header reader sees), and *end gets that position, or n when
 * the walk ran off the end first. */
static ganc_status walk_jpeg(const char *path, const uint8_t *d, size_t n, bool only_headers, size_t *end) {
    jpeg_tables t = {{false}, {false}, false};
    size_t pos = jpeg_start(d, n);
    *end = n;
    while (pos + 1 < n) {
        uint8_t m = d[pos + 1];
        if (d[pos] != 0xff || m == 0xff) {
            pos++; /* junk between segments, or a fill byte */
            continue;
        }
        if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd9)) {
            pos += 2; /* markers without a length */
            continue;
        }
        if (pos + 4 > n) return GANC_OK;
        size_t len = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (len < 2) {
            *end = pos; /* stb rejects every segment this short, so it reads no further */
            return GANC_OK;
        }
        ganc_status st = GANC_OK;
        if (m == 0xc2) t.progressive = true;
        if (m == 0xc4) st = check_jpeg_dht(path, d, n, pos + 4, (long)len - 2, &t);
        if (m == 0xda) {
            if (only_headers) {
                *end = pos;
                return GANC_OK;
            }
            st = check_jpeg_scan(path, d, n, pos, &t);
        }
        if (st) return st;
        pos += 2 + len;
        if (m != 0xda) continue;
        while (pos + 1 < n) {
            size_t next = pos + 1;
            if (d[pos] != 0xff) {
                pos++;
                continue;
            }
            while (next < n && d[next] == 0xff) next++;
            if (next < n && d[next] != 0 && (d[next] < 0xd0 || d[next] > 0xd7)) {
                pos = next - 1; /* the 0xff before the marker */
                break;
            }
            pos = next + 1;
        }
    }
    return GANC_OK;
}

/* The walk, then, as a second line of defence for the tables, every
 * 0xff 0xc4 pair from the first scan on checked as a DHT. Truncation and
 * other corruption are left to stb, which rejects them. */
static ganc_status check_jpeg(const char *path, const uint8_t *d, size_t n) {
    size_t pos;
    ganc_status st = walk_jpeg(path, d, n, true, &pos);
    if (!st) st = walk_jpeg(path, d, n, false, &(size_t){0});
    for (; !st && pos + 3 < n; pos++)
        if (d[pos] == 0xff && d[pos + 1] == 0xc4)
            st = check_jpeg_dht(path, d, n, pos + 4, ((long)d[pos + 2] << 8 | d[pos + 3]) - 2, NULL);
    return st;
}

/* stb_image also decodes GIF, PSD, PIC, PNM and HDR; ganc takes the four
 * formats it documents and tests, and refuses the others by their magic
 * numbers (the ones stb tests for), so their decoders never see input. */
static ganc_status check_format(const char *path, const uint8_t *d, size_t n) {
    static const struct {
        const char *magic, *name;
    } other[] = {{"GIF8", "GIF"}, {"8BPS", "PSD"}, {"\x53\x80\xf6\x34", "PIC"}, {"#?R", "HDR"},
                 {"P5", "PNM"},   {"P6", "PNM"}};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        size_t len = strlen(other[i].magic);
        if (n >= len && memcmp(d, other[i].magic, len) == 0)
            return GANC_ERR(GANC_ERR_FORMAT, "image %s: a %s file; ganc reads PNG, JPEG, BMP and TGA", path,
                            other[i].name);
    }
    return GANC_OK;
}

static ganc_status check_complete(const char *path, const uint8_t *d, size_t n) {
    if (n >= 8 && memcmp(d, png_magic, 8) == 0) return check_png(path, d, n);
    if (jpeg_start(d, n)) return check_jpeg(path, d, n);
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return check_bmp(path, d, n);
    const char *dot = strrchr(path, '.');
    if (dot && strcasecmp(dot, ".tga") == 0) return check_tga(path, d, n);
    return GANC_OK;
}

/* The width and height a PNG, JPEG or BMP header claims, read here rather
 * than by stb so that a huge claim gets a message with the numbers (stb
 * refuses it with "too large" alone). False when the format is another or
 * the header is not within the n bytes. */
static bool claimed_size(const uint8_t *d, size_t n, uint64_t *w, uint64_t *h) {
    if (n >= 24 && memcmp(d, png_magic, 8) == 0 && memcmp(d + 12, "IHDR", 4) == 0) {
        *w = be32(d + 16);
        *h = be32(d + 20);
        return true;
    }
    if (n >= 26 && d[0] == 'B' && d[1] == 'M') {
        if (le32(d + 14) == 12) {
            *w = le16(d + 18);
            *h = le16(d + 20);
        } else {
            int32_t sw = (int32_t)le32(d + 18), sh = (int32_t)le32(d + 22);
            *w = (uint64_t)(sw < 0 ? -(int64_t)sw : sw);
            *h = (uint64_t)(sh < 0 ? -(int64_t)sh : sh);
        }
        return true;
    }
    /* JPEG: walk the marker segments to the first SOFn (C0..CF but C4 DHT, C8 JPG, CC DAC). */
    size_t pos = jpeg_start(d, n);
    if (!pos) return false;
    while (pos + 4 <= n) {
        uint8_t m = d[pos + 1];
        if (d[pos] != 0xff || m == 0xff) {
            pos++; /* junk between segments (stb skips it), or a fill byte */
            continue;
        }
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {
            pos += 2; /* markers without a length */
            continue;
        }
        size_t len = (size_t)d[pos + 2] << 8 | d[pos + 3];
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (len < 7 || pos + 9 > n) return false;
            *h = (uint64_t)d[pos + 5] << 8 | d[pos + 6];
            *w = (uint64_t)d[pos + 7] << 8 | d[pos + 8];
            return true;
        }
        if (m == 0xda || m == 0xd9 || len < 2) return false; /* scan data or the end before any frame */
        pos += 2 + len;
    }
    return false;
}

static ganc_status too_many_pixels(const char *path, uint64_t w, uint64_t h, long max_pixels) {
    return GANC_ERR(GANC_ERR_FORMAT,
                    "image %s: its header claims %" PRIu64 "x%" PRIu64 " = %" PRIu64
                    " pixels, more than the limit of %ld (max_image_pixels)",
                    path, w, h, w * h, max_pixels);
}

static ganc_status check_claim(const char *path, const uint8_t *d, size_t n, long max_pixels) {
    uint64_t w, h;
    if (!claimed_size(d, n, &w, &h)) return GANC_OK;
    if (w * h > (uint64_t)max_pixels) return too_many_pixels(path, w, h, max_pixels);
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: %" PRIu64 "x%" PRIu64 " pixels, more than %d a side", path, w, h,
                        IMAGE_MAX_SIDE);
    return GANC_OK;
}

static ganc_status check_info(const char *path, const image_info *info, long max_pixels) {
    if (info->width > IMAGE_MAX_SIDE || info->height > IMAGE_MAX_SIDE)
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: %dx%d pixels, more than %d a side", path, info->width, info->height,
                        IMAGE_MAX_SIDE);
    if (info->width < 1 || info->height < 1 || info->channels < 1 || info->channels > 4)
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: header gives %dx%d pixels with %d channels", path,
                        info->width, info->height, info->channels);
    if ((uint64_t)info->width * (uint64_t)info->height > (uint64_t)max_pixels)
        return too_many_pixels(path, (uint64_t)info->width, (uint64_t)info->height, max_pixels);
    return GANC_OK;
}

static ganc_status check_limit(const char *path, long max_pixels) {
    if (max_pixels < 1)
        return GANC_ERR(GANC_ERR_ARG, "image %s: max_image_pixels = %ld (expected at least 1)", path, max_pixels);
    return GANC_OK;
}

/* The sides as the image is shown, after its EXIF orientation. */
static void upright_sides(image_info *info) {
    if (!exif_swaps_sides(info->orientation)) return;
    int w = info->width;
    info->width = info->height;
    info->height = w;
}

/* Enough of a file for the header of a PNG or BMP, and of most JPEGs (whose
 * frame header may follow long EXIF segments: then the pixel limit is
 * stb's own, and the Huffman tables are checked in the whole file). */
#define PROBE_PREFIX 65536

ganc_status image_probe_limit(const char *path, long max_pixels, image_info *out) {
    ganc_status st = check_limit(path, max_pixels);
    if (st) return st;
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "image %s: cannot open: %s", path, strerror(errno));
    uint8_t *prefix = malloc(PROBE_PREFIX);
    if (!prefix) {
        fclose(f);
        return GANC_ERR(GANC_ERR_MEMORY, "image %s: out of memory", path);
    }
    size_t got = fread(prefix, 1, PROBE_PREFIX, f);
    if (got == 0) st = GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: the file is empty", path);
    if (!st) st = check_format(path, prefix, got);
    if (!st) st = check_claim(path, prefix, got, max_pixels);
    if (!st && jpeg_start(prefix, got)) {
        /* stb's header reader meets every table before the frame header. */
        size_t sos;
        st = walk_jpeg(path, prefix, got, true, &sos);
        if (!st && sos == got && got == PROBE_PREFIX) { /* the headers run past the prefix: read them all */
            uint8_t *whole = NULL;
            size_t n = 0;
            if (!(st = read_file(path, &whole, &n))) st = walk_jpeg(path, whole, n, true, &sos);
            free(whole);
        }
    }
    image_info info = {0};
    info.orientation = st ? 1 : exif_orientation(prefix, got);
    free(prefix);
    if (!st) {
        rewind(f);
        int ok = stbi_info_from_file(f, &info.width, &info.height, &info.channels);
        info.is_16_bit = ok && stbi_is_16_bit_from_file(f);
        if (!ok) st = GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: %s", path, stbi_failure_reason());
    }
    fclose(f);
    if (!st) st = check_info(path, &info, max_pixels);
    if (!st) upright_sides(&info);
    if (!st) *out = info;
    return st;
}

ganc_status image_probe(const char *path, image_info *out) {
    return image_probe_limit(path, IMAGE_DEFAULT_MAX_PIXELS, out);
}

ganc_status image_decode(const char *origin, const uint8_t *data, size_t n, long max_pixels, int channels,
                         image *out, image_info *info_out) {
    if (channels != 1 && channels != 3)
        return GANC_ERR(GANC_ERR_ARG, "image %s: %d channels requested (expected 1 grey or 3 RGB)", origin, channels);
    ganc_status st = check_limit(origin, max_pixels);
    if (st) return st;
    if (n == 0) return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: the file is empty", origin);
    if (n > MAX_FILE_BYTES)
        return GANC_ERR(GANC_ERR_FORMAT, "image %s: %zu bytes, more than the %ld an image may have", origin, n,
                        MAX_FILE_BYTES);
    /* The completeness checks come first: stb's header reader is where a
     * bad JPEG Huffman table would do its damage. */
    if ((st = check_format(origin, data, n)) || (st = check_claim(origin, data, n, max_pixels)) ||
        (st = check_complete(origin, data, n)))
        return st;
    image_info info = {0};
    /* n is at most MAX_FILE_BYTES (< INT_MAX). */
    if (!stbi_info_from_memory(data, (int)n, &info.width, &info.height, &info.channels)) {
        st = GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: %s", origin, stbi_failure_reason());
    } else {
        info.is_16_bit = stbi_is_16_bit_from_memory(data, (int)n);
        st = check_info(origin, &info, max_pixels);
    }
    if (st) return st;
    int w = 0, h = 0, c = 0;
    uint8_t *pixels = stbi_load_from_memory(data, (int)n, &w, &h, &c, channels);
    if (!pixels) return GANC_ERR(GANC_ERR_FORMAT, "image %s: cannot decode: %s", origin, stbi_failure_reason());
    info.orientation = exif_orientation(data, n);
    if ((st = exif_apply(info.orientation, &pixels, &w, &h, channels))) {
        free(pixels);
        return st;
    }
    upright_sides(&info);
    *out = (image){.width = w, .height = h, .channels = channels, .pixels = pixels};
    if (info_out) *info_out = info;
    return GANC_OK;
}

ganc_status image_decode_rgb(const char *origin, const uint8_t *data, size_t n, long max_pixels, image *out,
                             image_info *info) {
    return image_decode(origin, data, n, max_pixels, 3, out, info);
}

ganc_status image_load_limit(const char *path, long max_pixels, int channels, image *out, image_info *info) {
    ganc_status st = check_limit(path, max_pixels);
    if (st) return st;
    uint8_t *data = NULL;
    size_t n = 0;
    if ((st = read_file(path, &data, &n))) return st;
    st = image_decode(path, data, n, max_pixels, channels, out, info);
    free(data);
    return st;
}

ganc_status image_load_rgb_limit(const char *path, long max_pixels, image *out, image_info *info) {
    return image_load_limit(path, max_pixels, 3, out, info);
}

ganc_status image_load_rgb(const char *path, image *out, image_info *info) {
    return image_load_rgb_limit(path, IMAGE_DEFAULT_MAX_PIXELS, out, info);
}

/* stb allocates with malloc (libstb keeps the default STBI_MALLOC), so one free() fits both sources. */
void image_free(image *img) {
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
}

typedef struct {
    FILE *f;
    int failed;
} write_ctx;

static void write_bytes(void *ctx, void *data, int size) {
    write_ctx *w = ctx;
    if (!w->failed && fwrite(data, 1, (size_t)size, w->f) != (size_t)size) w->failed = errno ? errno : EIO;
}

static bool is_png_name(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot && strcasecmp(dot, ".png") == 0;
}

static bool is_jpeg_name(const char *path) {
    const char *dot = strrchr(path, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

bool image_write_supported(const char *path) { return is_png_name(path) || is_jpeg_name(path); }

ganc_status image_write(const char *path, const image *img, int jpeg_quality) {
    bool png = is_png_name(path), jpeg = is_jpeg_name(path);
    if (!png && !jpeg)
        return GANC_ERR(GANC_ERR_ARG, "image %s: cannot write this format (expected .png, .jpg or .jpeg)", path);
    if (!img || !img->pixels || img->width < 1 || img->height < 1 || img->width > IMAGE_MAX_SIDE ||
        img->height > IMAGE_MAX_SIDE || (img->channels != 1 && img->channels != 3 && img->channels != 4))
        return GANC_ERR(GANC_ERR_ARG,
                        "image %s: nothing to write (expected 1..%d pixels a side and 1, 3 or 4 channels)", path,
                        IMAGE_MAX_SIDE);
    if (jpeg && (jpeg_quality < 1 || jpeg_quality > 100))
        return GANC_ERR(GANC_ERR_ARG, "image %s: JPEG quality %d (expected 1..100)", path, jpeg_quality);
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp) return GANC_ERR(GANC_ERR_MEMORY, "image %s: out of memory", path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    write_ctx w = {fopen(tmp, "wb"), 0};
    if (!w.f) {
        ganc_status st = GANC_ERR(GANC_ERR_IO, "image %s: cannot create %s: %s", path, tmp, strerror(errno));
        free(tmp);
        return st;
    }
    errno = 0;
    int ok = png ? stbi_write_png_to_func(write_bytes, &w, img->width, img->height, img->channels, img->pixels,
                                          img->width * img->channels)
                 : stbi_write_jpg_to_func(write_bytes, &w, img->width, img->height, img->channels, img->pixels,
                                          jpeg_quality);
    if (fclose(w.f) != 0 && !w.failed) w.failed = errno ? errno : EIO;
    ganc_status st = GANC_OK;
    if (!ok)
        st = GANC_ERR(GANC_ERR_IO, "image %s: encoder failed", path);
    else if (w.failed)
        st = GANC_ERR(GANC_ERR_IO, "image %s: write error: %s", path, strerror(w.failed));
    else if (rename(tmp, path) != 0)
        st = GANC_ERR(GANC_ERR_IO, "image %s: cannot rename %s to it: %s", path, tmp, strerror(errno));
    if (st) remove(tmp);
    free(tmp);
    return st;
}

ganc_status image_from_chw(const real *chw, int channels, int height, int width, image *out) {
    if (!chw || (channels != 1 && channels != 3) || height < 1 || width < 1 || height > IMAGE_MAX_SIDE ||
        width > IMAGE_MAX_SIDE)
        return GANC_ERR(GANC_ERR_ARG, "image_from_chw: (%d,%d,%d) (expected (1 or 3,H,W) with 1..%d a side)", channels,
                        height, width, IMAGE_MAX_SIDE);
    size_t plane = (size_t)height * width;
    uint8_t *px = malloc(plane * (size_t)channels);
    if (!px) return GANC_ERR(GANC_ERR_MEMORY, "image_from_chw: out of memory for (%d,%d,%d)", channels, height, width);
    for (size_t i = 0; i < plane; i++)
        for (int ch = 0; ch < channels; ch++) {
            double v = ((double)chw[ch * plane + i] + 1.0) * 127.5;
            /* NaN fails both comparisons and becomes 0. */
            px[i * (size_t)channels + (size_t)ch] = v >= 255.0 ? 255 : v > 0.0 ? (uint8_t)(v + 0.5) : 0;
        }
    *out = (image){.width = width, .height = height, .channels = channels, .pixels = px};
    return GANC_OK;
}
