/* Gradient checks: batch, instance, layer and group norm, with and without
 * the affine, over odd non-square shapes and every input rank they take. */
#include "core/gradcheck/cases.h"
#include "core/ops/norm.h"

#define EPS 1e-5

/* ---- batch norm ---- */

/* Running statistics are constant inputs: training moves them, which must
 * not change the output. */
static tensor *fw_bn_train(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], in[1], in[2], in[3], in[4], true, 0.1, EPS);
}
static const gradcheck_case bn_train = {
    "batch_norm_train_affine_nchw", OP_BATCH_NORM, 5,
    {GC_IN(GC_NORMAL, 3, 4, 3, 5), GC_IN(GC_NORMAL, 4), GC_IN(GC_NORMAL, 4), GC_CONST(GC_NORMAL, 0, 4),
     GC_CONST(GC_POSITIVE, 0, 4)},
    fw_bn_train};

static tensor *fw_bn_train_plain(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], NULL, NULL, NULL, NULL, true, 0.1, EPS);
}
static const gradcheck_case bn_train_plain = {"batch_norm_train_no_affine_nc", OP_BATCH_NORM, 1,
                                              {GC_IN(GC_NORMAL, 5, 3)}, fw_bn_train_plain};

static tensor *fw_bn_train_gamma(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], in[1], NULL, NULL, NULL, true, 0.1, EPS);
}
static const gradcheck_case bn_train_gamma = {"batch_norm_train_gamma_only_ncl", OP_BATCH_NORM, 2,
                                              {GC_IN(GC_NORMAL, 2, 3, 7), GC_IN(GC_NORMAL, 3)}, fw_bn_train_gamma};

static tensor *fw_bn_eval(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], in[1], in[2], in[3], in[4], false, 0.1, EPS);
}
static const gradcheck_case bn_eval = {
    "batch_norm_eval_affine", OP_BATCH_NORM, 5,
    {GC_IN(GC_NORMAL, 2, 3, 4, 5), GC_IN(GC_NORMAL, 3), GC_IN(GC_NORMAL, 3), GC_CONST(GC_NORMAL, 0, 3),
     GC_CONST(GC_POSITIVE, 0, 3)},
    fw_bn_eval};

static tensor *fw_bn_eval_plain(tape *t, tensor *const *in) {
    return op_batch_norm(t, in[0], NULL, NULL, in[1], in[2], false, 0.1, EPS);
}
static const gradcheck_case bn_eval_plain = {
    "batch_norm_eval_no_affine_nc", OP_BATCH_NORM, 3,
    {GC_IN(GC_NORMAL, 4, 5), GC_CONST(GC_NORMAL, 0, 5), GC_CONST(GC_POSITIVE, 0, 5)}, fw_bn_eval_plain};

/* ---- instance norm ---- */

static tensor *fw_in_affine(tape *t, tensor *const *in) { return op_instance_norm(t, in[0], in[1], in[2], EPS); }
static const gradcheck_case in_affine = {"instance_norm_affine_nchw", OP_INSTANCE_NORM, 3,
                                         {GC_IN(GC_NORMAL, 2, 3, 5, 4), GC_IN(GC_NORMAL, 3), GC_IN(GC_NORMAL, 3)},
                                         fw_in_affine};

static tensor *fw_in_plain(tape *t, tensor *const *in) { return op_instance_norm(t, in[0], NULL, NULL, EPS); }
static const gradcheck_case in_plain = {"instance_norm_no_affine_ncl", OP_INSTANCE_NORM, 1,
                                        {GC_IN(GC_NORMAL, 3, 2, 7)}, fw_in_plain};

static tensor *fw_in_beta(tape *t, tensor *const *in) { return op_instance_norm(t, in[0], NULL, in[1], EPS); }
static const gradcheck_case in_beta = {"instance_norm_beta_only", OP_INSTANCE_NORM, 2,
                                       {GC_IN(GC_NORMAL, 1, 4, 3, 3), GC_IN(GC_NORMAL, 4)}, fw_in_beta};

/* ---- layer norm ---- */

