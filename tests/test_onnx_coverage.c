/* ONNX for every layer (issue 16 §7): each module type the library
 * defines has a mapping, and each architecture network_from_config builds
 * exports and, where onnxruntime is installed, agrees with ganc.
 *
 * Neither list is written out here, so neither can go stale: the module
 * types are found in the sources (every `module_type X = {...}`
 * initializer under the library's folders), the architectures in the
 * choices network_from_config offers for `arch`. A new type without an
 * `onnx` hook, or a new architecture without a case below, fails. */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers/module.h"
#include "tests/export_support.h"
#include "tests/test.h"
#include "tools/onnx_info.h"

/* ---- module types in the sources ---- */

/* The library's folders (tests/ defines unmapped types on purpose). */
static const char *const LIBRARY_DIRS[] = {"core", "data", "experiments", "layers", "losses", "optim", "tools"};

#define MAX_TYPES 128

typedef struct {
    char names[MAX_TYPES][48]; /* PyTorch class names (`.name`) of every type found */
    int n;
    int files;
} type_scan;

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) free(s), s = NULL;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* The end of the brace group that opens at s[0] == '{'. */
static const char *group_end(const char *s) {
    int depth = 0;
    for (; *s; s++) {
        if (*s == '{') depth++;
        if (*s == '}' && --depth == 0) return s + 1;
    }
    return NULL;
}

static bool has_field(const char *from, const char *to, const char *field) {
    size_t k = strlen(field);
    for (const char *p = from; p + k <= to; p++)
        if (strncmp(p, field, k) == 0) return true;
    return false;
}

static void type_name_of(const char *from, const char *to, char *out, size_t size) {
    snprintf(out, size, "?");
    for (const char *p = from; p + 7 < to; p++) {
        if (strncmp(p, ".name", 5) != 0) continue;
        const char *q = strchr(p, '"');
        const char *e = q ? strchr(q + 1, '"') : NULL;
        if (e && e < to) snprintf(out, size, "%.*s", (int)(e - q - 1), q + 1);
        return;
    }
}

/* One initializer {...} of variable `var` in `text`: it needs an `onnx`
 * hook, unless it has no one-input forward; then its parents map it
 * through a public "<var without _type>_onnx(" in the same file (adaLIN:
 * adalin_onnx). */
static void check_type(test_ctx *tc, type_scan *scan, const char *path, const char *text, const char *var,
                       const char *from, const char *to) {
    char name[48], hook[96];
    type_name_of(from, to, name, sizeof name);
    if (scan->n < MAX_TYPES) snprintf(scan->names[scan->n++], sizeof scan->names[0], "%s", name);
    if (has_field(from, to, ".onnx")) return;
    size_t stem = strlen(var) > 5 && strcmp(var + strlen(var) - 5, "_type") == 0 ? strlen(var) - 5 : strlen(var);
    snprintf(hook, sizeof hook, "%.*s_onnx(", (int)stem, var);
    bool parent_maps = !has_field(from, to, ".forward") && strstr(text, hook);
    CHECK_MSG(parent_maps,
              "%s: module type %s (%s) has no ONNX mapping: give it an `.onnx` hook (layers/onnx.h)%s", path, var,
              name, has_field(from, to, ".forward") ? "" : ", or a function <name>_onnx that its parents call");
}

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* Every `module_type VAR = {...}` and `module_type VAR[] = {{...}, ...}` of one file. */
static void scan_file(test_ctx *tc, type_scan *scan, const char *path) {
    char *text = read_text(path);
    if (!text) {
        CHECK_MSG(false, "cannot read %s", path);
        return;
    }
    scan->files++;
    for (const char *p = text; (p = strstr(p, "module_type ")) != NULL;) {
        p += strlen("module_type ");
        const char *id = skip_space(p), *e = id;
        while (*e == '_' || (*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9')) e++;
        char var[64];
        snprintf(var, sizeof var, "%.*s", (int)(e - id), id);
        bool array = false;
        const char *q = skip_space(e);
        if (*q == '[') {
            array = true;
            q = strchr(q, ']');
            q = q ? skip_space(q + 1) : e;
        }
        if (e == id || *q != '=') continue; /* a pointer, a parameter, a declaration */
        q = skip_space(q + 1);
        const char *end = *q == '{' ? group_end(q) : NULL;
        if (!end) continue;
        if (!array) {
            check_type(tc, scan, path, text, var, q, end);
        } else {
            for (const char *el = strchr(q + 1, '{'); el && el < end; el = strchr(el, '{')) {
                const char *el_end = group_end(el);
                if (!el_end || el_end > end) break;
                check_type(tc, scan, path, text, var, el, el_end);
                el = el_end;
            }
        }
        p = end;
    }
    free(text);
}

static void scan_dir(test_ctx *tc, type_scan *scan, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) scan_dir(tc, scan, path);
        else if (n > 2 && (strcmp(e->d_name + n - 2, ".c") == 0 || strcmp(e->d_name + n - 2, ".h") == 0))
            scan_file(tc, scan, path);
    }
    closedir(d);
}

