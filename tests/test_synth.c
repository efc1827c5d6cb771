/* The synthetic face world: determinism, labels against the pixels, local
 * mouth edits, identity stability, style separability, the writer, errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/synth/synth.h"
#include "data/synth/writer.h"
#include "tests/test.h"

#define S 96

typedef struct {
    synth_renderer *r;
    uint8_t rgb[S * S * 3], mask[S * S];
    synth_labels lab;
} shot;

static shot *shot_new(void) {
    shot *s = calloc(1, sizeof *s);
    if (s) s->r = synth_renderer_new(S, S);
    return s;
}

static void shot_free(shot *s) {
    if (!s) return;
    synth_renderer_free(s->r);
    free(s);
}

static bool render(shot *s, synth_style style, const synth_face *f) {
    return synth_render(s->r, style, f, s->rgb, s->mask, &s->lab) == GANC_OK;
}

TEST(synth_render_is_deterministic) {
    shot *a = shot_new(), *b = shot_new();
    REQUIRE(a && b && a->r && b->r);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++) {
        synth_face f, g;
        synth_face_sample(42, 7, 3, &f);
        synth_face_sample(42, 7, 3, &g);
        CHECK(memcmp(&f, &g, sizeof f) == 0);
        REQUIRE(render(a, (synth_style)style, &f));
        /* a second renderer, after it drew something else first */
        synth_face other;
        synth_face_sample(1, 2, 3, &other);
        REQUIRE(render(b, (synth_style)style, &other));
        REQUIRE(render(b, (synth_style)style, &g));
        CHECK_MSG(memcmp(a->rgb, b->rgb, sizeof a->rgb) == 0, "%s: two renders differ", synth_style_name(style));
        CHECK(memcmp(a->mask, b->mask, sizeof a->mask) == 0);
        CHECK(memcmp(&a->lab, &b->lab, sizeof a->lab) == 0);
        synth_face_sample(43, 7, 3, &g);
        REQUIRE(render(b, (synth_style)style, &g));
        CHECK_MSG(memcmp(a->rgb, b->rgb, sizeof a->rgb) != 0, "%s: seeds 42 and 43 give the same image",
                  synth_style_name(style));
    }
    shot_free(a);
    shot_free(b);
}

TEST(synth_every_style_renders_a_face) {
    shot *s = shot_new();
    REQUIRE(s && s->r);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++) {
        synth_face f;
        synth_face_sample(5, 1, 0, &f);
        REQUIRE(render(s, (synth_style)style, &f));
        int lo = 255, hi = 0;
        for (int i = 0; i < S * S * 3; i++) {
            if (s->rgb[i] < lo) lo = s->rgb[i];
            if (s->rgb[i] > hi) hi = s->rgb[i];
        }
        CHECK_MSG(hi - lo > 100, "%s: contrast %d", synth_style_name(style), hi - lo);
        int area = (s->lab.bbox[2] - s->lab.bbox[0]) * (s->lab.bbox[3] - s->lab.bbox[1]);
        CHECK_MSG(area > S * S / 10 && area < S * S * 8 / 10, "%s: face box area %d", synth_style_name(style), area);
    }
    shot_free(s);
}

/* Many faces in every style: the mask is non-empty, the box is exactly the
 * tight box of mask >= 128, and every keypoint lies on the mask. */
