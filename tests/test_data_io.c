/* Image files, transforms and label CSVs (data/image_io, data/transforms,
 * data/labels_csv). Images are written by stb_image_write or by hand in
 * tests/test_support_data.c, so the reader is checked against an
 * independent writer. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/image_folder.h"
#include "data/image_io.h"
#include "data/labels_csv.h"
#include "data/transforms.h"
#include "tests/data_fixtures.h"
#include "tests/test.h"

#define P(name) fx_path(path, sizeof path, dir, name)

TEST(data_io_lossless_formats_round_trip) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    enum { W = 13, H = 7 };
    uint8_t px[W * H * 3];
    fx_pattern(px, W, H, 3, 1);
    const char *names[] = {"a.png", "a.bmp", "a.tga", "rle.tga", "UPPER.PNG"};
    for (int i = 0; i < 5; i++) {
        REQUIRE(fx_write_image(P(names[i]), W, H, 3, px, i == 3));
        image img;
        image_info info;
        CHECK_MSG(image_load_rgb(path, &img, &info) == GANC_OK, "%s: %s", names[i], ganc_error_message());
        if (!img.pixels) continue;
        CHECK(img.width == W && img.height == H && img.channels == 3);
        CHECK(info.channels == 3 && !info.is_16_bit);
        CHECK_MSG(memcmp(img.pixels, px, sizeof px) == 0, "%s: pixels differ", names[i]);
        image_free(&img);
        image_info probed;
        CHECK(image_probe(path, &probed) == GANC_OK && probed.width == W && probed.height == H);
    }
    fx_rmtree(dir);
    free(dir);
}

TEST(data_io_jpeg_decodes_close_to_the_source) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    enum { W = 32, H = 24 };
    uint8_t px[W * H * 3];
    for (int y = 0; y < H; y++) /* smooth, so quality 95 keeps it within a few levels */
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) px[(y * W + x) * 3 + c] = (uint8_t)(40 + 4 * x + 3 * y + 20 * c);
    REQUIRE(fx_write_image(P("a.jpg"), W, H, 3, px, false));
    image img;
    REQUIRE(image_load_rgb(path, &img, NULL) == GANC_OK);
    double err = 0;
    for (int i = 0; i < W * H * 3; i++) err += fabs((double)img.pixels[i] - px[i]);
    CHECK_MSG(err / (W * H * 3) < 2.0, "mean abs error %g", err / (W * H * 3));
    image_free(&img);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_io_gray_alpha_and_16_bit_become_8_bit_rgb) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    uint8_t gray[6] = {0, 50, 100, 150, 200, 255};
    uint8_t ga[12], rgba[24];
    for (int i = 0; i < 6; i++) {
        ga[2 * i] = gray[i];
        ga[2 * i + 1] = (uint8_t)(i * 40);
        for (int c = 0; c < 3; c++) rgba[4 * i + c] = (uint8_t)(gray[i] + c);
        rgba[4 * i + 3] = 7;
    }
    REQUIRE(fx_write_image(P("g.png"), 3, 2, 1, gray, false));
    image img;
    image_info info;
    REQUIRE(image_load_rgb(path, &img, &info) == GANC_OK);
    CHECK(info.channels == 1 && img.channels == 3);
    for (int i = 0; i < 6; i++)
        CHECK(img.pixels[3 * i] == gray[i] && img.pixels[3 * i + 1] == gray[i] && img.pixels[3 * i + 2] == gray[i]);
    image_free(&img);

    REQUIRE(fx_write_image(P("ga.png"), 3, 2, 2, ga, false));
    REQUIRE(image_load_rgb(path, &img, &info) == GANC_OK);
    CHECK(info.channels == 2);
    for (int i = 0; i < 6; i++) CHECK(img.pixels[3 * i + 2] == gray[i]); /* alpha dropped, not blended */
    image_free(&img);

    REQUIRE(fx_write_image(P("rgba.png"), 3, 2, 4, rgba, false));
    REQUIRE(image_load_rgb(path, &img, &info) == GANC_OK);
    CHECK(info.channels == 4);
    for (int i = 0; i < 6; i++)
        for (int c = 0; c < 3; c++) CHECK(img.pixels[3 * i + c] == rgba[4 * i + c]);
    image_free(&img);

    /* 16-bit: the high byte survives (0xABCD -> 0xAB), as libpng's strip_16. */
    uint16_t s16[2 * 2 * 3] = {0xABCD, 0x0000, 0xFFFF, 0x0100, 0x80FF, 0x7F00,
                               0x1234, 0x5678, 0x9ABC, 0xDEF0, 0x00FF, 0xFF00};
    REQUIRE(fx_write_png16(P("rgb16.png"), 2, 2, 3, s16));
    REQUIRE(image_probe(path, &info) == GANC_OK);
    CHECK(info.is_16_bit && info.channels == 3);
    REQUIRE(image_load_rgb(path, &img, &info) == GANC_OK);
    CHECK(info.is_16_bit);
    for (int i = 0; i < 12; i++) CHECK_MSG(img.pixels[i] == s16[i] >> 8, "sample %d: %d", i, img.pixels[i]);
    image_free(&img);
    uint16_t g16[3] = {0x0102, 0xFEDC, 0x8000};
    REQUIRE(fx_write_png16(P("gray16.png"), 3, 1, 1, g16));
    REQUIRE(image_load_rgb(path, &img, &info) == GANC_OK);
    CHECK(info.is_16_bit && info.channels == 1);
    CHECK(img.pixels[0] == 0x01 && img.pixels[4] == 0xFE && img.pixels[8] == 0x80);
    image_free(&img);
    fx_rmtree(dir);
    free(dir);
}

