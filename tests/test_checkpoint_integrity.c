/* The checksums of a checkpoint cover every byte of the file: the 8 length
 * bytes, the header (tensor list, metadata, padding) through header_crc32,
 * the payload through crc32. One changed byte anywhere must be refused
 * with an error that names the file; these tests need no outside tool. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checkpoint.h"
#include "tests/test.h"

/* Tensors large enough that "first", "middle" and "last" are different
 * places, and metadata like a training run's. */
static checkpoint *integrity_sample(void) {
    checkpoint *ck = checkpoint_new();
    if (!ck) return NULL;
    real w[3 * 4 * 5 * 5], b[16], s = (real)0.5;
    for (int i = 0; i < 300; i++) w[i] = (real)(i * 0.01 - 1);
    for (int i = 0; i < 16; i++) b[i] = (real)(i + 1) / 7;
    if (checkpoint_add(ck, "G_A.model.1.weight", 4, (int[]){3, 4, 5, 5}, w) ||
        checkpoint_add(ck, "G_A.model.1.bias", 1, (int[]){16}, b) || checkpoint_add(ck, "scale", 0, NULL, &s) ||
        checkpoint_add(ck, "optim.m.G_A.model.1.weight", 4, (int[]){3, 4, 5, 5}, w) ||
        checkpoint_set_meta(ck, "config", "[data]\ncrop_size = 32\n[train]\nsteps = 12\n") ||
        checkpoint_set_meta(ck, "step", "6") || checkpoint_set_meta(ck, "recipe", "cyclegan")) {
        checkpoint_free(ck);
        return NULL;
    }
    return ck;
}

/* The sample as written by checkpoint_write, in memory. */
static unsigned char *written_sample(size_t *size) {
    char dir[] = "/tmp/ganc_integrity_XXXXXX", path[64];
    if (!mkdtemp(dir)) return NULL;
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    checkpoint *ck = integrity_sample();
    unsigned char *data = NULL;
    FILE *f = NULL;
    if (ck && checkpoint_write(ck, path) == GANC_OK && (f = fopen(path, "rb"))) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        rewind(f);
        data = n > 0 ? malloc((size_t)n) : NULL;
        if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *size = (size_t)n;
    }
    if (f) fclose(f);
    checkpoint_free(ck);
    remove(path);
    rmdir(dir);
    return data;
}

static uint64_t header_length(const unsigned char *data) {
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)data[k] << 8 * k;
    return n;
}

/* NULL when the read is refused as it must be: an error naming the file
 * (a format error, or "unsupported" for a dtype changed into another
 * name); otherwise what went wrong. */
static const char *refusal_problem(const unsigned char *data, size_t size, unsigned flags) {
    checkpoint *ck = NULL;
    ganc_status st = checkpoint_read_memory("flipped.safetensors", data, size, flags, &ck);
    if (st == GANC_OK) {
        checkpoint_free(ck);
        return "read as valid";
    }
    static char problem[600];
    if ((st != GANC_ERR_FORMAT && st != GANC_ERR_UNSUPPORTED) || !strstr(ganc_error_message(), "flipped.safetensors")) {
        snprintf(problem, sizeof problem, "refused as %s, or without naming the file: %s", ganc_status_name(st),
                 ganc_error_message());
        return problem;
    }
    return NULL;
}

TEST(checkpoint_integrity_every_byte_flip_is_refused) {
    size_t size = 0;
    unsigned char *data = written_sample(&size);
    REQUIRE(data);
    uint64_t header_len = header_length(data);
    REQUIRE(header_len > 100 && 8 + header_len + 2 * 1200 < size); /* two 1200-byte tensors in the payload */
    checkpoint *ck = NULL;
    REQUIRE(checkpoint_read_memory("flipped.safetensors", data, size, 0, &ck) == GANC_OK);
    checkpoint_free(ck);

    /* Every byte of the file (length, header, first tensor, middle, last
     * tensor), each changed three ways: the low bit, the ASCII case bit
     * (a hex digit 'a' becomes 'A'), and all bits. flags 0 is how train
     * --resume, translate and eval read; ALLOW_NO_CRC is how ganc info reads. */
    const unsigned char masks[] = {0x01, 0x20, 0xff};
    size_t tried = 0, failures = 0;
    const char *key = strstr((const char *)data + 8, "\"header_crc32\"");
    REQUIRE(key);
    size_t key_at = (size_t)(key - (const char *)data);
    for (size_t at = 0; at < size; at++)
        for (size_t m = 0; m < sizeof masks; m++) {
            data[at] ^= masks[m];
            const char *strict = refusal_problem(data, size, 0);
            /* Without the header_crc32 key a file reads as one from an
             * older ganc, which ganc info still shows: the only bytes it
             * may accept changed are those of that key's name. */
            bool in_key_name = at > key_at && at < key_at + 13;
            const char *lenient = in_key_name ? NULL : refusal_problem(data, size, CHECKPOINT_ALLOW_NO_CRC);
            data[at] ^= masks[m];
            tried++;
            if (strict || lenient) {
                failures++;
                if (failures <= 5)
                    CHECK_MSG(false, "byte %zu of %zu (header ends at %llu) ^ 0x%02x: %s", at, size,
                              (unsigned long long)(8 + header_len), masks[m], strict ? strict : lenient);
            }
        }
    CHECK_MSG(failures == 0, "%zu of %zu changed files were not refused", failures, tried);
    CHECK(tried == 3 * size);
    free(data);
}

