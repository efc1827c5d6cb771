/* cuDNN for the CUDA simulator: float NCHW 2-D convolutions as the cuDNN
 * documentation defines them, as plain loop nests independent of the CPU
 * backend. Descriptors are checked against each other (channels, groups,
 * output size), so a wrong descriptor order or padding fails a test here.
 * Anything not simulated returns CUDNN_STATUS_NOT_SUPPORTED.
 *   y[n,o,i,j] = alpha * sum_{c,p,q} x[n, g*C/G + c, i*u - pad_h + p*dil_h, j*v - pad_w + q*dil_w] * w[o,c,p',q']
 *                + beta * y[n,o,i,j],  g = o / (K/G); p' = p, q' = q for cross-correlation, flipped for convolution;
 * backward data and filter are the adjoints of that map in x and in w. */
#include <vector>

#include "cudnn.h"

struct cudnnContext {
    cudaStream_t stream;
};
struct cudnnTensorStruct {
    int n = 0, c = 0, h = 0, w = 0;
    bool set = false;
};
struct cudnnFilterStruct {
    int k = 0, c = 0, h = 0, w = 0;
    bool set = false;
};
struct cudnnConvolutionStruct {
    int pad_h = 0, pad_w = 0, u = 1, v = 1, dil_h = 1, dil_w = 1, groups = 1;
    bool flip = false, set = false;
    cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

size_t cudnnGetVersion(void) { return CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100; }

cudnnStatus_t cudnnCreate(cudnnHandle_t *handle) {
    *handle = new cudnnContext{nullptr};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
    delete handle;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t stream) {
    if (!handle) return CUDNN_STATUS_NOT_INITIALIZED;
    handle->stream = stream;
    return CUDNN_STATUS_SUCCESS;
}

const char *cudnnGetErrorString(cudnnStatus_t status) {
    switch (status) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_ALLOC_FAILED: return "CUDNN_STATUS_ALLOC_FAILED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM (simulator: descriptors do not fit together)";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED (simulator: not simulated)";
    }
    return "CUDNN_STATUS_UNKNOWN";
}

cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *desc) {
    *desc = new cudnnTensorStruct;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t desc) {
    delete desc;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t format, cudnnDataType_t type,
                                         int n, int c, int h, int w) {
    if (format != CUDNN_TENSOR_NCHW || type != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED;
    if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
    *d = {n, c, h, w, true};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *desc) {
    *desc = new cudnnFilterStruct;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t desc) {
    delete desc;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t type, cudnnTensorFormat_t format,
                                         int k, int c, int h, int w) {
    if (format != CUDNN_TENSOR_NCHW || type != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED;
    if (k <= 0 || c <= 0 || h <= 0 || w <= 0) return CUDNN_STATUS_BAD_PARAM;
    *d = {k, c, h, w, true};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnCreateConvolutionDescriptor(cudnnConvolutionDescriptor_t *desc) {
    *desc = new cudnnConvolutionStruct;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroyConvolutionDescriptor(cudnnConvolutionDescriptor_t desc) {
    delete desc;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
                                              int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t compute_type) {
    if (compute_type != CUDNN_DATA_FLOAT) return CUDNN_STATUS_NOT_SUPPORTED;
    if (pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dilation_h <= 0 || dilation_w <= 0) return CUDNN_STATUS_BAD_PARAM;
    d->pad_h = pad_h, d->pad_w = pad_w, d->u = u, d->v = v, d->dil_h = dilation_h, d->dil_w = dilation_w;
    d->flip = mode == CUDNN_CONVOLUTION;
    d->set = true;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t d, int groups) {
    if (groups <= 0) return CUDNN_STATUS_BAD_PARAM;
    d->groups = groups;
    return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t math) {
    d->math = math;
    return CUDNN_STATUS_SUCCESS;
}

static int out_size(int in, int pad, int kernel, int dilation, int stride) {
    return (in + 2 * pad - ((kernel - 1) * dilation + 1)) / stride + 1;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t conv,
                                                    const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,
                                                    int *n, int *c, int *h, int *wo) {
    if (!conv->set || !x->set || !w->set) return CUDNN_STATUS_BAD_PARAM;
    if (x->c != w->c * conv->groups || w->k % conv->groups) return CUDNN_STATUS_BAD_PARAM;
    *n = x->n;
    *c = w->k;
    *h = out_size(x->h, conv->pad_h, w->h, conv->dil_h, conv->u);
    *wo = out_size(x->w, conv->pad_w, w->w, conv->dil_w, conv->v);
    return *h > 0 && *wo > 0 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

/* x, w and y descriptors that describe one convolution. */
static cudnnStatus_t check_geometry(const cudnnTensorStruct *x, const cudnnFilterStruct *w,
                                    const cudnnConvolutionStruct *conv, const cudnnTensorStruct *y) {
    int n, c, h, wo;
    cudnnStatus_t s = cudnnGetConvolution2dForwardOutputDim(const_cast<cudnnConvolutionStruct *>(conv),
                                                            const_cast<cudnnTensorStruct *>(x),
                                                            const_cast<cudnnFilterStruct *>(w), &n, &c, &h, &wo);
    if (s) return s;
    if (!y->set || y->n != n || y->c != c || y->h != h || y->w != wo) return CUDNN_STATUS_BAD_PARAM;
    return CUDNN_STATUS_SUCCESS;
}

template <class Perf, class Algo>
static cudnnStatus_t one_algorithm(cudnnStatus_t geometry, const cudnnConvolutionStruct *conv, Algo algo,
                                   int requested, int *returned, Perf *perf) {
    if (geometry) return geometry;
    if (requested < 1) return CUDNN_STATUS_BAD_PARAM;
    perf[0] = Perf{algo, CUDNN_STATUS_SUCCESS, 0.0f, 0, CUDNN_DETERMINISTIC,
                   conv->math == CUDNN_FMA_MATH ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH};
    *returned = 1;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                     const cudnnFilterDescriptor_t w,
                                                     const cudnnConvolutionDescriptor_t conv,
                                                     const cudnnTensorDescriptor_t y, int requested, int *returned,
                                                     cudnnConvolutionFwdAlgoPerf_t *perf) {
    return one_algorithm(check_geometry(x, w, conv, y), conv, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, requested,
                         returned, perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t, const cudnnFilterDescriptor_t w,
                                                          const cudnnTensorDescriptor_t dy,
                                                          const cudnnConvolutionDescriptor_t conv,
                                                          const cudnnTensorDescriptor_t dx, int requested,
                                                          int *returned, cudnnConvolutionBwdDataAlgoPerf_t *perf) {
    return one_algorithm(check_geometry(dx, w, conv, dy), conv, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, requested, returned,
                         perf);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                            const cudnnTensorDescriptor_t dy,
                                                            const cudnnConvolutionDescriptor_t conv,
                                                            const cudnnFilterDescriptor_t dw, int requested,
                                                            int *returned, cudnnConvolutionBwdFilterAlgoPerf_t *perf) {
    return one_algorithm(check_geometry(x, dw, conv, dy), conv, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, requested,
                         returned, perf);
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                      const cudnnFilterDescriptor_t w,
                                                      const cudnnConvolutionDescriptor_t conv,
                                                      const cudnnTensorDescriptor_t y, cudnnConvolutionFwdAlgo_t,
                                                      size_t *bytes) {
    *bytes = 0;
    return check_geometry(x, w, conv, y);
}
cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(cudnnHandle_t, const cudnnFilterDescriptor_t w,
                                                           const cudnnTensorDescriptor_t dy,
                                                           const cudnnConvolutionDescriptor_t conv,
                                                           const cudnnTensorDescriptor_t dx,
                                                           cudnnConvolutionBwdDataAlgo_t, size_t *bytes) {
    *bytes = 0;
    return check_geometry(dx, w, conv, dy);
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(cudnnHandle_t, const cudnnTensorDescriptor_t x,
                                                             const cudnnTensorDescriptor_t dy,
                                                             const cudnnConvolutionDescriptor_t conv,
                                                             const cudnnFilterDescriptor_t dw,
                                                             cudnnConvolutionBwdFilterAlgo_t, size_t *bytes) {
    *bytes = 0;
    return check_geometry(x, dw, conv, dy);
}

/* Calls visit(x_index, w_index, y_index) for every product term of the convolution. */
template <class Visit>
static void for_each_term(const cudnnTensorStruct *x, const cudnnFilterStruct *w, const cudnnConvolutionStruct *cv,
                          const cudnnTensorStruct *y, Visit visit) {
    int cg = w->c, kg = w->k / cv->groups;
    for (int n = 0; n < y->n; n++)
        for (int o = 0; o < y->c; o++) {
            int g = o / kg;
            for (int i = 0; i < y->h; i++)
                for (int j = 0; j < y->w; j++) {
                    long yi = (((long)n * y->c + o) * y->h + i) * y->w + j;
                    for (int c = 0; c < cg; c++)
                        for (int p = 0; p < w->h; p++)
                            for (int q = 0; q < w->w; q++) {
                                int hi = i * cv->u - cv->pad_h + p * cv->dil_h, wi = j * cv->v - cv->pad_w + q * cv->dil_w;
                                if (hi < 0 || hi >= x->h || wi < 0 || wi >= x->w) continue;
                                int pp = cv->flip ? w->h - 1 - p : p, qq = cv->flip ? w->w - 1 - q : q;
                                long xi = (((long)n * x->c + g * cg + c) * x->h + hi) * x->w + wi;
                                long wi_ = (((long)o * cg + c) * w->h + pp) * w->w + qq;
                                visit(xi, wi_, yi);
                            }
                }
        }
}

/* out = alpha * acc + beta * out, where beta == 0 ignores out's old values. */
static void blend(float *out, const std::vector<double> &acc, float alpha, float beta) {
    for (size_t i = 0; i < acc.size(); i++) out[i] = (float)(alpha * acc[i]) + (beta == 0.0f ? 0.0f : beta * out[i]);
}

static long count(const cudnnTensorStruct *t) { return (long)t->n * t->c * t->h * t->w; }
static long count(const cudnnFilterStruct *f) { return (long)f->k * f->c * f->h * f->w; }

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t, const void *alpha, const cudnnTensorDescriptor_t xd,
                                      const void *x, const cudnnFilterDescriptor_t wd, const void *w,
                                      const cudnnConvolutionDescriptor_t conv, cudnnConvolutionFwdAlgo_t, void *, size_t,
                                      const void *beta, const cudnnTensorDescriptor_t yd, void *y) {
    cudnnStatus_t s = check_geometry(xd, wd, conv, yd);
    if (s) return s;
    std::vector<double> acc((size_t)count(yd), 0.0);
    const float *xf = (const float *)x, *wf = (const float *)w;
    for_each_term(xd, wd, conv, yd, [&](long xi, long wi, long yi) { acc[(size_t)yi] += (double)xf[xi] * wf[wi]; });
    blend((float *)y, acc, *(const float *)alpha, *(const float *)beta);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t, const void *alpha, const cudnnFilterDescriptor_t wd,
                                           const void *w, const cudnnTensorDescriptor_t dyd, const void *dy,
                                           const cudnnConvolutionDescriptor_t conv, cudnnConvolutionBwdDataAlgo_t,
                                           void *, size_t, const void *beta, const cudnnTensorDescriptor_t dxd,
                                           void *dx) {
    cudnnStatus_t s = check_geometry(dxd, wd, conv, dyd);
    if (s) return s;
    std::vector<double> acc((size_t)count(dxd), 0.0);
    const float *wf = (const float *)w, *dyf = (const float *)dy;
    for_each_term(dxd, wd, conv, dyd, [&](long xi, long wi, long yi) { acc[(size_t)xi] += (double)dyf[yi] * wf[wi]; });
    blend((float *)dx, acc, *(const float *)alpha, *(const float *)beta);
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t, const void *alpha, const cudnnTensorDescriptor_t xd,
                                             const void *x, const cudnnTensorDescriptor_t dyd, const void *dy,
                                             const cudnnConvolutionDescriptor_t conv, cudnnConvolutionBwdFilterAlgo_t,
                                             void *, size_t, const void *beta, const cudnnFilterDescriptor_t dwd,
                                             void *dw) {
    cudnnStatus_t s = check_geometry(xd, dwd, conv, dyd);
    if (s) return s;
    std::vector<double> acc((size_t)count(dwd), 0.0);
    const float *xf = (const float *)x, *dyf = (const float *)dy;
    for_each_term(xd, dwd, conv, dyd, [&](long xi, long wi, long yi) { acc[(size_t)wi] += (double)dyf[yi] * xf[xi]; });
    blend((float *)dw, acc, *(const float *)alpha, *(const float *)beta);
    return CUDNN_STATUS_SUCCESS;
}
