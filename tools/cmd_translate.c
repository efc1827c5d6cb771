/* ganc translate: runs a trained generator over images (`ganc translate
 * --help` lists the options). By default each image goes through at its own
 * size, padded (edge pixels repeated) to what the generator needs (a
 * multiple of 4 for the ResNet generator) and cropped back, so the output
 * has the input's size and aspect ratio, as `--preprocess none` in the
 * PyTorch CycleGAN repository. The inputs, their output names and every
 * refusal (output on an input, existing files) are settled before the
 * first image is decoded (tools/translate_plan.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/image_io.h"
#include "data/npy.h"
#include "data/transforms.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/trainer.h"
#include "tools/translate_plan.h"

typedef enum { PRE_NONE, PRE_SCALE_SHORTER, PRE_RESIZE } preprocess;

typedef struct translate_options {
    const char *checkpoint, *input, *output, *direction, *npy_dir;
    preprocess pre;
    long size; /* 0: [data] crop_size */
    long max_pixels;
    bool overwrite, skip_bad;
} translate_options;

static void usage(FILE *f) {
    fprintf(f,
            "usage: ganc translate --checkpoint C --input FILE|DIR --output DIR [options]\n"
            "Runs a trained generator over an image or a folder of images (.png .jpg .jpeg .bmp .tga; hidden\n"
            "files skipped) and writes OUTPUT/<name>.png (<name>.<ext>.png when two inputs share a name).\n"
            "  --checkpoint C          a checkpoint written by ganc train\n"
            "  --input FILE|DIR        one image, or a folder of them (not recursive)\n"
            "  --output DIR            where the PNGs go; created with its parents; may not be or lie inside\n"
            "                          the input folder\n"
            "  --direction AtoB|BtoA   which generator runs (default AtoB)\n"
            "  --preprocess MODE       none (default): the image at its own size, padded to the multiple the\n"
            "                          generator needs and cropped back, so the output keeps the input's size;\n"
            "                          scale_shorter: scaled so the shorter side is --size, aspect kept (sides\n"
            "                          rounded to that multiple); resize: squashed to --size x --size\n"
            "  --size S                the side for scale_shorter and resize (default: the checkpoint's\n"
            "                          [data] crop_size); not with --preprocess none\n"
            "  --overwrite             replace output files that exist already (default: refuse before starting)\n"
            "  --skip-bad-images       skip unreadable images, count them and report the count at the end\n"
            "                          (exit 0 unless none was translated); default: the first one stops the run\n"
            "  --npy DIR               also write each generator input and output tensor as\n"
            "                          DIR/<name>.input.npy and .output.npy (to check an exported model)\n"
            "  --max-image-pixels N    refuse images whose header claims more than N pixels (default %ld)\n"
            "  --help                  this text\n"
            "Grey generators (in_channels = 1) read images as grey and write grey PNGs. A JPEG's EXIF\n"
            "orientation is applied when it is read.\n",
            IMAGE_DEFAULT_MAX_PIXELS);
}

