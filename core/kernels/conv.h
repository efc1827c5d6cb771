#ifndef GANC_KERNELS_CONV_H
#define GANC_KERNELS_CONV_H

#include "core/kernels/dims.h"

/* Placeholder until the conv kernels land. */
struct conv_kernels {
    int placeholder;
};

#endif
