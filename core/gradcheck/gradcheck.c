#include "core/gradcheck/gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/gradcheck/cases.h"
#include "core/rng.h"

#define MAX_CHECKED_PER_INPUT 512
/* The relative error's floor keeps tiny gradients from turning rounding noise into large ratios. */
#define ERROR_FLOOR 1e-2

double gradcheck_step(void) { return REAL_IS_DOUBLE ? 1e-5 : 1e-2; }
double gradcheck_tolerance(void) { return REAL_IS_DOUBLE ? 1e-6 : 3e-2; }

static const gradcheck_case *const *all_families[] = {
    gradcheck_cases_elementwise, gradcheck_cases_reduce, gradcheck_cases_linalg, gradcheck_cases_conv,
    gradcheck_cases_spatial,     gradcheck_cases_norm,   gradcheck_cases_shape,  gradcheck_cases_loss,
    gradcheck_cases_image,       gradcheck_cases_random,
};
#define N_FAMILIES (sizeof all_families / sizeof all_families[0])

size_t gradcheck_case_count(void) {
    size_t n = 0;
    for (size_t f = 0; f < N_FAMILIES; f++)
        for (const gradcheck_case *const *c = all_families[f]; *c; c++) n++;
    return n;
}

const gradcheck_case *gradcheck_case_at(size_t i) {
    for (size_t f = 0; f < N_FAMILIES; f++)
        for (const gradcheck_case *const *c = all_families[f]; *c; c++)
            if (i-- == 0) return *c;
    return NULL;
}

size_t gradcheck_cases_for_op(op_id op) {
    size_t n = 0;
    for (size_t i = 0; i < gradcheck_case_count(); i++) n += gradcheck_case_at(i)->op == op;
    return n;
}

void gradcheck_fill(real *x, size_t n, const gc_input *spec, rng *r) {
    for (size_t i = 0; i < n; i++) {
        double u = rng_uniform(r);
        switch (spec->dist) {
        case GC_NORMAL: x[i] = (real)rng_normal(r); break;
        case GC_AWAY_ZERO: x[i] = (real)((0.2 + u) * (rng_uniform(r) < 0.5 ? -1 : 1)); break;
        case GC_POSITIVE: x[i] = (real)(0.5 + 1.5 * u); break;
        case GC_UNIT: x[i] = (real)(0.05 + 0.9 * u); break;
        case GC_LABELS: x[i] = (real)(int)(u * spec->param); break;
        case GC_DISTINCT: x[i] = (real)(0.05 * ((double)i - n / 2.0)); break;
        }
    }
    if (spec->dist == GC_DISTINCT)
        for (size_t i = n; i > 1; i--) {
            size_t j = rng_u32_at(r->seed, r->counter++) % i;
            real tmp = x[i - 1];
            x[i - 1] = x[j];
            x[j] = tmp;
        }
}

typedef struct {
    gradcheck_fn f;
    void *ctx;
    const real *w;
} objective;

/* L = sum(w * y) for the current values, on a fresh step with no tape. */
static ganc_status eval_loss(tape *t, const objective *o, double *loss) {
    tape_reset(t);
    tape_no_grad_begin(t);
    tensor *y = o->f(t, o->ctx);
    tape_no_grad_end(t);
    if (!y) return ganc_error_status();
    double s = 0;
    for (size_t i = 0; i < y->numel; i++) s += (double)o->w[i] * (double)y->data[i];
    *loss = s;
    return GANC_OK;
}

static bool op_on_tape(const tape *t, op_id op) {
    for (size_t i = 0; i < t->n_nodes; i++)
        if (t->nodes[i]->op == op) return true;
    return false;
}

/* Analytic gradients into wrt[k]->grad; also makes the weights w. */
static ganc_status analytic(tape *t, objective *o, int n, tensor *const *wrt, op_id must_record, rng *r,
                            real **w, gradcheck_result *res) {
    for (int k = 0; k < n; k++) memset(wrt[k]->grad, 0, wrt[k]->numel * sizeof(real));
    tape_reset(t);
    tensor *y = o->f(t, o->ctx);
    if (!y) return ganc_error_status();
    if (must_record != OP_COUNT && !op_on_tape(t, must_record)) {
        snprintf(res->message, sizeof res->message, "the checked function never put op %s on the tape",
                 op_name(must_record));
        return GANC_OK;
    }
    *w = cpu_backend.alloc(y->numel * sizeof(real));
    if (!*w) return GANC_ERR(GANC_ERR_MEMORY, "gradcheck: out of memory");
    for (size_t i = 0; i < y->numel; i++) (*w)[i] = (real)rng_normal(r);
    o->w = *w;
    tensor *seed = tape_from_host(t, y->ndim, y->shape, *w, "seed");
    return seed ? tape_backward(t, y, seed) : ganc_error_status();
}

