/* Checkpoints: the safetensors header codec, file round trips, the
 * reference `safetensors` Python package reading our files and writing
 * files we read, every corruption the reader must catch, atomic writes,
 * and parameter sets going in and out under their names. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/checkpoint.h"
#include "tests/test.h"

static bool make_temp_dir(char *dir, size_t size) {
    snprintf(dir, size, "/tmp/ganc_ckpt_XXXXXX");
    return mkdtemp(dir) != NULL;
}

static void remove_temp_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static bool python_has_safetensors(void) {
    return system("python3 -c 'import safetensors, numpy' >/dev/null 2>&1") == 0;
}

/* A small checkpoint with every rank from a scalar to 4-D and awkward metadata. */
static checkpoint *sample_checkpoint(void) {
    checkpoint *ck = checkpoint_new();
    if (!ck) return NULL;
    real w[2 * 3 * 2 * 2], b[5], s = (real)-0.375;
    for (int i = 0; i < 24; i++) w[i] = (real)(i * 0.125 - 1.5);
    for (int i = 0; i < 5; i++) b[i] = (real)(1.0 / (i + 1)); /* not exact in binary: tests the float bytes */
    if (checkpoint_add(ck, "G_A.model.1.weight", 4, (int[]){2, 3, 2, 2}, w) ||
        checkpoint_add(ck, "G_A.model.1.bias", 1, (int[]){5}, b) || checkpoint_add(ck, "scale", 0, NULL, &s) ||
        checkpoint_add(ck, "mat", 2, (int[]){3, 8}, w) ||
        checkpoint_set_meta(ck, "config", "[optim]\nlr = 0.0002\nnote = \"quoted\" \\ tab\there\n") ||
        checkpoint_set_meta(ck, "step", "1234") || checkpoint_set_meta(ck, "unicode", "caf\xc3\xa9 \xf0\x9f\x98\x80")) {
        checkpoint_free(ck);
        return NULL;
    }
    return ck;
}

TEST(checkpoint_safetensors_header_round_trip) {
    safetensors_tensor t[2] = {
        {.name = "a\"b\\c\n", .dtype = SAFETENSORS_F32, .ndim = 2, .shape = {2, 3}, .begin = 0, .end = 24},
        {.name = "s", .dtype = SAFETENSORS_F64, .ndim = 0, .begin = 24, .end = 32},
    };
    safetensors_meta m[1] = {{"k\x01", "v\"1\""}};
    safetensors_header h = {t, 2, m, 1};
    size_t len;
    char *text = safetensors_format_header(&h, &len);
    REQUIRE(text);
    CHECK((8 + len) % 8 == 0);
    CHECK(strchr(text, '\n') == NULL); /* escaped */
    safetensors_header back;
    REQUIRE(safetensors_parse_header("mem", text, len, 32, &back) == GANC_OK);
    REQUIRE(back.n_tensors == 2 && back.n_meta == 1);
    CHECK(strcmp(back.tensors[0].name, "a\"b\\c\n") == 0);
    CHECK(back.tensors[0].ndim == 2 && back.tensors[0].shape[0] == 2 && back.tensors[0].shape[1] == 3);
    CHECK(back.tensors[0].begin == 0 && back.tensors[0].end == 24);
    CHECK(back.tensors[1].dtype == SAFETENSORS_F64 && back.tensors[1].ndim == 0);
    CHECK(strcmp(back.meta[0].key, "k\x01") == 0 && strcmp(back.meta[0].value, "v\"1\"") == 0);
    safetensors_header_free(&back);
    free(text);
}

