/* ganc export --checkpoint C --net NAME --format onnx|safetensors --out FILE
 *            [--opset 17] [--input-shape NxCxHxW | --dynamic]
 * One network of a training checkpoint as an ONNX model or as safetensors
 * under the reference PyTorch names (docs/export.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/architectures.h"
#include "layers/module.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/export.h"
#include "tools/onnx_info.h"
#include "tools/trainer.h"

static void usage(FILE *out) {
    fprintf(out, "usage: ganc export --checkpoint C --net NAME --format onnx|safetensors --out FILE\n"
                 "                   [--opset %d] [--input-shape NxCxHxW|NxF | --dynamic]\n"
                 "One network of a training checkpoint as an ONNX model or as safetensors under the PyTorch names\n"
                 "(docs/export.md).\n"
                 "  --checkpoint C  a checkpoint written by ganc train\n"
                 "  --net NAME      the network to export (G_A, G_B, D_A, ...; an unknown name lists them)\n"
                 "  --format F      onnx or safetensors\n"
                 "  --out FILE      the file to write (never one of the inputs)\n"
                 "  --opset N       ONNX opset, %d..%d (default %d)\n"
                 "  --input-shape   the ONNX input, NxCxHxW or NxF for an MLP (default 1 x in_channels x crop_size x\n"
                 "                  crop_size; 1 x in_features for an MLP)\n"
                 "  --dynamic       ONNX input with symbolic batch, height and width\n"
                 "  --help          this text\n",
            ONNX_OPSET_DEFAULT, ONNX_OPSET_MIN, ONNX_OPSET_MAX, ONNX_OPSET_DEFAULT);
}

typedef struct {
    const char *checkpoint, *net, *format, *out, *input_shape;
    int opset;
    bool dynamic, help;
} export_args;

/* "1x3x256x256", or "1x512" for a network on feature vectors (an MLP). */
static ganc_status parse_shape(const char *text, int shape[4], int *ndim) {
    const char *p = text;
    bool more = true;
    int d = 0;
    for (; more && d < 4; d++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1 << 20 || (*end != 'x' && *end != '\0')) break;
        shape[d] = (int)v;
        more = *end == 'x';
        p = end + 1;
    }
    if (more || (d != 2 && d != 4))
        return GANC_ERR(GANC_ERR_ARG, "export: --input-shape %s: expected NxCxHxW (images) or NxF (feature vectors) "
                        "with positive integers", text);
    *ndim = d;
    return GANC_OK;
}

static ganc_status parse_args(int argc, char **argv, export_args *a) {
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(k, "--help") == 0 || strcmp(k, "-h") == 0) {
            a->help = true;
            return GANC_OK;
        }
        if (strcmp(k, "--dynamic") == 0) {
            a->dynamic = true;
            continue;
        }
        const char **slot = strcmp(k, "--checkpoint") == 0    ? &a->checkpoint
                            : strcmp(k, "--net") == 0         ? &a->net
                            : strcmp(k, "--format") == 0      ? &a->format
                            : strcmp(k, "--out") == 0         ? &a->out
                            : strcmp(k, "--input-shape") == 0 ? &a->input_shape
                                                              : NULL;
        const char *opset = NULL;
        if (strcmp(k, "--opset") == 0) slot = &opset;
        if (!slot) return GANC_ERR(GANC_ERR_ARG, "export: unknown option %s", k);
        if (!v) return GANC_ERR(GANC_ERR_ARG, "export: %s needs a value", k);
        *slot = v;
        i++;
        if (opset) {
            char *end;
            long n = strtol(opset, &end, 10);
            if (*end || end == opset || n < 1 || n > 1000)
                return GANC_ERR(GANC_ERR_ARG, "export: --opset %s is not a number", opset);
            a->opset = (int)n;
        }
    }
    if (!a->checkpoint || !a->net || !a->format || !a->out)
        return GANC_ERR(GANC_ERR_ARG, "export: --checkpoint, --net, --format and --out are required");
    bool onnx = strcmp(a->format, "onnx") == 0;
    if (!onnx && strcmp(a->format, "safetensors") != 0)
        return GANC_ERR(GANC_ERR_ARG, "export: --format %s: expected onnx or safetensors", a->format);
    if (!onnx && (a->opset || a->input_shape || a->dynamic))
        return GANC_ERR(GANC_ERR_ARG, "export: --opset, --input-shape and --dynamic are for --format onnx");
    if (a->input_shape && a->dynamic)
        return GANC_ERR(GANC_ERR_ARG, "export: give --input-shape (fixed sizes) or --dynamic, not both");
    return GANC_OK;
}

