/* The small pure functions of `ganc eval`: edge matching, F1, PSNR, run names. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/eval.h"

/* Whether `map` has an edge within tol (Chebyshev) of (y, x). */
static bool edge_near(const uint8_t *map, int h, int w, int y, int x, int tol) {
    for (int dy = -tol; dy <= tol; dy++) {
        int yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (int dx = -tol; dx <= tol; dx++) {
            int xx = x + dx;
            if (xx >= 0 && xx < w && map[(size_t)yy * w + xx]) return true;
        }
    }
    return false;
}

void eval_edge_counts(const uint8_t *ref, const uint8_t *out, int h, int w, int tol, long counts[4]) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (ref[i]) {
                counts[0]++;
                counts[1] += edge_near(out, h, w, y, x, tol);
            }
            if (out[i]) {
                counts[2]++;
                counts[3] += edge_near(ref, h, w, y, x, tol);
            }
        }
}

double eval_edge_f1(const long counts[4]) {
    if (counts[0] == 0 && counts[2] == 0) return NAN;
    if (counts[0] == 0 || counts[2] == 0) return 0;
    double recall = (double)counts[1] / (double)counts[0], precision = (double)counts[3] / (double)counts[2];
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
}

double eval_psnr(const real *a, const real *b, size_t n) {
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double d = ((double)a[i] - (double)b[i]) / 2;
        se += d * d;
    }
    double mse = n ? se / (double)n : 0;
    return mse > 1e-10 ? 10 * log10(1 / mse) : 100;
}

/* Cuts dir (a checkpoint path) at its last slash; for ".../NAME/checkpoints/FILE"
 * returns the slash before "checkpoints", else NULL. */
static char *checkpoints_parent(char *dir) {
    char *slash = strrchr(dir, '/');
    if (!slash) return NULL;
    *slash = '\0';
    char *parent = strrchr(dir, '/');
    return parent && strcmp(parent + 1, "checkpoints") == 0 ? parent : NULL;
}

void eval_run_dir(const char *checkpoint_path, char *buf, size_t size) {
    snprintf(buf, size, "%s", checkpoint_path);
    char *end = checkpoints_parent(buf);
    if (end) *end = '\0';
    else if (!strchr(checkpoint_path, '/')) snprintf(buf, size, ".");
}

void eval_run_name(const char *checkpoint_path, char *buf, size_t size) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", checkpoint_path);
    char *end = checkpoints_parent(dir);
    if (!end) {
        snprintf(buf, size, "%s", checkpoint_path);
        return;
    }
    *end = '\0';
    const char *name = strrchr(dir, '/');
    snprintf(buf, size, "%s", name ? name + 1 : dir);
}

void eval_csv_path(const eval_options *o, char *buf, size_t size) {
    if (o->csv) {
        snprintf(buf, size, "%s", o->csv);
        return;
    }
    char dir[1024];
    eval_run_dir(o->checkpoints[0], dir, sizeof dir);
    snprintf(buf, size, "%s/eval.csv", dir);
}

ganc_status eval_csv_write(const char *path, FILE *text, char **buf) {
    /* fclose sets *buf to the final text: read it only after. */
    bool kept = fclose(text) == 0;
    ganc_status st = GANC_OK;
    FILE *f = kept ? fopen(path, "w") : NULL;
    if (!kept) st = GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory for the CSV text");
    else if (!f) st = GANC_ERR(GANC_ERR_IO, "eval: cannot write the CSV %s: %s", path, strerror(errno));
    else {
        size_t n = strlen(*buf);
        bool ok = fwrite(*buf, 1, n, f) == n;
        int err = errno;
        if (fclose(f) != 0 && ok) ok = false, err = errno;
        if (!ok) st = GANC_ERR(GANC_ERR_IO, "eval: cannot write the CSV %s: %s", path, strerror(err));
    }
    free(*buf);
    *buf = NULL;
    return st;
}
