/* realpath() is XSI: glibc hides it under plain _POSIX_C_SOURCE. */
#define _XOPEN_SOURCE 700

#include "data/labels_csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file_open.h"

/* ---- reading records ---- */

typedef struct {
    char *buf;
    size_t n, pos;
    int line; /* line where the next record starts */
    char **fields;
    int cap;
} csv_reader;

/* The file into a NUL-terminated buffer (fields are unquoted in place). */
static ganc_status read_text(const char *path, char **text, size_t *size) {
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "labels %s: cannot open: %s", path, strerror(errno));
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return GANC_ERR(GANC_ERR_IO, "labels %s: cannot read: %s", path, strerror(errno));
    }
    if ((unsigned long)n > LABELS_CSV_MAX_BYTES) {
        fclose(f);
        return GANC_ERR(GANC_ERR_FORMAT, "labels %s: %ld bytes, more than the %lu a labels file may have", path, n,
                        (unsigned long)LABELS_CSV_MAX_BYTES);
    }
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fclose(f);
        return GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory for %ld bytes", path, n);
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    int failed = ferror(f);
    fclose(f);
    if (failed || got != (size_t)n) {
        free(buf);
        return GANC_ERR(GANC_ERR_IO, "labels %s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *size = (size_t)n;
    return GANC_OK;
}

static bool add_field(csv_reader *r, int count, char *field) {
    if (count == r->cap) {
        int cap = r->cap ? 2 * r->cap : 32;
        char **grown = realloc(r->fields, sizeof(char *) * (size_t)cap);
        if (!grown) return false;
        r->fields = grown;
        r->cap = cap;
    }
    r->fields[count] = field;
    return true;
}

/* Splits the next non-empty record into r->fields (unquoted in place).
 * Returns the field count, 0 at the end of the text, -1 with an error. */
static int next_record(csv_reader *r, const char *path) {
    while (r->pos < r->n && (r->buf[r->pos] == '\n' || r->buf[r->pos] == '\r')) {
        if (r->buf[r->pos] == '\n') r->line++;
        r->pos++;
    }
    if (r->pos >= r->n) return 0;
    int count = 0, start_line = r->line;
    size_t record_start = r->pos;
    for (;;) {
        if (r->pos - record_start > LABELS_CSV_MAX_RECORD) {
            GANC_ERR(GANC_ERR_FORMAT, "labels %s:%d: a record longer than %d bytes (a missing line end or quote?)",
                     path, start_line, LABELS_CSV_MAX_RECORD);
            return -1;
        }
        char *out = r->buf + r->pos, *field = out;
        if (r->buf[r->pos] == '"') {
            r->pos++;
            for (;;) {
                if (r->pos >= r->n) {
                    GANC_ERR(GANC_ERR_FORMAT, "labels %s:%d: a quoted field is never closed", path, start_line);
                    return -1;
                }
                char ch = r->buf[r->pos++];
                if (ch == '"') {
                    if (r->buf[r->pos] != '"') break;
                    r->pos++;
                }
                if (ch == '\n') r->line++;
                *out++ = ch;
            }
        }
        while (r->pos < r->n && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n') *out++ = r->buf[r->pos++];
        if (out > field && out[-1] == '\r') out--;
        char end = r->pos < r->n ? r->buf[r->pos] : '\n';
        *out = '\0';
        if (!add_field(r, count++, field)) {
            GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
            return -1;
        }
        r->pos++;
        if (end == '\n') {
            r->line++;
            return count;
        }
    }
}

/* ---- choosing columns ---- */

static ganc_status no_column(const char *path, const char *want, char **header, int n) {
    char list[512] = "";
    size_t used = 0;
    for (int i = 1; i < n && used + 8 < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i > 1 ? ", " : "", header[i]);
        used = w < 0 ? used : used + (size_t)w < sizeof list ? used + (size_t)w : sizeof list - 1;
    }
    return GANC_ERR(GANC_ERR_ARG, "labels %s: no label column \"%s\" (columns after the file name: %s)", path, want,
                    list);
}

/* Column indices selected by `spec` into cols (n entries at most). */
static ganc_status select_columns(const char *path, const char *spec, char **header, int n, int *cols, int *k_out) {
    int k = 0;
    if (!spec || !spec[0]) {
        for (int i = 1; i < n; i++) cols[k++] = i;
        *k_out = k;
        return GANC_OK;
    }
    const char *p = spec;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        const char *end = p;
        while (*end && *end != ',') end++;
        size_t len = (size_t)(end - p);
        while (len && p[len - 1] == ' ') len--;
        if (!len) break;
        char want[128];
        if (len >= sizeof want) return GANC_ERR(GANC_ERR_ARG, "labels %s: column name \"%.40s...\" too long", path, p);
        memcpy(want, p, len);
        want[len] = '\0';
        bool prefix = want[len - 1] == '*';
        if (prefix) want[--len] = '\0';
        int found = 0;
        for (int i = 1; i < n; i++) {
            if (prefix ? strncmp(header[i], want, len) != 0 : strcmp(header[i], want) != 0) continue;
            for (int j = 0; j < k; j++)
                if (cols[j] == i)
                    return GANC_ERR(GANC_ERR_ARG, "labels %s: column \"%s\" selected twice", path, header[i]);
            cols[k++] = i;
            found++;
        }
        if (!found) {
            if (prefix) want[len] = '*';
            return no_column(path, want, header, n);
        }
        p = end;
    }
    if (k == 0) return GANC_ERR(GANC_ERR_ARG, "labels %s: no label columns selected by \"%s\"", path, spec);
    *k_out = k;
    return GANC_OK;
}

