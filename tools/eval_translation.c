/* `ganc eval` of CycleGAN-recipe checkpoints (the cartoon-head model):
 * G_A maps domain A (photos) to B (cartoons), G_B back. On the held-out
 * folders DATA/<phase>A and DATA/<phase>B, preprocessed as in training
 * but with a centred crop and no flip, it measures per checkpoint:
 *   colour   mean Euclidean distance of the RGB vectors of x and G_A(x),
 *            both area-downscaled to 16x16 (images in [-1, 1])
 *   edge F1  Canny edges of x against those of G_A(x), pooled over the set
 *   attr     mean ||E1(x) - E2(G_A(x))||_2, when the checkpoint has E1, E2
 *   cycle    mean |G_B(G_A(x)) - x| on A, mean |G_A(G_B(y)) - y| on B
 *   L1/PSNR  G_A(x) against the B image of the same name (the same face
 *            rendered as a cartoon), when every A image has one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/loss.h"
#include "data/dataset.h"
#include "data/image_grid.h"
#include "losses/feature.h"
#include "losses/pixel.h"
#include "tools/eval.h"
#include "tools/trainer.h"

#define GRID_MIN_SIDE 96

typedef struct {
    char name[128];
    long n_a, n_b, n_paired;
    double color, attr, cycle_a, cycle_b, l1_true, psnr_true; /* sums over images, then means */
    long edges[4];
    bool paired;
} translation_metrics;

/* The host side of the grid: column 0 the inputs, 1..K each checkpoint's
 * G_A outputs, K+1 the true B images; grid_n images of side S each. */
typedef struct {
    real *cols[EVAL_MAX_CHECKPOINTS + 2];
    int n_cols, n, side;
} grid;

static network *find_network(trainer *tr, const char *name) {
    for (int i = 0; i < tr->n_nets; i++)
        if (strcmp(tr->nets[i].net->name, name) == 0) return tr->nets[i].net;
    return NULL;
}

/* A `single` dataset over DATA/<phase><domain>, with the checkpoint's image size. */
static ganc_status open_domain(trainer *tr, const eval_options *o, char domain, config **cfg, dataset **ds) {
    long load, crop;
    const char *direction;
    ganc_status st = config_int(tr->cfg, "data", "load_size", 286, 0, 1 << 14, &load);
    if (!st) st = config_int(tr->cfg, "data", "crop_size", 256, 0, 1 << 14, &crop);
    if (!st) st = config_string(tr->cfg, "data", "direction", "AtoB", &direction);
    if (st) return st;
    /* Trained with direction = BtoA, G_A maps the B folder. */
    if (strcmp(direction, "BtoA") == 0) domain = domain == 'A' ? 'B' : 'A';
    if (!(*cfg = config_new())) return ganc_error_status();
    char keys[7][1200];
    snprintf(keys[0], sizeof keys[0], "eval.kind=single");
    snprintf(keys[1], sizeof keys[1], "eval.root=%s/%s%c", o->data, o->phase, domain);
    snprintf(keys[2], sizeof keys[2], "eval.load_size=%ld", load);
    snprintf(keys[3], sizeof keys[3], "eval.crop_size=%ld", crop);
    snprintf(keys[4], sizeof keys[4], "eval.crop=center");
    snprintf(keys[5], sizeof keys[5], "eval.flip=false");
    snprintf(keys[6], sizeof keys[6], "eval.max_images=%ld", o->max_images);
    for (int i = 0; !st && i < 7; i++) st = config_set(*cfg, keys[i]);
    return st ? st : dataset_open(*cfg, "eval", 0, stderr, ds);
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Images first..first+n-1 of ds into host (n,3,S,S); names (n) their paths. */
static ganc_status load_batch(dataset *ds, sample *s, long first, int n, real *host, const char **names) {
    size_t plane = (size_t)3 * dataset_side(ds) * dataset_side(ds);
    for (int i = 0; i < n; i++) {
        ganc_status st = dataset_get(ds, 0, first + i, s);
        if (st) return st;
        memcpy(host + i * plane, s->a, plane * sizeof(real));
        if (names) names[i] = s->path_a;
    }
    return GANC_OK;
}

/* Adds the edge counts of each image pair of x (reference) and y. */
static ganc_status add_edges(const tensor *x, const tensor *y, const eval_options *o, long counts[4]) {
    int n = x->shape[0], h = x->shape[2], w = x->shape[3];
    size_t plane = (size_t)h * w;
    uint8_t *buf = malloc(4 * plane);
    if (!buf) return GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    uint8_t *grey_x = buf, *grey_y = buf + plane, *edges_x = buf + 2 * plane, *edges_y = buf + 3 * plane;
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < n; i++) {
        canny_grey_u8(x->data + (size_t)i * 3 * plane, 3, plane, true, grey_x);
        canny_grey_u8(y->data + (size_t)i * 3 * plane, 3, plane, true, grey_y);
        st = canny_u8(grey_x, h, w, &o->canny, edges_x);
        if (!st) st = canny_u8(grey_y, h, w, &o->canny, edges_y);
        if (!st) eval_edge_counts(edges_x, edges_y, h, w, o->edge_tolerance, counts);
    }
    free(buf);
    return st;
}

