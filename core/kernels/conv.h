#ifndef GANC_KERNELS_CONV_H
#define GANC_KERNELS_CONV_H

/* 2-D convolution (cross-correlation, as PyTorch), NCHW. Every kernel sees
 * one conv_geom; a transposed convolution is the conv2d whose backward-data
 * pass it is, so it needs no kernels of its own:
 *   conv_transpose(x, w)     = backward_data(geometry of the conv from y to x, dy = x)
 *   its backward-data        = forward(same geometry, accumulate)
 *   its backward-weight      = backward_weight(same geometry, x = dy of y, dy = x)
 *
 * A benchmark (or any caller without a tape) does, for each pass P:
 *   conv_geom g = {...}; conv_geom_set_output(&g);
 *   size_t bytes = be->conv->workspace_bytes(&g, P);
 *   void *ws = bytes ? be->alloc(bytes) : NULL;
 *   be->conv->forward(&g, x, w, false, y, ws);        (P = CONV_PASS_FORWARD)
 *   be->conv->backward_data(&g, dy, w, false, dx, ws); (P = CONV_PASS_BACKWARD_DATA)
 *   be->conv->backward_weight(&g, x, dy, false, dw, ws); (P = CONV_PASS_BACKWARD_WEIGHT)
 * and counts 2 * n*o*oh*ow * (c/groups)*kh*kw flops per pass. */

#include <stdbool.h>

#include "core/kernels/dims.h"

typedef struct {
    int n;          /* batch */
    int c, h, w;    /* input channels and size */
    int o, kh, kw;  /* output channels, kernel size; weight is (o, c/groups, kh, kw) */
    int oh, ow;     /* output size (conv_geom_set_output) */
    int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups; /* all >= 1 except pads >= 0 */
} conv_geom;

typedef enum { CONV_PASS_FORWARD, CONV_PASS_BACKWARD_DATA, CONV_PASS_BACKWARD_WEIGHT } conv_pass;

static inline void conv_geom_set_output(conv_geom *g) {
    g->oh = (g->h + 2 * g->pad_h - g->dilation_h * (g->kh - 1) - 1) / g->stride_h + 1;
    g->ow = (g->w + 2 * g->pad_w - g->dilation_w * (g->kw - 1) - 1) / g->stride_w + 1;
}

/* Each pass writes its output when `accumulate` is false and adds to it when
 * true (cuDNN's beta 0 or 1): ops run forward passes with false and
 * backward passes with true. `ws` holds workspace_bytes(g, pass) bytes of
 * device memory the kernel may overwrite (NULL when that is 0); the size
 * may depend on the thread count, so query it right before the call. */
struct conv_kernels {
    size_t (*workspace_bytes)(const conv_geom *g, conv_pass pass);
    /* y = conv(x, w) */
    void (*forward)(const conv_geom *g, const real *x /* (n,c,h,w) */, const real *w /* (o,c/groups,kh,kw) */,
                    bool accumulate, real *y /* (n,o,oh,ow) */, void *ws);
    /* dx = conv's input gradient from dy */
    void (*backward_data)(const conv_geom *g, const real *dy /* (n,o,oh,ow) */,
                          const real *w /* (o,c/groups,kh,kw) */, bool accumulate, real *dx /* (n,c,h,w) */,
                          void *ws);
    /* dw = conv's weight gradient from x and dy */
    void (*backward_weight)(const conv_geom *g, const real *x /* (n,c,h,w) */, const real *dy /* (n,o,oh,ow) */,
                            bool accumulate, real *dw /* (o,c/groups,kh,kw) */, void *ws);
    /* y (n,c,hw) += b (c) on every plane. */
    void (*add_bias)(real *y, const real *b, int n, int c, int hw);
    /* db (c) += the sum of each channel of dy (n,c,hw). */
    void (*sum_bias)(const real *dy, int n, int c, int hw, real *db);
};

#endif
