/* Shape ops: concat, slice, split, permute, flip. Forward values against
 * hand-written numbers and naive index loops written here; gradients land
 * where the values came from; every bad-argument path. */
#include <stdlib.h>
#include <string.h>

#include "core/ops/shape.h"
#include "tests/test.h"

/* Value v at flat index i: distinct, exact in float32, easy to trace. */
static tensor *iota(tape *t, int ndim, const int *shape, real offset, const char *name) {
    size_t n = shape_numel(ndim, shape);
    real *v = malloc(n * sizeof *v);
    if (!v) return NULL;
    for (size_t i = 0; i < n; i++) v[i] = offset + (real)i;
    tensor *x = tape_from_host(t, ndim, shape, v, name);
    free(v);
    return x;
}

static size_t at4(const int *s, int i0, int i1, int i2, int i3) {
    return (((size_t)i0 * (size_t)s[1] + (size_t)i1) * (size_t)s[2] + (size_t)i2) * (size_t)s[3] + (size_t)i3;
}

static bool has_shape(const tensor *y, int ndim, const int *shape) {
    if (!y || y->ndim != ndim) return false;
    for (int i = 0; i < ndim; i++)
        if (y->shape[i] != shape[i]) return false;
    return true;
}

static bool message_has(const char *a, const char *b) {
    const char *msg = ganc_error_message();
    return strstr(msg, a) && (!b || strstr(msg, b));
}

TEST(concat_hand_values_and_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_from_host(t, 2, (int[]){2, 2}, (real[]){1, 2, 3, 4}, "a");
    tensor *b = tape_from_host(t, 2, (int[]){2, 1}, (real[]){5, 6}, "b");
    tensor *c = tape_from_host(t, 2, (int[]){1, 2}, (real[]){7, 8}, "c");
    REQUIRE(a && b && c);
    REQUIRE(!tape_set_requires_grad(t, a) && !tape_set_requires_grad(t, b));

    tensor *rows = op_concat(t, 2, (const tensor *const[]){a, c}, 0);
    REQUIRE(has_shape(rows, 2, (int[]){3, 2}));
    const real want_rows[] = {1, 2, 3, 4, 7, 8};
    for (int i = 0; i < 6; i++) CHECK_NEAR(rows->data[i], want_rows[i], 0);

    tensor *cols = op_concat(t, 2, (const tensor *const[]){a, b}, -1);
    REQUIRE(has_shape(cols, 2, (int[]){2, 3}));
    const real want_cols[] = {1, 2, 5, 3, 4, 6};
    for (int i = 0; i < 6; i++) CHECK_NEAR(cols->data[i], want_cols[i], 0);

    tensor *seed = tape_from_host(t, 2, (int[]){2, 3}, (real[]){10, 20, 30, 40, 50, 60}, "seed");
    REQUIRE(tape_backward(t, cols, seed) == GANC_OK);
    const real want_da[] = {10, 20, 40, 50}, want_db[] = {30, 60};
    for (int i = 0; i < 4; i++) CHECK_NEAR(a->grad[i], want_da[i], 0);
    for (int i = 0; i < 2; i++) CHECK_NEAR(b->grad[i], want_db[i], 0);
    tape_free(t);
}

