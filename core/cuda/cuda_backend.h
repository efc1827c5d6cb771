#ifndef GANC_CUDA_BACKEND_H
#define GANC_CUDA_BACKEND_H

/* The CUDA backend as C code sees it. Built from the .cu files of core/cuda when CUDA
 * is compiled in, from core/cuda/cuda_stub.c otherwise (every call then
 * says so). backend_get() is the usual way in; the rest is for tests,
 * benchmarks and logs.
 *
 * One GPU per process: the first backend asked for initialises its GPU
 * (a stream, a cuBLAS and a cuDNN handle, their workspaces); asking for
 * another index afterwards is an error. */

#include <stdbool.h>
#include <stddef.h>

#include "core/backend.h"

/* Whether this build has the CUDA backend (false: core/cuda/cuda_stub.c). */
bool cuda_compiled_in(void);

/* The backend of GPU `index`; NULL with an error when CUDA is not built,
 * there is no driver or GPU, or the GPU fails to initialise. */
const backend *cuda_backend_get(int index);

/* Device memory taken through ganc (cudaMalloc/cudaFree calls; cuBLAS
 * takes nothing else once set up: its workspace is ours), and the GPU's
 * free and total memory as the driver reports them now (which also sees
 * what libraries allocate behind our back). Zeros before set-up. */
typedef struct {
    size_t mallocs, frees;
    size_t bytes_in_use, peak_bytes;
    size_t device_free, device_total;
} cuda_memory_stats;
cuda_memory_stats cuda_memory_stats_get(void);

/* TF32 tensor-core math for cuBLAS GEMMs and cuDNN convolutions. Off by
 * default: results then match the CPU to float32 rounding. On, products
 * round their inputs to 10 mantissa bits (about 1e-3 relative) for
 * several times the speed. Changing it re-chooses convolution algorithms. */
void cuda_set_tf32(bool on);
bool cuda_tf32(void);

/* Loads cuBLAS and cuDNN (which needs no GPU) and writes what was loaded
 * into buf: "libcublas.so.13, libcudnn.so.9 (cuDNN 91900)". */
ganc_status cuda_libraries_describe(char *buf, size_t size);

/* True in the CUDA simulator build (make CUDA_SIM=1, core/cuda/sim), where
 * the kernels, cuBLAS and cuDNN run on the CPU. */
bool cuda_is_simulator(void);

/* "NVIDIA H200, 132 SMs, 139.8 GiB, sm_90" into buf; an error when the GPU
 * cannot be queried. Peak rates from the device's clocks and widths:
 * float32 FMA GFLOP/s and memory GB/s (0 when unknown). */
ganc_status cuda_device_describe(int index, char *buf, size_t size, double *fp32_gflops, double *memory_gbs);

#endif
