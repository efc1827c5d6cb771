/* Exact Canny against edges worked out by hand and against cv2.Canny
 * (tests/tools/compare_canny.py, when opencv-python-headless is
 * installed), and the edge loss's values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/image_io.h"
#include "data/synth/synth.h"
#include "losses/canny.h"
#include "tests/test.h"

static bool error_mentions(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

/* Runs canny_u8 and compares with a 0/1 pattern of '0'/'1' characters. */
static bool edges_are(const uint8_t *img, int h, int w, canny_params p, const char *pattern) {
    uint8_t edges[256];
    if (canny_u8(img, h, w, &p, edges)) return false;
    for (int i = 0; i < h * w; i++)
        if ((edges[i] == 255) != (pattern[i] == '1') || (edges[i] != 0 && edges[i] != 255)) return false;
    return true;
}

static const canny_params P100_200 = {100, 200, false, 0, 0};

TEST(canny_step_edges_by_hand) {
    /* Step 0 | 255 between columns 3 and 4: Sobel dx = 4 * 255 on both
     * columns; the tie goes to the left one (m > left, m >= right). */
    uint8_t v[6 * 8], hz[8 * 8];
    for (int i = 0; i < 48; i++) v[i] = i % 8 >= 4 ? 255 : 0;
    for (int i = 0; i < 64; i++) hz[i] = i / 8 >= 4 ? 255 : 0;
    char want_v[49], want_h[65];
    for (int i = 0; i < 48; i++) want_v[i] = i % 8 == 3 ? '1' : '0';
    for (int i = 0; i < 64; i++) want_h[i] = i / 8 == 3 ? '1' : '0';
    CHECK(edges_are(v, 6, 8, P100_200, want_v));
    CHECK(edges_are(hz, 8, 8, P100_200, want_h));
    CHECK(edges_are(v, 6, 8, (canny_params){100, 200, true, 0, 0}, want_v));
    /* Thresholds in either order; a step of 51 gives dx = 204: strong
     * above 200, nothing above 204 (the test is m > high). */
    for (int i = 0; i < 48; i++) v[i] = i % 8 >= 4 ? 51 : 0;
    CHECK(edges_are(v, 6, 8, (canny_params){200, 100, false, 0, 0}, want_v));
    CHECK(
        edges_are(v, 6, 8, (canny_params){100, 204, false, 0, 0}, "000000000000000000000000000000000000000000000000"));
    CHECK(edges_are(v, 6, 8, (canny_params){100, 204, true, 0, 0}, "000000000000000000000000000000000000000000000000"));
    CHECK(edges_are(v, 6, 8, (canny_params){100, 203.5, true, 0, 0}, want_v));
}

TEST(canny_hysteresis_by_hand) {
    /* Columns 4.. are 60 in rows 0-3 (dx = 240 > high: strong) and 30 in
     * rows 4-7 (dx = 120: weak). The weak part of the vertical edge and the
     * weak horizontal step 60 -> 30 join the strong edge through
     * 8-connected neighbours; cv2.Canny(img, 100, 200) gives the same. */
    uint8_t img[8 * 10];
    for (int i = 0; i < 80; i++) img[i] = i % 10 < 4 ? 0 : i / 10 < 4 ? 60 : 30;
    CHECK(edges_are(img, 8, 10, P100_200,
                    "0001000000"
                    "0001000000"
                    "0001000000"
                    "0000111111"
                    "0000100000"
                    "0001000000"
                    "0001000000"
                    "0001000000"));
    /* The largest magnitude, |dx| + |dy| = 120 + 180 at the corner (3,4),
     * is not above high = 300: no seed, nothing survives. */
    CHECK(edges_are(img, 8, 10, (canny_params){100, 300, false, 0, 0},
                    "00000000000000000000000000000000000000000000000000000000000000000000000000000000"));
    /* A weak edge alone is dropped; with high below 120 it is an edge. */
    for (int i = 0; i < 80; i++) img[i] = i % 10 < 4 ? 0 : 30;
    char col3[81];
    for (int i = 0; i < 80; i++) col3[i] = i % 10 == 3 ? '1' : '0';
    col3[80] = '\0';
    CHECK(edges_are(img, 8, 10, P100_200,
                    "00000000000000000000000000000000000000000000000000000000000000000000000000000000"));
    CHECK(edges_are(img, 8, 10, (canny_params){100, 110, false, 0, 0}, col3));
}