TEST(checkpoint_safetensors_parses_json_escapes) {
    /* \u00e9 is é (C3 A9 in UTF-8); the pair \ud83d\ude00 is U+1F600 (F0 9F 98 80). */
    const char *text = " {\"caf\\u00e9\\/\\ud83d\\ude00\\t\" : { \"shape\" : [ ] , \"data_offsets\":[0,4],"
                       "\"dtype\":\"F32\"},\"__metadata__\":{}}   ";
    safetensors_header h;
    REQUIRE(safetensors_parse_header("mem", text, strlen(text), 4, &h) == GANC_OK);
    REQUIRE(h.n_tensors == 1);
    CHECK(strcmp(h.tensors[0].name, "caf\xc3\xa9/\xf0\x9f\x98\x80\t") == 0);
    CHECK(h.tensors[0].ndim == 0 && h.n_meta == 0);
    safetensors_header_free(&h);
}

TEST(checkpoint_safetensors_rejects_bad_json) {
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"[]", "expected '{'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "expected a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", "unexpected text after"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "expected '}'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "not a fraction"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", "leading zero"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", "64 bits"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "must be [begin, end]"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "has no \"data_offsets\""},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", "unknown key \"x\""},
        {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", "key \"dtype\" twice"},
        {"{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", "dtype \"BF16\""},
        {"{\"a\\q\":{}}", "unknown escape \\q"},
        {"{\"a\\ud800x\":{}}", "low surrogate"},
        {"{\"a\\u0000\":{}}", "\\u0000"},
        {"{\"a\n\":{}}", "control character 0x0a"},
        {"{\"abc", "not closed"},
        {"{\"__metadata__\":{\"k\":1}}", "must be strings"},
        {"{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", "\"k\" twice"},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", "\"__metadata__\" appears twice"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
         "\"a\" appears twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        safetensors_header h;
        ganc_status st = safetensors_parse_header("f.st", cases[i].text, strlen(cases[i].text), 4, &h);
        CHECK_MSG(st != GANC_OK && strstr(ganc_error_message(), cases[i].message) &&
                      strstr(ganc_error_message(), "f.st"),
                  "case %zu: %s -> %s", i, cases[i].text, ganc_error_message());
        CHECK(h.n_tensors == 0 && h.tensors == NULL);
    }
    /* The position is a file offset: 8 length bytes, then the header. */
    const char *text = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}";
    safetensors_header h;
    CHECK(safetensors_parse_header("f.st", text, strlen(text), 4, &h) == GANC_ERR_FORMAT);
    char want[64];
    snprintf(want, sizeof want, "bad header JSON at byte %zu", 8 + strlen(text) - 1);
    CHECK_MSG(strstr(ganc_error_message(), want), "%s", ganc_error_message());
}

TEST(checkpoint_safetensors_checks_offsets) {
    static const struct {
        const char *text;
        unsigned payload;
        const char *message;
    } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "need 8 bytes"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
         8, "overlap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "gap"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "8 payload bytes after the last"},
        {"{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 12, "is truncated"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "need 8 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        safetensors_header h;
        ganc_status st = safetensors_parse_header("f.st", cases[i].text, strlen(cases[i].text), cases[i].payload, &h);
        CHECK_MSG(st == GANC_ERR_FORMAT && strstr(ganc_error_message(), cases[i].message),
                  "case %zu: %s", i, ganc_error_message());
    }
    /* Tensors may come in any order and be empty, as long as they tile the payload. */
    const char *ok = "{\"b\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[4,12]},"
                     "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[4,4]},"
                     "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    safetensors_header h;
    CHECK(safetensors_parse_header("f.st", ok, strlen(ok), 12, &h) == GANC_OK);
    safetensors_header_free(&h);
}

