/* Shared by the .cu files of the CUDA backend only (CUDA C++; C code sees
 * core/cuda/cuda_backend.h): the device context, error checks, launch
 * helpers and the reductions most kernel families build on. */
#ifndef GANC_CUDA_INTERNAL_CUH
#define GANC_CUDA_INTERNAL_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "core/backend.h"
#include "core/cuda/cuda_backend.h"
#include "core/error.h"
#include "core/kernels/dims.h"
}

#if REAL_IS_DOUBLE
#error "the CUDA backend is built for float32 only"
#endif

/* cuBLAS and cuDNN, called through cuda_lib.NAME (core/cuda/cuda_libs.cu
 * loads them with dlopen). */
#define CUDA_LIBRARY_FUNCTIONS(X)                                                                      \
    X(cublasCreate_v2) X(cublasDestroy_v2) X(cublasSetStream_v2) X(cublasSetMathMode)                \
    X(cublasSetWorkspace_v2) X(cublasSgemm_v2) X(cublasSgemmStridedBatched) X(cublasGetStatusString)  \
    X(cudnnGetVersion) X(cudnnCreate) X(cudnnDestroy) X(cudnnSetStream) X(cudnnGetErrorString)        \
    X(cudnnCreateTensorDescriptor) X(cudnnDestroyTensorDescriptor) X(cudnnSetTensor4dDescriptor)      \
    X(cudnnCreateFilterDescriptor) X(cudnnDestroyFilterDescriptor) X(cudnnSetFilter4dDescriptor)      \
    X(cudnnCreateConvolutionDescriptor) X(cudnnDestroyConvolutionDescriptor)                          \
    X(cudnnSetConvolution2dDescriptor) X(cudnnSetConvolutionGroupCount) X(cudnnSetConvolutionMathType) \
    X(cudnnGetConvolution2dForwardOutputDim) X(cudnnGetConvolutionForwardAlgorithm_v7)                \
    X(cudnnGetConvolutionBackwardDataAlgorithm_v7) X(cudnnGetConvolutionBackwardFilterAlgorithm_v7)   \
    X(cudnnGetConvolutionForwardWorkspaceSize) X(cudnnGetConvolutionBackwardDataWorkspaceSize)        \
    X(cudnnGetConvolutionBackwardFilterWorkspaceSize) X(cudnnConvolutionForward)                      \
    X(cudnnConvolutionBackwardData) X(cudnnConvolutionBackwardFilter)

struct cuda_library_table {
#define CUDA_LIBRARY_POINTER(fn) decltype(&::fn) fn;
    CUDA_LIBRARY_FUNCTIONS(CUDA_LIBRARY_POINTER)
#undef CUDA_LIBRARY_POINTER
};
extern cuda_library_table cuda_lib;
/* Loads both libraries once; an error names the library or the function. */
ganc_status cuda_libs_load(void);

/* The one GPU this process uses (core/cuda/cuda_backend.h). */
struct cuda_context {
    int device; /* -1 until initialised */
    int sm_count;
    cudaStream_t stream;
    cublasHandle_t cublas;
    cudnnHandle_t cudnn;
    void *cublas_workspace;
    double *partials; /* stage-one sums of split reductions, CUDA_PARTIALS values */
    double *results;  /* CUDA_RESULTS values after them: sums a kernel returns to the host */
    bool tf32;
};
extern cuda_context cuda_ctx;

#define CUDA_PARTIALS 65536
#define CUDA_RESULTS 16
#define CUDA_THREADS 256

/* Each check returns GANC_OK, or records the failure (the call's text, the
 * library's reason, file:line) as this thread's error and as the device's
 * first error since the last sync, and returns its status. */
ganc_status cuda_check_runtime(cudaError_t e, const char *call, const char *file, int line);
ganc_status cuda_check_cublas(cublasStatus_t s, const char *call, const char *file, int line);
ganc_status cuda_check_cudnn(cudnnStatus_t s, const char *call, const char *file, int line);

