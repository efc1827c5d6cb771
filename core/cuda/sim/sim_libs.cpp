/* In the simulator build, cuBLAS and cuDNN are the simulator's own
 * (sim_cublas.cpp, sim_cudnn.cpp), linked in: this replaces
 * core/cuda/cuda_libs.cu, which loads the real ones with dlopen. */
#include <cstdio>

#include "core/cuda/cuda_internal.cuh"

cuda_library_table cuda_lib;

ganc_status cuda_libs_load(void) {
#define ASSIGN(fn) cuda_lib.fn = &::fn;
    CUDA_LIBRARY_FUNCTIONS(ASSIGN)
#undef ASSIGN
    return GANC_OK;
}

extern "C" ganc_status cuda_libraries_describe(char *buf, size_t size) {
    ganc_status st = cuda_libs_load();
    if (!st && buf && size) snprintf(buf, size, "the CUDA simulator's cuBLAS and cuDNN (core/cuda/sim)");
    return st;
}
