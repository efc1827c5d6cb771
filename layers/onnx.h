#ifndef GANC_LAYERS_ONNX_H
#define GANC_LAYERS_ONNX_H

/* Building an ONNX graph from a module tree. Each module type maps itself
 * in its `onnx` hook (layers/module.h), next to its forward: given the
 * name of its input value, it appends nodes with onnx_node and returns the
 * name of its output value. tools/export.h drives a whole network and
 * writes the model file.
 *
 * Names follow the module tree, without the network's name: a node and its
 * output are "<module path>/<op>" ("model.1/Conv"), a parameter is the
 * initializer "<module path>.<name>" ("model.1.weight"), the name PyTorch's
 * state_dict gives it. Shared constants are "const/...".
 *
 * Errors pass through: after a failure every call returns NULL and keeps
 * the first message, so a hook checks once, at its end. A NULL input of
 * onnx_node is an omitted optional input. */

#include <stdint.h>

#include "layers/module.h"

typedef enum { ONNX_ATTR_INT, ONNX_ATTR_INTS, ONNX_ATTR_FLOAT, ONNX_ATTR_STRING } onnx_attr_kind;

#define ONNX_MAX_INTS 8

typedef struct onnx_attr {
    const char *name;
    onnx_attr_kind kind;
    int64_t i;
    float f;
    const char *s;
    int n; /* of ints */
    int64_t ints[ONNX_MAX_INTS];
} onnx_attr;

#define ONNX_INT(nm, v) ((onnx_attr){.name = (nm), .kind = ONNX_ATTR_INT, .i = (v)})
#define ONNX_FLOAT(nm, v) ((onnx_attr){.name = (nm), .kind = ONNX_ATTR_FLOAT, .f = (float)(v)})
#define ONNX_STRING(nm, v) ((onnx_attr){.name = (nm), .kind = ONNX_ATTR_STRING, .s = (v)})
#define ONNX_INTS(nm, ...)                                                                                  \
    ((onnx_attr){.name = (nm), .kind = ONNX_ATTR_INTS,                                                     \
                 .n = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), .ints = {__VA_ARGS__}})
/* Argument lists of onnx_node: ONNX_IN(x, w, b), ONNX_ATTRS(ONNX_INT("group", 1), ...), ONNX_NO_ATTRS. */
#define ONNX_IN(...) (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *[]){__VA_ARGS__}
#define ONNX_ATTRS(...) (int)(sizeof((onnx_attr[]){__VA_ARGS__}) / sizeof(onnx_attr)), (onnx_attr[]){__VA_ARGS__}
#define ONNX_NO_ATTRS 0, NULL

/* The graph of network `net` at `opset`; `run` is an eval-mode pass on a
 * CPU tape for values a hook computes once (a spectral-normalised weight). */
onnx_graph *onnx_graph_new(network *net, int opset, module_run *run);
void onnx_graph_free(onnx_graph *g);

/* Runs m's hook on value x. A module without one is an error naming it
 * and its type: the layer has no ONNX mapping. An error from inside a
 * hook is prefixed with the innermost module's name, once. */
const char *onnx_module(onnx_graph *g, module *m, const char *x);

/* Appends node `op` for module m (named after m's path) with n_in inputs
 * and n_attr attributes; returns its one output's name, owned by g. */
const char *onnx_node(onnx_graph *g, const module *m, const char *op, int n_in, const char *const *in, int n_attr,
                      const onnx_attr *attr);

/* Tensor t of m (a parameter or buffer, CPU) as initializer "<path>.<name>". */
const char *onnx_param(onnx_graph *g, const module *m, const char *name, const tensor *t);
/* A float32 initializer of n values; a name already given returns that
 * initializer (constants are shared). */
const char *onnx_const_floats(onnx_graph *g, const char *name, int ndim, const int64_t *shape, const float *values);
/* n copies of value, 1-D (instance-norm scales and shifts). */
const char *onnx_const_fill(onnx_graph *g, float value, int n);
/* An int64 1-D initializer (pads, axes, shapes). */
const char *onnx_const_ints(onnx_graph *g, int n, const int64_t *values);

/* Also makes value v, of rank `ndim`, a graph output named `name`, after
 * the main output (U-GAT-IT's CAM logit and heatmap beside the image). Its
 * dims are declared unknown: the runtime infers them. */
ganc_status onnx_add_output(onnx_graph *g, const char *v, const char *name, int ndim);
/* The network accepts only the input's exact H and W (a Linear on
 * flattened features): a dynamic export keeps them fixed. */
void onnx_fix_input_size(onnx_graph *g);

/* Marks the graph failed and returns NULL: `return onnx_error(g, GANC_ERR(...));`
 * in a hook, so no later call takes the NULL for an omitted input. */
const char *onnx_error(onnx_graph *g, ganc_status st);

int onnx_opset(const onnx_graph *g);
module_run *onnx_run(onnx_graph *g);

/* ---- composites (layers/onnx_ops.c) ---- */

/* ReduceMean, ReduceSum, ...: the axes as an attribute or, from the opset that made them one, an input. */
const char *onnx_reduce(onnx_graph *g, const module *m, const char *op, const char *x, int n_axes,
                        const int64_t *axes, bool keepdims);
/* (x - mean) / sqrt(var + eps) over `axes`, from standard ops; the
 * variance is unbiased (torch.var, U-GAT-IT's norms) when asked, its count
 * taken from the input's shape at run time so dynamic sizes work. */
const char *onnx_normalize(onnx_graph *g, const module *m, const char *x, int n_axes, const int64_t *axes,
                           bool unbiased, double eps);
/* (N,C) -> (N,C,1,1) */
const char *onnx_to_nc11(onnx_graph *g, const module *m, const char *x);

/* ---- for the exporter (tools/export_onnx.c) ---- */

typedef struct onnx_output {
    const char *name;
    int ndim;
} onnx_output;

/* The encoded nodes and initializers: the body of a GraphProto. */
const void *onnx_graph_body(const onnx_graph *g, size_t *len);
int onnx_output_count(const onnx_graph *g);
onnx_output onnx_output_at(const onnx_graph *g, int i);
bool onnx_input_size_fixed(const onnx_graph *g);

#endif
