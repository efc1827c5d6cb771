/* CUDA convolution through cuDNN: forward, backward-data and
 * backward-filter of every conv_geom (core/kernels/conv.h; a transposed
 * convolution is the same three passes). Each geometry gets a plan on
 * first sight: tensor, filter and convolution descriptors and, per pass,
 * the algorithm cuDNN's heuristics rank first among the deterministic ones
 * of the allowed math (FMA only unless TF32 is on), and its workspace
 * size. Plans live for the process, so a training step of known shapes
 * sets nothing up; the workspace itself is the caller's (tape_scratch),
 * shared by every conv of the step. */
#include <stdlib.h>
#include <string.h>

#include "core/cuda/cuda_internal.cuh"

extern "C" {
#include "core/kernels/conv.h"
}

#define N_PASSES 3
/* Algorithms wanting more workspace than this are passed over: the
 * workspace is shared by the step's convolutions but still has to fit
 * beside the activations. */
#define WORKSPACE_CAP ((size_t)1 << 30)

typedef struct {
    conv_geom g;
    cudnnTensorDescriptor_t x, y;
    cudnnFilterDescriptor_t w;
    cudnnConvolutionDescriptor_t conv;
    bool chosen[N_PASSES];
    int algo[N_PASSES];
    cudnnMathType_t math[N_PASSES];
    size_t ws[N_PASSES];
} conv_plan;

static conv_plan **plans;
static size_t n_plans, cap_plans;

static cudnnMathType_t base_math(void) { return cuda_ctx.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH; }

static bool math_allowed(cudnnMathType_t m) { return cuda_ctx.tf32 || m == CUDNN_FMA_MATH; }