/* ---- loading ---- */

void labels_csv_free(labels_csv *l) {
    if (!l) return;
    for (long i = 0; i < l->n_rows; i++) free(l->files[i]);
    for (int k = 0; k < l->n_labels; k++) free(l->names[k]);
    free(l->files);
    free(l->names);
    free(l->lines);
    free(l->values);
    free(l->path);
    *l = (labels_csv){0};
}

static ganc_status parse_rows(csv_reader *r, const char *path, int n_fields, const int *cols, labels_csv *l) {
    long cap = 0;
    int count;
    while ((count = next_record(r, path)) > 0) {
        int line = r->line - 1;
        if (count != n_fields)
            return GANC_ERR(GANC_ERR_FORMAT, "labels %s:%d: %d fields, but the header has %d", path, line, count,
                            n_fields);
        if (l->n_rows == cap) {
            cap = cap ? 2 * cap : 256;
            char **files = realloc(l->files, sizeof(char *) * (size_t)cap);
            if (files) l->files = files;
            int *lines = realloc(l->lines, sizeof(int) * (size_t)cap);
            if (lines) l->lines = lines;
            real *values = realloc(l->values, sizeof(real) * (size_t)cap * (size_t)l->n_labels);
            if (values) l->values = values;
            if (!files || !lines || !values) return GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
        }
        real *v = l->values + (size_t)l->n_rows * (size_t)l->n_labels;
        for (int k = 0; k < l->n_labels; k++) {
            const char *s = r->fields[cols[k]];
            char *end;
            errno = 0;
            double x = strtod(s, &end);
            while (*end == ' ') end++;
            if (end == s || *end || !isfinite(x) || errno == ERANGE)
                return GANC_ERR(GANC_ERR_FORMAT, "labels %s:%d: column %s: expected a finite number, got \"%s\"", path,
                                line, l->names[k], s);
            v[k] = (real)x;
        }
        if (!r->fields[0][0]) return GANC_ERR(GANC_ERR_FORMAT, "labels %s:%d: empty file name", path, line);
        if (!(l->files[l->n_rows] = strdup(r->fields[0])))
            return GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
        l->lines[l->n_rows++] = line;
    }
    if (count < 0) return ganc_error_status();
    if (l->n_rows == 0) return GANC_ERR(GANC_ERR_FORMAT, "labels %s: no rows after the header", path);
    return GANC_OK;
}

/* Parses r->buf (NUL-terminated, r->n bytes; its fields are unquoted in place). */
static ganc_status parse(csv_reader *r, const char *path, const char *columns, labels_csv *out) {
    if (r->n >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) r->pos = 3;
    labels_csv l = {0};
    int *cols = NULL;
    ganc_status st = GANC_OK;
    int n_fields = next_record(r, path);
    if (n_fields < 0) {
        st = ganc_error_status();
    } else if (n_fields < 2) {
        st = GANC_ERR(GANC_ERR_FORMAT, "labels %s:1: expected a header row: the file name column, then label columns",
                      path);
    } else if (!(cols = malloc(sizeof(int) * (size_t)n_fields)) || !(l.path = strdup(path))) {
        st = GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
    } else {
        st = select_columns(path, columns, r->fields, n_fields, cols, &l.n_labels);
    }
    if (!st && !(l.names = calloc((size_t)l.n_labels, sizeof(char *))))
        st = GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
    for (int k = 0; !st && k < l.n_labels; k++)
        if (!(l.names[k] = strdup(r->fields[cols[k]]))) st = GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", path);
    if (!st) st = parse_rows(r, path, n_fields, cols, &l);
    free(cols);
    free(r->fields);
    if (st) {
        labels_csv_free(&l);
        return st;
    }
    *out = l;
    return GANC_OK;
}

