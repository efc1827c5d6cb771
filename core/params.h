#ifndef GANC_PARAMS_H
#define GANC_PARAMS_H

/* The parameters of one network: values in one flat block, gradients in
 * another, so zero-grad, clipping, optimizers and checkpoints are each one
 * pass over one buffer. Parameter tensors are views into the blocks.
 * A set is built and initialised on the CPU, then may move to a GPU with
 * params_to_device; host code must not touch its blocks there (checkpoints
 * copy through the host themselves). */

#include "core/tensor.h"

typedef struct param_entry {
    char name[160]; /* dotted, PyTorch-style: "G_A.model.1.weight" */
    tensor *t;
    size_t offset; /* into the flat blocks, in values */
} param_entry;

typedef struct param_set {
    char name[64];
    param_entry *entries;
    size_t count, cap;
    real *data;
    real *grad;
    size_t numel, cap_numel;
    bool frozen;
    device dev; /* where data and grad live; the CPU until params_to_device */
} param_set;

void params_init(param_set *ps, const char *name);
void params_free(param_set *ps);
/* Adds a zero-filled parameter; NULL with an error on a bad shape, a
 * duplicate name, no memory, or a set already moved off the CPU. The
 * returned tensor stays valid until params_free (later additions move the
 * blocks but update every view). */
tensor *params_add(param_set *ps, const char *name, int ndim, const int *shape);
tensor *params_find(const param_set *ps, const char *name);
void params_zero_grad(param_set *ps);
/* A frozen network's parameters get no gradient, but gradients still flow
 * through the network to its inputs. */
void params_set_frozen(param_set *ps, bool frozen);
size_t params_bytes(const param_set *ps); /* values + gradients */

/* Moves both blocks (values and gradients) to `dev`, between the CPU and a
 * GPU either way; the views follow. The set can no longer grow off the CPU. */
ganc_status params_to_device(param_set *ps, device dev);

/* Moves a block of n values (optimizer moments laid out like a set) from
 * device `from` to `to`, replacing *block; `what` names it in errors. */
ganc_status params_move_block(real **block, size_t n, device from, device to, const char *what);

#endif