static ganc_status describe(conv_plan *p) {
    const conv_geom *g = &p->g;
    CUDNN_TRY(cuda_lib.cudnnCreateTensorDescriptor(&p->x));
    CUDNN_TRY(cuda_lib.cudnnCreateTensorDescriptor(&p->y));
    CUDNN_TRY(cuda_lib.cudnnCreateFilterDescriptor(&p->w));
    CUDNN_TRY(cuda_lib.cudnnCreateConvolutionDescriptor(&p->conv));
    CUDNN_TRY(cuda_lib.cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->n, g->c, g->h, g->w));
    CUDNN_TRY(cuda_lib.cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g->n, g->o, g->oh, g->ow));
    CUDNN_TRY(cuda_lib.cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g->o, g->c / g->groups, g->kh,
                                         g->kw));
    CUDNN_TRY(cuda_lib.cudnnSetConvolution2dDescriptor(p->conv, g->pad_h, g->pad_w, g->stride_h, g->stride_w, g->dilation_h,
                                              g->dilation_w, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_TRY(cuda_lib.cudnnSetConvolutionGroupCount(p->conv, g->groups));
    CUDNN_TRY(cuda_lib.cudnnSetConvolutionMathType(p->conv, base_math()));
    int n, c, h, w;
    CUDNN_TRY(cuda_lib.cudnnGetConvolution2dForwardOutputDim(p->conv, p->x, p->w, &n, &c, &h, &w));
    if (n != g->n || c != g->o || h != g->oh || w != g->ow)
        return GANC_ERR(GANC_ERR_SHAPE, "cuDNN conv: geometry output (%d,%d,%d,%d) but cuDNN computes (%d,%d,%d,%d)",
                        g->n, g->o, g->oh, g->ow, n, c, h, w);
    return GANC_OK;
}

/* The plan of g, made on first sight; NULL with the error recorded. */
static conv_plan *plan_of(const conv_geom *g) {
    for (size_t i = 0; i < n_plans; i++)
        if (memcmp(&plans[i]->g, g, sizeof *g) == 0) return plans[i];
    if (n_plans == cap_plans) {
        size_t cap = cap_plans ? 2 * cap_plans : 32;
        conv_plan **grown = (conv_plan **)realloc(plans, cap * sizeof *grown);
        if (!grown) {
            GANC_ERR(GANC_ERR_MEMORY, "cuDNN conv: out of host memory for plans");
            return NULL;
        }
        plans = grown;
        cap_plans = cap;
    }
    conv_plan *p = (conv_plan *)calloc(1, sizeof *p);
    if (!p) {
        GANC_ERR(GANC_ERR_MEMORY, "cuDNN conv: out of host memory for a plan");
        return NULL;
    }
    p->g = *g;
    if (describe(p)) {
        if (p->conv) cuda_lib.cudnnDestroyConvolutionDescriptor(p->conv);
        if (p->w) cuda_lib.cudnnDestroyFilterDescriptor(p->w);
        if (p->y) cuda_lib.cudnnDestroyTensorDescriptor(p->y);
        if (p->x) cuda_lib.cudnnDestroyTensorDescriptor(p->x);
        free(p);
        return NULL;
    }
    plans[n_plans++] = p;
    return p;
}

/* The heuristics' ranking: the first usable, deterministic result of an
 * allowed math type, else the first usable allowed one; -1 when none. */
template <class Perf>
static int pick(const Perf *perf, int returned) {
    int fallback = -1;
    for (int i = 0; i < returned; i++) {
        if (perf[i].status != CUDNN_STATUS_SUCCESS || !math_allowed(perf[i].mathType) || perf[i].memory > WORKSPACE_CAP)
            continue;
        if (perf[i].determinism == CUDNN_DETERMINISTIC) return i;
        if (fallback < 0) fallback = i;
    }
    return fallback;
}

static ganc_status choose(conv_plan *p, conv_pass pass) {
    cudnnHandle_t h = cuda_ctx.cudnn;
    CUDNN_TRY(cuda_lib.cudnnSetConvolutionMathType(p->conv, base_math()));
    int returned = 0, best;
    /* Fallbacks that take any geometry, deterministic, FMA math. */
    int algo;
    cudnnMathType_t math = CUDNN_FMA_MATH;
    if (pass == CONV_PASS_FORWARD) {
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionForwardAlgorithm_v7(h, p->x, p->w, p->conv, p->y,
                                                         CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf));
        best = pick(perf, returned);
        algo = best >= 0 ? (int)perf[best].algo : (int)CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
        if (best >= 0) math = perf[best].mathType;
    } else if (pass == CONV_PASS_BACKWARD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p->w, p->y, p->conv, p->x,
                                                              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned, perf));
        best = pick(perf, returned);
        algo = best >= 0 ? (int)perf[best].algo : (int)CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
        if (best >= 0) math = perf[best].mathType;
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionBackwardFilterAlgorithm_v7(
            h, p->x, p->y, p->conv, p->w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, perf));
        best = pick(perf, returned);
        algo = best >= 0 ? (int)perf[best].algo : (int)CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1;
        if (best >= 0) math = perf[best].mathType;
    }
    CUDNN_TRY(cuda_lib.cudnnSetConvolutionMathType(p->conv, math));
    size_t ws = 0;
    if (pass == CONV_PASS_FORWARD)
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionForwardWorkspaceSize(h, p->x, p->w, p->conv, p->y,
                                                          (cudnnConvolutionFwdAlgo_t)algo, &ws));
    else if (pass == CONV_PASS_BACKWARD_DATA)
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionBackwardDataWorkspaceSize(h, p->w, p->y, p->conv, p->x,
                                                               (cudnnConvolutionBwdDataAlgo_t)algo, &ws));
    else
        CUDNN_TRY(cuda_lib.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, p->x, p->y, p->conv, p->w,
                                                                 (cudnnConvolutionBwdFilterAlgo_t)algo, &ws));
    p->algo[pass] = algo;
    p->math[pass] = math;
    p->ws[pass] = ws;
    p->chosen[pass] = true;
    return GANC_OK;
}

/* The plan of g with `pass` chosen and its math type set; NULL on failure
 * (recorded for the next sync). */
static conv_plan *ready(const conv_geom *g, conv_pass pass) {
    conv_plan *p = plan_of(g);
    if (!p) {
        cuda_note_error(ganc_error_status());
        return NULL;
    }
    if (!p->chosen[pass] && choose(p, pass)) return NULL;
    if (cuda_check_cudnn(cuda_lib.cudnnSetConvolutionMathType(p->conv, p->math[pass]), "cudnnSetConvolutionMathType",
                         __FILE__, __LINE__))
        return NULL;
    return p;
}

