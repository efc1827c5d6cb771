#ifndef GANC_KERNELS_REDUCE_H
#define GANC_KERNELS_REDUCE_H

#include "core/kernels/dims.h"

/* Placeholder until the reduce kernels land. */
struct reduce_kernels {
    int placeholder;
};

#endif