static bool scanned(const type_scan *scan, const char *name) {
    for (int i = 0; i < scan->n; i++)
        if (strcmp(scan->names[i], name) == 0) return true;
    return false;
}

static void scan_library(test_ctx *tc, type_scan *scan) {
    for (size_t i = 0; i < sizeof LIBRARY_DIRS / sizeof LIBRARY_DIRS[0]; i++) scan_dir(tc, scan, LIBRARY_DIRS[i]);
}

TEST(onnx_every_module_type_in_the_sources_has_a_mapping) {
    if (access("layers/module.h", R_OK) != 0) SKIP("not run from the repository root (layers/ is not here)");
    type_scan scan = {0};
    scan_library(tc, &scan);
    /* The scanner itself must see the types: the ones this test was written against, at least. */
    CHECK_MSG(scan.n >= 30 && scan.n < MAX_TYPES, "%d module types found in %d files", scan.n, scan.files);
    const char *known[] = {"Conv2d", "BasicBlock", "MLP", "HourGlass", "adaLIN", "SoftAdaLIN", "ResidualEncoder"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        CHECK_MSG(scanned(&scan, known[i]), "the scan missed module type %s", known[i]);
}

/* ---- every architecture ---- */

/* Tiny configurations of each architecture, covering its options. */
typedef struct {
    const char *arch, *keys; /* [G] arch = ... then keys */
    int ndim, shape[4];      /* the export's input */
    int settle;              /* train-mode passes first (batch-norm statistics, spectral-norm vectors) */
} arch_case;

static const arch_case CASES[] = {
    {"resnet_generator", "ngf = 4\nn_blocks = 2\nnorm = instance\n", 4, {1, 3, 16, 16}, 0},
    {"resnet_generator", "ngf = 4\nn_blocks = 1\nnorm = batch\nuse_dropout = true\npadding = replicate\n", 4,
     {2, 3, 16, 16}, 3},
    {"resnet_generator", "in_channels = 1\nngf = 4\nn_blocks = 1\nnorm = none\npadding = zero\n", 4, {1, 1, 8, 8}, 0},
    {"unet_generator", "ngf = 4\nnum_downs = 3\nnorm = batch\nuse_dropout = true\n", 4, {2, 3, 16, 16}, 3},
    {"unet_generator", "ngf = 4\nnum_downs = 2\nnorm = instance\nuse_dropout = false\n", 4, {1, 3, 8, 8}, 0},
    {"patchgan", "in_channels = 6\nndf = 4\nn_layers = 2\nnorm = batch\nspectral_norm = true\n", 4, {2, 6, 32, 32},
     20},
    {"patchgan", "ndf = 4\nn_layers = 1\nnorm = none\n", 4, {1, 3, 16, 16}, 0},
    {"classifier", "width = 4\ndepth = 2\noutputs = 3\nimage_size = 16\nnorm = instance\n", 4, {2, 3, 16, 16}, 0},
    {"classifier", "width = 4\ndepth = 2\nimage_size = 16\nnorm = batch\nhead = false\n", 4, {2, 3, 16, 16}, 3},
    {"residual_encoder", "width = 4\nn_blocks = 2\nimage_size = 16\nnorm = batch\n", 4, {2, 3, 16, 16}, 3},
    {"residual_encoder", "width = 4\nn_blocks = 3\nimage_size = 16\nnorm = instance\n", 4, {1, 3, 16, 16}, 0},
    {"residual_encoder", "in_channels = 1\nwidth = 4\nn_blocks = 1\nimage_size = 8\nnorm = none\n", 4, {1, 1, 8, 8},
     0},
    {"mlp", "in_features = 12\nwidth = 8\nlayers = 3\noutputs = 5\ndropout = 0.5\nout_activation = sigmoid\n", 2,
     {3, 12}, 0},
    {"mlp", "in_features = 12\nwidth = 8\nlayers = 2\noutputs = 2\nout_activation = tanh\n", 4, {2, 3, 2, 2}, 0},
    {"mlp", "in_features = 6\nlayers = 1\noutputs = 1\n", 2, {4, 6}, 0},
};
#define N_CASES (int)(sizeof CASES / sizeof CASES[0])

/* The `arch` choices, from network_from_config's own refusal of an unknown one. */
static int arch_names(char names[][32], int max) {
    network *net = support_network("[G]\narch = ?\n", "G", 1);
    network_free(net);
    const char *list = strstr(ganc_error_message(), "one of ");
    if (net || !list) return 0;
    int n = 0;
    for (const char *p = list + strlen("one of "); n < max;) {
        int len = 0;
        while (p[len] == '_' || (p[len] >= 'a' && p[len] <= 'z') || (p[len] >= '0' && p[len] <= '9')) len++;
        if (!len) break;
        snprintf(names[n++], 32, "%.*s", len, p);
        p += len;
        if (*p != ' ') break;
        p++;
    }
    return n;
}

TEST(onnx_every_architecture_has_export_cases) {
    char names[32][32];
    int n = arch_names(names, 32);
    CHECK_MSG(n >= 6, "found %d architectures in \"%s\"", n, ganc_error_message());
    for (int i = 0; i < n; i++) {
        int cases = 0;
        for (int k = 0; k < N_CASES; k++) cases += strcmp(CASES[k].arch, names[i]) == 0;
        CHECK_MSG(cases > 0, "architecture %s has no case in tests/test_onnx_coverage.c: add its options there",
                  names[i]);
    }
}

typedef struct {
    test_ctx *tc;
    const char *arch;
    char seen[MAX_TYPES][48];
    int n_seen;
} walk_ctx;

/* Types built here need a hook, or (several inputs) a parent with one. */
static void walk_module(module *m, void *arg) {
    walk_ctx *w = arg;
    test_ctx *tc = w->tc;
    CHECK_MSG(m->type->onnx || !m->type->forward, "%s: %s (%s) has no ONNX mapping", w->arch, m->path, m->type->name);
    for (int i = 0; i < m->n_children; i++)
        if (!m->children[i]->type->forward)
            CHECK_MSG(m->type->onnx, "%s: %s (%s) has a several-input child and no ONNX mapping", w->arch, m->path,
                      m->type->name);
    bool have = false;
    for (int i = 0; i < w->n_seen; i++) have |= strcmp(w->seen[i], m->type->name) == 0;
    if (!have && w->n_seen < MAX_TYPES) snprintf(w->seen[w->n_seen++], sizeof w->seen[0], "%s", m->type->name);
}

/* Builds, walks and exports one case; onnxruntime must then agree with ganc. */
static void check_case(test_ctx *tc, const arch_case *c, int index, const char *dir, bool ort, walk_ctx *w) {
    char ini[512], model[160], tag[16];
    snprintf(ini, sizeof ini, "[G]\narch = %s\n%s", c->arch, c->keys);
    network *net = support_network(ini, "G", 3 + (uint64_t)index);
    CHECK_MSG(net && export_randomise(net, 5) == GANC_OK, "%s: %s", ini, ganc_error_message());
    if (!net) return;
    w->arch = c->arch;
    module_visit(net->root, walk_module, w);
    snprintf(tag, sizeof tag, "case%d", index);
    snprintf(model, sizeof model, "%s/%s.onnx", dir, tag);
    ganc_status st = export_settle_nd(net, c->ndim, c->shape, c->settle);
    if (!st) st = export_reference_nd(net, c->ndim, c->shape, 11, dir, tag);
    onnx_export_opts o = {.input_ndim = c->ndim, .opset = 13 + 2 * index % 9};
    memcpy(o.input_shape, c->shape, sizeof o.input_shape);
    if (!st) st = onnx_export_network(net, &o, model);
    CHECK_MSG(!st, "%s at opset %d: %s", ini, o.opset, ganc_error_message());
    onnx_info info;
    if (!st && onnx_info_read(model, &info) == GANC_OK) {
        CHECK_MSG(info.n_inputs == 1 && info.inputs[0].ndim == c->ndim && info.inputs[0].dims[1] == c->shape[1],
                  "%s: the model's input is not the (%d-D) export shape", ini, c->ndim);
        CHECK_MSG(info.initializer_values >= net->params.numel, "%s: %llu initializer values for %zu parameters",
                  ini, (unsigned long long)info.initializer_values, net->params.numel);
        onnx_info_free(&info);
    } else if (!st) {
        CHECK_MSG(false, "%s: ganc cannot read its own export: %s", ini, ganc_error_message());
    }
    if (!st && ort) CHECK_MSG(export_check_ort(model, dir, tag, NULL), "%s: onnxruntime disagrees (see above)", ini);
    network_free(net);
}

/* Every case exports at an opset between 13 and 21; onnxruntime's outputs
 * match ganc's within 1e-4 where it is installed (the mappings are checked
 * either way). */
TEST(onnx_every_architecture_exports_and_matches_onnxruntime) {
    char dir[64];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    bool ort = export_have_python(ORT_MODULES);
    walk_ctx w = {.tc = tc};
    for (int i = 0; i < N_CASES; i++) check_case(tc, &CASES[i], i, dir, ort, &w);
    export_rmdir(dir);
    /* Every type these networks are made of is one the source scan sees. */
    if (access("layers/module.h", R_OK) == 0) {
        type_scan scan = {0};
        test_ctx quiet = {0};
        scan_library(&quiet, &scan);
        for (int i = 0; i < w.n_seen; i++)
            CHECK_MSG(scanned(&scan, w.seen[i]), "module type %s is built but the source scan misses it", w.seen[i]);
    }
    if (!ort) SKIP("mappings checked; the onnxruntime comparison needs " ORT_MISSING);
}
