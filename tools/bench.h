#ifndef GANC_TOOLS_BENCH_H
#define GANC_TOOLS_BENCH_H

#include <stdbool.h>

#include "core/device.h"

/* `ganc bench <what>` subcommands; argv starts at <what>. */
int bench_ops(int argc, char **argv);
/* bench ops --device cuda[:N] [--tf32] (tools/bench_ops_cuda.c) on GPU d. */
int bench_ops_cuda(device d, int repeat, bool tf32);
/* Synthetic-face rendering speed per style (tools/bench_synth.c). */
int bench_synth(int argc, char **argv);

#endif
