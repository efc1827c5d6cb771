/* ganc train <experiment.ini> [--set section.key=value ...] [--resume]
 *            [--device cpu|cuda[:N]|auto] [--skip-bad-images]
 * Ctrl-C or SIGTERM saves a checkpoint at the end of the step and exits
 * cleanly; a second one kills at once, and so does the first when no step
 * ends within GANC_STOP_GRACE_S seconds (default 60). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/trainer.h"

#define MAX_OVERRIDES 64

#define DEFAULT_STOP_GRACE_S 60

static volatile sig_atomic_t stop_requested;
static unsigned stop_grace_s;

/* A step that never ends (a library stuck in a loop, a hung device) must not
 * make the signal useless: SIGALRM's default action ends the process when
 * the grace runs out. The last complete checkpoint stays as it was (a save
 * cut short leaves only a temporary file, removed by the next run). */
static void on_signal(int sig) {
    static const char note[] = "\nganc train: stopping: a checkpoint is saved at the end of this step "
                               "(a second signal, or no step end within GANC_STOP_GRACE_S, stops at once)\n";
    stop_requested = 1;
    signal(sig, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    alarm(stop_grace_s);
    ssize_t ignored = write(STDERR_FILENO, note, sizeof note - 1);
    (void)ignored;
}

/* GANC_STOP_GRACE_S: seconds from a stop signal to the forced end (1 to 86400). */
static ganc_status read_stop_grace(void) {
    const char *text = getenv("GANC_STOP_GRACE_S");
    long seconds = DEFAULT_STOP_GRACE_S;
    if (text && !cli_parse_long(text, 1, 86400, &seconds))
        return GANC_ERR(GANC_ERR_ARG, "GANC_STOP_GRACE_S = \"%s\": expected whole seconds from 1 to 86400", text);
    stop_grace_s = (unsigned)seconds;
    return GANC_OK;
}

static int usage(void) {
    fprintf(stderr, "usage: ganc train <experiment.ini> [--set section.key=value ...] [--resume]\n"
                    "                  [--allow-change section.key[,...]] [--device cpu|cuda[:N]|auto]\n"
                    "                  [--skip-bad-images]\n");
    return 2;
}

int cmd_train(int argc, char **argv) {
    const char *overrides[MAX_OVERRIDES], *allowed[MAX_OVERRIDES];
    trainer_options o = {.overrides = overrides, .allowed_changes = allowed};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && o.n_overrides < MAX_OVERRIDES) overrides[o.n_overrides++] = argv[++i];
        else if (strcmp(argv[i], "--resume") == 0) o.resume = true;
        else if (strcmp(argv[i], "--allow-change") == 0 && i + 1 < argc) {
            /* a comma list or one name per flag; argv's strings are the program's to split */
            for (char *name = strtok(argv[++i], ","); name && o.n_allowed_changes < MAX_OVERRIDES;
                 name = strtok(NULL, ","))
                allowed[o.n_allowed_changes++] = name;
        }
        else if (strcmp(argv[i], "--skip-bad-images") == 0) o.skip_bad_images = true;
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) o.device = argv[++i];
        else if (argv[i][0] != '-' && !o.config_path) o.config_path = argv[i];
        else return usage();
    }
    if (!o.config_path) return usage();
    if (read_stop_grace()) {
        fprintf(stderr, "ganc train: %s\n", ganc_error_message());
        return 1;
    }
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
