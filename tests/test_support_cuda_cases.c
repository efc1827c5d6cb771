/* Large parity cases for tests/test_cuda_parity.c: sizes where the CUDA
 * kernels use several blocks per output, split reductions, broadcasting
 * over many values, mirrored borders wider than the plane, and cuDNN and
 * cuBLAS at shapes of real networks. */
#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/image.h"
#include "core/ops/linalg.h"
#include "core/ops/loss.h"
#include "core/ops/norm.h"
#include "core/ops/random.h"
#include "core/ops/reduce.h"
#include "core/ops/shape.h"
#include "core/ops/spatial.h"
#include "core/ops/view.h"
#include "tests/cuda_parity.h"

#define IN(...) {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = GC_NORMAL}
#define POS(...) {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = GC_POSITIVE}
#define UNIT_CONST(...)                                                                                        \
    {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = GC_UNIT, .constant = true}
#define CONST(...)                                                                                             \
    {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = GC_NORMAL, .constant = true}
#define POS_CONST(...)                                                                                         \
    {.ndim = sizeof((int[]){__VA_ARGS__}) / sizeof(int), .shape = {__VA_ARGS__}, .dist = GC_POSITIVE,          \
     .constant = true}
#define LABELS(classes, n) {.ndim = 1, .shape = {n}, .dist = GC_LABELS, .param = classes, .constant = true}

/* A case whose forward is one expression of t and in[]. */
#define CASE(var, op_id, n, body, ...)                                                                           \
    static tensor *fw_##var(tape *t, tensor *const *in) { return body; }                                         \
    static const gradcheck_case var = {#var, op_id, n, {__VA_ARGS__}, fw_##var};

/* ---- elementwise and reductions ---- */
CASE(add_channel_bias, OP_ADD, 2, op_add(t, in[0], in[1]), IN(8, 64, 32, 32), IN(1, 64, 1, 1))
CASE(mul_scalar_tensor, OP_MUL, 2, op_mul(t, in[0], in[1]), IN(4, 3, 64, 64), IN(1))
CASE(div_rows, OP_DIV, 2, op_div(t, in[0], in[1]), IN(3, 1, 50, 70), POS(1, 5, 50, 1))
CASE(softplus_big, OP_SOFTPLUS, 1, op_softplus(t, in[0]), IN(4, 16, 64, 64))
CASE(sum_all, OP_SUM, 1, op_sum(t, in[0], 0, false), IN(16, 64, 64, 4))
CASE(mean_but_channels, OP_MEAN, 1, op_mean(t, in[0], 0xd, true), IN(8, 32, 16, 16))
CASE(max_rows, OP_MAX, 1, op_max(t, in[0], 0x2, false), IN(64, 1000))
CASE(max_all, OP_MAX, 1, op_max(t, in[0], 0, false), IN(4, 8, 32, 32))
CASE(softmax_classes, OP_SOFTMAX, 1, op_softmax(t, in[0], 1), IN(64, 1000))
CASE(log_softmax_channels, OP_LOG_SOFTMAX, 1, op_log_softmax(t, in[0], 1), IN(4, 16, 8, 8))

/* ---- linear algebra and convolution ---- */
CASE(matmul_batched_shared_b, OP_MATMUL, 2, op_matmul(t, in[0], in[1]), IN(3, 64, 96), IN(96, 80))
CASE(matmul_batched_both, OP_MATMUL, 2, op_matmul(t, in[0], in[1]), IN(4, 33, 65), IN(4, 65, 17))
CASE(linear_bias, OP_LINEAR, 3, op_linear(t, in[0], in[1], in[2]), IN(128, 256), IN(64, 256), IN(64))
CASE(conv3x3_same, OP_CONV2D, 3, op_conv2d(t, in[0], in[1], in[2], (conv2d_args){.pad_h = 1, .pad_w = 1}),
     IN(4, 32, 32, 32), IN(64, 32, 3, 3), IN(64))
CASE(conv4x4_stride2, OP_CONV2D, 2,
     op_conv2d(t, in[0], in[1], NULL, (conv2d_args){.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}),
     IN(2, 16, 33, 31), IN(24, 16, 4, 4))
CASE(conv7x7_valid, OP_CONV2D, 3, op_conv2d(t, in[0], in[1], in[2], (conv2d_args){0}), IN(1, 3, 70, 70),
     IN(16, 3, 7, 7), IN(16))
CASE(conv_depthwise, OP_CONV2D, 2, op_conv2d(t, in[0], in[1], NULL, (conv2d_args){.pad_h = 1, .pad_w = 1, .groups = 32}),
     IN(2, 32, 20, 20), IN(32, 1, 3, 3))
CASE(conv_dilated_groups, OP_CONV2D, 2,
     op_conv2d(t, in[0], in[1], NULL, (conv2d_args){.pad_h = 2, .pad_w = 2, .dilation_h = 2, .dilation_w = 2, .groups = 4}),
     IN(2, 16, 24, 24), IN(32, 4, 3, 3))
CASE(conv_transpose_up2, OP_CONV_TRANSPOSE2D, 3,
     op_conv_transpose2d(t, in[0], in[1], in[2],
                         (conv_transpose2d_args){.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1}),
     IN(2, 32, 16, 16), IN(32, 16, 4, 4), IN(16))
CASE(conv_transpose_output_pad, OP_CONV_TRANSPOSE2D, 2,
     op_conv_transpose2d(t, in[0], in[1], NULL,
                         (conv_transpose2d_args){.stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1,
                                                 .output_pad_h = 1, .output_pad_w = 1}),
     IN(2, 24, 9, 11), IN(24, 12, 3, 3))

/* ---- spatial ---- */
CASE(pad_reflect, OP_PAD, 1, op_pad(t, in[0], 3, 3, 3, 3, PAD_REFLECT), IN(2, 8, 37, 41))
CASE(pad_replicate_uneven, OP_PAD, 1, op_pad(t, in[0], 1, 5, 4, 0, PAD_REPLICATE), IN(2, 8, 13, 9))
CASE(pad_zero, OP_PAD, 1, op_pad(t, in[0], 2, 1, 0, 3, PAD_ZERO), IN(2, 8, 13, 9))
CASE(nearest_up, OP_UPSAMPLE_NEAREST, 1, op_upsample_nearest(t, in[0], 34, 57), IN(2, 8, 17, 19))
CASE(nearest_down, OP_UPSAMPLE_NEAREST, 1, op_upsample_nearest(t, in[0], 7, 11), IN(2, 8, 17, 19))
CASE(bilinear_up, OP_UPSAMPLE_BILINEAR, 1, op_upsample_bilinear(t, in[0], 40, 50, false), IN(2, 8, 17, 19))
CASE(bilinear_up_corners, OP_UPSAMPLE_BILINEAR, 1, op_upsample_bilinear(t, in[0], 40, 50, true), IN(2, 8, 17, 19))
CASE(bilinear_down, OP_UPSAMPLE_BILINEAR, 1, op_upsample_bilinear(t, in[0], 17, 23, false), IN(2, 4, 40, 40))
CASE(avg_pool_3s2p1, OP_AVG_POOL, 1, op_avg_pool(t, in[0], 3, 3, 2, 2, 1, 1), IN(2, 8, 33, 35))
CASE(max_pool_2s2, OP_MAX_POOL, 1, op_max_pool(t, in[0], 2, 2, 2, 2, 0, 0), IN(2, 8, 32, 32))
CASE(max_pool_3s1p1_overlapping, OP_MAX_POOL, 1, op_max_pool(t, in[0], 3, 3, 1, 1, 1, 1), IN(2, 4, 15, 17))
CASE(adaptive_avg, OP_ADAPTIVE_AVG_POOL, 1, op_adaptive_avg_pool(t, in[0], 5, 7), IN(2, 8, 37, 29))
CASE(adaptive_max, OP_ADAPTIVE_MAX_POOL, 1, op_adaptive_max_pool(t, in[0], 4, 4), IN(2, 8, 37, 29))

/* ---- norms ---- */
static tensor *fw_batch_norm_train(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], in[1], in[2], in[3], in[4], true, 0.1, 1e-5);
}
static const gradcheck_case batch_norm_train = {"batch_norm_train", OP_BATCH_NORM, 5,
                                                {IN(8, 32, 16, 16), IN(32), IN(32), CONST(32), POS_CONST(32)},
                                                fw_batch_norm_train};
