/* CPU reference kernels for dense linear algebra: GEMM through cblas
 * (OpenBLAS, which threads large products itself), bias rows. */
#include <cblas.h>

#include "core/backend.h"
#include "core/kernels/linalg.h"

static void cpu_gemm(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                     const real *b, int ldb, real beta, real *c, int ldc) {
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
#if REAL_IS_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

/* One product after another, each on BLAS's threads: BLAS called from
 * inside an OpenMP region would fight its own thread pool. */
static void cpu_gemm_batched(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                             long stride_a, const real *b, int ldb, long stride_b, real beta, real *c, int ldc,
                             long stride_c, int batch) {
    for (int i = 0; i < batch; i++)
        cpu_gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
                 c + i * stride_c, ldc);
}

static void cpu_add_row_bias(real *y, const real *b, int rows, int cols) {
    for (int i = 0; i < rows; i++) {
        real *row = y + (long)i * cols;
        for (int j = 0; j < cols; j++) row[j] += b[j];
    }
}

static void cpu_sum_rows(const real *dy, int rows, int cols, real *db) {
    for (int i = 0; i < rows; i++) {
        const real *row = dy + (long)i * cols;
        for (int j = 0; j < cols; j++) db[j] += row[j];
    }
}

const struct linalg_kernels cpu_linalg_kernels = {
    .gemm = cpu_gemm,
    .gemm_batched = cpu_gemm_batched,
    .add_row_bias = cpu_add_row_bias,
    .sum_rows = cpu_sum_rows,
};
