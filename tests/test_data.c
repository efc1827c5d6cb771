/* Datasets, batches and prefetching (data/dataset, data/batcher,
 * data/prefetch), on small image folders written on the fly. */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "data/batcher.h"
#include "data/dataset.h"
#include "data/prefetch.h"
#include "data/synth/writer.h"
#include "tests/data_fixtures.h"
#include "tests/test.h"

#define P(name) fx_path(path, sizeof path, dir, name)

/* Opens [data] of `ini` (printf-style), logging to `log` (may be NULL). */
static ganc_status open_ini(dataset **ds, uint64_t seed, FILE *log, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ganc_status open_ini(dataset **ds, uint64_t seed, FILE *log, const char *fmt, ...) {
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    config *c = config_new();
    if (!c) return ganc_error_status();
    ganc_status st = config_parse_string(c, text, "test.ini");
    if (!st) st = dataset_open(c, "data", seed, log, ds);
    if (!st) st = config_check_unused(c);
    if (st && *ds) {
        dataset_free(*ds);
        *ds = NULL;
    }
    config_free(c);
    return st;
}

/* Everything written to a log so far. */
static const char *log_text(FILE *log, char *buf, size_t size) {
    long n = ftell(log);
    rewind(log);
    size_t got = fread(buf, 1, size - 1, log);
    buf[got] = '\0';
    fseek(log, n, SEEK_SET);
    return buf;
}

static double value_of(uint8_t v) { return v / 127.5 - 1; }

static bool ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

TEST(data_unaligned_reads_both_folders_and_pairs_at_random) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_mkdir(dir, "trainA") && fx_mkdir(dir, "trainB"));
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "trainA/a%d.png", i);
        REQUIRE(fx_write_flat(P(name), 8, 8, (uint8_t)(10 * (i + 1)), 0, 0));
    }
    REQUIRE(fx_write_flat(P("trainB/b0.png"), 8, 8, 0, 100, 0));
    REQUIRE(fx_write_flat(P("trainB/b1.jpg"), 8, 8, 0, 200, 0));
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 5, NULL, "[data]\nkind = unaligned\nroot = %s\nload_size = 8\ncrop_size = 8\n", dir) ==
            GANC_OK);
    CHECK(dataset_size(ds) == 3 && dataset_side(ds) == 8 && dataset_has_b(ds) && dataset_label_count(ds) == 0);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    int seen_b[2] = {0, 0};
    for (long e = 0; e < 8; e++)
        for (long i = 0; i < 3; i++) {
            REQUIRE(dataset_get(ds, e, i, &s) == GANC_OK);
            CHECK_NEAR(s.a[0], value_of((uint8_t)(10 * (i + 1))), 1e-6);
            CHECK_NEAR(s.a[64 + 17], -1, 1e-6); /* green plane */
            char want[32];
            snprintf(want, sizeof want, "a%ld.png", i);
            CHECK(ends_with(s.path_a, want));
            int b = s.b[64] > 0.2 ? 1 : 0;                               /* green 200 or 100 */
            CHECK_NEAR(s.b[64 + 5], value_of(b ? 200 : 100), 3 / 127.5); /* JPEG: within a few levels */
            CHECK(ends_with(s.path_b, b ? "b1.jpg" : "b0.png"));
            seen_b[b]++;
        }
    CHECK_MSG(seen_b[0] > 2 && seen_b[1] > 2, "partners %d %d", seen_b[0], seen_b[1]);
    sample_free(&s);
    dataset_free(ds);

    /* serial_batches: partner i % |B|; BtoA: A is trainB, and the size stays max(|A|, |B|). */
    REQUIRE(open_ini(&ds, 5, NULL,
                     "[data]\nroot = %s\nload_size = 8\ncrop_size = 8\nserial_batches = true\n"
                     "direction = BtoA\n",
                     dir) == GANC_OK);
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    CHECK(dataset_size(ds) == 3);
    for (long i = 0; i < 3; i++) {
        REQUIRE(dataset_get(ds, 0, i, &s) == GANC_OK);
        CHECK(ends_with(s.path_a, i % 2 ? "b1.jpg" : "b0.png"));
        char want[32];
        snprintf(want, sizeof want, "a%ld.png", i);
        CHECK(ends_with(s.path_b, want));
        CHECK_NEAR(s.b[0], value_of((uint8_t)(10 * (i + 1))), 1e-6);
    }
    CHECK(dataset_get(ds, 0, 3, &s) == GANC_ERR_ARG && strstr(ganc_error_message(), "sample 3"));
    sample_free(&s);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_missing_or_empty_folders_and_bad_keys_are_errors) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_mkdir(dir, "trainA"));
    dataset *ds = NULL;
    CHECK(open_ini(&ds, 1, NULL, "[data]\nroot = %s\n", dir) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "trainA") && strstr(ganc_error_message(), "has no images") &&
          strstr(ganc_error_message(), "[data]"));
    REQUIRE(fx_write_flat(P("trainA/x.png"), 4, 4, 1, 2, 3));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nroot = %s\n", dir) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "trainB") && strstr(ganc_error_message(), "does not exist"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nroot = %s\nphase = test\n", dir) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "testA"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = aligned\nroot = %s\n", dir) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "/train does not exist") && strstr(ganc_error_message(), "side by side"));

    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = paired\nroot = %s\n", dir) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "test.ini:2") && strstr(ganc_error_message(), "kind") &&
          strstr(ganc_error_message(), "unaligned aligned labelled single"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\n") == GANC_ERR_ARG &&
          strstr(ganc_error_message(), "\"root\""));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/trainA\ncrop_size = 300\n", dir) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "crop_size = 300 is larger than load_size = 286"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/trainA\ncrop_size = 0\nload_size = 0\n", dir) ==
          GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "load_size = 0 and crop_size = 0"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/trainA\nload_size = -1\n", dir) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "load_size") && strstr(ganc_error_message(), "0..16384"));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/trainA\nflip = maybe\n", dir) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "flip"));
    /* Keys of other kinds are not read, so the unused-key check reports them. */
    CHECK(open_ini(&ds, 1, NULL,
                   "[data]\nkind = single\nroot = %s/trainA\nload_size = 4\ncrop_size = 4\n"
                   "direction = BtoA\n",
                   dir) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "unknown key \"direction\""));
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = labelled\nroot = %s/trainA\nload_size = 4\ncrop_size = 4\n", dir) ==
          GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "\"labels\""));
    CHECK(ds == NULL);
    fx_rmtree(dir);
    free(dir);
}

