/* ganc info FILE: what a checkpoint, any safetensors file or an ONNX model holds. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/checkpoint.h"
#include "tools/commands.h"
#include "tools/onnx_info.h"

/* crc32 of the values as float32, so two files can be compared value for value. */
static unsigned long values_crc32(const checkpoint_tensor *ti) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t i = 0; i < ti->numel; i++) {
        float v = (float)ti->data[i];
        crc = crc32(crc, (const Bytef *)&v, sizeof v);
    }
    return crc;
}

/* Tensors grouped by the part of their name before the first dot. */
static void print_groups(const checkpoint *ck) {
    size_t n = checkpoint_count(ck), total = 0;
    for (size_t i = 0; i < n; i++) {
        const checkpoint_tensor *ti = checkpoint_at(ck, i);
        const char *dot = strchr(ti->name, '.');
        size_t len = dot ? (size_t)(dot - ti->name) : strlen(ti->name);
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = strncmp(checkpoint_at(ck, j)->name, ti->name, len) == 0 &&
                                                    (checkpoint_at(ck, j)->name[len] == '.' || !checkpoint_at(ck, j)->name[len]);
        if (seen) continue;
        size_t count = 0, values = 0;
        for (size_t j = i; j < n; j++) {
            const checkpoint_tensor *tj = checkpoint_at(ck, j);
            if (strncmp(tj->name, ti->name, len) == 0 && (tj->name[len] == '.' || !tj->name[len])) count++, values += tj->numel;
        }
        printf("  %-16.*s %6zu tensors %12zu values\n", (int)len, ti->name, count, values);
        total += values;
    }
    printf("  %-16s %6zu tensors %12zu values\n", "total", n, total);
}

/* A safetensors file starts with its header's length, then the JSON's '{'.
 * An ONNX model starts with its ir_version field (key 0x08) or is named
 * *.onnx; everything else goes to the safetensors reader and its errors. */
static bool looks_like_onnx(const char *path) {
    unsigned char head[9];
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool full = fread(head, 1, sizeof head, f) == sizeof head;
    fclose(f);
    size_t n = strlen(path);
    bool named = n > 5 && strcmp(path + n - 5, ".onnx") == 0;
    return full && head[8] != '{' && (head[0] == 0x08 || named);
}

static int info_onnx(const char *path) {
    onnx_info info;
    if (onnx_info_read(path, &info)) {
        fprintf(stderr, "ganc info: %s\n", ganc_error_message());
        return 1;
    }
    printf("%s\n", path);
    onnx_info_print(&info, stdout, true);
    onnx_info_free(&info);
    return 0;
}

int cmd_info(int argc, char **argv) {
    bool all = argc == 3 && strcmp(argv[2], "--tensors") == 0;
    if (argc != 2 && !all) {
        fprintf(stderr, "usage: ganc info FILE [--tensors]   (--tensors: every tensor with its shape and a crc32 of its values)\n");
        return 2;
    }
    if (looks_like_onnx(argv[1])) {
        if (!all) return info_onnx(argv[1]);
        fprintf(stderr, "ganc info: --tensors lists safetensors files; %s is an ONNX model\n", argv[1]);
        return 2;
    }
    checkpoint *ck;
    if (checkpoint_read(argv[1], CHECKPOINT_ALLOW_NO_CRC, &ck)) {
        fprintf(stderr, "ganc info: %s\n", ganc_error_message());
        return 1;
    }
    printf("%s\n", argv[1]);
    for (size_t i = 0; i < checkpoint_meta_count(ck); i++) {
        const char *value, *key = checkpoint_meta_at(ck, i, &value);
        if (strcmp(key, "config") == 0) continue;
        printf("  %s = %s\n", key, value);
    }
    printf("tensors by prefix:\n");
    print_groups(ck);
    if (all)
        for (size_t i = 0; i < checkpoint_count(ck); i++) {
            const checkpoint_tensor *ti = checkpoint_at(ck, i);
            char shape[96] = "(";
            for (int d = 0; d < ti->ndim; d++)
                snprintf(shape + strlen(shape), sizeof shape - strlen(shape), d ? ",%lld" : "%lld", (long long)ti->shape[d]);
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), ")");
            printf("  %-56s %-18s crc32 %08lx\n", ti->name, shape, values_crc32(ti));
        }
    const char *config = checkpoint_meta(ck, "config");
    if (config) printf("config:\n%s", config);
    checkpoint_free(ck);
    return 0;
}
