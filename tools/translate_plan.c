/* realpath() is XSI: glibc hides it under plain _POSIX_C_SOURCE. */
#define _XOPEN_SOURCE 700

#include "tools/translate_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/image_folder.h"

void translate_plan_free(translate_plan *p) {
    if (!p) return;
    for (long i = 0; i < p->n; i++) {
        free(p->jobs[i].src);
        free(p->jobs[i].name);
    }
    free(p->jobs);
    *p = (translate_plan){0};
}

/* A malloc'd copy of the file name of `path` without its last extension
 * (keep_ext false) or with it. */
static char *output_name(const char *path, bool keep_ext) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *name = strdup(base);
    char *dot = name ? strrchr(name, '.') : NULL;
    if (dot && dot != name && !keep_ext) *dot = '\0';
    return name;
}

static const translate_job *sort_jobs;
static int by_name(const void *a, const void *b) {
    return strcmp(sort_jobs[*(const long *)a].name, sort_jobs[*(const long *)b].name);
}

/* The job indices sorted by name (NULL when out of memory). */
static long *sorted_by_name(const translate_plan *p) {
    long *idx = malloc(sizeof(long) * (size_t)p->n);
    if (!idx) return NULL;
    for (long i = 0; i < p->n; i++) idx[i] = i;
    sort_jobs = p->jobs;
    qsort(idx, (size_t)p->n, sizeof(long), by_name);
    return idx;
}

/* Jobs whose stems collide keep their extension ("a.jpg", "a.png"); a name
 * that still collides (a file really called "a.jpg.png" beside "a.jpg" and
 * "a.png") is an error naming both inputs. */
static ganc_status make_unique(translate_plan *p) {
    long *idx = sorted_by_name(p);
    if (!idx) return GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory naming %ld outputs", p->n);
    ganc_status st = GANC_OK;
    for (long a = 0; a < p->n && !st;) {
        long b = a + 1;
        while (b < p->n && strcmp(p->jobs[idx[a]].name, p->jobs[idx[b]].name) == 0) b++;
        for (long k = a; b - a > 1 && k < b && !st; k++) {
            translate_job *j = &p->jobs[idx[k]];
            free(j->name);
            if (!(j->name = output_name(j->src, true)))
                st = GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory naming outputs");
        }
        a = b;
    }
    free(idx);
    if (st || !(idx = sorted_by_name(p))) return st ? st : GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory");
    for (long k = 1; k < p->n && !st; k++)
        if (strcmp(p->jobs[idx[k - 1]].name, p->jobs[idx[k]].name) == 0)
            st = GANC_ERR(GANC_ERR_ARG, "translate: %s and %s would both be written as %s.png; rename one",
                          p->jobs[idx[k - 1]].src, p->jobs[idx[k]].src, p->jobs[idx[k]].name);
    free(idx);
    return st;
}

ganc_status translate_plan_list(const char *input, translate_plan *out) {
    *out = (translate_plan){0};
    struct stat info;
    if (stat(input, &info) != 0)
        return GANC_ERR(GANC_ERR_IO, "translate: --input %s: %s", input, strerror(errno));
    translate_plan p = {.input_is_dir = S_ISDIR(info.st_mode)};
    image_folder f = {0};
    ganc_status st = GANC_OK;
    if (p.input_is_dir) st = image_folder_list(input, 0, "translate --input", &f);
    long n = p.input_is_dir ? f.n : 1;
    if (!st && !(p.jobs = calloc((size_t)n, sizeof *p.jobs)))
        st = GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory listing %s", input);
    for (long i = 0; !st && i < n; i++) {
        p.jobs[i].src = strdup(p.input_is_dir ? f.paths[i] : input);
        p.jobs[i].name = p.jobs[i].src ? output_name(p.jobs[i].src, false) : NULL;
        p.n = i + 1;
        if (!p.jobs[i].name) st = GANC_ERR(GANC_ERR_MEMORY, "translate: out of memory listing %s", input);
    }
    image_folder_free(&f);
    if (!st) st = make_unique(&p);
    if (st) translate_plan_free(&p);
    else *out = p;
    return st;
}

/* The absolute path of `path` with every symbolic link and "." / ".."
 * resolved, as far as it exists; the part that does not exist yet is
 * appended as written (less "." and with ".." applied). */
