/* Opening a dataset: its config keys, its folder layout, its labels, and a
 * scan of every image header. Reading samples is in dataset_sample.c. */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/dataset_internal.h"
#include "data/image_io.h"

/* Stream index of the data keys under the run seed: keeps them apart from
 * other users of the same seed (weight init, dropout). */
#define DATA_STREAM 0x64617461u /* "data" */

uint64_t dataset_key(uint64_t key, uint64_t index) {
    return (uint64_t)rng_u32_at(key, 2 * index) << 32 | rng_u32_at(key, 2 * index + 1);
}

typedef struct {
    const char *root;
    const char *phase;
    long max_images;
    int direction; /* 0 AtoB, 1 BtoA */
    const char *labels;
    const char *label_columns;
} options;

static ganc_status read_config(config *c, const char *sec, dataset *ds, options *o) {
    static const char *const kinds[] = {"unaligned", "aligned", "labelled", "single", NULL};
    static const char *const phases[] = {"train", "test", NULL};
    static const char *const crops[] = {"random", "center", NULL};
    static const char *const directions[] = {"AtoB", "BtoA", NULL};
    int kind, phase, crop;
    long load, crop_size;
    ganc_status st;
    if ((st = config_choice(c, sec, "kind", "unaligned", kinds, &kind)) ||
        (st = config_string(c, sec, "root", NULL, &o->root)) ||
        (st = config_choice(c, sec, "phase", "train", phases, &phase)))
        return st;
    bool test = phase == 1;
    o->phase = phases[phase];
    ds->kind = (dataset_kind)kind;
    if ((st = config_int(c, sec, "crop_size", 256, 0, IMAGE_MAX_SIDE, &crop_size)) ||
        (st = config_int(c, sec, "load_size", test ? crop_size : 286, 0, IMAGE_MAX_SIDE, &load)) ||
        (st = config_choice(c, sec, "crop", test ? "center" : "random", crops, &crop)) ||
        (st = config_bool(c, sec, "flip", !test, &ds->tf.flip)) ||
        (st = config_bool(c, sec, "serial_batches", test, &ds->serial)) ||
        (st = config_bool(c, sec, "skip_bad_images", false, &ds->skip_bad)) ||
        (st = config_int(c, sec, "max_images", 0, 0, LONG_MAX, &o->max_images)) ||
        (st = config_int(c, sec, "max_image_pixels", IMAGE_DEFAULT_MAX_PIXELS, 1, (long)IMAGE_MAX_SIDE * IMAGE_MAX_SIDE,
                         &ds->max_pixels)))
        return st;
    if (ds->kind == DATASET_UNALIGNED || ds->kind == DATASET_ALIGNED)
        st = config_choice(c, sec, "direction", "AtoB", directions, &o->direction);
    if (!st && ds->kind == DATASET_LABELLED) {
        if ((st = config_string(c, sec, "labels", NULL, &o->labels))) return st;
        st = config_string(c, sec, "label_columns", "", &o->label_columns);
    }
    if (st) return st;
    if (load == 0 && crop_size == 0)
        return GANC_ERR(GANC_ERR_ARG,
                        "config: [%s] load_size = 0 and crop_size = 0: a batch needs one image size, set either", sec);
    if (load > 0 && crop_size > load)
        return GANC_ERR(GANC_ERR_ARG, "config: [%s] crop_size = %ld is larger than load_size = %ld", sec, crop_size,
                        load);
    ds->tf.load_size = (int)load;
    ds->tf.crop_size = (int)crop_size;
    ds->tf.random_crop = crop == 0;
    ds->side = transform_out_side(&ds->tf);
    return GANC_OK;
}

/* root/<a><b> in a fresh string. */
static char *sub(const char *root, const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *name = malloc(la + lb + 1);
    if (!name) {
        GANC_ERR(GANC_ERR_MEMORY, "out of memory");
        return NULL;
    }
    memcpy(name, a, la);
    memcpy(name + la, b, lb + 1);
    char *path = image_folder_join(root, name);
    free(name);
    return path;
}

static ganc_status list_pair(dataset *ds, const char *dir_a, const char *dir_b, long max, const char *context) {
    ganc_status st = image_folder_list(dir_a, max, context, &ds->a);
    if (!st) st = image_folder_list(dir_b, max, context, &ds->b);
    return st;
}

/* Pairs need the same file names on both sides. */
static ganc_status check_pairs(const dataset *ds) {
    for (long i = 0; i < ds->a.n || i < ds->b.n; i++) {
        int cmp = i >= ds->a.n ? 1 : i >= ds->b.n ? -1 : strcmp(ds->a.names[i], ds->b.names[i]);
        if (cmp == 0) continue;
        const image_folder *has = cmp < 0 ? &ds->a : &ds->b, *lacks = cmp < 0 ? &ds->b : &ds->a;
        return GANC_ERR(GANC_ERR_FORMAT, "data [%s]: aligned pairs need the same file names: %s has no partner in %s",
                        ds->section, has->paths[i], lacks->dir);
    }
    return GANC_OK;
}

