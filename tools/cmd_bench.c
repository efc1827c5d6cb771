/* ganc bench <ops|...>: dispatches to one benchmark. */
#include <stdio.h>
#include <string.h>

#include "tools/bench.h"
#include "tools/commands.h"

int cmd_bench(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "ops") == 0) return bench_ops(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "synth") == 0) return bench_synth(argc - 1, argv + 1);
    fprintf(stderr, "usage: ganc bench ops [--repeat N] [--device cpu|cuda[:N]] [--tf32]\n"
                    "       ganc bench synth [--size S] [--seconds T] [--style S]\n");
    return 2;
}