TEST(canny_diagonal_sector) {
    /* 200 below the anti-diagonal x + y = 7. Interior gradients point
     * down-right (45 degrees): the diagonal sector compares the up-left
     * and down-right neighbours. Pattern as cv2.Canny(img, 100, 200), with
     * L1 and L2 magnitudes. */
    uint8_t img[64];
    for (int i = 0; i < 64; i++) img[i] = i % 8 + i / 8 > 7 ? 200 : 0;
    const char *want = "00000000"
                       "00000011"
                       "00000110"
                       "00001100"
                       "00011000"
                       "00110000"
                       "01100000"
                       "01000000";
    CHECK(edges_are(img, 8, 8, P100_200, want));
    CHECK(edges_are(img, 8, 8, (canny_params){100, 200, true, 0, 0}, want));
}

TEST(canny_blur_taps) {
    /* An impulse of 255 spreads as the outer product of OpenCV's taps:
     * ksize 5: 1/16 (1 4 6 4 1), centre 255 * 0.375^2 = 35.86 -> 36,
     * next 255 * 0.375 * 0.25 = 23.9 -> 24, corner 255 / 256 -> 1;
     * ksize 3: centre 255 / 4 = 63.75 -> 64. */
    uint8_t img[81] = {0}, out[81];
    img[40] = 255;
    REQUIRE(canny_blur_u8(img, 9, 9, 5, 0, out) == GANC_OK);
    CHECK(out[40] == 36 && out[39] == 24 && out[31] == 24 && out[20] == 1 && out[0] == 0);
    REQUIRE(canny_blur_u8(img, 9, 9, 3, 0, out) == GANC_OK);
    CHECK(out[40] == 64 && out[30] == 16);
    /* A flat image stays flat, borders included (reflect-101). */
    memset(img, 77, sizeof img);
    REQUIRE(canny_blur_u8(img, 9, 9, 7, 1.3, out) == GANC_OK);
    for (int i = 0; i < 81; i++) CHECK(out[i] == 77);
}

TEST(canny_rejects_bad_arguments) {
    uint8_t img[16] = {0}, out[16];
    CHECK(canny_u8(img, 4, 4, &(canny_params){-1, 200, false, 0, 0}, out) && error_mentions("low = -1", NULL));
    CHECK(canny_u8(img, 4, 4, &(canny_params){100, NAN, false, 0, 0}, out) && error_mentions("finite", NULL));
    CHECK(canny_u8(img, 4, 4, &(canny_params){100, 200, false, 4, 0}, out) && error_mentions("blur size 4", "odd"));
    CHECK(canny_u8(img, 4, 4, &(canny_params){100, 200, false, -3, 0}, out) && error_mentions("blur size -3", NULL));
    CHECK(canny_u8(img, 0, 4, &P100_200, out) && error_mentions("size 4x0", NULL));
    CHECK(canny_u8(NULL, 4, 4, &P100_200, out) && error_mentions("NULL", NULL));
    CHECK(canny_u8(img, 4, 4, NULL, out) && error_mentions("parameters", NULL));
    CHECK(canny_blur_u8(img, 4, 4, 2, 0, out) && error_mentions("canny_blur", "size 2"));
}

/* ---- agreement with cv2.Canny ---- */

static bool write_pgm(const char *path, const uint8_t *img, int h, int w) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fprintf(f, "P5\n%d %d\n255\n", w, h) > 0 && fwrite(img, 1, (size_t)h * w, f) == (size_t)h * w;
    return fclose(f) == 0 && ok;
}

enum { CV_SIZE = 96, CV_IMAGES = 5 };

