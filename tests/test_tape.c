/* The autograd tape: accumulation, detach, no-grad, frozen parameters,
 * several backward passes per step, gradient reversal, and its errors. */
#include <string.h>

#include "core/ops/elementwise.h"
#include "core/ops/view.h"
#include "core/params.h"
#include "tests/test.h"

static tensor *from(tape *t, int n, const real *v, const char *name) { return tape_from_host(t, 1, &n, v, name); }

TEST(tape_backward_product_rule) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = from(t, 3, (real[]){1, 2, 3}, "a"), *b = from(t, 3, (real[]){4, 5, 6}, "b");
    REQUIRE(tape_set_requires_grad(t, a) == GANC_OK && tape_set_requires_grad(t, b) == GANC_OK);
    /* y = a*b + a: dy/da = b + 1, dy/db = a */
    tensor *y = op_add(t, op_mul(t, a, b), a);
    tensor *seed = from(t, 3, (real[]){1, 1, 1}, "seed");
    REQUIRE(tape_backward(t, y, seed) == GANC_OK);
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(a->grad[i], b->data[i] + 1, 1e-6);
        CHECK_NEAR(b->grad[i], a->data[i], 1e-6);
    }
    tape_free(t);
}

TEST(tape_leaf_gradients_accumulate_until_zeroed) {
    param_set ps;
    params_init(&ps, "net");
    tensor *w = params_add(&ps, "w", 1, (int[]){2});
    REQUIRE(w);
    w->data[0] = 2, w->data[1] = -1;
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    for (int pass = 0; pass < 2; pass++) {
        tensor *x = from(t, 2, (real[]){3, 4}, "x");
        tensor *y = op_mul(t, w, x);
        REQUIRE(tape_backward(t, y, from(t, 2, (real[]){1, 1}, "seed")) == GANC_OK);
        tape_reset(t);
    }
    CHECK_NEAR(w->grad[0], 6, 1e-6);
    CHECK_NEAR(w->grad[1], 8, 1e-6);
    params_zero_grad(&ps);
    CHECK(w->grad[0] == 0 && w->grad[1] == 0);
    tape_free(t);
    params_free(&ps);
}

TEST(tape_detach_stops_gradient) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = from(t, 2, (real[]){1, 2}, "a");
    REQUIRE(tape_set_requires_grad(t, a) == GANC_OK);
    tensor *d = op_detach(t, op_exp(t, a));
    CHECK(d && !d->requires_grad && d->node == NULL);
    tensor *y = op_add(t, op_mul(t, d, a), a); /* dy/da = d + 1 with d constant */
    REQUIRE(tape_backward(t, y, from(t, 2, (real[]){1, 1}, "seed")) == GANC_OK);
    CHECK_NEAR(a->grad[0], exp(1.0) + 1, 1e-5);
    CHECK_NEAR(a->grad[1], exp(2.0) + 1, 1e-5);
    tape_free(t);
}

TEST(tape_no_grad_scope_records_nothing) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = from(t, 1, (real[]){1}, "a");
    REQUIRE(tape_set_requires_grad(t, a) == GANC_OK);
    tape_no_grad_begin(t);
    tensor *y = op_exp(t, a);
    tape_no_grad_end(t);
    REQUIRE(y);
    CHECK(!y->requires_grad && t->n_nodes == 0);
    CHECK_NEAR(y->data[0], exp(1.0), 1e-6);
    CHECK(tape_backward(t, y, NULL) == GANC_ERR_STATE);
    CHECK(strstr(ganc_error_message(), "does not require grad") != NULL);
    tape_free(t);
}

TEST(tape_frozen_network_passes_gradient_to_its_input) {
    param_set frozen;
    params_init(&frozen, "E1");
    tensor *w = params_add(&frozen, "E1.scale", 1, (int[]){2});
    REQUIRE(w);
    w->data[0] = 3, w->data[1] = 5;
    params_set_frozen(&frozen, true);
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = from(t, 2, (real[]){1, 2}, "x");
    REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
    REQUIRE(tape_backward(t, op_mul(t, x, w), from(t, 2, (real[]){1, 1}, "seed")) == GANC_OK);
    CHECK_NEAR(x->grad[0], 3, 1e-6);
    CHECK_NEAR(x->grad[1], 5, 1e-6);
    CHECK(w->grad[0] == 0 && w->grad[1] == 0);
    tape_free(t);
    params_free(&frozen);
}

/* D then G on one step: the second pass must not see the first pass's
 * intermediate gradients, while leaf gradients of each network add up. */
TEST(tape_two_backward_passes_on_one_step) {
    param_set g, d;
    params_init(&g, "G");
    params_init(&d, "D");
    tensor *gw = params_add(&g, "G.w", 1, (int[]){1}), *dw = params_add(&d, "D.w", 1, (int[]){1});
    REQUIRE(gw && dw);
    gw->data[0] = 2, dw->data[0] = 3;
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *z = from(t, 1, (real[]){5}, "z");
    tensor *fake = op_mul(t, gw, z);                         /* 10 */
    tensor *d_loss = op_mul(t, dw, op_detach(t, fake));      /* D sees fake as a constant */
    REQUIRE(tape_backward(t, d_loss, NULL) == GANC_OK);
    CHECK_NEAR(dw->grad[0], 10, 1e-6);
    CHECK(gw->grad[0] == 0);
    params_zero_grad(&d);
    tensor *g_loss = op_mul(t, dw, fake);                    /* D.w * G.w * z */
    REQUIRE(tape_backward(t, g_loss, NULL) == GANC_OK);
    CHECK_NEAR(gw->grad[0], 15, 1e-6);                       /* D.w * z */
    CHECK_NEAR(dw->grad[0], 10, 1e-6);
    tape_free(t);
    params_free(&g);
    params_free(&d);
}

