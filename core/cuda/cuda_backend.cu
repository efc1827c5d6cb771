/* The CUDA backend table: device discovery and set-up (stream, cuBLAS,
 * cuDNN), error recording, memory and its accounting, transfers, fill and
 * axpy. The kernel families live in core/cuda/FAMILY.cu. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/device.h"
}

extern "C" const struct elementwise_kernels cuda_elementwise_kernels;
extern "C" const struct reduce_kernels cuda_reduce_kernels;
extern "C" const struct linalg_kernels cuda_linalg_kernels;
extern "C" const struct conv_kernels cuda_conv_kernels;
extern "C" const struct spatial_kernels cuda_spatial_kernels;
extern "C" const struct norm_kernels cuda_norm_kernels;
extern "C" const struct shape_kernels cuda_shape_kernels;
extern "C" const struct loss_kernels cuda_loss_kernels;
extern "C" const struct image_kernels cuda_image_kernels;
extern "C" const struct random_kernels cuda_random_kernels;
extern "C" const struct optim_kernels cuda_optim_kernels;

/* core/cuda/conv.cu: drops the chosen algorithms (the math mode changed). */
void cuda_conv_forget_algorithms(void);

cuda_context cuda_ctx = {-1};

/* cuBLAS's recommended workspace on Hopper. */
#define CUBLAS_WORKSPACE_BYTES ((size_t)32 << 20)

/* ---- errors ---- */

/* The first failure since the last sync, for backend->sync to return. */
static ganc_status pending_status;
static char pending_message[1024];

static ganc_status record(ganc_status status, const char *file, int line, const char *call, const char *library,
                          const char *reason) {
    ganc_error_set(status, file, line, "%s call %s failed: %s", library, call, reason);
    if (!pending_status) {
        pending_status = status;
        snprintf(pending_message, sizeof pending_message, "%s", ganc_error_message());
    }
    return status;
}

ganc_status cuda_note_error(ganc_status status) {
    if (status && !pending_status) {
        pending_status = status;
        snprintf(pending_message, sizeof pending_message, "%s", ganc_error_message());
    }
    return status;
}

ganc_status cuda_check_runtime(cudaError_t e, const char *call, const char *file, int line) {
    if (e == cudaSuccess) return GANC_OK;
    char reason[256];
    snprintf(reason, sizeof reason, "%s (%s)", cudaGetErrorName(e), cudaGetErrorString(e));
    return record(e == cudaErrorMemoryAllocation ? GANC_ERR_MEMORY : GANC_ERR_DEVICE, file, line, call, "CUDA",
                  reason);
}

ganc_status cuda_check_cublas(cublasStatus_t s, const char *call, const char *file, int line) {
    if (s == CUBLAS_STATUS_SUCCESS) return GANC_OK;
    return record(s == CUBLAS_STATUS_ALLOC_FAILED ? GANC_ERR_MEMORY : GANC_ERR_DEVICE, file, line, call, "cuBLAS",
                  cuda_lib.cublasGetStatusString(s));
}

ganc_status cuda_check_cudnn(cudnnStatus_t s, const char *call, const char *file, int line) {
    if (s == CUDNN_STATUS_SUCCESS) return GANC_OK;
    return record(s == CUDNN_STATUS_ALLOC_FAILED ? GANC_ERR_MEMORY : GANC_ERR_DEVICE, file, line, call, "cuDNN",
                  cuda_lib.cudnnGetErrorString(s));
}

static ganc_status cuda_sync(void) {
    if (cuda_ctx.device >= 0) CUDA_NOTE(cudaStreamSynchronize(cuda_ctx.stream));
    ganc_status st = pending_status;
    if (st) {
        ganc_error_set(st, __FILE__, __LINE__, "%s", pending_message);
        pending_status = GANC_OK;
    }
    return st;
}

/* ---- memory ---- */

/* Sizes of live allocations, for bytes_in_use: a handful of blocks (arenas,
 * parameter sets, moments, workspaces), so a list will do. */
typedef struct {
    void *ptr;
    size_t bytes;
} live_block;

static live_block *live;
static size_t n_live, cap_live;
static cuda_memory_stats stats;

static bool remember(void *ptr, size_t bytes) {
    if (n_live == cap_live) {
        size_t cap = cap_live ? 2 * cap_live : 64;
        live_block *grown = (live_block *)realloc(live, cap * sizeof *grown);
        if (!grown) return false;
        live = grown;
        cap_live = cap;
    }
    live[n_live++] = live_block{ptr, bytes};
    return true;
}

static void forget(void *ptr) {
    for (size_t i = 0; i < n_live; i++)
        if (live[i].ptr == ptr) {
            stats.bytes_in_use -= live[i].bytes;
            live[i] = live[--n_live];
            return;
        }
}