/* Test images: synthetic faces in three styles (grey as cv2.cvtColor's
 * fixed-point RGB2GRAY in OpenCV 5, see canny_grey_u8), uniform noise, and
 * soft-edged discs. */
static bool make_image(int k, synth_renderer *r, uint8_t *rgb, uint8_t *grey) {
    int n = CV_SIZE * CV_SIZE;
    if (k < 3) {
        synth_face face;
        synth_face_sample(7, (uint32_t)k, 0, &face);
        const synth_style styles[3] = {SYNTH_PHOTO, SYNTH_CARTOON, SYNTH_ANIMAL};
        if (synth_render(r, styles[k], &face, rgb, NULL, NULL)) return false;
        for (int i = 0; i < n; i++)
            grey[i] = (uint8_t)((rgb[3 * i] * 9798 + rgb[3 * i + 1] * 19235 + rgb[3 * i + 2] * 3735 + (1 << 14)) >> 15);
    } else if (k == 3) {
        uint32_t s = 12345;
        for (int i = 0; i < n; i++) grey[i] = (uint8_t)((s = s * 1664525u + 1013904223u) >> 24);
    } else {
        for (int i = 0; i < n; i++) {
            double x = i % CV_SIZE, y = i / CV_SIZE, v = 40;
            for (int d = 0; d < 4; d++) {
                double cx = 20 + 17 * d, cy = 30 + 11 * d, rad = 8 + 3 * d;
                double dist = sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                v += (40 + 30 * d) / (1 + exp((dist - rad) / (0.5 + d)));
            }
            grey[i] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
    return true;
}

static const struct {
    canny_params p;
} CV_PARAMS[] = {
    {{100, 200, false, 0, 0}},  {{50, 150, true, 0, 0}},  {{30, 90, false, 5, 0}}, {{20, 60, true, 3, 0}},
    {{40, 120, false, 7, 1.5}}, {{25, 80, true, 5, 2.2}}, {{60, 30, false, 9, 0}},

};
#define CV_N_PARAMS (int)(sizeof CV_PARAMS / sizeof CV_PARAMS[0])

/* Writes every case into dir; false on an I/O or library error. */
static bool write_cases(const char *dir) {
    synth_renderer *r = synth_renderer_new(CV_SIZE, CV_SIZE);
    uint8_t *rgb = malloc(3 * CV_SIZE * CV_SIZE), *grey = malloc(CV_SIZE * CV_SIZE);
    uint8_t *edges = malloc(CV_SIZE * CV_SIZE), *blurred = malloc(CV_SIZE * CV_SIZE);
    char path[512];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *list = fopen(path, "w");
    bool ok = r && rgb && grey && edges && blurred && list;
    for (int k = 0; ok && k < CV_IMAGES; k++) {
        ok = make_image(k, r, rgb, grey);
        for (int j = 0; ok && j < CV_N_PARAMS; j++) {
            const canny_params *p = &CV_PARAMS[j].p;
            char name[32];
            snprintf(name, sizeof name, "img%d_p%d", k, j);
            snprintf(path, sizeof path, "%s/%s.in.pgm", dir, name);
            ok = write_pgm(path, grey, CV_SIZE, CV_SIZE) && !canny_u8(grey, CV_SIZE, CV_SIZE, p, edges);
            snprintf(path, sizeof path, "%s/%s.edges.pgm", dir, name);
            ok = ok && write_pgm(path, edges, CV_SIZE, CV_SIZE);
            if (ok && p->blur_ksize > 1) {
                snprintf(path, sizeof path, "%s/%s.blur.pgm", dir, name);
                ok = !canny_blur_u8(grey, CV_SIZE, CV_SIZE, p->blur_ksize, p->blur_sigma, blurred) &&
                     write_pgm(path, blurred, CV_SIZE, CV_SIZE);
            }
            ok = ok && fprintf(list, "%s %g %g %d %d %g\n", name, p->low, p->high, p->l2_gradient, p->blur_ksize,
                               p->blur_sigma) > 0;
        }
    }
    if (list) ok = fclose(list) == 0 && ok;
    synth_renderer_free(r);
    free(rgb), free(grey), free(edges), free(blurred);
    return ok;
}

static void remove_cases(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* `rel` under the repository root: build/<variant>/run_tests -> ../../rel. */
static bool repo_path(const char *rel, char *out, size_t size) {
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0) return false;
    out[n] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(out, '/');
        if (!slash) return false;
        *slash = '\0';
    }
    return strlen(out) + 1 + strlen(rel) < size && strcat(strcat(out, "/"), rel);
}

/* The README's claim: the exact Canny is cv2.Canny's, bit for bit. */
TEST(canny_agrees_with_opencv) {
    if (system("python3 -c 'import cv2, numpy' >/dev/null 2>&1") != 0)
        SKIP("needs python3 with opencv-python-headless and numpy (canny_matches_opencv_fixtures runs without)");
    char script[512];
    REQUIRE(repo_path("tests/tools/compare_canny.py", script, sizeof script));
    char dir[] = "/tmp/ganc_canny_XXXXXX";
    REQUIRE(mkdtemp(dir));
    bool written = write_cases(dir);
    CHECK_MSG(written, "could not write the test images into %s: %s", dir, ganc_error_message());
    char cmd[1200], line[256];
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s' 2>&1", script, dir);
    FILE *p = written ? popen(cmd, "r") : NULL;
    double canny = -1, blur = -1, worst = 2;
    long pixels = 0;
    char worst_name[64] = "";
    while (p && fgets(line, sizeof line, p)) {
        char name[64];
        double a;
        if (sscanf(line, "total canny %lf blur %lf pixels %ld", &canny, &blur, &pixels) == 3) continue;
        if (sscanf(line, "%63s canny %lf", name, &a) != 2)
            fprintf(stdout, "    compare_canny.py: %s", line);
        else if (a < worst)
            worst = a, snprintf(worst_name, sizeof worst_name, "%s", name);
    }
    if (p) CHECK(pclose(p) == 0);
    remove_cases(dir);
    REQUIRE(canny >= 0);
    printf("    canny vs cv2.Canny: %.4f%% of %ld pixels agree (worst case %s: %.4f%%); blur vs cv2.GaussianBlur: "
           "%.4f%%\n",
           100 * canny, pixels, worst_name, 100 * worst, 100 * blur);
    CHECK_MSG(canny == 1, "agreement with cv2.Canny %.6f, not 1", canny);
    CHECK_MSG(worst == 1, "case %s agrees on only %.6f of its pixels", worst_name, worst);
    CHECK_MSG(blur == 1, "agreement with cv2.GaussianBlur %.6f, not 1", blur);
    CHECK(pixels == (long)CV_IMAGES * CV_N_PARAMS * CV_SIZE * CV_SIZE);
}

/* The same claim without OpenCV: cv2.Canny's edges for 4 images x 7
 * parameter sets, made once by tests/tools/make_canny_fixtures.py (its
 * OpenCV version is in tests/data/canny/cases.txt). Every pixel must agree. */
TEST(canny_matches_opencv_fixtures) {
    char dir[512], path[600], line[256];
    REQUIRE(repo_path("tests/data/canny", dir, sizeof dir));
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "r");
    REQUIRE(f);
    canny_params params[16];
    int n_params = 0, n_images = 0;
    long pixels = 0, differ = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        int l2;
        canny_params *p = &params[n_params];
        if (n_params < 16 && sscanf(line, "params %lf %lf %d %d %lf", &p->low, &p->high, &l2, &p->blur_ksize,
                                    &p->blur_sigma) == 5) {
            p->l2_gradient = l2 != 0;
            n_params++;
            continue;
        }
        if (sscanf(line, "image %63s", name) != 1) continue;
        image in = {0}, want = {0};
        snprintf(path, sizeof path, "%s/%s.png", dir, name);
        REQUIRE(image_load_rgb(path, &in, NULL) == GANC_OK);
        snprintf(path, sizeof path, "%s/%s.edges.png", dir, name);
        REQUIRE(image_load_rgb(path, &want, NULL) == GANC_OK);
        int h = in.height, w = in.width;
        REQUIRE(want.height == h && want.width == n_params * w);
        uint8_t *grey = malloc((size_t)h * w), *edges = malloc((size_t)h * w);
        REQUIRE(grey && edges);
        for (int i = 0; i < h * w; i++) grey[i] = in.pixels[3 * i];
        for (int k = 0; k < n_params; k++) {
            REQUIRE(canny_u8(grey, h, w, &params[k], edges) == GANC_OK);
            long bad = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) bad += edges[y * w + x] != want.pixels[3 * ((size_t)y * want.width + k * w + x)];
            CHECK_MSG(bad == 0, "%s, parameter set %d: %ld of %d pixels differ from cv2.Canny", name, k, bad, h * w);
            differ += bad;
            pixels += h * w;
        }
        n_images++;
        free(grey), free(edges);
        image_free(&in), image_free(&want);
    }
    fclose(f);
    printf("    canny vs stored cv2.Canny edges: %ld of %ld pixels differ (%d images x %d parameter sets)\n", differ,
           pixels, n_images, n_params);
    CHECK(n_images == 4 && n_params == 7 && pixels == 4L * 7 * 96 * 96);
}

