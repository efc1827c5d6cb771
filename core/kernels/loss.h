#ifndef GANC_KERNELS_LOSS_H
#define GANC_KERNELS_LOSS_H

#include "core/kernels/dims.h"

/* Placeholder until the loss kernels land. */
struct loss_kernels {
    int placeholder;
};

#endif
