#include "data/metrics_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file_open.h"

struct metrics_csv {
    FILE *f;
    char *path;
    bool have_header;
    char **columns; /* the columns after step and wall_time */
    int n_columns;
    double *cells;  /* one row being assembled, in column order */
    bool *filled;
    ganc_status status; /* first write error, reported again by close */
};

static char *copy_string(const char *s, size_t n) {
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static ganc_status add_column(metrics_csv *m, const char *name, size_t len) {
    char **columns = realloc(m->columns, (size_t)(m->n_columns + 1) * sizeof *columns);
    if (columns) m->columns = columns;
    double *cells = realloc(m->cells, (size_t)(m->n_columns + 1) * sizeof *cells);
    if (cells) m->cells = cells;
    bool *filled = realloc(m->filled, (size_t)(m->n_columns + 1) * sizeof *filled);
    if (filled) m->filled = filled;
    char *copy = copy_string(name, len);
    if (!columns || !cells || !filled || !copy) {
        free(copy);
        return GANC_ERR(GANC_ERR_MEMORY, "metrics csv %s: out of memory for column %.*s", m->path, (int)len, name);
    }
    m->columns[m->n_columns++] = copy;
    return GANC_OK;
}

/* The whole file, NUL-terminated; NULL with *size 0 when it does not exist. */
static ganc_status read_file(const char *path, char **text, size_t *size) {
    *text = NULL, *size = 0;
    FILE *f = file_open_read(path);
    if (!f) return errno == ENOENT ? GANC_OK : GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot read: %s", path, strerror(errno));
    size_t cap = 0;
    ganc_status st = GANC_OK;
    for (;;) {
        if (*size + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *grown = realloc(*text, cap);
            if (!grown) {
                st = GANC_ERR(GANC_ERR_MEMORY, "metrics csv %s: out of memory reading it", path);
                break;
            }
            *text = grown;
        }
        size_t got = fread(*text + *size, 1, 4096, f);
        *size += got;
        if (got < 4096) {
            if (ferror(f)) st = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot read: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st) {
        free(*text);
        *text = NULL;
    } else {
        (*text)[*size] = '\0';
    }
    return st;
}

/* Takes the columns from the header line `line` (without its newline). */
static ganc_status parse_header(metrics_csv *m, const char *line, size_t len) {
    static const char prefix[] = "step,wall_time";
    size_t plen = sizeof prefix - 1;
    if (len < plen || memcmp(line, prefix, plen) != 0 || (len > plen && line[plen] != ','))
        return GANC_ERR(GANC_ERR_FORMAT, "metrics csv %s:1: expected a header starting with \"%s\", found \"%.*s\"",
                        m->path, prefix, (int)(len < 80 ? len : 80), line);
    m->have_header = true;
    for (size_t at = plen; at < len;) {
        const char *name = line + at + 1;
        const char *comma = memchr(name, ',', len - at - 1);
        size_t n = comma ? (size_t)(comma - name) : len - at - 1;
        ganc_status st = add_column(m, name, n);
        if (st) return st;
        at += n + 1;
    }
    return GANC_OK;
}

/* Keeps the header and the complete rows with step <= resume_step, cutting
 * the rest off the file, and reads the columns from the header. */
static ganc_status trim_for_resume(metrics_csv *m, long resume_step) {
    char *text;
    size_t size;
    ganc_status st = read_file(m->path, &text, &size);
    if (st || !text) return st;
    size_t keep = 0;
    const char *nl = memchr(text, '\n', size);
    /* Without a newline, the header itself was cut short: the file starts over. */
    if (nl) {
        st = parse_header(m, text, (size_t)(nl - text));
        keep = (size_t)(nl - text) + 1;
    }
    for (int line = 2; !st && keep < size; line++) {
        const char *row = text + keep;
        nl = memchr(row, '\n', size - keep);
        if (!nl) break; /* a partly written last row */
        char *end;
        errno = 0;
        long step = strtol(row, &end, 10);
        if (end == row || *end != ',' || errno)
            st = GANC_ERR(GANC_ERR_FORMAT, "metrics csv %s:%d: expected a step number at the start of the row", m->path,
                          line);
        else if (step > resume_step)
            break;
        else
            keep = (size_t)(nl - text) + 1;
    }
    free(text);
    if (!st && keep < size && truncate(m->path, (off_t)keep) != 0)
        st = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot cut rows after step %ld: %s", m->path, resume_step,
                      strerror(errno));
    return st;
}

metrics_csv *metrics_csv_open(const char *path, long resume_step) {
    if (!path || !path[0]) {
        GANC_ERR(GANC_ERR_ARG, "metrics csv: the path is empty");
        return NULL;
    }
    metrics_csv *m = calloc(1, sizeof *m);
    if (m) m->path = copy_string(path, strlen(path));
    if (!m || !m->path) {
        free(m);
        GANC_ERR(GANC_ERR_MEMORY, "metrics csv %s: out of memory", path);
        return NULL;
    }
    ganc_status st = resume_step >= 0 ? trim_for_resume(m, resume_step) : GANC_OK;
    if (!st) {
        m->f = fopen(path, resume_step >= 0 ? "ab" : "wb");
        if (!m->f) st = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot open for writing: %s", path, strerror(errno));
    }
    if (st) {
        metrics_csv_close(m);
        return NULL;
    }
    return m;
}

static ganc_status check_name(const metrics_csv *m, const char *name, int i) {
    if (!name || !name[0]) return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: name %d is empty", m->path, i);
    if (strpbrk(name, ",\"\r\n"))
        return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: name \"%s\" contains a comma, quote or line break", m->path, name);
    if (!strcmp(name, "step") || !strcmp(name, "wall_time"))
        return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: name \"%s\" is a reserved column", m->path, name);
    return GANC_OK;
}