/* Three 4-D inputs joined along each axis in turn, checked element by element. */
TEST(concat_every_axis_matches_naive_loop) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    const int base[4] = {2, 3, 4, 5}, extra[3] = {2, 1, 3};
    for (int axis = 0; axis < 4; axis++) {
        int shapes[3][4];
        tensor *xs[3];
        for (int k = 0; k < 3; k++) {
            memcpy(shapes[k], base, sizeof base);
            shapes[k][axis] = extra[k];
            xs[k] = iota(t, 4, shapes[k], (real)(1000 * k), "part");
            REQUIRE(xs[k]);
        }
        tensor *y = op_concat(t, 3, (const tensor *const *)xs, axis);
        int ys[4];
        memcpy(ys, base, sizeof base);
        ys[axis] = 2 + 1 + 3;
        REQUIRE(has_shape(y, 4, ys));
        int bad = 0;
        for (int i0 = 0; i0 < ys[0]; i0++)
            for (int i1 = 0; i1 < ys[1]; i1++)
                for (int i2 = 0; i2 < ys[2]; i2++)
                    for (int i3 = 0; i3 < ys[3]; i3++) {
                        int i[4] = {i0, i1, i2, i3}, k = 0;
                        while (i[axis] >= shapes[k][axis]) i[axis] -= shapes[k++][axis];
                        real want = xs[k]->data[at4(shapes[k], i[0], i[1], i[2], i[3])];
                        bad += y->data[at4(ys, i0, i1, i2, i3)] != want;
                    }
        CHECK_MSG(bad == 0, "concat axis %d: %d wrong values", axis, bad);
    }
    tape_free(t);
}

TEST(slice_hand_values_and_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = iota(t, 2, (int[]){3, 4}, 0, "x");
    REQUIRE(x);
    REQUIRE(!tape_set_requires_grad(t, x));

    tensor *rows = op_slice(t, x, 0, 2, 1);
    REQUIRE(has_shape(rows, 2, (int[]){1, 4}));
    for (int i = 0; i < 4; i++) CHECK_NEAR(rows->data[i], 8 + i, 0);

    tensor *cols = op_slice(t, x, 1, 1, 2);
    REQUIRE(has_shape(cols, 2, (int[]){3, 2}));
    const real want[] = {1, 2, 5, 6, 9, 10};
    for (int i = 0; i < 6; i++) CHECK_NEAR(cols->data[i], want[i], 0);

    tensor *seed = tape_from_host(t, 2, (int[]){3, 2}, (real[]){1, 2, 3, 4, 5, 6}, "seed");
    REQUIRE(tape_backward(t, cols, seed) == GANC_OK);
    const real want_dx[] = {0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0};
    for (int i = 0; i < 12; i++) CHECK_NEAR(x->grad[i], want_dx[i], 0);
    tape_free(t);
}

TEST(split_parts_are_slices) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = iota(t, 3, (int[]){2, 5, 3}, 0, "x");
    REQUIRE(x);
    tensor *p[3];
    REQUIRE(op_split(t, x, -2, 3, (const int[]){1, 3, 1}, p) == GANC_OK);
    REQUIRE(has_shape(p[0], 3, (int[]){2, 1, 3}) && has_shape(p[1], 3, (int[]){2, 3, 3}) &&
            has_shape(p[2], 3, (int[]){2, 1, 3}));
    /* x[n, c, w] = 15n + 3c + w; part 1 holds c = 1..3. */
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 3; c++)
            for (int w = 0; w < 3; w++) CHECK_NEAR(p[1]->data[(n * 3 + c) * 3 + w], 15 * n + 3 * (c + 1) + w, 0);
    tensor *back = op_concat(t, 3, (const tensor *const *)p, 1);
    REQUIRE(back);
    for (size_t i = 0; i < x->numel; i++) CHECK_NEAR(back->data[i], x->data[i], 0);
    tape_free(t);
}

