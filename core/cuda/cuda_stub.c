/* Built when the CUDA backend is not compiled in (CUDA=0 or no nvcc). */
#include <stdio.h>
#include <string.h>

#include "core/cuda/cuda_backend.h"
#include "core/device.h"

#define NOT_BUILT "CUDA not built (rebuild with nvcc present and CUDA=1)"

bool cuda_compiled_in(void) { return false; }

int cuda_device_count(char *why, size_t why_size) {
    if (why && why_size) snprintf(why, why_size, NOT_BUILT);
    return 0;
}

const backend *cuda_backend_get(int index) {
    GANC_ERR(GANC_ERR_DEVICE, "CUDA backend for cuda:%d unavailable: " NOT_BUILT, index);
    return NULL;
}

cuda_memory_stats cuda_memory_stats_get(void) {
    cuda_memory_stats s;
    memset(&s, 0, sizeof s);
    return s;
}

void cuda_set_tf32(bool on) { (void)on; }
bool cuda_tf32(void) { return false; }

ganc_status cuda_device_describe(int index, char *buf, size_t size, double *fp32_gflops, double *memory_gbs) {
    if (buf && size) buf[0] = '\0';
    if (fp32_gflops) *fp32_gflops = 0;
    if (memory_gbs) *memory_gbs = 0;
    return GANC_ERR(GANC_ERR_DEVICE, "cuda:%d: " NOT_BUILT, index);
}

ganc_status cuda_libraries_describe(char *buf, size_t size) {
    if (buf && size) buf[0] = '\0';
    return GANC_ERR(GANC_ERR_DEVICE, "cuBLAS and cuDNN: " NOT_BUILT);
}

bool cuda_is_simulator(void) { return false; }
