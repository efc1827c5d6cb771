#ifndef GANC_TESTS_CUDA_PARITY_H
#define GANC_TESTS_CUDA_PARITY_H

/* CPU-vs-CUDA parity (tests/test_cuda_parity.c): every op runs forward and
 * backward on both devices from the same inputs and seed gradient, and
 * outputs, input gradients and inputs afterwards (running statistics) are
 * compared. The gradient-check cases give each op at small, odd shapes;
 * these larger ones reach the kernels' multi-block paths. */

#include "core/gradcheck/gradcheck.h"

/* NULL-terminated (tests/test_support_cuda_cases.c). */
extern const gradcheck_case *const cuda_parity_large_cases[];
/* The convolutions and products that TF32 changes. */
extern const gradcheck_case *const cuda_parity_tf32_cases[];

#endif
