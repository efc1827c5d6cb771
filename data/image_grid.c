#include "data/image_grid.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "data/image_io.h"

static uint8_t to_byte(real v) {
    double x = ((double)v + 1) * 127.5 + 0.5;
    if (!(x >= 1)) return 0; /* also NaN, whose conversion would be undefined */
    return x >= 255 ? 255 : (uint8_t)x;
}

ganc_status image_grid_write(const char *path, const real *const *images, int n_images, int n, int c, int h, int w) {
    if (!path || !path[0]) return GANC_ERR(GANC_ERR_ARG, "image grid: the path is empty");
    if (!images || n_images < 1 || n < 1 || h < 1 || w < 1 || (c != 1 && c != 3))
        return GANC_ERR(GANC_ERR_ARG,
                        "image grid %s: expected >= 1 batches of (n,c,h,w) with n,h,w >= 1 and c = 1 or 3, got %d "
                        "batches of (%d,%d,%d,%d)",
                        path, n_images, n, c, h, w);
    for (int j = 0; j < n_images; j++)
        if (!images[j]) return GANC_ERR(GANC_ERR_ARG, "image grid %s: batch %d is NULL", path, j);
    const int gap = IMAGE_GRID_GAP;
    long long gw = (long long)n_images * ((long long)w + gap) - gap, gh = (long long)n * ((long long)h + gap) - gap;
    if (gw > INT_MAX / 3 || gh > INT_MAX || gw * gh * 3 > INT_MAX)
        return GANC_ERR(GANC_ERR_ARG, "image grid %s: a %lldx%lld grid is too large for a PNG", path, gw, gh);
    size_t stride = (size_t)gw * 3, hw = (size_t)h * (size_t)w;
    uint8_t *pixels = malloc(stride * (size_t)gh);
    if (!pixels) return GANC_ERR(GANC_ERR_MEMORY, "image grid %s: out of memory for %lldx%lld pixels", path, gw, gh);
    memset(pixels, 255, stride * (size_t)gh);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n_images; j++) {
            const real *chw = images[j] + (size_t)i * (size_t)c * hw;
            for (int y = 0; y < h; y++) {
                uint8_t *out = pixels + ((size_t)i * (size_t)(h + gap) + (size_t)y) * stride + (size_t)j * (size_t)(w + gap) * 3;
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < 3; k++)
                        out[3 * x + k] = to_byte(chw[(size_t)(c == 3 ? k : 0) * hw + (size_t)y * (size_t)w + (size_t)x]);
            }
        }
    ganc_status st = image_write(path, &(image){(int)gw, (int)gh, 3, pixels}, 95);
    if (st) {
        char why[512];
        snprintf(why, sizeof why, "%s", ganc_error_message());
        st = GANC_ERR(st, "image grid %s: cannot write it: %s", path, why);
    }
    free(pixels);
    return st;
}

/* GPU tensors: the rows shown, copied to the host first. */
static ganc_status write_from_device(const char *path, const tensor *const *images, int n_images, int rows) {
    const int *s = images[0]->shape;
    size_t per = (size_t)rows * s[1] * s[2] * s[3];
    const backend *be = backend_get(images[0]->dev);
    real *host = be ? malloc((size_t)n_images * per * sizeof(real)) : NULL;
    if (!host) return be ? GANC_ERR(GANC_ERR_MEMORY, "image grid %s: out of memory", path) : ganc_error_status();
    const real *data[64];
    for (int j = 0; j < n_images; j++) {
        be->download(host + (size_t)j * per, images[j]->data, per * sizeof(real));
        data[j] = host + (size_t)j * per;
    }
    ganc_status st = be->sync();
    if (!st) st = image_grid_write(path, data, n_images, rows, s[1], s[2], s[3]);
    free(host);
    return st;
}

ganc_status image_grid_write_tensors(const char *path, const tensor *const *images, int n_images, int max_rows) {
    if (!path || !path[0]) return GANC_ERR(GANC_ERR_ARG, "image grid: the path is empty");
    if (!images || n_images < 1 || n_images > 64)
        return GANC_ERR(GANC_ERR_ARG, "image grid %s: expected 1 to 64 tensors, got %d", path, n_images);
    const real *data[64];
    char got[64], want[64];
    for (int j = 0; j < n_images; j++) {
        const tensor *t = images[j];
        if (!t) return GANC_ERR(GANC_ERR_ARG, "image grid %s: tensor %d is NULL", path, j);
        if (t->ndim != 4 || (t->shape[1] != 1 && t->shape[1] != 3))
            return GANC_ERR(GANC_ERR_SHAPE, "image grid %s: tensor %d (%s) has shape %s, expected (N,1|3,H,W)", path, j,
                            t->name, tensor_shape_str(t, got, sizeof got));
        if (!tensor_same_shape(t, images[0]))
            return GANC_ERR(GANC_ERR_SHAPE, "image grid %s: tensor %d (%s) has shape %s, tensor 0 (%s) has %s", path, j,
                            t->name, tensor_shape_str(t, got, sizeof got), images[0]->name,
                            tensor_shape_str(images[0], want, sizeof want));
        if (!device_equal(t->dev, images[0]->dev))
            return GANC_ERR(GANC_ERR_DEVICE, "image grid %s: tensor %d (%s) is on %s, tensor 0 (%s) on %s", path, j,
                            t->name, device_name(t->dev, got, sizeof got), images[0]->name,
                            device_name(images[0]->dev, want, sizeof want));
        data[j] = t->data;
    }
    const int *s = images[0]->shape;
    int rows = max_rows > 0 && max_rows < s[0] ? max_rows : s[0];
    if (images[0]->dev.kind == DEVICE_CPU) return image_grid_write(path, data, n_images, rows, s[1], s[2], s[3]);
    return write_from_device(path, images, n_images, rows);
}