static double scalar(const tensor *x) { return (double)x->data[0]; }

/* The metrics that compare an A image x with its translation `out` (and
 * the true B image `partner`, or NULL), added to m. */
static ganc_status add_a_metrics(trainer *tr, const eval_options *o, const tensor *x, const tensor *out,
                                 const tensor *partner, translation_metrics *m) {
    tape *t = tr->t;
    int n = x->shape[0];
    network *e1 = find_network(tr, "E1"), *e2 = find_network(tr, "E2");
    tensor *color = loss_color(t, x, out, 16, 16, LOSS_DIST_L2);
    tensor *attr = e1 && e2 ? loss_attribute(t, network_forward, e1, x, e2, out, LOSS_DIST_L2) : NULL;
    tensor *l1 = partner ? op_l1(t, out, partner) : NULL;
    if (!color || (e1 && e2 && !attr) || (partner && !l1)) return ganc_error_status();
    m->n_a += n;
    m->color += scalar(color) * n;
    if (attr) m->attr += scalar(attr) * n;
    if (partner) {
        size_t numel = out->numel / (size_t)n;
        m->l1_true += scalar(l1) * n;
        for (int i = 0; i < n; i++) m->psnr_true += eval_psnr(out->data + i * numel, partner->data + i * numel, numel);
        m->n_paired += n;
    }
    return add_edges(x, out, o, m->edges);
}

/* One batch of A images: G_A's metrics and its cycle error into m; with
 * `refs` the same metrics of two references: refs[0] the untranslated
 * images (out = x), refs[1] the true B images (out = partner). */
static ganc_status eval_a_batch(trainer *tr, const eval_options *o, const tensor *x, const tensor *partner,
                                translation_metrics *m, translation_metrics *refs, tensor **fake_out) {
    network *g_a = trainer_network_named(tr, "G_A"), *g_b = trainer_network_named(tr, "G_B");
    tensor *fake = g_a ? network_forward(g_a, tr->t, x) : NULL;
    tensor *cycle = g_b ? op_l1(tr->t, network_forward(g_b, tr->t, fake), x) : NULL;
    if (!cycle) return ganc_error_status();
    m->cycle_a += scalar(cycle) * x->shape[0];
    *fake_out = fake;
    ganc_status st = add_a_metrics(tr, o, x, fake, partner, m);
    if (!st && refs) st = add_a_metrics(tr, o, x, x, partner, &refs[0]);
    if (!st && refs && partner) st = add_a_metrics(tr, o, x, partner, partner, &refs[1]);
    return st;
}

static void keep_for_grid(grid *g, int col, long first, const tensor *x) {
    size_t numel = (size_t)3 * g->side * g->side;
    if (g->side != x->shape[2]) return; /* checked when the grid is written */
    for (long i = first; g->cols[col] && i < g->n && i - first < x->shape[0]; i++)
        memcpy(g->cols[col] + i * numel, x->data + (i - first) * numel, numel * sizeof(real));
}

/* Columns for the first `n` images (at most the set's) of side `side`. */
static ganc_status grid_alloc(grid *g, int side, long n_images) {
    g->side = side;
    if (g->n > n_images) g->n = (int)n_images;
    for (int c = 0; c < g->n_cols; c++)
        if (!(g->cols[c] = calloc((size_t)g->n * 3 * side * side, sizeof(real))))
            return GANC_ERR(GANC_ERR_MEMORY, "eval --grid: out of memory");
    return GANC_OK;
}