/* Loading must fail with `status` and a message naming the file and containing `what`. */
static void expect_load_error(test_ctx *tc, const char *path, ganc_status status, const char *what) {
    image img = {0};
    ganc_status st = image_load_rgb(path, &img, NULL);
    CHECK_MSG(st == status, "%s: status %d, expected %d (%s)", path, st, status, ganc_error_message());
    CHECK_MSG(strstr(ganc_error_message(), path) && strstr(ganc_error_message(), what), "%s: message \"%s\"", path,
              ganc_error_message());
    CHECK(img.pixels == NULL);
}

TEST(data_io_truncated_and_corrupt_files_are_errors_naming_the_file) {
    char *dir = fx_tmpdir(), path[512], cut[512];
    REQUIRE(dir);
    enum { W = 40, H = 30 };
    uint8_t px[W * H * 3];
    fx_pattern(px, W, H, 3, 2);
    const char *names[] = {"a.png", "a.jpg", "a.bmp", "a.tga", "rle.tga"};
    const char *cut_names[] = {"cut.png", "cut.jpg", "cut.bmp", "cut.tga", "cutrle.tga"};
    for (int i = 0; i < 5; i++) {
        REQUIRE(fx_write_image(P(names[i]), W, H, 3, px, i == 4));
        /* Half the file, and the file less its last byte: both are cut. */
        fx_path(cut, sizeof cut, dir, cut_names[i]);
        FILE *f = fopen(path, "rb");
        REQUIRE(f);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        REQUIRE(fx_cut_copy(path, cut, size / 2));
        expect_load_error(tc, cut, GANC_ERR_FORMAT, "cannot decode");
        REQUIRE(fx_cut_copy(path, cut, -1));
        if (i != 1)
            expect_load_error(tc, cut, GANC_ERR_FORMAT, "truncated");
        else
            expect_load_error(tc, cut, GANC_ERR_FORMAT, "cannot decode");
    }
    REQUIRE(fx_write_text(P("empty.png"), ""));
    expect_load_error(tc, path, GANC_ERR_FORMAT, "empty");
    image_info info;
    CHECK(image_probe(path, &info) == GANC_ERR_FORMAT && strstr(ganc_error_message(), path));
    REQUIRE(fx_write_text(P("text.png"), "this is not an image\n"));
    expect_load_error(tc, path, GANC_ERR_FORMAT, "cannot decode");
    expect_load_error(tc, P("missing.png"), GANC_ERR_IO, "cannot open");
    CHECK(image_probe(path, &info) == GANC_ERR_IO && strstr(ganc_error_message(), "missing.png"));
    fx_rmtree(dir);
    free(dir);
}

