/* cuBLAS and cuDNN, loaded with dlopen when a GPU is first set up. Linked
 * directly they would cost every run, CPU ones included, a fifth of a
 * second and 200 MB of relocations at start-up, and a binary built with
 * CUDA would not start where they are missing; loaded here, a missing
 * library is an error of `--device cuda` alone. Searched: the loader's
 * usual paths, then the CUDA_HOME and CUDNN_HOME library folders the
 * build was made with (GANC_CUDA_LIB_DIRS). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "core/cuda/cuda_internal.cuh"

#ifndef GANC_CUDA_LIB_DIRS
#define GANC_CUDA_LIB_DIRS "/usr/local/cuda/lib64"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

cuda_library_table cuda_lib;

/* The soname the headers were built against, from the folders to try. */
static void *open_library(const char *soname, char *why, size_t why_size) {
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (h) return h;
    snprintf(why, why_size, "%s", dlerror());
    char dirs[1024];
    snprintf(dirs, sizeof dirs, "%s", GANC_CUDA_LIB_DIRS);
    for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char path[1280];
        snprintf(path, sizeof path, "%s/%s", dir, soname);
        if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL))) return h;
    }
    return NULL;
}

static ganc_status resolve(void *h, const char *library, const char *name, void **slot) {
    *slot = dlsym(h, name);
    if (!*slot) return GANC_ERR(GANC_ERR_DEVICE, "%s has no function %s (a different version than the build's "
                                "headers?)", library, name);
    return GANC_OK;
}

static const char *const cublas_name = "libcublas.so." STR(CUBLAS_VER_MAJOR);
static const char *const cudnn_name = "libcudnn.so." STR(CUDNN_MAJOR);

ganc_status cuda_libs_load(void) {
    static bool loaded;
    if (loaded) return GANC_OK;
    char why[512];
    void *cublas = open_library(cublas_name, why, sizeof why);
    if (!cublas) return GANC_ERR(GANC_ERR_DEVICE, "cannot load %s (tried the loader's paths and %s): %s", cublas_name,
                                 GANC_CUDA_LIB_DIRS, why);
    void *cudnn = open_library(cudnn_name, why, sizeof why);
    if (!cudnn) return GANC_ERR(GANC_ERR_DEVICE, "cannot load %s (tried the loader's paths and %s): %s", cudnn_name,
                                GANC_CUDA_LIB_DIRS, why);
    ganc_status st = GANC_OK;
#define RESOLVE(fn) \
    if (!st) st = resolve(strncmp(#fn, "cublas", 6) == 0 ? cublas : cudnn, #fn, #fn, (void **)&cuda_lib.fn);
    CUDA_LIBRARY_FUNCTIONS(RESOLVE)
#undef RESOLVE
    if (st) return st;
    /* cuDNN's major version must match the headers' (its ABI changes with it). */
    size_t version = cuda_lib.cudnnGetVersion();
    if (version / 10000 != CUDNN_MAJOR)
        return GANC_ERR(GANC_ERR_DEVICE, "%s reports version %zu; this build's headers are cuDNN %d.%d", cudnn_name,
                        version, CUDNN_MAJOR, CUDNN_MINOR);
    loaded = true;
    return GANC_OK;
}

extern "C" ganc_status cuda_libraries_describe(char *buf, size_t size) {
    if (buf && size) buf[0] = '\0';
    ganc_status st = cuda_libs_load();
    if (st) return st;
    if (buf && size) snprintf(buf, size, "%s, %s (cuDNN %zu)", cublas_name, cudnn_name, cuda_lib.cudnnGetVersion());
    return GANC_OK;
}
