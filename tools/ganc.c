/* The ganc command: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "core/cpu/conv_packed.h"
#include "core/real.h"
#include "tools/commands.h"

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
    fprintf(out, "\n`ganc <command> --help` describes a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *conv_choice = conv_packed_bad_choice();
    if (conv_choice) {
        fprintf(stderr, "ganc: GANC_CPU_CONV = \"%s\": expected blas or packed (or unset)\n", conv_choice);
        return 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "ganc: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