TEST(checkpoint_write_read_round_trip) {
    char dir[64], path[128];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/latest.safetensors", dir);
    checkpoint *ck = sample_checkpoint();
    REQUIRE(ck);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);
    CHECK(count_files(dir) == 1); /* no temporary file left behind */

    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    unsigned char head[9];
    CHECK(fread(head, 1, 9, f) == 9);
    fclose(f);
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)head[k] << 8 * k;
    CHECK(head[8] == '{' && (8 + n) % 8 == 0);

    checkpoint *back;
    REQUIRE(checkpoint_read(path, 0, &back) == GANC_OK);
    CHECK(strcmp(checkpoint_origin(back), path) == 0);
    REQUIRE(checkpoint_count(back) == checkpoint_count(ck));
    for (size_t i = 0; i < checkpoint_count(ck); i++) {
        const checkpoint_tensor *a = checkpoint_at(ck, i), *b = checkpoint_find(back, a->name);
        REQUIRE(b);
        CHECK(a->ndim == b->ndim && a->numel == b->numel);
        CHECK(memcmp(a->shape, b->shape, sizeof a->shape) == 0);
        CHECK_MSG(memcmp(a->data, b->data, a->numel * sizeof(real)) == 0, "%s values differ", a->name);
    }
    for (size_t i = 0; i < checkpoint_meta_count(ck); i++) {
        const char *value, *key = checkpoint_meta_at(ck, i, &value);
        CHECK_MSG(checkpoint_meta(back, key) && strcmp(checkpoint_meta(back, key), value) == 0, "meta %s", key);
    }
    CHECK(checkpoint_meta(back, "crc32") == NULL); /* a property of the file, not kept */
    CHECK(strcmp(checkpoint_meta(back, "format"), "pt") == 0);
    uint64_t step;
    CHECK(checkpoint_meta_u64(back, "step", &step) == GANC_OK && step == 1234);
    /* A checkpoint read back writes again and reads the same. */
    REQUIRE(checkpoint_write(back, path) == GANC_OK);
    checkpoint *again;
    REQUIRE(checkpoint_read(path, 0, &again) == GANC_OK);
    CHECK(checkpoint_count(again) == checkpoint_count(ck));
    checkpoint_free(again);
    checkpoint_free(back);
    checkpoint_free(ck);
    remove_temp_dir(dir);
}