TEST(synth_labels_agree_with_mask) {
    shot *s = shot_new();
    REQUIRE(s && s->r);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++)
        for (uint32_t id = 0; id < 40; id++) {
            synth_face f;
            synth_face_sample(11, id, id % 3, &f);
            REQUIRE(render(s, (synth_style)style, &f));
            int box[4] = {S, S, 0, 0}, on = 0;
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++)
                    if (s->mask[y * S + x] >= 128) {
                        on++;
                        if (x < box[0]) box[0] = x;
                        if (y < box[1]) box[1] = y;
                        if (x + 1 > box[2]) box[2] = x + 1;
                        if (y + 1 > box[3]) box[3] = y + 1;
                    }
            CHECK_MSG(on > 200, "%s id %u: mask has %d pixels", synth_style_name(style), id, on);
            CHECK_MSG(memcmp(box, s->lab.bbox, sizeof box) == 0, "%s id %u: bbox %d,%d,%d,%d, mask box %d,%d,%d,%d",
                      synth_style_name(style), id, s->lab.bbox[0], s->lab.bbox[1], s->lab.bbox[2], s->lab.bbox[3],
                      box[0], box[1], box[2], box[3]);
            for (int k = 0; k < SYNTH_N_KEYPOINTS; k++) {
                float x = s->lab.keypoints[k][0], y = s->lab.keypoints[k][1];
                CHECK_MSG(x >= box[0] && x < box[2] && y >= box[1] && y < box[3], "%s id %u: %s (%.1f, %.1f) outside box",
                          synth_style_name(style), id, synth_keypoint_name(style, k), (double)x, (double)y);
                int xi = (int)x, yi = (int)y;
                bool on_mask = xi >= 0 && xi < S && yi >= 0 && yi < S && s->mask[yi * S + xi] >= 128;
                CHECK_MSG(on_mask, "%s id %u: %s (%.1f, %.1f) off the mask", synth_style_name(style), id,
                          synth_keypoint_name(style, k), (double)x, (double)y);
            }
        }
    shot_free(s);
}

TEST(synth_identity_keeps_attributes_across_images) {
    shot *a = shot_new(), *b = shot_new();
    REQUIRE(a && b && a->r && b->r);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++)
        for (uint32_t id = 0; id < 10; id++) {
            synth_face f, g;
            synth_face_sample(3, id, 0, &f);
            synth_face_sample(3, id, 1, &g);
            REQUIRE(render(a, (synth_style)style, &f));
            REQUIRE(render(b, (synth_style)style, &g));
            for (int i = 0; i < SYNTH_N_IDENTITY_ATTRS; i++)
                CHECK_MSG(a->lab.attrs[i] == b->lab.attrs[i], "%s id %u: %s changed between images",
                          synth_style_name(style), id, synth_attr_name(i));
            for (int i = 0; i < SYNTH_FIRST_EXPRESSION_PARAM; i++) CHECK(f.p[i] == g.p[i]);
            CHECK(f.texture_seed == g.texture_seed);
            CHECK(f.noise_seed != g.noise_seed);
            CHECK(a->lab.attrs[SYNTH_A_HEAD_ROLL] != b->lab.attrs[SYNTH_A_HEAD_ROLL]);
            CHECK(memcmp(a->rgb, b->rgb, sizeof a->rgb) != 0);
        }
    shot_free(a);
    shot_free(b);
}

/* Re-rendering with other mouth coefficients changes pixels, all of them
 * inside the mouth box: the edited face is its own ground truth. */
TEST(synth_mouth_edit_stays_in_mouth_box) {
    shot *a = shot_new(), *b = shot_new();
    REQUIRE(a && b && a->r && b->r);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++)
        for (uint32_t id = 0; id < 12; id++) {
            synth_face f;
            synth_face_sample(8, id, 0, &f);
            synth_face e = synth_face_edit_mouth(&f, f.p[SYNTH_P_SMILE] > 0.5f ? 0.0f : 1.0f,
                                                 f.p[SYNTH_P_MOUTH_OPEN] > 0.5f ? 0.0f : 0.9f);
            REQUIRE(render(a, (synth_style)style, &f));
            REQUIRE(render(b, (synth_style)style, &e));
            CHECK(memcmp(a->lab.mouth_box, b->lab.mouth_box, sizeof a->lab.mouth_box) == 0);
            const int *mb = a->lab.mouth_box;
            int changed = 0, outside = 0;
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++) {
                    if (memcmp(a->rgb + (y * S + x) * 3, b->rgb + (y * S + x) * 3, 3) == 0) continue;
                    changed++;
                    if (x < mb[0] || x >= mb[2] || y < mb[1] || y >= mb[3]) outside++;
                }
            CHECK_MSG(changed > 5, "%s id %u: the edit changed %d pixels", synth_style_name(style), id, changed);
            CHECK_MSG(outside == 0, "%s id %u: %d changed pixels outside the mouth box", synth_style_name(style), id,
                      outside);
            CHECK(a->lab.attrs[SYNTH_A_SMILE] != b->lab.attrs[SYNTH_A_SMILE]);
        }
    shot_free(a);
    shot_free(b);
}

