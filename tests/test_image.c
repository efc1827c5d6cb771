/* Image ops: forward values against hand-derived weights, properties
 * (constant in, constant out; impulse in, kernel out; ramp in, constant
 * gradient out), numbers from OpenCV, and every bad-input path. */
#include <math.h>
#include <string.h>

#include "core/ops/image.h"
#include "core/ops/spatial.h"
#include "tests/test.h"
#include "tests/adjoint_check.h"

#define MAX_VALUES 1024

/* Small integers in an irregular order, exact in float: the input of the
 * OpenCV reference numbers below, which were made with numpy as
 * ((i*i*7 + i*3) % 17 - 8) reshaped to the plane. */
static void pattern(real *v, int n) {
    for (int i = 0; i < n; i++) v[i] = (real)((i * i * 7 + i * 3) % 17 - 8);
}

static tensor *pattern_input(tape *t, int n, int c, int h, int w) {
    real v[MAX_VALUES];
    pattern(v, n * c * h * w);
    return tape_from_host(t, 4, (int[]){n, c, h, w}, v, "x");
}

static bool message_has(const char *a, const char *b) {
    const char *m = ganc_error_message();
    return strstr(m, a) && (!b || strstr(m, b));
}

/* ---- area downscale ---- */

TEST(area_downscale_integer_ratio_is_average_pooling) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 2, 3, 12, 8);
    tensor *a = op_area_downscale(t, x, 4, 2);
    tensor *p = op_avg_pool(t, x, 3, 4, 3, 4, 0, 0);
    REQUIRE(a && p && a->numel == p->numel);
    for (size_t i = 0; i < a->numel; i++) CHECK_NEAR(a->data[i], p->data[i], 1e-5);
    tensor *same = op_area_downscale(t, x, 12, 8);
    REQUIRE(same);
    for (size_t i = 0; i < x->numel; i++) CHECK_NEAR(same->data[i], x->data[i], 0);
    tape_free(t);
}

/* 10 -> 4: output pixel j covers input span [2.5j, 2.5j + 2.5), so its
 * weights are 1, 1, 0.5 (or 0.5, 1, 1) over 2.5, written here by hand. */
TEST(area_downscale_10_to_4_hand_weights) {
    static const double wt[4][10] = {
        {0.4, 0.4, 0.2, 0, 0, 0, 0, 0, 0, 0},
        {0, 0, 0.2, 0.4, 0.4, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 0.4, 0.4, 0.2, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0.2, 0.4, 0.4},
    };
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 1, 10, 10);
    tensor *y = op_area_downscale(t, x, 4, 4);
    REQUIRE(y);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double e = 0;
            for (int r = 0; r < 10; r++)
                for (int c = 0; c < 10; c++) e += wt[i][r] * wt[j][c] * x->data[r * 10 + c];
            CHECK_NEAR(y->data[i * 4 + j], e, 1e-5);
        }
    /* cv2.resize(x, (4, 4), interpolation=cv2.INTER_AREA) on float64, OpenCV 5.0.0. */
    static const double cv[16] = {-0.360000011, -1.24000004, -0.160000005, 1.04000003, 0.68000002, 1.08000003,
                                  1.28000004,   -1.68000005, 0.120000004,  -0.360000011, -1.68000005, 1.28000004,
                                  -0.280000008, 0.520000015, 1.04000003,   -0.160000005};
    for (int i = 0; i < 16; i++) CHECK_NEAR(y->data[i], cv[i], 1e-5);
    tape_free(t);
}

/* The adjoint of an average: a gradient of ones comes back as each input
 * pixel's total weight, which sums to the number of outputs. */
TEST(area_downscale_backward_spreads_weights) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 1, 10, 10);
    REQUIRE(x && tape_set_requires_grad(t, x) == GANC_OK);
    tensor *y = op_area_downscale(t, x, 4, 4);
    real ones[16];
    for (int i = 0; i < 16; i++) ones[i] = 1;
    tensor *seed = tape_from_host(t, 4, y->shape, ones, "seed");
    REQUIRE(y && seed && tape_backward(t, y, seed) == GANC_OK);
    /* Per dim every input pixel carries 0.4 in total: 4 outputs over 10 inputs. */
    for (int i = 0; i < 100; i++) CHECK_NEAR(x->grad[i], 0.16, 1e-6);
    tape_free(t);
}

TEST(area_downscale_rejects_bad_sizes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 2, 6, 5);
    REQUIRE(x);
    CHECK(!op_area_downscale(t, x, 3, 6));
    CHECK(message_has("area_downscale", "(1,2,6,5)"));
    CHECK(!op_area_downscale(t, x, 0, 2));
    CHECK(message_has("area_downscale", "(1,2,6,5)"));
    tensor *v = tape_from_host(t, 2, (int[]){6, 5}, x->data, "v");
    CHECK(!op_area_downscale(t, v, 3, 2));
    CHECK(message_has("area_downscale", "(6,5)"));
    tape_free(t);
}

/* ---- Gaussian blur ---- */