/* cv2.cvtColor(RGB2GRAY) on 8-bit images in OpenCV 5.1 is
 * (9798 R + 19235 G + 3735 B + 2^14) >> 15 (measured equal on all 2^24
 * colours); the 14-bit weights (4899, 9617, 1868) differ by one level on
 * 43,864 colours, most of them exact .5 ties of 0.299 R + 0.587 G + 0.114 B.
 * The expected values are cv2 5.1.0's. */
TEST(canny_grey_matches_opencv_on_ties) {
    static const struct {
        uint8_t rgb[3], cv;
    } cases[] = {{{0, 0, 250}, 28}, {{0, 1, 201}, 23}, {{0, 2, 152}, 18}, {{0, 3, 217}, 26}, {{0, 4, 168}, 21},
                 {{255, 255, 255}, 255}, {{0, 0, 0}, 0}, {{255, 0, 0}, 76}, {{0, 255, 0}, 150}, {{0, 0, 255}, 29}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        real unit[3], signed_[3];
        for (int c = 0; c < 3; c++) {
            unit[c] = (real)(cases[i].rgb[c] / 255.0);
            signed_[c] = (real)(cases[i].rgb[c] / 127.5 - 1);
        }
        uint8_t a = 0, b = 0;
        canny_grey_u8(unit, 3, 1, false, &a);
        canny_grey_u8(signed_, 3, 1, true, &b);
        CHECK_MSG(a == cases[i].cv && b == cases[i].cv, "RGB (%d,%d,%d): grey %d / %d, cv2.cvtColor gives %d",
                  cases[i].rgb[0], cases[i].rgb[1], cases[i].rgb[2], a, b, cases[i].cv);
    }
}