/* A 10x8 pattern in the left half of a 20x8 image, the same plus 40 in the right half. */
static bool write_side_by_side(const char *path, int seed) {
    uint8_t half[8 * 10 * 3], px[8 * 20 * 3];
    fx_pattern(half, 10, 8, 3, seed);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 10; x++)
            for (int c = 0; c < 3; c++) {
                uint8_t v = half[(y * 10 + x) * 3 + c] % 200;
                px[(y * 20 + x) * 3 + c] = v;
                px[(y * 20 + 10 + x) * 3 + c] = (uint8_t)(v + 40);
            }
    return fx_write_image(path, 20, 8, 3, px, false);
}

TEST(data_aligned_side_by_side_shares_crop_and_flip) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_mkdir(dir, "train"));
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "train/%d.png", i);
        REQUIRE(write_side_by_side(P(name), i));
    }
    for (int dir_b = 0; dir_b < 2; dir_b++) {
        dataset *ds = NULL;
        /* Halves are 10x8; load_size 0 keeps them, crop 6 at random, flip at random. */
        REQUIRE(open_ini(&ds, 3, NULL, "[data]\nkind = aligned\nroot = %s\nload_size = 0\ncrop_size = 6\n%s", dir,
                         dir_b ? "direction = BtoA\n" : "") == GANC_OK);
        CHECK(dataset_size(ds) == 4 && dataset_side(ds) == 6);
        sample s;
        REQUIRE(sample_init(&s, ds) == GANC_OK);
        int flips = 0;
        for (long e = 0; e < 4; e++)
            for (long i = 0; i < 4; i++) {
                REQUIRE(dataset_get(ds, e, i, &s) == GANC_OK);
                CHECK(!strcmp(s.path_a, s.path_b));
                double max_err = 0;
                for (int k = 0; k < 3 * 36; k++) {
                    double diff = dir_b ? s.a[k] - s.b[k] : s.b[k] - s.a[k];
                    max_err = fmax(max_err, fabs(diff - 40 / 127.5));
                }
                CHECK_MSG(max_err < 1e-5, "epoch %ld sample %ld: B - A off by %g", e, i, max_err);
                /* The A side is one of the 5x3 crops, plain or mirrored, of the left half. */
                uint8_t half[8 * 10 * 3];
                fx_pattern(half, 10, 8, 3, (int)i);
                const real *img = dir_b ? s.b : s.a;
                int matches = 0;
                for (int f = 0; f < 2; f++)
                    for (int y0 = 0; y0 <= 2; y0++)
                        for (int x0 = 0; x0 <= 4; x0++) {
                            bool same = true;
                            for (int c = 0; c < 3 && same; c++)
                                for (int y = 0; y < 6 && same; y++)
                                    for (int x = 0; x < 6 && same; x++) {
                                        int sx = x0 + (f ? 5 - x : x);
                                        double want = value_of(half[((y0 + y) * 10 + sx) * 3 + c] % 200);
                                        same = fabs(img[c * 36 + y * 6 + x] - want) < 1e-5;
                                    }
                            matches += same;
                            flips += same && f;
                        }
                CHECK_MSG(matches == 1, "epoch %ld sample %ld: %d matching crops", e, i, matches);
            }
        CHECK_MSG(flips > 2 && flips < 14, "%d of 16 flipped", flips);
        sample_free(&s);
        dataset_free(ds);
    }
    fx_rmtree(dir);
    free(dir);
}