static void *cuda_alloc(size_t bytes) {
    size_t rounded = (bytes + 255) & ~(size_t)255;
    if (!rounded) rounded = 256;
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, rounded);
    if (e != cudaSuccess) {
        cudaGetLastError(); /* an allocation failure leaves the context usable */
        GANC_ERR(GANC_ERR_MEMORY, "cudaMalloc of %zu bytes on cuda:%d failed: %s (%zu bytes in use by ganc)", rounded,
                 cuda_ctx.device, cudaGetErrorString(e), stats.bytes_in_use);
        return NULL;
    }
    if (!remember(p, rounded)) {
        cudaFree(p);
        GANC_ERR(GANC_ERR_MEMORY, "cuda: out of host memory for the allocation list");
        return NULL;
    }
    stats.mallocs++;
    stats.bytes_in_use += rounded;
    if (stats.bytes_in_use > stats.peak_bytes) stats.peak_bytes = stats.bytes_in_use;
    return p;
}

static void cuda_release(void *ptr) {
    if (!ptr) return;
    CUDA_NOTE(cudaFree(ptr));
    stats.frees++;
    forget(ptr);
}

extern "C" cuda_memory_stats cuda_memory_stats_get(void) {
    cuda_memory_stats s = stats;
    s.device_free = s.device_total = 0;
    if (cuda_ctx.device >= 0) CUDA_NOTE(cudaMemGetInfo(&s.device_free, &s.device_total));
    return s;
}

/* ---- transfers, fill, axpy ---- */

static void cuda_copy(void *dst, const void *src, size_t bytes) {
    if (bytes && dst != src)
        CUDA_NOTE(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cuda_ctx.stream));
}

/* From pageable memory the copy is staged before the call returns, so the
 * caller may reuse `host` at once. */
static void cuda_upload(void *dst, const void *host, size_t bytes) {
    if (bytes) CUDA_NOTE(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, cuda_ctx.stream));
}

/* Waits for the copy. After a failure the host gets NaNs rather than
 * stale values that look valid; sync says what failed. */
static void cuda_download(void *host, const void *src, size_t bytes) {
    if (!bytes) return;
    ganc_status st = cuda_check_runtime(cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, cuda_ctx.stream),
                                        "cudaMemcpyAsync (device to host)", __FILE__, __LINE__);
    if (!st) st = cuda_check_runtime(cudaStreamSynchronize(cuda_ctx.stream), "cudaStreamSynchronize", __FILE__,
                                     __LINE__);
    if (st) memset(host, 0xff, bytes);
}

__global__ void fill_kernel(real *dst, real value, size_t n) {
    GRID_STRIDE(i, n) dst[i] = value;
}

static void cuda_fill(real *dst, real value, size_t n) {
    if (!n) return;
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if (bits == 0) CUDA_NOTE(cudaMemsetAsync(dst, 0, n * sizeof(real), cuda_ctx.stream));
    else CUDA_LAUNCH(fill_kernel, grid_for(n), CUDA_THREADS, dst, value, n);
}

__global__ void axpy_kernel(real *y, real a, const real *x, size_t n) {
    GRID_STRIDE(i, n) y[i] += a * x[i];
}

static void cuda_axpy(real *y, real a, const real *x, size_t n) {
    if (n) CUDA_LAUNCH(axpy_kernel, grid_for(n), CUDA_THREADS, y, a, x, n);
}

/* Positional: C++17 has no designated initialisers. Order of core/backend.h. */
static const backend cuda_backend = {
    "cuda",
    DEVICE_CUDA,
    cuda_alloc,
    cuda_release,
    cuda_copy,
    cuda_upload,
    cuda_download,
    cuda_fill,
    cuda_axpy,
    cuda_sync,
    &cuda_elementwise_kernels,
    &cuda_reduce_kernels,
    &cuda_linalg_kernels,
    &cuda_conv_kernels,
    &cuda_spatial_kernels,
    &cuda_norm_kernels,
    &cuda_shape_kernels,
    &cuda_loss_kernels,
    &cuda_image_kernels,
    &cuda_random_kernels,
    &cuda_optim_kernels,
};

/* ---- discovery and set-up ---- */

extern "C" bool cuda_compiled_in(void) { return true; }

extern "C" int cuda_device_count(char *why, size_t why_size) {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        cudaGetLastError();
        if (why && why_size) snprintf(why, why_size, "no GPU or driver: %s", cudaGetErrorString(err));
        return 0;
    }
    if (count == 0 && why && why_size) snprintf(why, why_size, "no GPU found");
    return count;
}