static ganc_status no_such_network(trainer *tr, const char *name) {
    char names[256] = "";
    for (int i = 0; i < tr->n_nets; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", tr->nets[i].net->name);
    return GANC_ERR(GANC_ERR_ARG, "export: the checkpoint has no network \"%s\" (it has %s)", name, names);
}

static ganc_status export_onnx(trainer *tr, network *net, const export_args *a, const char *config_text) {
    onnx_export_opts o = {.opset = a->opset, .dynamic = a->dynamic, .config = config_text};
    ganc_status st = GANC_OK;
    int features = mlp_in_features(net);
    if (a->input_shape) {
        st = parse_shape(a->input_shape, o.input_shape, &o.input_ndim);
    } else if (features) {
        o.input_ndim = 2;
        memcpy(o.input_shape, (int[]){1, features}, 2 * sizeof(int));
    } else {
        long crop = 0;
        int channels = network_in_channels(net);
        st = config_int(tr->cfg, "data", "crop_size", 256, 1, 16384, &crop);
        if (!st && !channels)
            st = GANC_ERR(GANC_ERR_ARG, "export: network %s does not say its input channels; give --input-shape",
                          net->name);
        if (!st) memcpy(o.input_shape, (int[]){1, channels, (int)crop, (int)crop}, sizeof o.input_shape);
    }
    if (!st) st = onnx_export_network(net, &o, a->out);
    onnx_info info;
    if (!st) st = onnx_info_read(a->out, &info);
    if (st) return st;
    printf("wrote %s: network %s as ONNX\n", a->out, net->name);
    onnx_info_print(&info, stdout, false);
    onnx_info_free(&info);
    return GANC_OK;
}

int cmd_export(int argc, char **argv) {
    export_args a = {0};
    if (parse_args(argc, argv, &a)) {
        fprintf(stderr, "ganc %s\n", ganc_error_message());
        usage(stderr);
        return 2;
    }
    if (a.help) {
        usage(stdout);
        return 0;
    }
    if (cli_check_output((cli_file){"--out", a.out}, &(cli_file){"--checkpoint", a.checkpoint}, 1)) {
        fprintf(stderr, "ganc export: %s\n", ganc_error_message());
        return 1;
    }
    trainer tr;
    ganc_status st = trainer_open_checkpoint(&tr, a.checkpoint);
    network *net = st ? NULL : trainer_network_named(&tr, a.net);
    if (!st && !net) st = no_such_network(&tr, a.net);
    char *config_text = st ? NULL : config_resolved_text(tr.cfg);
    if (!st && !config_text) st = ganc_error_status();
    if (!st && strcmp(a.format, "onnx") == 0) {
        st = export_onnx(&tr, net, &a, config_text);
    } else if (!st) {
        st = safetensors_export_network(net, config_text, a.out);
        if (!st)
            printf("wrote %s: network %s (%s) under the PyTorch names: %zu parameter tensors (%zu values), %zu "
                   "buffers\n",
                   a.out, net->name, net->root->type->name, net->params.count, net->params.numel,
                   net->buffers.count);
    }
    free(config_text);
    if (st) fprintf(stderr, "ganc export: %s\n", ganc_error_message());
    trainer_close(&tr);
    return st ? 1 : 0;
}
