#ifndef GANC_KERNELS_IMAGE_H
#define GANC_KERNELS_IMAGE_H

#include "core/kernels/dims.h"

/* Placeholder until the image kernels land. */
struct image_kernels {
    int placeholder;
};

#endif
