/* Dataset writer: renders in parallel chunks (one renderer per thread),
 * writes PNGs with stb (deterministic), and appends the CSV rows of each
 * chunk in index order, so the files do not depend on the thread count. */
#include "data/synth/writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image_write.h>

#include "data/image_io.h"
#include "data/synth/synth_render.h"

#define ROW_MAX 8192
#define CHUNK 64

static ganc_status mkdir_p(const char *dir) {
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) return GANC_ERR(GANC_ERR_ARG, "output directory path is empty or too long");
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return GANC_ERR(GANC_ERR_IO, "cannot create directory %s: %s", buf, strerror(errno));
        struct stat st;
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
            return GANC_ERR(GANC_ERR_IO, "%s exists and is not a directory", buf);
        buf[i] = saved;
    }
    return GANC_OK;
}

ganc_status synth_write_check(const synth_write_opts *o) {
    if (!o->out || !o->out[0]) return GANC_ERR(GANC_ERR_ARG, "--out: an output directory is required");
    if (o->n_styles < 1 || o->n_styles > 2)
        return GANC_ERR(GANC_ERR_ARG, "--style: expected one style or two separated by a comma");
    for (int s = 0; s < o->n_styles; s++)
        if ((unsigned)o->styles[s] >= SYNTH_STYLE_COUNT) return GANC_ERR(GANC_ERR_ARG, "--style: unknown style");
    if (o->n < 1) return GANC_ERR(GANC_ERR_ARG, "--n: expected at least 1 image, got %d", o->n);
    bool scene = o->scene_w > 0 || o->scene_h > 0;
    if (!scene && (o->size < SYNTH_MIN_SIZE || o->size > SYNTH_MAX_SIZE))
        return GANC_ERR(GANC_ERR_ARG, "--size: expected %d..%d pixels, got %d", SYNTH_MIN_SIZE, SYNTH_MAX_SIZE,
                        o->size);
    if (scene && (o->scene_w < SYNTH_MIN_SIZE || o->scene_h < SYNTH_MIN_SIZE || o->scene_w > SYNTH_MAX_SIZE ||
                  o->scene_h > SYNTH_MAX_SIZE))
        return GANC_ERR(GANC_ERR_ARG, "--scene: expected WxH with each side %d..%d, got %dx%d", SYNTH_MIN_SIZE,
                        SYNTH_MAX_SIZE, o->scene_w, o->scene_h);
    if (o->identities < 1) return GANC_ERR(GANC_ERR_ARG, "--identities: expected at least 1");
    if (o->split && !(o->train_fraction >= 0 && o->train_fraction <= 1))
        return GANC_ERR(GANC_ERR_ARG, "--split: train fraction must lie in [0, 1], got %g", (double)o->train_fraction);
    return GANC_OK;
}

static bool one_folder(const synth_write_opts *o) { return !o->split && o->n_styles == 1; }

/* Face images split by identity (test identities are unseen in training),
 * scenes by index. */
static bool is_train(const synth_write_opts *o, int index) {
    if (!o->split) return true;
    if (o->scene_w > 0) return index < (int)((double)o->n * o->train_fraction + 0.5);
    uint32_t n_train = (uint32_t)((double)o->identities * o->train_fraction + 0.5);
    return (uint32_t)index % o->identities < n_train;
}

static void folder_name(const synth_write_opts *o, int index, int slot, bool masks, char *buf, size_t cap) {
    if (one_folder(o))
        snprintf(buf, cap, "%s", masks ? "masks" : "images");
    else
        snprintf(buf, cap, "%s%c%s", is_train(o, index) ? "train" : "test", 'A' + slot, masks ? "_masks" : "");
}

static ganc_status make_folders(const synth_write_opts *o) {
    if (mkdir_p(o->out)) return ganc_error_status();
    char dir[4400];
    if (one_folder(o)) {
        static const char *const sub[2] = {"images", "masks"};
        for (int i = 0; i < 2; i++) {
            snprintf(dir, sizeof dir, "%s/%s", o->out, sub[i]);
            if (mkdir_p(dir)) return ganc_error_status();
        }
        return GANC_OK;
    }
    for (int slot = 0; slot < o->n_styles; slot++)
        for (int test = 0; test < (o->split ? 2 : 1); test++)
            for (int m = 0; m < 2; m++) {
                snprintf(dir, sizeof dir, "%s/%s%c%s", o->out, test ? "test" : "train", 'A' + slot, m ? "_masks" : "");
                if (mkdir_p(dir)) return ganc_error_status();
            }
    return GANC_OK;
}