TEST(data_io_absurd_header_sizes_are_refused_before_decoding) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_write_png_header(P("huge.png"), 100000, 20));
    image_info info;
    CHECK(image_probe(path, &info) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), path) && strstr(ganc_error_message(), "100000x20") &&
          strstr(ganc_error_message(), "16384"));
    expect_load_error(tc, path, GANC_ERR_FORMAT, "more than 16384");
    REQUIRE(fx_write_png_header(P("edge.png"), 16385, 16385));
    expect_load_error(tc, path, GANC_ERR_FORMAT, "16385x16385");
    fx_rmtree(dir);
    free(dir);
}

TEST(data_io_write_png_and_jpeg_atomically) {
    char *dir = fx_tmpdir(), path[512], tmp[600];
    REQUIRE(dir);
    enum { W = 9, H = 5 };
    uint8_t px[W * H * 3];
    fx_pattern(px, W, H, 3, 3);
    image src = {W, H, 3, px};
    REQUIRE(image_write(P("out.png"), &src, 95) == GANC_OK);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);
    image back;
    REQUIRE(image_load_rgb(path, &back, NULL) == GANC_OK);
    CHECK(back.width == W && back.height == H && memcmp(back.pixels, px, sizeof px) == 0);
    image_free(&back);
    REQUIRE(image_write(P("out.JPEG"), &src, 90) == GANC_OK);
    REQUIRE(image_load_rgb(path, &back, NULL) == GANC_OK);
    CHECK(back.width == W && back.height == H);
    image_free(&back);
    uint8_t gray[W * H];
    memset(gray, 77, sizeof gray);
    image g = {W, H, 1, gray};
    REQUIRE(image_write(P("gray.png"), &g, 95) == GANC_OK);
    image_info info;
    CHECK(image_probe(path, &info) == GANC_OK && info.channels == 1);

    CHECK(image_write(P("out.gif"), &src, 95) == GANC_ERR_ARG && strstr(ganc_error_message(), "out.gif"));
    CHECK(image_write(P("q.jpg"), &src, 0) == GANC_ERR_ARG && strstr(ganc_error_message(), "quality"));
    image bad = {W, H, 2, px};
    CHECK(image_write(P("two.png"), &bad, 95) == GANC_ERR_ARG && strstr(ganc_error_message(), "two.png"));
    CHECK(image_write(P("no/such/dir/x.png"), &src, 95) == GANC_ERR_IO &&
          strstr(ganc_error_message(), "no/such/dir/x.png"));
    fx_rmtree(dir);
    free(dir);
}

TEST(data_io_from_chw_rounds_and_clamps) {
    /* (3,1,3): channel planes; (v + 1) * 127.5 rounded: -1 -> 0, 0 -> 127.5 -> 128, 1 -> 255. */
    real chw[9] = {-1, 0, 1, 2, -3, (real)0.5, (real)-0.5, (real)0.99, (real)NAN};
    image img;
    REQUIRE(image_from_chw(chw, 3, 1, 3, &img) == GANC_OK);
    const uint8_t want[9] = {0, 255, 64, 128, 0, 254, 255, 191, 0}; /* interleaved: (r,g,b) per pixel */
    for (int i = 0; i < 9; i++)
        CHECK_MSG(img.pixels[i] == want[i], "byte %d: %d, expected %d", i, img.pixels[i], want[i]);
    image_free(&img);
    CHECK(image_from_chw(chw, 2, 1, 3, &img) == GANC_ERR_ARG && strstr(ganc_error_message(), "(2,1,3)"));
}

/* ---- transforms ---- */

static void resize_row(test_ctx *tc, const uint8_t *src, int sw, int dw, const float *want) {
    float out[16];
    REQUIRE(transform_resize(src, sw, 1, (size_t)sw, 1, out, dw, 1) == GANC_OK);
    for (int i = 0; i < dw; i++) CHECK_NEAR(out[i], want[i], 1e-4);
}

