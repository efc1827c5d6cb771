#ifndef GANC_TOOLS_EXPORT_H
#define GANC_TOOLS_EXPORT_H

/* Exporting one trained network (docs/export.md): an ONNX model for
 * inference runtimes, or its weights as safetensors under the names of the
 * reference PyTorch architectures. */

#include "layers/network.h"

#define ONNX_OPSET_MIN 13
#define ONNX_OPSET_MAX 21
#define ONNX_OPSET_DEFAULT 17

typedef struct {
    int opset;          /* ONNX_OPSET_MIN..ONNX_OPSET_MAX; 0: ONNX_OPSET_DEFAULT */
    int input_shape[4]; /* (N,C,H,W): the declared input; the network is run on it first, as a check */
    int input_ndim;     /* 4, or 2 for (N,F) feature vectors (an MLP); 0: 4 */
    bool dynamic;       /* N, H and W symbolic ("batch", "height", "width"); C (or F) stays fixed */
    const char *config; /* stored as metadata "config"; may be NULL */
} onnx_export_opts;

/* Writes net's eval-mode forward as an ONNX model: input "input", output
 * "output" (then any extra outputs the network declares), weights as
 * initializers named as in PyTorch's state_dict, metadata architecture,
 * arch, network and config. An error names the layer without an ONNX
 * mapping, or the input shape the network refuses. The network's mode is
 * restored afterwards. */
ganc_status onnx_export_network(network *net, const onnx_export_opts *o, const char *path);

/* Writes net's parameters and buffers under their names without the
 * network's prefix ("model.1.weight"), so PyTorch's load_state_dict takes
 * them as they are; BatchNorm's num_batches_tracked is an int64 scalar, as
 * in PyTorch. Metadata: architecture (the PyTorch class), arch (ganc's),
 * network, config (when given). */
ganc_status safetensors_export_network(const network *net, const char *config_text, const char *path);

#endif
