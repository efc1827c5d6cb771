/* Backward-data of a convolution with stride s (so also the forward pass of
 * every transposed convolution) through the packed microkernel, instead of
 * a BLAS product folded back by col2im. The input positions split into s_h
 * x s_w phases: (iy + pad_h) mod s_h = ry, (ix + pad_w) mod s_w = rx. Only
 * the taps i = ry + s_h*a, j = rx + s_w*b reach a phase, from dy[Y - a][X - b]
 * where iy = Y*s_h + ry - pad_h, ix = X*s_w + rx - pad_w. Each phase is
 * therefore a stride-1 convolution of dy with its sub-kernel turned by 180
 * degrees and its channel axes swapped, over the Y, X that land inside the
 * image; its output is scattered into every s-th position of dx. The
 * phases cover dx exactly once between them. Dilated convolutions stay on
 * im2col + BLAS. */
#include "core/cpu/conv_packed.h"

#include <omp.h>
#include <string.h>

#include "core/cpu/conv_packed_kernel.h"

typedef struct {
    int ry, rx;           /* the phase */
    int taps_h, taps_w;   /* sub-kernel size */
    int y0, x0, ny, nx;   /* first Y, X inside the image, and how many */
} stride_phase;

/* floor(a / b) for b > 0. */
static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static stride_phase phase_of(const conv_geom *g, int ry, int rx) {
    stride_phase ph = {.ry = ry, .rx = rx};
    ph.taps_h = ry < g->kh ? (g->kh - ry + g->stride_h - 1) / g->stride_h : 0;
    ph.taps_w = rx < g->kw ? (g->kw - rx + g->stride_w - 1) / g->stride_w : 0;
    ph.y0 = -floor_div(ry - g->pad_h, g->stride_h);
    ph.x0 = -floor_div(rx - g->pad_w, g->stride_w);
    int y1 = floor_div(g->h - 1 + g->pad_h - ry, g->stride_h) + 1, x1 = floor_div(g->w - 1 + g->pad_w - rx, g->stride_w) + 1;
    ph.ny = y1 > ph.y0 ? y1 - ph.y0 : 0;
    ph.nx = x1 > ph.x0 ? x1 - ph.x0 : 0;
    return ph;
}

/* The stride-1 convolution of dy that computes one phase (taps_h, taps_w > 0). */
static conv_geom phase_geom(const conv_geom *g, const stride_phase *ph) {
    return (conv_geom){.n = g->n, .c = g->o, .h = g->oh, .w = g->ow, .o = g->c, .kh = ph->taps_h, .kw = ph->taps_w,
                       .oh = ph->ny, .ow = ph->nx, .stride_h = 1, .stride_w = 1, .pad_h = ph->taps_h - 1 - ph->y0,
                       .pad_w = ph->taps_w - 1 - ph->x0, .dilation_h = 1, .dilation_w = 1, .groups = g->groups};
}

bool conv_packed_backward_data_usable(const conv_geom *g) {
    return conv_packed_enabled() && g->dilation_h == 1 && g->dilation_w == 1;
}

size_t conv_packed_backward_data_workspace_bytes(const conv_geom *g, int threads) {
    size_t most = 0;
    for (int ry = 0; ry < g->stride_h; ry++)
        for (int rx = 0; rx < g->stride_w; rx++) {
            stride_phase ph = phase_of(g, ry, rx);
            if (!ph.taps_h || !ph.taps_w || !ph.ny || !ph.nx) continue;
            conv_geom f = phase_geom(g, &ph);
            size_t out = (size_t)f.n * f.o * f.oh * f.ow * sizeof(real);
            size_t bytes = out + conv_packed_workspace_bytes(&f, threads) + CACHE_LINE;
            if (bytes > most) most = bytes;
        }
    return most;
}

#if PACKED_BUILT

