#include "core/backend.h"
#include "core/kernels/linalg.h"

const struct linalg_kernels cpu_linalg_kernels = {0};