TEST(data_aligned_pairs_in_two_folders) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    /* ROOT/train/A + ROOT/train/B, then ROOT/trainA + ROOT/trainB (ganc synth's layout). */
    const char *layouts[2][2] = {{"train/A", "train/B"}, {"trainA", "trainB"}};
    for (int l = 0; l < 2; l++) {
        if (l == 0) REQUIRE(fx_mkdir(dir, "train"));
        REQUIRE(fx_mkdir(dir, layouts[l][0]) && fx_mkdir(dir, layouts[l][1]));
        for (int i = 0; i < 3; i++) {
            char name[64];
            snprintf(name, sizeof name, "%s/%d.png", layouts[l][0], i);
            REQUIRE(fx_write_flat(P(name), 6, 6, (uint8_t)(50 + i), 0, 0));
            snprintf(name, sizeof name, "%s/%d.png", layouts[l][1], i);
            REQUIRE(fx_write_flat(P(name), 6, 6, (uint8_t)(150 + i), 0, 0));
        }
        dataset *ds = NULL;
        REQUIRE(open_ini(&ds, 1, NULL, "[data]\nkind = aligned\nroot = %s\nload_size = 4\ncrop_size = 4\n", dir) ==
                GANC_OK);
        sample s;
        REQUIRE(sample_init(&s, ds) == GANC_OK);
        for (long i = 0; i < 3; i++) {
            REQUIRE(dataset_get(ds, 0, i, &s) == GANC_OK);
            CHECK_NEAR(s.a[3], value_of((uint8_t)(50 + i)), 1e-5);
            CHECK_NEAR(s.b[3], value_of((uint8_t)(150 + i)), 1e-5);
            CHECK(strstr(s.path_a, layouts[l][0]) && strstr(s.path_b, layouts[l][1]));
        }
        sample_free(&s);
        dataset_free(ds);
        /* Files must pair up by name. */
        char name[64];
        snprintf(name, sizeof name, "%s/9.png", layouts[l][1]);
        REQUIRE(fx_write_flat(P(name), 6, 6, 1, 1, 1));
        CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = aligned\nroot = %s\nload_size = 4\ncrop_size = 4\n", dir) ==
              GANC_ERR_FORMAT);
        CHECK(strstr(ganc_error_message(), name) && strstr(ganc_error_message(), "no partner"));
        fx_rmtree(P("train"));
    }
    fx_rmtree(dir);
    free(dir);
}

