/* The rasteriser: exact-area anti-aliasing by signed-area accumulation (the
 * scheme of font-rs): each edge adds, per pixel row, the area it sweeps to
 * the cells it crosses; a running sum along the row is then the pixel's
 * coverage. Cost is O(edge length + box area), with no supersampling. */
#include <math.h>
#include <string.h>

#include "data/synth/synth_internal.h"

typedef struct {
    float x0, y0, x1, y1; /* touched region, pixels */
} span_box;

/* One edge already inside 0 <= x <= w, 0 <= y <= h. */
static void acc_edge(canvas *c, float x0, float y0, float x1, float y1) {
    if (y0 == y1) return;
    float dir = 1;
    if (y0 > y1) {
        float t = x0;
        x0 = x1;
        x1 = t;
        t = y0;
        y0 = y1;
        y1 = t;
        dir = -1;
    }
    const int stride = c->w + 2;
    float dxdy = (x1 - x0) / (y1 - y0);
    float x = x0;
    int yend = (int)ceilf(y1);
    if (yend > c->h) yend = c->h;
    for (int y = (int)y0; y < yend; y++) {
        float *row = c->acc + (size_t)y * stride;
        float dy = minf((float)(y + 1), y1) - maxf((float)y, y0);
        /* Stepping x by its slope can round a hair past the canvas side;
         * the clamp keeps the coverage cells inside the row. */
        float xnext = clampf(x + dxdy * dy, 0, (float)c->w);
        float d = dy * dir;
        float xa = minf(x, xnext), xb = maxf(x, xnext);
        float xa_floor = floorf(xa);
        int xai = (int)xa_floor, xbi = (int)ceilf(xb);
        if (xbi <= xai + 1) {
            float xmf = 0.5f * (x + xnext) - xa_floor;
            row[xai] += d - d * xmf;
            row[xai + 1] += d * xmf;
        } else {
            float s = 1.0f / (xb - xa);
            float xaf = xa - xa_floor;
            float a0 = 0.5f * s * (1 - xaf) * (1 - xaf);
            float xbf = xb - (float)xbi + 1;
            float am = 0.5f * s * xbf * xbf;
            row[xai] += d * a0;
            if (xbi == xai + 2) {
                row[xai + 1] += d * (1 - a0 - am);
            } else {
                float a1 = s * (1.5f - xaf);
                row[xai + 1] += d * (a1 - a0);
                for (int xi = xai + 2; xi < xbi - 1; xi++) row[xi] += d * s;
                float a2 = a1 + (float)(xbi - xai - 3) * s;
                row[xbi - 1] += d * (1 - a2 - am);
            }
            row[xbi] += d * am;
        }
        x = xnext;
    }
}

/* Clips an edge to the canvas rows, then splits it where it crosses x = 0
 * and x = w: parts beyond the sides are pressed onto them, which keeps the
 * winding of every pixel inside exact. */
static void add_edge(canvas *c, span_box *bb, float x0, float y0, float x1, float y1) {
    const float W = (float)c->w, H = (float)c->h;
    if (!(y0 != y1) || (y0 <= 0 && y1 <= 0) || (y0 >= H && y1 >= H)) return;
    if (!isfinite(x0) || !isfinite(x1) || !isfinite(y0) || !isfinite(y1)) return;
    float ta = 0, tb = 1;
    float ty0 = (0 - y0) / (y1 - y0), tyh = (H - y0) / (y1 - y0);
    float lo = minf(ty0, tyh), hi = maxf(ty0, tyh);
    ta = maxf(ta, lo);
    tb = minf(tb, hi);
    if (ta >= tb) return;
    float ts[4] = {ta, 0, 0, tb};
    int nt = 1;
    if (x0 != x1) {
        float t0 = (0 - x0) / (x1 - x0), tw = (W - x0) / (x1 - x0);
        if (t0 > tw) {
            float t = t0;
            t0 = tw;
            tw = t;
        }
        if (t0 > ta && t0 < tb) ts[nt++] = t0;
        if (tw > ta && tw < tb) ts[nt++] = tw;
    }
    ts[nt++] = tb;
    for (int i = 0; i + 1 < nt; i++) {
        float sa = ts[i], sb = ts[i + 1];
        float xa = x0 + (x1 - x0) * sa, ya = y0 + (y1 - y0) * sa;
        float xb = x0 + (x1 - x0) * sb, yb = y0 + (y1 - y0) * sb;
        ya = clampf(ya, 0, H);
        yb = clampf(yb, 0, H);
        float xm = 0.5f * (xa + xb);
        if (xm <= 0) {
            xa = xb = 0;
        } else if (xm >= W) {
            xa = xb = W;
        } else {
            xa = clampf(xa, 0, W);
            xb = clampf(xb, 0, W);
        }
        bb->x0 = minf(bb->x0, minf(xa, xb));
        bb->x1 = maxf(bb->x1, maxf(xa, xb));
        bb->y0 = minf(bb->y0, minf(ya, yb));
        bb->y1 = maxf(bb->y1, maxf(ya, yb));
        acc_edge(c, xa, ya, xb, yb);
    }
}