static ganc_status math_mode(void) {
    CUBLAS_TRY(cuda_lib.cublasSetMathMode(cuda_ctx.cublas, cuda_ctx.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
    return GANC_OK;
}

static ganc_status init_context(int index) {
    ganc_status st = cuda_libs_load();
    if (st) return st;
    cuda_ctx.device = index;
    CUDA_TRY(cudaSetDevice(index));
    CUDA_TRY(cudaDeviceGetAttribute(&cuda_ctx.sm_count, cudaDevAttrMultiProcessorCount, index));
    CUDA_TRY(cudaStreamCreateWithFlags(&cuda_ctx.stream, cudaStreamNonBlocking));
    CUBLAS_TRY(cuda_lib.cublasCreate_v2(&cuda_ctx.cublas));
    CUBLAS_TRY(cuda_lib.cublasSetStream_v2(cuda_ctx.cublas, cuda_ctx.stream));
    /* Our workspace: cuBLAS then allocates nothing behind the counters. */
    if (!(cuda_ctx.cublas_workspace = cuda_alloc(CUBLAS_WORKSPACE_BYTES))) return ganc_error_status();
    CUBLAS_TRY(cuda_lib.cublasSetWorkspace_v2(cuda_ctx.cublas, cuda_ctx.cublas_workspace, CUBLAS_WORKSPACE_BYTES));
    st = math_mode();
    if (st) return st;
    CUDNN_TRY(cuda_lib.cudnnCreate(&cuda_ctx.cudnn));
    CUDNN_TRY(cuda_lib.cudnnSetStream(cuda_ctx.cudnn, cuda_ctx.stream));
    cuda_ctx.partials = (double *)cuda_alloc((CUDA_PARTIALS + CUDA_RESULTS) * sizeof(double));
    if (!cuda_ctx.partials) return ganc_error_status();
    cuda_ctx.results = cuda_ctx.partials + CUDA_PARTIALS;
    return GANC_OK;
}

/* Undoes a failed init_context so a later call can report the same failure. */
static void drop_context(void) {
    if (cuda_ctx.cudnn) cuda_lib.cudnnDestroy(cuda_ctx.cudnn);
    if (cuda_ctx.cublas) cuda_lib.cublasDestroy_v2(cuda_ctx.cublas);
    cuda_release(cuda_ctx.partials);
    cuda_release(cuda_ctx.cublas_workspace);
    if (cuda_ctx.stream) cudaStreamDestroy(cuda_ctx.stream);
    bool tf32 = cuda_ctx.tf32;
    memset(&cuda_ctx, 0, sizeof cuda_ctx);
    cuda_ctx.device = -1;
    cuda_ctx.tf32 = tf32;
    pending_status = GANC_OK;
}

extern "C" const backend *cuda_backend_get(int index) {
    /* The common case first: parameter and optimizer code asks on every step. */
    if (cuda_ctx.device == index && index >= 0) return &cuda_backend;
    char why[256];
    int count = cuda_device_count(why, sizeof why);
    if (count == 0) {
        GANC_ERR(GANC_ERR_DEVICE, "CUDA backend unavailable: %s", why);
        return NULL;
    }
    if (index < 0 || index >= count) {
        GANC_ERR(GANC_ERR_DEVICE, "CUDA backend: cuda:%d requested but only %d GPU(s) present", index, count);
        return NULL;
    }
    if (cuda_ctx.device >= 0) {
        GANC_ERR(GANC_ERR_DEVICE, "CUDA backend: this process already runs on cuda:%d; one GPU per process (asked for "
                 "cuda:%d)", cuda_ctx.device, index);
        return NULL;
    }
    ganc_status st = init_context(index);
    if (st) {
        char message[1024];
        snprintf(message, sizeof message, "%s", ganc_error_message());
        drop_context();
        GANC_ERR(st, "CUDA backend: cannot initialise cuda:%d: %s", index, message);
        return NULL;
    }
    return &cuda_backend;
}

extern "C" void cuda_set_tf32(bool on) {
    if (cuda_ctx.tf32 == on) return;
    cuda_ctx.tf32 = on;
    if (cuda_ctx.device < 0) return;
    (void)math_mode();
    cuda_conv_forget_algorithms();
}

extern "C" bool cuda_tf32(void) { return cuda_ctx.tf32; }

extern "C" ganc_status cuda_device_describe(int index, char *buf, size_t size, double *fp32_gflops,
                                            double *memory_gbs) {
    if (buf && size) buf[0] = '\0';
    if (fp32_gflops) *fp32_gflops = 0;
    if (memory_gbs) *memory_gbs = 0;
    char why[256];
    if (cuda_device_count(why, sizeof why) <= index)
        return GANC_ERR(GANC_ERR_DEVICE, "cuda:%d: %s", index, why[0] ? why : "no such GPU");
    cudaDeviceProp p;
    CUDA_TRY(cudaGetDeviceProperties(&p, index));
    int clock_khz = 0, memory_khz = 0, bus_bits = 0;
    CUDA_TRY(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, index));
    CUDA_TRY(cudaDeviceGetAttribute(&memory_khz, cudaDevAttrMemoryClockRate, index));
    CUDA_TRY(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, index));
    /* 128 float32 FMA lanes per SM from sm_80 on; an FMA is 2 flops. Memory
     * moves data on both clock edges. */
    int lanes = p.major >= 8 ? 128 : 64;
    if (fp32_gflops) *fp32_gflops = (double)p.multiProcessorCount * lanes * 2 * clock_khz / 1e6;
    if (memory_gbs) *memory_gbs = 2.0 * memory_khz * 1e3 * (bus_bits / 8.0) / 1e9;
    if (buf && size)
        snprintf(buf, size, "%s, %d SMs, %.1f GiB, sm_%d%d", p.name, p.multiProcessorCount,
                 (double)p.totalGlobalMem / (1u << 30), p.major, p.minor);
    return GANC_OK;
}

extern "C" bool cuda_is_simulator(void) {
#ifdef GANC_CUDA_SIM
    return true;
#else
    return false;
#endif
}