static int put(char *row, int at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int put(char *row, int at, const char *fmt, ...) {
    if (at >= ROW_MAX) return at;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(row + at, (size_t)(ROW_MAX - at), fmt, ap);
    va_end(ap);
    return n < 0 ? at : at + n;
}

static void write_header(FILE *f, bool scene) {
    fputs("file,mask,split,style,index", f);
    if (scene) {
        fputs(",n_faces", f);
        for (int k = 0; k < SYNTH_SCENE_MAX_FACES; k++)
            fprintf(f, ",face%d_identity,face%d_x0,face%d_y0,face%d_x1,face%d_y1", k, k, k, k, k);
        fputc('\n', f);
        return;
    }
    fputs(",identity,image,bbox_x0,bbox_y0,bbox_x1,bbox_y1", f);
    for (int k = 0; k < SYNTH_N_KEYPOINTS; k++) fprintf(f, ",kp%d_x,kp%d_y", k, k);
    fputs(",mouth_x0,mouth_y0,mouth_x1,mouth_y1", f);
    for (int a = 0; a < SYNTH_N_ATTRS; a++) fprintf(f, ",a_%s", synth_attr_name(a));
    for (int p = 0; p < SYNTH_N_PARAMS; p++) fprintf(f, ",p_%s", synth_param_name(p));
    fputc('\n', f);
}

typedef struct {
    synth_renderer *r;
    uint8_t *rgb, *mask;
} worker;

/* Renders and writes image `index` in style slot `slot`; fills its CSV row. */
static ganc_status write_one(const synth_write_opts *o, worker *wk, int index, int slot, char *row) {
    bool scene = o->scene_w > 0;
    synth_style style = o->styles[slot];
    uint32_t identity = (uint32_t)index % o->identities, shot = (uint32_t)index / o->identities;
    char folder[16], mask_folder[24], img_rel[64], mask_rel[64];
    folder_name(o, index, slot, false, folder, sizeof folder);
    folder_name(o, index, slot, true, mask_folder, sizeof mask_folder);
    snprintf(img_rel, sizeof img_rel, "%s/%06d.png", folder, index);
    snprintf(mask_rel, sizeof mask_rel, "%s/%06d.png", mask_folder, index);

    int w = scene ? o->scene_w : o->size, h = scene ? o->scene_h : o->size;
    int at = put(row, 0, "%s,%s,%s,%s,%d", img_rel, mask_rel, folder, synth_style_name(style), index);
    if (scene) {
        synth_scene_labels lab;
        if (synth_render_scene(wk->r, style, o->seed, (uint32_t)index, o->identities, wk->rgb, wk->mask, &lab))
            return ganc_error_status();
        at = put(row, at, ",%d", lab.n_faces);
        for (int k = 0; k < SYNTH_SCENE_MAX_FACES; k++) {
            if (k < lab.n_faces)
                at = put(row, at, ",%u,%d,%d,%d,%d", lab.identity[k], lab.box[k][0], lab.box[k][1], lab.box[k][2],
                         lab.box[k][3]);
            else
                at = put(row, at, ",,,,,");
        }
    } else {
        synth_face face;
        synth_face_sample(o->seed, identity, shot, &face);
        synth_labels lab;
        if (synth_render(wk->r, style, &face, wk->rgb, wk->mask, &lab)) return ganc_error_status();
        at = put(row, at, ",%u,%u,%d,%d,%d,%d", identity, shot, lab.bbox[0], lab.bbox[1], lab.bbox[2], lab.bbox[3]);
        for (int k = 0; k < SYNTH_N_KEYPOINTS; k++)
            at = put(row, at, ",%.2f,%.2f", (double)lab.keypoints[k][0], (double)lab.keypoints[k][1]);
        at = put(row, at, ",%d,%d,%d,%d", lab.mouth_box[0], lab.mouth_box[1], lab.mouth_box[2], lab.mouth_box[3]);
        for (int a = 0; a < SYNTH_N_ATTRS; a++) at = put(row, at, ",%.4f", (double)lab.attrs[a]);
        for (int p = 0; p < SYNTH_N_PARAMS; p++) at = put(row, at, ",%.4f", (double)face.p[p]);
    }
    put(row, at, "\n");

    char file[4400];
    snprintf(file, sizeof file, "%s/%s", o->out, img_rel);
    if (!stbi_write_png(file, w, h, 3, wk->rgb, w * 3)) return GANC_ERR(GANC_ERR_IO, "cannot write %s", file);
    snprintf(file, sizeof file, "%s/%s", o->out, mask_rel);
    if (!stbi_write_png(file, w, h, 1, wk->mask, w)) return GANC_ERR(GANC_ERR_IO, "cannot write %s", file);
    return GANC_OK;
}

/* The first failure of any thread; the others stop at their next image. */
typedef struct {
    int failed;
    ganc_status status;
    char message[1024];
} failure;

static void fail_once(failure *fl, ganc_status status, const char *message) {
#pragma omp critical(synth_writer_failure)
    if (!fl->failed) {
        fl->status = status;
        snprintf(fl->message, sizeof fl->message, "%s", message);
#pragma omp atomic write
        fl->failed = 1;
    }
}

static int has_failed(failure *fl) {
    int v;
#pragma omp atomic read
    v = fl->failed;
    return v;
}

ganc_status synth_write_dataset(const synth_write_opts *o) {
    if (synth_write_check(o)) return ganc_error_status();
    if (make_folders(o)) return ganc_error_status();
    char csv[4400];
    snprintf(csv, sizeof csv, "%s/labels.csv", o->out);
    FILE *f = fopen(csv, "w");
    if (!f) return GANC_ERR(GANC_ERR_IO, "cannot create %s: %s", csv, strerror(errno));
    bool scene = o->scene_w > 0;
    write_header(f, scene);

    int w = scene ? o->scene_w : o->size, h = scene ? o->scene_h : o->size;
    char *rows = malloc((size_t)CHUNK * 2 * ROW_MAX);
    if (!rows) {
        fclose(f);
        return GANC_ERR(GANC_ERR_MEMORY, "synth_write_dataset: cannot allocate row buffers");
    }
    failure fl = {0};
#pragma omp parallel
    {
        worker wk = {synth_renderer_new(w, h), malloc((size_t)w * h * 3), malloc((size_t)w * h)};
        if (!wk.r)
            fail_once(&fl, ganc_error_status(), ganc_error_message());
        else if (!wk.rgb || !wk.mask)
            fail_once(&fl, GANC_ERR_MEMORY, "cannot allocate image buffers");
        for (int start = 0; start < o->n; start += CHUNK) {
            int end = start + CHUNK < o->n ? start + CHUNK : o->n;
#pragma omp for schedule(dynamic)
            for (int i = start; i < end; i++)
                for (int slot = 0; slot < o->n_styles && !has_failed(&fl); slot++) {
                    char *row = rows + ((size_t)(i - start) * 2 + slot) * ROW_MAX;
                    if (write_one(o, &wk, i, slot, row)) fail_once(&fl, ganc_error_status(), ganc_error_message());
                }
#pragma omp single
            if (!has_failed(&fl))
                for (int i = start; i < end; i++)
                    for (int slot = 0; slot < o->n_styles; slot++)
                        fputs(rows + ((size_t)(i - start) * 2 + slot) * ROW_MAX, f);
        }
        synth_renderer_free(wk.r);
        free(wk.rgb);
        free(wk.mask);
    }
    free(rows);
    bool write_error = ferror(f) != 0;
    if (fclose(f) != 0) write_error = true;
    if (fl.failed) return GANC_ERR(fl.status, "%s", fl.message);
    if (write_error) return GANC_ERR(GANC_ERR_IO, "cannot write %s", csv);
    return GANC_OK;
}

ganc_status synth_write_grid(const char *file, uint64_t seed, int n_identities, int size) {
    if (n_identities < 1 || n_identities > 64)
        return GANC_ERR(GANC_ERR_ARG, "grid: expected 1..64 identities, got %d", n_identities);
    synth_renderer *r = synth_renderer_new(size, size);
    if (!r) return ganc_error_status();
    const int gap = 2;
    int gw = n_identities * (size + gap) + gap, gh = SYNTH_STYLE_COUNT * (size + gap) + gap;
    uint8_t *grid = malloc((size_t)gw * gh * 3), *cell = malloc((size_t)size * size * 3);
    if (!grid || !cell) {
        free(grid);
        free(cell);
        synth_renderer_free(r);
        return GANC_ERR(GANC_ERR_MEMORY, "grid: cannot allocate %dx%d pixels", gw, gh);
    }
    memset(grid, 255, (size_t)gw * gh * 3);
    for (int s = 0; s < SYNTH_STYLE_COUNT; s++)
        for (int id = 0; id < n_identities; id++) {
            synth_face face;
            synth_face_sample(seed, (uint32_t)id, 0, &face);
            synth_render(r, (synth_style)s, &face, cell, NULL, NULL);
            int x0 = gap + id * (size + gap), y0 = gap + s * (size + gap);
            for (int y = 0; y < size; y++)
                memcpy(grid + ((size_t)(y0 + y) * gw + x0) * 3, cell + (size_t)y * size * 3, (size_t)size * 3);
        }
    /* PNG or JPEG by the file's extension; anything else is refused. */
    ganc_status st = image_write(file, &(image){gw, gh, 3, grid}, 95);
    free(grid);
    free(cell);
    synth_renderer_free(r);
    return st;
}
