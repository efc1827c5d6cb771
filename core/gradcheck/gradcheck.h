#ifndef GANC_GRADCHECK_H
#define GANC_GRADCHECK_H

/* Finite-difference gradient checks. A case names the op it exercises,
 * describes its inputs and builds the op's output from them. The harness
 * compares the tape's gradient of L = sum(w * y) (w random, fixed) with
 * central differences (L(x+h) - L(x-h)) / 2h for every input element (or a
 * fixed sample of 512 in large inputs). It runs in float64 (tight bound) or
 * float32 (loose bound), whichever `real` this build has. */

#include "core/rng.h"
#include "core/tape.h"

typedef enum {
    GC_NORMAL,    /* N(0,1) */
    GC_AWAY_ZERO, /* |x| in [0.2, 1.2], random sign: no kink of relu/abs near 0 */
    GC_POSITIVE,  /* uniform [0.5, 2]: inputs of log, sqrt, pow, divisors */
    GC_DISTINCT,  /* a shuffled grid, 0.05 apart: no ties for max-like ops */
    GC_UNIT,      /* uniform [0.05, 0.95]: probabilities, targets in (0,1) */
    GC_LABELS     /* integers 0..param-1: class labels, never differentiated */
} gc_dist;

typedef struct {
    int ndim;
    int shape[TENSOR_MAX_DIM];
    gc_dist dist;
    int param;      /* GC_LABELS: number of classes */
    bool constant;  /* not differentiated (targets, labels) */
} gc_input;

#define GC_MAX_INPUTS 6

typedef struct gradcheck_case {
    const char *name; /* unique, e.g. "conv2d_stride2_groups" */
    op_id op;         /* the op under test: it must appear on the tape */
    int n_inputs;
    gc_input inputs[GC_MAX_INPUTS];
    /* Builds the output from the inputs (persistent tensors). */
    tensor *(*forward)(tape *t, tensor *const *in);
    /* Expected ratio of analytic to numeric gradient; 0 means 1. Only ops
     * that deliberately alter the gradient (grad_reverse: -lambda) set it. */
    double expected_scale;
} gradcheck_case;

typedef struct {
    double max_error;  /* max |analytic - numeric| / max(|analytic|, |numeric|, 1e-2) */
    double tolerance;
    size_t checked;    /* number of elements compared */
    bool passed;
    char message[320];
} gradcheck_result;

/* The step and bound of this build's precision. */
double gradcheck_step(void);
double gradcheck_tolerance(void);

size_t gradcheck_case_count(void);
const gradcheck_case *gradcheck_case_at(size_t i);
/* Cases whose op is `op`; used by the op-coverage test. */
size_t gradcheck_cases_for_op(op_id op);

/* The general form, for layers and losses built from several ops: checks
 * the gradient of L = sum(w * f(t, ctx)) with respect to each of the n
 * persistent tensors in wrt (parameters of a param_set, or tensors given a
 * gradient buffer by tensor_set_requires_grad). must_record: an op that f
 * must put on the tape, or OP_COUNT for none; expected_scale as in
 * gradcheck_case. */
typedef tensor *(*gradcheck_fn)(tape *t, void *ctx);
ganc_status gradcheck_function(gradcheck_fn f, void *ctx, int n, tensor *const *wrt, op_id must_record,
                               double expected_scale, gradcheck_result *r);

/* n values of an input drawn as `spec` says, from r (what gradcheck_run
 * feeds a case; the CPU/CUDA parity tests feed both devices the same). */
void gradcheck_fill(real *x, size_t n, const gc_input *spec, rng *r);

/* Runs one case. Returns non-OK only when the case could not run (its
 * forward failed); a gradient mismatch is reported in r->passed. */
ganc_status gradcheck_run(const gradcheck_case *c, gradcheck_result *r);

#endif
