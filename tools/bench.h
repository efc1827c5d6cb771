#ifndef GANC_TOOLS_BENCH_H
#define GANC_TOOLS_BENCH_H

/* `ganc bench <what>` subcommands; argv starts at <what>. */
int bench_ops(int argc, char **argv);
/* Synthetic-face rendering speed per style (tools/bench_synth.c). */
int bench_synth(int argc, char **argv);

#endif