TEST(gaussian_blur_keeps_constants) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real v[70];
    for (int i = 0; i < 70; i++) v[i] = (real)0.7;
    tensor *x = tape_from_host(t, 4, (int[]){1, 2, 5, 7}, v, "x");
    const int ksizes[3] = {5, 0, 13};
    for (int k = 0; k < 3; k++) {
        tensor *y = op_gaussian_blur(t, x, ksizes[k], 1.3);
        REQUIRE(y);
        for (int i = 0; i < 70; i++) CHECK_NEAR(y->data[i], 0.7, 1e-6);
    }
    tape_free(t);
}

/* An impulse far from the border comes out as the outer product of the
 * normalised 1-D Gaussian, exp(-d^2 / (2 sigma^2)) / sum. */
TEST(gaussian_blur_of_impulse_is_the_kernel) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int n = 21, mid = 10;
    real v[21 * 21] = {0};
    v[mid * n + mid] = 1;
    tensor *x = tape_from_host(t, 4, (int[]){1, 1, n, n}, v, "x");
    const double sigma = 1.1;
    tensor *y = op_gaussian_blur(t, x, 7, (real)sigma);
    REQUIRE(y);
    double g[7], sum = 0;
    for (int i = 0; i < 7; i++) sum += g[i] = exp(-(i - 3) * (i - 3) / (2 * sigma * sigma));
    for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++) {
            int dr = r - mid + 3, dc = c - mid + 3;
            bool inside = dr >= 0 && dr < 7 && dc >= 0 && dc < 7;
            CHECK_NEAR(y->data[r * n + c], inside ? g[dr] * g[dc] / (sum * sum) : 0, 1e-7);
        }
    /* ksize 0 derives 9 taps from sigma 1 (OpenCV's float rule); sigma 0
     * with ksize 5 takes the fixed taps 1 4 6 4 1 / 16. */
    tensor *d = op_gaussian_blur(t, x, 0, 1);
    tensor *f = op_gaussian_blur(t, x, 5, 0);
    REQUIRE(d && f);
    CHECK(d->data[mid * n + mid + 4] > 0);
    CHECK_NEAR(d->data[mid * n + mid + 5], 0, 0);
    const double fixed[5] = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 5; c++) CHECK_NEAR(f->data[(mid - 2 + r) * n + mid - 2 + c], fixed[r] * fixed[c], 1e-7);
    tape_free(t);
}

/* cv2.GaussianBlur on the 6x7 pattern (float64, default border), OpenCV 5.0.0. */
TEST(gaussian_blur_matches_opencv) {
    static const double k5_s11[42] = {
        -0.130692576, 0.386756297,  0.956899907,  0.921369263,  0.481027297,  0.291074367,  0.544614116,
        -0.478240669, 0.0712626224, 0.81179266,   0.918981201,  0.621358418,  0.328848491,  0.454047563,
        -1.33031311,  -0.815058207, 0.0491498507, 0.29011058,   0.399203413,  0.230371505,  0.25301358,
        -1.35884064,  -0.936482572, -0.151785171, -0.090741858, 0.207787486,  0.472328381,  0.611032452,
        -0.780409956, -0.696224911, -0.516644323, -0.985194352, -0.922246747, -0.475551072, -0.285961445,
        -0.595454469, -0.698086861, -0.823069562, -1.45426974,  -1.45060924,  -0.892003902, -0.670359856};
    static const double k0_s06[42] = {
        -2.79340623, 0.595215965, -1.31290921, -0.531667907, -0.824324344, -1.36446449, 3.38561444,
        -0.81461963, 2.19891525,  3.30833681,  3.30234757,   2.2224606,    -0.47179888, 2.52988317,
        -3.30720407, -2.02527591, -1.13903702, -2.32498827,  0.586835652,  -2.33057857, -1.48303006,
        -2.61432018, -2.14145305, 2.29979944,  -0.487195105, 2.20401157,   3.29305526,  3.33863838,
        1.18428271,  -0.518813005, 2.29003863, -2.15010812,  -2.01928951,  -1.16806473, -2.85399766,
        0.0921392937, -3.34473802, -1.74640856, -3.18958526, -2.90237223,  0.981035628, -1.0799704};
    static const double k3_s0[42] = {
        -0.5,  0.625,   1.375,   1.25,    0.25,    0.5,     2,     -0.75, 0.4375, 1.3125, 1.3125,
        0.4375, -0.25,  0.25,    -2.5,    -1.1875, -0.0625, 0.1875, 0.625, 0.1875, -0.25,  -2.5,
        -1.0625, 0.3125, -0.25,  0.4375,  1.3125,  1,       -0.75, -0.25, 0.3125, -1.0625, -1.1875,
        -0.0625, -0.25, -0.5,    -1,      -1.375,  -2.625,  -2.625, -1.375, -1.5};
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 1, 6, 7);
    tensor *a = op_gaussian_blur(t, x, 5, 1.1), *b = op_gaussian_blur(t, x, 0, 0.6), *c = op_gaussian_blur(t, x, 3, 0);
    REQUIRE(a && b && c);
    for (int i = 0; i < 42; i++) {
        CHECK_NEAR(a->data[i], k5_s11[i], 1e-5);
        CHECK_NEAR(b->data[i], k0_s06[i], 1e-5);
        CHECK_NEAR(c->data[i], k3_s0[i], 1e-6);
    }
    tape_free(t);
}

