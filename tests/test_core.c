/* Parameters, devices and errors. */
#include <string.h>

#include "core/backend.h"
#include "core/params.h"
#include "core/tape.h"
#include <stdio.h>
#include "tests/test.h"

TEST(params_blocks_are_flat_and_views_survive_growth) {
    param_set ps;
    params_init(&ps, "G");
    tensor *first = params_add(&ps, "G.conv.weight", 4, (int[]){8, 3, 3, 3});
    REQUIRE(first);
    first->data[0] = 42;
    for (int i = 0; i < 20; i++) { /* force the blocks to move */
        char name[32];
        snprintf(name, sizeof name, "G.block%d.weight", i);
        REQUIRE(params_add(&ps, name, 2, (int[]){64, 64}));
    }
    CHECK(first->data == ps.data && first->grad == ps.grad);
    CHECK(first->data[0] == 42);
    tensor *last = params_find(&ps, "G.block19.weight");
    REQUIRE(last);
    CHECK(last->data == ps.data + 8 * 27 + 19 * 4096);
    CHECK(ps.numel == 8 * 27 + 20 * 4096);
    CHECK(params_bytes(&ps) == 2 * ps.numel * sizeof(real));
    params_free(&ps);
}

TEST(params_reject_duplicates_and_bad_shapes) {
    param_set ps;
    params_init(&ps, "D");
    REQUIRE(params_add(&ps, "D.w", 1, (int[]){3}));
    CHECK(params_add(&ps, "D.w", 1, (int[]){3}) == NULL);
    CHECK(strstr(ganc_error_message(), "D.w") && strstr(ganc_error_message(), "twice"));
    CHECK(params_add(&ps, "D.v", 2, (int[]){3, 0}) == NULL);
    CHECK(strstr(ganc_error_message(), "D.v") && strstr(ganc_error_message(), ">= 1"));
    params_free(&ps);
}

TEST(device_cuda_without_gpu_is_a_clear_error) {
    device d;
    char why[256];
    if (cuda_device_count(why, sizeof why) > 0) SKIP("a GPU is present; this test covers machines without one");
    CHECK(device_resolve("cuda", &d, NULL, 0) == GANC_ERR_DEVICE);
    CHECK(strstr(ganc_error_message(), "cuda") && strstr(ganc_error_message(), "no GPU"));
    char note[256];
    CHECK(device_resolve("auto", &d, note, sizeof note) == GANC_OK);
    CHECK(d.kind == DEVICE_CPU && strstr(note, "running on the CPU"));
    CHECK(backend_get((device){DEVICE_CUDA, 0}) == NULL);
    CHECK(tape_new((device){DEVICE_CUDA, 0}) == NULL);
}

TEST(device_names_parse) {
    device d;
    CHECK(device_resolve("cpu", &d, NULL, 0) == GANC_OK && d.kind == DEVICE_CPU);
    CHECK(device_resolve("gpu", &d, NULL, 0) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "\"gpu\"") != NULL);
    CHECK(device_resolve("cuda:x", &d, NULL, 0) == GANC_ERR_ARG);
    char buf[16];
    CHECK(strcmp(device_name((device){DEVICE_CUDA, 3}, buf, sizeof buf), "cuda:3") == 0);
}

TEST(error_message_has_file_line_and_status) {
    ganc_error_clear();
    CHECK(ganc_error_status() == GANC_OK && ganc_error_message()[0] == '\0');
    int line = __LINE__ + 1;
    CHECK(GANC_ERR(GANC_ERR_IO, "cannot open %s", "x.png") == GANC_ERR_IO);
    char expect[64];
    snprintf(expect, sizeof expect, "test_core.c:%d: cannot open x.png", line);
    CHECK_MSG(strcmp(ganc_error_message(), expect) == 0, "got \"%s\"", ganc_error_message());
    CHECK(strcmp(ganc_status_name(GANC_ERR_IO), "I/O error") == 0);
}
