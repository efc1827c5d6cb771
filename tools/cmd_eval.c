/* ganc eval --checkpoint C [--checkpoint C2 ...] --data DIR [options]
 * Metrics of trained checkpoints on held-out data (tools/eval.h): a
 * Markdown table on stdout and a CSV file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"
#include "data/image_io.h"
#include "tools/commands.h"
#include "tools/cli_args.h"
#include "tools/eval.h"

static int usage(FILE *f) {
    fprintf(f, "usage: ganc eval --checkpoint C [--checkpoint C2 ...] --data DIR [options]\n"
               "Metrics of trained checkpoints on held-out data: a Markdown table on stdout and a CSV file.\n"
               "  cyclegan checkpoints: DIR holds <phase>A and <phase>B; colour, edge F1, attribute, cycle and\n"
               "    (same file names in A and B) L1/PSNR against the true B image\n"
               "  regressor checkpoints: DIR is a labelled image folder; error per label\n"
               "  --checkpoint C       a checkpoint of ganc train (repeat for up to %d, one column each)\n"
               "  --data DIR           the held-out data\n"
               "  --phase P            test (default) or train: which <phase>A/<phase>B folders (cyclegan)\n"
               "  --csv FILE           where the CSV goes (default eval.csv in the first checkpoint's run folder)\n"
               "  --grid FILE          cyclegan: a .png or .jpg grid of inputs, each checkpoint's outputs, true B\n"
               "  --grid-n N           rows of the grid, 1..64 (default 8)\n"
               "  --max-images N       evaluate the first N images only (default 0: all)\n"
               "  --batch N            images per forward pass, 1..1024 (default 16)\n"
               "  --labels CSV         regressor: the label file (default the checkpoint's [data] labels)\n"
               "  --edge-tolerance T   pixels within which edges match, 0..16 (default 1)\n"
               "  --canny-low L        Canny's low threshold (default 100)\n"
               "  --canny-high H       Canny's high threshold (default 200)\n"
               "  --canny-blur K       Gaussian blur before Canny: 0 (none) or an odd size 3..31 (default 5)\n"
               "  --help               this text\n"
               "The outputs never replace an input: --csv or --grid naming a checkpoint, the labels or a file\n"
               "inside DIR is refused.\n",
            EVAL_MAX_CHECKPOINTS);
    return 2;
}

static int bad_value(const char *option, const char *value, const char *expected) {
    fprintf(stderr, "ganc eval: %s: expected %s, got \"%s\"\n", option, expected, value);
    return 2;
}

static bool parse_double(const char *text, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

static bool known_option(const char *opt) {
    static const char *const known[] = {"--checkpoint", "--data", "--phase", "--csv", "--grid", "--grid-n",
                                        "--max-images", "--batch", "--labels", "--edge-tolerance", "--canny-low",
                                        "--canny-high", "--canny-blur"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(opt, known[i]) == 0) return true;
    return false;
}

/* Fills o from argv; returns 0 or the exit status of a usage error. */
static int parse_args(int argc, char **argv, eval_options *o) {
    *o = (eval_options){.phase = "test", .grid_n = 8, .batch = 16, .edge_tolerance = 1,
                        .canny = {.low = 100, .high = 200, .blur_ksize = 5}};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (!known_option(opt)) {
            fprintf(stderr, "ganc eval: unknown option %s\n", opt);
            return usage(stderr);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ganc eval: %s needs a value\n", opt);
            return usage(stderr);
        }
        const char *v = argv[++i];
        long n;
        if (strcmp(opt, "--checkpoint") == 0) {
            if (o->n_checkpoints == EVAL_MAX_CHECKPOINTS)
                return bad_value(opt, v, "at most 8 checkpoints (EVAL_MAX_CHECKPOINTS)");
            o->checkpoints[o->n_checkpoints++] = v;
        } else if (strcmp(opt, "--data") == 0) o->data = v;
        else if (strcmp(opt, "--phase") == 0) {
            if (strcmp(v, "test") != 0 && strcmp(v, "train") != 0) return bad_value(opt, v, "test or train");
            o->phase = v;
        } else if (strcmp(opt, "--csv") == 0) o->csv = v;
        else if (strcmp(opt, "--grid") == 0) o->grid = v;
        else if (strcmp(opt, "--labels") == 0) o->labels = v;
        else if (strcmp(opt, "--grid-n") == 0) {
            if (!cli_parse_long(v, 1, 64, &n)) return bad_value(opt, v, "an integer 1..64");
            o->grid_n = (int)n;
        } else if (strcmp(opt, "--max-images") == 0) {
            if (!cli_parse_long(v, 0, 1L << 40, &o->max_images)) return bad_value(opt, v, "an integer >= 0 (0: all)");
        } else if (strcmp(opt, "--batch") == 0) {
            if (!cli_parse_long(v, 1, 1024, &n)) return bad_value(opt, v, "an integer 1..1024");
            o->batch = (int)n;
        } else if (strcmp(opt, "--edge-tolerance") == 0) {
            if (!cli_parse_long(v, 0, 16, &n)) return bad_value(opt, v, "an integer 0..16 (pixels)");
            o->edge_tolerance = (int)n;
        } else if (strcmp(opt, "--canny-low") == 0) {
            if (!parse_double(v, 0, 1e5, &o->canny.low)) return bad_value(opt, v, "a threshold 0..1e5");
        } else if (strcmp(opt, "--canny-high") == 0) {
            if (!parse_double(v, 0, 1e5, &o->canny.high)) return bad_value(opt, v, "a threshold 0..1e5");
        } else { /* --canny-blur: known_option() let no other name through */
            if (!cli_parse_long(v, 0, 31, &n) || (n > 1 && n % 2 == 0))
                return bad_value(opt, v, "0 (none) or an odd size 3..31");
            o->canny.blur_ksize = (int)n;
        }
    }
    if (!o->n_checkpoints || !o->data) {
        fprintf(stderr, "ganc eval: --checkpoint and --data are required\n");
        return usage(stderr);
    }
    if (o->grid && !image_write_supported(o->grid))
        return bad_value("--grid", o->grid, "a file name ending in .png, .jpg or .jpeg");
    return 0;
}

