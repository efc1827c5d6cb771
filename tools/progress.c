#include "tools/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The terminal's width when `out` is one, else 0. */
static int terminal_columns(const progress *p) {
    struct winsize ws;
    if (p->tty && ioctl(fileno(p->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
    return 0;
}

void progress_init(progress *p, FILE *out, int log_every) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out));
    p->log_every = log_every < 1 ? 1 : log_every;
    /* $COLUMNS where the size cannot be asked (a terminal behind some wrappers). */
    const char *env = getenv("COLUMNS");
    char *end;
    long columns = env ? strtol(env, &end, 10) : 0;
    p->columns = env && *end == '\0' && columns > 20 && columns < 10000 ? (int)columns : 80;
    int asked = terminal_columns(p);
    if (asked) p->columns = asked;
}

void progress_set_epoch(progress *p, long epoch, long epochs) {
    p->epoch = epoch;
    p->epochs = epochs;
}

void progress_log_next(progress *p) { p->log_next = true; }

void progress_set_lr(progress *p, const char *text) { snprintf(p->lr, sizeof p->lr, "%s", text ? text : ""); }

double progress_rate(const progress *p) {
    if (p->n_window < 2) return 0;
    int oldest = (p->newest - p->n_window + 1 + PROGRESS_WINDOW) % PROGRESS_WINDOW;
    double dt = p->window[p->newest].time - p->window[oldest].time;
    long ds = p->window[p->newest].step - p->window[oldest].step;
    return dt > 0 && ds > 0 ? (double)ds / dt : 0;
}

static void add_sample(progress *p, double now, long step) {
    if (p->n_window) {
        /* A restarted count (a new phase) makes the old samples meaningless. */
        if (step < p->window[p->newest].step) p->n_window = 0;
        else if (now - p->window[p->newest].time < PROGRESS_SAMPLE_S) return;
    }
    p->newest = p->n_window ? (p->newest + 1) % PROGRESS_WINDOW : 0;
    p->window[p->newest].step = step;
    p->window[p->newest].time = now;
    if (p->n_window < PROGRESS_WINDOW) p->n_window++;
}

static void format_duration(char *buf, size_t size, double s) {
    long t = (long)(s + 0.5);
    if (t < 60)
        snprintf(buf, size, "%lds", t);
    else if (t < 3600)
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

/* Appends printf-style text; the line is cut silently at its end. */
static void append(char *buf, size_t size, size_t *used, const char *fmt, ...) {
    if (*used + 1 >= size) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n > 0) *used = *used + (size_t)n < size ? *used + (size_t)n : size - 1;
}

/* Step, epoch, bar, rate, ETA and lr: everything but the losses. */
static void format_head(const progress *p, char *buf, size_t size, bool bar, long step, long total) {
    size_t used = 0;
    buf[0] = '\0';
    append(buf, size, &used, "step %ld/%ld", step, total);
    if (p->epochs > 0) append(buf, size, &used, " epoch %ld/%ld", p->epoch, p->epochs);
    if (bar) {
        int filled = total > 0 ? (int)(PROGRESS_BAR * (step < total ? step : total) / total) : 0;
        char cells[PROGRESS_BAR + 1];
        for (int i = 0; i < PROGRESS_BAR; i++) cells[i] = i < filled ? '#' : '.';
        cells[PROGRESS_BAR] = '\0';
        append(buf, size, &used, " [%s]", cells);
    }
    double rate = progress_rate(p);
    char eta[32] = "--";
    if (rate > 0 && step <= total) format_duration(eta, sizeof eta, (double)(total - step) / rate);
    /* Slow steps (big models on a CPU) read better as seconds per step. */
    if (rate >= 1)
        append(buf, size, &used, " %.1f it/s", rate);
    else if (rate > 0)
        append(buf, size, &used, " %.1f s/it", 1 / rate);
    else
        append(buf, size, &used, " -- it/s");
    append(buf, size, &used, " ETA %s", eta);
    if (p->lr[0]) append(buf, size, &used, " lr %s", p->lr);
}

