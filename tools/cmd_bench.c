/* ganc bench <ops|train|infer|synth>: dispatches to one benchmark. */
#include <stdio.h>
#include <string.h>

#include "tools/bench.h"
#include "tools/commands.h"

int cmd_bench(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "ops") == 0) return bench_ops(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "train") == 0) return bench_train(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "infer") == 0) return bench_infer(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "synth") == 0) return bench_synth(argc - 1, argv + 1);
    fprintf(stderr, "usage: ganc bench ops [--repeat N] [--device cpu|cuda[:N]] [--tf32]\n"
                    "       ganc bench train|infer [--size 128] [--blocks 6] [--ngf 32] [--batch 1] [--iters 20] "
                    "[--device cpu|cuda[:N]] [--json] ... (docs/bench.md)\n"
                    "       ganc bench synth [--size S] [--seconds T] [--style S]\n");
    return 2;
}
