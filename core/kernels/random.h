#ifndef GANC_KERNELS_RANDOM_H
#define GANC_KERNELS_RANDOM_H

#include "core/kernels/dims.h"

/* Placeholder until the random kernels land. */
struct random_kernels {
    int placeholder;
};

#endif