TEST(data_labelled_and_single_folders) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(fx_mkdir(dir, "imgs"));
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "imgs/%c.png", 'a' + i);
        REQUIRE(fx_write_flat(P(name), 5, 5, (uint8_t)(20 * i), 9, 9));
    }
    REQUIRE(fx_write_text(P("labels.csv"), "file,kind,v_x,v_y\nimgs/c.png,z,3,30\nimgs/a.png,x,1,10\n"
                                           "imgs/b.png,y,2,20\n"));
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 1, NULL,
                     "[data]\nkind = labelled\nroot = %s/imgs\nlabels = %s/labels.csv\n"
                     "label_columns = v_*\nload_size = 5\ncrop_size = 3\nphase = test\n",
                     dir, dir) == GANC_OK);
    CHECK(dataset_label_count(ds) == 2 && !strcmp(dataset_label_name(ds, 1), "v_y") && !dataset_label_name(ds, 2));
    CHECK(!dataset_has_b(ds) && dataset_side(ds) == 3);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    CHECK(s.b == NULL && s.labels != NULL);
    for (long i = 0; i < 3; i++) {
        REQUIRE(dataset_get(ds, 0, i, &s) == GANC_OK);
        CHECK_NEAR(s.labels[0], i + 1, 0);
        CHECK_NEAR(s.labels[1], 10 * (i + 1), 0);
        CHECK_NEAR(s.a[0], value_of((uint8_t)(20 * i)), 1e-6);
    }
    sample_free(&s);
    dataset_free(ds);
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = labelled\nroot = %s/imgs\nlabels = %s/labels.csv\n", dir, dir) ==
          GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "labels.csv:2: column kind: expected a finite number, got \"z\""));

    REQUIRE(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/imgs\nload_size = 5\ncrop_size = 5\n", dir) ==
            GANC_OK);
    CHECK(dataset_size(ds) == 3 && !dataset_has_b(ds) && dataset_label_count(ds) == 0);
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    REQUIRE(dataset_get(ds, 0, 2, &s) == GANC_OK);
    CHECK(ends_with(s.path_a, "imgs/c.png") && s.path_b == NULL && s.labels == NULL);
    sample_free(&s);
    char text[512] = "";
    FILE *out = tmpfile();
    REQUIRE(out);
    dataset_describe(ds, out);
    log_text(out, text, sizeof text);
    fclose(out);
    CHECK_MSG(strstr(text, "single, 3 images in") && strstr(text, "3x5x5"), "%s", text);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_resize_crop_pipeline_matches_a_direct_computation) {
    /* 12x12 pattern, load 6 (2x2 area means), random crop 4, flip: the
     * sample must be exactly one of the 3x3 crops, plain or mirrored, of the
     * block means computed here. */
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    uint8_t px[12 * 12 * 3];
    fx_pattern(px, 12, 12, 3, 9);
    REQUIRE(fx_write_image(P("p.png"), 12, 12, 3, px, false));
    double means[6][6][3];
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 6; x++)
            for (int c = 0; c < 3; c++)
                means[y][x][c] = (px[((2 * y) * 12 + 2 * x) * 3 + c] + px[((2 * y) * 12 + 2 * x + 1) * 3 + c] +
                                  px[((2 * y + 1) * 12 + 2 * x) * 3 + c] + px[((2 * y + 1) * 12 + 2 * x + 1) * 3 + c]) /
                                 4.0;
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 11, NULL, "[data]\nkind = single\nroot = %s\nload_size = 6\ncrop_size = 4\n", dir) ==
            GANC_OK);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    int offsets_seen[9] = {0};
    for (long e = 0; e < 30; e++) {
        REQUIRE(dataset_get(ds, e, 0, &s) == GANC_OK);
        int matches = 0;
        for (int f = 0; f < 2; f++)
            for (int y0 = 0; y0 < 3; y0++)
                for (int x0 = 0; x0 < 3; x0++) {
                    double err = 0;
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < 4; y++)
                            for (int x = 0; x < 4; x++)
                                err = fmax(err, fabs(s.a[c * 16 + y * 4 + x] -
                                                     (means[y0 + y][x0 + (f ? 3 - x : x)][c] / 127.5 - 1)));
                    if (err < 1e-5) {
                        matches++;
                        offsets_seen[y0 * 3 + x0]++;
                    }
                }
        CHECK_MSG(matches == 1, "epoch %ld: %d matches", e, matches);
    }
    int distinct = 0;
    for (int i = 0; i < 9; i++) distinct += offsets_seen[i] > 0;
    CHECK_MSG(distinct >= 6, "only %d of 9 crop offsets in 30 epochs", distinct);
    sample_free(&s);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