TEST(permute_matches_naive_loop_and_inverts) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    /* The second shape is large enough (> 32768 values) for the parallel path. */
    const int shapes[2][4] = {{2, 3, 4, 5}, {4, 16, 32, 20}};
    const int perms[3][4] = {{0, 2, 3, 1}, {3, 1, 0, 2}, {1, 0, 3, 2}};
    for (int s = 0; s < 2; s++)
        for (int p = 0; p < 3; p++) {
            const int *xs = shapes[s], *perm = perms[p];
            tensor *x = iota(t, 4, xs, 0, "x");
            REQUIRE(x);
            tensor *y = op_permute(t, x, perm);
            int ys[4] = {xs[perm[0]], xs[perm[1]], xs[perm[2]], xs[perm[3]]};
            REQUIRE(has_shape(y, 4, ys));
            int bad = 0;
            for (int j0 = 0; j0 < ys[0]; j0++)
                for (int j1 = 0; j1 < ys[1]; j1++)
                    for (int j2 = 0; j2 < ys[2]; j2++)
                        for (int j3 = 0; j3 < ys[3]; j3++) {
                            int j[4] = {j0, j1, j2, j3}, i[4];
                            for (int k = 0; k < 4; k++) i[perm[k]] = j[k];
                            bad += y->data[at4(ys, j0, j1, j2, j3)] != x->data[at4(xs, i[0], i[1], i[2], i[3])];
                        }
            CHECK_MSG(bad == 0, "shape %d perm %d: %d wrong values", s, p, bad);
            int inverse[4];
            for (int k = 0; k < 4; k++) inverse[perm[k]] = k;
            tensor *back = op_permute(t, y, inverse);
            REQUIRE(has_shape(back, 4, xs));
            CHECK(memcmp(back->data, x->data, x->numel * sizeof(real)) == 0);
        }
    tape_free(t);
}

TEST(permute_gradient_is_inverse_permutation) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = iota(t, 3, (int[]){2, 3, 4}, 0, "x");
    REQUIRE(x);
    REQUIRE(!tape_set_requires_grad(t, x));
    tensor *y = op_permute(t, x, (const int[]){2, 0, 1});
    REQUIRE(has_shape(y, 3, (int[]){4, 2, 3}));
    /* Seeding with y's own values sends each value back to where it came from. */
    REQUIRE(tape_backward(t, y, y) == GANC_OK);
    for (size_t i = 0; i < x->numel; i++) CHECK_NEAR(x->grad[i], x->data[i], 0);
    tape_free(t);
}

TEST(flip_hand_values_and_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = tape_from_host(t, 2, (int[]){2, 3}, (real[]){1, 2, 3, 4, 5, 6}, "x");
    REQUIRE(x);
    REQUIRE(!tape_set_requires_grad(t, x));
    const struct {
        unsigned axes;
        real want[6];
    } cases[] = {
        {0x2, {3, 2, 1, 6, 5, 4}},
        {0x1, {4, 5, 6, 1, 2, 3}},
        {0x3, {6, 5, 4, 3, 2, 1}},
        {0x0, {1, 2, 3, 4, 5, 6}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tensor *y = op_flip(t, x, cases[c].axes);
        REQUIRE(has_shape(y, 2, x->shape));
        for (int i = 0; i < 6; i++) CHECK_NEAR(y->data[i], cases[c].want[i], 0);
    }
    tensor *y = op_flip(t, x, 0x2);
    REQUIRE(y);
    tensor *seed = tape_from_host(t, 2, (int[]){2, 3}, (real[]){10, 20, 30, 40, 50, 60}, "seed");
    REQUIRE(tape_backward(t, y, seed) == GANC_OK);
    const real want_dx[] = {30, 20, 10, 60, 50, 40};
    for (int i = 0; i < 6; i++) CHECK_NEAR(x->grad[i], want_dx[i], 0);
    tape_free(t);
}

/* Flipping twice restores x, on a tensor large enough for the parallel path. */
TEST(flip_twice_is_identity) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = iota(t, 4, (int[]){4, 8, 32, 40}, 0, "x");
    REQUIRE(x);
    for (unsigned axes = 1; axes < 16; axes++) {
        tensor *y = op_flip(t, x, axes);
        REQUIRE(y);
        CHECK(memcmp(y->data, x->data, x->numel * sizeof(real)) != 0);
        tensor *back = op_flip(t, y, axes);
        REQUIRE(back);
        CHECK_MSG(memcmp(back->data, x->data, x->numel * sizeof(real)) == 0, "axes 0x%x", axes);
    }
    tape_free(t);
}