/* A hand edit that keeps the header valid JSON: the case of issue 16
 * (step 6 -> 9, crop_size changed) must fail on the header checksum. */
static void expect_header_edit_refused(test_ctx *tc, unsigned char *data, size_t size, const char *from,
                                       const char *to) {
    REQUIRE(strlen(from) == strlen(to));
    char *at = NULL;
    size_t end = 8 + (size_t)header_length(data) - strlen(from);
    for (size_t i = 8; !at && i <= end; i++)
        if (memcmp(data + i, from, strlen(from)) == 0) at = (char *)data + i;
    REQUIRE(at);
    memcpy(at, to, strlen(to));
    checkpoint *ck = NULL;
    for (unsigned flags = 0; flags <= CHECKPOINT_ALLOW_NO_CRC; flags++) {
        ganc_status st = checkpoint_read_memory("edited.safetensors", data, size, flags, &ck);
        CHECK_MSG(st == GANC_ERR_FORMAT && strstr(ganc_error_message(), "edited.safetensors is corrupt: its header") &&
                      strstr(ganc_error_message(), "header_crc32 "),
                  "%s -> %s (flags %u): %s", from, to, flags, st ? ganc_error_message() : "read as valid");
    }
    memcpy(at, from, strlen(from));
}

TEST(checkpoint_integrity_metadata_edits_are_refused) {
    size_t size = 0;
    unsigned char *data = written_sample(&size);
    REQUIRE(data);
    expect_header_edit_refused(tc, data, size, "\"step\":\"6\"", "\"step\":\"9\"");
    expect_header_edit_refused(tc, data, size, "crop_size = 32", "crop_size = 64");
    expect_header_edit_refused(tc, data, size, "\"recipe\":\"cyclegan\"", "\"recipe\":\"cycleGAN\"");
    expect_header_edit_refused(tc, data, size, "\"G_A.model.1.bias\"", "\"G_B.model.1.bias\"");
    checkpoint *ck = NULL;
    REQUIRE(checkpoint_read_memory("edited.safetensors", data, size, 0, &ck) == GANC_OK);
    CHECK(strcmp(checkpoint_meta(ck, "step"), "6") == 0);
    CHECK(checkpoint_meta(ck, "header_crc32") == NULL); /* a property of the file, not kept */
    CHECK(checkpoint_set_meta(ck, "header_crc32", "0") == GANC_ERR_ARG);
    checkpoint_free(ck);
    free(data);
}

/* A file of a ganc from before header_crc32: a payload crc32 only. */
static const char legacy_header[] = "{\"__metadata__\":{\"crc32\":\"%08lx\",\"step\":\"6\"},"
                                    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";

TEST(checkpoint_integrity_old_files_say_how_to_proceed) {
    char header[256];
    unsigned char payload[4] = {0, 0, 0x80, 0x3f}; /* 1.0f */
    snprintf(header, sizeof header, legacy_header, 0xaca16a6aul); /* zlib crc32 of those 4 bytes */
    size_t n = strlen(header), size = 8 + n + 4;
    unsigned char file[300] = {0};
    file[0] = (unsigned char)n;
    memcpy(file + 8, header, n);
    memcpy(file + 8 + n, payload, 4);
    checkpoint *ck = NULL;
    CHECK(checkpoint_read_memory("old.safetensors", file, size, 0, &ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "old.safetensors has no \"header_crc32\""));
    CHECK(strstr(ganc_error_message(), "scripts/checkpoint_add_header_crc.py old.safetensors NEW_FILE"));
    /* ganc info (ALLOW_NO_CRC) still shows it, the payload checked. */
    REQUIRE(checkpoint_read_memory("old.safetensors", file, size, CHECKPOINT_ALLOW_NO_CRC, &ck) == GANC_OK);
    CHECK(checkpoint_find(ck, "a") && checkpoint_find(ck, "a")->data[0] == 1);
    checkpoint_free(ck);
    file[8 + n] ^= 1;
    CHECK(checkpoint_read_memory("old.safetensors", file, size, CHECKPOINT_ALLOW_NO_CRC, &ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "is corrupt (crc32 "));
}
