#include "core/backend.h"

#include "core/cuda/cuda_backend.h"

const backend *backend_get(device d) {
    if (d.kind == DEVICE_CPU) return &cpu_backend;
    return cuda_backend_get(d.index);
}