/* ROOT/trainA with nA and ROOT/trainB with nB 12x12 pattern images. */
static bool write_unaligned(const char *dir, int na, int nb) {
    char path[512], name[32];
    if (!fx_mkdir(dir, "trainA") || !fx_mkdir(dir, "trainB")) return false;
    uint8_t px[12 * 12 * 3];
    for (int i = 0; i < na + nb; i++) {
        snprintf(name, sizeof name, i < na ? "trainA/%03d.png" : "trainB/%03d.png", i);
        fx_pattern(px, 12, 12, 3, i);
        if (!fx_write_image(P(name), 12, 12, 3, px, false)) return false;
    }
    return true;
}

static bool same_batch(const batch *x, const batch *y) {
    size_t image = (size_t)3 * x->side * x->side;
    if (x->n != y->n || x->step != y->step || x->epoch != y->epoch || x->index != y->index) return false;
    if (memcmp(x->a, y->a, sizeof(real) * image * (size_t)x->n) ||
        memcmp(x->b, y->b, sizeof(real) * image * (size_t)x->n))
        return false;
    for (int i = 0; i < x->n; i++)
        if (strcmp(x->paths_a[i], y->paths_a[i]) || strcmp(x->paths_b[i], y->paths_b[i])) return false;
    return true;
}

#define UNALIGNED_INI "[data]\nroot = %s\nload_size = 10\ncrop_size = 8\n"