/* A panel of the phase's flipped sub-kernel, laid out as pack_a lays out a
 * forward kernel: ap[k*MR + r] for output channel m = panel*MR + r (an input
 * channel of the original conv) and k = (o, a', b') over og x taps_h x
 * taps_w, with w[o][m][ry + s_h*(taps_h-1-a')][rx + s_w*(taps_w-1-b')]. */
static void pack_a_phase(const conv_geom *g, const stride_phase *ph, const float *w, int gi, int panel, float *ap) {
    int og = g->o / g->groups, cg = g->c / g->groups, m0 = panel * MR, rows = cg - m0 < MR ? cg - m0 : MR;
    int taps = ph->taps_h * ph->taps_w;
    memset(ap, 0, (size_t)og * taps * MR * sizeof *ap);
    for (int o = 0; o < og; o++)
        for (int a = 0; a < ph->taps_h; a++)
            for (int b = 0; b < ph->taps_w; b++) {
                int i = ph->ry + g->stride_h * (ph->taps_h - 1 - a), j = ph->rx + g->stride_w * (ph->taps_w - 1 - b);
                float *d = ap + ((long)o * taps + a * ph->taps_w + b) * MR;
                for (int r = 0; r < rows; r++)
                    d[r] = w[(((long)gi * og + o) * cg + m0 + r) * g->kh * g->kw + i * g->kw + j];
            }
}

/* dx at the phase's positions (+)= out (n, c, ny, nx); out == NULL: 0. */
static void scatter_phase(const conv_geom *g, const stride_phase *ph, const float *out, bool accumulate, float *dx) {
    long planes = (long)g->n * g->c;
    bool parallel = planes * ph->ny * ph->nx >= PARALLEL_MIN_MACS / 8;
#pragma omp parallel for if (parallel)
    for (long pl = 0; pl < planes; pl++)
        for (int y = 0; y < ph->ny; y++) {
            int iy = (ph->y0 + y) * g->stride_h + ph->ry - g->pad_h;
            float *row = dx + (pl * g->h + iy) * g->w + (long)ph->x0 * g->stride_w + ph->rx - g->pad_w;
            const float *src = out ? out + (pl * ph->ny + y) * ph->nx : NULL;
            for (int x = 0; x < ph->nx; x++) {
                float v = src ? src[x] : 0;
                row[(long)x * g->stride_w] = accumulate ? row[(long)x * g->stride_w] + v : v;
            }
        }
}

void conv_packed_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                               void *ws) {
    for (int ry = 0; ry < g->stride_h; ry++)
        for (int rx = 0; rx < g->stride_w; rx++) {
            stride_phase ph = phase_of(g, ry, rx);
            if (!ph.ny || !ph.nx) continue;
            if (!ph.taps_h || !ph.taps_w) {
                if (!accumulate) scatter_phase(g, &ph, NULL, false, dx);
                continue;
            }
            conv_geom f = phase_geom(g, &ph);
            int og_f = f.o / f.groups, k_all = group_k(&f), a_panels = (og_f + MR - 1) / MR;
            float *out = align_up(ws), *a_packed = align_up(out + (size_t)f.n * f.o * f.oh * f.ow);
            float *b_panels = align_up(a_packed + (size_t)f.groups * a_panels * MR * k_all);
            long a_tasks = (long)f.groups * a_panels;
#pragma omp parallel for if (a_tasks > 1 && omp_get_max_threads() > 1)
            for (long t = 0; t < a_tasks; t++)
                pack_a_phase(g, &ph, w, (int)(t / a_panels), (int)(t % a_panels), a_packed + t * MR * k_all);
            conv_packed_multiply(&f, dy, a_packed, false, out, b_panels);
            scatter_phase(g, &ph, out, accumulate, dx);
        }
}

#else

/* Never called: conv_packed_backward_data_usable is false in this build. */
void conv_packed_backward_data(const conv_geom *g, const real *dy, const real *w, bool accumulate, real *dx,
                               void *ws) {
    (void)g, (void)dy, (void)w, (void)accumulate, (void)dx, (void)ws;
}

#endif
