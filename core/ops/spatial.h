#ifndef GANC_OPS_SPATIAL_H
#define GANC_OPS_SPATIAL_H

/* Padding, resampling and pooling over the (H,W) planes of an (N,C,H,W)
 * tensor, with PyTorch's semantics. Every op returns a new tensor of the
 * step, or NULL with an error; a NULL input passes straight through. */

#include "core/kernels/spatial.h"
#include "core/tape.h"

/* (N,C,H+top+bottom,W+left+right), the order of PyTorch's F.pad for the last
 * two dims. Pads are >= 0 (crop with op_slice); reflect needs each pad below
 * the size of its dim. */
tensor *op_pad(tape *t, const tensor *x /* (N,C,H,W) */, int left, int right, int top, int bottom, pad_mode mode);

/* (N,C,out_h,out_w). PyTorch's 'nearest': source index floor(dst*in/out),
 * computed exactly in integers; any output size, up or down. */
tensor *op_upsample_nearest(tape *t, const tensor *x /* (N,C,H,W) */, int out_h, int out_w);
/* (N,C,out_h,out_w). PyTorch's 'bilinear' with a given size; any output size. */
tensor *op_upsample_bilinear(tape *t, const tensor *x /* (N,C,H,W) */, int out_h, int out_w, bool align_corners);

/* (N,C,(H+2ph-kh)/sh+1,(W+2pw-kw)/sw+1): PyTorch's defaults
 * count_include_pad = true (the divisor is always kh*kw) and ceil_mode =
 * false. Padding must be at most half the window, as in PyTorch. */
tensor *op_avg_pool(tape *t, const tensor *x /* (N,C,H,W) */, int kh, int kw, int sh, int sw, int ph, int pw);
/* Same output size; padding acts as -inf. Ties go to the first maximum. */
tensor *op_max_pool(tape *t, const tensor *x /* (N,C,H,W) */, int kh, int kw, int sh, int sw, int ph, int pw);

/* (N,C,out_h,out_w). Bin i covers input rows floor(i*H/out_h) ..
 * ceil((i+1)*H/out_h) - 1 (likewise columns), as PyTorch; out may exceed in. */
tensor *op_adaptive_avg_pool(tape *t, const tensor *x /* (N,C,H,W) */, int out_h, int out_w);
tensor *op_adaptive_max_pool(tape *t, const tensor *x /* (N,C,H,W) */, int out_h, int out_w);
/* (N,C,1,1): the adaptive pools with a 1x1 output. */
tensor *op_global_avg_pool(tape *t, const tensor *x /* (N,C,H,W) */);
tensor *op_global_max_pool(tape *t, const tensor *x /* (N,C,H,W) */);

#endif
