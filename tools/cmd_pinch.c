/* ganc pinch --checkpoint C --input PHOTO --out VIRTUAL.png [--params OUT.csv] [--size S]
 * ganc pinch --checkpoint C --eval DIR [--grid FILE] [--grid-rows K] [--size S]
 * Runs a face_pinch checkpoint: predicts the bone parameters of a photo and
 * renders the virtual face they make; or measures the bone error over a
 * labelled folder (`ganc synth` layout: DIR/images, DIR/labels.csv) and
 * draws the photo | virtual from predicted | virtual from true grid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_grid.h"
#include "data/image_io.h"
#include "data/transforms.h"
#include "experiments/face_pinch/bones.h"
#include "tools/commands.h"
#include "tools/cli_args.h"
#include "tools/trainer.h"

#define EVAL_CHUNK 32

static void usage(FILE *out) {
    fprintf(out, "usage: ganc pinch --checkpoint C --input PHOTO --out VIRTUAL.png [--params OUT.csv] [--size S]\n"
                 "       ganc pinch --checkpoint C --eval DIR [--grid FILE] [--grid-rows K] [--size S]\n"
                 "Runs a face_pinch checkpoint: the bone parameters of a photo and the virtual face they make, or\n"
                 "the bone error over a labelled folder (docs/face_pinch.md).\n"
                 "  --checkpoint C   a checkpoint of ganc train with experiments/face_pinch\n"
                 "  --input PHOTO    the face photo to read\n"
                 "  --out FILE       the virtual face to write (.png, .jpg or .jpeg)\n"
                 "  --params CSV     also write the predicted bone parameters as CSV\n"
                 "  --eval DIR       measure the bone error over DIR/images and DIR/labels.csv (ganc synth's layout)\n"
                 "  --grid FILE      with --eval: a .png or .jpg grid photo | virtual from predicted | from true\n"
                 "  --grid-rows K    rows of the grid, 1..256 (default 8)\n"
                 "  --size S         side of the virtual faces and grid cells, 16..4096 (default 256; grid 128)\n"
                 "  --help           this text\n"
                 "No output may replace an input or another output.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "ganc pinch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}

/* No output replaces the checkpoint, the photo, the labels or another output. */
static ganc_status check_outputs(const char *ckpt, const char *input, const char *eval, const char *out,
                                 const char *params, const char *grid_path) {
    char labels[4200];
    snprintf(labels, sizeof labels, "%s/labels.csv", eval ? eval : "");
    cli_file inputs[] = {{"--checkpoint", ckpt}, {"--input", input}, {"--eval", eval},
                         {"--eval's labels", eval ? labels : NULL}, {"--out", out}};
    ganc_status st = cli_check_output((cli_file){"--out", out}, inputs, 4);
    if (!st) st = cli_check_output((cli_file){"--params", params}, inputs, 5);
    if (!st) st = cli_check_output((cli_file){"--grid", grid_path}, inputs, 4);
    return st;
}

typedef struct {
    trainer tr;
    network *f, *r;
    int load, side; /* training's preprocessing: resize to load x load, centre crop side x side */
} pinch_model;

static ganc_status open_model(pinch_model *m, const char *path) {
    ganc_status st = trainer_open_checkpoint(&m->tr, path);
    if (!st && strcmp(m->tr.recipe->name, "face_pinch") != 0)
        st = GANC_ERR(GANC_ERR_ARG, "pinch: %s was trained by recipe %s, not face_pinch", path, m->tr.recipe->name);
    if (!st && !((m->f = trainer_network_named(&m->tr, "F")) && (m->r = trainer_network_named(&m->tr, "R"))))
        st = ganc_error_status();
    long load = 0, side = 0;
    if (!st) st = config_int(m->tr.cfg, "data", "load_size", 0, 0, 1 << 14, &load);
    if (!st) st = config_int(m->tr.cfg, "data", "crop_size", 0, 0, 1 << 14, &side);
    if (!st && (side == 0 || load < side))
        st = GANC_ERR(GANC_ERR_ARG, "pinch: the checkpoint's [data] load_size %ld and crop_size %ld: expected a crop "
                      "inside the loaded image", load, side);
    m->load = (int)load;
    m->side = (int)side;
    return st;
}

