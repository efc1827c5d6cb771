#ifndef GANC_TENSOR_H
#define GANC_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/device.h"
#include "core/error.h"
#include "core/real.h"

#define TENSOR_MAX_DIM 4
#define TENSOR_MAGIC 0x67616e63u /* "ganc": a freed step's tensors lose it */

struct tape;
struct tape_node;

/* A contiguous array in NCHW order (PyTorch's), ndim <= 4. A tensor made
 * during a step lives in that step's arenas and dies at tape_reset; a
 * persistent tensor (tensor_new, a network parameter) lives until freed. */
typedef struct tensor {
    unsigned magic;
    int ndim;
    int shape[TENSOR_MAX_DIM];
    size_t numel;
    real *data;               /* on `dev` */
    real *grad;               /* same shape; NULL until a backward pass reaches it */
    unsigned long grad_pass;  /* backward pass that `grad` belongs to (non-leaf tensors) */
    struct tape_node *node;   /* op that produced it; NULL for leaves */
    struct tape *tape;        /* owning tape; NULL for persistent tensors */
    unsigned long step;       /* tape step it was made in */
    device dev;
    bool requires_grad;
    bool owns_memory;         /* data/grad were allocated by tensor_new */
    char name[32];
} tensor;

size_t shape_numel(int ndim, const int *shape);
/* "(2,3,16,16)" into buf, which is returned. */
const char *shape_str(int ndim, const int *shape, char *buf, size_t size);
const char *tensor_shape_str(const tensor *t, char *buf, size_t size);
bool tensor_same_shape(const tensor *a, const tensor *b);
void tensor_set_name(tensor *t, const char *name);

/* A persistent, zero-filled CPU tensor; NULL with an error on bad shape or
 * memory. Free with tensor_free. */
tensor *tensor_new(int ndim, const int *shape, const char *name);
void tensor_free(tensor *t);
/* Gives a persistent tensor a gradient buffer so it can be a leaf of backward. */
ganc_status tensor_set_requires_grad(tensor *t, bool requires_grad);

/* Validates a shape given by a caller: 1..4 dims, each >= 1. */
ganc_status shape_check(const char *what, int ndim, const int *shape);

#endif
