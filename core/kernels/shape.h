#ifndef GANC_KERNELS_SHAPE_H
#define GANC_KERNELS_SHAPE_H

#include "core/kernels/dims.h"

/* Placeholder until the shape kernels land. */
struct shape_kernels {
    int placeholder;
};

#endif
