/* Failing fast instead of hanging in OpenBLAS under a memory limit. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "core/cpu/blas_reserve.h"

#include <omp.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "core/kernels/linalg.h"

extern const struct linalg_kernels cpu_linalg_kernels;

/* OpenBLAS's BUFFER_SIZE in Debian's builds (seen in its 128 MiB mmap calls),
 * and the 64 MiB heap glibc reserves for each extra thread's malloc arena. */
#define BLAS_BUFFER_BYTES ((size_t)128 << 20)
#define THREAD_ARENA_BYTES ((size_t)64 << 20)
/* One product large enough that OpenBLAS uses its buffer, not a small-matrix kernel. */
#define WARM_N 64

static bool capped(int resource, rlim_t *limit) {
    struct rlimit r;
    if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return false;
    *limit = r.rlim_cur;
    return true;
}

ganc_status cpu_blas_reserve(void) {
    rlim_t as_limit = 0, data_limit = 0;
    bool as_capped = capped(RLIMIT_AS, &as_limit), data_capped = capped(RLIMIT_DATA, &data_limit);
    if (!as_capped && !data_capped) return GANC_OK;
    int threads = omp_get_max_threads();
    size_t need = (size_t)threads * BLAS_BUFFER_BYTES + (size_t)(threads - 1) * THREAD_ARENA_BYTES;
    /* The mapping is never touched: it only asks whether the limit leaves room. */
    void *probe = mmap(NULL, need, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe == MAP_FAILED) {
        rlim_t limit = as_capped ? as_limit : data_limit;
        return GANC_ERR(GANC_ERR_MEMORY,
                        "the memory limit (ulimit -%c %lu KiB) leaves no room for OpenBLAS's work buffers: "
                        "%d thread(s) need %zu MiB more address space than this process has left; raise the limit "
                        "or set OMP_NUM_THREADS lower",
                        as_capped ? 'v' : 'd', (unsigned long)(limit >> 10), threads, need >> 20);
    }
    munmap(probe, need);
    static real a[WARM_N * WARM_N], b[WARM_N * WARM_N];
#pragma omp parallel num_threads(threads)
    {
        real c[WARM_N * WARM_N];
        cpu_linalg_kernels.gemm(false, false, WARM_N, WARM_N, WARM_N, 1, a, WARM_N, b, WARM_N, 0, c, WARM_N);
    }
    return GANC_OK;
}