TEST(data_order_is_a_seeded_permutation_and_batches_repeat_by_seed) {
    char *dir = fx_tmpdir();
    REQUIRE(dir);
    REQUIRE(write_unaligned(dir, 7, 5));
    dataset *d1 = NULL, *d2 = NULL, *d3 = NULL;
    REQUIRE(open_ini(&d1, 42, NULL, UNALIGNED_INI, dir) == GANC_OK);
    REQUIRE(open_ini(&d2, 42, NULL, UNALIGNED_INI, dir) == GANC_OK);
    REQUIRE(open_ini(&d3, 43, NULL, UNALIGNED_INI, dir) == GANC_OK);
    long o1[7], o2[7], o3[7];
    int differs_epoch = 0, differs_seed = 0;
    for (long e = 0; e < 4; e++) {
        REQUIRE(dataset_epoch_order(d1, e, o1) == GANC_OK);
        REQUIRE(dataset_epoch_order(d3, e, o3) == GANC_OK);
        int count[7] = {0};
        for (int i = 0; i < 7; i++) count[o1[i]]++;
        for (int i = 0; i < 7; i++) CHECK(count[i] == 1);
        if (e) differs_epoch += memcmp(o1, o2, sizeof o1) != 0;
        differs_seed += memcmp(o1, o3, sizeof o1) != 0;
        memcpy(o2, o1, sizeof o1);
    }
    CHECK(differs_epoch >= 2 && differs_seed >= 3);
    CHECK(dataset_epoch_order(d1, -1, o1) == GANC_ERR_ARG);

    batcher *b1 = batcher_new(d1, 3, true), *b2 = batcher_new(d2, 3, true), *b3 = batcher_new(d3, 3, true);
    REQUIRE(b1 && b2 && b3);
    CHECK(batcher_batches_per_epoch(b1) == 2);
    batch x, y, z;
    REQUIRE(batch_init(&x, d1, 3) == GANC_OK && batch_init(&y, d1, 3) == GANC_OK && batch_init(&z, d1, 3) == GANC_OK);
    int seed_differs = 0;
    for (long step = 0; step < 5; step++) {
        REQUIRE(batcher_fill_step(b1, step, &x) == GANC_OK);
        REQUIRE(batcher_fill_step(b2, step, &y) == GANC_OK);
        REQUIRE(batcher_fill_step(b3, step, &z) == GANC_OK);
        CHECK_MSG(same_batch(&x, &y), "step %ld differs under the same seed", step);
        seed_differs += !same_batch(&x, &z);
        CHECK(x.n == 3 && x.epoch == step / 2 && x.index == step % 2);
    }
    CHECK(seed_differs == 5);
    /* Resuming: batch 1 of epoch 2 is step 5, whatever came before; its samples follow the order. */
    REQUIRE(batcher_fill(b2, 2, 1, &y) == GANC_OK);
    REQUIRE(batcher_fill_step(b1, 5, &x) == GANC_OK);
    CHECK(same_batch(&x, &y) && x.step == 5);
    REQUIRE(dataset_epoch_order(d1, 2, o1) == GANC_OK);
    sample s;
    REQUIRE(sample_init(&s, d1) == GANC_OK);
    REQUIRE(dataset_get(d1, 2, o1[4], &s) == GANC_OK);
    CHECK(memcmp(s.a, x.a + 192, sizeof(real) * 192) == 0 && !strcmp(s.path_b, x.paths_b[1]));
    sample_free(&s);
    CHECK(batcher_fill(b1, 0, 2, &x) == GANC_ERR_ARG && strstr(ganc_error_message(), "batch 2"));
    batch_free(&x);
    batch_free(&y);
    batch_free(&z);
    batcher_free(b1);
    batcher_free(b2);
    batcher_free(b3);
    dataset_free(d1);
    dataset_free(d2);
    dataset_free(d3);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_batcher_sizes_and_partial_last_batch) {
    char *dir = fx_tmpdir();
    REQUIRE(dir);
    REQUIRE(write_unaligned(dir, 5, 2));
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 1, NULL, UNALIGNED_INI "serial_batches = true\n", dir) == GANC_OK);
    CHECK(batcher_new(ds, 6, true) == NULL && strstr(ganc_error_message(), "batch size 6 is larger"));
    CHECK(batcher_new(ds, 0, false) == NULL);
    batcher *b = batcher_new(ds, 2, false);
    REQUIRE(b);
    CHECK(batcher_batches_per_epoch(b) == 3 && batcher_batch_size(b) == 2 && batcher_dataset(b) == ds);
    batch x;
    REQUIRE(batch_init(&x, ds, 2) == GANC_OK);
    REQUIRE(batcher_fill(b, 1, 2, &x) == GANC_OK);
    CHECK(x.n == 1 && ends_with(x.paths_a[0], "004.png") && ends_with(x.paths_b[0], "005.png"));
    CHECK(x.step == 5);
    batch_free(&x);
    REQUIRE(batch_init(&x, ds, 1) == GANC_OK);
    CHECK(batcher_fill(b, 0, 0, &x) == GANC_ERR_ARG && strstr(ganc_error_message(), "smaller batch size"));
    batch_free(&x);
    batcher_free(b);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_prefetch_matches_the_synchronous_batches) {
    char *dir = fx_tmpdir();
    REQUIRE(dir);
    REQUIRE(write_unaligned(dir, 7, 4));
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 9, NULL, UNALIGNED_INI, dir) == GANC_OK);
    batcher *sync = batcher_new(ds, 2, true);
    REQUIRE(sync);
    batch want;
    REQUIRE(batch_init(&want, ds, 2) == GANC_OK);
    for (int depth = 1; depth <= 3; depth += 2) {
        /* From step 2 (a resumed run) across two epoch boundaries (3 batches per epoch). */
        prefetch *p = prefetch_new(ds, 2, true, 2, depth);
        REQUIRE(p);
        CHECK(prefetch_batches_per_epoch(p) == 3);
        for (long step = 2; step < 10; step++) {
            const batch *got = NULL;
            REQUIRE(prefetch_next(p, &got) == GANC_OK);
            REQUIRE(batcher_fill_step(sync, step, &want) == GANC_OK);
            CHECK_MSG(got->step == step && same_batch(got, &want), "depth %d step %ld differs", depth, step);
        }
        prefetch_free(p); /* while the loader is ahead */
    }
    CHECK(prefetch_new(ds, 2, true, 0, 0) == NULL && strstr(ganc_error_message(), "depth 0"));
    CHECK(prefetch_new(ds, 20, true, 0, 1) == NULL && strstr(ganc_error_message(), "batch size 20"));
    batch_free(&want);
    batcher_free(sync);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

