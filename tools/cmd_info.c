/* ganc info FILE: what a checkpoint, any safetensors file or an ONNX model holds. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/checkpoint.h"
#include "core/file_open.h"
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
 * *.onnx (a file too short to tell by its bytes goes by its name, so that an
 * empty model.onnx is reported as a bad ONNX file); everything else goes to
 * the safetensors reader and its errors. */
static bool looks_like_onnx(const char *path) {
    unsigned char head[9];
    FILE *f = file_open_read(path);
    if (!f) return false;
    bool full = fread(head, 1, sizeof head, f) == sizeof head;
    fclose(f);
    size_t n = strlen(path);
    bool named = n > 5 && strcmp(path + n - 5, ".onnx") == 0;
    if (!full) return named;
    return head[8] != '{' && (head[0] == 0x08 || named);
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

static void usage(FILE *out) {
    fprintf(out, "usage: ganc info FILE [--tensors]\n"
                 "Describes a checkpoint, any safetensors file or an ONNX model: its metadata, tensors grouped by\n"
                 "prefix and the config it was trained with.\n"
                 "  FILE        a .safetensors file (checkpoint or export) or an .onnx model\n"
                 "  --tensors   also every tensor with its shape and a crc32 of its values (safetensors only)\n"
                 "  --help      this text\n");
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--tensors") == 0) {
            all = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ganc info: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (path) {
            fprintf(stderr, "ganc info: one FILE at a time, got %s and %s\n", path, argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "ganc info: FILE is missing\n");
        usage(stderr);
        return 2;
    }
    if (looks_like_onnx(path)) {
        if (!all) return info_onnx(path);
        fprintf(stderr, "ganc info: --tensors lists safetensors files; %s is an ONNX model\n", path);
        return 2;
    }
    checkpoint *ck;
    if (checkpoint_read(path, CHECKPOINT_ALLOW_NO_CRC, &ck)) {
        fprintf(stderr, "ganc info: %s\n", ganc_error_message());
        return 1;
    }
    printf("%s\n", path);
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