static void append_expected(char *out, size_t size, const char *line) {
    snprintf(out + strlen(out), size - strlen(out), "%s\n", line);
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

TEST(checkpoint_read_by_python_safetensors) {
    if (!python_has_safetensors()) SKIP("python3 with safetensors and numpy is not installed");
    REQUIRE(access("tests/tools/read_safetensors.py", R_OK) == 0);
    char dir[64], path[128], cmd[256];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/w.safetensors", dir);
    checkpoint *ck = sample_checkpoint();
    REQUIRE(ck);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);

    /* What the Python side must print, built from our in-memory values. */
    char expected[4096] = "", line[512];
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    unsigned char *raw = malloc((size_t)size);
    REQUIRE(raw && fread(raw, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    uint64_t n = 0;
    for (int k = 0; k < 8; k++) n |= (uint64_t)raw[k] << 8 * k;
    uLong crc = crc32(0L, raw + 8 + n, (uInt)((uint64_t)size - 8 - n));
    char header_crc_text[9] = ""; /* checked by the C reader; here only passed through */
    const char *hk = strstr((const char *)raw + 8, "\"header_crc32\":\"");
    REQUIRE(hk);
    memcpy(header_crc_text, hk + 16, 8);
    free(raw);
    snprintf(line, sizeof line, "payload_crc32 %08lx %08lx", crc, crc);
    append_expected(expected, sizeof expected, line);

    /* Python sorts the tensors by name, then the metadata by key. */
    char *tensors[8], *meta[8];
    size_t n_tensors = 0, n_meta = 0;
    for (size_t i = 0; i < checkpoint_count(ck); i++) {
        const checkpoint_tensor *t = checkpoint_at(ck, i);
        unsigned char *bytes = malloc(4 * t->numel);
        REQUIRE(bytes);
        safetensors_encode_f32(t->data, t->numel, bytes);
        char shape[64] = "";
        for (int d = 0; d < t->ndim; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), d ? ",%lld" : "%lld", (long long)t->shape[d]);
        tensors[n_tensors] = malloc(256);
        snprintf(tensors[n_tensors++], 256, "tensor %s %s %08lx", t->name, t->ndim ? shape : "-",
                 crc32(0L, bytes, (uInt)(4 * t->numel)));
        free(bytes);
    }
    char crc_text[9]; /* the crc32 metadata value: 8 hex digits of the payload crc */
    snprintf(crc_text, sizeof crc_text, "%08lx", crc);
    const char *written[][2] = {{"format", "pt"}, {"crc32", crc_text}, {"header_crc32", header_crc_text}};
    for (size_t i = 0; i < 3 + checkpoint_meta_count(ck); i++) {
        const char *value, *key = i < 3 ? written[i][0] : checkpoint_meta_at(ck, i - 3, &value);
        if (i < 3) value = written[i][1];
        meta[n_meta] = malloc(256);
        snprintf(meta[n_meta++], 256, "meta %s %08lx", key, crc32(0L, (const Bytef *)value, (uInt)strlen(value)));
    }
    qsort(tensors, n_tensors, sizeof tensors[0], by_string);
    qsort(meta, n_meta, sizeof meta[0], by_string);
    for (size_t i = 0; i < n_tensors; i++) {
        append_expected(expected, sizeof expected, tensors[i]);
        free(tensors[i]);
    }
    for (size_t i = 0; i < n_meta; i++) {
        append_expected(expected, sizeof expected, meta[i]);
        free(meta[i]);
    }

    snprintf(cmd, sizeof cmd, "python3 tests/tools/read_safetensors.py %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    REQUIRE(p);
    char got[4096] = "";
    size_t used = 0, r;
    while ((r = fread(got + used, 1, sizeof got - 1 - used, p)) > 0) used += r;
    got[used] = '\0';
    CHECK(pclose(p) == 0);
    CHECK_MSG(strcmp(got, expected) == 0, "python printed:\n%s\nexpected:\n%s", got, expected);
    checkpoint_free(ck);
    remove_temp_dir(dir);
}

TEST(checkpoint_reads_file_written_by_python_safetensors) {
    if (!python_has_safetensors()) SKIP("python3 with safetensors and numpy is not installed");
    REQUIRE(access("tests/tools/write_safetensors.py", R_OK) == 0);
    char dir[64], path[128], cmd[256];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/py.safetensors", dir);
    snprintf(cmd, sizeof cmd, "python3 tests/tools/write_safetensors.py %s", path);
    REQUIRE(system(cmd) == 0);
    checkpoint *ck;
    CHECK(checkpoint_read(path, 0, &ck) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "no \"crc32\""));
    REQUIRE(checkpoint_read(path, CHECKPOINT_ALLOW_NO_CRC, &ck) == GANC_OK);
    const checkpoint_tensor *w = checkpoint_find(ck, "enc.weight"), *b = checkpoint_find(ck, "enc.bias"),
                            *s = checkpoint_find(ck, "scale");
    REQUIRE(w && b && s);
    CHECK(w->ndim == 3 && w->shape[0] == 2 && w->shape[1] == 3 && w->shape[2] == 4);
    for (int i = 0; i < 24; i++) CHECK(w->data[i] == (real)(i * 0.25 - 1));
    CHECK(b->ndim == 1 && b->numel == 5);
    for (int i = 0; i < 5; i++) CHECK(b->data[i] == (real)(-1 + 0.5 * i)); /* read from F64 */
    CHECK(s->ndim == 0 && s->numel == 1 && s->data[0] == (real)3.5);
    CHECK(strcmp(checkpoint_meta(ck, "note"), "from numpy") == 0);
    checkpoint_free(ck);
    remove_temp_dir(dir);
}

/* Writes 8 length bytes, the header text as given, and `payload`. */
static bool write_raw(const char *path, uint64_t header_len, const char *header, const void *payload, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    unsigned char len[8];
    for (int k = 0; k < 8; k++) len[k] = (unsigned char)(header_len >> 8 * k);
    bool ok = fwrite(len, 1, 8, f) == 8 && fwrite(header, 1, strlen(header), f) == strlen(header) &&
              fwrite(payload, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static unsigned char *slurp(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    rewind(f);
    unsigned char *b = malloc((size_t)*size);
    if (b && fread(b, 1, (size_t)*size, f) != (size_t)*size) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static bool spill(const char *path, const unsigned char *b, long size) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(b, 1, (size_t)size, f) == (size_t)size;
    return fclose(f) == 0 && ok;
}

/* The read must fail with `status` and a message naming the file and containing `what`. */
static void expect_read_error(test_ctx *tc, const char *path, ganc_status status, const char *what) {
    checkpoint *ck = (checkpoint *)1;
    ganc_status st = checkpoint_read(path, 0, &ck);
    CHECK_MSG(st == status && ck == NULL && strstr(ganc_error_message(), what) && strstr(ganc_error_message(), path),
              "expected %s with \"%s\", got %s: %s", ganc_status_name(status), what, ganc_status_name(st),
              ganc_error_message());
}

TEST(checkpoint_read_catches_corruption) {
    char dir[64], path[128], bad[160];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/good.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/bad.safetensors", dir);
    checkpoint *ck = sample_checkpoint();
    REQUIRE(ck && checkpoint_write(ck, path) == GANC_OK);
    checkpoint_free(ck);
    long size;
    unsigned char *b = slurp(path, &size);
    REQUIRE(b);

    /* One flipped bit in the payload: the crc catches it. */
    b[size - 3] ^= 0x10;
    REQUIRE(spill(bad, b, size));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "is corrupt (crc32 ");
    CHECK(strstr(ganc_error_message(), "expected "));
    b[size - 3] ^= 0x10;

    /* Truncated: inside the payload, inside the header, inside the length. */
    REQUIRE(spill(bad, b, size - 5));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "truncated");
    REQUIRE(spill(bad, b, 40));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "bad header length");
    REQUIRE(spill(bad, b, 5));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "is truncated: 5 bytes");
    REQUIRE(spill(bad, b, 0));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "is truncated: 0 bytes");

    /* A header length beyond the file, or beyond what the format allows. */
    unsigned char saved[8];
    memcpy(saved, b, 8);
    memset(b, 0xff, 8);
    REQUIRE(spill(bad, b, size));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "bad header length 18446744073709551615");
    memcpy(b, saved, 8);

    /* Garbage in the header JSON. */
    b[8] = '#';
    REQUIRE(spill(bad, b, size));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "bad header JSON at byte 8: expected '{'");
    free(b);

    /* Hand-made files: overlapping offsets, a missing crc, a crc in the wrong form. */
    const char *overlap = "{\"__metadata__\":{\"crc32\":\"00000000\"},"
                          "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    REQUIRE(write_raw(bad, strlen(overlap), overlap, "12345678", 8));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "offsets overlap");
    const char *no_crc = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    REQUIRE(write_raw(bad, strlen(no_crc), no_crc, "1234", 4));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "no \"crc32\"");
    const char *odd_crc = "{\"__metadata__\":{\"header_crc32\":\"xyz\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                          "\"data_offsets\":[0,4]}}";
    REQUIRE(write_raw(bad, strlen(odd_crc), odd_crc, "1234", 4));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "metadata header_crc32 is \"xyz\", expected 8 lowercase hex digits");
    const char *upper_crc = "{\"__metadata__\":{\"header_crc32\":\"1A2B3C4D\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                            "\"data_offsets\":[0,4]}}";
    REQUIRE(write_raw(bad, strlen(upper_crc), upper_crc, "1234", 4));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "expected 8 lowercase hex digits");
    /* A header length pointing past the header's end leaves no JSON end. */
    REQUIRE(write_raw(bad, strlen(no_crc) + 4, no_crc, "1234", 4));
    expect_read_error(tc, bad, GANC_ERR_FORMAT, "bad header JSON");

    snprintf(bad, sizeof bad, "%s/missing.safetensors", dir);
    expect_read_error(tc, bad, GANC_ERR_IO, "cannot open checkpoint");
    remove_temp_dir(dir);
}