TEST(synth_attributes_have_36_documented_dims) {
    CHECK(SYNTH_N_ATTRS == 36);
    for (int i = 0; i < SYNTH_N_ATTRS; i++) CHECK(strcmp(synth_attr_name(i), "unknown") != 0);
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++)
        for (uint32_t id = 0; id < 200; id++) {
            synth_face f;
            float a[SYNTH_N_ATTRS];
            synth_face_sample(21, id, id / 7, &f);
            for (int i = 0; i < SYNTH_N_PARAMS; i++) CHECK(f.p[i] >= 0 && f.p[i] <= 1);
            synth_attributes(&f, (synth_style)style, a);
            for (int i = 0; i < SYNTH_N_ATTRS; i++) {
                float lo, hi;
                synth_attr_range(i, &lo, &hi);
                CHECK_MSG(a[i] >= lo && a[i] <= hi, "%s = %g outside [%g, %g]", synth_attr_name(i), (double)a[i],
                          (double)lo, (double)hi);
            }
            float hair = 0, expr = 0;
            for (int k = 0; k < 4; k++) hair += a[SYNTH_A_HAIR_SHORT + k], expr += a[SYNTH_A_EXPR_NEUTRAL + k];
            CHECK(hair == 1 && expr == 1);
            CHECK(a[SYNTH_A_IS_CAT] + a[SYNTH_A_IS_DOG] == (style == SYNTH_ANIMAL ? 1 : 0));
        }
}

TEST(synth_canonical_face_is_neutral_and_upright) {
    synth_face f;
    synth_face_sample(6, 3, 2, &f);
    synth_face c = synth_face_canonical(&f);
    for (int i = 0; i < SYNTH_FIRST_EXPRESSION_PARAM; i++) CHECK(c.p[i] == f.p[i]);
    CHECK(synth_face_expression(&c) == SYNTH_EXPR_NEUTRAL);
    float a[SYNTH_N_ATTRS];
    synth_attributes(&c, SYNTH_VIRTUAL, a);
    CHECK(a[SYNTH_A_HEAD_ROLL] == 0 && a[SYNTH_A_SMILE] == 0 && a[SYNTH_A_MOUTH_OPEN] == 0);
}

/* Every expression class and hair style occurs: the sampler covers the labels. */
TEST(synth_sampler_covers_every_class) {
    int expr[4] = {0}, hair[4] = {0}, dogs = 0;
    for (uint32_t id = 0; id < 400; id++) {
        synth_face f;
        synth_face_sample(2, id, 0, &f);
        expr[synth_face_expression(&f)]++;
        hair[synth_face_hair_style(&f)]++;
        dogs += synth_face_is_dog(&f);
    }
    for (int k = 0; k < 4; k++) {
        CHECK_MSG(expr[k] > 60, "expression class %d drawn %d times in 400", k, expr[k]);
        CHECK_MSG(hair[k] > 60, "hair style %d drawn %d times in 400", k, hair[k]);
    }
    CHECK(dogs > 150 && dogs < 250);
}

/* Per-image statistics averaged over a batch: the fraction of pixels equal
 * to their right neighbour tells cartoon (flat), virtual (smooth) and the
 * camera styles apart; the ratio of horizontal to vertical gradients
 * (streaked fur) tells animal from photo. */
