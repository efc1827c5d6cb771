/* `ganc eval` of regressor-recipe checkpoints (the attribute regressors):
 * E's predictions on a labelled held-out folder against the labels, per
 * label column: mean absolute error, RMSE, R^2 = 1 - SSE/SST, and the MAE
 * of the best constant (the held-out mean) for scale. The folder is read
 * like the training data, with a centred crop and no flip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "tools/eval.h"
#include "tools/trainer.h"

typedef struct {
    double mae, rmse, r2, mean_mae;
} label_error;

static ganc_status open_data(trainer *tr, const eval_options *o, dataset **ds) {
    char keys[5][1200];
    int n = 0;
    snprintf(keys[n++], sizeof keys[0], "data.root=%s", o->data);
    snprintf(keys[n++], sizeof keys[0], "data.crop=center");
    snprintf(keys[n++], sizeof keys[0], "data.flip=false");
    snprintf(keys[n++], sizeof keys[0], "data.max_images=%ld", o->max_images);
    if (o->labels) snprintf(keys[n++], sizeof keys[0], "data.labels=%s", o->labels);
    ganc_status st = GANC_OK;
    for (int i = 0; !st && i < n; i++) st = config_set(tr->cfg, keys[i]);
    return st ? st : dataset_open(tr->cfg, "data", 0, stderr, ds);
}

/* Predictions and labels of every image: (n,K) each. */
static ganc_status predict_all(trainer *tr, const eval_options *o, dataset *ds, real *pred, real *truth) {
    network *e = trainer_network_named(tr, "E");
    int side = dataset_side(ds), k = dataset_label_count(ds);
    long n_images = dataset_size(ds);
    size_t numel = (size_t)3 * side * side;
    real *x = malloc((size_t)o->batch * numel * sizeof(real));
    sample s = {0};
    ganc_status st = !e  ? ganc_error_status()
                     : x ? sample_init(&s, ds)
                         : GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    for (long first = 0; !st && first < n_images; first += o->batch) {
        int n = (int)(n_images - first < o->batch ? n_images - first : o->batch);
        for (int i = 0; !st && i < n; i++) {
            st = dataset_get(ds, 0, first + i, &s);
            if (st) break;
            memcpy(x + i * numel, s.a, numel * sizeof(real));
            memcpy(truth + (first + i) * k, s.labels, (size_t)k * sizeof(real));
        }
        if (st) break;
        tape_reset(tr->t);
        tape_no_grad_begin(tr->t);
        tensor *in = tape_from_host(tr->t, 4, (int[]){n, 3, side, side}, x, "image");
        tensor *y = network_forward(e, tr->t, in);
        tape_no_grad_end(tr->t);
        if (!y) st = ganc_error_status();
        else if (y->ndim != 2 || y->shape[1] != k)
            st = GANC_ERR(GANC_ERR_SHAPE, "eval: network E has %d outputs, the labels of %s have %d columns",
                          y->ndim == 2 ? y->shape[1] : -1, o->data, k);
        else memcpy(pred + first * k, y->data, (size_t)n * k * sizeof(real));
    }
    sample_free(&s);
    free(x);
    return st;
}

static label_error column_error(const real *pred, const real *truth, long n, int k, int col) {
    double mean = 0, abs_sum = 0, sq_sum = 0, sst = 0, mean_abs = 0;
    for (long i = 0; i < n; i++) mean += truth[i * k + col];
    mean /= (double)n;
    for (long i = 0; i < n; i++) {
        double e = (double)pred[i * k + col] - truth[i * k + col], d = truth[i * k + col] - mean;
        abs_sum += fabs(e);
        sq_sum += e * e;
        sst += d * d;
        mean_abs += fabs(d);
    }
    return (label_error){abs_sum / n, sqrt(sq_sum / n), sst > 0 ? 1 - sq_sum / sst : NAN, mean_abs / n};
}

