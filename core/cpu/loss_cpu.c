/* CPU reference kernels: fused losses with mean reduction, and per-row
 * cosine similarity. Sums accumulate in double. */
#include <tgmath.h>

#include "core/backend.h"
#include "core/kernels/loss.h"

/* Below this many values a parallel region costs more than it saves. */
#define PARALLEL_MIN 32768

/* ---- pointwise losses: MSE, L1, SmoothL1, BCE with logits ---- */

static inline real pointwise_value(pointwise_loss k, real beta, real p, real z) {
    real d = p - z;
    switch (k) {
    case POINTWISE_MSE: return d * d;
    case POINTWISE_L1: return fabs(d);
    case POINTWISE_SMOOTH_L1: return fabs(d) < beta ? d * d / (2 * beta) : fabs(d) - beta / 2;
    case POINTWISE_BCE_LOGITS: return (p > 0 ? p : 0) - p * z + log1p(exp(-fabs(p)));
    }
    return 0;
}

static inline real sign(real d) { return d > 0 ? 1 : (d < 0 ? -1 : 0); }

static inline real sigmoid(real x) {
    if (x >= 0) return 1 / (1 + exp(-x));
    real e = exp(x);
    return e / (1 + e);
}

/* d loss / d p. Kinks take the subgradient 0 at d = 0, as PyTorch. */
static inline real pointwise_dpred(pointwise_loss k, real beta, real p, real z) {
    real d = p - z;
    switch (k) {
    case POINTWISE_MSE: return 2 * d;
    case POINTWISE_L1: return sign(d);
    case POINTWISE_SMOOTH_L1: return fabs(d) < beta ? d / beta : sign(d);
    case POINTWISE_BCE_LOGITS: return sigmoid(p) - z;
    }
    return 0;
}

/* d loss / d z: -d/dp for the difference losses, -p for BCE. */
static inline real pointwise_dtarget(pointwise_loss k, real beta, real p, real z) {
    return k == POINTWISE_BCE_LOGITS ? -p : -pointwise_dpred(k, beta, p, z);
}

static void cpu_pointwise_forward(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                                  real *out) {
    double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) sum += pointwise_value(k, beta, pred[i], target[i]);
    out[0] = (real)(sum / (double)n);
}

static void cpu_pointwise_backward(pointwise_loss k, real beta, const real *pred, const real *target, size_t n,
                                   const real *dout, real *dpred, real *dtarget) {
    real g = dout[0] / (real)n;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) {
        if (dpred) dpred[i] += g * pointwise_dpred(k, beta, pred[i], target[i]);
        if (dtarget) dtarget[i] += g * pointwise_dtarget(k, beta, pred[i], target[i]);
    }
}

/* ---- negative log-likelihood and cross entropy over (n, c) ---- */

static void cpu_nll_forward(const real *log_probs, const real *labels, int n, int c, real *out) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += log_probs[(long)i * c + (int)labels[i]];
    out[0] = (real)(-sum / n);
}

static void cpu_nll_backward(const real *labels, int n, int c, const real *dout, real *dlog_probs) {
    real g = dout[0] / (real)n;
    for (int i = 0; i < n; i++) dlog_probs[(long)i * c + (int)labels[i]] -= g;
}

static void cpu_cross_entropy_forward(const real *logits, const real *labels, int n, int c, real *out, real *lse) {
    double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum) if ((long)n * c >= PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        const real *row = logits + (long)i * c;
        real m = row[0];
        for (int j = 1; j < c; j++) m = row[j] > m ? row[j] : m;
        double s = 0;
        for (int j = 0; j < c; j++) s += exp(row[j] - m);
        real l = m + (real)log(s);
        lse[i] = l;
        sum += l - row[(int)labels[i]];
    }
    out[0] = (real)(sum / n);
}

static void cpu_cross_entropy_backward(const real *logits, const real *labels, const real *lse, int n, int c,
                                       const real *dout, real *dlogits) {
    real g = dout[0] / (real)n;
#pragma omp parallel for schedule(static) if ((long)n * c >= PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        const real *row = logits + (long)i * c;
        real *drow = dlogits + (long)i * c;
        for (int j = 0; j < c; j++) drow[j] += g * exp(row[j] - lse[i]);
        drow[(int)labels[i]] -= g;
    }
}

/* ---- cosine similarity per row of (n, d) ---- */

static void cpu_cosine_forward(const real *a, const real *b, int n, int d, real eps, real *y, real *norm_a,
                               real *norm_b) {
#pragma omp parallel for schedule(static) if ((long)n * d >= PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        const real *ai = a + (long)i * d, *bi = b + (long)i * d;
        double dot = 0, aa = 0, bb = 0;
        for (int j = 0; j < d; j++) {
            dot += ai[j] * bi[j];
            aa += ai[j] * ai[j];
            bb += bi[j] * bi[j];
        }
        double na = sqrt(aa), nb = sqrt(bb), den = na * nb;
        norm_a[i] = (real)na;
        norm_b[i] = (real)nb;
        y[i] = (real)(dot / (den > eps ? den : (double)eps));
    }
}

/* Unclamped: dy/da = b / (|a||b|) - y a / |a|^2 (and symmetrically for b).
 * Clamped at eps the denominator is constant: dy/da = b / eps. */
static void cpu_cosine_backward(const real *a, const real *b, int n, int d, real eps, const real *y,
                                const real *norm_a, const real *norm_b, const real *dy, real *da, real *db) {
#pragma omp parallel for schedule(static) if ((long)n * d >= PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        const real *ai = a + (long)i * d, *bi = b + (long)i * d;
        real na = norm_a[i], nb = norm_b[i], den = na * nb, g = dy[i];
        bool clamped = !(den > eps);
        real inv_den = 1 / (clamped ? eps : den);
        real ya = clamped ? 0 : y[i] / (na * na), yb = clamped ? 0 : y[i] / (nb * nb);
        for (int j = 0; j < d; j++) {
            long o = (long)i * d + j;
            if (da) da[o] += g * (bi[j] * inv_den - ya * ai[j]);
            if (db) db[o] += g * (ai[j] * inv_den - yb * bi[j]);
        }
    }
}

const struct loss_kernels cpu_loss_kernels = {
    .pointwise_forward = cpu_pointwise_forward,
    .pointwise_backward = cpu_pointwise_backward,
    .nll_forward = cpu_nll_forward,
    .nll_backward = cpu_nll_backward,
    .cross_entropy_forward = cpu_cross_entropy_forward,
    .cross_entropy_backward = cpu_cross_entropy_backward,
    .cosine_forward = cpu_cosine_forward,
    .cosine_backward = cpu_cosine_backward,
};