/* ROOT/imgs: good0, zero-byte 1, good2, body-truncated 3, good4 (PNG). */
static bool write_with_bad_images(const char *dir) {
    char path[512], src[512];
    if (!fx_mkdir(dir, "imgs")) return false;
    uint8_t px[16 * 16 * 3];
    for (int i = 0; i < 5; i += 2) {
        char name[32];
        snprintf(name, sizeof name, "imgs/%d.png", i);
        fx_pattern(px, 16, 16, 3, i);
        if (!fx_write_image(P(name), 16, 16, 3, px, false)) return false;
    }
    fx_path(src, sizeof src, dir, "imgs/2.png");
    return fx_write_text(P("imgs/1.png"), "") && fx_cut_copy(src, P("imgs/3.png"), -40);
}

TEST(data_bad_images_are_errors_naming_the_file) {
    char *dir = fx_tmpdir(), path[512];
    REQUIRE(dir);
    REQUIRE(write_with_bad_images(dir));
    dataset *ds = NULL;
    /* The zero-byte file fails the header scan at open. */
    CHECK(open_ini(&ds, 1, NULL, "[data]\nkind = single\nroot = %s/imgs\nload_size = 8\ncrop_size = 8\n", dir) ==
          GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "imgs/1.png") && strstr(ganc_error_message(), "empty"));
    uint8_t px[16 * 16 * 3];
    fx_pattern(px, 16, 16, 3, 1);
    REQUIRE(fx_write_image(P("imgs/1.png"), 16, 16, 3, px, false));
    /* The cut body passes the header scan and fails when decoded: in dataset_get and in prefetch. */
    REQUIRE(open_ini(&ds, 1, NULL,
                     "[data]\nkind = single\nroot = %s/imgs\nload_size = 8\ncrop_size = 8\n"
                     "serial_batches = true\n",
                     dir) == GANC_OK);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    CHECK(dataset_get(ds, 0, 2, &s) == GANC_OK);
    CHECK(dataset_get(ds, 0, 3, &s) == GANC_ERR_FORMAT && strstr(ganc_error_message(), "imgs/3.png") &&
          strstr(ganc_error_message(), "cannot decode"));
    sample_free(&s);
    prefetch *p = prefetch_new(ds, 1, true, 1, 2);
    REQUIRE(p);
    const batch *got;
    CHECK(prefetch_next(p, &got) == GANC_OK && got->step == 1);
    CHECK(prefetch_next(p, &got) == GANC_OK && got->step == 2);
    for (int again = 0; again < 2; again++) {
        CHECK(prefetch_next(p, &got) == GANC_ERR_FORMAT);
        CHECK_MSG(strstr(ganc_error_message(), "step 3") && strstr(ganc_error_message(), "imgs/3.png"), "%s",
                  ganc_error_message());
    }
    prefetch_free(p);
    CHECK(dataset_bad_count(ds) == 0);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_skip_bad_images_moves_on_and_counts) {
    char *dir = fx_tmpdir(), text[2048];
    REQUIRE(dir);
    REQUIRE(write_with_bad_images(dir));
    FILE *log = tmpfile();
    REQUIRE(log);
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 1, log,
                     "[data]\nkind = single\nroot = %s/imgs\nload_size = 8\ncrop_size = 8\n"
                     "skip_bad_images = true\n",
                     dir) == GANC_OK);
    CHECK(dataset_bad_count(ds) == 1);
    CHECK_MSG(strstr(log_text(log, text, sizeof text), "skipping") && strstr(text, "imgs/1.png") &&
                  strstr(text, "empty") && !strstr(text, "image_io.c"),
              "%s", text);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    REQUIRE(dataset_get(ds, 0, 1, &s) == GANC_OK);
    CHECK(ends_with(s.path_a, "imgs/2.png"));
    for (int again = 0; again < 2; again++) {
        REQUIRE(dataset_get(ds, 0, 3, &s) == GANC_OK);
        CHECK(ends_with(s.path_a, "imgs/4.png"));
        CHECK(dataset_bad_count(ds) == 2);
    }
    log_text(log, text, sizeof text);
    const char *first = strstr(text, "imgs/3.png");
    CHECK_MSG(first && !strstr(first + 1, "imgs/3.png"), "%s", text);
    /* The same sample whether or not the bad file was already known. */
    dataset *fresh = NULL;
    REQUIRE(open_ini(&fresh, 1, NULL,
                     "[data]\nkind = single\nroot = %s/imgs\nload_size = 8\ncrop_size = 8\n"
                     "skip_bad_images = true\n",
                     dir) == GANC_OK);
    sample t;
    REQUIRE(sample_init(&t, fresh) == GANC_OK);
    REQUIRE(dataset_get(fresh, 0, 3, &t) == GANC_OK);
    CHECK(memcmp(s.a, t.a, sizeof(real) * 3 * 64) == 0);
    sample_free(&t);
    dataset_free(fresh);
    sample_free(&s);
    dataset_free(ds);
    fclose(log);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_conversions_are_announced_once) {
    char *dir = fx_tmpdir(), path[512], text[1024];
    REQUIRE(dir);
    uint8_t px[4 * 4 * 4];
    fx_pattern(px, 4, 4, 4, 0);
    uint16_t wide[4 * 4 * 3];
    for (int i = 0; i < 48; i++) wide[i] = (uint16_t)(i * 1000);
    REQUIRE(fx_write_image(P("0_rgb.png"), 4, 4, 3, px, false) && fx_write_image(P("1_gray.png"), 4, 4, 1, px, false) &&
            fx_write_image(P("3_rgba.png"), 4, 4, 4, px, false) && fx_write_png16(P("4_wide.png"), 4, 4, 3, wide));
    FILE *log = tmpfile();
    REQUIRE(log);
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 1, log, "[data]\nkind = single\nroot = %s\nload_size = 4\ncrop_size = 4\n", dir) == GANC_OK);
    log_text(log, text, sizeof text);
    CHECK_MSG(!strcmp(text, "data [data]: converting 1 grayscale image to RGB; dropping the alpha channel of 1 image; "
                            "reducing 1 16-bit image to 8 bits (said once)\n"),
              "%s", text);
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    for (long e = 0; e < 2; e++)
        for (long i = 0; i < 4; i++) CHECK(dataset_get(ds, e, i, &s) == GANC_OK);
    CHECK(ftell(log) == (long)strlen(text)); /* nothing more */
    sample_free(&s);
    dataset_free(ds);
    fclose(log);
    fx_rmtree(dir);
    free(dir);
}

