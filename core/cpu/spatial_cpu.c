#include "core/backend.h"
#include "core/kernels/spatial.h"

const struct spatial_kernels cpu_spatial_kernels = {0};
