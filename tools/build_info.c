#include "tools/build_info.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu/conv_packed.h"
#include "core/cuda/cuda_backend.h"
#include "core/real.h"

void build_info_print(FILE *out) {
    fprintf(out, "ganc %s\n", GANC_VERSION);
    fprintf(out, "  real:             %s\n", REAL_NAME);
#ifdef OPENBLAS_CONFIG_H
    const char *config = openblas_get_config();
    while (*config == ' ') config++;
    fprintf(out, "  blas:             %s (core %s)\n", config, openblas_get_corename());
#else
    fprintf(out, "  blas:             unknown (built with a cblas.h that is not OpenBLAS's)\n");
#endif
    const char *choice = getenv("GANC_CPU_CONV");
    fprintf(out, "  cpu convolution:  %s\n",
            conv_packed_enabled()                      ? "packed AVX-512 (GANC_CPU_CONV=blas selects im2col + BLAS)"
            : choice && strcmp(choice, "blas") == 0    ? "im2col + BLAS (GANC_CPU_CONV=blas)"
            : REAL_IS_DOUBLE                           ? "im2col + BLAS (the packed path is float32 only)"
                                                       : "im2col + BLAS (no AVX-512 on this CPU, or not in this build)");
    fprintf(out, "  cuda:             %s\n",
            cuda_compiled_in() ? "compiled in (`ganc device --device cuda` says whether a GPU is usable)"
                               : "not compiled in (CPU only; rebuild with nvcc present and CUDA=1)");
}