/* The plain line: the head, two spaces, then every loss. */
static void format_plain(const progress *p, char *buf, size_t size, long step, long total, const char *const *names,
                         const double *values, int n) {
    format_head(p, buf, size, false, step, total);
    size_t used = strlen(buf);
    if (n > 0) append(buf, size, &used, " ");
    for (int i = 0; i < n; i++) append(buf, size, &used, " %s %.3g", names[i], values[i]);
}

/* The TTY status: rows of at most `width` characters, the losses after the
 * head when they all fit there, else packed on indented rows below it;
 * returns the row count. */
static int format_rows(const progress *p, char rows[PROGRESS_ROWS][PROGRESS_LINE], size_t width, long step,
                       long total, const char *const *names, const double *values, int n) {
    size_t size = width + 1 < PROGRESS_LINE ? width + 1 : PROGRESS_LINE;
    format_head(p, rows[0], size, true, step, total);
    int row = 0;
    size_t used = strlen(rows[0]), all = 1;
    char item[96];
    for (int i = 0; i < n; i++) all += 1 + (size_t)snprintf(item, sizeof item, "%s %.3g", names[i], values[i]);
    /* Losses that do not all fit after the head start on a row of their own. */
    bool own_rows = n > 0 && used + all > width;
    for (int i = 0; i < n; i++) {
        int len = snprintf(item, sizeof item, "%s %.3g", names[i], values[i]);
        const char *sep = i == 0 ? "  " : " ";
        if ((i == 0 && own_rows) || used + strlen(sep) + (size_t)len > width) {
            if (row + 1 == PROGRESS_ROWS) break; /* the rest is in the log file and metrics.csv */
            row++;
            used = 0;
            rows[row][0] = '\0';
            sep = "  ";
        }
        append(rows[row], size, &used, "%s%s", sep, item);
    }
    return row + 1;
}

void progress_update_at(progress *p, double now, long step, long total, const char *const *names,
                        const double *values, int n) {
    add_sample(p, now, step);
    bool last = step >= total;
    if (p->tty) {
        if (!last && p->line_open && now - p->last_draw < PROGRESS_REDRAW_S) return;
        int asked = terminal_columns(p);
        if (asked) p->columns = asked;
        /* One column spare: a row that fills the terminal would wrap on some of them. */
        size_t width = p->columns > 1 ? (size_t)p->columns - 1 : 1;
        char rows[PROGRESS_ROWS][PROGRESS_LINE];
        int n_rows = format_rows(p, rows, width, step, total, names, values, n);
        /* Back to the first row of the last status; \x1b[K clears what a longer row left behind. */
        if (p->line_open && p->rows_shown > 1) fprintf(p->out, "\x1b[%dA", p->rows_shown - 1);
        fputc('\r', p->out);
        for (int r = 0; r < n_rows; r++) fprintf(p->out, "%s\x1b[K%s", rows[r], r + 1 < n_rows ? "\n" : "");
        if (p->line_open && p->rows_shown > n_rows) fputs("\x1b[J", p->out); /* rows left below */
        p->line_open = true;
        p->rows_shown = n_rows;
        p->last_draw = now;
    } else {
        if (!last && !p->log_next && step % p->log_every != 0) return;
        p->log_next = false;
        char line[PROGRESS_LINE * PROGRESS_ROWS];
        format_plain(p, line, sizeof line, step, total, names, values, n);
        fprintf(p->out, "%s\n", line);
    }
    fflush(p->out);
}

void progress_update(progress *p, long step, long total, const char *const *names, const double *values, int n) {
    progress_update_at(p, monotonic_seconds(), step, total, names, values, n);
}

/* Clears the redrawn status and leaves the cursor where it began. */
static void clear_status(progress *p) {
    if (!p->line_open) return;
    if (p->rows_shown > 1)
        fprintf(p->out, "\x1b[%dA\r\x1b[J", p->rows_shown - 1);
    else
        fputs("\r\x1b[K", p->out);
}

void progress_message(progress *p, const char *fmt, ...) {
    clear_status(p);
    p->line_open = false;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    fflush(p->out);
}

void progress_finish(progress *p) {
    if (p->line_open) {
        fputc('\n', p->out);
        fflush(p->out);
    }
    p->line_open = false;
}