TEST(data_reads_ganc_synth_layouts) {
    char *dir = fx_tmpdir();
    REQUIRE(dir);
    synth_write_opts o = {.out = dir,
                          .styles = {SYNTH_PHOTO, SYNTH_CARTOON},
                          .n_styles = 2,
                          .n = 6,
                          .size = 32,
                          .seed = 3,
                          .identities = 6,
                          .split = true,
                          .train_fraction = 0.5f};
    REQUIRE(synth_write_dataset(&o) == GANC_OK);
    dataset *ds = NULL;
    REQUIRE(open_ini(&ds, 1, NULL, "[data]\nkind = aligned\nroot = %s\nload_size = 32\ncrop_size = 24\n", dir) ==
            GANC_OK);
    CHECK(dataset_size(ds) == 3);
    dataset_free(ds);
    REQUIRE(open_ini(&ds, 1, NULL,
                     "[data]\nkind = labelled\nroot = %s/testB\nlabels = %s/labels.csv\n"
                     "label_columns = a_*\nload_size = 32\ncrop_size = 32\n",
                     dir, dir) == GANC_OK);
    CHECK(dataset_size(ds) == 3 && dataset_label_count(ds) == SYNTH_N_ATTRS);
    CHECK(!strcmp(dataset_label_name(ds, 0), "a_face_width") && !strcmp(dataset_label_name(ds, 35), "a_face_scale"));
    sample s;
    REQUIRE(sample_init(&s, ds) == GANC_OK);
    REQUIRE(dataset_get(ds, 0, 0, &s) == GANC_OK);
    CHECK(ends_with(s.path_a, "testB/000003.png"));
    /* Attribute 24 (is_cat) is 0 for a cartoon; 8..11 are a one-hot hair style. */
    CHECK(s.labels[24] == 0 && s.labels[8] + s.labels[9] + s.labels[10] + s.labels[11] == 1);
    sample_free(&s);
    dataset_free(ds);
    fx_rmtree(dir);
    free(dir);
}
