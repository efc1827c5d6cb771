/* ganc translate --checkpoint C --input FILE|DIR --output DIR [--direction AtoB|BtoA] [--size S] [--npy DIR]
 * Runs a trained generator over images; outputs are PNGs named after the
 * inputs. --npy also writes the generator's input and output tensors, so
 * an exported model can be checked against ganc (docs/export.md). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/image_io.h"
#include "data/npy.h"
#include "data/transforms.h"
#include "tools/commands.h"
#include "tools/trainer.h"

static int usage(void) {
    fprintf(stderr, "usage: ganc translate --checkpoint C --input FILE|DIR --output DIR [--direction AtoB|BtoA] "
                    "[--size S] [--npy DIR]\n");
    return 2;
}

static bool is_image_name(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return false;
    const char *exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".tga"};
    for (int i = 0; i < 5; i++)
        if (strcasecmp(dot, exts[i]) == 0) return true;
    return false;
}

/* NPY/<name>.input.npy and NPY/<name>.output.npy */
static ganc_status write_npy(const char *npy_dir, const char *name, const tensor *x, const tensor *y) {
    char target[2200];
    snprintf(target, sizeof target, "%s/%s.input.npy", npy_dir, name);
    ganc_status st = npy_write_f32(target, x->ndim, x->shape, x->data);
    snprintf(target, sizeof target, "%s/%s.output.npy", npy_dir, name);
    return st ? st : npy_write_f32(target, y->ndim, y->shape, y->data);
}

/* Resizes to size x size, runs G, writes OUT/<input name>.png. */
static ganc_status translate_one(trainer *tr, network *g, const char *path, const char *out_dir, int size,
                                 const char *npy_dir) {
    image img;
    ganc_status st = image_load_rgb(path, &img, NULL);
    if (st) return st;
    float *resized = malloc(sizeof(float) * 3 * (size_t)size * (size_t)size);
    real *chw = malloc(sizeof(real) * 3 * (size_t)size * (size_t)size);
    if (!resized || !chw) st = GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory");
    if (!st) st = transform_resize(img.pixels, img.width, img.height, (size_t)img.width * 3, 3, resized, size, size);
    image_free(&img);
    for (size_t c = 0; !st && c < 3; c++)
        for (size_t i = 0; i < (size_t)size * (size_t)size; i++) chw[c * (size_t)size * (size_t)size + i] = (real)(resized[i * 3 + c] / 127.5f - 1.0f);
    tape_reset(tr->t);
    tape_no_grad_begin(tr->t);
    tensor *x = st ? NULL : tape_from_host(tr->t, 4, (int[]){1, 3, size, size}, chw, "input");
    tensor *y = x ? network_forward(g, tr->t, x) : NULL;
    tape_no_grad_end(tr->t);
    if (!st && !y) st = ganc_error_status();
    image out = {0};
    if (!st) st = image_from_chw(y->data, 3, size, size, &out);
    if (!st) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        char name[1024], target[2200];
        snprintf(name, sizeof name, "%s", base);
        char *dot = strrchr(name, '.');
        if (dot) *dot = '\0';
        snprintf(target, sizeof target, "%s/%s.png", out_dir, name);
        st = image_write(target, &out, 95);
        if (!st && npy_dir) st = write_npy(npy_dir, name, x, y);
        if (!st) printf("%s -> %s\n", path, target);
    }
    image_free(&out);
    free(resized);
    free(chw);
    return st;
}

int cmd_translate(int argc, char **argv) {
    const char *ckpt = NULL, *input = NULL, *output = NULL, *direction = "AtoB", *npy_dir = NULL;
    int size = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--checkpoint") == 0) ckpt = argv[i + 1];
        else if (strcmp(argv[i], "--input") == 0) input = argv[i + 1];
        else if (strcmp(argv[i], "--output") == 0) output = argv[i + 1];
        else if (strcmp(argv[i], "--direction") == 0) direction = argv[i + 1];
        else if (strcmp(argv[i], "--size") == 0) size = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--npy") == 0) npy_dir = argv[i + 1];
        else return usage();
    }
    if (argc % 2 == 0 || !ckpt || !input || !output) return usage();
    trainer tr;
    ganc_status st = trainer_open_checkpoint(&tr, ckpt);
    const char *g_name = st ? NULL : tr.recipe->generator_for(direction);
    network *g = g_name ? trainer_network_named(&tr, g_name) : NULL;
    if (!st && !g_name && !tr.recipe->generator_for("AtoB"))
        st = GANC_ERR(GANC_ERR_ARG, "translate: recipe %s has no generator to run", tr.recipe->name);
    else if (!st && !g_name)
        st = GANC_ERR(GANC_ERR_ARG, "translate: --direction %s is not available for recipe %s (AtoB%s)", direction,
                      tr.recipe->name, tr.recipe->generator_for("BtoA") ? " or BtoA" : " only");
    long crop = 0;
    if (!st && size == 0 && !(st = config_int(tr.cfg, "data", "crop_size", 256, 1, 16384, &crop))) size = (int)crop;
    if (!st && (size < 4 || size > 16384)) st = GANC_ERR(GANC_ERR_ARG, "translate: --size must be 4..16384, got %d", size);
    if (!st && mkdir(output, 0755) != 0 && errno != EEXIST)
        st = GANC_ERR(GANC_ERR_IO, "translate: cannot create output directory %s: %s", output, strerror(errno));
    if (!st && npy_dir && mkdir(npy_dir, 0755) != 0 && errno != EEXIST)
        st = GANC_ERR(GANC_ERR_IO, "translate: cannot create --npy directory %s: %s", npy_dir, strerror(errno));
    struct stat info;
    if (!st && stat(input, &info) != 0) st = GANC_ERR(GANC_ERR_IO, "translate: cannot read %s: %s", input, strerror(errno));
    if (!st && S_ISDIR(info.st_mode)) {
        struct dirent **entries;
        int n = scandir(input, &entries, NULL, alphasort), done = 0;
        for (int i = 0; i < n; i++) {
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", input, entries[i]->d_name);
            if (!st && is_image_name(entries[i]->d_name)) st = translate_one(&tr, g, path, output, size, npy_dir), done++;
            free(entries[i]);
        }
        free(entries);
        if (!st && done == 0) st = GANC_ERR(GANC_ERR_IO, "translate: no images (png, jpg, bmp, tga) in %s", input);
    } else if (!st) {
        st = translate_one(&tr, g, input, output, size, npy_dir);
    }
    if (st) fprintf(stderr, "ganc translate: %s\n", ganc_error_message());
    trainer_close(&tr);
    return st ? 1 : 0;
}
