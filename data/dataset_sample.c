/* Reading samples: epoch orders, decoding, the shared crop and flip of a
 * pair, and skipping bad images. Every random choice is a uniform drawn at
 * a fixed index of the stream keyed by (seed, epoch, index). */

#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/dataset_internal.h"
#include "data/image_io.h"

/* Uniforms of a sample's stream: crop x, crop y, flip of A (and of an
 * aligned pair), then the unaligned B partner, then B's crop x, y, flip. */
enum { U_A = 0, U_PARTNER = 3, U_B = 4, U_COUNT = 7 };

static long pick(double u, long choices) {
    long k = (long)(u * (double)choices);
    return k < choices ? k : choices - 1;
}

ganc_status dataset_epoch_order(const dataset *ds, long epoch, long *order) {
    if (epoch < 0) return GANC_ERR(GANC_ERR_ARG, "data [%s]: epoch %ld (expected >= 0)", ds->section, epoch);
    long n = ds->size;
    for (long i = 0; i < n; i++) order[i] = i;
    if (ds->serial) return GANC_OK;
    uint64_t key = dataset_key(ds->key_order, (uint64_t)epoch);
    for (long i = n - 1; i > 0; i--) { /* Fisher-Yates */
        long j = pick(rng_uniform_at(key, (uint64_t)(n - 1 - i)), i + 1);
        long t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return GANC_OK;
}

ganc_status sample_init(sample *s, const dataset *ds) {
    *s = (sample){0};
    size_t plane = (size_t)3 * ds->side * ds->side;
    s->a = malloc(sizeof(real) * plane);
    bool ok = s->a != NULL;
    if (dataset_has_b(ds)) ok = ok && (s->b = malloc(sizeof(real) * plane));
    if (ds->labels.n_labels) ok = ok && (s->labels = malloc(sizeof(real) * (size_t)ds->labels.n_labels));
    if (ok) return GANC_OK;
    sample_free(s);
    return GANC_ERR(GANC_ERR_MEMORY, "data [%s]: out of memory for a 3x%dx%d sample", ds->section, ds->side, ds->side);
}

void sample_free(sample *s) {
    if (!s) return;
    free(s->a);
    free(s->b);
    free(s->labels);
    free(s->work);
    *s = (sample){0};
}

/* Errors that make a file bad (skippable); anything else (memory) is not the file's fault. */
static bool is_bad_image(ganc_status st) { return st == GANC_ERR_IO || st == GANC_ERR_FORMAT || st == GANC_ERR_SHAPE; }

/* Columns [x0, x0 + w) of img, resized and transformed into dst (3,S,S).
 * The first image of a sample chooses the crop and flip from u; the second
 * of a pair reuses them (*d) and must come out the same size (dims). */
static ganc_status render(const dataset *ds, const image *img, int x0, int w, const char *path, const double *u,
                          bool first, transform_draw *d, int dims[2], sample *s, real *dst) {
    int rw = ds->tf.load_size ? ds->tf.load_size : w, rh = ds->tf.load_size ? ds->tf.load_size : img->height;
    size_t need = (size_t)rw * rh * 3;
    if (need > s->work_cap) {
        float *grown = realloc(s->work, sizeof(float) * need);
        if (!grown) return GANC_ERR(GANC_ERR_MEMORY, "data [%s]: out of memory resizing %s", ds->section, path);
        s->work = grown;
        s->work_cap = need;
    }
    ganc_status st =
        transform_resize(img->pixels + (size_t)x0 * 3, w, img->height, (size_t)img->width * 3, 3, s->work, rw, rh);
    if (st) return st;
    if (first) {
        if ((st = transform_choose(&ds->tf, u, rw, rh, path, d))) return st;
        dims[0] = rw;
        dims[1] = rh;
    } else if (rw != dims[0] || rh != dims[1]) {
        return GANC_ERR(GANC_ERR_SHAPE,
                        "image %s: B is %dx%d but A is %dx%d (load_size = 0 keeps sizes, so pairs must match)", path,
                        rw, rh, dims[0], dims[1]);
    }
    transform_crop_to_chw(s->work, rw, rh, 3, d, ds->side, ds->side, dst);
    return GANC_OK;
}

static ganc_status render_file(const dataset *ds, const char *path, const double *u, bool first, transform_draw *d,
                               int dims[2], sample *s, real *dst) {
    image img;
    ganc_status st = image_load_rgb_limit(path, ds->max_pixels, &img, NULL);
    if (st) return st;
    st = render(ds, &img, 0, img.width, path, u, first, d, dims, s, dst);
    image_free(&img);
    return st;
}

static ganc_status all_bad(const dataset *ds, const image_folder *f) {
    return GANC_ERR(GANC_ERR_FORMAT, "data [%s]: every image in %s is unreadable (%ld counted bad)", ds->section,
                    f->dir, dataset_bad_count(ds));
}

/* One image of `f` from index `start` on, skipping bad files; *used gets the index read. */
static ganc_status read_one(dataset *ds, const image_folder *f, bad_marks *marks, long start, const double *u,
                            sample *s, real *dst, long *used) {
    for (long t = 0; t < f->n; t++) {
        long j = (start + t) % f->n;
        if (atomic_load(&marks->is_bad[j])) continue;
        transform_draw d;
        int dims[2];
        ganc_status st = render_file(ds, f->paths[j], u, true, &d, dims, s, dst);
        if (!st) {
            *used = j;
            return GANC_OK;
        }
        if (!ds->skip_bad || !is_bad_image(st)) return st;
        dataset_mark_bad(ds, marks, j, ganc_error_message());
    }
    return all_bad(ds, f);
}

/* Pair j of aligned data into s->a, s->b; *b_failed tells which file of two folders failed. */
static ganc_status read_pair_at(const dataset *ds, long j, const double *u, sample *s, bool *b_failed) {
    transform_draw d;
    int dims[2];
    *b_failed = false;
    if (!ds->side_by_side) {
        ganc_status st = render_file(ds, ds->a.paths[j], u, true, &d, dims, s, s->a);
        if (st) return st;
        *b_failed = true;
        return render_file(ds, ds->b.paths[j], u, false, &d, dims, s, s->b);
    }
    const char *path = ds->a.paths[j];
    image img;
    ganc_status st = image_load_rgb_limit(path, ds->max_pixels, &img, NULL);
    if (st) return st;
    int half = img.width / 2; /* pix2pix's split: A = [0, w/2), B = [w/2, w) */
    int x_a = ds->swap_halves ? half : 0, w_a = ds->swap_halves ? img.width - half : half;
    int x_b = ds->swap_halves ? 0 : half, w_b = img.width - w_a;
    st = render(ds, &img, x_a, w_a, path, u, true, &d, dims, s, s->a);
    if (!st) st = render(ds, &img, x_b, w_b, path, u, false, &d, dims, s, s->b);
    image_free(&img);
    return st;
}

static ganc_status read_pair(dataset *ds, long start, const double *u, sample *s) {
    for (long t = 0; t < ds->a.n; t++) {
        long j = (start + t) % ds->a.n;
        if (atomic_load(&ds->bad_a.is_bad[j]) || (!ds->side_by_side && atomic_load(&ds->bad_b.is_bad[j]))) continue;
        bool b_failed;
        ganc_status st = read_pair_at(ds, j, u, s, &b_failed);
        if (!st) {
            s->path_a = ds->a.paths[j];
            s->path_b = ds->side_by_side ? ds->a.paths[j] : ds->b.paths[j];
            return GANC_OK;
        }
        if (!ds->skip_bad || !is_bad_image(st)) return st;
        if (b_failed)
            dataset_mark_bad(ds, &ds->bad_b, j, ganc_error_message());
        else
            dataset_mark_bad(ds, &ds->bad_a, j, ganc_error_message());
    }
    return all_bad(ds, &ds->a);
}

ganc_status dataset_get(dataset *ds, long epoch, long index, sample *s) {
    if (index < 0 || index >= ds->size || epoch < 0)
        return GANC_ERR(GANC_ERR_ARG, "data [%s]: sample %ld of epoch %ld (expected 0..%ld of an epoch >= 0)",
                        ds->section, index, epoch, ds->size - 1);
    uint64_t key = dataset_key(dataset_key(ds->key_sample, (uint64_t)epoch), (uint64_t)index);
    double u[U_COUNT];
    for (int k = 0; k < U_COUNT; k++) u[k] = rng_uniform_at(key, (uint64_t)k);
    long used;
    ganc_status st;
    switch (ds->kind) {
    case DATASET_UNALIGNED: {
        st = read_one(ds, &ds->a, &ds->bad_a, index % ds->a.n, u + U_A, s, s->a, &used);
        if (st) return st;
        s->path_a = ds->a.paths[used];
        long partner = ds->serial ? index % ds->b.n : pick(u[U_PARTNER], ds->b.n);
        st = read_one(ds, &ds->b, &ds->bad_b, partner, u + U_B, s, s->b, &used);
        if (!st) s->path_b = ds->b.paths[used];
        return st;
    }
    case DATASET_ALIGNED:
        return read_pair(ds, index, u + U_A, s);
    case DATASET_LABELLED:
    case DATASET_SINGLE:
        st = read_one(ds, &ds->a, &ds->bad_a, index, u + U_A, s, s->a, &used);
        if (st) return st;
        s->path_a = ds->a.paths[used];
        s->path_b = NULL;
        if (ds->kind == DATASET_LABELLED)
            memcpy(s->labels, ds->labels.values + (size_t)ds->label_row[used] * (size_t)ds->labels.n_labels,
                   sizeof(real) * (size_t)ds->labels.n_labels);
        return GANC_OK;
    }
    return GANC_ERR(GANC_ERR_STATE, "data [%s]: unknown dataset kind %d", ds->section, (int)ds->kind);
}