static void write_header(metrics_csv *m) {
    fputs("step,wall_time", m->f);
    for (int c = 0; c < m->n_columns; c++) fprintf(m->f, ",%s", m->columns[c]);
    fputc('\n', m->f);
    m->have_header = true;
}

ganc_status metrics_csv_append(metrics_csv *m, long step, double wall_time, const char *const *names,
                               const double *values, int n) {
    if (!m) return GANC_ERR(GANC_ERR_ARG, "metrics csv: writer is NULL");
    if (m->status) return m->status;
    if (n < 0 || (n > 0 && (!names || !values)))
        return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: %d values given without names or values", m->path, n);
    for (int i = 0; i < n; i++) {
        ganc_status st = check_name(m, names[i], i);
        if (st) return st;
        for (int j = 0; j < i; j++)
            if (!strcmp(names[i], names[j]))
                return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: \"%s\" given twice at step %ld", m->path, names[i], step);
    }
    bool new_header = !m->have_header;
    for (int i = 0; new_header && i < n; i++) {
        ganc_status st = add_column(m, names[i], strlen(names[i]));
        if (st) return m->status = st; /* a half-made header: the writer stays failed */
    }
    for (int c = 0; c < m->n_columns; c++) m->filled[c] = false;
    for (int i = 0; i < n; i++) {
        int c = 0;
        while (c < m->n_columns && strcmp(m->columns[c], names[i])) c++;
        if (c == m->n_columns) {
            char header[256];
            size_t used = (size_t)snprintf(header, sizeof header, "step,wall_time");
            for (int k = 0; k < m->n_columns && used < sizeof header; k++)
                used += (size_t)snprintf(header + used, sizeof header - used, ",%s", m->columns[k]);
            return GANC_ERR(GANC_ERR_ARG, "metrics csv %s: \"%s\" is not a column of the header (%s)", m->path, names[i],
                            header);
        }
        m->filled[c] = true;
        m->cells[c] = values[i];
    }
    if (new_header) write_header(m);
    fprintf(m->f, "%ld,%.3f", step, wall_time);
    for (int c = 0; c < m->n_columns; c++) {
        if (m->filled[c])
            fprintf(m->f, ",%.9g", m->cells[c]);
        else
            fputc(',', m->f);
    }
    fputc('\n', m->f);
    if (ferror(m->f)) m->status = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot write: %s", m->path, strerror(errno));
    return m->status;
}

ganc_status metrics_csv_flush(metrics_csv *m) {
    if (!m) return GANC_ERR(GANC_ERR_ARG, "metrics csv: writer is NULL");
    if (!m->status && fflush(m->f) != 0)
        m->status = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot write: %s", m->path, strerror(errno));
    return m->status;
}

ganc_status metrics_csv_close(metrics_csv *m) {
    if (!m) return GANC_OK;
    ganc_status st = m->status;
    if (m->f && fclose(m->f) != 0 && !st)
        st = GANC_ERR(GANC_ERR_IO, "metrics csv %s: cannot write: %s", m->path, strerror(errno));
    for (int c = 0; c < m->n_columns; c++) free(m->columns[c]);
    free(m->columns);
    free(m->cells);
    free(m->filled);
    free(m->path);
    free(m);
    return st;
}