TEST(checkpoint_write_is_atomic) {
    char dir[64], path[128];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/latest.safetensors", dir);
    checkpoint *v1 = checkpoint_new();
    real one[4] = {1, 1, 1, 1}, two[4] = {2, 2, 2, 2};
    REQUIRE(v1 && checkpoint_add(v1, "w", 1, (int[]){4}, one) == GANC_OK);
    REQUIRE(checkpoint_write(v1, path) == GANC_OK);
    checkpoint *v2 = checkpoint_new();
    REQUIRE(v2 && checkpoint_add(v2, "w", 1, (int[]){4}, two) == GANC_OK);

    /* A crash before anything, inside the length, the header and the payload. */
    struct stat info;
    REQUIRE(stat(path, &info) == 0);
    const long crash_points[] = {0, 3, 8, 40, (long)info.st_size - 4}; /* the last one inside the payload */
    for (size_t i = 0; i < sizeof crash_points / sizeof crash_points[0]; i++) {
        checkpoint_test_crash_after(crash_points[i]);
        CHECK(checkpoint_write(v2, path) == GANC_ERR_IO);
        CHECK(strstr(ganc_error_message(), "simulated crash"));
        CHECK(count_files(dir) == 2); /* the torn temporary file is next to the intact checkpoint */
        checkpoint *back;
        REQUIRE(checkpoint_read(path, 0, &back) == GANC_OK);
        CHECK(checkpoint_find(back, "w")->data[0] == 1);
        checkpoint_free(back);
    }
    /* The hook fires once; the next write replaces the file (and the stale temporary). */
    REQUIRE(checkpoint_write(v2, path) == GANC_OK);
    CHECK(count_files(dir) == 1);
    checkpoint *back;
    REQUIRE(checkpoint_read(path, 0, &back) == GANC_OK);
    CHECK(checkpoint_find(back, "w")->data[3] == 2);
    checkpoint_free(back);

    /* Failures name the path: a missing directory, a directory in the way. */
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.safetensors", dir);
    CHECK(checkpoint_write(v2, missing) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), missing) && strstr(ganc_error_message(), "cannot create"));
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    REQUIRE(mkdir(sub, 0700) == 0);
    char inner[200];
    snprintf(inner, sizeof inner, "%s/f", sub);
    FILE *f = fopen(inner, "w");
    REQUIRE(f);
    fclose(f);
    CHECK(checkpoint_write(v2, sub) == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "renaming"));
    CHECK(count_files(dir) == 2); /* latest + sub: the temporary was removed */
    unlink(inner);
    rmdir(sub);
    checkpoint_free(v1);
    checkpoint_free(v2);
    remove_temp_dir(dir);
}

