/* Gradient checks: padding, resampling and pooling. Max-like pools use
 * GC_DISTINCT inputs (0.05 apart) so a finite-difference step never
 * changes the winner. */
#include "core/gradcheck/cases.h"
#include "core/ops/spatial.h"

#define SPATIAL_CASE(var, case_name, op, input, expr)                   \
    static tensor *fw_##var(tape *t, tensor *const *in) { return expr; } \
    static const gradcheck_case var = {case_name, op, 1, {input}, fw_##var};

SPATIAL_CASE(pad_zero, "pad_zero_asymmetric", OP_PAD, GC_IN(GC_NORMAL, 2, 3, 4, 5),
             op_pad(t, in[0], 1, 2, 0, 3, PAD_ZERO))
SPATIAL_CASE(pad_reflect, "pad_reflect_max_pads", OP_PAD, GC_IN(GC_NORMAL, 1, 2, 5, 4),
             op_pad(t, in[0], 3, 2, 1, 4, PAD_REFLECT))
SPATIAL_CASE(pad_reflect_sym, "pad_reflect_symmetric", OP_PAD, GC_IN(GC_NORMAL, 2, 2, 6, 7),
             op_pad(t, in[0], 1, 1, 1, 1, PAD_REFLECT))
SPATIAL_CASE(pad_replicate, "pad_replicate_wide", OP_PAD, GC_IN(GC_NORMAL, 2, 2, 3, 4),
             op_pad(t, in[0], 4, 1, 2, 5, PAD_REPLICATE))

SPATIAL_CASE(nearest_2x, "upsample_nearest_2x", OP_UPSAMPLE_NEAREST, GC_IN(GC_NORMAL, 2, 3, 3, 4),
             op_upsample_nearest(t, in[0], 6, 8))
SPATIAL_CASE(nearest_odd, "upsample_nearest_non_integer", OP_UPSAMPLE_NEAREST, GC_IN(GC_NORMAL, 1, 2, 5, 3),
             op_upsample_nearest(t, in[0], 7, 8))
SPATIAL_CASE(nearest_down, "upsample_nearest_downscale", OP_UPSAMPLE_NEAREST, GC_IN(GC_NORMAL, 1, 2, 7, 6),
             op_upsample_nearest(t, in[0], 3, 4))

SPATIAL_CASE(bilinear_up, "upsample_bilinear_up", OP_UPSAMPLE_BILINEAR, GC_IN(GC_NORMAL, 1, 2, 3, 4),
             op_upsample_bilinear(t, in[0], 7, 9, false))
SPATIAL_CASE(bilinear_up_ac, "upsample_bilinear_up_align_corners", OP_UPSAMPLE_BILINEAR,
             GC_IN(GC_NORMAL, 1, 2, 3, 4), op_upsample_bilinear(t, in[0], 7, 9, true))
SPATIAL_CASE(bilinear_down, "upsample_bilinear_down", OP_UPSAMPLE_BILINEAR, GC_IN(GC_NORMAL, 2, 1, 9, 7),
             op_upsample_bilinear(t, in[0], 4, 3, false))
SPATIAL_CASE(bilinear_down_ac, "upsample_bilinear_down_align_corners", OP_UPSAMPLE_BILINEAR,
             GC_IN(GC_NORMAL, 2, 1, 9, 7), op_upsample_bilinear(t, in[0], 4, 3, true))
SPATIAL_CASE(bilinear_to_one, "upsample_bilinear_to_one_row_align_corners", OP_UPSAMPLE_BILINEAR,
             GC_IN(GC_NORMAL, 1, 2, 4, 5), op_upsample_bilinear(t, in[0], 1, 8, true))

SPATIAL_CASE(avg_pool_k3, "avg_pool_k3_s2_p1", OP_AVG_POOL, GC_IN(GC_NORMAL, 2, 3, 7, 6),
             op_avg_pool(t, in[0], 3, 3, 2, 2, 1, 1))
SPATIAL_CASE(avg_pool_k2, "avg_pool_k2_s2", OP_AVG_POOL, GC_IN(GC_NORMAL, 1, 2, 6, 9),
             op_avg_pool(t, in[0], 2, 2, 2, 2, 0, 0))
SPATIAL_CASE(avg_pool_rect, "avg_pool_rect_window_stride_pad", OP_AVG_POOL, GC_IN(GC_NORMAL, 1, 2, 5, 7),
             op_avg_pool(t, in[0], 3, 2, 1, 2, 1, 0))

SPATIAL_CASE(max_pool_k3, "max_pool_k3_s2_p1", OP_MAX_POOL, GC_IN(GC_DISTINCT, 2, 3, 7, 6),
             op_max_pool(t, in[0], 3, 3, 2, 2, 1, 1))
SPATIAL_CASE(max_pool_k2, "max_pool_k2_s2", OP_MAX_POOL, GC_IN(GC_DISTINCT, 1, 2, 6, 9),
             op_max_pool(t, in[0], 2, 2, 2, 2, 0, 0))
SPATIAL_CASE(max_pool_overlap, "max_pool_rect_overlapping", OP_MAX_POOL, GC_IN(GC_DISTINCT, 1, 2, 5, 7),
             op_max_pool(t, in[0], 2, 3, 1, 2, 1, 1))

SPATIAL_CASE(adaptive_avg_uneven, "adaptive_avg_pool_uneven_bins", OP_ADAPTIVE_AVG_POOL,
             GC_IN(GC_NORMAL, 1, 2, 7, 5), op_adaptive_avg_pool(t, in[0], 3, 2))
SPATIAL_CASE(adaptive_avg_up, "adaptive_avg_pool_larger_output", OP_ADAPTIVE_AVG_POOL, GC_IN(GC_NORMAL, 2, 1, 3, 2),
             op_adaptive_avg_pool(t, in[0], 5, 4))
SPATIAL_CASE(global_avg, "global_avg_pool", OP_ADAPTIVE_AVG_POOL, GC_IN(GC_NORMAL, 2, 3, 5, 4),
             op_global_avg_pool(t, in[0]))

SPATIAL_CASE(adaptive_max_uneven, "adaptive_max_pool_uneven_bins", OP_ADAPTIVE_MAX_POOL,
             GC_IN(GC_DISTINCT, 1, 2, 7, 5), op_adaptive_max_pool(t, in[0], 3, 2))
SPATIAL_CASE(adaptive_max_up, "adaptive_max_pool_larger_output", OP_ADAPTIVE_MAX_POOL,
             GC_IN(GC_DISTINCT, 2, 1, 3, 4), op_adaptive_max_pool(t, in[0], 5, 6))
SPATIAL_CASE(global_max, "global_max_pool", OP_ADAPTIVE_MAX_POOL, GC_IN(GC_DISTINCT, 2, 3, 5, 4),
             op_global_max_pool(t, in[0]))

const gradcheck_case *const gradcheck_cases_spatial[] = {
    &pad_zero, &pad_reflect, &pad_reflect_sym, &pad_replicate,
    &nearest_2x, &nearest_odd, &nearest_down,
    &bilinear_up, &bilinear_up_ac, &bilinear_down, &bilinear_down_ac, &bilinear_to_one,
    &avg_pool_k3, &avg_pool_k2, &avg_pool_rect,
    &max_pool_k3, &max_pool_k2, &max_pool_overlap,
    &adaptive_avg_uneven, &adaptive_avg_up, &global_avg,
    &adaptive_max_uneven, &adaptive_max_up, &global_max,
    NULL,
};