static tensor *fw_ln_affine(tape *t, tensor *const *in) { return op_layer_norm(t, in[0], in[1], in[2], EPS); }
static const gradcheck_case ln_affine = {
    "layer_norm_affine_nchw", OP_LAYER_NORM, 3,
    {GC_IN(GC_NORMAL, 2, 3, 4, 5), GC_IN(GC_NORMAL, 3, 4, 5), GC_IN(GC_NORMAL, 3, 4, 5)}, fw_ln_affine};

static tensor *fw_ln_plain(tape *t, tensor *const *in) { return op_layer_norm(t, in[0], NULL, NULL, EPS); }
static const gradcheck_case ln_plain = {"layer_norm_no_affine_nd", OP_LAYER_NORM, 1, {GC_IN(GC_NORMAL, 3, 7)},
                                        fw_ln_plain};

static tensor *fw_ln_gamma(tape *t, tensor *const *in) { return op_layer_norm(t, in[0], in[1], NULL, EPS); }
static const gradcheck_case ln_gamma = {"layer_norm_gamma_only_ncl", OP_LAYER_NORM, 2,
                                        {GC_IN(GC_NORMAL, 4, 2, 5), GC_IN(GC_NORMAL, 2, 5)}, fw_ln_gamma};

/* ---- group norm ---- */

static tensor *fw_gn_3(tape *t, tensor *const *in) { return op_group_norm(t, in[0], 3, in[1], in[2], EPS); }
static const gradcheck_case gn_3 = {"group_norm_3_groups_affine", OP_GROUP_NORM, 3,
                                    {GC_IN(GC_NORMAL, 2, 6, 3, 4), GC_IN(GC_NORMAL, 6), GC_IN(GC_NORMAL, 6)},
                                    fw_gn_3};

static tensor *fw_gn_1(tape *t, tensor *const *in) { return op_group_norm(t, in[0], 1, in[1], in[2], EPS); }
static const gradcheck_case gn_1 = {"group_norm_1_group_affine_ncl", OP_GROUP_NORM, 3,
                                    {GC_IN(GC_NORMAL, 3, 4, 5), GC_IN(GC_NORMAL, 4), GC_IN(GC_NORMAL, 4)}, fw_gn_1};

static tensor *fw_gn_c(tape *t, tensor *const *in) { return op_group_norm(t, in[0], 5, in[1], NULL, EPS); }
static const gradcheck_case gn_c = {"group_norm_group_per_channel_gamma", OP_GROUP_NORM, 2,
                                    {GC_IN(GC_NORMAL, 2, 5, 3, 3), GC_IN(GC_NORMAL, 5)}, fw_gn_c};

/* One value per channel: the affine gradient takes the layer-norm path. */
static tensor *fw_gn_nc(tape *t, tensor *const *in) { return op_group_norm(t, in[0], 2, in[1], in[2], EPS); }
static const gradcheck_case gn_nc = {"group_norm_2_groups_affine_nc", OP_GROUP_NORM, 3,
                                     {GC_IN(GC_NORMAL, 3, 6), GC_IN(GC_NORMAL, 6), GC_IN(GC_NORMAL, 6)}, fw_gn_nc};

static tensor *fw_gn_plain(tape *t, tensor *const *in) { return op_group_norm(t, in[0], 2, NULL, NULL, EPS); }
static const gradcheck_case gn_plain = {"group_norm_2_groups_no_affine", OP_GROUP_NORM, 1,
                                        {GC_IN(GC_NORMAL, 2, 4, 3)}, fw_gn_plain};

/* Instance norm of 1x1 maps: one value per segment, so the output is beta. */
static tensor *fw_in_1x1(tape *t, tensor *const *in) { return op_instance_norm(t, in[0], in[1], in[2], EPS); }
static const gradcheck_case in_1x1 = {"instance_norm_1x1_spatial", OP_INSTANCE_NORM, 3,
                                      {GC_IN(GC_NORMAL, 2, 3, 1, 1), GC_IN(GC_NORMAL, 3), GC_IN(GC_NORMAL, 3)},
                                      fw_in_1x1};

const gradcheck_case *const gradcheck_cases_norm[] = {
    &bn_train, &bn_train_plain, &bn_train_gamma, &bn_eval, &bn_eval_plain, &in_affine, &in_plain, &in_beta,
    &ln_affine, &ln_plain, &ln_gamma, &gn_3, &gn_1, &gn_c, &gn_nc, &gn_plain, &in_1x1, NULL,
};