TEST(tape_grad_reverse_negates_and_scales) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *x = from(t, 2, (real[]){1, 2}, "x");
    REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
    tensor *y = op_mul_scalar(t, op_grad_reverse(t, x, 0.25), 4);
    REQUIRE(y);
    CHECK_NEAR(y->data[1], 8, 1e-6);
    REQUIRE(tape_backward(t, y, from(t, 2, (real[]){1, 1}, "seed")) == GANC_OK);
    CHECK_NEAR(x->grad[0], -1, 1e-6);
    tape_free(t);
}

TEST(tape_error_shape_mismatch_names_op_and_shapes) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 2, (int[]){2, 3}, "a"), *b = tape_zeros(t, 2, (int[]){4, 3}, "b");
    CHECK(op_add(t, a, b) == NULL);
    CHECK(ganc_error_status() == GANC_ERR_SHAPE);
    CHECK(strstr(ganc_error_message(), "add") && strstr(ganc_error_message(), "(2,3)") &&
          strstr(ganc_error_message(), "(4,3)"));
    CHECK(strstr(ganc_error_message(), "elementwise.c:") != NULL); /* file:line */
    /* A failure upstream passes through downstream ops with its message intact. */
    CHECK(op_exp(t, op_add(t, a, b)) == NULL);
    CHECK(strstr(ganc_error_message(), "(4,3)") != NULL);
    tape_free(t);
}

TEST(tape_error_device_mismatch) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = tape_zeros(t, 1, (int[]){2}, "a");
    tensor fake_gpu = *a;
    fake_gpu.dev = (device){DEVICE_CUDA, 0};
    tensor_set_name(&fake_gpu, "on_gpu");
    CHECK(op_mul(t, a, &fake_gpu) == NULL);
    CHECK(ganc_error_status() == GANC_ERR_DEVICE);
    CHECK(strstr(ganc_error_message(), "mul") && strstr(ganc_error_message(), "cuda:0") &&
          strstr(ganc_error_message(), "on_gpu"));
    tape_free(t);
}

TEST(tape_error_wrong_ndim) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    CHECK(tape_zeros(t, 5, (int[]){1, 1, 1, 1, 1}, "five") == NULL);
    CHECK(strstr(ganc_error_message(), "ndim must be 1..4") != NULL);
    tensor *x = tape_zeros(t, 2, (int[]){2, 3}, "x");
    CHECK(op_reshape(t, x, 2, (int[]){4, 2}) == NULL);
    CHECK(strstr(ganc_error_message(), "reshape") && strstr(ganc_error_message(), "(2,3)"));
    tensor *v = op_reshape(t, x, 3, (int[]){3, -1, 1});
    CHECK(v && v->shape[1] == 2);
    tape_free(t);
}

TEST(tape_error_backward_non_scalar_without_seed) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = from(t, 3, (real[]){1, 2, 3}, "a");
    REQUIRE(tape_set_requires_grad(t, a) == GANC_OK);
    tensor *y = op_exp(t, a);
    CHECK(tape_backward(t, y, NULL) == GANC_ERR_SHAPE);
    CHECK(strstr(ganc_error_message(), "(3)") && strstr(ganc_error_message(), "seed"));
    tensor *bad_seed = from(t, 2, (real[]){1, 1}, "seed");
    CHECK(tape_backward(t, y, bad_seed) == GANC_ERR_SHAPE);
    tape_free(t);
}

TEST(tape_error_backward_through_freed_step) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    tensor *a = from(t, 1, (real[]){1}, "a");
    REQUIRE(tape_set_requires_grad(t, a) == GANC_OK);
    tensor *y = op_exp(t, a);
    REQUIRE(tape_backward(t, y, NULL) == GANC_OK);
    tape_reset(t);
    CHECK(tape_backward(t, y, NULL) == GANC_ERR_STATE);
    CHECK(strstr(ganc_error_message(), "reset") != NULL);
    CHECK(op_exp(t, y) == NULL);
    CHECK(ganc_error_status() == GANC_ERR_STATE);
    tape_free(t);
}

/* Same-shape steps: after the first (and the reset that ends it), the arenas never call the allocator. */
TEST(tape_steady_state_allocates_nothing) {
    tape *t = tape_new(device_cpu());
    REQUIRE(t);
    size_t after_first = 0;
    for (int step = 0; step < 4; step++) {
        tensor *x = tape_zeros(t, 2, (int[]){1024, 1024}, "x"); /* 4-8 MB: more than the first block */
        REQUIRE(tape_set_requires_grad(t, x) == GANC_OK);
        tensor *y = op_tanh(t, op_exp(t, op_add_scalar(t, x, 1)));
        REQUIRE(tape_backward(t, y, op_detach(t, y)) == GANC_OK);
        tape_reset(t);
        if (step == 0) after_first = t->data.allocations + t->meta.allocations;
    }
    CHECK(after_first > 0);
    CHECK_MSG(t->data.allocations + t->meta.allocations == after_first, "allocator called %zu times after step 1",
              t->data.allocations + t->meta.allocations - after_first);
    CHECK(t->data.peak >= 8 * 1024 * 1024 * sizeof(real) / 4);
    tape_free(t);
}
