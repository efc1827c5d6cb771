/* Limits on what a file's header may claim, checked before anything that
 * size is allocated: image pixels ([data] max_image_pixels, translate's
 * --max-image-pixels), formats stb would decode but ganc does not take,
 * the labels CSV's record length. The safetensors header length and
 * shapes against the file size are in test_checkpoint.c. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "data/dataset.h"
#include "data/image_io.h"
#include "data/labels_csv.h"
#include "tests/data_fixtures.h"
#include "tests/test.h"

#define P(name) fx_path(path, sizeof path, dir, name)

static bool has(const char *fragment) { return strstr(ganc_error_message(), fragment) != NULL; }

TEST(limits_huge_png_claim_is_refused_naming_file_size_and_limit) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_write_png_header(P("huge.png"), 100000, 100000));
    image img;
    image_info info;
    CHECK(image_load_rgb(path, &img, NULL) == GANC_ERR_FORMAT);
    CHECK_MSG(has(path) && has("100000x100000 = 10000000000 pixels") && has("limit of 67108864"), "%s",
              ganc_error_message());
    CHECK(image_probe(path, &info) == GANC_ERR_FORMAT);
    CHECK_MSG(has(path) && has("100000x100000") && has("67108864"), "%s", ganc_error_message());
    fx_rmtree(dir);
    free(dir);
}

/* A JPEG's frame header and a BMP's info header claim sizes too. */
TEST(limits_jpeg_and_bmp_claims_are_refused) {
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, /* APP0 */
                                         0xff, 0xc0, 0x00, 0x11, 0x08, 0xea, 0x60, 0xea, 0x60, 0x03, /* 60000x60000 */
                                         0x01, 0x11, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xff, 0xd9};
    image img;
    CHECK(image_decode_rgb("big.jpg", jpeg, sizeof jpeg, IMAGE_DEFAULT_MAX_PIXELS, &img, NULL) == GANC_ERR_FORMAT);
    CHECK_MSG(has("big.jpg") && has("60000x60000"), "%s", ganc_error_message());
    unsigned char bmp[54] = {'B', 'M'};
    bmp[14] = 40;                                   /* BITMAPINFOHEADER */
    bmp[18] = 0x10, bmp[19] = 0x27;                 /* width 10000 */
    bmp[22] = 0x10, bmp[23] = 0x27;                 /* height 10000 */
    bmp[26] = 1, bmp[28] = 24;
    CHECK(image_decode_rgb("big.bmp", bmp, sizeof bmp, 1000000, &img, NULL) == GANC_ERR_FORMAT);
    CHECK_MSG(has("big.bmp") && has("10000x10000 = 100000000 pixels") && has("limit of 1000000"), "%s",
              ganc_error_message());
}

TEST(limits_max_pixels_is_exact_and_applies_to_probe_and_load) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_write_flat(P("five_by_three.png"), 5, 3, 1, 2, 3));
    image img;
    image_info info;
    REQUIRE(image_load_rgb_limit(path, 15, &img, &info) == GANC_OK);
    CHECK(img.width == 5 && img.height == 3);
    image_free(&img);
    CHECK(image_probe_limit(path, 15, &info) == GANC_OK);
    CHECK(image_load_rgb_limit(path, 14, &img, NULL) == GANC_ERR_FORMAT && has("5x3 = 15 pixels") &&
          has("limit of 14"));
    CHECK(image_probe_limit(path, 14, &info) == GANC_ERR_FORMAT && has(path));
    CHECK(image_load_rgb_limit(path, 0, &img, NULL) == GANC_ERR_ARG && has("max_image_pixels = 0"));
    fx_rmtree(dir);
    free(dir);
}

TEST(limits_data_max_image_pixels_key) {
    char *dir = fx_tmpdir(), path[512], ini[1024];
    REQUIRE(dir);
    REQUIRE(fx_write_flat(P("a.png"), 8, 8, 1, 2, 3));
    for (int limit = 63; limit <= 64; limit++) {
        snprintf(ini, sizeof ini, "[data]\nkind = single\nroot = %s\nload_size = 8\ncrop_size = 8\nmax_image_pixels = %d\n",
                 dir, limit);
        config *c = config_new();
        REQUIRE(c && config_parse_string(c, ini, "limits.ini") == GANC_OK);
        dataset *ds = NULL;
        ganc_status st = dataset_open(c, "data", 1, NULL, &ds);
        if (limit == 63)
            CHECK_MSG(st == GANC_ERR_FORMAT && has("a.png") && has("8x8 = 64 pixels") && has("max_image_pixels"), "%s",
                      ganc_error_message());
        else
            CHECK_MSG(st == GANC_OK, "%s", ganc_error_message());
        dataset_free(ds);
        config_free(c);
    }
    config *c = config_new();
    snprintf(ini, sizeof ini, "[data]\nkind = single\nroot = %s\nmax_image_pixels = 0\n", dir);
    REQUIRE(c && config_parse_string(c, ini, "limits.ini") == GANC_OK);
    dataset *ds = NULL;
    CHECK(dataset_open(c, "data", 1, NULL, &ds) == GANC_ERR_ARG && has("max_image_pixels"));
    dataset_free(ds);
    config_free(c);
    fx_rmtree(dir);
    free(dir);
}

/* GIF, PSD, PIC, PNM and HDR reach stb's other decoders: refused by magic, whatever the name. */
TEST(limits_formats_other_than_png_jpeg_bmp_tga_are_refused) {
    static const struct {
        const char *bytes, *format;
    } cases[] = {{"GIF89a\x01\x00\x01\x00\x00\x00\x00", "GIF"}, {"8BPS\x00\x01", "PSD"},
                 {"P6\n1 1\n255\n\x01\x02\x03", "PNM"},         {"#?RADIANCE\n", "HDR"},
                 {"\x53\x80\xf6\x34xxxx", "PIC"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        image img;
        ganc_status st = image_decode_rgb("x.png", (const uint8_t *)cases[i].bytes, strlen(cases[i].bytes),
                                          IMAGE_DEFAULT_MAX_PIXELS, &img, NULL);
        CHECK_MSG(st == GANC_ERR_FORMAT && has("x.png") && has(cases[i].format) && has("PNG, JPEG, BMP and TGA"),
                  "%s: %s", cases[i].format, ganc_error_message());
    }
}

TEST(limits_labels_csv_record_length) {
    size_t n = LABELS_CSV_MAX_RECORD + 64;
    char *text = malloc(n + 1);
    REQUIRE(text);
    memcpy(text, "file,a\n\"", 8);
    memset(text + 8, 'x', n - 8); /* a quote that never closes */
    text[n] = '\0';
    labels_csv l;
    CHECK(labels_csv_parse("long.csv", text, n, NULL, &l) == GANC_ERR_FORMAT);
    CHECK_MSG(has("long.csv") && (has("never closed") || has("longer than")), "%s", ganc_error_message());
    text[7] = 'x'; /* now a record of n / 2 fields, with no quote */
    for (size_t i = 8; i < n; i += 2) text[i] = ',';
    CHECK(labels_csv_parse("wide.csv", text, n, NULL, &l) == GANC_ERR_FORMAT);
    CHECK_MSG(has("wide.csv:2: a record longer than 1048576 bytes"), "%s", ganc_error_message());
    free(text);
}