static int usage_error(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "ganc translate: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}

/* Fills o from argv; 0, -1 after --help, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, translate_options *o) {
    *o = (translate_options){.direction = "AtoB", .pre = PRE_NONE, .max_pixels = IMAGE_DEFAULT_MAX_PIXELS};
    bool pre_given = false;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(opt, "--overwrite") == 0) {
            o->overwrite = true;
            continue;
        }
        if (strcmp(opt, "--skip-bad-images") == 0) {
            o->skip_bad = true;
            continue;
        }
        bool known = strcmp(opt, "--checkpoint") == 0 || strcmp(opt, "--input") == 0 ||
                     strcmp(opt, "--output") == 0 || strcmp(opt, "--direction") == 0 || strcmp(opt, "--npy") == 0 ||
                     strcmp(opt, "--size") == 0 || strcmp(opt, "--preprocess") == 0 ||
                     strcmp(opt, "--max-image-pixels") == 0;
        if (!known) return usage_error("unknown option %s%s", opt, "");
        if (i + 1 >= argc) return usage_error("%s needs a value%s", opt, "");
        const char *v = argv[++i];
        if (strcmp(opt, "--checkpoint") == 0) o->checkpoint = v;
        else if (strcmp(opt, "--input") == 0) o->input = v;
        else if (strcmp(opt, "--output") == 0) o->output = v;
        else if (strcmp(opt, "--direction") == 0) o->direction = v;
        else if (strcmp(opt, "--npy") == 0) o->npy_dir = v;
        else if (strcmp(opt, "--size") == 0) {
            if (!cli_parse_long(v, 4, IMAGE_MAX_SIDE, &o->size))
                return usage_error("--size %s: expected an integer 4..%s", v, "16384");
        } else if (strcmp(opt, "--preprocess") == 0) {
            pre_given = true;
            if (strcmp(v, "none") == 0) o->pre = PRE_NONE;
            else if (strcmp(v, "scale_shorter") == 0) o->pre = PRE_SCALE_SHORTER;
            else if (strcmp(v, "resize") == 0) o->pre = PRE_RESIZE;
            else return usage_error("--preprocess %s: expected none, scale_shorter or resize%s", v, "");
        } else if (!cli_parse_long(v, 1, 1L << 40, &o->max_pixels)) {
            return usage_error("--max-image-pixels %s: expected a positive integer%s", v, "");
        }
    }
    if (!o->checkpoint || !o->input || !o->output) return usage_error("--checkpoint, --input and --output are required%s%s", "", "");
    if (o->size && o->pre == PRE_NONE)
        return usage_error("--size needs --preprocess scale_shorter or resize (%s keeps each image's own size)%s",
                           pre_given ? "--preprocess none" : "the default, none,", "");
    return 0;
}

/* The generator's input: w x h x c pixels (c = 1 or 3) to (c,nh,nw) in
 * [-1, 1]. PRE_NONE pads right and bottom with the edge pixels; the others
 * resize. */
static ganc_status to_input(const image *img, preprocess pre, int nw, int nh, real *chw) {
    int c = img->channels;
    size_t plane = (size_t)nw * nh;
    if (pre == PRE_NONE) {
        for (int y = 0; y < nh; y++)
            for (int x = 0; x < nw; x++) {
                const uint8_t *p = img->pixels +
                                   ((size_t)(y < img->height ? y : img->height - 1) * img->width +
                                    (x < img->width ? x : img->width - 1)) * c;
                for (int k = 0; k < c; k++) chw[k * plane + (size_t)y * nw + x] = (real)(p[k] / 127.5f - 1.0f);
            }
        return GANC_OK;
    }
    float *resized = malloc(sizeof(float) * plane * c);
    if (!resized) return GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory for %dx%d pixels", nw, nh);
    ganc_status st = transform_resize(img->pixels, img->width, img->height, (size_t)img->width * c, c, resized, nw, nh);
    if (!st) transform_crop_to_chw(resized, nw, nh, c, &(transform_draw){0}, nw, nh, chw);
    free(resized);
    return st;
}

/* The generator's input size for an image of w x h. */
static void input_size(const translate_options *o, int size, int multiple, int w, int h, int *nw, int *nh) {
    if (o->pre == PRE_RESIZE) {
        *nw = *nh = size;
    } else if (o->pre == PRE_SCALE_SHORTER) {
        double scale = (double)size / (w < h ? w : h);
        *nw = (int)lround(w * scale / multiple) * multiple;
        *nh = (int)lround(h * scale / multiple) * multiple;
        if (*nw < multiple) *nw = multiple;
        if (*nh < multiple) *nh = multiple;
    } else {
        *nw = (w + multiple - 1) / multiple * multiple;
        *nh = (h + multiple - 1) / multiple * multiple;
    }
}

/* The top-left w x h of y (C,H,W) as an image; C must be 1 or 3. */
static ganc_status to_image(const tensor *y, const char *path, int w, int h, image *out) {
    int c = y->shape[1], yh = y->shape[2], yw = y->shape[3];
    if (y->ndim != 4 || (c != 1 && c != 3) || yw < w || yh < h)
        return GANC_ERR(GANC_ERR_SHAPE, "translate %s: the generator gave (%d,%d,%d,%d); expected (1,1 or 3,>=%d,>=%d)",
                        path, y->shape[0], c, yh, yw, h, w);
    real *crop = malloc(sizeof(real) * (size_t)c * w * h);
    if (!crop) return GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory");
    for (int k = 0; k < c; k++)
        for (int r = 0; r < h; r++)
            memcpy(crop + ((size_t)k * h + r) * w, y->data + ((size_t)k * yh + r) * yw, sizeof(real) * (size_t)w);
    ganc_status st = image_from_chw(crop, c, h, w, out);
    free(crop);
    return st;
}

static ganc_status write_npy(const char *npy_dir, const char *name, const tensor *x, const tensor *y) {
    char target[4200];
    snprintf(target, sizeof target, "%s/%s.input.npy", npy_dir, name);
    ganc_status st = npy_write_f32(target, x->ndim, x->shape, x->data);
    snprintf(target, sizeof target, "%s/%s.output.npy", npy_dir, name);
    return st ? st : npy_write_f32(target, y->ndim, y->shape, y->data);
}

/* One image through G to OUTPUT/<name>.png. *bad_file is set when the
 * failure is the image's (unreadable, or a size the generator refuses). */
static ganc_status translate_one(trainer *tr, network *g, const translate_options *o, int size,
                                 const translate_job *job, bool *bad_file) {
    int cin = network_in_channels(g) == 1 ? 1 : 3, multiple = network_input_multiple(g);
    image img, out = {0};
    *bad_file = true;
    ganc_status st = image_load_limit(job->src, o->max_pixels, cin, &img, NULL);
    if (st) {
        *bad_file = st != GANC_ERR_MEMORY;
        return st;
    }
    int w = img.width, h = img.height, nw, nh;
    input_size(o, size, multiple, w, h, &nw, &nh);
    real *chw = malloc(sizeof(real) * (size_t)cin * nw * nh);
    st = chw ? to_input(&img, o->pre, nw, nh, chw) : GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory");
    image_free(&img);
    tape_reset(tr->t);
    tape_no_grad_begin(tr->t);
    tensor *x = st ? NULL : tape_from_host(tr->t, 4, (int[]){1, cin, nh, nw}, chw, "input");
    tensor *y = x ? network_forward(g, tr->t, x) : NULL;
    tape_no_grad_end(tr->t);
    free(chw);
    if (!st && !y) {
        st = ganc_error_status();
        *bad_file = st == GANC_ERR_SHAPE;
        return st;
    }
    *bad_file = false;
    if (!st) st = o->pre == PRE_NONE ? to_image(y, job->src, w, h, &out) : to_image(y, job->src, nw, nh, &out);
    char target[4200];
    snprintf(target, sizeof target, "%s/%s.png", o->output, job->name);
    if (!st) st = image_write(target, &out, 95);
    if (!st && o->npy_dir) st = write_npy(o->npy_dir, job->name, x, y);
    if (!st) printf("%s -> %s (%dx%d)\n", job->src, target, out.width, out.height);
    image_free(&out);
    return st;
}

/* The generator for o->direction and the --size in effect. */
static ganc_status pick_generator(trainer *tr, const translate_options *o, network **g, int *size) {
    const char *name = tr->recipe->generator_for(o->direction);
    if (!name && !tr->recipe->generator_for("AtoB"))
        return GANC_ERR(GANC_ERR_ARG, "translate: recipe %s has no generator to run", tr->recipe->name);
    if (!name)
        return GANC_ERR(GANC_ERR_ARG, "translate: --direction %s is not available for recipe %s (AtoB%s)",
                        o->direction, tr->recipe->name, tr->recipe->generator_for("BtoA") ? " or BtoA" : " only");
    if (!(*g = trainer_network_named(tr, name))) return ganc_error_status();
    int cin = network_in_channels(*g), multiple = network_input_multiple(*g);
    if (cin != 0 && cin != 1 && cin != 3)
        return GANC_ERR(GANC_ERR_ARG, "translate: generator %s has in_channels = %d; translate feeds images of 1 (grey) "
                        "or 3 (RGB) channels", name, cin);
    long crop = o->size;
    ganc_status st = crop ? GANC_OK : config_int(tr->cfg, "data", "crop_size", 256, 1, IMAGE_MAX_SIDE, &crop);
    if (st) return st;
    if (o->pre == PRE_RESIZE && crop % multiple)
        return GANC_ERR(GANC_ERR_ARG, "translate: --size %ld: generator %s needs sides that are multiples of %d", crop,
                        name, multiple);
    *size = (int)crop;
    return GANC_OK;
}

int cmd_translate(int argc, char **argv) {
    translate_options o;
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    translate_plan plan = {0};
    ganc_status st = translate_plan_list(o.input, &plan);
    if (!st) st = translate_plan_check(&plan, o.input, o.output, o.npy_dir, o.overwrite);
    trainer tr;
    bool opened = false;
    if (!st) opened = !(st = trainer_open_checkpoint(&tr, o.checkpoint));
    network *g = NULL;
    int size = 0;
    if (!st) st = pick_generator(&tr, &o, &g, &size);
    if (!st) st = translate_make_dirs(o.output, "--output");
    if (!st && o.npy_dir) st = translate_make_dirs(o.npy_dir, "--npy");
    long done = 0, skipped = 0;
    for (long i = 0; !st && i < plan.n; i++) {
        bool bad_file;
        st = translate_one(&tr, g, &o, size, &plan.jobs[i], &bad_file);
        if (!st) done++;
        else if (o.skip_bad && bad_file) {
            fprintf(stderr, "ganc translate: skipped: %s\n", ganc_error_message());
            skipped++;
            st = GANC_OK;
        }
    }
    if (!st && o.skip_bad)
        printf("translated %ld image%s, skipped %ld unreadable\n", done, done == 1 ? "" : "s", skipped);
    if (!st && done == 0)
        st = GANC_ERR(GANC_ERR_FORMAT, "translate: no image of %s could be translated (%ld skipped)", o.input, skipped);
    if (st) fprintf(stderr, "ganc translate: %s\n", ganc_error_message());
    if (opened) trainer_close(&tr);
    translate_plan_free(&plan);
    return st ? 1 : 0;
}