static void swap_sides(dataset *ds) {
    image_folder t = ds->a;
    ds->a = ds->b;
    ds->b = t;
}

static ganc_status open_layout(dataset *ds, const options *o) {
    char context[128];
    static const char *const kind_names[] = {"unaligned", "aligned", "labelled", "single"};
    snprintf(context, sizeof context, "data [%s] (kind = %s)", ds->section, kind_names[ds->kind]);
    ganc_status st = GANC_OK;
    if (ds->kind == DATASET_LABELLED || ds->kind == DATASET_SINGLE)
        return image_folder_list(o->root, o->max_images, context, &ds->a);
    char *ph = sub(o->root, o->phase, ""), *ph_a = sub(o->root, o->phase, "A"), *ph_b = sub(o->root, o->phase, "B");
    char *in_a = ph ? image_folder_join(ph, "A") : NULL, *in_b = ph ? image_folder_join(ph, "B") : NULL;
    if (!ph || !ph_a || !ph_b || !in_a || !in_b) {
        st = ganc_error_status();
    } else if (ds->kind == DATASET_UNALIGNED) {
        st = list_pair(ds, ph_a, ph_b, o->max_images, context);
    } else if (image_folder_exists(in_a) && image_folder_exists(in_b)) {
        st = list_pair(ds, in_a, in_b, o->max_images, context);
        if (!st) st = check_pairs(ds);
    } else if (image_folder_exists(ph_a) && image_folder_exists(ph_b)) {
        st = list_pair(ds, ph_a, ph_b, o->max_images, context);
        if (!st) st = check_pairs(ds);
    } else if (!image_folder_exists(ph)) {
        st = GANC_ERR(GANC_ERR_IO,
                      "%s: folder %s does not exist (aligned data is %s/ with A|B side by side in each image, or "
                      "pairs with the same names in %s/A and %s/B, or in %s and %s)",
                      context, ph, ph, ph, ph, ph_a, ph_b);
    } else {
        ds->side_by_side = true;
        st = image_folder_list(ph, o->max_images, context, &ds->a);
    }
    if (!st && o->direction == 1) {
        if (ds->side_by_side)
            ds->swap_halves = true;
        else
            swap_sides(ds);
    }
    free(ph);
    free(ph_a);
    free(ph_b);
    free(in_a);
    free(in_b);
    return st;
}

static ganc_status open_labels(dataset *ds, const options *o) {
    ganc_status st = labels_csv_load(o->labels, o->label_columns, &ds->labels);
    if (st) return st;
    if (!(ds->label_row = malloc(sizeof(long) * (size_t)ds->a.n)))
        return GANC_ERR(GANC_ERR_MEMORY, "data [%s]: out of memory", ds->section);
    return labels_csv_match(&ds->labels, &ds->a, ds->label_row);
}

/* The message without its "file.c:line: " prefix, for log lines. */
static const char *message_text(const char *msg) {
    const char *colon = strstr(msg, ".c:");
    if (!colon) return msg;
    const char *p = colon + 3;
    while (*p >= '0' && *p <= '9') p++;
    return p[0] == ':' && p[1] == ' ' ? p + 2 : msg;
}

void dataset_mark_bad(dataset *ds, bad_marks *marks, long i, const char *why) {
    if (atomic_exchange(&marks->is_bad[i], 1)) return;
    atomic_fetch_add(&ds->bad_count, 1);
    if (ds->log)
        fprintf(ds->log, "data [%s]: skipping a bad image (skip_bad_images = true): %s\n", ds->section,
                message_text(why));
}

typedef struct {
    long gray, alpha, wide;
} conversions;

static ganc_status scan_folder(dataset *ds, const image_folder *f, bad_marks *marks, conversions *conv) {
    if (!(marks->is_bad = calloc((size_t)f->n, sizeof *marks->is_bad)))
        return GANC_ERR(GANC_ERR_MEMORY, "data [%s]: out of memory", ds->section);
    long bad = 0;
    for (long i = 0; i < f->n; i++) {
        image_info info;
        ganc_status st = image_probe_limit(f->paths[i], ds->max_pixels, &info);
        if (!st && ds->side_by_side && info.width < 2)
            st = GANC_ERR(GANC_ERR_FORMAT, "image %s: 1 pixel wide, too narrow for A|B side by side", f->paths[i]);
        if (st) {
            if (!ds->skip_bad || st == GANC_ERR_MEMORY) return st;
            dataset_mark_bad(ds, marks, i, ganc_error_message());
            bad++;
            continue;
        }
        conv->gray += info.channels <= 2;
        conv->alpha += info.channels == 2 || info.channels == 4;
        conv->wide += info.is_16_bit;
    }
    if (bad == f->n)
        return GANC_ERR(GANC_ERR_FORMAT, "data [%s]: all %ld images in %s are unreadable", ds->section, f->n, f->dir);
    return GANC_OK;
}

