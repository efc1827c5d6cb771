#define _XOPEN_SOURCE 700 /* realpath */
#include "tools/cli_args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_parse_long(const char *text, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

/* The absolute path, symlinks resolved, of a file that need not exist yet
 * (its folder is resolved and its name appended); false when even the
 * folder cannot be resolved. */
static bool canonical_path(const char *path, char out[PATH_MAX]) {
    if (realpath(path, out)) return true;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) return false;
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : path;
    if (slash == dir) dir[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(dir, ".");
    char resolved[PATH_MAX];
    if (!*name || !realpath(dir, resolved)) return false;
    return snprintf(out, PATH_MAX, "%s/%s", strcmp(resolved, "/") == 0 ? "" : resolved, name) < PATH_MAX;
}

static bool inside_folder(const char *folder, const char *file) {
    size_t n = strlen(folder);
    return strncmp(folder, file, n) == 0 && (file[n] == '/' || strcmp(folder, "/") == 0);
}

ganc_status cli_check_output(cli_file out, const cli_file *inputs, int n_inputs) {
    if (!out.path) return GANC_OK;
    struct stat so, si;
    bool out_exists = stat(out.path, &so) == 0;
    char out_abs[PATH_MAX], in_abs[PATH_MAX];
    bool out_resolved = canonical_path(out.path, out_abs);
    for (int i = 0; i < n_inputs; i++) {
        const cli_file *in = &inputs[i];
        if (!in->path) continue;
        bool in_exists = stat(in->path, &si) == 0;
        bool same = out_exists && in_exists ? so.st_dev == si.st_dev && so.st_ino == si.st_ino
                                            : out_resolved && canonical_path(in->path, in_abs) &&
                                                  strcmp(out_abs, in_abs) == 0;
        if (same)
            return GANC_ERR(GANC_ERR_ARG, "%s %s is the same file as %s %s: refusing to write over it", out.option, out.path, in->option, in->path);
        if (out_exists && in_exists && S_ISDIR(si.st_mode) && out_resolved && realpath(in->path, in_abs) &&
            inside_folder(in_abs, out_abs))
            return GANC_ERR(GANC_ERR_ARG, "%s %s already exists inside the folder %s %s: refusing to write over "
                            "an input's file", out.option, out.path, in->option, in->path);
    }
    return GANC_OK;
}
