#include "data/npy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/safetensors.h"

#define NPY_MAX_DIM 8

ganc_status npy_write_f32(const char *path, int ndim, const int *shape, const real *values) {
    if (ndim < 1 || ndim > NPY_MAX_DIM)
        return GANC_ERR(GANC_ERR_ARG, "npy %s: %d dimensions; 1 to %d fit", path, ndim, NPY_MAX_DIM);
    /* The header: magic, version 1.0, a little-endian uint16 length, then a
     * Python dict literal padded with spaces and a newline so that the data
     * starts at a multiple of 64 bytes. */
    char dict[256];
    size_t n = 1, len = (size_t)snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    for (int d = 0; d < ndim; d++) {
        n *= (size_t)shape[d];
        len += (size_t)snprintf(dict + len, sizeof dict - len, ndim == 1 ? "%d," : d ? ", %d" : "%d", shape[d]);
    }
    len += (size_t)snprintf(dict + len, sizeof dict - len, "), }");
    size_t total = 10 + len + 1;
    size_t pad = (64 - total % 64) % 64;
    unsigned char head[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    size_t header_len = len + pad + 1;
    head[8] = (unsigned char)(header_len & 0xff);
    head[9] = (unsigned char)(header_len >> 8);
    unsigned char *data = malloc(4 * (n ? n : 1));
    if (!data) return GANC_ERR(GANC_ERR_MEMORY, "npy %s: out of memory for %zu values", path, n);
    safetensors_encode_f32(values, n, data);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(head, 1, 10, f) == 10 && fwrite(dict, 1, len, f) == len;
    for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF && fwrite(data, 4, n, f) == n;
    int err = errno;
    if (f && fclose(f) && ok) ok = false, err = errno;
    free(data);
    if (!ok) return GANC_ERR(GANC_ERR_IO, "npy %s: cannot write: %s", path, strerror(err));
    return GANC_OK;
}