static span_box accumulate(canvas *c, const path *p) {
    span_box bb = {1e30f, 1e30f, -1e30f, -1e30f};
    if (p->overflow) return bb;
    for (int k = 0; k < p->n_contours; k++) {
        int s = p->start[k], e = p->start[k + 1];
        for (int i = s; i < e; i++) {
            vec2 a = p->pts[i], b = p->pts[i + 1 < e ? i + 1 : s];
            add_edge(c, &bb, a.x, a.y, b.x, b.y);
        }
    }
    return bb;
}

typedef enum { OP_PAINT, OP_MASK_ADD, OP_MASK_ERASE } fill_op;

static inline void blend(float *px, float a, float r, float g, float b) {
    px[0] += a * (r - px[0]);
    px[1] += a * (g - px[1]);
    px[2] += a * (b - px[2]);
}

/* Lights a row of pixels: the normal is that of the shading ellipsoid under
 * the pixel (flat at its rim), Lambert plus a Blinn highlight, modulated by
 * the texture. Face coordinates advance by a constant step along the row. */
static void shade_row(const paint *pt, float *dst, const float *clip, int y, int x0, int x1, const float *cov) {
    const shading *sh = pt->sh;
    const float iru = 1.0f / sh->ru, irv = 1.0f / sh->rv;
    const float lx = sh->light[0], ly = sh->light[1], lz = sh->light[2];
    float hx = lx, hy = ly, hz = lz + 1; /* half vector between light and viewer (0, 0, 1) */
    float hl = 1.0f / sqrtf(hx * hx + hy * hy + hz * hz);
    hx *= hl, hy *= hl, hz *= hl;
    const float py = (float)y + 0.5f;
    float u = sh->inv.a * ((float)x0 + 0.5f) + sh->inv.b * py + sh->inv.tx;
    float v = sh->inv.c * ((float)x0 + 0.5f) + sh->inv.d * py + sh->inv.ty;
    for (int x = x0; x < x1; x++, u += sh->inv.a, v += sh->inv.c) {
        float a = cov[x] * pt->alpha;
        if (clip) a *= clip[x];
        if (a <= 0) continue;
        float nx = (u - sh->cu) * iru, ny = (v - sh->cv) * irv;
        float r2 = nx * nx + ny * ny, nz;
        if (r2 < 1) {
            nz = sqrtf(1 - r2); /* (nx, ny, nz) is already a unit vector */
        } else {
            float inv = 1.0f / sqrtf(r2);
            nx *= inv, ny *= inv, nz = 0;
        }
        float lambert = nx * lx + ny * ly + nz * lz;
        float k = sh->ambient + sh->diffuse * (lambert > 0 ? lambert : 0);
        float spec = 0;
        if (sh->specular > 0) {
            float ndh = nx * hx + ny * hy + nz * hz;
            if (ndh > 0) {
                for (int i = 0; i < sh->shininess_log2; i++) ndh *= ndh;
                spec = sh->specular * ndh;
            }
        }
        if (sh->tex) {
            float t = sh->tex_amp * noise_at(sh->tex, u * sh->tex_fu, v * sh->tex_fv);
            if (sh->tex2_amp > 0) t += sh->tex2_amp * noise_at(sh->tex, u * sh->tex2_f + 7.3f, v * sh->tex2_f + 3.1f);
            k *= 1 + t;
        }
        blend(dst + (size_t)x * 3, a, pt->col[0] * k + spec, pt->col[1] * k + spec, pt->col[2] * k + spec);
    }
}

