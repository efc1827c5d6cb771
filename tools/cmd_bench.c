/* ganc bench <ops|train|infer|synth>: dispatches to one benchmark; the
 * help of every benchmark lives here, so `ganc bench X --help` never runs it. */
#include <stdio.h>
#include <string.h>

#include "tools/bench.h"
#include "tools/commands.h"

static const char OPS_HELP[] =
    "usage: ganc bench ops [--repeat N] [--device cpu|cuda[:N]] [--tf32]\n"
    "Times every op's forward and backward pass and compares the GEMMs with the CPU's FMA peak (docs/bench.md).\n"
    "  --repeat N      timed repetitions of each op, 1..64 (default 10)\n"
    "  --device D      cpu (default), cuda or cuda:N\n"
    "  --tf32          on a GPU, TF32 tensor-core math for GEMMs and convolutions\n";

static const char TRAIN_HELP[] =
    "usage: ganc bench train|infer [options]\n"
    "Times CycleGAN training steps (train) or generator forward passes (infer) on random images.\n"
    "  --config FILE.ini   experiment to time (default: the built-in CycleGAN)\n"
    "  --set S.K=V         override one config key (repeatable)\n"
    "  --device D          cpu (default), cuda or cuda:N\n"
    "  --tf32              on a GPU, TF32 tensor-core math\n"
    "  --size N            image side, 4..4096 (default 128)\n"
    "  --blocks N          generator residual blocks (G.n_blocks)\n"
    "  --ngf N             generator width (G.ngf)\n"
    "  --ndf N             discriminator width (D.ndf)\n"
    "  --batch N           images per step, 1..1024 (default 1)\n"
    "  --iters N           timed iterations, 1..10000 (default 20)\n"
    "  --warmup N          untimed iterations first, 0..1000 (default 3)\n"
    "  --seed N            train.seed\n"
    "  --init CHECKPOINT   start from these weights instead of a fresh initialisation\n"
    "  --inputs FILE       the images (a safetensors file) instead of random ones\n"
    "  --dump-init DIR     write the initial weights and inputs into DIR\n"
    "  --json              one JSON object on stdout instead of the table\n";

static const char SYNTH_HELP[] =
    "usage: ganc bench synth [--size S] [--seconds T] [--style NAME]\n"
    "Faces rendered per second by `ganc synth`, per style.\n"
    "  --size S        image side, 16..4096 (default 128)\n"
    "  --seconds T     time spent on each style (default 1)\n"
    "  --style NAME    only this style: photo, cartoon, virtual or animal\n";

static const char USAGE[] =
    "usage: ganc bench ops|train|infer|synth [options]\n"
    "  ops     time every op against the CPU's FMA peak\n"
    "  train   time CycleGAN training steps\n"
    "  infer   time generator forward passes\n"
    "  synth   time the face renderer\n"
    "`ganc bench ops|train|infer|synth --help` lists a benchmark's options.\n";

static bool asks_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

int cmd_bench(int argc, char **argv) {
    static const struct {
        const char *name, *help;
        int (*run)(int argc, char **argv);
    } benches[] = {{"ops", OPS_HELP, bench_ops},
                   {"train", TRAIN_HELP, bench_train},
                   {"infer", TRAIN_HELP, bench_infer},
                   {"synth", SYNTH_HELP, bench_synth}};
    if (argc >= 2)
        for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++)
            if (strcmp(argv[1], benches[i].name) == 0) {
                if (!asks_help(argc - 1, argv + 1)) return benches[i].run(argc - 1, argv + 1);
                fputs(benches[i].help, stdout);
                return 0;
            }
    if (argc >= 2 && asks_help(argc, argv)) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (argc >= 2) fprintf(stderr, "ganc bench: unknown benchmark \"%s\"\n", argv[1]);
    fputs(USAGE, stderr);
    return 2;
}