TEST(synth_styles_are_separable_by_simple_statistics) {
    shot *s = shot_new();
    REQUIRE(s && s->r);
    double flat[SYNTH_STYLE_COUNT] = {0}, aniso[SYNTH_STYLE_COUNT] = {0};
    const int n = 24;
    for (int style = 0; style < SYNTH_STYLE_COUNT; style++)
        for (uint32_t id = 0; id < (uint32_t)n; id++) {
            synth_face f;
            synth_face_sample(1234, id, 0, &f);
            REQUIRE(render(s, (synth_style)style, &f));
            long same = 0;
            double gx = 0, gy = 0;
            for (int y = 0; y < S - 1; y++)
                for (int x = 0; x < S - 1; x++) {
                    const uint8_t *p = s->rgb + (y * S + x) * 3;
                    same += memcmp(p, p + 3, 3) == 0;
                    if (x >= S / 4 && x < 3 * S / 4 && y >= S / 4) {
                        gx += abs(p[1] - p[4]);
                        gy += abs(p[1] - p[1 + 3 * S]);
                    }
                }
            flat[style] += (double)same / ((S - 1) * (S - 1)) / n;
            aniso[style] += gx / gy / n;
        }
    CHECK_MSG(flat[SYNTH_CARTOON] > flat[SYNTH_VIRTUAL] + 0.08, "flat: cartoon %.3f, virtual %.3f", flat[SYNTH_CARTOON],
              flat[SYNTH_VIRTUAL]);
    CHECK_MSG(flat[SYNTH_VIRTUAL] > flat[SYNTH_PHOTO] + 0.3, "flat: virtual %.3f, photo %.3f", flat[SYNTH_VIRTUAL],
              flat[SYNTH_PHOTO]);
    CHECK_MSG(flat[SYNTH_VIRTUAL] > flat[SYNTH_ANIMAL] + 0.3, "flat: virtual %.3f, animal %.3f", flat[SYNTH_VIRTUAL],
              flat[SYNTH_ANIMAL]);
    CHECK_MSG(aniso[SYNTH_ANIMAL] > aniso[SYNTH_PHOTO] + 0.05, "gradient ratio: animal %.3f, photo %.3f",
              aniso[SYNTH_ANIMAL], aniso[SYNTH_PHOTO]);
    shot_free(s);
}

TEST(synth_scene_boxes) {
    synth_renderer *r = synth_renderer_new(200, 150);
    REQUIRE(r);
    static uint8_t rgb[200 * 150 * 3], rgb2[200 * 150 * 3], mask[200 * 150];
    int with[SYNTH_SCENE_MAX_FACES + 1] = {0};
    for (uint32_t i = 0; i < 30; i++) {
        synth_scene_labels lab, lab2;
        synth_style style = (synth_style)(i % SYNTH_STYLE_COUNT);
        REQUIRE(synth_render_scene(r, style, 9, i, 50, rgb, mask, &lab) == GANC_OK);
        REQUIRE(lab.n_faces >= 0 && lab.n_faces <= SYNTH_SCENE_MAX_FACES);
        with[lab.n_faces]++;
        for (int k = 0; k < lab.n_faces; k++) {
            const int *b = lab.box[k];
            CHECK(b[0] >= 0 && b[1] >= 0 && b[2] <= 200 && b[3] <= 150 && b[2] > b[0] && b[3] > b[1]);
            CHECK(lab.identity[k] < 50);
            int on = 0;
            for (int y = b[1]; y < b[3]; y++)
                for (int x = b[0]; x < b[2]; x++) on += mask[y * 200 + x] >= 128;
            CHECK(on > 0);
            for (int j = 0; j < k; j++) {
                const int *o = lab.box[j];
                CHECK_MSG(b[2] <= o[0] || o[2] <= b[0] || b[3] <= o[1] || o[3] <= b[1], "scene %u: boxes overlap", i);
            }
        }
        REQUIRE(synth_render_scene(r, style, 9, i, 50, rgb2, NULL, &lab2) == GANC_OK);
        CHECK(memcmp(rgb, rgb2, sizeof rgb) == 0);
        CHECK(memcmp(&lab, &lab2, sizeof lab) == 0);
    }
    CHECK_MSG(with[0] > 0 && with[1] + with[2] + with[3] > 10 && with[2] + with[3] > 0,
              "faces per scene: %d x0, %d x1, %d x2, %d x3", with[0], with[1], with[2], with[3]);
    synth_renderer_free(r);
}