static void print_conversions(const dataset *ds, const conversions *cv) {
    if (!ds->log || !(cv->gray || cv->alpha || cv->wide)) return;
    fprintf(ds->log, "data [%s]:", ds->section);
    const char *sep = " ";
    if (cv->gray) {
        fprintf(ds->log, "%sconverting %ld grayscale image%s to RGB", sep, cv->gray, cv->gray == 1 ? "" : "s");
        sep = "; ";
    }
    if (cv->alpha) {
        fprintf(ds->log, "%sdropping the alpha channel of %ld image%s", sep, cv->alpha, cv->alpha == 1 ? "" : "s");
        sep = "; ";
    }
    if (cv->wide) fprintf(ds->log, "%sreducing %ld 16-bit image%s to 8 bits", sep, cv->wide, cv->wide == 1 ? "" : "s");
    fprintf(ds->log, " (said once)\n");
}

ganc_status dataset_check_channels(config *c, const char *recipe, const char *section, const char *key, int images) {
    long channels, expected = 3L * images;
    ganc_status st = config_int(c, section, key, expected, 1, 4096, &channels);
    if (st || channels == expected) return st;
    return GANC_ERR(GANC_ERR_ARG, "config: [%s] %s = %ld: %s trains on RGB images, so it must be %ld%s; grey "
                    "(1-channel) training is not supported (grey files are read as RGB)", section, key, channels,
                    recipe, expected, images > 1 ? " (an image pair)" : "");
}

ganc_status dataset_open(config *c, const char *section, uint64_t seed, FILE *log, dataset **out) {
    *out = NULL;
    dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return GANC_ERR(GANC_ERR_MEMORY, "data [%s]: out of memory", section);
    snprintf(ds->section, sizeof ds->section, "%s", section);
    ds->log = log;
    atomic_init(&ds->bad_count, 0);
    uint64_t base = dataset_key(seed, DATA_STREAM);
    ds->key_order = dataset_key(base, 1);
    ds->key_sample = dataset_key(base, 2);
    options o = {0};
    conversions conv = {0};
    ganc_status st = read_config(c, section, ds, &o);
    if (!st) st = open_layout(ds, &o);
    if (!st && ds->kind == DATASET_LABELLED) st = open_labels(ds, &o);
    if (!st) st = scan_folder(ds, &ds->a, &ds->bad_a, &conv);
    if (!st && ds->b.n) st = scan_folder(ds, &ds->b, &ds->bad_b, &conv);
    if (st) {
        dataset_free(ds);
        return st;
    }
    print_conversions(ds, &conv);
    ds->size = ds->kind == DATASET_UNALIGNED && ds->b.n > ds->a.n ? ds->b.n : ds->a.n;
    *out = ds;
    return GANC_OK;
}

void dataset_free(dataset *ds) {
    if (!ds) return;
    image_folder_free(&ds->a);
    image_folder_free(&ds->b);
    free(ds->bad_a.is_bad);
    free(ds->bad_b.is_bad);
    labels_csv_free(&ds->labels);
    free(ds->label_row);
    free(ds);
}

dataset_kind dataset_get_kind(const dataset *ds) { return ds->kind; }
long dataset_size(const dataset *ds) { return ds->size; }
int dataset_side(const dataset *ds) { return ds->side; }
bool dataset_has_b(const dataset *ds) { return ds->kind == DATASET_UNALIGNED || ds->kind == DATASET_ALIGNED; }
int dataset_label_count(const dataset *ds) { return ds->labels.n_labels; }
const char *dataset_label_name(const dataset *ds, int k) {
    return k >= 0 && k < ds->labels.n_labels ? ds->labels.names[k] : NULL;
}
long dataset_bad_count(const dataset *ds) { return atomic_load(&((dataset *)ds)->bad_count); }

void dataset_describe(const dataset *ds, FILE *out) {
    static const char *const kind_names[] = {"unaligned", "aligned", "labelled", "single"};
    fprintf(out, "data [%s]: %s, %ld images in %s", ds->section, kind_names[ds->kind], ds->a.n, ds->a.dir);
    if (ds->b.n) fprintf(out, " and %ld in %s", ds->b.n, ds->b.dir);
    if (ds->side_by_side) fprintf(out, " (A|B side by side%s)", ds->swap_halves ? ", B to A" : "");
    if (ds->labels.n_labels) fprintf(out, ", %d labels from %s", ds->labels.n_labels, ds->labels.path);
    fprintf(out, "; %ld samples of 3x%dx%d", ds->size, ds->side, ds->side);
    if (ds->tf.load_size)
        fprintf(out, " (resized to %d", ds->tf.load_size);
    else
        fprintf(out, " (native size");
    if (ds->tf.crop_size) fprintf(out, ", %s crop", ds->tf.random_crop ? "random" : "centred");
    fprintf(out, "%s%s)\n", ds->tf.flip ? ", flipped at random" : "", ds->serial ? ", serial" : ", shuffled");
}
