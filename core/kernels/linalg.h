#ifndef GANC_KERNELS_LINALG_H
#define GANC_KERNELS_LINALG_H

#include "core/kernels/dims.h"

/* Placeholder until the linalg kernels land. */
struct linalg_kernels {
    int placeholder;
};

#endif
