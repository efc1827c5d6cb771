#ifndef GANC_KERNELS_NORM_H
#define GANC_KERNELS_NORM_H

#include "core/kernels/dims.h"

/* Placeholder until the norm kernels land. */
struct norm_kernels {
    int placeholder;
};

#endif
