#ifndef GANC_KERNELS_SPATIAL_H
#define GANC_KERNELS_SPATIAL_H

#include "core/kernels/dims.h"

/* Placeholder until the spatial kernels land. */
struct spatial_kernels {
    int placeholder;
};

#endif
