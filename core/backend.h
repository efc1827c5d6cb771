#ifndef GANC_BACKEND_H
#define GANC_BACKEND_H

/* One table of kernels per device. An op checks shapes and devices once,
 * then calls backend_of(x)->family->kernel(...). The CPU kernels are the
 * specification; every other backend must match them (tests compare).
 * Kernel families are declared in core/kernels/<family>.h. */

#include <stddef.h>

#include "core/device.h"
#include "core/real.h"

struct elementwise_kernels;
struct reduce_kernels;
struct linalg_kernels;
struct conv_kernels;
struct spatial_kernels;
struct norm_kernels;
struct shape_kernels;
struct loss_kernels;
struct image_kernels;
struct random_kernels;
struct optim_kernels;

typedef struct backend {
    const char *name;
    device_kind kind;
    /* Raw memory of this device; alloc returns NULL on failure. */
    void *(*alloc)(size_t bytes);
    void (*release)(void *ptr);
    void (*copy)(void *dst, const void *src, size_t bytes);      /* same device */
    void (*upload)(void *dst, const void *host, size_t bytes);   /* host -> device */
    void (*download)(void *host, const void *src, size_t bytes); /* device -> host */
    void (*fill)(real *dst, real value, size_t n);
    void (*axpy)(real *y, real a, const real *x, size_t n); /* y += a*x */
    /* Waits for the device's queued work. Kernels cannot return an error,
     * so a device records the first one it meets; this returns it (with the
     * failed call and its file:line) and clears it. Always GANC_OK on the CPU. */
    ganc_status (*sync)(void);

    const struct elementwise_kernels *elementwise;
    const struct reduce_kernels *reduce;
    const struct linalg_kernels *linalg;
    const struct conv_kernels *conv;
    const struct spatial_kernels *spatial;
    const struct norm_kernels *norm;
    const struct shape_kernels *shape;
    const struct loss_kernels *loss;
    const struct image_kernels *image;
    const struct random_kernels *random;
    const struct optim_kernels *optim;
} backend;

extern const backend cpu_backend;

/* The backend of a device, or NULL with an error when it is not available
 * (CUDA not built, no GPU or driver, the GPU failed to initialise). */
const backend *backend_get(device d);

#endif
