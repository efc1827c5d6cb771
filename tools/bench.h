#ifndef GANC_TOOLS_BENCH_H
#define GANC_TOOLS_BENCH_H

#include <stdbool.h>

#include "core/device.h"

/* `ganc bench <what>` subcommands; argv starts at <what>. */
int bench_ops(int argc, char **argv);
/* bench ops --device cuda[:N] [--tf32] (tools/bench_ops_cuda.c) on GPU d. */
int bench_ops_cuda(device d, int repeat, bool tf32);
/* One training step of a recipe (CycleGAN by default) and one generator
 * forward pass, with memory and the first losses (tools/bench_train.c). */
int bench_train(int argc, char **argv);
int bench_infer(int argc, char **argv);
/* Synthetic-face rendering speed per style (tools/bench_synth.c). */
int bench_synth(int argc, char **argv);

#endif