CASE(instance_norm_affine, OP_INSTANCE_NORM, 3, op_instance_norm(t, in[0], in[1], in[2], 1e-5), IN(4, 64, 32, 32),
     IN(64), IN(64))
CASE(instance_norm_long_planes, OP_INSTANCE_NORM, 1, op_instance_norm(t, in[0], NULL, NULL, 1e-5), IN(1, 3, 256, 256))
CASE(group_norm, OP_GROUP_NORM, 3, op_group_norm(t, in[0], 8, in[1], in[2], 1e-5), IN(4, 32, 16, 16), IN(32), IN(32))
CASE(layer_norm, OP_LAYER_NORM, 3, op_layer_norm(t, in[0], in[1], in[2], 1e-5), IN(16, 512), IN(512), IN(512))

/* ---- shape ---- */
static tensor *fw_concat(tape *t, tensor *const *in) {
    const tensor *xs[3] = {in[0], in[1], in[2]};
    return op_concat(t, 3, xs, 1);
}
static const gradcheck_case concat_channels = {"concat_channels", OP_CONCAT, 3,
                                               {IN(4, 16, 24, 24), IN(4, 3, 24, 24), IN(4, 29, 24, 24)}, fw_concat};
CASE(slice_rows, OP_SLICE, 1, op_slice(t, in[0], 2, 5, 13), IN(4, 16, 24, 24))
CASE(permute_nhwc, OP_PERMUTE, 1, op_permute(t, in[0], (int[]){0, 2, 3, 1}), IN(4, 16, 24, 20))
CASE(flip_width_height, OP_FLIP, 1, op_flip(t, in[0], 0xc), IN(4, 16, 24, 20))

