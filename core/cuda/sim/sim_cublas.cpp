/* cuBLAS for the CUDA simulator: SGEMM as the cuBLAS documentation states
 * it, written as a plain loop nest and independent of the CPU backend, so
 * that a misuse of the real API (row/column-major confusion, a wrong leading
 * dimension or beta) fails the parity tests here.
 *   C = alpha op(A) op(B) + beta C, column-major: element (i, j) of an m x n
 *   matrix X with leading dimension ldx is X[i + j * ldx]; op(A) is m x k,
 *   op(B) is k x n; beta == 0 ignores C's old values (even NaN). */
#include <cstdio>

#include "cublas_v2.h"

struct cublasContext {
    cudaStream_t stream;
    cublasMath_t math;
};

cublasStatus_t cublasCreate_v2(cublasHandle_t *handle) {
    *handle = new cublasContext{nullptr, CUBLAS_DEFAULT_MATH};
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
    delete handle;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
    if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
    if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->math = mode;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void *, size_t) {
    return handle ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}

static float element(const float *x, int ld, bool trans, int row, int col) {
    return trans ? x[col + (long)row * ld] : x[row + (long)col * ld];
}

/* The documented argument checks: leading dimensions at least the stored rows. */
static cublasStatus_t check(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                            int lda, int ldb, int ldc) {
    if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (ta == CUBLAS_OP_C || tb == CUBLAS_OP_C) return CUBLAS_STATUS_NOT_SUPPORTED;
    int rows_a = ta == CUBLAS_OP_N ? m : k, rows_b = tb == CUBLAS_OP_N ? k : n;
    if (m < 0 || n < 0 || k < 0 || lda < (rows_a > 1 ? rows_a : 1) || ldb < (rows_b > 1 ? rows_b : 1) ||
        ldc < (m > 1 ? m : 1))
        return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
}

static void gemm(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc) {
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int p = 0; p < k; p++)
                sum += (double)element(A, lda, ta == CUBLAS_OP_T, i, p) * element(B, ldb, tb == CUBLAS_OP_T, p, j);
            float *c = &C[i + (long)j * ldc];
            *c = (float)(alpha * sum) + (beta == 0.0f ? 0.0f : beta * *c);
        }
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n,
                              int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
                              const float *beta, float *C, int ldc) {
    cublasStatus_t s = check(handle, transa, transb, m, n, k, lda, ldb, ldc);
    if (s == CUBLAS_STATUS_SUCCESS) gemm(transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc);
    return s;
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const float *alpha, const float *A, int lda,
                                         long long strideA, const float *B, int ldb, long long strideB,
                                         const float *beta, float *C, int ldc, long long strideC, int batchCount) {
    cublasStatus_t s = check(handle, transa, transb, m, n, k, lda, ldb, ldc);
    if (s == CUBLAS_STATUS_SUCCESS && batchCount < 0) s = CUBLAS_STATUS_INVALID_VALUE;
    for (int b = 0; s == CUBLAS_STATUS_SUCCESS && b < batchCount; b++)
        gemm(transa, transb, m, n, k, *alpha, A + b * strideA, lda, B + b * strideB, ldb, *beta, C + b * strideC, ldc);
    return s;
}

const char *cublasGetStatusString(cublasStatus_t status) {
    switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE (simulator: an argument breaks the documented rules)";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED (simulator: not simulated)";
    }
    return "CUBLAS_STATUS_UNKNOWN";
}