static void paint_row(canvas *c, const paint *pt, int y, int x0, int x1, const float *cov) {
    float *dst = c->rgb + ((size_t)y * c->w) * 3;
    const float *clip = pt->clip ? pt->clip + (size_t)y * c->w : NULL;
    switch (pt->kind) {
    case PAINT_FLAT:
        for (int x = x0; x < x1; x++) {
            float a = cov[x] * pt->alpha;
            if (clip) a *= clip[x];
            if (a > 0) blend(dst + (size_t)x * 3, a, pt->col[0], pt->col[1], pt->col[2]);
        }
        break;
    case PAINT_LINEAR: {
        const float fy = pt->gy * ((float)y + 0.5f) + pt->g0;
        for (int x = x0; x < x1; x++) {
            float a = cov[x] * pt->alpha;
            if (clip) a *= clip[x];
            if (a <= 0) continue;
            float t = clampf(pt->gx * ((float)x + 0.5f) + fy, 0, 1);
            blend(dst + (size_t)x * 3, a, lerpf(pt->col[0], pt->col2[0], t), lerpf(pt->col[1], pt->col2[1], t),
                  lerpf(pt->col[2], pt->col2[2], t));
        }
        break;
    }
    case PAINT_SHADED: shade_row(pt, dst, clip, y, x0, x1, cov); break;
    }
}

static void fill(canvas *c, const path *p, fill_op op, const paint *pt, float *mask) {
    span_box bb = accumulate(c, p);
    if (bb.x1 < bb.x0) return;
    const int stride = c->w + 2;
    int x0 = (int)floorf(bb.x0), x1 = (int)ceilf(bb.x1) + 2;
    if (x1 > c->w + 2) x1 = c->w + 2;
    int y0 = (int)floorf(bb.y0), y1 = (int)ceilf(bb.y1);
    if (y1 > c->h) y1 = c->h;
    float cov[c->w + 2];
    for (int y = y0; y < y1; y++) {
        float *row = c->acc + (size_t)y * stride;
        float sum = 0;
        for (int x = x0; x < x1; x++) {
            sum += row[x];
            row[x] = 0;
            /* Snap rounding residue, so an interior is exactly covered and
             * the far side of an edge exactly untouched. */
            float a = fabsf(sum);
            cov[x] = a > 0.9999f ? 1 : a < 1e-4f ? 0 : a;
        }
        int xe = x1 < c->w ? x1 : c->w;
        if (op == OP_PAINT) {
            paint_row(c, pt, y, x0, xe, cov);
        } else {
            float *m = mask + (size_t)y * c->w;
            for (int x = x0; x < xe; x++) {
                if (op == OP_MASK_ADD)
                    m[x] = maxf(m[x], cov[x]);
                else
                    m[x] *= 1 - cov[x];
            }
        }
    }
}

void canvas_fill(canvas *c, const path *p, const paint *pt) { fill(c, p, OP_PAINT, pt, NULL); }
void canvas_mask_add(canvas *c, const path *p, float *mask) { fill(c, p, OP_MASK_ADD, NULL, mask); }
void canvas_mask_erase(canvas *c, const path *p, float *mask) { fill(c, p, OP_MASK_ERASE, NULL, mask); }
void canvas_clear_clip(canvas *c) { memset(c->clip, 0, sizeof(float) * (size_t)c->w * c->h); }

paint paint_flat(const float col[3], float alpha) {
    paint p = {.kind = PAINT_FLAT, .alpha = alpha};
    for (int i = 0; i < 3; i++) p.col[i] = col[i];
    return p;
}

paint paint_shaded(const float col[3], const shading *sh) {
    paint p = {.kind = PAINT_SHADED, .alpha = 1, .sh = sh};
    for (int i = 0; i < 3; i++) p.col[i] = col[i];
    return p;
}
