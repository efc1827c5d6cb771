/* The pure parts of `ganc eval` (tools/eval.h): edge matching with a
 * tolerance, F1, PSNR and run names from checkpoint paths, on cases
 * worked out by hand. The command end to end is in tests/cli/cartoon_head.sh. */
#include <math.h>
#include <string.h>

#include "tests/test.h"
#include "tools/eval.h"

/* 5x5 maps drawn from strings: '#' an edge pixel. */
static void draw(const char *rows, uint8_t *map) {
    for (int i = 0; i < 25; i++) map[i] = rows[i] == '#' ? 255 : 0;
}

TEST(eval_edge_counts_exact_and_tolerant) {
    uint8_t ref[25], out[25];
    /* A vertical edge in column 1; the output has it in column 2 plus a stray pixel in a corner. */
    draw(".#..."
         ".#..."
         ".#..."
         ".#..."
         ".#...", ref);
    draw("..#.."
         "..#.."
         "..#.."
         "..#.."
         "..#.#", out);
    long c[4] = {0};
    eval_edge_counts(ref, out, 5, 5, 0, c);
    CHECK(c[0] == 5 && c[1] == 0 && c[2] == 6 && c[3] == 0);
    CHECK(eval_edge_f1(c) == 0);
    memset(c, 0, sizeof c);
    eval_edge_counts(ref, out, 5, 5, 1, c);
    /* Within one pixel every reference pixel is found; the stray one (4,4) is 3 columns away. */
    CHECK(c[0] == 5 && c[1] == 5 && c[2] == 6 && c[3] == 5);
    double p = 5.0 / 6.0, r = 1.0;
    CHECK_NEAR(eval_edge_f1(c), 2 * p * r / (p + r), 1e-12);
    /* Counts add up over images: the same pair again doubles them. */
    eval_edge_counts(ref, out, 5, 5, 1, c);
    CHECK(c[0] == 10 && c[1] == 10 && c[2] == 12 && c[3] == 10);
    memset(c, 0, sizeof c);
    eval_edge_counts(ref, ref, 5, 5, 0, c);
    CHECK(eval_edge_f1(c) == 1);
}

TEST(eval_edge_f1_without_edges) {
    long none[4] = {0, 0, 0, 0}, only_ref[4] = {7, 0, 0, 0}, only_out[4] = {0, 0, 3, 0};
    CHECK(isnan(eval_edge_f1(none)));
    CHECK(eval_edge_f1(only_ref) == 0);
    CHECK(eval_edge_f1(only_out) == 0);
}

TEST(eval_psnr_known_values) {
    real a[4] = {0, 0, 0, 0}, b[4] = {(real)0.2, (real)-0.2, (real)0.2, (real)-0.2}, c[4] = {1, 1, -1, -1};
    /* |a - b| = 0.2 in [-1, 1] is 0.1 on [0, 1]: MSE 0.01, 20 dB. */
    CHECK_NEAR(eval_psnr(a, b, 4), 20.0, 1e-5);
    CHECK_NEAR(eval_psnr(a, a, 4), 100.0, 0);
    /* The largest error, 1 on [0, 1] everywhere against the opposite extreme: 0 dB. */
    real d[4] = {-1, -1, 1, 1};
    CHECK_NEAR(eval_psnr(c, d, 4), 0.0, 1e-9);
}

TEST(eval_run_names_from_paths) {
    char buf[256];
    eval_run_name("runs/ablation/all/checkpoints/latest.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, "all") == 0);
    eval_run_dir("runs/ablation/all/checkpoints/latest.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, "runs/ablation/all") == 0);
    eval_run_name("model.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, "model.safetensors") == 0);
    eval_run_dir("model.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, ".") == 0);
    eval_run_name("/tmp/x/model.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, "/tmp/x/model.safetensors") == 0);
    eval_run_dir("/tmp/x/model.safetensors", buf, sizeof buf);
    CHECK(strcmp(buf, "/tmp/x") == 0);
    eval_options o = {.checkpoints = {"runs/a/checkpoints/latest.safetensors"}, .n_checkpoints = 1};
    eval_csv_path(&o, buf, sizeof buf);
    CHECK(strcmp(buf, "runs/a/eval.csv") == 0);
    o.csv = "out.csv";
    eval_csv_path(&o, buf, sizeof buf);
    CHECK(strcmp(buf, "out.csv") == 0);
}