/* Bones of n images (n,3,side,side) in [-1, 1] into out (n,P). */
static ganc_status predict(pinch_model *m, const real *images, int n, real *out) {
    tape *t = m->tr.t;
    tape_reset(t);
    tape_no_grad_begin(t);
    tensor *x = tape_from_host(t, 4, (int[]){n, 3, m->side, m->side}, images, "photo");
    tensor *y = x ? network_forward(m->r, t, network_forward(m->f, t, x)) : NULL;
    tape_no_grad_end(t);
    if (!y) return ganc_error_status();
    if (y->ndim != 2 || y->shape[1] != PINCH_N_BONES)
        return GANC_ERR(GANC_ERR_SHAPE, "pinch: R gives %zu values per image, expected %d bones", y->numel / n,
                        PINCH_N_BONES);
    memcpy(out, y->data, sizeof(real) * (size_t)n * PINCH_N_BONES);
    return GANC_OK;
}

/* An image file resized to load x load, then its centred side x side crop
 * as (3,side,side) in [-1, 1]: what training fed the network. */
static ganc_status load_photo(const char *path, int load, int side, real *chw) {
    image img;
    ganc_status st = image_load_rgb(path, &img, NULL);
    if (st) return st;
    float *resized = malloc(sizeof(float) * 3 * (size_t)load * load);
    if (!resized) st = GANC_ERR(GANC_ERR_MEMORY, "pinch: out of memory");
    if (!st) st = transform_resize(img.pixels, img.width, img.height, (size_t)img.width * 3, 3, resized, load, load);
    transform_draw centre = {(load - side) / 2, (load - side) / 2, false};
    if (!st) transform_crop_to_chw(resized, load, load, 3, &centre, side, side, chw);
    image_free(&img);
    free(resized);
    return st;
}

/* The virtual face of `params` as a side x side PNG. */
static ganc_status write_virtual(const char *path, const float params[SYNTH_N_PARAMS], int side) {
    synth_renderer *r = synth_renderer_new(side, side);
    uint8_t *rgb = malloc(3 * (size_t)side * side);
    ganc_status st = GANC_OK;
    if (!r || !rgb) st = GANC_ERR(GANC_ERR_MEMORY, "pinch: out of memory for a %dx%d render", side, side);
    synth_face face = {0};
    memcpy(face.p, params, sizeof face.p);
    if (!st) st = synth_render(r, SYNTH_VIRTUAL, &face, rgb, NULL, NULL);
    if (!st) st = image_write(path, &(image){side, side, 3, rgb}, 95);
    synth_renderer_free(r);
    free(rgb);
    return st;
}

static ganc_status write_params(const char *path, const real bones[PINCH_N_BONES]) {
    FILE *f = fopen(path, "w");
    if (!f) return GANC_ERR(GANC_ERR_IO, "pinch: cannot write --params %s", path);
    fprintf(f, "parameter,group,value\n");
    for (int i = 0; i < PINCH_N_BONES; i++) {
        double v = bones[i] < 0 ? 0 : bones[i] > 1 ? 1 : (double)bones[i];
        fprintf(f, "%s,%s,%.6f\n", synth_param_name(pinch_bone_param[i]), pinch_group_name(pinch_bone_group[i]), v);
    }
    return fclose(f) == 0 ? GANC_OK : GANC_ERR(GANC_ERR_IO, "pinch: cannot write --params %s", path);
}

static ganc_status pinch_one(pinch_model *m, const char *input, const char *out, const char *params_path, int size) {
    real *chw = malloc(sizeof(real) * 3 * (size_t)m->side * m->side), bones[PINCH_N_BONES];
    if (!chw) return GANC_ERR(GANC_ERR_MEMORY, "pinch: out of memory");
    ganc_status st = load_photo(input, m->load, m->side, chw);
    if (!st) st = predict(m, chw, 1, bones);
    free(chw);
    float params[SYNTH_N_PARAMS];
    pinch_default_params(params);
    if (!st) pinch_set_bones(params, bones);
    if (!st) st = write_virtual(out, params, size);
    if (!st && params_path) st = write_params(params_path, bones);
    if (!st) printf("%s -> %s%s%s\n", input, out, params_path ? ", " : "", params_path ? params_path : "");
    return st;
}

/* ---- --eval ---- */

typedef struct {
    int rows, size;
    real *photo, *from_pred, *from_true; /* (rows,3,size,size) each */
    synth_renderer *renderer;
    uint8_t *rgb;
} grid;