/* The A side: a batch at a time, with the partner B image when it has the same name. */
static ganc_status eval_a(trainer *tr, const eval_options *o, dataset *a, dataset *b, translation_metrics *m,
                          translation_metrics *refs, grid *g, int col) {
    int side = dataset_side(a), bs = o->batch;
    size_t numel = (size_t)3 * side * side;
    real *xa = malloc(bs * numel * sizeof(real)), *xb = malloc(bs * numel * sizeof(real));
    const char **names_a = malloc(bs * sizeof *names_a), **names_b = malloc(bs * sizeof *names_b);
    sample sa = {0}, sb = {0};
    ganc_status st = xa && xb && names_a && names_b ? GANC_OK : GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    if (!st) st = sample_init(&sa, a);
    if (!st) st = sample_init(&sb, b);
    long n_a = dataset_size(a);
    m->paired = n_a == dataset_size(b);
    for (long first = 0; !st && first < n_a; first += bs) {
        int n = (int)(n_a - first < bs ? n_a - first : bs);
        st = load_batch(a, &sa, first, n, xa, names_a);
        if (!st && m->paired) st = load_batch(b, &sb, first, n, xb, names_b);
        for (int i = 0; !st && m->paired && i < n; i++)
            m->paired = strcmp(base_name(names_a[i]), base_name(names_b[i])) == 0;
        if (st) break;
        tape_reset(tr->t);
        tape_no_grad_begin(tr->t);
        int shape[4] = {n, 3, side, side};
        tensor *x = tape_from_host(tr->t, 4, shape, xa, "real_A");
        tensor *y = m->paired ? tape_from_host(tr->t, 4, shape, xb, "true_B") : NULL, *fake = NULL;
        st = x && (y || !m->paired) ? eval_a_batch(tr, o, x, y, m, refs, &fake) : ganc_error_status();
        tape_no_grad_end(tr->t);
        if (st) break;
        if (col == 1) keep_for_grid(g, 0, first, x);
        keep_for_grid(g, col, first, fake);
        if (y && col == 1) keep_for_grid(g, g->n_cols - 1, first, y);
    }
    sample_free(&sa);
    sample_free(&sb);
    free(xa);
    free(xb);
    free(names_a);
    free(names_b);
    return st;
}

/* The B side: the cycle error of G_A(G_B(y)). */
static ganc_status eval_b(trainer *tr, const eval_options *o, dataset *b, translation_metrics *m) {
    int side = dataset_side(b), bs = o->batch;
    size_t numel = (size_t)3 * side * side;
    real *xb = malloc(bs * numel * sizeof(real));
    sample sb = {0};
    ganc_status st = xb ? sample_init(&sb, b) : GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    network *g_a = trainer_network_named(tr, "G_A"), *g_b = trainer_network_named(tr, "G_B");
    if (!st && (!g_a || !g_b)) st = ganc_error_status();
    m->n_b = dataset_size(b);
    for (long first = 0; !st && first < m->n_b; first += bs) {
        int n = (int)(m->n_b - first < bs ? m->n_b - first : bs);
        if ((st = load_batch(b, &sb, first, n, xb, NULL))) break;
        tape_reset(tr->t);
        tape_no_grad_begin(tr->t);
        tensor *y = tape_from_host(tr->t, 4, (int[]){n, 3, side, side}, xb, "real_B");
        tensor *cycle = op_l1(tr->t, network_forward(g_a, tr->t, network_forward(g_b, tr->t, y)), y);
        tape_no_grad_end(tr->t);
        if (!cycle) st = ganc_error_status();
        else m->cycle_b += scalar(cycle) * n;
    }
    sample_free(&sb);
    free(xb);
    return st;
}

/* Sums to means; what was not measured becomes NaN ("n/a"). */
static void finish(translation_metrics *m, bool has_attr, bool has_cycle) {
    m->color /= (double)m->n_a;
    m->attr = has_attr ? m->attr / (double)m->n_a : NAN;
    m->cycle_a = has_cycle ? m->cycle_a / (double)m->n_a : NAN;
    m->cycle_b = has_cycle ? m->cycle_b / (double)m->n_b : NAN;
    m->l1_true = m->paired ? m->l1_true / (double)m->n_paired : NAN;
    m->psnr_true = m->paired ? m->psnr_true / (double)m->n_paired : NAN;
}

