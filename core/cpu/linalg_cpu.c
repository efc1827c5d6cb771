/* CPU reference kernels for dense linear algebra: GEMM through cblas
 * (OpenBLAS) on ganc's own OpenMP threads, bias rows. */
#include <cblas.h>
#include <omp.h>
#include <pthread.h>

#include "core/backend.h"
#include "core/kernels/linalg.h"

/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PARALLEL_MIN_MACS (1L << 18)

/* OpenBLAS runs single-threaded: ganc parallelises with OpenMP, and
 * OpenBLAS's pthread pool beside OpenMP's threads spins on the same cores.
 * With another process busy on one core that made a small CycleGAN step 20x
 * slower (scripts/bench_shared_core.sh). */
static pthread_once_t blas_threads_once = PTHREAD_ONCE_INIT;

static void blas_single_thread(void) {
#ifdef OPENBLAS_CONFIG_H
    openblas_set_num_threads(1);
#endif
}

static void blas_gemm(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                      const real *b, int ldb, real beta, real *c, int ldc) {
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
#if REAL_IS_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
}

/* A large product outside a parallel region is split by output columns over
 * the threads; every element still sums its k terms in one call, so the
 * result does not depend on the thread count. */
static void cpu_gemm(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                     const real *b, int ldb, real beta, real *c, int ldc) {
    pthread_once(&blas_threads_once, blas_single_thread);
    int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
    if (threads < 2 || n < 2 * threads || (double)m * n * k < PARALLEL_MIN_MACS) {
        blas_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        int part = omp_get_thread_num(), parts = omp_get_num_threads();
        int j0 = (int)((long)n * part / parts), j1 = (int)((long)n * (part + 1) / parts);
        const real *b_cols = trans_b ? b + (long)j0 * ldb : b + j0;
        blas_gemm(trans_a, trans_b, m, j1 - j0, k, alpha, a, lda, b_cols, ldb, beta, c + j0, ldc);
    }
}

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