TEST(data_transform_resize_hand_computed) {
    /* Area: 4 -> 2 averages pairs; 3 -> 2: out0 = (0 + 30/2) / 1.5, out1 = (30/2 + 60) / 1.5. */
    resize_row(tc, (const uint8_t[]){10, 20, 30, 50}, 4, 2, (const float[]){15, 40});
    resize_row(tc, (const uint8_t[]){0, 30, 60}, 3, 2, (const float[]){10, 50});
    /* Bilinear 2 -> 4: centres at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped). */
    resize_row(tc, (const uint8_t[]){0, 100}, 2, 4, (const float[]){0, 25, 75, 100});
    resize_row(tc, (const uint8_t[]){3, 200, 17}, 3, 3, (const float[]){3, 200, 17});
    resize_row(tc, (const uint8_t[]){9}, 1, 3, (const float[]){9, 9, 9});
    /* Rows of a 2-D image, with a stride wider than the row (the right half of A|B). */
    const uint8_t img[2 * 6] = {0, 0, 0, 10, 20, 30, 0, 0, 0, 40, 50, 60};
    float out[4];
    REQUIRE(transform_resize(img + 3, 3, 2, 6, 1, out, 1, 4) == GANC_OK);
    /* x: area 3 -> 1 = mean of the row; y: bilinear 2 -> 4 of (20, 50). */
    const float want[4] = {20, 27.5f, 42.5f, 50};
    for (int i = 0; i < 4; i++) CHECK_NEAR(out[i], want[i], 1e-4);
    CHECK(transform_resize(img, 3, 2, 2, 1, out, 1, 4) == GANC_ERR_ARG && strstr(ganc_error_message(), "stride"));
}

static const uint8_t cv_src[5][7] = {{0, 37, 74, 111, 148, 185, 222},
                                     {91, 141, 191, 241, 35, 85, 135},
                                     {182, 245, 52, 115, 87, 150, 213},
                                     {17, 93, 169, 154, 230, 215, 35},
                                     {108, 197, 195, 28, 26, 115, 113}};

TEST(data_transform_resize_matches_opencv) {
    /* cv2.resize(src.astype(np.float32), (3, 2), interpolation=cv2.INTER_AREA) and
     * (10, 8) with INTER_LINEAR, opencv-python-headless 5.0.0, computed once by hand
     * (float input, so OpenCV uses no fixed-point rounding). */
    const float area[2][3] = {{99.342865f, 129.342865f, 151.542877f}, {130.028580f, 119.857147f, 130.171432f}};
    const float lin_row0[10] = {0.0f, 20.35f, 46.25f, 72.15f, 98.05f, 123.95f, 149.85f, 175.75f, 201.65f, 222.0f};
    const float lin_row3[10] = {153.5625f,   185.978119f, 183.234375f, 101.290627f, 133.746872f,
                                125.106247f, 73.696877f,  114.953125f, 156.209381f, 188.625f};
    const float lin_row7[10] = {108.0f, 156.95f, 196.5f, 195.1f, 86.45f, 27.3f, 30.45f, 92.75f, 114.1f, 113.0f};
    float out[8 * 10];
    REQUIRE(transform_resize(&cv_src[0][0], 7, 5, 7, 1, out, 3, 2) == GANC_OK);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++) CHECK_NEAR(out[y * 3 + x], area[y][x], 1e-3);
    REQUIRE(transform_resize(&cv_src[0][0], 7, 5, 7, 1, out, 10, 8) == GANC_OK);
    for (int x = 0; x < 10; x++) {
        CHECK_NEAR(out[x], lin_row0[x], 1e-3);
        CHECK_NEAR(out[30 + x], lin_row3[x], 1e-3);
        CHECK_NEAR(out[70 + x], lin_row7[x], 1e-3);
    }
}

