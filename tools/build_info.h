/* What this ganc binary was built with, for `ganc --version` and bug reports. */
#ifndef GANC_TOOLS_BUILD_INFO_H
#define GANC_TOOLS_BUILD_INFO_H

#include <stdio.h>

#define GANC_VERSION "0.1.0"

/* The version, then one line each: real type, BLAS library and the kernel
 * core it picked for this CPU, the CPU convolution path, CUDA. */
void build_info_print(FILE *out);

#endif