/* ---- losses ---- */
CASE(mse_images, OP_MSE, 2, op_mse(t, in[0], in[1]), IN(8, 3, 64, 64), IN(8, 3, 64, 64))
CASE(l1_images, OP_L1, 2, op_l1(t, in[0], in[1]), IN(8, 3, 64, 64), CONST(8, 3, 64, 64))
CASE(smooth_l1_images, OP_SMOOTH_L1, 2, op_smooth_l1(t, in[0], in[1], 0.5), IN(4, 3, 64, 64), IN(4, 3, 64, 64))
CASE(bce_patches, OP_BCE_WITH_LOGITS, 2, op_bce_with_logits(t, in[0], in[1]), IN(8, 1, 30, 30),
     UNIT_CONST(8, 1, 30, 30))
CASE(cross_entropy_many_classes, OP_CROSS_ENTROPY, 2, op_cross_entropy(t, in[0], in[1]), IN(256, 1000),
     LABELS(1000, 256))
CASE(nll_rows, OP_NLL, 2, op_nll(t, in[0], in[1]), IN(300, 40), LABELS(40, 300))
CASE(cosine_rows, OP_COSINE_SIMILARITY, 2, op_cosine_similarity(t, in[0], in[1], 1e-8), IN(64, 512), IN(64, 512))

/* ---- random, image, view ---- */
static tensor *fw_dropout(tape *t, tensor *const *in) {
    rng r;
    rng_init(&r, 99);
    r.counter = 12345; /* a stream position off the block boundary */
    return op_dropout(t, in[0], 0.3, true, &r);
}
static const gradcheck_case dropout_big = {"dropout_big", OP_DROPOUT, 1, {IN(8, 64, 32, 32)}, fw_dropout};
CASE(area_downscale_16, OP_AREA_DOWNSCALE, 1, op_area_downscale(t, in[0], 16, 16), IN(2, 3, 256, 256))
CASE(area_downscale_uneven, OP_AREA_DOWNSCALE, 1, op_area_downscale(t, in[0], 13, 7), IN(2, 3, 50, 33))
CASE(gaussian_blur_7, OP_GAUSSIAN_BLUR, 1, op_gaussian_blur(t, in[0], 7, 0), IN(2, 3, 64, 64))
CASE(gaussian_blur_wider_than_plane, OP_GAUSSIAN_BLUR, 1, op_gaussian_blur(t, in[0], 15, 3), IN(2, 2, 5, 6))
CASE(gaussian_blur_single_row, OP_GAUSSIAN_BLUR, 1, op_gaussian_blur(t, in[0], 5, 0), IN(1, 2, 1, 9))
CASE(sobel_images, OP_SOBEL, 1, op_sobel(t, in[0]), IN(2, 3, 64, 64))
CASE(grad_reverse_big, OP_GRAD_REVERSE, 1, op_mul_scalar(t, op_grad_reverse(t, in[0], 0.7), 2), IN(4, 64, 32, 32))

const gradcheck_case *const cuda_parity_large_cases[] = {
    &add_channel_bias, &mul_scalar_tensor, &div_rows, &softplus_big, &sum_all, &mean_but_channels, &max_rows,
    &max_all, &softmax_classes, &log_softmax_channels, &matmul_batched_shared_b, &matmul_batched_both,
    &linear_bias, &conv3x3_same, &conv4x4_stride2, &conv7x7_valid, &conv_depthwise, &conv_dilated_groups,
    &conv_transpose_up2, &conv_transpose_output_pad, &pad_reflect, &pad_replicate_uneven, &pad_zero, &nearest_up,
    &nearest_down, &bilinear_up, &bilinear_up_corners, &bilinear_down, &avg_pool_3s2p1, &max_pool_2s2,
    &max_pool_3s1p1_overlapping, &adaptive_avg, &adaptive_max, &batch_norm_train, &instance_norm_affine,
    &instance_norm_long_planes, &group_norm, &layer_norm, &concat_channels, &slice_rows, &permute_nhwc,
    &flip_width_height, &mse_images, &l1_images, &smooth_l1_images, &bce_patches, &cross_entropy_many_classes,
    &nll_rows, &cosine_rows, &dropout_big, &area_downscale_16, &area_downscale_uneven, &gaussian_blur_7,
    &gaussian_blur_wider_than_plane, &gaussian_blur_single_row, &sobel_images, &grad_reverse_big, NULL,
};

const gradcheck_case *const cuda_parity_tf32_cases[] = {
    &matmul_batched_shared_b, &linear_bias, &conv3x3_same, &conv4x4_stride2, &conv_transpose_up2, NULL,
};
