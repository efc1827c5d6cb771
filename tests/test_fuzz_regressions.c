/* Every input a fuzzer found a crash with (tests/fuzz/regressions/<fuzzer>/)
 * goes through the entry point that fuzzer drives, here in the normal test
 * runners, so the fixes stay fixed under ASan+UBSan (make SAN=1 test) too.
 * Each input must come back as an error naming the file (they are all
 * malformed); some must also give a particular message. */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"
#include "core/config.h"
#include "data/image_io.h"
#include "data/labels_csv.h"
#include "tests/test.h"
#include "tools/onnx_info.h"

#define REGRESSIONS "tests/fuzz/regressions"

/* The message a particular input must give (a fragment of it). */
static const struct {
    const char *file, *message;
} expected[] = {
    /* libstb 2.27 writes past its Huffman tables for these (docs/reliability.md). */
    {"jpeg_dht_too_many_codes.jpg", "Huffman table"},
    {"jpeg_dht_after_junk.jpg", "Huffman table"},       /* junk bytes between segments */
    {"jpeg_dht_fill_before_soi.jpg", "Huffman table"},  /* 0xff fill bytes before SOI */
    {"jpeg_dht_cut_by_eof.jpg", "Huffman table"},       /* the counts run past the end: stb reads 0s */
    {"jpeg_dht_after_scan.jpg", "Huffman table"},       /* a table after the entropy-coded data */
    /* libstb 2.27 decodes a scan whose table no DHT defined with leftover heap bytes as the table. */
    {"jpeg_scan_undefined_table.jpg", "which no DHT defines"},
};

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n == cap) {
            unsigned char *grown = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!grown) break;
            buf = grown;
        }
        size_t got = fread(buf + *n, 1, cap - *n, f);
        *n += got;
        if (got == 0) break;
    }
    fclose(f);
    return buf;
}

/* Feeds `data` to the entry point of `fuzzer` as that fuzzer does; returns its status. */
static ganc_status run_entry(const char *fuzzer, const char *origin, const unsigned char *data, size_t n) {
    if (!strcmp(fuzzer, "fuzz_image")) {
        image img;
        ganc_status st = image_decode_rgb(origin, data, n, 1L << 16, &img, NULL);
        if (!st) image_free(&img);
        return st;
    }
    if (!strcmp(fuzzer, "fuzz_checkpoint")) {
        checkpoint *ck;
        ganc_status st = checkpoint_read_memory(origin, data, n, CHECKPOINT_ALLOW_NO_CRC, &ck);
        if (!st) checkpoint_free(ck);
        return st;
    }
    if (!strcmp(fuzzer, "fuzz_config")) {
        char *text = malloc(n + 1);
        config *c = config_new();
        ganc_status st = text && c ? GANC_OK : GANC_ERR(GANC_ERR_MEMORY, "out of memory");
        if (!st) {
            memcpy(text, data, n);
            text[n] = '\0';
            st = config_parse_string(c, text, origin);
        }
        config_free(c);
        free(text);
        return st;
    }
    if (!strcmp(fuzzer, "fuzz_labels_csv")) {
        labels_csv l;
        ganc_status st = labels_csv_parse(origin, (const char *)data, n, NULL, &l);
        if (!st) labels_csv_free(&l);
        return st;
    }
    if (!strcmp(fuzzer, "fuzz_onnx")) {
        onnx_info info;
        ganc_status st = onnx_info_parse(origin, data, n, &info);
        if (!st) onnx_info_free(&info);
        return st;
    }
    return GANC_ERR(GANC_ERR_ARG, "%s: no fuzzer named %s", origin, fuzzer);
}

static void check_input(test_ctx *tc, const char *fuzzer, const char *dir, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    unsigned char *data = slurp(path, &n);
    CHECK_MSG(data, "cannot read %s", path);
    if (!data) return;
    ganc_status st = run_entry(fuzzer, path, data, n);
    free(data);
    const char *msg = ganc_error_message();
    CHECK_MSG(st != GANC_OK && strstr(msg, path), "%s: status %d, message \"%s\" (expected an error naming it)",
              path, (int)st, st ? msg : "");
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strcmp(expected[i].file, name))
            CHECK_MSG(st && strstr(msg, expected[i].message), "%s: \"%s\" lacks \"%s\"", path, msg,
                      expected[i].message);
}

TEST(fuzz_regressions_are_clean_errors) {
    DIR *top = opendir(REGRESSIONS);
    REQUIRE(top);
    int inputs = 0;
    struct dirent *e;
    while ((e = readdir(top))) {
        if (e->d_name[0] == '.') continue;
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", REGRESSIONS, e->d_name);
        DIR *sub = opendir(dir);
        if (!sub) continue;
        struct dirent *f;
        while ((f = readdir(sub)))
            if (f->d_name[0] != '.') {
                check_input(tc, e->d_name, dir, f->d_name);
                inputs++;
            }
        closedir(sub);
    }
    closedir(top);
    CHECK_MSG(inputs >= (int)(sizeof expected / sizeof expected[0]), "only %d inputs under %s", inputs, REGRESSIONS);
}
