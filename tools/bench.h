#ifndef GANC_TOOLS_BENCH_H
#define GANC_TOOLS_BENCH_H

/* `ganc bench <what>` subcommands; argv starts at <what>. */
int bench_ops(int argc, char **argv);

#endif
