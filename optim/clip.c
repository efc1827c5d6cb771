#include "optim/clip.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Chunks fixed by size, not by thread count, keep the sum's rounding fixed. */
#define CLIP_CHUNK 16384

static double sum_squares(const real *g, size_t n) {
    size_t n_chunks = (n + CLIP_CHUNK - 1) / CLIP_CHUNK;
    double total = 0;
    /* Per-chunk partial sums are combined in chunk order below, so the
     * result does not depend on how the chunks were spread over threads. */
    enum { BATCH = 256 };
    double partial[BATCH];
    for (size_t first = 0; first < n_chunks; first += BATCH) {
        long count = (long)(n_chunks - first < BATCH ? n_chunks - first : BATCH);
#pragma omp parallel for if (count > 1 && n >= 65536)
        for (long c = 0; c < count; c++) {
            size_t lo = (first + (size_t)c) * CLIP_CHUNK, hi = lo + CLIP_CHUNK < n ? lo + CLIP_CHUNK : n;
            double s = 0;
            for (size_t i = lo; i < hi; i++) s += (double)g[i] * (double)g[i];
            partial[c] = s;
        }
        for (long c = 0; c < count; c++) total += partial[c];
    }
    return total;
}

double clip_grad_norm_of(param_set *const *sets, int n_sets) {
    double total = 0;
    for (int s = 0; s < n_sets; s++)
        if (!sets[s]->frozen) total += sum_squares(sets[s]->grad, sets[s]->numel);
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
        real *g = sets[s]->grad, k = (real)coef;
        long n = (long)sets[s]->numel;
#pragma omp parallel for if (n >= 65536)
        for (long i = 0; i < n; i++) g[i] *= k;
    }
    return GANC_OK;
}
