#ifndef GANC_TOOLS_PROGRESS_H
#define GANC_TOOLS_PROGRESS_H

/* Training progress on the terminal. On a TTY the status is redrawn in place
 *   step 620/2000 epoch 7/20 [###.......] 3.4 it/s ETA 6m46s lr 0.0002
 *     D_A 0.251 G_A 0.613 cycle_A 0.84 ...
 * at most every PROGRESS_REDRAW_S seconds (and at the last step): losses
 * that do not fit the terminal width (TIOCGWINSZ, else $COLUMNS, else 80;
 * asked again at each redraw) go on further rows, up to PROGRESS_ROWS, so
 * no row ever wraps. Otherwise (a log file, a pipe) the same text without
 * the bar is printed as one line every log_every steps and at the last
 * step. The rate comes from a moving window of recent steps, so it follows
 * changes of speed and ignores the slow first step. The values shown are
 * the caller's (the trainer passes means over the open log interval). */

#include <stdbool.h>
#include <stdio.h>

#define PROGRESS_WINDOW 16    /* samples of (step, time) behind the rate */
#define PROGRESS_SAMPLE_S 0.25 /* least time between two samples */
#define PROGRESS_REDRAW_S 0.1
#define PROGRESS_BAR 10       /* characters of the bar */
#define PROGRESS_ROWS 4       /* most terminal rows of the redrawn status */
#define PROGRESS_LINE 512     /* bytes of one row */

typedef struct progress {
    FILE *out;
    bool tty;      /* redraw one line; set by progress_init from isatty */
    int log_every; /* steps between plain lines when not a TTY */
    int columns;   /* terminal width: TTY rows are at most columns - 1 */
    long epoch, epochs; /* shown when epochs > 0 */
    char lr[48];        /* shown when not empty */
    double last_draw;
    bool line_open; /* a TTY status is shown without its newline */
    int rows_shown; /* rows of that status */
    bool log_next;  /* set by progress_log_next */
    struct {
        long step;
        double time;
    } window[PROGRESS_WINDOW];
    int n_window, newest;
} progress;

/* log_every < 1 counts as 1. */
void progress_init(progress *p, FILE *out, int log_every);

/* Shown from the next update on: "epoch E/N" and "lr TEXT" (NULL or ""
 * hides it). */
void progress_set_epoch(progress *p, long epoch, long epochs);
void progress_set_lr(progress *p, const char *text);

/* The next update prints its plain line (not on a TTY) even between log
 * steps: for a run that ends early. */
void progress_log_next(progress *p);

/* `step` steps of `total` are done; names[i] = values[i] are the
 * losses to show (n may be 0). */
void progress_update(progress *p, long step, long total, const char *const *names, const double *values, int n);
/* The same at time `now` (seconds on any monotonic clock): for tests. */
void progress_update_at(progress *p, double now, long step, long total, const char *const *names,
                        const double *values, int n);

/* Steps per second over the window; 0 while unknown. */
double progress_rate(const progress *p);

/* Prints a line of its own (a checkpoint saved, a sample written) without
 * breaking the redrawn status, which comes back at the next update. */
void progress_message(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends a redrawn status with its newline; call after the last update. */
void progress_finish(progress *p);

#endif