static ganc_status resolve(const char *path, char out[PATH_MAX]) {
    char abs[PATH_MAX * 2];
    if (path[0] == '/') snprintf(abs, sizeof abs, "%s", path);
    else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return GANC_ERR(GANC_ERR_IO, "translate: cannot read the current folder: %s", strerror(errno));
        snprintf(abs, sizeof abs, "%s/%s", cwd, path);
    }
    snprintf(out, PATH_MAX, "/");
    bool exists = true;
    for (char *save = NULL, *part = strtok_r(abs, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0) continue;
        char next[PATH_MAX * 2];
        if (strcmp(part, "..") == 0 && !exists) {
            char *slash = strrchr(out, '/');
            if (slash && slash != out) *slash = '\0';
            else snprintf(out, PATH_MAX, "/");
            continue;
        }
        snprintf(next, sizeof next, "%s%s%s", out, strcmp(out, "/") == 0 ? "" : "/", part);
        if (strlen(next) >= PATH_MAX) return GANC_ERR(GANC_ERR_ARG, "translate: path %s is too long", path);
        char real[PATH_MAX];
        if (exists && realpath(next, real)) {
            memcpy(out, real, PATH_MAX);
            continue;
        }
        exists = false;
        memcpy(out, next, strlen(next) + 1); /* fits: checked against PATH_MAX above */
    }
    return GANC_OK;
}

static bool same_or_inside(const char *dir, const char *parent) {
    size_t n = strlen(parent);
    if (strcmp(parent, "/") == 0) return true;
    return strncmp(dir, parent, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

/* Checks one output file: not an input, not existing unless overwrite.
 * *existing counts the existing ones; *first_existing keeps the first. */
static ganc_status check_target(const translate_plan *p, const char *target, const char *resolved_input,
                                long *existing, char *first_existing, size_t first_size) {
    char resolved[PATH_MAX];
    ganc_status st = resolve(target, resolved);
    if (st) return st;
    if (!p->input_is_dir && strcmp(resolved, resolved_input) == 0)
        return GANC_ERR(GANC_ERR_ARG, "translate: the output %s would overwrite the input %s; choose another --output",
                        target, p->jobs[0].src);
    struct stat info;
    if (lstat(target, &info) == 0 && (*existing)++ == 0) snprintf(first_existing, first_size, "%s", target);
    return GANC_OK;
}

ganc_status translate_plan_check(const translate_plan *p, const char *input, const char *out_dir,
                                 const char *npy_dir, bool overwrite) {
    char in[PATH_MAX], dir[PATH_MAX];
    ganc_status st = resolve(input, in);
    const char *dirs[2] = {out_dir, npy_dir}, *opts[2] = {"--output", "--npy"};
    for (int d = 0; d < 2 && !st; d++) {
        if (!dirs[d]) continue;
        if ((st = resolve(dirs[d], dir))) break;
        if (p->input_is_dir && same_or_inside(dir, in))
            return GANC_ERR(GANC_ERR_ARG, "translate: %s %s is %sthe input folder %s; translate writes over no input, "
                            "choose a folder outside it", opts[d], dirs[d], strcmp(dir, in) == 0 ? "" : "inside ",
                            input);
    }
    long existing = 0;
    char first[PATH_MAX * 2] = "", target[PATH_MAX * 2];
    for (long i = 0; i < p->n && !st; i++) {
        snprintf(target, sizeof target, "%s/%s.png", out_dir, p->jobs[i].name);
        st = check_target(p, target, in, &existing, first, sizeof first);
        for (int k = 0; k < 2 && npy_dir && !st; k++) {
            snprintf(target, sizeof target, "%s/%s.%s.npy", npy_dir, p->jobs[i].name, k ? "output" : "input");
            st = check_target(p, target, in, &existing, first, sizeof first);
        }
    }
    if (!st && existing && !overwrite)
        st = GANC_ERR(GANC_ERR_ARG, "translate: %ld output file%s exist%s already (first: %s), perhaps from an earlier "
                      "run; pass --overwrite to replace them, or choose another --output", existing,
                      existing == 1 ? "" : "s", existing == 1 ? "s" : "", first);
    return st;
}

ganc_status translate_make_dirs(const char *dir, const char *what) {
    char path[PATH_MAX];
    if (!dir[0]) return GANC_ERR(GANC_ERR_ARG, "translate: %s is empty (expected a folder)", what);
    if (strlen(dir) >= sizeof path) return GANC_ERR(GANC_ERR_ARG, "translate: %s %s: path too long", what, dir);
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end) continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return GANC_ERR(GANC_ERR_IO, "translate: cannot create %s %s (at %s): %s", what, dir, path, strerror(errno));
        if (end) break;
        *p = '/';
    }
    struct stat info;
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode))
        return GANC_ERR(GANC_ERR_IO, "translate: %s %s exists and is not a folder", what, dir);
    return GANC_OK;
}
