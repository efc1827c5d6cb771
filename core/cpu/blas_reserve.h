/* OpenBLAS's per-thread work buffers, taken up front where memory is capped. */
#ifndef GANC_CORE_CPU_BLAS_RESERVE_H
#define GANC_CORE_CPU_BLAS_RESERVE_H

#include "core/error.h"

/* Under an address-space or data limit (ulimit -v, ulimit -d), checks that
 * there is room for OpenBLAS's work buffer on every OpenMP thread and makes
 * each thread take it now; GANC_ERR_MEMORY naming the limit otherwise.
 * OpenBLAS takes that buffer at a thread's first call and retries forever
 * when it cannot, so without this a capped run hangs instead of failing.
 * Without a limit it does nothing. Call once, before the first step. */
ganc_status cpu_blas_reserve(void);

#endif
