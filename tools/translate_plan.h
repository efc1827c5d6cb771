/* What `ganc translate` will read and write, settled before any image is
 * decoded: the input files (a folder's images, hidden files skipped, as
 * datasets do), a unique output name for each, and the checks that no
 * output lands on an input or, without --overwrite, on an existing file. */
#ifndef GANC_TOOLS_TRANSLATE_PLAN_H
#define GANC_TOOLS_TRANSLATE_PLAN_H

#include <stdbool.h>

#include "core/error.h"

typedef struct translate_job {
    char *src;  /* the input file */
    char *name; /* the output stem: "a", or "a.jpg" when another input also has the stem "a" */
} translate_job;

typedef struct translate_plan {
    long n;
    translate_job *jobs;
    bool input_is_dir;
} translate_plan;

/* The images of folder `input` (image_folder_list's rules) or the one file
 * `input`, named uniquely; an error when two would still share an output name. */
ganc_status translate_plan_list(const char *input, translate_plan *out);
void translate_plan_free(translate_plan *p);

/* Refuses an output folder (`out_dir`, or `npy_dir` when not NULL) that
 * is the input folder or inside it, any output file that is an input
 * file, and, unless `overwrite`, any output file that exists already.
 * `npy_dir` outputs are NAME.input.npy and NAME.output.npy. */
ganc_status translate_plan_check(const translate_plan *p, const char *input, const char *out_dir,
                                 const char *npy_dir, bool overwrite);

/* mkdir -p: creates `dir` and its missing parents; `what` names the option in errors. */
ganc_status translate_make_dirs(const char *dir, const char *what);

#endif
