/* Adam against the update rule worked by hand. */
#include <string.h>

#include "optim/adam.h"
#include "tests/test.h"

TEST(adam_matches_hand_computed_steps) {
    param_set ps;
    params_init(&ps, "net");
    tensor *w = params_add(&ps, "w", 1, (int[]){2});
    REQUIRE(w);
    w->data[0] = 1, w->data[1] = -2;
    adam opt;
    adam_config cfg = {.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    REQUIRE(adam_init(&opt, &ps, cfg) == GANC_OK);
    /* Step 1 with g: m^ = g, v^ = g^2, so w -= lr * g/|g| = lr*sign(g). */
    w->grad[0] = 0.5, w->grad[1] = -3;
    REQUIRE(adam_step(&opt, &ps) == GANC_OK);
    CHECK_NEAR(w->data[0], 0.9, 1e-6);
    CHECK_NEAR(w->data[1], -1.9, 1e-6);
    /* Step 2 with g2 = 1 on w[0]: m = 0.9*0.05 + 0.1 = 0.145, v = 0.999*0.00025 + 0.001 = 0.00124975,
     * m^ = 0.145/0.19, v^ = 0.00124975/0.001999, update = 0.1 * m^/sqrt(v^). */
    w->grad[0] = 1, w->grad[1] = 0;
    REQUIRE(adam_step(&opt, &ps) == GANC_OK);
    double mh = 0.145 / 0.19, vh = 0.00124975 / 0.001999;
    CHECK_NEAR(w->data[0], 0.9 - 0.1 * mh / sqrt(vh), 1e-5);
    adam_free(&opt);
    params_free(&ps);
}

TEST(adamw_decays_weights_and_frozen_sets_stay) {
    param_set ps;
    params_init(&ps, "net");
    tensor *w = params_add(&ps, "w", 1, (int[]){1});
    REQUIRE(w);
    w->data[0] = 2;
    adam opt;
    REQUIRE(adam_init(&opt, &ps, (adam_config){.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                                               .weight_decay = 0.5}) == GANC_OK);
    REQUIRE(adam_step(&opt, &ps) == GANC_OK); /* zero gradient: only the decay acts */
    CHECK_NEAR(w->data[0], 2 * (1 - 0.05), 1e-6);
    params_set_frozen(&ps, true);
    w->grad[0] = 1;
    REQUIRE(adam_step(&opt, &ps) == GANC_OK);
    CHECK_NEAR(w->data[0], 1.9, 1e-6);
    adam_free(&opt);
    CHECK(adam_init(&opt, &ps, (adam_config){.lr = -1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8}) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "lr") != NULL);
    params_free(&ps);
}
