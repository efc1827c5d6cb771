#ifndef GANC_LAYERS_MODULE_H
#define GANC_LAYERS_MODULE_H

/* Modules: the layers a network is built from, in a tree that mirrors the
 * reference PyTorch models so parameter names line up with theirs. A
 * module's `path` is its dotted position under the network
 * ("model.10.conv_block.1"); its parameters are registered in the network's
 * flat block as "<network>.<path>.<param>" ("G_A.model.10.conv_block.1.weight"),
 * its non-learned state (batch-norm running statistics, spectral-norm
 * vectors) in the network's buffers under the same scheme.
 *
 * Constructors take the network, the module's path and its options and
 * return the module, or NULL with an error naming the path and the bad
 * option. A container owns the children added to it; network_free frees
 * the whole tree from net->root. Layer constructors are declared in
 * layers/layers.h, blocks in layers/blocks.h. */

#include <stdbool.h>

#include "layers/network.h"

#define MODULE_MAX_PARAMS 8 /* own parameters of one module; ILN has the most, 3 */
#define MODULE_PATH_MAX 128

typedef struct module_run module_run;
typedef struct onnx_graph onnx_graph; /* layers/onnx.h */

/* Rows recorded by network_print_summary: modules in call order, each
 * with its depth and output shape. */
typedef struct module_summary_row {
    const module *m;
    int depth;
    char out_shape[48];
} module_summary_row;

typedef struct module_summary {
    module_summary_row *rows;
    int n, cap, depth;
} module_summary;

/* What the initialisers (layers/init.h) do to a module's weight and bias. */
typedef enum {
    MODULE_INIT_NONE,   /* keeps the values its constructor gave */
    MODULE_INIT_WEIGHT, /* Conv2d, ConvTranspose2d, Linear: the chosen init; bias 0 */
    MODULE_INIT_NORM    /* BatchNorm: weight N(1, gain), bias 0 */
} module_init_role;

typedef struct module_type {
    const char *name; /* PyTorch's class name, shown by the summary: "Conv2d" */
    /* One input, one output. NULL for modules that need more inputs
     * (AdaLIN, SoftAdaLIN): they have their own forward functions. */
    tensor *(*forward)(module *m, module_run *run, const tensor *x);
    module_init_role init_role;
    /* Projects the parameters back into their valid range after an
     * optimizer step (U-GAT-IT's rho clipping); may be NULL. */
    void (*constrain)(module *m);
    /* Its eval-mode forward as ONNX nodes on input value x, returning the
     * output value (layers/onnx.h). NULL: no ONNX mapping, and an export
     * of a network that has this layer fails naming it. */
    const char *(*onnx)(module *m, onnx_graph *g, const char *x);
} module_type;

struct module {
    const module_type *type;
    char path[MODULE_PATH_MAX];
    network *net;
    module **children;
    int n_children, cap_children;
    tensor *params[MODULE_MAX_PARAMS]; /* own parameters, in registration order */
    int n_params;
    /* Weight and bias of Conv2d, ConvTranspose2d, Linear and BatchNorm: the
     * tensors the initialisers touch (layers/init.h). */
    tensor *weight, *bias;
    char detail[48]; /* options for the summary: "3->64 k7 s1 p0" */
};

/* How a forward pass runs: the step's tape, train or eval mode, the
 * network's generator (dropout), and the summary being recorded (NULL
 * outside network_print_summary). */
struct module_run {
    tape *t;
    bool training;
    rng *rng;
    module_summary *summary;
    bool failed; /* the error of a failed module has been tagged with its path */
};

/* Runs m on x. NULL x passes through (keeping the first error); a module
 * that fails prefixes the error with its full name and type. */
tensor *module_forward(module *m, module_run *run, const tensor *x /* any shape m accepts */);

/* For forwards with several inputs: call module_enter before and
 * module_leave after, so the summary and error tagging see the module. */
int module_enter(module *m, module_run *run);
tensor *module_leave(module *m, module_run *run, int token, tensor *y, bool had_input);

void module_free(module *m);

/* ---- for module implementations ---- */

/* A zeroed module of `size` bytes (a struct that starts with a module). */
module *module_alloc(network *net, const module_type *type, const char *path, size_t size);
/* Takes ownership of child; a NULL child (a failed constructor) returns
 * its error. On error the child is freed. */
ganc_status module_add_child(module *parent, module *child);
/* "<parent path>.<suffix>" (or suffix alone under the root) into buf. */
const char *module_child_path(const module *parent, const char *suffix, char *buf, size_t size);
/* Path of the next child of a Sequential: "<path>.<index>". */
const char *module_next_path(const module *seq, char *buf, size_t size);
/* Registers "<net>.<path>.<name>" in the network's params or buffers. */
tensor *module_add_param(module *m, const char *name, int ndim, const int *shape);
tensor *module_add_buffer(module *m, const char *name, int ndim, const int *shape);
/* "<net>.<path>" (or the network's name for the root) into buf. */
const char *module_full_name(const module *m, char *buf, size_t size);
/* Parameters of m and everything under it. */
size_t module_param_count(const module *m);
/* Depth-first, parents before children. */
void module_visit(module *m, void (*fn)(module *m, void *ctx), void *ctx);

/* Sequential: runs its children in order (nn.Sequential). Children are
 * added with module_add_child and named by module_next_path. */
module *sequential_new(network *net, const char *path);

#endif
