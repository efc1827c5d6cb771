#ifndef GANC_DATA_METRICS_CSV_H
#define GANC_DATA_METRICS_CSV_H

/* Training metrics as CSV: a header `step,wall_time,<name>,...` and one row
 * per logged step. The header is taken from the first row's names (in the
 * order given) or, when a run resumes, from the existing file; later rows
 * are matched to it by name, so the column order never changes. A name
 * missing from a row leaves its cell empty (a loss logged every k steps). */

#include <stdbool.h>

#include "core/error.h"

typedef struct metrics_csv metrics_csv;

/* resume_step < 0 starts a new file, replacing an old one. resume_step >= 0
 * continues a run restored from a checkpoint of that step: the existing
 * file's header and its rows with step <= resume_step are kept, later rows
 * (logged after the checkpoint, and a partly written last line) are cut,
 * and new rows are appended. A missing file then starts a new one. NULL with
 * an error naming the file on an I/O error or a malformed file. */
metrics_csv *metrics_csv_open(const char *path, long resume_step);

/* Appends one row. Names must be non-empty, unique, free of commas, quotes
 * and line breaks, and not "step" or "wall_time"; after the header exists
 * they must be among its columns. Values print with 9 significant digits
 * (float32 round-trips), wall_time (seconds; the train loop gives Unix
 * time) with millisecond resolution. */
ganc_status metrics_csv_append(metrics_csv *m, long step, double wall_time, const char *const *names,
                               const double *values, int n);
ganc_status metrics_csv_flush(metrics_csv *m);
/* Flushes, closes and frees (NULL is ignored); returns the first write error. */
ganc_status metrics_csv_close(metrics_csv *m);

#endif