TEST(data_transform_resize_mixed_axes_match_a_naive_2d_sum) {
    /* Shrink x (7 -> 4), enlarge y (5 -> 9), 3 channels: against the
     * non-separable sum over source pixels of wx(ox, ix) * wy(oy, iy), with
     * the weights written from the definitions in transforms.h. */
    uint8_t src[5 * 7 * 3];
    fx_pattern(src, 7, 5, 3, 4);
    float out[9 * 4 * 3];
    REQUIRE(transform_resize(src, 7, 5, 21, 3, out, 4, 9) == GANC_OK);
    double max_err = 0;
    for (int oy = 0; oy < 9; oy++)
        for (int ox = 0; ox < 4; ox++)
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int iy = 0; iy < 5; iy++) {
                    double sy = fmax((oy + 0.5) * 5 / 9 - 0.5, 0);
                    double wy = fmax(0, 1 - fabs(fmin(sy, 4) - iy));
                    for (int ix = 0; ix < 7; ix++) {
                        double lo = ox * 7.0 / 4, hi = (ox + 1) * 7.0 / 4;
                        double wx = fmax(0, fmin(hi, ix + 1) - fmax(lo, ix)) / (7.0 / 4);
                        sum += wx * wy * src[(iy * 7 + ix) * 3 + c];
                    }
                }
                max_err = fmax(max_err, fabs(sum - out[(oy * 4 + ox) * 3 + c]));
            }
    CHECK_MSG(max_err < 1e-3, "max error %g", max_err);
}

TEST(data_transform_crop_flip_and_normalise) {
    /* (3,4,1) image 0..11; crop 2x2 at (1,1): rows (5,6), (9,10). */
    float src[12];
    for (int i = 0; i < 12; i++) src[i] = (float)(i * 20);
    real out[4];
    transform_draw d = {1, 1, false};
    transform_crop_to_chw(src, 4, 3, 1, &d, 2, 2, out);
    const double plain[4] = {100, 120, 180, 200}, flipped[4] = {120, 100, 200, 180};
    for (int i = 0; i < 4; i++) CHECK_NEAR(out[i], plain[i] / 127.5 - 1, 1e-6);
    d.flip = true;
    transform_crop_to_chw(src, 4, 3, 1, &d, 2, 2, out);
    for (int i = 0; i < 4; i++) CHECK_NEAR(out[i], flipped[i] / 127.5 - 1, 1e-6);
    /* Channels go to planes: (1,1,3) pixel (0, 127.5, 255) -> (-1, 0, 1). */
    float px[3] = {0, 127.5f, 255};
    real chw[3];
    transform_draw zero = {0, 0, false};
    transform_crop_to_chw(px, 1, 1, 3, &zero, 1, 1, chw);
    CHECK_NEAR(chw[0], -1, 1e-7);
    CHECK_NEAR(chw[1], 0, 1e-7);
    CHECK_NEAR(chw[2], 1, 1e-7);
}

TEST(data_transform_choose_offsets_and_flip) {
    transform_cfg rnd = {.load_size = 10, .crop_size = 6, .random_crop = true, .flip = true};
    transform_draw d;
    REQUIRE(transform_choose(&rnd, (const double[]){1e-9, 0.999999, 0.4}, 10, 10, "x", &d) == GANC_OK);
    CHECK(d.x == 0 && d.y == 4 && d.flip); /* 5 offsets 0..4 */
    REQUIRE(transform_choose(&rnd, (const double[]){0.5, 0.39, 0.6}, 10, 8, "x", &d) == GANC_OK);
    CHECK(d.x == 2 && d.y == 1 && !d.flip); /* floor(0.5 * 5), floor(0.39 * 3) */
    transform_cfg ctr = {.load_size = 0, .crop_size = 4, .random_crop = false, .flip = false};
    REQUIRE(transform_choose(&ctr, (const double[]){0.9, 0.9, 0.1}, 9, 6, "x", &d) == GANC_OK);
    CHECK(d.x == 2 && d.y == 1 && !d.flip);
    CHECK(transform_out_side(&ctr) == 4);
    transform_cfg none = {.load_size = 12, .crop_size = 0, .random_crop = true, .flip = false};
    REQUIRE(transform_choose(&none, (const double[]){0.9, 0.9, 0.1}, 12, 12, "x", &d) == GANC_OK);
    CHECK(d.x == 0 && d.y == 0 && transform_out_side(&none) == 12);
    CHECK(transform_choose(&ctr, (const double[]){0.5, 0.5, 0.5}, 3, 6, "dir/small.png", &d) == GANC_ERR_SHAPE);
    CHECK(strstr(ganc_error_message(), "dir/small.png") && strstr(ganc_error_message(), "crop_size 4"));
}

