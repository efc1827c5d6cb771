/* ganc train <experiment.ini> [--set section.key=value ...] [--resume]
 *            [--allow-change KEY[,KEY]] [--device cpu|cuda[:N]|auto]
 *            [--skip-bad-images] [--help]
 * Ctrl-C or SIGTERM saves a checkpoint at the end of the step and exits
 * cleanly; a second one kills at once, and so does the first when no step
 * ends within GANC_STOP_GRACE_S seconds (default 60). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/trainer.h"

#define MAX_OVERRIDES 64
#define MAX_OVERRIDES_TEXT "64"

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

static void usage(FILE *out) {
    fprintf(out,
            "usage: ganc train <experiment.ini> [options]\n"
            "Trains the experiment the INI file describes; writes [train] out: checkpoints/, metrics.csv,\n"
            "tensorboard/, samples/, config.ini (the resolved config) and networks.txt.\n"
            "\n"
            "options:\n"
            "  --set section.key=value     override one config key (repeatable; values up to 1023 characters)\n"
            "  --resume                    continue the run in [train] out from its latest checkpoint; the\n"
            "                              config must equal the stored one, apart from [train] steps,\n"
            "                              epochs, device, out, log_every, sample_every, checkpoint_every\n"
            "  --allow-change KEY[,KEY]    with --resume: let these keys (section.key) or whole sections\n"
            "                              differ from the stored config; each change is printed (repeatable)\n"
            "  --device cpu|cuda[:N]|auto  where to train (overrides [train] device; default cpu)\n"
            "  --skip-bad-images           skip unreadable images (counted and logged) instead of stopping\n"
            "  -h, --help                  print this help and exit\n"
            "\n"
            "Progress goes to stderr: redrawn on a terminal, one line every log_every steps otherwise; the\n"
            "losses shown are means since the last log step, the values metrics.csv gets. Ctrl-C or SIGTERM\n"
            "saves a checkpoint at the end of the step; a second signal, or no step end within\n"
            "GANC_STOP_GRACE_S seconds (default 60), stops at once.\n");
}

/* A usage error: what is wrong, then where to read more. */
static int bad_usage(const char *what, const char *arg) {
    fprintf(stderr, "ganc train: %s%s%s (see ganc train --help)\n", what, arg ? " " : "", arg ? arg : "");
    return 2;
}

int cmd_train(int argc, char **argv) {
    const char *overrides[MAX_OVERRIDES], *allowed[MAX_OVERRIDES];
    trainer_options o = {.overrides = overrides, .allowed_changes = allowed};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool takes_value = strcmp(a, "--set") == 0 || strcmp(a, "--allow-change") == 0 || strcmp(a, "--device") == 0;
        if (takes_value && i + 1 >= argc) return bad_usage("missing value after", a);
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--set") == 0) {
            if (o.n_overrides == MAX_OVERRIDES) return bad_usage("more than " MAX_OVERRIDES_TEXT " --set options", NULL);
            overrides[o.n_overrides++] = argv[++i];
        } else if (strcmp(a, "--resume") == 0) {
            o.resume = true;
        } else if (strcmp(a, "--allow-change") == 0) {
            /* a comma list or one name per flag; argv's strings are the program's to split */
            for (char *name = strtok(argv[++i], ","); name; name = strtok(NULL, ",")) {
                if (o.n_allowed_changes == MAX_OVERRIDES)
                    return bad_usage("more than " MAX_OVERRIDES_TEXT " --allow-change keys", NULL);
                allowed[o.n_allowed_changes++] = name;
            }
        } else if (strcmp(a, "--skip-bad-images") == 0) {
            o.skip_bad_images = true;
        } else if (strcmp(a, "--device") == 0) {
            o.device = argv[++i];
        } else if (a[0] == '-') {
            return bad_usage("unknown option", a);
        } else if (o.config_path) {
            return bad_usage("a second experiment file:", a);
        } else {
            o.config_path = a;
        }
    }
    if (!o.config_path) return bad_usage("no experiment file given", NULL);
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
