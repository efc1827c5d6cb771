#ifndef GANC_TOOLS_EVAL_H
#define GANC_TOOLS_EVAL_H

/* `ganc eval`: metrics of trained checkpoints on held-out data, printed as
 * a Markdown table and written as CSV (docs/cartoon_head.md).
 * - cyclegan checkpoints (the cartoon-head model): colour distance at
 *   16x16, Canny edge agreement (F1), attribute distance through the frozen
 *   E1/E2, cycle errors and, when the held-out A and B images are the same
 *   faces (same file names, as `ganc synth` writes them), L1 and PSNR of
 *   G_A(A) against the true B image;
 * - regressor checkpoints (attribute regressors): error per label. */

#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "core/real.h"
#include "losses/canny.h"

#define EVAL_MAX_CHECKPOINTS 8

typedef struct {
    const char *checkpoints[EVAL_MAX_CHECKPOINTS];
    int n_checkpoints;
    const char *data;   /* cyclegan: the folder with <phase>A, <phase>B; regressor: the image folder */
    const char *phase;  /* "test" or "train" (cyclegan) */
    const char *labels; /* regressor: the label CSV; NULL: the checkpoint's [data] labels */
    const char *csv;    /* NULL: eval.csv in the first checkpoint's run folder */
    const char *grid;   /* cyclegan: PNG of inputs and outputs, or NULL */
    int grid_n;         /* images (rows) in the grid */
    long max_images;    /* 0: all */
    int batch;
    int edge_tolerance;   /* pixels (Chebyshev) within which edges match */
    canny_params canny;   /* the edge detector */
} eval_options;

ganc_status eval_translation(const eval_options *o, FILE *out);
ganc_status eval_regressor(const eval_options *o, FILE *out);

/* Edge matching of two 0/non-0 edge maps with tolerance `tol`:
 * counts[0] reference edge pixels, counts[1] those with an output edge
 * within tol, counts[2] output edge pixels, counts[3] those with a
 * reference edge within tol. Added to counts (pool them over a set). */
void eval_edge_counts(const uint8_t *ref /* (H,W) */, const uint8_t *out /* (H,W) */, int h, int w, int tol,
                      long counts[4]);
/* F1 of pooled counts: 2PR/(P+R) with precision P = counts[3]/counts[2]
 * and recall R = counts[1]/counts[0]; 0 when either side has no edges
 * and the other has; NaN when neither has any. */
double eval_edge_f1(const long counts[4]);
/* PSNR in dB of two images in [-1, 1], on the [0, 1] scale:
 * 10 log10(1 / mean(((a - b)/2)^2)); 100 for identical images. */
double eval_psnr(const real *a, const real *b, size_t n);
/* "NAME" of ".../NAME/checkpoints/FILE", else the path itself. */
void eval_run_name(const char *checkpoint_path, char *buf, size_t size);
/* The run folder of a checkpoint (".../NAME"), else its folder, or "." */
void eval_run_dir(const char *checkpoint_path, char *buf, size_t size);
/* o->csv, or eval.csv in the first checkpoint's run folder. */
void eval_csv_path(const eval_options *o, char *buf, size_t size);
/* The CSV text, an open_memstream over *buf kept while the table is
 * printed, written to `path` (the stream closed, *buf freed here). The table is printed first, so a CSV that
 * cannot be written (message with the OS's reason) never costs the results. */
ganc_status eval_csv_write(const char *path, FILE *text, char **buf);

#endif