/* Checkpoint k into m; with `refs` (the first checkpoint) also the two
 * reference rows (eval_a_batch), through that checkpoint's E1 and E2. */
static ganc_status eval_checkpoint(const eval_options *o, int k, translation_metrics *m, translation_metrics *refs,
                                   grid *g) {
    trainer tr;
    config *cfg_a = NULL, *cfg_b = NULL;
    dataset *a = NULL, *b = NULL;
    ganc_status st = trainer_open_checkpoint(&tr, o->checkpoints[k]);
    if (!st && strcmp(tr.recipe->name, "cyclegan") != 0)
        st = GANC_ERR(GANC_ERR_ARG, "eval: %s was trained by recipe %s; these metrics need cyclegan checkpoints",
                      o->checkpoints[k], tr.recipe->name);
    if (!st) st = open_domain(&tr, o, 'A', &cfg_a, &a);
    if (!st) st = open_domain(&tr, o, 'B', &cfg_b, &b);
    if (!st && g->n && !g->side) st = grid_alloc(g, dataset_side(a), dataset_size(a));
    if (!st && g->n && g->side != dataset_side(a))
        st = GANC_ERR(GANC_ERR_ARG, "eval --grid: %s works on %dx%d images, %s on %dx%d; one grid needs one size",
                      o->checkpoints[k], dataset_side(a), dataset_side(a), o->checkpoints[0], g->side, g->side);
    eval_run_name(o->checkpoints[k], m->name, sizeof m->name);
    bool has_attr = !st && find_network(&tr, "E1") && find_network(&tr, "E2");
    if (!st) st = eval_a(&tr, o, a, b, m, refs, g, k + 1);
    if (!st) st = eval_b(&tr, o, b, m);
    dataset_free(a);
    dataset_free(b);
    config_free(cfg_a);
    config_free(cfg_b);
    trainer_close(&tr);
    if (st) return st;
    finish(m, has_attr, true);
    static const char *const ref_names[2] = {"input (untranslated)", "true cartoon (B)"};
    for (int i = 0; refs && i < 2; i++) {
        snprintf(refs[i].name, sizeof refs[i].name, "%s", ref_names[i]);
        refs[i].n_b = m->n_b;
        refs[i].paired = m->paired;
        finish(&refs[i], has_attr, false);
    }
    return GANC_OK;
}

/* A value for the table and CSV; NaN (not measured) prints as "n/a". */
static void cell(char *buf, size_t size, double v, int decimals) {
    if (isnan(v)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, "%.*f", decimals, v);
}

#define N_COLUMNS 9
static const char *const column_names[N_COLUMNS] = {"run", "images", "colour16", "edge_f1", "attr",
                                                    "cycle_A", "cycle_B", "l1_true", "psnr_true"};

static void metric_cells(const translation_metrics *m, char cells[N_COLUMNS][160]) {
    snprintf(cells[0], 160, "%.127s", m->name);
    snprintf(cells[1], 160, "%ld", m->n_a);
    cell(cells[2], 160, m->color, 4);
    cell(cells[3], 160, eval_edge_f1(m->edges), 4);
    cell(cells[4], 160, m->attr, 4);
    cell(cells[5], 160, m->cycle_a, 4);
    cell(cells[6], 160, m->cycle_b, 4);
    cell(cells[7], 160, m->l1_true, 4);
    cell(cells[8], 160, m->psnr_true, 2);
}