TEST(synth_chw_buffer_in_unit_range) {
    const uint8_t rgb[2 * 1 * 3] = {0, 255, 51, 102, 153, 204};
    real out[6];
    synth_rgb_to_chw(rgb, 2, 1, out);
    /* (3,1,2): channel-major */
    CHECK_NEAR(out[0], -1, 1e-6);
    CHECK_NEAR(out[1], 102 / 127.5 - 1, 1e-6);
    CHECK_NEAR(out[2], 1, 1e-6);
    CHECK_NEAR(out[3], 153 / 127.5 - 1, 1e-6);
    CHECK_NEAR(out[4], 51 / 127.5 - 1, 1e-6);
    CHECK_NEAR(out[5], 204 / 127.5 - 1, 1e-6);
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(synth_writer_layout_and_csv) {
    char dir[] = "/tmp/ganc_synth_test_XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    synth_write_opts o = {.out = dir, .styles = {SYNTH_PHOTO, SYNTH_CARTOON}, .n_styles = 2, .n = 10, .size = 32,
                          .seed = 4, .identities = 5, .split = true, .train_fraction = 0.6f};
    REQUIRE(synth_write_dataset(&o) == GANC_OK);
    char path[256];
    /* identities 0..2 train (round(5 * 0.6) = 3), 3..4 test; image i has identity i % 5 */
    const char *expect[4] = {"trainA/000000.png", "trainB/000002.png", "testA/000003.png", "testB_masks/000009.png"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, expect[i]);
        CHECK_MSG(file_size(path) > 0, "missing %s", path);
    }
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    FILE *f = fopen(path, "r");
    REQUIRE(f != NULL);
    char line[16384];
    int lines = 0, columns = 0;
    while (fgets(line, sizeof line, f)) {
        if (lines == 0) {
            CHECK(strncmp(line, "file,mask,split,style,index,identity,image,bbox_x0", 50) == 0);
            for (char *c = line; *c; c++) columns += *c == ',';
        } else {
            int commas = 0;
            for (char *c = line; *c; c++) commas += *c == ',';
            CHECK(commas == columns);
        }
        lines++;
    }
    fclose(f);
    CHECK_MSG(lines == 21, "labels.csv has %d lines, expected header + 20", lines);
    CHECK(columns == 6 + 4 + 2 * SYNTH_N_KEYPOINTS + 4 + SYNTH_N_ATTRS + SYNTH_N_PARAMS);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

TEST(synth_bad_arguments_are_reported) {
    synth_style st;
    CHECK(synth_style_parse("sketch", &st) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "sketch") && strstr(ganc_error_message(), "photo"));
    CHECK(synth_style_parse("animal", &st) == GANC_OK && st == SYNTH_ANIMAL);

    CHECK(synth_renderer_new(0, 64) == NULL);
    CHECK(ganc_error_status() == GANC_ERR_ARG && strstr(ganc_error_message(), "0x64"));

    synth_face f;
    synth_face_sample(0, 0, 0, &f);
    uint8_t rgb[16 * 16 * 3];
    CHECK(synth_render(NULL, SYNTH_PHOTO, &f, rgb, NULL, NULL) == GANC_ERR_ARG);
    synth_renderer *r = synth_renderer_new(16, 16);
    REQUIRE(r);
    CHECK(synth_render(r, (synth_style)9, &f, rgb, NULL, NULL) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "style") != NULL);
    CHECK(synth_render(r, SYNTH_PHOTO, &f, rgb, NULL, NULL) == GANC_OK);
    synth_renderer_free(r);

    synth_write_opts o = {.out = "/tmp/never_written", .styles = {SYNTH_PHOTO}, .n_styles = 1, .n = 1, .size = 0,
                          .identities = 1};
    CHECK(synth_write_check(&o) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "--size") != NULL);
    o.size = 32;
    o.n = 0;
    CHECK(synth_write_check(&o) == GANC_ERR_ARG && strstr(ganc_error_message(), "--n"));
    o.n = 1;
    o.out = "/proc/ganc_synth_unwritable";
    CHECK(synth_write_dataset(&o) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "/proc/ganc_synth_unwritable") != NULL);
    CHECK(synth_write_grid("/proc/ganc_synth_grid.png", 0, 2, 16) == GANC_ERR_IO);
}

/* Regression: this face's background clutter has an edge whose x, stepped
 * by its slope, rounded just below 0 and wrote before the coverage row
 * (caught by ASan while training on synthetic faces; the sanitizer run of this test catches a relapse). */
TEST(synth_clutter_edge_on_canvas_side_stays_in_row) {
    synth_renderer *r = synth_renderer_new(48, 48);
    REQUIRE(r);
    uint8_t rgb[48 * 48 * 3];
    synth_face face;
    synth_face_sample(1, 1811, 0, &face);
    CHECK(synth_render(r, SYNTH_PHOTO, &face, rgb, NULL, NULL) == GANC_OK);
    synth_renderer_free(r);
}