static ganc_status compare_one(tape *t, const objective *o, tensor *x, int k, double expected_scale,
                               gradcheck_result *res) {
    size_t stride = x->numel > MAX_CHECKED_PER_INPUT ? x->numel / MAX_CHECKED_PER_INPUT : 1;
    double h = gradcheck_step();
    for (size_t i = 0; i < x->numel; i += stride) {
        real saved = x->data[i];
        double plus, minus;
        x->data[i] = (real)(saved + h);
        ganc_status st = eval_loss(t, o, &plus);
        x->data[i] = (real)(saved - h);
        if (!st) st = eval_loss(t, o, &minus);
        x->data[i] = saved;
        if (st) return st;
        /* Divide by the step actually taken: in float32, saved ± h rounds. */
        double taken = (double)(real)(saved + h) - (double)(real)(saved - h);
        double numeric = expected_scale * (plus - minus) / taken, exact = x->grad[i];
        double scale = fmax(fmax(fabs(exact), fabs(numeric)), ERROR_FLOOR);
        double err = fabs(exact - numeric) / scale;
        res->checked++;
        if (err > res->max_error) {
            res->max_error = err;
            if (err > res->tolerance)
                snprintf(res->message, sizeof res->message,
                         "%s (input %d) element %zu: analytic %.10g, numeric %.10g, error %.3g > %.3g", x->name, k,
                         i, exact, numeric, err, res->tolerance);
        }
    }
    return GANC_OK;
}

ganc_status gradcheck_function(gradcheck_fn f, void *ctx, int n, tensor *const *wrt, op_id must_record,
                               double expected_scale, gradcheck_result *res) {
    memset(res, 0, sizeof *res);
    res->tolerance = gradcheck_tolerance();
    for (int k = 0; k < n; k++)
        if (!wrt[k]->grad || wrt[k]->tape)
            return GANC_ERR(GANC_ERR_ARG, "gradcheck: %s must be a persistent tensor with a gradient buffer "
                            "(a parameter, or tensor_set_requires_grad)", wrt[k]->name);
    rng r;
    rng_init(&r, 4321);
    objective o = {f, ctx, NULL};
    real *w = NULL;
    tape *t = tape_new(device_cpu());
    ganc_status st = t ? analytic(t, &o, n, wrt, must_record, &r, &w, res) : ganc_error_status();
    for (int k = 0; !st && !res->message[0] && k < n; k++)
        st = compare_one(t, &o, wrt[k], k, expected_scale != 0 ? expected_scale : 1, res);
    res->passed = !st && !res->message[0] && res->checked > 0;
    if (!st && !res->checked && !res->message[0]) snprintf(res->message, sizeof res->message, "compared no element");
    cpu_backend.release(w);
    tape_free(t);
    return st;
}

static tensor *make_input(const gradcheck_case *c, int k, rng *r) {
    const gc_input *spec = &c->inputs[k];
    char name[32];
    snprintf(name, sizeof name, "in%d", k);
    tensor *x = tensor_new(spec->ndim, spec->shape, name);
    if (!x) return NULL;
    gradcheck_fill(x->data, x->numel, spec, r);
    if (!spec->constant && tensor_set_requires_grad(x, true)) {
        tensor_free(x);
        return NULL;
    }
    return x;
}

typedef struct {
    const gradcheck_case *c;
    tensor **in;
} case_call;

static tensor *call_case(tape *t, void *ctx) {
    case_call *call = ctx;
    return call->c->forward(t, call->in);
}

ganc_status gradcheck_run(const gradcheck_case *c, gradcheck_result *res) {
    memset(res, 0, sizeof *res);
    rng r;
    rng_init(&r, 1234);
    tensor *in[GC_MAX_INPUTS] = {0}, *wrt[GC_MAX_INPUTS];
    int n_wrt = 0;
    ganc_status st = GANC_OK;
    for (int k = 0; !st && k < c->n_inputs; k++) {
        if (!(in[k] = make_input(c, k, &r))) st = ganc_error_status();
        else if (!c->inputs[k].constant) wrt[n_wrt++] = in[k];
    }
    case_call call = {c, in};
    if (!st) st = gradcheck_function(call_case, &call, n_wrt, wrt, c->op, c->expected_scale, res);
    if (res->message[0] && strncmp(res->message, "the checked", 11) == 0)
        snprintf(res->message, sizeof res->message, "case %s never put op %s on the tape", c->name, op_name(c->op));
    for (int k = 0; k < c->n_inputs; k++) tensor_free(in[k]);
    return st;
}