static ganc_status grid_init(grid *g, int rows, int size) {
    size_t cell = 3 * (size_t)size * size;
    *g = (grid){rows, size, calloc(rows * cell, sizeof(real)), calloc(rows * cell, sizeof(real)),
                calloc(rows * cell, sizeof(real)), synth_renderer_new(size, size), malloc(cell)};
    if (!g->photo || !g->from_pred || !g->from_true || !g->renderer || !g->rgb)
        return GANC_ERR(GANC_ERR_MEMORY, "pinch: out of memory for a %d-row grid of %d pixels", rows, size);
    return GANC_OK;
}

static void grid_free(grid *g) {
    free(g->photo);
    free(g->from_pred);
    free(g->from_true);
    synth_renderer_free(g->renderer);
    free(g->rgb);
}

/* Row i: the whole photo resized, the virtual face with the predicted
 * bones and the photo's other parameters, the virtual face of the true ones. */
static ganc_status grid_row(grid *g, int i, const char *photo, const real bones[PINCH_N_BONES],
                            const float truth[SYNTH_N_PARAMS]) {
    size_t cell = 3 * (size_t)g->size * g->size;
    float params[SYNTH_N_PARAMS];
    memcpy(params, truth, sizeof params);
    ganc_status st = load_photo(photo, g->size, g->size, g->photo + i * cell);
    if (!st) st = pinch_render_virtual(g->renderer, g->size, params, g->rgb, g->from_true + i * cell);
    pinch_set_bones(params, bones);
    if (!st) st = pinch_render_virtual(g->renderer, g->size, params, g->rgb, g->from_pred + i * cell);
    return st;
}

/* DIR's images with the preprocessing of training, centred and unflipped. */
static ganc_status open_eval_data(const char *dir, const pinch_model *m, config **cfg, dataset **ds) {
    char text[4400];
    snprintf(text, sizeof text,
             "[eval]\nkind = labelled\nroot = %s/images\nlabels = %s/labels.csv\nlabel_columns = p_*\n"
             "phase = test\nload_size = %d\ncrop_size = %d\n", dir, dir, m->load, m->side);
    if (!(*cfg = config_new())) return ganc_error_status();
    ganc_status st = config_parse_string(*cfg, text, "--eval");
    return st ? st : dataset_open(*cfg, "eval", 0, stderr, ds);
}

static ganc_status evaluate(pinch_model *m, const char *dir, const char *grid_path, int grid_rows, int grid_size) {
    config *cfg = NULL;
    dataset *ds = NULL;
    sample smp = {0};
    grid g = {0};
    int cols[SYNTH_N_PARAMS];
    size_t plane = 3 * (size_t)m->side * m->side;
    real *images = malloc(sizeof(real) * plane * EVAL_CHUNK);
    real *bones = malloc(sizeof(real) * PINCH_N_BONES * EVAL_CHUNK);
    float (*truth)[SYNTH_N_PARAMS] = malloc(sizeof *truth * EVAL_CHUNK);
    const char **paths = malloc(sizeof *paths * EVAL_CHUNK);
    ganc_status st = images && bones && truth && paths ? GANC_OK : GANC_ERR(GANC_ERR_MEMORY, "pinch: out of memory");
    if (!st) st = open_eval_data(dir, m, &cfg, &ds);
    if (!st) st = pinch_param_columns(ds, "--eval", cols);
    if (!st) st = sample_init(&smp, ds);
    long n = st ? 0 : dataset_size(ds);
    if (!st && grid_path) st = grid_init(&g, grid_rows < n ? grid_rows : (int)n, grid_size);
    pinch_error model = {0}, constant = {0};
    real halves[PINCH_N_BONES];
    for (int k = 0; k < PINCH_N_BONES; k++) halves[k] = (real)0.5;
    for (long start = 0; !st && start < n; start += EVAL_CHUNK) {
        int count = n - start < EVAL_CHUNK ? (int)(n - start) : EVAL_CHUNK;
        for (int i = 0; !st && i < count; i++) {
            st = dataset_get(ds, 0, start + i, &smp);
            if (st) break;
            memcpy(images + i * plane, smp.a, sizeof(real) * plane);
            for (int k = 0; k < SYNTH_N_PARAMS; k++) truth[i][k] = (float)smp.labels[cols[k]];
            paths[i] = smp.path_a;
        }
        if (!st) st = predict(m, images, count, bones);
        for (int i = 0; !st && i < count; i++) {
            pinch_error_add(&model, bones + i * PINCH_N_BONES, truth[i]);
            pinch_error_add(&constant, halves, truth[i]);
            if (start + i < g.rows) st = grid_row(&g, (int)(start + i), paths[i], bones + i * PINCH_N_BONES, truth[i]);
        }
    }
    if (!st) {
        printf("pinch eval: %ld images of %s\n%-12s %8s %14s\n", n, dir, "group", "MAE", "constant 0.5");
        for (int k = 0; k <= PINCH_N_GROUPS; k++)
            printf("%-12s %8.4f %14.4f\n", pinch_group_name(k), pinch_error_mae(&model, k),
                   pinch_error_mae(&constant, k));
        printf("\n%-16s %-11s %8s %14s\n", "bone", "group", "MAE", "constant 0.5");
        for (int i = 0; i < PINCH_N_BONES; i++)
            printf("%-16s %-11s %8.4f %14.4f\n", synth_param_name(pinch_bone_param[i]),
                   pinch_group_name(pinch_bone_group[i]), pinch_error_bone_mae(&model, i),
                   pinch_error_bone_mae(&constant, i));
    }
    if (!st && grid_path) {
        const real *columns[3] = {g.photo, g.from_pred, g.from_true};
        st = image_grid_write(grid_path, columns, 3, g.rows, 3, g.size, g.size);
        if (!st) printf("grid (photo | virtual from predicted bones | virtual from true parameters): %s\n", grid_path);
    }
    grid_free(&g);
    sample_free(&smp);
    dataset_free(ds);
    config_free(cfg);
    free(images);
    free(bones);
    free(truth);
    free(paths);
    return st;
}

