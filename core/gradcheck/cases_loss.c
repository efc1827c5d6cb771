/* Gradient checks: the fused losses (both inputs differentiated where the
 * loss defines a gradient; labels constant) and cosine similarity. */
#include "core/gradcheck/cases.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"

/* ---- mse ---- */

static tensor *fw_mse(tape *t, tensor *const *in) { return op_mse(t, in[0], in[1]); }
static const gradcheck_case mse_nchw = {"mse_nchw", OP_MSE, 2,
                                        {GC_IN(GC_NORMAL, 2, 3, 5, 3), GC_IN(GC_NORMAL, 2, 3, 5, 3)}, fw_mse};
static const gradcheck_case mse_1d = {"mse_1d_const_target", OP_MSE, 2,
                                      {GC_IN(GC_NORMAL, 7), GC_CONST(GC_NORMAL, 0, 7)}, fw_mse};

/* ---- l1 and smooth l1 ---- */

/* |pred| >= 0.2 and |target| <= 0.12 after scaling, so pred - target stays
 * away from the kink at 0. */
static tensor *fw_l1(tape *t, tensor *const *in) { return op_l1(t, in[0], op_mul_scalar(t, in[1], 0.1)); }
static const gradcheck_case l1 = {"l1_away_from_kink", OP_L1, 2,
                                  {GC_IN(GC_AWAY_ZERO, 3, 4, 5), GC_IN(GC_AWAY_ZERO, 3, 4, 5)}, fw_l1};

/* Normal inputs put differences on both sides of beta. */
static tensor *fw_smooth_l1(tape *t, tensor *const *in) { return op_smooth_l1(t, in[0], in[1], 0.5); }
static const gradcheck_case smooth_l1 = {"smooth_l1_beta_0.5", OP_SMOOTH_L1, 2,
                                         {GC_IN(GC_NORMAL, 2, 3, 7), GC_IN(GC_NORMAL, 2, 3, 7)}, fw_smooth_l1};

static tensor *fw_smooth_l1_wide(tape *t, tensor *const *in) { return op_smooth_l1(t, in[0], in[1], 3); }
static const gradcheck_case smooth_l1_wide = {"smooth_l1_beta_3_quadratic", OP_SMOOTH_L1, 2,
                                              {GC_IN(GC_UNIT, 4, 5), GC_IN(GC_UNIT, 4, 5)}, fw_smooth_l1_wide};

static tensor *fw_smooth_l1_zero(tape *t, tensor *const *in) {
    return op_smooth_l1(t, in[0], op_mul_scalar(t, in[1], 0.1), 0);
}
static const gradcheck_case smooth_l1_zero = {"smooth_l1_beta_0_is_l1", OP_SMOOTH_L1, 2,
                                              {GC_IN(GC_AWAY_ZERO, 5, 6), GC_IN(GC_AWAY_ZERO, 5, 6)},
                                              fw_smooth_l1_zero};

/* ---- bce with logits ---- */

static tensor *fw_bce(tape *t, tensor *const *in) { return op_bce_with_logits(t, in[0], in[1]); }
static const gradcheck_case bce = {"bce_with_logits", OP_BCE_WITH_LOGITS, 2,
                                   {GC_IN(GC_NORMAL, 2, 1, 5, 5), GC_IN(GC_UNIT, 2, 1, 5, 5)}, fw_bce};

/* Logits up to about +-20: the stable form must keep its gradient. */
static tensor *fw_bce_large(tape *t, tensor *const *in) {
    return op_bce_with_logits(t, op_mul_scalar(t, in[0], 8), in[1]);
}
static const gradcheck_case bce_large = {"bce_with_logits_large_logits", OP_BCE_WITH_LOGITS, 2,
                                         {GC_IN(GC_NORMAL, 3, 7), GC_IN(GC_UNIT, 3, 7)}, fw_bce_large};

/* ---- nll and cross entropy ---- */

static tensor *fw_nll(tape *t, tensor *const *in) { return op_nll(t, in[0], in[1]); }
static const gradcheck_case nll = {"nll", OP_NLL, 2, {GC_IN(GC_NORMAL, 6, 5), GC_CONST(GC_LABELS, 5, 6)}, fw_nll};
static const gradcheck_case nll_tall = {"nll_more_classes_than_rows", OP_NLL, 2,
                                        {GC_IN(GC_NORMAL, 3, 11), GC_CONST(GC_LABELS, 11, 3)}, fw_nll};

static tensor *fw_ce(tape *t, tensor *const *in) { return op_cross_entropy(t, in[0], in[1]); }
static const gradcheck_case ce = {"cross_entropy", OP_CROSS_ENTROPY, 2,
                                  {GC_IN(GC_NORMAL, 7, 4), GC_CONST(GC_LABELS, 4, 7)}, fw_ce};
static const gradcheck_case ce_two = {"cross_entropy_two_classes", OP_CROSS_ENTROPY, 2,
                                      {GC_IN(GC_NORMAL, 5, 2), GC_CONST(GC_LABELS, 2, 5)}, fw_ce};

/* Logits up to about +-10: exp would be far from 1 without the max shift. */
static tensor *fw_ce_large(tape *t, tensor *const *in) {
    return op_cross_entropy(t, op_mul_scalar(t, in[0], 4), in[1]);
}
static const gradcheck_case ce_large = {"cross_entropy_large_logits", OP_CROSS_ENTROPY, 2,
                                        {GC_IN(GC_NORMAL, 4, 9), GC_CONST(GC_LABELS, 9, 4)}, fw_ce_large};

/* ---- cosine similarity ---- */

static tensor *fw_cos(tape *t, tensor *const *in) { return op_cosine_similarity(t, in[0], in[1], 1e-8); }
static const gradcheck_case cos_nchw = {"cosine_similarity_nchw", OP_COSINE_SIMILARITY, 2,
                                        {GC_IN(GC_NORMAL, 3, 2, 3, 5), GC_IN(GC_NORMAL, 3, 2, 3, 5)}, fw_cos};
static const gradcheck_case cos_nd = {"cosine_similarity_nd", OP_COSINE_SIMILARITY, 2,
                                      {GC_IN(GC_NORMAL, 5, 7), GC_IN(GC_NORMAL, 5, 7)}, fw_cos};

/* |a| |b| stays far below eps = 100: the clamped branch. */
static tensor *fw_cos_clamped(tape *t, tensor *const *in) { return op_cosine_similarity(t, in[0], in[1], 100); }
static const gradcheck_case cos_clamped = {"cosine_similarity_clamped_by_eps", OP_COSINE_SIMILARITY, 2,
                                           {GC_IN(GC_UNIT, 4, 3), GC_IN(GC_UNIT, 4, 3)}, fw_cos_clamped};

const gradcheck_case *const gradcheck_cases_loss[] = {
    &mse_nchw, &mse_1d, &l1, &smooth_l1, &smooth_l1_wide, &smooth_l1_zero, &bce, &bce_large, &nll, &nll_tall,
    &ce, &ce_two, &ce_large, &cos_nchw, &cos_nd, &cos_clamped, NULL,
};