/* ---- the edge loss ---- */

static double sigmoid(double x) { return 1 / (1 + exp(-x)); }

/* (1,1,6,8) in [-1,1]: -1 left of column `step`, -0.6 from it (grey 0 | 51). */
static tensor *step_image(tape *t, int step) {
    real v[48];
    for (int i = 0; i < 48; i++) v[i] = (real)(i % 8 >= step ? -0.6 : -1);
    return tape_from_host(t, 4, (int[]){1, 1, 6, 8}, v, "step");
}

TEST(canny_loss_values_by_hand) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    canny_loss_params p = {P100_200, 0, true, LOSS_DIST_L2};
    /* Same image: E and the ridge mask are column 3, where m = 4 * 51 = 204;
     * S = sigmoid((204 - 150) / 25) there, so the RMS difference is
     * (1 - sigmoid(2.16)) / sqrt(8). */
    tensor *a = step_image(t, 4), *b = step_image(t, 5);
    tensor *same = loss_canny(t, a, a, &p);
    REQUIRE(same);
    CHECK_NEAR(same->data[0], (1 - sigmoid(2.16)) / sqrt(8.0), 1e-5);
    /* Edge one column to the right in x: E at column 3, x's ridge at 4;
     * at column 3 x is flat (m = 0): S = sigmoid(-6). */
    double miss = 1 - sigmoid(-6), extra = sigmoid(2.16);
    tensor *shifted = loss_canny(t, a, b, &p);
    p.distance = LOSS_DIST_L1;
    tensor *l1 = loss_canny(t, a, b, &p);
    p.distance = LOSS_DIST_MSE;
    p.temperature = 10;
    tensor *mse = loss_canny(t, a, b, &p);
    REQUIRE(shifted && l1 && mse);
    CHECK_NEAR(shifted->data[0], sqrt((miss * miss + extra * extra) / 8), 1e-5);
    CHECK_NEAR(l1->data[0], (miss + extra) / 8, 1e-5);
    CHECK_NEAR(mse->data[0], (pow(1 - sigmoid(-15), 2) + pow(sigmoid(5.4), 2)) / 8, 1e-5);
    /* [0,1] images: 0.2 is grey 51, the same step. */
    real u[48];
    for (int i = 0; i < 48; i++) u[i] = (real)(i % 8 >= 4 ? 0.2 : 0);
    tensor *unit = tape_from_host(t, 4, (int[]){1, 1, 6, 8}, u, "unit");
    canny_loss_params pu = {P100_200, 0, false, LOSS_DIST_L2};
    tensor *same_unit = loss_canny(t, unit, unit, &pu);
    REQUIRE(same_unit);
    CHECK_NEAR(same_unit->data[0], same->data[0], 1e-5);
    tape_free(t);
}

