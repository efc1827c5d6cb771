#ifndef GANC_TAPE_H
#define GANC_TAPE_H

/* The autograd tape of one training step. Ops allocate their outputs from
 * the tape's arenas (tensor headers and nodes in a host "meta" arena,
 * values in a device "data" arena) and append a node; tape_backward walks
 * the nodes in reverse and accumulates into .grad. tape_reset ends the step:
 * every tensor of the step dies, the memory is reused by the next step. */

#include "core/arena.h"
#include "core/ops.h"
#include "core/tensor.h"

typedef struct tape tape;
typedef struct tape_node tape_node;

/* Reads node->out->grad and adds into tape_grad(t, node->in[i]). */
typedef ganc_status (*tape_backward_fn)(tape *t, const tape_node *node);

struct tape_node {
    op_id op;
    tensor *out;
    int n_in;
    tensor **in;
    tape_backward_fn backward;
    void *saved; /* op-specific state, zeroed, from the meta arena */
    size_t index;
};

struct tape {
    device dev;
    const backend *be;
    arena meta;
    arena data;
    tape_node **nodes;
    size_t n_nodes, cap_nodes;
    unsigned long step; /* incremented by tape_reset */
    unsigned long pass; /* incremented by each tape_backward */
    int no_grad_depth;
    void *scratch; /* see tape_scratch */
    size_t scratch_bytes;
};

/* NULL with an error when the device is unavailable or memory is short. */
tape *tape_new(device dev);
void tape_free(tape *t);
void tape_reset(tape *t);

/* No-grad scope: ops inside record nothing and their outputs need no grad. */
void tape_no_grad_begin(tape *t);
void tape_no_grad_end(tape *t);
bool tape_grad_enabled(const tape *t);

/* A tensor of this step with uninitialised values. */
tensor *tape_tensor(tape *t, int ndim, const int *shape, const char *name);
tensor *tape_zeros(tape *t, int ndim, const int *shape, const char *name);
/* A step tensor filled from host memory (numel values). */
tensor *tape_from_host(tape *t, int ndim, const int *shape, const real *values, const char *name);
/* Leaf tensor of this step that collects a gradient (inputs of gradient checks, penalties). */
ganc_status tape_set_requires_grad(tape *t, tensor *x);

/* Memory that lives until tape_reset (meta: host, data: device). */
void *tape_alloc_meta(tape *t, size_t bytes);
void *tape_alloc_data(tape *t, size_t bytes);
/* Device scratch for the kernel calls of one op (im2col buffers, filter
 * passes): valid until the next tape_scratch call. It grows to the largest
 * request and is kept, so a step costs the largest op's scratch, not the
 * sum over its ops. NULL with an error when memory is short. */
void *tape_scratch(tape *t, size_t bytes);

/* Checks the inputs of an op: not NULL, alive in this step, on the tape's
 * device. Returns a status naming the op and the offending input. */
ganc_status tape_check_inputs(tape *t, op_id op, int n, const tensor *const *in);

/* Appends a node for `out` when grad is enabled and an input requires grad;
 * *node_out is NULL otherwise. `saved_bytes` of zeroed state are reserved. */
ganc_status tape_record(tape *t, op_id op, tensor *out, int n_in, const tensor *const *in,
                        tape_backward_fn backward, size_t saved_bytes, tape_node **node_out);

/* Gradient buffer of x for the running backward pass, zeroed on first use;
 * NULL when x needs no gradient (frozen parameter, constant input). */
real *tape_grad(tape *t, tensor *x);

/* Backpropagates from `loss`. `seed` (same shape) may be NULL only for a
 * single-element loss, which then starts from 1. Leaf gradients accumulate
 * across calls, so D and G passes can run on one step. */
ganc_status tape_backward(tape *t, tensor *loss, const tensor *seed);

#endif