/* Records this thread's current error as the device's pending one (for
 * failures found by our own checks rather than by a library call). */
ganc_status cuda_note_error(ganc_status status);

/* In functions that return a ganc_status: return the failure. */
#define CUDA_TRY(call)                                                                    \
    do {                                                                                  \
        ganc_status st_ = cuda_check_runtime((call), #call, __FILE__, __LINE__);          \
        if (st_) return st_;                                                              \
    } while (0)
#define CUBLAS_TRY(call)                                                                  \
    do {                                                                                  \
        ganc_status st_ = cuda_check_cublas((call), #call, __FILE__, __LINE__);           \
        if (st_) return st_;                                                              \
    } while (0)
#define CUDNN_TRY(call)                                                                   \
    do {                                                                                  \
        ganc_status st_ = cuda_check_cudnn((call), #call, __FILE__, __LINE__);            \
        if (st_) return st_;                                                              \
    } while (0)

/* In kernel-table functions, which return nothing: record and go on; the
 * next backend->sync returns the failure. */
#define CUDA_NOTE(call) ((void)cuda_check_runtime((call), #call, __FILE__, __LINE__))
#define CUBLAS_NOTE(call) ((void)cuda_check_cublas((call), #call, __FILE__, __LINE__))
#define CUDNN_NOTE(call) ((void)cuda_check_cudnn((call), #call, __FILE__, __LINE__))

/* Launches on the context's stream and records a launch failure. `kernel`
 * may not contain a comma: give template kernels one type parameter. */
#ifdef GANC_CUDA_SIM
/* The CUDA simulator (core/cuda/sim) runs the kernel's threads as fibers. */
#define CUDA_LAUNCH(kernel, grid, block, ...)                                                   \
    do {                                                                                        \
        ganc_sim_launch(#kernel, kernel, dim3(grid), dim3(block), __VA_ARGS__);                 \
        (void)cuda_check_runtime(cudaGetLastError(), "launch " #kernel, __FILE__, __LINE__);    \
    } while (0)
#else
#define CUDA_LAUNCH(kernel, grid, block, ...)                                                   \
    do {                                                                                        \
        kernel<<<(grid), (block), 0, cuda_ctx.stream>>>(__VA_ARGS__);                           \
        (void)cuda_check_runtime(cudaGetLastError(), "launch " #kernel, __FILE__, __LINE__);    \
    } while (0)
#endif

/* Blocks of CUDA_THREADS for n items, capped so grid-stride loops keep
 * every SM busy without a huge grid. */
static inline unsigned grid_for(size_t n) {
    size_t blocks = (n + CUDA_THREADS - 1) / CUDA_THREADS;
    size_t cap = (size_t)(cuda_ctx.sm_count > 0 ? cuda_ctx.sm_count : 1) * 32;
    if (blocks < 1) blocks = 1;
    return (unsigned)(blocks < cap ? blocks : cap);
}

#define GRID_STRIDE(i, n)                                                                          \
    for (long i = (long)blockIdx.x * blockDim.x + threadIdx.x; i < (long)(n); i += (long)gridDim.x * blockDim.x)

/* ---- block and warp sums (blockDim.x a multiple of 32, at most 1024) ---- */

__device__ __forceinline__ double warp_sum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

/* The block's total, valid in thread 0. Every thread of the block must call it. */
__device__ __forceinline__ double block_sum(double v) {
    __shared__ double warp_totals[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads(); /* warp_totals may still be read from a previous call */
    if (lane == 0) warp_totals[warp] = v;
    __syncthreads();
    int n_warps = (int)(blockDim.x >> 5);
    v = threadIdx.x < (unsigned)n_warps ? warp_totals[threadIdx.x] : 0.0;
    if (warp == 0) v = warp_sum(v);
    return v;
}

/* The block's total in every thread. */
__device__ __forceinline__ double block_sum_all(double v) {
    __shared__ double total;
    v = block_sum(v);
    if (threadIdx.x == 0) total = v;
    __syncthreads();
    v = total;
    __syncthreads();
    return v;
}

/* ---- grouped sums ----
 * n_out independent sums of `group` terms each. An Item provides
 *   __device__ double load(long o, long r) const: term r of sum o
 *   __device__ void store(long o, double s) const: uses the finished sum
 * Terms are added in double. The order of the additions depends only on
 * (n_out, group) and the GPU's SM count, so a run repeats bit for bit. */

template <class Item>
__global__ void reduce_thread_per_out(long n_out, long group, Item item) {
    GRID_STRIDE(o, n_out) {
        double s = 0;
        for (long r = 0; r < group; r++) s += item.load(o, r);
        item.store(o, s);
    }
}

template <class Item>
__global__ void reduce_warp_per_out(long n_out, long group, Item item) {
    long warp = ((long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, n_warps = ((long)gridDim.x * blockDim.x) >> 5;
    int lane = threadIdx.x & 31;
    for (long o = warp; o < n_out; o += n_warps) {
        double s = 0;
        for (long r = lane; r < group; r += 32) s += item.load(o, r);
        s = warp_sum(s);
        if (lane == 0) item.store(o, s);
    }
}

/* Block b sums part b % parts of output b / parts; one part goes straight
 * to store, several go to `partials` for reduce_finish. */
template <class Item>
__global__ void reduce_block_parts(long n_out, long group, long parts, Item item, double *partials) {
    for (long b = blockIdx.x; b < n_out * parts; b += gridDim.x) {
        long o = b / parts, p = b % parts;
        long lo = group * p / parts, hi = group * (p + 1) / parts;
        double s = 0;
        for (long r = lo + threadIdx.x; r < hi; r += blockDim.x) s += item.load(o, r);
        s = block_sum(s);
        if (threadIdx.x == 0) {
            if (parts == 1) item.store(o, s);
            else partials[b] = s;
        }
    }
}

template <class Item>
__global__ void reduce_finish(long n_out, long parts, Item item, const double *partials) {
    GRID_STRIDE(o, n_out) {
        double s = 0;
        for (long p = 0; p < parts; p++) s += partials[o * parts + p];
        item.store(o, s);
    }
}

/* Terms per block part of a split reduction. */
#define REDUCE_PART_TERMS 8192L

template <class Item>
void group_reduce(long n_out, long group, Item item) {
    if (n_out <= 0) return;
    if (group < 32) {
        CUDA_LAUNCH(reduce_thread_per_out<Item>, grid_for((size_t)n_out), CUDA_THREADS, n_out, group, item);
        return;
    }
    long warps_per_block = CUDA_THREADS / 32;
    if (n_out >= 16L * cuda_ctx.sm_count * warps_per_block || group <= 4096) {
        CUDA_LAUNCH(reduce_warp_per_out<Item>, grid_for((size_t)n_out * 32), CUDA_THREADS, n_out, group, item);
        return;
    }
    long parts = (group + REDUCE_PART_TERMS - 1) / REDUCE_PART_TERMS;
    if (parts * n_out > CUDA_PARTIALS) parts = CUDA_PARTIALS / n_out;
    if (parts < 1) parts = 1;
    long blocks = n_out * parts, cap = 64L * cuda_ctx.sm_count;
    unsigned grid = (unsigned)(blocks < cap ? blocks : cap);
    CUDA_LAUNCH(reduce_block_parts<Item>, grid, CUDA_THREADS, n_out, group, parts, item, cuda_ctx.partials);
    if (parts > 1) CUDA_LAUNCH(reduce_finish<Item>, grid_for((size_t)n_out), CUDA_THREADS, n_out, parts, item,
                               cuda_ctx.partials);
}

/* ---- dims4 helpers ---- */

/* Row-major strides of a dims4 shape. */
struct strides4 {
    long s[4];
};

static inline strides4 strides_of(dims4 d) {
    strides4 st;
    long stride = 1;
    for (int i = 3; i >= 0; i--) {
        st.s[i] = stride;
        stride *= d.d[i];
    }
    return st;
}

#endif