/* ms: n_rows rows, the references first. */
static ganc_status write_results(const eval_options *o, const translation_metrics *ms, int n_rows, FILE *out) {
    static const char *const heads[N_COLUMNS] = {"run", "images", "colour 16x16 ↓", "edge F1 ↑", "attr ↓",
                                                 "cycle A ↓", "cycle B ↓", "L1 true ↓", "PSNR true (dB) ↑"};
    char cells[N_COLUMNS][160], path[1100], *text = NULL;
    size_t text_size = 0;
    eval_csv_path(o, path, sizeof path);
    FILE *csv = open_memstream(&text, &text_size);
    if (!csv) return GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory for the CSV text");
    for (int c = 0; c < N_COLUMNS; c++) {
        fprintf(out, "| %s ", heads[c]);
        fprintf(csv, "%s%s", column_names[c], c + 1 < N_COLUMNS ? "," : "\n");
    }
    fprintf(out, "|\n");
    for (int c = 0; c < N_COLUMNS; c++) fprintf(out, "| %s ", c < 1 ? "---" : "---:");
    fprintf(out, "|\n");
    for (int k = 0; k < n_rows; k++) {
        metric_cells(&ms[k], cells);
        for (int c = 0; c < N_COLUMNS; c++) {
            fprintf(out, "| %s ", cells[c]);
            fprintf(csv, "%s%s", cells[c], c + 1 < N_COLUMNS ? "," : "\n");
        }
        fprintf(out, "|\n");
    }
    fprintf(out, "\nheld-out images: %s/%sA (%ld), %s/%sB (%ld)%s\n", o->data, o->phase, ms[0].n_a, o->data, o->phase,
            ms[0].n_b, ms[0].paired ? "; L1/PSNR against the B image of the same name" :
                                      "; A and B names differ: no true B images, L1/PSNR not measured");
    fflush(out);
    ganc_status st = eval_csv_write(path, csv, &text);
    if (!st) fprintf(out, "csv: %s\n", path);
    return st;
}

/* The grid PNG: columns input | each checkpoint's output | true B; rows the
 * first images; small images enlarged (nearest) to at least GRID_MIN_SIDE. */
static ganc_status write_grid(const eval_options *o, grid *g, bool paired) {
    int zoom = g->side < GRID_MIN_SIDE ? (GRID_MIN_SIDE + g->side - 1) / g->side : 1, big = g->side * zoom;
    int cols = paired ? g->n_cols : g->n_cols - 1;
    size_t numel = (size_t)3 * big * big;
    real *scaled = malloc((size_t)cols * g->n * numel * sizeof(real));
    const real *images[EVAL_MAX_CHECKPOINTS + 2];
    if (!scaled) return GANC_ERR(GANC_ERR_MEMORY, "eval --grid: out of memory");
    for (int c = 0; c < cols; c++) {
        real *dst = scaled + (size_t)c * g->n * numel;
        images[c] = dst;
        for (size_t i = 0; i < (size_t)g->n * 3 * big * big; i++) {
            size_t x = i % big, y = i / big % big, plane = i / ((size_t)big * big);
            dst[i] = g->cols[c][(plane * g->side + y / zoom) * g->side + x / zoom];
        }
    }
    ganc_status st = image_grid_write(o->grid, images, cols, g->n, 3, big, big);
    free(scaled);
    if (!st) printf("grid: %s (columns: input, %d run%s%s; %d rows)\n", o->grid, o->n_checkpoints,
                    o->n_checkpoints > 1 ? "s in the order given" : "", paired ? ", true B" : "", g->n);
    return st;
}

ganc_status eval_translation(const eval_options *o, FILE *out) {
    /* Rows 0 and 1: the untranslated inputs and the true B images, references for every column. */
    translation_metrics ms[EVAL_MAX_CHECKPOINTS + 2];
    memset(ms, 0, sizeof ms);
    grid g = {.n_cols = o->n_checkpoints + 2, .n = o->grid ? o->grid_n : 0};
    ganc_status st = GANC_OK;
    bool paired = true;
    for (int k = 0; !st && k < o->n_checkpoints; k++) {
        st = eval_checkpoint(o, k, &ms[k + 2], k == 0 ? ms : NULL, &g);
        paired &= ms[k + 2].paired;
        if (!st) fprintf(stderr, "eval: %s done (%ld + %ld images)\n", o->checkpoints[k], ms[k + 2].n_a, ms[k + 2].n_b);
    }
    /* Without true B images their row goes. */
    if (!paired) memmove(&ms[1], &ms[2], (size_t)o->n_checkpoints * sizeof ms[0]);
    if (!st) st = write_results(o, ms, o->n_checkpoints + (paired ? 2 : 1), out);
    if (!st && g.n) st = write_grid(o, &g, paired);
    for (int c = 0; c < g.n_cols; c++) free(g.cols[c]);
    return st;
}
