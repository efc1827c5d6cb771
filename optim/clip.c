#include "optim/clip.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/backend.h"
#include "core/kernels/elementwise.h"
#include "core/kernels/optim.h"

double clip_grad_norm_of(param_set *const *sets, int n_sets) {
    double total = 0;
    for (int s = 0; s < n_sets; s++) {
        const backend *be = backend_get(sets[s]->dev);
        /* A set on a device that is gone has no norm to give: NaN, which clip_grad_norm reports. */
        if (!be) return NAN;
        if (!sets[s]->frozen) total += be->optim->sum_squares(sets[s]->grad, sets[s]->numel);
    }
    return sqrt(total);
}

ganc_status clip_grad_norm(param_set *const *sets, int n_sets, double max_norm, double *norm) {
    if (!(max_norm > 0)) return GANC_ERR(GANC_ERR_ARG, "clip: max_norm must be > 0, got %g", max_norm);
    double total = clip_grad_norm_of(sets, n_sets);
    if (norm) *norm = total;
    if (!isfinite(total)) {
        char names[256] = "";
        for (int s = 0; s < n_sets; s++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", s ? ", " : "", sets[s]->name);
        return GANC_ERR(GANC_ERR_STATE, "clip: the gradient norm of %s is %g (a nan or inf gradient)", names, total);
    }
    double coef = max_norm / (total + 1e-6);
    if (coef >= 1) return GANC_OK;
    for (int s = 0; s < n_sets; s++) {
        if (sets[s]->frozen) continue;
        const backend *be = backend_get(sets[s]->dev);
        if (!be) return ganc_error_status();
        be->elementwise->unary_forward(UNARY_MUL_SCALAR, (real)coef, 0, sets[s]->grad, sets[s]->grad, sets[s]->numel);
    }
    return GANC_OK;
}
