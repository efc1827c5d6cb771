#ifndef GANC_KERNELS_LINALG_H
#define GANC_KERNELS_LINALG_H

/* Dense linear algebra. Matrices are row-major; `ld*` is the distance in
 * elements between consecutive rows as stored, so a kernel can work on a
 * block of a larger matrix. The contract of the other families holds where
 * it applies (forward kernels overwrite, backward kernels add): here the
 * caller chooses through beta. */

#include <stdbool.h>

#include "core/kernels/dims.h"

struct linalg_kernels {
    /* C (m,n) = alpha * op(A) op(B) + beta * C, with op(A) (m,k) and op(B)
     * (k,n). A is stored (m,k), or (k,m) when trans_a; B is stored (k,n), or
     * (n,k) when trans_b. beta = 0 ignores C's old values (even NaN). */
    void (*gemm)(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda, const real *b,
                 int ldb, real beta, real *c, int ldc);
    /* `batch` independent gemms; product i reads a + i*stride_a and
     * b + i*stride_b and writes c + i*stride_c. A stride of 0 shares that
     * operand across the batch (stride_c must not be 0). */
    void (*gemm_batched)(bool trans_a, bool trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                         long stride_a, const real *b, int ldb, long stride_b, real beta, real *c, int ldc,
                         long stride_c, int batch);
    /* y (rows,cols) += b (cols) on every row. */
    void (*add_row_bias)(real *y, const real *b, int rows, int cols);
    /* db (cols) += the sum of dy's (rows,cols) rows. */
    void (*sum_rows)(const real *dy, int rows, int cols, real *db);
};

#endif
