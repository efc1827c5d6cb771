#include "core/backend.h"
#include "core/kernels/random.h"

const struct random_kernels cpu_random_kernels = {0};