TEST(shape_ops_reject_bad_arguments) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 3, (int[]){2, 3, 4}, "a");
    tensor *b = tape_zeros(t, 3, (int[]){2, 5, 4}, "b");
    tensor *v = tape_zeros(t, 2, (int[]){2, 3}, "v");
    REQUIRE(a && b && v);

    CHECK(!op_concat(t, 2, (const tensor *const[]){a, b}, 0));
    CHECK_MSG(message_has("concat:", "(2,5,4)") && message_has("(2,3,4)", "dim 1"), "%s", ganc_error_message());
    CHECK(!op_concat(t, 2, (const tensor *const[]){a, v}, 1));
    CHECK_MSG(message_has("concat:", "(2,3)") && message_has("(2,3,4)", "dims"), "%s", ganc_error_message());
    CHECK(!op_concat(t, 2, (const tensor *const[]){a, b}, 3));
    CHECK_MSG(message_has("concat: axis 3", "(2,3,4)"), "%s", ganc_error_message());
    CHECK(!op_concat(t, 0, (const tensor *const[]){a}, 0));
    CHECK_MSG(message_has("concat:", "at least one"), "%s", ganc_error_message());

    CHECK(!op_slice(t, a, 1, 2, 2));
    CHECK_MSG(message_has("slice:", "(2,3,4)") && message_has("start 2, length 2", NULL), "%s",
              ganc_error_message());
    CHECK(!op_slice(t, a, 2, -1, 2));
    CHECK_MSG(message_has("slice:", "(2,3,4)"), "%s", ganc_error_message());
    CHECK(!op_slice(t, a, 0, 0, 0));
    CHECK_MSG(message_has("slice:", "length 0"), "%s", ganc_error_message());
    CHECK(!op_slice(t, a, -4, 0, 1));
    CHECK_MSG(message_has("slice: axis -4", "(2,3,4)"), "%s", ganc_error_message());

    tensor *p[2] = {a, a};
    CHECK(op_split(t, a, 1, 2, (const int[]){1, 1}, p) == GANC_ERR_SHAPE);
    CHECK_MSG(message_has("split:", "(2,3,4)") && message_has("sum to 2", NULL), "%s", ganc_error_message());
    CHECK(!p[0] && !p[1]);
    CHECK(op_split(t, a, 1, 2, (const int[]){3, 0}, p) != GANC_OK);
    CHECK_MSG(message_has("split:", "size 0") && message_has("(2,3,4)", NULL), "%s", ganc_error_message());
    CHECK(op_split(t, a, 5, 2, (const int[]){1, 2}, p) != GANC_OK);
    CHECK_MSG(message_has("split: axis 5", "(2,3,4)"), "%s", ganc_error_message());

    CHECK(!op_permute(t, a, (const int[]){0, 2, 2}));
    CHECK_MSG(message_has("permute:", "(0,2,2)") && message_has("(2,3,4)", NULL), "%s", ganc_error_message());
    CHECK(!op_permute(t, a, (const int[]){0, 3, 1}));
    CHECK_MSG(message_has("permute:", "(0,3,1)"), "%s", ganc_error_message());
    CHECK(!op_permute(t, a, NULL));
    CHECK_MSG(message_has("permute", "NULL"), "%s", ganc_error_message());

    CHECK(!op_flip(t, v, 0x4));
    CHECK_MSG(message_has("flip:", "(2,3)") && message_has("0x4", NULL), "%s", ganc_error_message());
    tape_free(t);
}

TEST(shape_ops_pass_upstream_failure_through) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 2, (int[]){2, 3}, "a");
    REQUIRE(a);
    tensor *bad = op_slice(t, a, 0, 5, 1);
    CHECK(!bad);
    CHECK(!op_concat(t, 2, (const tensor *const[]){a, bad}, 0));
    CHECK(!op_flip(t, op_permute(t, bad, (const int[]){1, 0}), 0x1));
    tensor *p[2];
    CHECK(op_split(t, bad, 0, 2, (const int[]){1, 1}, p) != GANC_OK);
    CHECK_MSG(message_has("slice: start 5", NULL), "%s", ganc_error_message());
    tape_free(t);
}