TEST(canny_loss_rgb_and_blur) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* An RGB image whose grey levels are the step image: the weights sum to 1. */
    real rgb[3 * 48], g[48];
    for (int i = 0; i < 48; i++) {
        g[i] = (real)(i % 8 >= 4 ? -0.6 : -1);
        for (int c = 0; c < 3; c++) rgb[c * 48 + i] = g[i];
    }
    tensor *x3 = tape_from_host(t, 4, (int[]){1, 3, 6, 8}, rgb, "rgb");
    tensor *x1 = tape_from_host(t, 4, (int[]){1, 1, 6, 8}, g, "grey");
    canny_loss_params p = {{30, 60, false, 3, 0}, 0, true, LOSS_DIST_L2};
    tensor *y3 = loss_canny(t, x3, x3, &p), *y1 = loss_canny(t, x1, x1, &p);
    REQUIRE(y3 && y1);
    CHECK_NEAR(y3->data[0], y1->data[0], 1e-5);
    CHECK(y1->data[0] > 0 && y1->data[0] < 1);
    tape_free(t);
}

TEST(canny_loss_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = step_image(t, 4);
    real v[2 * 48] = {0};
    tensor *two = tape_from_host(t, 4, (int[]){1, 2, 6, 8}, v, "two");
    tensor *flat = tape_from_host(t, 2, (int[]){6, 8}, v, "flat");
    canny_loss_params p = {P100_200, 0, true, LOSS_DIST_L2};
    CHECK(!loss_canny(t, two, two, &p) && error_mentions("C = 1 or 3", "(1,2,6,8)"));
    CHECK(!loss_canny(t, a, flat, &p) && error_mentions("canny loss", "(6,8)"));
    p.canny.low = p.canny.high = 100;
    CHECK(!loss_canny(t, a, a, &p) && error_mentions("temperature", NULL));
    p.temperature = 5;
    CHECK(loss_canny(t, a, a, &p) != NULL);
    p.canny.blur_ksize = 2;
    CHECK(!loss_canny(t, a, a, &p) && error_mentions("blur size 2", NULL));
    p.canny.blur_ksize = 0;
    p.distance = (loss_dist)5;
    CHECK(!loss_canny(t, a, a, &p) && error_mentions("unknown distance 5", NULL));
    CHECK(!loss_canny(t, a, a, NULL) && error_mentions("parameters", NULL));
    tape_free(t);
}
