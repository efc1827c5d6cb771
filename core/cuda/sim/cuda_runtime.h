/* The CUDA simulator's stand-in for <cuda_runtime.h> (make CUDA_SIM=1,
 * docs/cuda.md): the part of the runtime API and of the kernel language
 * that core/cuda uses, so that the same .cu files compile with the host C++
 * compiler and their kernels run on the CPU. Threads of a block run as
 * fibers (core/cuda/sim/sim_runtime.cpp): __syncthreads and warp shuffles
 * are real barriers, and a barrier that not every thread reaches is an
 * error. Written from the CUDA Programming Guide and Runtime API reference. */
#ifndef GANC_CUDA_SIM_RUNTIME_H
#define GANC_CUDA_SIM_RUNTIME_H

#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>
#include <tuple>
#include <utility>

#define GANC_CUDA_SIM 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
/* Blocks run one after another on one OS thread, so a static variable is
 * per block, as shared memory is (and, as on a GPU, starts undefined). */
#define __shared__ static

typedef enum {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorLaunchFailure = 719,
    cudaErrorIllegalAddress = 700,
} cudaError_t;
typedef cudaError_t cudaError;

typedef enum {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4,
} cudaMemcpyKind;

typedef enum {
    cudaDevAttrClockRate = 13,
    cudaDevAttrMultiProcessorCount = 16,
    cudaDevAttrMemoryClockRate = 36,
    cudaDevAttrGlobalMemoryBusWidth = 37,
} cudaDeviceAttr;

struct CUstream_st;
typedef CUstream_st *cudaStream_t;
#define cudaStreamNonBlocking 0x01

struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int multiProcessorCount;
    int major, minor;
    int warpSize;
    int maxThreadsPerBlock;
};

struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};

cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device);
cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int device);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaMalloc(void **ptr, size_t size);
cudaError_t cudaFree(void *ptr);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, cudaMemcpyKind kind, cudaStream_t stream = 0);
cudaError_t cudaMemsetAsync(void *ptr, int value, size_t count, cudaStream_t stream = 0);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *stream, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaGetLastError(void);
const char *cudaGetErrorString(cudaError_t error);
const char *cudaGetErrorName(cudaError_t error);

namespace ganc_sim {

/* The simulated thread that runs now: its index in the block, its lane and warp. */
struct thread_state;
const uint3 &current_thread_idx();
extern uint3 block_idx;
extern dim3 block_dim, grid_dim;

/* Waits until every thread of the block, or every lane of `mask` in this
 * thread's warp, has arrived. */
void block_barrier();
void warp_barrier(unsigned mask);
/* This thread's lane, and the warp exchange buffer of its warp (32 slots of 16 bytes). */
int lane();
unsigned char (*warp_slots())[16];

/* Runs body(args...) for every thread of every block (core/cuda/sim/sim_runtime.cpp). */
void launch(dim3 grid, dim3 block, const std::function<void()> &thread_body, const char *name);

/* __shfl_*_sync: every lane of `mask` stores its value, all meet, each
 * reads its source lane's value, all meet again before a slot is reused. */
template <class T, class Source>
T shuffle(unsigned mask, T value, Source source_of) {
    static_assert(sizeof(T) <= 16, "the simulator shuffles values of at most 16 bytes");
    int me = lane();
    unsigned char(*slots)[16] = warp_slots();
    std::memcpy(slots[me], &value, sizeof value);
    warp_barrier(mask);
    T out;
    std::memcpy(&out, slots[source_of(me)], sizeof out);
    warp_barrier(mask);
    return out;
}

} /* namespace ganc_sim */

#define threadIdx (ganc_sim::current_thread_idx())
#define blockIdx (ganc_sim::block_idx)
#define blockDim (ganc_sim::block_dim)
#define gridDim (ganc_sim::grid_dim)

inline void __syncthreads() { ganc_sim::block_barrier(); }

template <class T>
T __shfl_sync(unsigned mask, T value, int src_lane, int width = 32) {
    return ganc_sim::shuffle(mask, value, [=](int me) { return (me / width) * width + (src_lane % width); });
}

template <class T>
T __shfl_down_sync(unsigned mask, T value, unsigned delta, int width = 32) {
    return ganc_sim::shuffle(mask, value, [=](int me) {
        int in_segment = me % width + (int)delta;
        return in_segment < width ? me + (int)delta : me;
    });
}

/* No other simulated thread runs between two barriers of this one, so a
 * plain read-modify-write is atomic. */
template <class T>
T atomicAdd(T *address, T value) {
    T old = *address;
    *address = old + value;
    return old;
}

/* Kernel launches: CUDA_LAUNCH in core/cuda/cuda_internal.cuh expands to this. */
template <class Kernel, class... Args>
void ganc_sim_launch(const char *name, Kernel kernel, dim3 grid, dim3 block, Args... args) {
    auto packed = std::make_tuple(args...);
    ganc_sim::launch(grid, block, [&]() { std::apply(kernel, packed); }, name);
}

#endif
