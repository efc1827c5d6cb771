#ifndef GANC_OPS_CONV_H
#define GANC_OPS_CONV_H

/* 2-D convolutions (cross-correlation, as PyTorch) with an optional bias,
 * fused in one op. Every op returns a new tensor of the step, or NULL with
 * an error; a NULL input (an upstream failure) passes straight through. */

#include "core/tape.h"

/* Zero stride/dilation/groups are read as 1, so (conv2d_args){.pad_h = 1, .pad_w = 1} is a 3x3 "same" conv. */
typedef struct {
    int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
} conv2d_args;

/* Returns (N,O,OH,OW) with OH = (H + 2*pad_h - dilation_h*(KH-1) - 1) / stride_h + 1, OW alike. */
tensor *op_conv2d(tape *t, const tensor *x /* (N,C,H,W) */, const tensor *w /* (O,C/groups,KH,KW) */,
                  const tensor *b /* (O) or NULL */, conv2d_args a);

/* Zero stride is read as 1. output_pad (< stride) picks among the output
 * sizes that a stride-s conv maps back to H. */
typedef struct {
    int stride_h, stride_w, pad_h, pad_w, output_pad_h, output_pad_w;
} conv_transpose2d_args;

/* PyTorch's ConvTranspose2d: out = (in-1)*stride - 2*pad + K + output_pad.
 * Returns (N,O,OH,OW). */
tensor *op_conv_transpose2d(tape *t, const tensor *x /* (N,C,H,W) */, const tensor *w /* (C,O,KH,KW) */,
                            const tensor *b /* (O) or NULL */, conv_transpose2d_args a);

#endif
