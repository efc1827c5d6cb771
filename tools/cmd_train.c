/* ganc train <experiment.ini> [--set section.key=value ...] [--resume]
 *            [--device cpu|cuda[:N]|auto] [--skip-bad-images]
 * Ctrl-C or SIGTERM saves a checkpoint and exits cleanly; a second Ctrl-C
 * kills at once. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tools/commands.h"
#include "tools/trainer.h"

#define MAX_OVERRIDES 64

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    stop_requested = 1;
    signal(sig, SIG_DFL);
}

static int usage(void) {
    fprintf(stderr, "usage: ganc train <experiment.ini> [--set section.key=value ...] [--resume]\n"
                    "                  [--device cpu|cuda[:N]|auto] [--skip-bad-images]\n");
    return 2;
}

int cmd_train(int argc, char **argv) {
    const char *overrides[MAX_OVERRIDES];
    trainer_options o = {.overrides = overrides};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && o.n_overrides < MAX_OVERRIDES) overrides[o.n_overrides++] = argv[++i];
        else if (strcmp(argv[i], "--resume") == 0) o.resume = true;
        else if (strcmp(argv[i], "--skip-bad-images") == 0) o.skip_bad_images = true;
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) o.device = argv[++i];
        else if (argv[i][0] != '-' && !o.config_path) o.config_path = argv[i];
        else return usage();
    }
    if (!o.config_path) return usage();
    stop_requested = 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    trainer tr;
    ganc_status st = trainer_open(&tr, &o, &stop_requested);
    if (!st) st = trainer_run(&tr);
    if (st) fprintf(stderr, "ganc train: %s\n", ganc_error_message());
    trainer_close(&tr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    return st ? 1 : 0;
}
