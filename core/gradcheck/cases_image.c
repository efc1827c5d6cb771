/* Gradient checks: area downscale, Gaussian blur, Sobel. All three are
 * linear in their input; the cases vary ratios, filter widths (wider than
 * the plane, to exercise repeated reflection) and plane shapes. */
#include "core/gradcheck/cases.h"
#include "core/ops/image.h"

#define IMAGE_CASE(var, case_name, op, input, expr)                     \
    static tensor *fw_##var(tape *t, tensor *const *in) { return expr; } \
    static const gradcheck_case var = {case_name, op, 1, {input}, fw_##var};

IMAGE_CASE(area_10_to_4, "area_downscale_10_to_4", OP_AREA_DOWNSCALE, GC_IN(GC_NORMAL, 1, 2, 10, 10),
           op_area_downscale(t, in[0], 4, 4))
IMAGE_CASE(area_mixed, "area_downscale_non_integer_mixed", OP_AREA_DOWNSCALE, GC_IN(GC_NORMAL, 2, 1, 9, 7),
           op_area_downscale(t, in[0], 4, 3))
IMAGE_CASE(area_integer, "area_downscale_integer_ratio", OP_AREA_DOWNSCALE, GC_IN(GC_NORMAL, 1, 3, 8, 6),
           op_area_downscale(t, in[0], 4, 3))
IMAGE_CASE(area_one_dim, "area_downscale_width_only", OP_AREA_DOWNSCALE, GC_IN(GC_NORMAL, 1, 1, 5, 7),
           op_area_downscale(t, in[0], 5, 2))

IMAGE_CASE(blur_k5, "gaussian_blur_k5_sigma1.1", OP_GAUSSIAN_BLUR, GC_IN(GC_NORMAL, 1, 2, 9, 8),
           op_gaussian_blur(t, in[0], 5, 1.1))
IMAGE_CASE(blur_derived, "gaussian_blur_ksize_from_sigma", OP_GAUSSIAN_BLUR, GC_IN(GC_NORMAL, 2, 1, 6, 7),
           op_gaussian_blur(t, in[0], 0, 0.6))
IMAGE_CASE(blur_wide, "gaussian_blur_wider_than_plane", OP_GAUSSIAN_BLUR, GC_IN(GC_NORMAL, 1, 2, 4, 3),
           op_gaussian_blur(t, in[0], 11, 0))
IMAGE_CASE(blur_fixed, "gaussian_blur_fixed_taps_k3", OP_GAUSSIAN_BLUR, GC_IN(GC_NORMAL, 1, 3, 5, 6),
           op_gaussian_blur(t, in[0], 3, 0))

IMAGE_CASE(sobel_rect, "sobel_rect", OP_SOBEL, GC_IN(GC_NORMAL, 1, 2, 6, 7), op_sobel(t, in[0]))
IMAGE_CASE(sobel_batch, "sobel_batch", OP_SOBEL, GC_IN(GC_NORMAL, 2, 3, 5, 4), op_sobel(t, in[0]))
IMAGE_CASE(sobel_thin, "sobel_two_rows", OP_SOBEL, GC_IN(GC_NORMAL, 1, 1, 2, 5), op_sobel(t, in[0]))

const gradcheck_case *const gradcheck_cases_image[] = {
    &area_10_to_4, &area_mixed, &area_integer, &area_one_dim,
    &blur_k5, &blur_derived, &blur_wide, &blur_fixed,
    &sobel_rect, &sobel_batch, &sobel_thin,
    NULL,
};