int cmd_pinch(int argc, char **argv) {
    const char *ckpt = NULL, *input = NULL, *out = NULL, *params = NULL, *eval = NULL, *grid_path = NULL;
    int size = 0, grid_rows = 8;
    for (int i = 1; i < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--help") == 0 || strcmp(k, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        const char **slot = strcmp(k, "--checkpoint") == 0 ? &ckpt
                            : strcmp(k, "--input") == 0    ? &input
                            : strcmp(k, "--out") == 0      ? &out
                            : strcmp(k, "--params") == 0   ? &params
                            : strcmp(k, "--eval") == 0     ? &eval
                            : strcmp(k, "--grid") == 0     ? &grid_path
                                                           : NULL;
        bool number = strcmp(k, "--grid-rows") == 0 || strcmp(k, "--size") == 0;
        if (!slot && !number) return usage_error("unknown option %s", k);
        if (!v) return usage_error("%s needs a value", k);
        if (slot) {
            *slot = v;
            continue;
        }
        bool rows = strcmp(k, "--grid-rows") == 0;
        long n;
        if (!cli_parse_long(v, rows ? 1 : 16, rows ? 256 : 4096, &n)) {
            fprintf(stderr, "ganc pinch: %s %s: expected an integer from %d to %d\n", k, v, rows ? 1 : 16,
                    rows ? 256 : 4096);
            return 2;
        }
        *(rows ? &grid_rows : &size) = (int)n;
    }
    bool single = input && out && !eval && !grid_path, evaluating = eval && !input && !out && !params;
    if (!ckpt || !(single || evaluating))
        return usage_error("%s", "give --checkpoint with either --input and --out, or --eval");
    const char *image_out = single ? out : grid_path;
    if (image_out && !image_write_supported(image_out))
        return usage_error("%s: expected a file name ending in .png, .jpg or .jpeg", image_out);
    if (check_outputs(ckpt, input, eval, out, params, grid_path)) {
        fprintf(stderr, "ganc pinch: %s\n", ganc_error_message());
        return 1;
    }
    if (size == 0) size = single ? 256 : 128;
    pinch_model m = {0};
    ganc_status st = open_model(&m, ckpt);
    if (!st) st = single ? pinch_one(&m, input, out, params, size) : evaluate(&m, eval, grid_path, grid_rows, size);
    if (st) fprintf(stderr, "ganc pinch: %s\n", ganc_error_message());
    trainer_close(&m.tr);
    return st ? 1 : 0;
}
