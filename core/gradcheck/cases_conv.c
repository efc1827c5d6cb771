/* Gradient checks: conv2d (padding, strides, dilation, groups, depthwise,
 * 1x1, non-square kernels, with and without bias) and conv_transpose2d
 * (strides, padding, output_pad, non-square). */
#include "core/gradcheck/cases.h"
#include "core/ops/conv.h"

#define CONV_CASE(var, case_name, args, has_bias, ...)                                                          \
    static tensor *fw_##var(tape *t, tensor *const *in) {                                                      \
        return op_conv2d(t, in[0], in[1], has_bias ? in[2] : NULL, (conv2d_args)args);                         \
    }                                                                                                          \
    static const gradcheck_case var = {case_name, OP_CONV2D, 2 + has_bias, {__VA_ARGS__}, fw_##var};

#define CONVT_CASE(var, case_name, args, has_bias, ...)                                                         \
    static tensor *fw_##var(tape *t, tensor *const *in) {                                                      \
        return op_conv_transpose2d(t, in[0], in[1], has_bias ? in[2] : NULL, (conv_transpose2d_args)args);     \
    }                                                                                                          \
    static const gradcheck_case var = {case_name, OP_CONV_TRANSPOSE2D, 2 + has_bias, {__VA_ARGS__}, fw_##var};

/* The args go through the macro in braces; these keep commas out of its argument list. */
#define PAD(h, w) {.pad_h = h, .pad_w = w}

CONV_CASE(same3x3, "conv2d_3x3_same_bias", PAD(1, 1), 1, GC_IN(GC_NORMAL, 2, 3, 5, 6),
          GC_IN(GC_NORMAL, 4, 3, 3, 3), GC_IN(GC_NORMAL, 4))
CONV_CASE(valid5x4, "conv2d_5x4_kernel_uneven_pad", PAD(2, 1), 0, GC_IN(GC_NORMAL, 1, 2, 6, 7),
          GC_IN(GC_NORMAL, 2, 2, 5, 4))

static const conv2d_args stride_args = {.stride_h = 2, .stride_w = 3, .pad_h = 1};
CONV_CASE(stride, "conv2d_stride_2x3_pad", stride_args, 1, GC_IN(GC_NORMAL, 2, 2, 7, 8),
          GC_IN(GC_NORMAL, 3, 2, 3, 2), GC_IN(GC_NORMAL, 3))
static const conv2d_args dilation_args = {.pad_h = 2, .pad_w = 1, .dilation_h = 2, .dilation_w = 2};
CONV_CASE(dilation, "conv2d_dilation_2", dilation_args, 0, GC_IN(GC_NORMAL, 1, 2, 7, 6),
          GC_IN(GC_NORMAL, 3, 2, 3, 3))
static const conv2d_args groups_args = {.pad_h = 1, .pad_w = 1, .groups = 2};
CONV_CASE(groups, "conv2d_groups_2", groups_args, 1, GC_IN(GC_NORMAL, 2, 4, 5, 4), GC_IN(GC_NORMAL, 6, 2, 3, 3),
          GC_IN(GC_NORMAL, 6))
static const conv2d_args depthwise_args = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1, .groups = 3};
CONV_CASE(depthwise, "conv2d_depthwise_stride2", depthwise_args, 1, GC_IN(GC_NORMAL, 1, 3, 6, 5),
          GC_IN(GC_NORMAL, 3, 1, 3, 3), GC_IN(GC_NORMAL, 3))
CONV_CASE(pointwise, "conv2d_1x1", {0}, 1, GC_IN(GC_NORMAL, 2, 4, 3, 5), GC_IN(GC_NORMAL, 3, 4, 1, 1),
          GC_IN(GC_NORMAL, 3))
static const conv2d_args pointwise_stride_args = {.stride_h = 2, .stride_w = 2};
CONV_CASE(pointwise_stride, "conv2d_1x1_stride2", pointwise_stride_args, 0, GC_IN(GC_NORMAL, 1, 3, 5, 5),
          GC_IN(GC_NORMAL, 2, 3, 1, 1))
/* Stride 1 but many more output than input channels, and padding wider
 * than the kernel: two ways a CPU backward-data leaves its flipped-conv path. */
CONV_CASE(widening, "conv2d_widening_3x3", PAD(1, 2), 1, GC_IN(GC_NORMAL, 1, 2, 5, 4), GC_IN(GC_NORMAL, 6, 2, 3, 3),
          GC_IN(GC_NORMAL, 6))
CONV_CASE(wide_pad, "conv2d_pad_wider_than_kernel", PAD(3, 2), 0, GC_IN(GC_NORMAL, 1, 2, 4, 3),
          GC_IN(GC_NORMAL, 2, 2, 3, 3))
/* A frozen weight still passes the gradient to the input (discriminators seen from G). */
CONV_CASE(frozen, "conv2d_frozen_weight", PAD(1, 1), 1, GC_IN(GC_NORMAL, 1, 2, 4, 5),
          GC_CONST(GC_NORMAL, 0, 3, 2, 3, 3), GC_CONST(GC_NORMAL, 0, 3))

static const conv_transpose2d_args up2_args = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1};
CONVT_CASE(up2, "conv_transpose2d_4x4_stride2_bias", up2_args, 1, GC_IN(GC_NORMAL, 2, 3, 3, 4),
           GC_IN(GC_NORMAL, 3, 2, 4, 4), GC_IN(GC_NORMAL, 2))
static const conv_transpose2d_args outpad_args = {.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1,
                                                  .output_pad_h = 1, .output_pad_w = 1};
CONVT_CASE(outpad, "conv_transpose2d_3x3_output_pad", outpad_args, 0, GC_IN(GC_NORMAL, 1, 2, 4, 3),
           GC_IN(GC_NORMAL, 2, 3, 3, 3))
CONVT_CASE(plain, "conv_transpose2d_2x3_stride1", {0}, 1, GC_IN(GC_NORMAL, 1, 2, 4, 4),
           GC_IN(GC_NORMAL, 2, 2, 2, 3), GC_IN(GC_NORMAL, 2))
static const conv_transpose2d_args uneven_args = {.stride_h = 2, .stride_w = 3, .pad_w = 1, .output_pad_h = 1,
                                                  .output_pad_w = 2};
CONVT_CASE(uneven, "conv_transpose2d_stride_2x3_output_pad", uneven_args, 0, GC_IN(GC_NORMAL, 1, 2, 3, 3),
           GC_IN(GC_NORMAL, 2, 2, 3, 3))
CONVT_CASE(pointwise_t, "conv_transpose2d_1x1", {0}, 1, GC_IN(GC_NORMAL, 2, 4, 3, 3),
           GC_IN(GC_NORMAL, 4, 3, 1, 1), GC_IN(GC_NORMAL, 3))

const gradcheck_case *const gradcheck_cases_conv[] = {
    &same3x3, &valid5x4, &stride, &dilation, &groups, &depthwise,   &pointwise, &pointwise_stride, &widening,
    &wide_pad, &frozen,  &up2,    &outpad,   &plain,  &uneven,      &pointwise_t, NULL,
};
