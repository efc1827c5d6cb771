/* Gradient checks: sum, mean, max over sets of dims (with and without
 * keepdim), softmax and log_softmax along every kind of axis. */
#include "core/gradcheck/cases.h"
#include "core/ops/reduce.h"

#define CASE(var, case_name, op, input, expr)                                   \
    static tensor *fw_##var(tape *t, tensor *const *in) { return expr; }       \
    static const gradcheck_case var = {case_name, op, 1, {input}, fw_##var};

CASE(sum_all, "sum_all", OP_SUM, GC_IN(GC_NORMAL, 2, 3, 5), op_sum(t, in[0], 0, false))
CASE(sum_all_keep, "sum_all_keepdim", OP_SUM, GC_IN(GC_NORMAL, 3, 1, 4), op_sum(t, in[0], 0, true))
CASE(sum_channel, "sum_channel_keepdim", OP_SUM, GC_IN(GC_NORMAL, 2, 3, 5, 3), op_sum(t, in[0], 0x2, true))
CASE(sum_outer, "sum_dims_0_2", OP_SUM, GC_IN(GC_NORMAL, 3, 4, 5), op_sum(t, in[0], 0x5, false))
CASE(sum_gaps, "sum_dims_1_3", OP_SUM, GC_IN(GC_NORMAL, 2, 3, 4, 5), op_sum(t, in[0], 0xa, false))
CASE(sum_vector, "sum_vector", OP_SUM, GC_IN(GC_NORMAL, 7), op_sum(t, in[0], 0x1, false))

CASE(mean_all, "mean_all", OP_MEAN, GC_IN(GC_NORMAL, 3, 7), op_mean(t, in[0], 0, false))
CASE(mean_spatial, "mean_spatial_keepdim", OP_MEAN, GC_IN(GC_NORMAL, 2, 3, 4, 5), op_mean(t, in[0], 0xc, true))
CASE(mean_batch, "mean_dim_0", OP_MEAN, GC_IN(GC_NORMAL, 5, 3), op_mean(t, in[0], 0x1, false))
CASE(mean_mixed, "mean_dims_0_3", OP_MEAN, GC_IN(GC_NORMAL, 3, 2, 3, 4), op_mean(t, in[0], 0x9, true))

CASE(max_all, "max_all", OP_MAX, GC_IN(GC_DISTINCT, 4, 5), op_max(t, in[0], 0, false))
CASE(max_last, "max_last_dim", OP_MAX, GC_IN(GC_DISTINCT, 2, 3, 5), op_max(t, in[0], 0x4, false))
CASE(max_spatial, "max_spatial_keepdim", OP_MAX, GC_IN(GC_DISTINCT, 2, 3, 4, 3), op_max(t, in[0], 0xc, true))
CASE(max_first, "max_dim_0", OP_MAX, GC_IN(GC_DISTINCT, 3, 4, 5), op_max(t, in[0], 0x1, false))
CASE(max_gaps, "max_dims_0_2", OP_MAX, GC_IN(GC_DISTINCT, 3, 2, 4, 2), op_max(t, in[0], 0x5, false))

CASE(softmax_last, "softmax_last_dim", OP_SOFTMAX, GC_IN(GC_NORMAL, 3, 7), op_softmax(t, in[0], -1))
CASE(softmax_channel, "softmax_channel", OP_SOFTMAX, GC_IN(GC_NORMAL, 2, 5, 3, 3), op_softmax(t, in[0], 1))
CASE(softmax_first, "softmax_dim_0", OP_SOFTMAX, GC_IN(GC_NORMAL, 4, 3), op_softmax(t, in[0], 0))
CASE(softmax_vector, "softmax_vector", OP_SOFTMAX, GC_IN(GC_NORMAL, 6), op_softmax(t, in[0], 0))

CASE(log_softmax_last, "log_softmax_last_dim", OP_LOG_SOFTMAX, GC_IN(GC_NORMAL, 3, 7), op_log_softmax(t, in[0], 1))
CASE(log_softmax_channel, "log_softmax_channel", OP_LOG_SOFTMAX, GC_IN(GC_NORMAL, 2, 5, 3, 3),
     op_log_softmax(t, in[0], -3))
CASE(log_softmax_height, "log_softmax_dim_2", OP_LOG_SOFTMAX, GC_IN(GC_NORMAL, 2, 3, 4, 3),
     op_log_softmax(t, in[0], 2))
CASE(log_softmax_vector, "log_softmax_vector", OP_LOG_SOFTMAX, GC_IN(GC_NORMAL, 6), op_log_softmax(t, in[0], 0))

const gradcheck_case *const gradcheck_cases_reduce[] = {
    &sum_all, &sum_all_keep, &sum_channel, &sum_outer, &sum_gaps, &sum_vector, &mean_all, &mean_spatial,
    &mean_batch, &mean_mixed, &max_all, &max_last, &max_spatial, &max_first, &max_gaps, &softmax_last,
    &softmax_channel, &softmax_first, &softmax_vector, &log_softmax_last, &log_softmax_channel,
    &log_softmax_height, &log_softmax_vector, NULL,
};
