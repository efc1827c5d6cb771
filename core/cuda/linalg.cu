/* CUDA linear algebra: GEMM through cuBLAS, bias rows by hand. cuBLAS is
 * column-major; a row-major matrix is its transpose there, so the
 * row-major C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T:
 * the operands swap and keep their transpose flags. TF32 only when
 * cuda_set_tf32(true) (the handle's math mode, core/cuda/cuda_backend.cu). */
#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/linalg.h"
}

static cublasOperation_t op_of(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }

static void cuda_gemm(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                      const real *b, int ldb, real beta, real *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    CUBLAS_NOTE(cuda_lib.cublasSgemm_v2(cuda_ctx.cublas, op_of(trans_b), op_of(trans_a), n, m, k, &alpha, b, ldb, a, lda, &beta,
                            c, ldc));
}

static void cuda_gemm_batched(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                              long stride_a, const real *b, int ldb, long stride_b, real beta, real *c, int ldc,
                              long stride_c, int batch) {
    if (m <= 0 || n <= 0 || batch <= 0) return;
    CUBLAS_NOTE(cuda_lib.cublasSgemmStridedBatched(cuda_ctx.cublas, op_of(trans_b), op_of(trans_a), n, m, k, &alpha, b, ldb,
                                          stride_b, a, lda, stride_a, &beta, c, ldc, stride_c, batch));
}

__global__ void add_row_bias_kernel(real *y, const real *b, long cols, long n) {
    GRID_STRIDE(i, n) y[i] += b[i % cols];
}

static void cuda_add_row_bias(real *y, const real *b, int rows, int cols) {
    long n = (long)rows * cols;
    if (n > 0) CUDA_LAUNCH(add_row_bias_kernel, grid_for((size_t)n), CUDA_THREADS, y, b, (long)cols, n);
}

struct row_sum_item {
    const real *dy;
    real *db;
    long cols;
    __device__ double load(long o, long r) const { return dy[r * cols + o]; }
    __device__ void store(long o, double s) const { db[o] += (real)s; }
};

static void cuda_sum_rows(const real *dy, int rows, int cols, real *db) {
    row_sum_item item = {dy, db, cols};
    group_reduce(cols, rows, item);
}

/* Positional, in the order of core/kernels/linalg.h. */
extern "C" const struct linalg_kernels cuda_linalg_kernels = {
    cuda_gemm,
    cuda_gemm_batched,
    cuda_add_row_bias,
    cuda_sum_rows,
};