/* Neither the CSV nor the grid may replace a checkpoint, the labels, a
 * file of the data, or each other. */
static ganc_status check_outputs(const eval_options *o, const char *csv_path) {
    cli_file inputs[EVAL_MAX_CHECKPOINTS + 3];
    int n = 0;
    for (int i = 0; i < o->n_checkpoints; i++) inputs[n++] = (cli_file){"--checkpoint", o->checkpoints[i]};
    inputs[n++] = (cli_file){"--data", o->data};
    inputs[n++] = (cli_file){"--labels", o->labels};
    ganc_status st = cli_check_output((cli_file){o->csv ? "--csv" : "the default CSV", csv_path}, inputs, n);
    inputs[n++] = (cli_file){o->csv ? "--csv" : "the default CSV", csv_path};
    return st ? st : cli_check_output((cli_file){"--grid", o->grid}, inputs, n);
}

/* The recipe that wrote a checkpoint, read from its metadata. */
static ganc_status checkpoint_recipe(const char *path, char *buf, size_t size) {
    checkpoint *ck;
    ganc_status st = checkpoint_read(path, 0, &ck);
    if (st) return st;
    const char *name = checkpoint_meta(ck, "recipe");
    if (name) snprintf(buf, size, "%s", name);
    else st = GANC_ERR(GANC_ERR_FORMAT, "eval: %s has no recipe: not written by ganc train", path);
    checkpoint_free(ck);
    return st;
}

int cmd_eval(int argc, char **argv) {
    eval_options o;
    int status = parse_args(argc, argv, &o);
    if (status) return status < 0 ? 0 : status;
    char csv_path[1100];
    eval_csv_path(&o, csv_path, sizeof csv_path);
    if (check_outputs(&o, csv_path)) {
        fprintf(stderr, "ganc eval: %s\n", ganc_error_message());
        return 1;
    }
    char recipe[64];
    ganc_status st = checkpoint_recipe(o.checkpoints[0], recipe, sizeof recipe);
    if (!st && strcmp(recipe, "cyclegan") == 0) st = eval_translation(&o, stdout);
    else if (!st && strcmp(recipe, "regressor") == 0) st = eval_regressor(&o, stdout);
    else if (!st)
        st = GANC_ERR(GANC_ERR_ARG, "eval: %s was trained by recipe %s; eval knows cyclegan and regressor checkpoints",
                      o.checkpoints[0], recipe);
    if (st) fprintf(stderr, "ganc eval: %s\n", ganc_error_message());
    return st ? 1 : 0;
}