ganc_status labels_csv_load(const char *path, const char *columns, labels_csv *out) {
    *out = (labels_csv){0};
    csv_reader r = {.line = 1};
    ganc_status st = read_text(path, &r.buf, &r.n);
    if (st) return st;
    st = parse(&r, path, columns, out);
    free(r.buf);
    return st;
}

ganc_status labels_csv_parse(const char *origin, const char *text, size_t n, const char *columns, labels_csv *out) {
    *out = (labels_csv){0};
    if (n > LABELS_CSV_MAX_BYTES)
        return GANC_ERR(GANC_ERR_FORMAT, "labels %s: %zu bytes, more than the %lu a labels file may have", origin, n,
                        (unsigned long)LABELS_CSV_MAX_BYTES);
    csv_reader r = {.buf = malloc(n + 1), .n = n, .line = 1};
    if (!r.buf) return GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory for %zu bytes", origin, n);
    memcpy(r.buf, text, n);
    r.buf[n] = '\0';
    ganc_status st = parse(&r, origin, columns, out);
    free(r.buf);
    return st;
}

/* ---- matching rows to images ---- */

typedef struct {
    char *real_path;
    long row;
} resolved_row;

static int by_path(const void *a, const void *b) {
    return strcmp(((const resolved_row *)a)->real_path, ((const resolved_row *)b)->real_path);
}

/* realpath of `name` under `dir` (or `name` itself when absolute); NULL when it does not exist. */
static char *resolve(const char *dir, const char *name) {
    if (name[0] == '/') return realpath(name, NULL);
    char *joined = image_folder_join(dir, name);
    char *resolved = joined ? realpath(joined, NULL) : NULL;
    free(joined);
    return resolved;
}

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

ganc_status labels_csv_match(const labels_csv *l, const image_folder *folder, long *rows_out) {
    char *csv_dir = dir_of(l->path);
    resolved_row *rows = calloc((size_t)l->n_rows, sizeof *rows);
    ganc_status st = GANC_OK;
    if (!csv_dir || !rows) st = GANC_ERR(GANC_ERR_MEMORY, "labels %s: out of memory", l->path);
    long n = 0;
    for (long i = 0; !st && i < l->n_rows; i++) {
        char *resolved = resolve(csv_dir, l->files[i]);
        if (!resolved) resolved = resolve(folder->dir, l->files[i]);
        if (resolved) rows[n++] = (resolved_row){resolved, i};
    }
    if (!st) qsort(rows, (size_t)n, sizeof *rows, by_path);
    for (long i = 1; !st && i < n; i++)
        if (strcmp(rows[i - 1].real_path, rows[i].real_path) == 0) {
            int x = l->lines[rows[i - 1].row], y = l->lines[rows[i].row]; /* qsort is not stable */
            st = GANC_ERR(GANC_ERR_FORMAT, "labels %s: lines %d and %d name the same file %s", l->path, x < y ? x : y,
                          x < y ? y : x, rows[i].real_path);
        }
    for (long i = 0; !st && i < folder->n; i++) {
        resolved_row key = {realpath(folder->paths[i], NULL), 0};
        resolved_row *hit = key.real_path ? bsearch(&key, rows, (size_t)n, sizeof *rows, by_path) : NULL;
        free(key.real_path);
        if (hit)
            rows_out[i] = hit->row;
        else
            st = GANC_ERR(GANC_ERR_FORMAT,
                          "labels %s has no row for image %s (the first column names files relative to the CSV's "
                          "folder or to %s)",
                          l->path, folder->paths[i], folder->dir);
    }
    for (long i = 0; i < n; i++) free(rows[i].real_path);
    free(rows);
    free(csv_dir);
    return st;
}
