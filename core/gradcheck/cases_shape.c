/* Gradient checks: concat (several inputs, constant inputs, one input
 * used twice), slice and split, permute, flip. */
#include "core/gradcheck/cases.h"
#include "core/ops/shape.h"

static tensor *fw_concat_channel(tape *t, tensor *const *in) {
    return op_concat(t, 2, (const tensor *const[]){in[0], in[1]}, 1);
}
static const gradcheck_case concat_channel = {"concat_channel", OP_CONCAT, 2,
                                              {GC_IN(GC_NORMAL, 2, 3, 4), GC_IN(GC_NORMAL, 2, 2, 4)},
                                              fw_concat_channel};

static tensor *fw_concat_three(tape *t, tensor *const *in) {
    return op_concat(t, 3, (const tensor *const[]){in[0], in[1], in[2]}, 0);
}
static const gradcheck_case concat_three = {
    "concat_three_dim_0", OP_CONCAT, 3,
    {GC_IN(GC_NORMAL, 1, 4), GC_IN(GC_NORMAL, 3, 4), GC_IN(GC_NORMAL, 2, 4)}, fw_concat_three};

/* The middle input is a constant: its gradient is skipped, the others still get theirs. */
static tensor *fw_concat_last(tape *t, tensor *const *in) {
    return op_concat(t, 3, (const tensor *const[]){in[0], in[1], in[2]}, -1);
}
static const gradcheck_case concat_last = {
    "concat_last_dim_with_constant", OP_CONCAT, 3,
    {GC_IN(GC_NORMAL, 2, 3, 2, 3), GC_CONST(GC_NORMAL, 0, 2, 3, 2, 2), GC_IN(GC_NORMAL, 2, 3, 2, 1)},
    fw_concat_last};

/* Both halves of the output add into the same gradient. */
static tensor *fw_concat_twice(tape *t, tensor *const *in) {
    return op_concat(t, 2, (const tensor *const[]){in[0], in[0]}, 2);
}
static const gradcheck_case concat_twice = {"concat_same_input_twice", OP_CONCAT, 1, {GC_IN(GC_NORMAL, 2, 3, 5)},
                                            fw_concat_twice};

static tensor *fw_slice_mid(tape *t, tensor *const *in) { return op_slice(t, in[0], 1, 1, 3); }
static const gradcheck_case slice_mid = {"slice_middle_dim", OP_SLICE, 1, {GC_IN(GC_NORMAL, 3, 5, 4)},
                                         fw_slice_mid};

static tensor *fw_slice_first(tape *t, tensor *const *in) { return op_slice(t, in[0], 0, 0, 2); }
static const gradcheck_case slice_first = {"slice_dim_0_head", OP_SLICE, 1, {GC_IN(GC_NORMAL, 5, 3)},
                                           fw_slice_first};

static tensor *fw_slice_last(tape *t, tensor *const *in) { return op_slice(t, in[0], -1, 2, 4); }
static const gradcheck_case slice_last = {"slice_last_dim_tail", OP_SLICE, 1, {GC_IN(GC_NORMAL, 2, 3, 4, 6)},
                                          fw_slice_last};

/* The parts are put back in another order, so each slice's gradient lands in a different place. */
static tensor *fw_split(tape *t, tensor *const *in) {
    tensor *p[3];
    if (op_split(t, in[0], 1, 3, (const int[]){2, 4, 1}, p)) return NULL;
    return op_concat(t, 3, (const tensor *const[]){p[2], p[0], p[1]}, 1);
}
static const gradcheck_case split = {"split_three_reordered", OP_SLICE, 1, {GC_IN(GC_NORMAL, 2, 7, 3)}, fw_split};

#define PERMUTE_CASE(var, case_name, input, ...)                                                    \
    static tensor *fw_##var(tape *t, tensor *const *in) { return op_permute(t, in[0], (const int[]){__VA_ARGS__}); } \
    static const gradcheck_case var = {case_name, OP_PERMUTE, 1, {input}, fw_##var};

PERMUTE_CASE(permute_transpose, "permute_transpose", GC_IN(GC_NORMAL, 3, 5), 1, 0)
PERMUTE_CASE(permute_rotate, "permute_3d_rotate", GC_IN(GC_NORMAL, 2, 3, 4), 2, 0, 1)
PERMUTE_CASE(permute_nhwc, "permute_nchw_to_nhwc", GC_IN(GC_NORMAL, 2, 3, 4, 5), 0, 2, 3, 1)
PERMUTE_CASE(permute_mixed, "permute_4d_mixed", GC_IN(GC_NORMAL, 2, 3, 4, 5), 3, 1, 0, 2)

#define FLIP_CASE(var, case_name, input, axes)                                            \
    static tensor *fw_##var(tape *t, tensor *const *in) { return op_flip(t, in[0], axes); } \
    static const gradcheck_case var = {case_name, OP_FLIP, 1, {input}, fw_##var};

FLIP_CASE(flip_last, "flip_last_dim", GC_IN(GC_NORMAL, 2, 3, 5), 0x4)
FLIP_CASE(flip_spatial, "flip_height_width", GC_IN(GC_NORMAL, 2, 3, 4, 5), 0xc)
FLIP_CASE(flip_all, "flip_every_dim", GC_IN(GC_NORMAL, 3, 4, 5), 0x7)
FLIP_CASE(flip_vector, "flip_vector", GC_IN(GC_NORMAL, 7), 0x1)
FLIP_CASE(flip_none, "flip_nothing", GC_IN(GC_NORMAL, 3, 4), 0)

const gradcheck_case *const gradcheck_cases_shape[] = {
    &concat_channel, &concat_three, &concat_last, &concat_twice, &slice_mid, &slice_first, &slice_last, &split,
    &permute_transpose, &permute_rotate, &permute_nhwc, &permute_mixed, &flip_last, &flip_spatial, &flip_all,
    &flip_vector, &flip_none, NULL,
};
