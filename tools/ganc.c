/* The ganc command: dispatches to a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cpu/blas_reserve.h"
#include "core/cpu/conv_packed.h"
#include "core/error.h"
#include "core/real.h"
#include "tools/build_info.h"
#include "tools/commands.h"

/* ganc parallelises with OpenMP and calls OpenBLAS single-threaded
 * (core/cpu/linalg_cpu.c), but OpenBLAS still starts its own thread pool when
 * it is loaded, unless OPENBLAS_NUM_THREADS says 1 by then. Those threads
 * spin beside OpenMP's, and under a memory limit (ulimit -v) each loops
 * forever on its failed 128 MiB buffer and blocks the exit. The variable is
 * read once, at load time, so the process starts again with it set (a value
 * the user set is kept; without /proc the start goes on as it is). */
static void restart_without_blas_pool(char **argv) {
    if (getenv("OPENBLAS_NUM_THREADS")) return;
    setenv("OPENBLAS_NUM_THREADS", "1", 0);
    execv("/proc/self/exe", argv);
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train an experiment: ganc train experiments/cyclegan/cyclegan.ini"},
    {"translate", cmd_translate, "run a trained generator over images"},
    {"info", cmd_info, "describe a checkpoint, safetensors file or ONNX model"},
    {"export", cmd_export, "export a trained network to ONNX or safetensors"},
    {"eval", cmd_eval, "metrics of trained checkpoints on held-out data (table and CSV)"},
    {"gradcheck", cmd_gradcheck, "finite-difference gradient checks of every op"},
    {"bench", cmd_bench, "benchmarks (bench ops|train|infer|synth)"},
    {"device", cmd_device, "show which device --device would pick"},
    {"synth", cmd_synth, "render synthetic faces with labels"},
    {"pinch", cmd_pinch, "bone parameters of a face photo and its virtual face (face_pinch)"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: ganc <command> [options]   (%s build)\n\ncommands:\n", REAL_NAME);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s %s\n", "help", "help COMMAND: the options of a command (the same as ganc COMMAND --help)");
    fprintf(out, "\n`ganc <command> --help` describes a command; `ganc --version` the version and the build.\n");
}

static const command *find_command(const char *name) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0) return &commands[i];
    return NULL;
}

static int unknown_command(const char *name) {
    fprintf(stderr, "ganc: unknown command \"%s\"\n", name);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv) {
    restart_without_blas_pool(argv);
    /* A log redirected to a file keeps every line a crash or the OOM killer leaves behind. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        build_info_print(stdout);
        return 0;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "ganc: unknown option %s (options follow the command: ganc <command> --help)\n", argv[1]);
        usage(stderr);
        return 2;
    }
    const char *conv_choice = conv_packed_bad_choice();
    if (conv_choice) {
        fprintf(stderr, "ganc: GANC_CPU_CONV = \"%s\": expected blas or packed (or unset)\n", conv_choice);
        return 1;
    }
    if (cpu_blas_reserve() != GANC_OK) {
        fprintf(stderr, "ganc: %s\n", ganc_error_message());
        return 1;
    }
    if (strcmp(argv[1], "help") == 0) {
        const command *c = find_command(argv[2]);
        if (!c) return unknown_command(argv[2]);
        char help[] = "--help";
        char *args[] = {argv[2], help, NULL};
        return c->run(2, args);
    }
    const command *c = find_command(argv[1]);
    return c ? c->run(argc - 1, argv + 1) : unknown_command(argv[1]);
}
