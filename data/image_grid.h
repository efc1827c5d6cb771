#ifndef GANC_DATA_IMAGE_GRID_H
#define GANC_DATA_IMAGE_GRID_H

/* Sample grids for training logs: column j shows batch j (for CycleGAN:
 * real A, fake B, rec A, real B, fake A, rec B), row i its sample i. Cells
 * are separated by IMAGE_GRID_GAP white pixels. Values in [-1, 1] map to
 * bytes round((v + 1) * 127.5), clamped; NaN shows black. One-channel
 * batches (masks) show grey. PATH's extension picks PNG or JPEG (.png, .jpg,
 * .jpeg; anything else is refused, image_write), written to PATH.tmp and
 * renamed, so a viewer never sees a half-written file. */

#include "core/real.h"
#include "core/tensor.h"

#define IMAGE_GRID_GAP 2

/* images[j]: (n,c,h,w) host arrays, c = 1 or 3. The message names the
 * path and the bad size. */
ganc_status image_grid_write(const char *path, const real *const *images, int n_images, int n, int c, int h, int w);

/* The same from tensors of one shape (n,c,h,w) on one device (GPU tensors
 * are copied to the host), showing at most max_rows samples (all when
 * max_rows <= 0). The message names the path and the offending tensor. */
ganc_status image_grid_write_tensors(const char *path, const tensor *const *images, int n_images, int max_rows);

#endif
