/* Built when the CUDA backend is not compiled in (CUDA=0 or no nvcc). */
#include <stdio.h>

#include "core/device.h"

int cuda_device_count(char *why, size_t why_size) {
    if (why && why_size) snprintf(why, why_size, "CUDA not built (rebuild with nvcc present and CUDA=1)");
    return 0;
}