TEST(checkpoint_params_round_trip_and_mismatches) {
    param_set ps;
    params_init(&ps, "G_A");
    tensor *w = params_add(&ps, "G_A.model.1.weight", 4, (int[]){64, 3, 7, 7});
    tensor *b = params_add(&ps, "G_A.model.1.bias", 1, (int[]){64});
    REQUIRE(w && b);
    for (size_t i = 0; i < ps.numel; i++) ps.data[i] = (real)((double)i * 1e-3 - 3);
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck && checkpoint_put_params(ck, &ps) == GANC_OK);
    CHECK(checkpoint_put_params(ck, &ps) == GANC_ERR_ARG); /* every name once */
    CHECK(strstr(ganc_error_message(), "G_A.model.1.weight\" added twice"));

    param_set same;
    params_init(&same, "G_A");
    REQUIRE(params_add(&same, "G_A.model.1.weight", 4, (int[]){64, 3, 7, 7}) &&
            params_add(&same, "G_A.model.1.bias", 1, (int[]){64}));
    REQUIRE(checkpoint_get_params(ck, &same) == GANC_OK);
    CHECK(memcmp(same.data, ps.data, ps.numel * sizeof(real)) == 0);
    CHECK(checkpoint_check_all_used(ck) == GANC_OK);

    param_set narrow;
    params_init(&narrow, "G_A");
    REQUIRE(params_add(&narrow, "G_A.model.1.weight", 4, (int[]){32, 3, 7, 7}));
    CHECK(checkpoint_get_params(ck, &narrow) == GANC_ERR_SHAPE);
    CHECK_MSG(strstr(ganc_error_message(),
                     "checkpoint (memory) has G_A.model.1.weight with shape (64,3,7,7), network G_A expects (32,3,7,7)"),
              "%s", ganc_error_message());

    param_set extra;
    params_init(&extra, "G_A");
    REQUIRE(params_add(&extra, "G_A.model.2.weight", 2, (int[]){4, 4}));
    CHECK(checkpoint_get_params(ck, &extra) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "has no tensor G_A.model.2.weight (network G_A expects shape (4,4))"));

    /* After a fresh read, a tensor nothing asked for is reported. */
    char dir[64], path[128];
    REQUIRE(make_temp_dir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    REQUIRE(checkpoint_write(ck, path) == GANC_OK);
    checkpoint *back;
    REQUIRE(checkpoint_read(path, 0, &back) == GANC_OK);
    CHECK(checkpoint_check_all_used(back) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), path) && strstr(ganc_error_message(), "G_A.model.1.weight (64,3,7,7)") &&
          strstr(ganc_error_message(), "2 such tensors"));
    checkpoint_free(back);
    remove_temp_dir(dir);

    params_free(&ps);
    params_free(&same);
    params_free(&narrow);
    params_free(&extra);
    checkpoint_free(ck);
}

