/* Finite-difference gradient checks of the face-pinch networks
 * (residual_encoder, mlp) with respect to their inputs and every
 * parameter. The ReLUs inside make the float32 step (h = 1e-2) cross
 * kinks, so like the other whole-network checks they run in the float64
 * runner (bound 1e-6) and skip in float32. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/gradcheck/gradcheck.h"
#include "tests/layers_support.h"
#include "tests/test.h"

#define MAX_WRT 48

typedef struct {
    network *net;
    tensor *x;
    real *buffers; /* batch-norm statistics, restored before every evaluation */
} net_call;

static tensor *run_net(tape *t, void *ctx) {
    net_call *c = ctx;
    if (c->buffers) memcpy(c->net->buffers.data, c->buffers, c->net->buffers.numel * sizeof(real));
    return network_forward(c->net, t, c->x);
}

/* The network of INI text [G] in train mode, parameters N(0, 0.5), checked
 * on a random input of `shape`. */
static void check_network(test_ctx *tc, const char *what, const char *ini, int ndim, const int *shape) {
    if (!REAL_IS_DOUBLE) SKIP("ReLU kinks inside: checked in the float64 runner (h = 1e-2 crosses them)");
    rng r;
    rng_init(&r, 23);
    net_call c = {.net = support_network(ini, "N", 5)};
    REQUIRE(c.net);
    for (size_t i = 0; i < c.net->params.count; i++) support_fill_normal(c.net->params.entries[i].t, &r, 0.5);
    c.x = support_input(ndim, shape, &r, "x");
    REQUIRE(c.x);
    if (c.net->buffers.numel) {
        c.buffers = malloc(c.net->buffers.numel * sizeof(real));
        REQUIRE(c.buffers);
        memcpy(c.buffers, c.net->buffers.data, c.net->buffers.numel * sizeof(real));
    }
    tensor *wrt[MAX_WRT] = {c.x};
    int n = 1;
    for (size_t i = 0; i < c.net->params.count && n < MAX_WRT; i++) wrt[n++] = c.net->params.entries[i].t;
    CHECK(c.net->params.count + 1 <= MAX_WRT);
    gradcheck_result res;
    int threads = omp_get_max_threads();
    omp_set_num_threads(1); /* thousands of tiny evaluations: no parallel-region start-ups */
    ganc_status st = gradcheck_function(run_net, &c, n, wrt, OP_COUNT, 0, &res);
    omp_set_num_threads(threads);
    CHECK_MSG(st == GANC_OK, "%s: could not run: %s", what, ganc_error_message());
    CHECK_MSG(st || res.passed, "%s: %s (max error %.3g over %zu elements)", what, res.message, res.max_error,
              res.checked);
    free(c.buffers);
    tensor_free(c.x);
    network_free(c.net);
}

TEST(face_pinch_gradcheck_residual_encoder) {
    check_network(tc, "residual_encoder instance norm",
                  "[G]\narch = residual_encoder\nwidth = 2\nn_blocks = 2\nimage_size = 8\nnorm = instance\n", 4,
                  (int[]){1, 3, 8, 8});
    check_network(tc, "residual_encoder batch norm",
                  "[G]\narch = residual_encoder\nwidth = 2\nn_blocks = 2\nimage_size = 8\nnorm = batch\n", 4,
                  (int[]){2, 3, 8, 8});
    check_network(tc, "residual_encoder no norm, 4 blocks",
                  "[G]\narch = residual_encoder\nin_channels = 2\nwidth = 1\nn_blocks = 4\nimage_size = 16\n"
                  "norm = none\n", 4, (int[]){1, 2, 16, 16});
}

TEST(face_pinch_gradcheck_mlp) {
    check_network(tc, "mlp sigmoid", "[G]\narch = mlp\nin_features = 6\nwidth = 5\nlayers = 3\noutputs = 4\n"
                  "out_activation = sigmoid\n", 2, (int[]){3, 6});
    check_network(tc, "mlp tanh on (N,C,H,W)", "[G]\narch = mlp\nin_features = 12\nwidth = 4\nlayers = 2\n"
                  "outputs = 1\nout_activation = tanh\n", 4, (int[]){2, 3, 2, 2});
}
