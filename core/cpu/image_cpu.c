#include "core/backend.h"
#include "core/kernels/image.h"

const struct image_kernels cpu_image_kernels = {0};
