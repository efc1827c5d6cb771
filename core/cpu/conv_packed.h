#ifndef GANC_CPU_CONV_PACKED_H
#define GANC_CPU_CONV_PACKED_H

/* The CPU's fast convolution passes: GEMMs with an AVX-512 microkernel
 * that pack their operands straight from x, w and dy, with no im2col matrix
 * and no BLAS (conv_packed.c says how): forward, backward-data (a flipped
 * forward at stride 1, one per stride phase otherwise), and backward-weight. It serves the float32 build on CPUs
 * with AVX-512 (F and VL), for every geometry; the caller (conv_cpu.c) runs im2col +
 * BLAS otherwise. */

#include <stdbool.h>
#include <stddef.h>

#include "core/kernels/conv.h"

/* Whether the packed path runs here: in this build, on this CPU. Setting
 * the environment variable GANC_CPU_CONV=blas turns it off, so the two
 * paths can be timed against each other; "packed", empty or unset keep it. */
bool conv_packed_enabled(void);

/* NULL when GANC_CPU_CONV is unset, empty, "blas" or "packed"; otherwise
 * its value, which conv_packed_enabled takes as "packed". The ganc command
 * refuses such a value (tools/ganc.c). */
const char *conv_packed_bad_choice(void);

/* Scratch for `threads` threads, in bytes. */
size_t conv_packed_workspace_bytes(const conv_geom *g, int threads);

/* y = conv(x, w), or y += when `accumulate`. With `flipped_w`, w is the
 * weight of the convolution whose backward-data pass this is: shape
 * (c, o/groups, kh, kw), each group's kernel read turned by 180 degrees
 * with its two channel axes swapped, as conv_cpu.c's data_as_forward
 * needs. ws holds conv_packed_workspace_bytes(g, omp_get_max_threads()). */
void conv_packed_forward(const conv_geom *g, const real *x, const real *w, bool flipped_w, bool accumulate, real *y,
                         void *ws);

/* dx = conv's input gradient (dx += when `accumulate`) for strided (and
 * any undilated) convolutions, by stride phases (conv_packed_strided.c).
 * ws holds conv_packed_backward_data_workspace_bytes(g, omp_get_max_threads()). */
bool conv_packed_backward_data_usable(const conv_geom *g);
size_t conv_packed_backward_data_workspace_bytes(const conv_geom *g, int threads);
void conv_packed_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                               void *ws);

/* dw = conv's weight gradient (dw += when `accumulate`). ws holds
 * conv_packed_backward_weight_workspace_bytes(g, omp_get_max_threads()). */
size_t conv_packed_backward_weight_workspace_bytes(const conv_geom *g, int threads);
void conv_packed_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                 void *ws);

#endif
