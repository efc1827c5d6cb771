#include "tools/progress.h"

#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double monotonic_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_init(progress *p, FILE *out, int log_every) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out));
    p->log_every = log_every < 1 ? 1 : log_every;
    p->columns = 80;
    struct winsize ws;
    if (p->tty && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) p->columns = ws.ws_col;
}

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

static void format_line(const progress *p, char *buf, size_t size, bool bar, long step, long total,
                        const char *const *names, const double *values, int n) {
    size_t used = 0;
    buf[0] = '\0';
    append(buf, size, &used, "step %ld/%ld", step, total);
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
    if (n > 0) append(buf, size, &used, " ");
    for (int i = 0; i < n; i++) append(buf, size, &used, " %s %.3g", names[i], values[i]);
}

void progress_update_at(progress *p, double now, long step, long total, const char *const *names,
                        const double *values, int n) {
    add_sample(p, now, step);
    bool last = step >= total;
    char line[512];
    if (p->tty) {
        if (!last && p->line_open && now - p->last_draw < PROGRESS_REDRAW_S) return;
        size_t width = (size_t)p->columns < sizeof line ? (size_t)p->columns : sizeof line;
        format_line(p, line, width, true, step, total, names, values, n);
        /* \r returns to the line start, \x1b[K clears what a longer line left behind. */
        fprintf(p->out, "\r%s\x1b[K", line);
        p->line_open = true;
        p->last_draw = now;
    } else {
        if (!last && step % p->log_every != 0) return;
        format_line(p, line, sizeof line, false, step, total, names, values, n);
        fprintf(p->out, "%s\n", line);
    }
    fflush(p->out);
}

void progress_update(progress *p, long step, long total, const char *const *names, const double *values, int n) {
    progress_update_at(p, monotonic_seconds(), step, total, names, values, n);
}

void progress_message(progress *p, const char *fmt, ...) {
    if (p->line_open) fputs("\r\x1b[K", p->out);
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