/* ---- folders and label CSVs ---- */

TEST(data_folder_lists_images_sorted_and_filtered) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    const char *files[] = {"b.PNG", "a.jpg", "c.jpeg", "B.bmp", "z.tga", ".hidden.png", "notes.txt", "x.gif"};
    for (int i = 0; i < 8; i++) REQUIRE(fx_write_text(P(files[i]), "x"));
    REQUIRE(fx_mkdir(dir, "sub.png"));
    image_folder f;
    REQUIRE(image_folder_list(dir, 0, "ctx", &f) == GANC_OK);
    const char *want[] = {"B.bmp", "a.jpg", "b.PNG", "c.jpeg", "z.tga"};
    CHECK(f.n == 5);
    for (long i = 0; i < f.n && i < 5; i++) CHECK_MSG(!strcmp(f.names[i], want[i]), "%ld: %s", i, f.names[i]);
    CHECK(!strcmp(f.paths[1], P("a.jpg")));
    image_folder_free(&f);
    REQUIRE(image_folder_list(dir, 2, "ctx", &f) == GANC_OK);
    CHECK(f.n == 2 && !strcmp(f.names[1], "a.jpg"));
    image_folder_free(&f);
    CHECK(image_folder_list(P("sub.png"), 0, "data [x]", &f) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "data [x]") && strstr(ganc_error_message(), "sub.png") &&
          strstr(ganc_error_message(), "has no images"));
    CHECK(image_folder_list(P("nope"), 0, "ctx", &f) == GANC_ERR_IO && strstr(ganc_error_message(), "nope") &&
          strstr(ganc_error_message(), "does not exist"));
    fx_rmtree(dir);
    free(dir);
}

TEST(data_labels_csv_parses_quotes_crlf_bom_and_selects_columns) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_write_text(P("l.csv"), "\xef\xbb\xbf"
                                      "file,style,a_x,a_y,\"p,q\"\r\n"
                                      "\"img, 1.png\",photo,0.5,-2,1e3\r\n"
                                      "\r\n"
                                      "img2.png,\"car\"\"toon\",  3 ,4.25,0\n"));
    labels_csv l;
    REQUIRE(labels_csv_load(path, "a_*, p,q", &l) != GANC_OK); /* "p" and "q" are no columns: "p,q" is one name */
    CHECK(strstr(ganc_error_message(), "\"p\"") && strstr(ganc_error_message(), "l.csv"));
    REQUIRE(labels_csv_load(path, "a_*", &l) == GANC_OK);
    CHECK(l.n_rows == 2 && l.n_labels == 2);
    CHECK(!strcmp(l.names[0], "a_x") && !strcmp(l.names[1], "a_y"));
    CHECK(!strcmp(l.files[0], "img, 1.png") && !strcmp(l.files[1], "img2.png"));
    CHECK(l.lines[0] == 2 && l.lines[1] == 4);
    CHECK_NEAR(l.values[0], 0.5, 0);
    CHECK_NEAR(l.values[1], -2, 0);
    CHECK_NEAR(l.values[2], 3, 0);
    CHECK_NEAR(l.values[3], 4.25, 0);
    labels_csv_free(&l);
    REQUIRE(fx_write_text(P("n.csv"), "file,a,b\nx.png,1,2\ny.png,3,4\n"));
    REQUIRE(labels_csv_load(path, "b, a", &l) == GANC_OK);
    CHECK(l.n_labels == 2 && !strcmp(l.names[0], "b") && l.values[0] == 2 && l.values[1] == 1);
    labels_csv_free(&l);
    REQUIRE(labels_csv_load(path, NULL, &l) == GANC_OK);
    CHECK(l.n_labels == 2 && l.values[2] == 3);
    labels_csv_free(&l);
    fx_rmtree(dir);
    free(dir);
}

