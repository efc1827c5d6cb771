#include "core/backend.h"

#include <stdio.h>

const backend *backend_get(device d) {
    if (d.kind == DEVICE_CPU) return &cpu_backend;
    char why[256];
    if (cuda_device_count(why, sizeof why) == 0) {
        GANC_ERR(GANC_ERR_DEVICE, "CUDA backend unavailable: %s", why);
        return NULL;
    }
    GANC_ERR(GANC_ERR_UNSUPPORTED, "CUDA backend: kernels are not built into this binary yet");
    return NULL;
}
