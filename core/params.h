#ifndef GANC_PARAMS_H
#define GANC_PARAMS_H

/* The parameters of one network: values in one flat block, gradients in
 * another, so zero-grad, clipping, optimizers and checkpoints are each one
 * pass over one buffer. Parameter tensors are views into the blocks. */

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
} param_set;

void params_init(param_set *ps, const char *name);
void params_free(param_set *ps);
/* Adds a zero-filled parameter; NULL with an error on a bad shape, a
 * duplicate name or no memory. The returned tensor stays valid until
 * params_free (later additions move the blocks but update every view). */
tensor *params_add(param_set *ps, const char *name, int ndim, const int *shape);
tensor *params_find(const param_set *ps, const char *name);
void params_zero_grad(param_set *ps);
/* A frozen network's parameters get no gradient, but gradients still flow
 * through the network to its inputs. */
void params_set_frozen(param_set *ps, bool frozen);
size_t params_bytes(const param_set *ps); /* values + gradients */

#endif