static void expect_csv_error(test_ctx *tc, const char *dir, const char *text, const char *columns, const char *what) {
    char path[512];
    fx_path(path, sizeof path, dir, "bad.csv");
    if (!fx_write_text(path, text)) {
        CHECK_MSG(false, "cannot write %s", path);
        return;
    }
    labels_csv l;
    CHECK_MSG(labels_csv_load(path, columns, &l) != GANC_OK, "accepted: %s", text);
    CHECK_MSG(strstr(ganc_error_message(), "bad.csv") && strstr(ganc_error_message(), what), "\"%s\": message %s", what,
              ganc_error_message());
}

TEST(data_labels_csv_errors_name_file_line_and_column) {
    char *dir = fx_tmpdir();
    REQUIRE(dir);
    expect_csv_error(tc, dir, "file,a\nx.png,0.5\ny.png,abc\n", "", "bad.csv:3: column a: expected a finite number");
    expect_csv_error(tc, dir, "file,a\nx.png,\n", "", "column a");
    expect_csv_error(tc, dir, "file,a\nx.png,nan\n", "", "finite");
    expect_csv_error(tc, dir, "file,a,b\nx.png,1\n", "", "bad.csv:2: 2 fields, but the header has 3");
    expect_csv_error(tc, dir, "file,a\n\"x.png,1\n", "", "never closed");
    expect_csv_error(tc, dir, "", "", "header");
    expect_csv_error(tc, dir, "file\nx.png\n", "", "header");
    expect_csv_error(tc, dir, "file,a\n", "", "no rows");
    expect_csv_error(tc, dir, "file,a,b\nx.png,1,2\n", "c",
                     "no label column \"c\" (columns after the file name: a, b)");
    expect_csv_error(tc, dir, "file,a,b\nx.png,1,2\n", "z*", "\"z*\"");
    expect_csv_error(tc, dir, "file,a,b\nx.png,1,2\n", "a,a", "selected twice");
    expect_csv_error(tc, dir, "file,a\n,1\n", "", "empty file name");
    labels_csv l;
    CHECK(labels_csv_load("/nonexistent/l.csv", "", &l) == GANC_ERR_IO &&
          strstr(ganc_error_message(), "/nonexistent/l.csv"));
    fx_rmtree(dir);
    free(dir);
}

TEST(data_labels_csv_matches_rows_to_images) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_mkdir(dir, "imgs"));
    REQUIRE(fx_write_text(P("imgs/a.png"), "x"));
    REQUIRE(fx_write_text(P("imgs/b.png"), "x"));
    /* Paths relative to the CSV's folder (as ganc synth writes), a bare name relative to the
     * image folder, and a row for a file outside the dataset. */
    REQUIRE(fx_write_text(P("l.csv"), "file,v\nother/c.png,3\nimgs/b.png,2\na.png,1\n"));
    labels_csv l;
    REQUIRE(labels_csv_load(path, "", &l) == GANC_OK);
    image_folder f;
    REQUIRE(image_folder_list(P("imgs"), 0, "ctx", &f) == GANC_OK);
    long rows[2];
    REQUIRE(labels_csv_match(&l, &f, rows) == GANC_OK);
    CHECK(rows[0] == 2 && rows[1] == 1);
    labels_csv_free(&l);
    REQUIRE(fx_write_text(P("l.csv"), "file,v\nimgs/b.png,2\n"));
    REQUIRE(labels_csv_load(P("l.csv"), "", &l) == GANC_OK);
    CHECK(labels_csv_match(&l, &f, rows) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "no row for image") && strstr(ganc_error_message(), "imgs/a.png") &&
          strstr(ganc_error_message(), "l.csv"));
    labels_csv_free(&l);
    REQUIRE(fx_write_text(P("l.csv"), "file,v\nimgs/b.png,2\nimgs/./b.png,3\nimgs/a.png,1\n"));
    REQUIRE(labels_csv_load(P("l.csv"), "", &l) == GANC_OK);
    CHECK(labels_csv_match(&l, &f, rows) == GANC_ERR_FORMAT && strstr(ganc_error_message(), "lines 2 and 3"));
    labels_csv_free(&l);
    image_folder_free(&f);
    fx_rmtree(dir);
    free(dir);
}