TEST(gaussian_blur_rejects_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 2, 6, 5);
    REQUIRE(x);
    CHECK(!op_gaussian_blur(t, x, 4, 1));
    CHECK(message_has("gaussian_blur", "(1,2,6,5)"));
    CHECK(!op_gaussian_blur(t, x, 0, 0));
    CHECK(message_has("gaussian_blur", "sigma"));
    CHECK(!op_gaussian_blur(t, x, -3, 1));
    CHECK(message_has("gaussian_blur", "ksize -3"));
    CHECK(!op_gaussian_blur(t, x, 0, (real)NAN));
    CHECK(message_has("gaussian_blur", "sigma"));
    tensor *v = tape_from_host(t, 3, (int[]){2, 6, 5}, x->data, "v");
    CHECK(!op_gaussian_blur(t, v, 3, 1));
    CHECK(message_has("gaussian_blur", "(2,6,5)"));
    tape_free(t);
}

/* ---- Sobel ---- */

/* x = 2*col + 3*row: inside, d/dx = 2 * (1+2+1) * 2 = 16 and d/dy = 3 * 8 = 24;
 * on the border reflect-101 mirrors the ramp, so the derivative across it is 0. */
TEST(sobel_of_linear_ramp) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int h = 5, w = 6;
    real v[2 * 5 * 6];
    for (int c = 0; c < 2; c++)
        for (int r = 0; r < h; r++)
            for (int q = 0; q < w; q++) v[(c * h + r) * w + q] = (real)((c ? -1 : 1) * (2 * q + 3 * r) + c);
    tensor *x = tape_from_host(t, 4, (int[]){1, 2, h, w}, v, "x");
    tensor *y = op_sobel(t, x);
    REQUIRE(y);
    CHECK(y->shape[0] == 1 && y->shape[1] == 4 && y->shape[2] == h && y->shape[3] == w);
    for (int c = 0; c < 2; c++) {
        double sign = c ? -1 : 1;
        for (int r = 0; r < h; r++)
            for (int q = 0; q < w; q++) {
                double ex = (q == 0 || q == w - 1) ? 0 : 16 * sign, ey = (r == 0 || r == h - 1) ? 0 : 24 * sign;
                CHECK_NEAR(y->data[((2 * c) * h + r) * w + q], ex, 1e-5);
                CHECK_NEAR(y->data[((2 * c + 1) * h + r) * w + q], ey, 1e-5);
            }
    }
    tape_free(t);
}

/* cv2.Sobel(x, CV_64F, 1, 0, ksize=3) and (0, 1) on the 6x7 pattern, OpenCV 5.0.0. */
TEST(sobel_matches_opencv) {
    static const double dx[42] = {0, 18, -6, 4,  -20, 24, 0, 0, 19, -5, 5,   -19, 8,  0, 0, 21, -3, 7,  0,  -7, 0,
                                  0, 23, -1, -8, 19,  -5, 0, 0, 8,  1,  -23, 21,  -3, 0, 0, -8, 2,  -22, 22, -2, 0};
    static const double dy[42] = {0,  0,   0,   0,   0,   0,   0,   -4, -3, -1, 1,  3,  -12, -28,
                                  -24, -23, -21, -19, 0,   19,  20,  24, 25, 27, 12, -3, -1,  0,
                                  4,  -12, -27, -25, -23, -21, -20, 0,  0,  0,  0,  0,  0,   0};
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = pattern_input(t, 1, 1, 6, 7);
    tensor *y = op_sobel(t, x);
    REQUIRE(y);
    for (int i = 0; i < 42; i++) {
        CHECK_NEAR(y->data[i], dx[i], 1e-5);
        CHECK_NEAR(y->data[42 + i], dy[i], 1e-5);
    }
    tape_free(t);
}

TEST(sobel_rejects_non_planar_input) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    real v[12] = {0};
    tensor *x = tape_from_host(t, 2, (int[]){3, 4}, v, "x");
    CHECK(!op_sobel(t, x));
    CHECK(message_has("sobel", "(3,4)"));
    CHECK(!op_sobel(t, NULL));
    tape_free(t);
}

/* ---- large inputs: the parallel paths ---- */

static tensor *large_area(tape *t, const tensor *x) { return op_area_downscale(t, x, 16, 16); }
static tensor *large_blur(tape *t, const tensor *x) { return op_gaussian_blur(t, x, 0, 1.5); }
static tensor *large_sobel(tape *t, const tensor *x) { return op_sobel(t, x); }

TEST(image_backward_is_adjoint_on_large_inputs) {
    check_adjoint(tc, "area_downscale", large_area);
    check_adjoint(tc, "gaussian_blur", large_blur);
    check_adjoint(tc, "sobel", large_sobel);
}
