/* Device discovery for the CUDA backend. The kernels themselves arrive with
 * the CUDA backend issue; a binary with this file still runs without a GPU. */
#include <cuda_runtime.h>
#include <stdio.h>

extern "C" {
#include "core/device.h"
}

extern "C" int cuda_device_count(char *why, size_t why_size) {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        if (why && why_size) snprintf(why, why_size, "no GPU or driver: %s", cudaGetErrorString(err));
        return 0;
    }
    if (count == 0 && why && why_size) snprintf(why, why_size, "no GPU found");
    return count;
}
