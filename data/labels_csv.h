#ifndef GANC_DATA_LABELS_CSV_H
#define GANC_DATA_LABELS_CSV_H

/* Per-image label vectors from a CSV file: a header row, then one row per
 * image; the first column names the image file, the label columns hold
 * numbers. RFC 4180 quoting, LF or CRLF line ends and a UTF-8 byte-order
 * mark are accepted. Errors name the file, the line and the column. */

#include <stddef.h>

#include "core/error.h"
#include "core/real.h"
#include "data/image_folder.h"

/* Limits checked before allocating: the file's size, and one record's
 * length (a stray quote would otherwise make the rest of the file one field). */
#define LABELS_CSV_MAX_BYTES (1ul << 30)
#define LABELS_CSV_MAX_RECORD (1 << 20)

typedef struct labels_csv {
    char *path;
    long n_rows;
    int n_labels; /* K: the selected columns */
    char **names; /* (K) their header names */
    char **files; /* (n_rows) first-column values */
    int *lines;   /* (n_rows) line of each row in the file */
    real *values; /* (n_rows,K) */
} labels_csv;

/* `columns` selects the label columns: NULL or "" takes every column after
 * the first; otherwise a comma-separated list of header names, where a name
 * ending in '*' takes every column starting with the rest (in file order),
 * e.g. "a_*" for the attribute columns of `ganc synth`'s labels.csv. */
ganc_status labels_csv_load(const char *path, const char *columns, labels_csv *out);
/* The same from the n bytes of a file already in memory (not necessarily
 * NUL-terminated); `origin` names it in errors and is what labels_csv_match
 * resolves file names against. labels_csv_load reads the file and calls this. */
ganc_status labels_csv_parse(const char *origin, const char *text, size_t n, const char *columns, labels_csv *out);
void labels_csv_free(labels_csv *l);

/* For each image of `folder`, the row that names it: row files are paths
 * relative to the CSV's folder (as `ganc synth` writes them) or, when no
 * such file exists, to the image folder; both sides are compared after
 * realpath(). rows_out (folder->n) receives row indices. An image without
 * a row is an error naming it and the CSV. */
ganc_status labels_csv_match(const labels_csv *l, const image_folder *folder, long *rows_out);

#endif