static void print_row(FILE *out, FILE *csv, const char *run, const char *label, long n, label_error e) {
    char r2[32];
    if (isnan(e.r2)) snprintf(r2, sizeof r2, "n/a");
    else snprintf(r2, sizeof r2, "%.3f", e.r2);
    fprintf(out, "| %s | %.4f | %.4f | %s | %.4f |\n", label, e.mae, e.rmse, r2, e.mean_mae);
    fprintf(csv, "%s,%s,%ld,%.6f,%.6f,%s,%.6f\n", run, label, n, e.mae, e.rmse, r2, e.mean_mae);
}

/* The table of one checkpoint: "all" (MAE and RMSE over every value,
 * R^2 the mean over the labels that vary), then one row per label. */
static ganc_status report(FILE *out, FILE *csv, const char *run, dataset *ds, const real *pred, const real *truth) {
    int k = dataset_label_count(ds);
    long n = dataset_size(ds);
    label_error all = {0}, *cols = malloc((size_t)k * sizeof *cols);
    if (!cols) return GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    int varying = 0;
    for (int c = 0; c < k; c++) {
        cols[c] = column_error(pred, truth, n, k, c);
        all.mae += cols[c].mae / k;
        all.rmse += cols[c].rmse * cols[c].rmse / k;
        all.mean_mae += cols[c].mean_mae / k;
        if (!isnan(cols[c].r2)) all.r2 += cols[c].r2, varying++;
    }
    all.rmse = sqrt(all.rmse);
    all.r2 = varying ? all.r2 / varying : NAN;
    fprintf(out, "\n%s: %ld held-out images, %d labels\n\n", run, n, k);
    fprintf(out, "| label | MAE ↓ | RMSE ↓ | R² ↑ | MAE of the mean |\n| --- | ---: | ---: | ---: | ---: |\n");
    print_row(out, csv, run, "all", n, all);
    for (int c = 0; c < k; c++) print_row(out, csv, run, dataset_label_name(ds, c), n, cols[c]);
    free(cols);
    return GANC_OK;
}

static ganc_status eval_one(const eval_options *o, int k, FILE *out, FILE *csv) {
    trainer tr;
    dataset *ds = NULL;
    real *pred = NULL, *truth = NULL;
    char run[256];
    eval_run_name(o->checkpoints[k], run, sizeof run);
    ganc_status st = trainer_open_checkpoint(&tr, o->checkpoints[k]);
    if (!st && strcmp(tr.recipe->name, "regressor") != 0)
        st = GANC_ERR(GANC_ERR_ARG, "eval: %s was trained by recipe %s; give checkpoints of one recipe",
                      o->checkpoints[k], tr.recipe->name);
    if (!st) st = open_data(&tr, o, &ds);
    if (!st && dataset_get_kind(ds) != DATASET_LABELLED)
        st = GANC_ERR(GANC_ERR_ARG, "eval: %s was not trained on labelled data", o->checkpoints[k]);
    if (!st) {
        size_t values = (size_t)dataset_size(ds) * dataset_label_count(ds);
        pred = malloc(values * sizeof(real));
        truth = malloc(values * sizeof(real));
        if (!pred || !truth) st = GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory");
    }
    if (!st) st = predict_all(&tr, o, ds, pred, truth);
    if (!st) st = report(out, csv, run, ds, pred, truth);
    free(pred);
    free(truth);
    dataset_free(ds);
    trainer_close(&tr);
    return st;
}

ganc_status eval_regressor(const eval_options *o, FILE *out) {
    char path[1100], *text = NULL;
    size_t text_size = 0;
    eval_csv_path(o, path, sizeof path);
    FILE *csv = open_memstream(&text, &text_size);
    if (!csv) return GANC_ERR(GANC_ERR_MEMORY, "eval: out of memory for the CSV text");
    fprintf(csv, "run,label,images,mae,rmse,r2,mean_mae\n");
    ganc_status st = GANC_OK;
    for (int k = 0; !st && k < o->n_checkpoints; k++) st = eval_one(o, k, out, csv);
    if (st) {
        fclose(csv);
        free(text);
        return st;
    }
    fflush(out);
    st = eval_csv_write(path, csv, &text);
    if (!st) fprintf(out, "\ncsv: %s\n", path);
    return st;
}