TEST(checkpoint_metadata_and_rng) {
    checkpoint *ck = checkpoint_new();
    REQUIRE(ck);
    rng r, back;
    rng_init(&r, UINT64_MAX - 5);
    for (int i = 0; i < 7; i++) rng_uniform(&r);
    REQUIRE(checkpoint_put_rng(ck, "data", &r) == GANC_OK);
    REQUIRE(checkpoint_get_rng(ck, "data", &back) == GANC_OK);
    CHECK(back.seed == r.seed && back.counter == 7);
    CHECK(rng_uniform(&back) == rng_uniform(&r));
    CHECK(strcmp(checkpoint_meta(ck, "rng.data.seed"), "18446744073709551610") == 0);
    CHECK(checkpoint_get_rng(ck, "model", &back) == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "no metadata key \"rng.model.seed\""));

    REQUIRE(checkpoint_set_meta(ck, "step", "12") == GANC_OK);
    REQUIRE(checkpoint_set_meta(ck, "step", "13") == GANC_OK); /* replaces */
    uint64_t v;
    CHECK(checkpoint_meta_u64(ck, "step", &v) == GANC_OK && v == 13);
    static const char *const bad[] = {"-1", "", "12x", " 5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REQUIRE(checkpoint_set_meta(ck, "step", bad[i]) == GANC_OK);
        CHECK_MSG(checkpoint_meta_u64(ck, "step", &v) == GANC_ERR_FORMAT &&
                      strstr(ganc_error_message(), "expected an unsigned integer"),
                  "\"%s\": %s", bad[i], ganc_error_message());
    }
    CHECK(checkpoint_set_meta(ck, "crc32", "0") == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "reserved"));
    CHECK(checkpoint_add(ck, "__metadata__", 1, (int[]){1}, (real[]){0}) == GANC_ERR_ARG);
    CHECK(checkpoint_add(ck, "big", 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, (real[]){0}) == GANC_ERR_SHAPE);
    CHECK(strstr(ganc_error_message(), "at most 8"));
    CHECK(checkpoint_find(ck, "nothing") == NULL);
    checkpoint_free(ck);
}
