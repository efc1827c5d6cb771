/* Checkpoint values in both builds: files hold float32, so a round trip
 * gives each value rounded to float32 (exact in the float32 build), and
 * an F64 tensor from elsewhere reads back at full double precision in the
 * float64 build. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "tests/test.h"

TEST(checkpoint_values_round_to_float32_in_every_build) {
    char dir[] = "/tmp/ganc_prec_XXXXXX", path[64];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/p.safetensors", dir);
    real v[6] = {(real)0.1, (real)(1.0 / 3), (real)-1e-30, (real)3e38, 0, (real)-2.5};
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck && checkpoint_add(ck, "v", 2, (int[]){2, 3}, v) == GANC_OK);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);
    checkpoint_free(ck);
    REQUIRE(checkpoint_read(path, 0, &ck) == GANC_OK);
    const checkpoint_tensor *t = checkpoint_find(ck, "v");
    REQUIRE(t && t->numel == 6);
    for (int i = 0; i < 6; i++) CHECK_MSG(t->data[i] == (real)(float)v[i], "value %d: %.17g", i, (double)t->data[i]);
    checkpoint_free(ck);
    unlink(path);
    rmdir(dir);
}

TEST(checkpoint_f64_tensors_keep_their_precision) {
    /* 1/3 as little-endian IEEE double: 0x3FD5555555555555. */
    const unsigned char third[8] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xD5, 0x3F};
    real out;
    safetensors_decode(SAFETENSORS_F64, third, 1, &out);
    CHECK(out == (real)(1.0 / 3));
    /* 0.1f as little-endian IEEE single: 0x3DCCCCCD. */
    const unsigned char tenth[4] = {0xCD, 0xCC, 0xCC, 0x3D};
    safetensors_decode(SAFETENSORS_F32, tenth, 1, &out);
    CHECK(out == (real)0.1f);
    unsigned char back[4];
    safetensors_encode_f32(&out, 1, back);
    CHECK(memcmp(back, tenth, 4) == 0);
}
