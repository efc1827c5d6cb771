/* Paths: curves built in face units, flattened into image-space polylines
 * fine enough that no flattening error shows at the image's resolution. */
#include <math.h>

#include "data/synth/synth_internal.h"

xform xform_make(float cx, float cy, float scale, float angle) {
    float cs = cosf(angle) * scale, sn = sinf(angle) * scale;
    return (xform){cs, -sn, sn, cs, cx, cy, scale};
}

vec2 xform_apply(const xform *t, float u, float v) {
    return (vec2){t->a * u + t->b * v + t->tx, t->c * u + t->d * v + t->ty};
}

xform xform_inverse(const xform *t) {
    float det = t->a * t->d - t->b * t->c;
    float ia = t->d / det, ib = -t->b / det, ic = -t->c / det, id = t->a / det;
    return (xform){ia, ib, ic, id, -(ia * t->tx + ib * t->ty), -(ic * t->tx + id * t->ty), 1.0f / t->scale};
}

void path_begin(path *p, const xform *t) {
    p->n = 0;
    p->n_contours = 0;
    p->start[0] = 0;
    p->overflow = false;
    p->t = *t;
}

static void push_px(path *p, vec2 q) {
    if (p->n >= PATH_MAX_POINTS) {
        p->overflow = true;
        return;
    }
    p->pts[p->n++] = q;
    p->start[p->n_contours] = p->n;
}

static void start_contour(path *p) {
    if (p->n_contours >= PATH_MAX_CONTOURS) {
        p->overflow = true;
        return;
    }
    /* start[k] is where contour k begins; start[n_contours] is the end of the last. */
    p->n_contours++;
    p->start[p->n_contours] = p->n;
}

void path_move(path *p, float u, float v) {
    start_contour(p);
    if (p->overflow) return;
    push_px(p, xform_apply(&p->t, u, v));
}

void path_line(path *p, float u, float v) {
    if (p->n_contours == 0) start_contour(p);
    push_px(p, xform_apply(&p->t, u, v));
}

/* Segments for a curve whose control polygon is `len` face units long. */
static int segments_for(const path *p, float len) {
    int n = (int)(len * p->t.scale / 2.5f) + 2;
    return n > 64 ? 64 : n;
}

void path_arc(path *p, float cu, float cv, float ru, float rv, float a0, float a1) {
    float span = fabsf(a1 - a0) * sqrtf(0.5f * (ru * ru + rv * rv));
    int n = segments_for(p, span);
    for (int i = 0; i <= n; i++) {
        float a = a0 + (a1 - a0) * (float)i / (float)n;
        path_line(p, cu + ru * cosf(a), cv + rv * sinf(a));
    }
}

vec2 path_last(const path *p) {
    if (p->n == 0) return (vec2){0, 0};
    xform inv = xform_inverse(&p->t);
    return xform_apply(&inv, p->pts[p->n - 1].x, p->pts[p->n - 1].y);
}

void path_quad(path *p, float cu, float cv, float u, float v) {
    vec2 s = path_last(p);
    float len = hypotf(cu - s.x, cv - s.y) + hypotf(u - cu, v - cv);
    int n = segments_for(p, len);
    for (int i = 1; i <= n; i++) {
        float t = (float)i / (float)n, m = 1 - t;
        path_line(p, m * m * s.x + 2 * m * t * cu + t * t * u, m * m * s.y + 2 * m * t * cv + t * t * v);
    }
}

void path_cubic(path *p, float c1u, float c1v, float c2u, float c2v, float u, float v) {
    vec2 s = path_last(p);
    float len = hypotf(c1u - s.x, c1v - s.y) + hypotf(c2u - c1u, c2v - c1v) + hypotf(u - c2u, v - c2v);
    int n = segments_for(p, len);
    for (int i = 1; i <= n; i++) {
        float t = (float)i / (float)n, m = 1 - t;
        float b0 = m * m * m, b1 = 3 * m * m * t, b2 = 3 * m * t * t, b3 = t * t * t;
        path_line(p, b0 * s.x + b1 * c1u + b2 * c2u + b3 * u, b0 * s.y + b1 * c1v + b2 * c2v + b3 * v);
    }
}

void path_ellipse(path *p, float cu, float cv, float ru, float rv, float angle, int dir) {
    float circumference = 6.2831853f * sqrtf(0.5f * (ru * ru + rv * rv));
    int n = (int)(circumference * p->t.scale / 2.0f) + 8;
    if (n > 128) n = 128;
    float ca = cosf(angle), sa = sinf(angle);
    for (int i = 0; i < n; i++) {
        float th = 6.2831853f * (float)i / (float)n * (float)dir;
        float x = ru * cosf(th), y = rv * sinf(th);
        float u = cu + ca * x - sa * y, v = cv + sa * x + ca * y;
        if (i == 0)
            path_move(p, u, v);
        else
            path_line(p, u, v);
    }
}

static vec2 unit_normal(vec2 a, vec2 b) {
    float dx = b.x - a.x, dy = b.y - a.y, l = hypotf(dx, dy);
    if (l < 1e-9f) return (vec2){0, 0};
    return (vec2){-dy / l, dx / l};
}

/* Offset direction at vertex i of a polyline: the miter of the two edge
 * normals, lengthened up to 2x so that a band keeps its width at corners. */
static vec2 miter(const vec2 *pts, int n, int i, bool closed) {
    int ip = i - 1, in = i + 1;
    if (closed) {
        ip = (i + n - 1) % n;
        in = (i + 1) % n;
    }
    vec2 n1 = ip >= 0 ? unit_normal(pts[ip], pts[i]) : (vec2){0, 0};
    vec2 n2 = in < n ? unit_normal(pts[i], pts[in]) : (vec2){0, 0};
    if (ip < 0) n1 = n2;
    if (in >= n) n2 = n1;
    vec2 m = {n1.x + n2.x, n1.y + n2.y};
    float l = hypotf(m.x, m.y);
    if (l < 1e-6f) return n1;
    m.x /= l;
    m.y /= l;
    float cosine = m.x * n1.x + m.y * n1.y;
    float k = 1.0f / (cosine > 0.5f ? cosine : 0.5f);
    return (vec2){m.x * k, m.y * k};
}

void path_stroke(path *dst, const path *src, float w0, float w1, bool closed) {
    for (int k = 0; k < src->n_contours; k++) {
        const vec2 *pts = src->pts + src->start[k];
        int n = src->start[k + 1] - src->start[k];
        if (n < 2) continue;
        vec2 off[PATH_MAX_POINTS / 4];
        if (n > PATH_MAX_POINTS / 4) {
            dst->overflow = true;
            return;
        }
        for (int i = 0; i < n; i++) {
            float h = 0.5f * lerpf(w0, w1, (float)i / (float)(n - 1));
            vec2 m = miter(pts, n, i, closed);
            off[i] = (vec2){m.x * h, m.y * h};
        }
        start_contour(dst);
        for (int i = 0; i < n; i++) push_px(dst, (vec2){pts[i].x + off[i].x, pts[i].y + off[i].y});
        if (closed) start_contour(dst); /* the inner side as its own, reversed contour: a ring */
        for (int i = n - 1; i >= 0; i--) push_px(dst, (vec2){pts[i].x - off[i].x, pts[i].y - off[i].y});
    }
}