void cuda_conv_forget_algorithms(void) {
    for (size_t i = 0; i < n_plans; i++) memset(plans[i]->chosen, 0, sizeof plans[i]->chosen);
}

static size_t cuda_workspace_bytes(const conv_geom *g, conv_pass pass) {
    conv_plan *p = ready(g, pass);
    return p ? p->ws[pass] : 0;
}

/* A workspace the caller did not provide is a bug in the caller. */
static bool has_workspace(const conv_plan *p, conv_pass pass, const void *ws) {
    if (p->ws[pass] == 0 || ws) return true;
    cuda_note_error(GANC_ERR(GANC_ERR_ARG, "cuDNN conv: called without the %zu-byte workspace that workspace_bytes "
                             "asked for", p->ws[pass]));
    return false;
}

static void cuda_forward(const conv_geom *g, const real *x, const real *w, bool accumulate, real *y, void *ws) {
    conv_plan *p = ready(g, CONV_PASS_FORWARD);
    if (!p || !has_workspace(p, CONV_PASS_FORWARD, ws)) return;
    float alpha = 1, beta = accumulate ? 1 : 0;
    CUDNN_NOTE(cuda_lib.cudnnConvolutionForward(cuda_ctx.cudnn, &alpha, p->x, x, p->w, w, p->conv,
                                       (cudnnConvolutionFwdAlgo_t)p->algo[CONV_PASS_FORWARD], ws,
                                       p->ws[CONV_PASS_FORWARD], &beta, p->y, y));
}

static void cuda_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                               void *ws) {
    conv_plan *p = ready(g, CONV_PASS_BACKWARD_DATA);
    if (!p || !has_workspace(p, CONV_PASS_BACKWARD_DATA, ws)) return;
    float alpha = 1, beta = accumulate ? 1 : 0;
    CUDNN_NOTE(cuda_lib.cudnnConvolutionBackwardData(cuda_ctx.cudnn, &alpha, p->w, w, p->y, dy, p->conv,
                                            (cudnnConvolutionBwdDataAlgo_t)p->algo[CONV_PASS_BACKWARD_DATA], ws,
                                            p->ws[CONV_PASS_BACKWARD_DATA], &beta, p->x, dx));
}

static void cuda_backward_weight(const conv_geom *g, const real *x, const real *dy, bool accumulate, real *dw,
                                 void *ws) {
    conv_plan *p = ready(g, CONV_PASS_BACKWARD_WEIGHT);
    if (!p || !has_workspace(p, CONV_PASS_BACKWARD_WEIGHT, ws)) return;
    float alpha = 1, beta = accumulate ? 1 : 0;
    CUDNN_NOTE(cuda_lib.cudnnConvolutionBackwardFilter(cuda_ctx.cudnn, &alpha, p->x, x, p->y, dy, p->conv,
                                              (cudnnConvolutionBwdFilterAlgo_t)p->algo[CONV_PASS_BACKWARD_WEIGHT], ws,
                                              p->ws[CONV_PASS_BACKWARD_WEIGHT], &beta, p->w, dw));
}

/* ---- bias ---- */

__global__ void add_bias_kernel(real *y, const real *b, long c, long hw, long n) {
    GRID_STRIDE(i, n) y[i] += b[(i / hw) % c];
}

static void cuda_add_bias(real *y, const real *b, int n, int c, int hw) {
    long total = (long)n * c * hw;
    if (total > 0) CUDA_LAUNCH(add_bias_kernel, grid_for((size_t)total), CUDA_THREADS, y, b, (long)c, (long)hw, total);
}

struct bias_sum_item {
    const real *dy;
    real *db;
    long c, hw;
    __device__ double load(long ch, long r) const { return dy[((r / hw) * c + ch) * hw + r % hw]; }
    __device__ void store(long ch, double s) const { db[ch] += (real)s; }
};

static void cuda_sum_bias(const real *dy, int n, int c, int hw, real *db) {
    bias_sum_item item = {dy, db, c, hw};
    group_reduce(c, (long)n * hw, item);
}

/* Positional, in the order of core/kernels/conv.h. */
extern "C" const struct conv_kernels cuda_conv_kernels = {
    cuda_workspace_bytes, cuda_forward,  cuda_backward_data,
    cuda_backward_weight, cuda_add_bias, cuda_sum_bias,
};
