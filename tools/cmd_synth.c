/* ganc synth: renders synthetic faces with labels into a dataset folder,
 * scenes for a face detector, or a preview grid of every style. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/synth/writer.h"
#include "tools/commands.h"
#include "tools/cli_args.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: ganc synth --style STYLE[,STYLE_B] --out DIR [--n N] [--size S] [--seed K]\n"
            "                  [--identities M] [--split train=F] [--scene WxH]\n"
            "       ganc synth --grid FILE [--identities M] [--size S] [--seed K]\n"
            "\n"
            "Renders procedural faces with ground truth (docs/synth.md).\n"
            "  --style       photo, cartoon, virtual or animal; two (A,B) write the same faces in both\n"
            "  --out         output folder: images/ masks/ labels.csv, or trainA/ testA/ trainB/ testB/\n"
            "                with --split or two styles\n"
            "  --n           images per style (default 100)\n"
            "  --size        image side in pixels, 16..4096 (default 128)\n"
            "  --seed        seed; the same seed and options give byte-identical files (default 0)\n"
            "  --identities  number of identities; image i shows identity i %% M (default N)\n"
            "  --split       train=F: identities below round(M*F) train, the rest test\n"
            "  --scene       WxH: scenes of 0-3 faces with their boxes, for a face detector\n"
            "  --grid        write a PNG grid: one row per style, one column per identity (default 6)\n");
}

static int bad(const char *option, const char *expected, const char *got) {
    fprintf(stderr, "synth: %s: expected %s, got \"%s\"\n", option, expected, got);
    return 2;
}

/* "WxH", also with the multiplication sign. */
static bool parse_dims(const char *s, int *w, int *h) {
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s) return false;
    const char *rest = end;
    if (*rest == 'x' || *rest == 'X')
        rest++;
    else if (strncmp(rest, "\xc3\x97", 2) == 0)
        rest += 2;
    else
        return false;
    long b;
    if (!cli_parse_long(rest, 1, 1 << 20, &b) || a < 1 || a > (1 << 20)) return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

static int parse_styles(const char *s, synth_write_opts *o) {
    char buf[64];
    if (strlen(s) >= sizeof buf) return bad("--style", "photo, cartoon, virtual or animal", s);
    strcpy(buf, s);
    char *comma = strchr(buf, ',');
    if (comma) *comma = '\0';
    o->n_styles = comma ? 2 : 1;
    const char *names[2] = {buf, comma ? comma + 1 : NULL};
    for (int i = 0; i < o->n_styles; i++)
        if (synth_style_parse(names[i], &o->styles[i])) {
            fprintf(stderr, "synth: --style: unknown style \"%s\" (expected photo, cartoon, virtual or animal)\n",
                    names[i]);
            return 2;
        }
    return 0;
}

int cmd_synth(int argc, char **argv) {
    synth_write_opts o = {.n = 100, .size = 128, .train_fraction = 0.9f};
    const char *grid = NULL;
    bool have_style = false;
    long identities = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-' || a[1] != '-') {
            fprintf(stderr, "synth: unexpected argument \"%s\" (see ganc synth --help)\n", a);
            return 2;
        }
        static const char *const known[] = {"--style", "--out", "--n", "--size", "--seed", "--identities",
                                            "--split", "--scene", "--grid"};
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(a, known[k]) != 0) k++;
        if (k == sizeof known / sizeof known[0]) {
            fprintf(stderr, "synth: unknown option %s (see ganc synth --help)\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "synth: %s needs a value (see ganc synth --help)\n", a);
            return 2;
        }
        const char *v = argv[++i];
        long num;
        if (strcmp(a, "--style") == 0) {
            if (parse_styles(v, &o)) return 2;
            have_style = true;
        } else if (strcmp(a, "--out") == 0) {
            o.out = v;
        } else if (strcmp(a, "--n") == 0) {
            if (!cli_parse_long(v, 1, 100000000, &num)) return bad("--n", "a number of images >= 1", v);
            o.n = (int)num;
        } else if (strcmp(a, "--size") == 0) {
            if (!cli_parse_long(v, 16, 4096, &num)) return bad("--size", "an image side of 16..4096 pixels", v);
            o.size = (int)num;
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long seed = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-') return bad("--seed", "a non-negative integer", v);
            o.seed = seed;
        } else if (strcmp(a, "--identities") == 0) {
            if (!cli_parse_long(v, 1, 0x7fffffffL, &identities)) return bad("--identities", "a count >= 1", v);
        } else if (strcmp(a, "--split") == 0) {
            const char *f = strncmp(v, "train=", 6) == 0 ? v + 6 : v;
            char *end;
            double frac = strtod(f, &end);
            if (end == f || *end || !(frac >= 0 && frac <= 1)) return bad("--split", "train=F with F in [0, 1]", v);
            o.split = true;
            o.train_fraction = (float)frac;
        } else if (strcmp(a, "--scene") == 0) {
            if (!parse_dims(v, &o.scene_w, &o.scene_h) || o.scene_w < 16 || o.scene_h < 16 || o.scene_w > 4096 ||
                o.scene_h > 4096)
                return bad("--scene", "WxH with each side 16..4096", v);
        } else { /* --grid: the list above let no other name through */
            grid = v;
        }
    }

    if (grid) {
        int n_ids = identities ? (int)(identities > 1000 ? 1000 : identities) : 6;
        if (synth_write_grid(grid, o.seed, n_ids, o.size)) {
            fprintf(stderr, "synth: --grid %s: %s\n", grid, ganc_error_message());
            return 1;
        }
        printf("synth: wrote %s (%d styles x %d identities, %dx%d cells)\n", grid, SYNTH_STYLE_COUNT, n_ids, o.size,
               o.size);
        return 0;
    }
    if (!have_style) {
        fprintf(stderr, "synth: --style is required (photo, cartoon, virtual or animal)\n");
        return 2;
    }
    if (!o.out) {
        fprintf(stderr, "synth: --out is required (the folder to write into)\n");
        return 2;
    }
    o.identities = identities ? (uint32_t)identities : (uint32_t)o.n;
    if (synth_write_check(&o)) {
        fprintf(stderr, "synth: %s\n", ganc_error_message());
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (synth_write_dataset(&o)) {
        fprintf(stderr, "synth: --out %s: %s\n", o.out, ganc_error_message());
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int w = o.scene_w ? o.scene_w : o.size, h = o.scene_w ? o.scene_h : o.size;
    printf("synth: wrote %d %s%s%s %s of %dx%d to %s in %.2f s\n", o.n * o.n_styles, synth_style_name(o.styles[0]),
           o.n_styles == 2 ? "+" : "", o.n_styles == 2 ? synth_style_name(o.styles[1]) : "",
           o.scene_w ? "scenes" : "faces", w, h, o.out, secs);
    return 0;
}
