/* The files commands read and write: cli_check_output (no output over an
 * input, however spelt), file_open_read (a folder is refused), and image
 * grids written as PNG or JPEG by their extension. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file_open.h"
#include "data/image_grid.h"
#include "tests/test.h"
#include "tools/cli_args.h"

static bool message_has(const char *needle) { return strstr(ganc_error_message(), needle) != NULL; }

static bool write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return false;
    fputs(text, f);
    return fclose(f) == 0;
}

TEST(cli_check_output_refuses_any_spelling_of_an_input) {
    char dir[] = "/tmp/ganc_cli_files_XXXXXX", ck[PATH_MAX], dotted[PATH_MAX], link_hard[PATH_MAX],
         link_soft[PATH_MAX], data[PATH_MAX], inside[PATH_MAX], fresh[PATH_MAX], fresh2[PATH_MAX];
    REQUIRE(mkdtemp(dir));
    snprintf(ck, sizeof ck, "%s/ck.safetensors", dir);
    snprintf(dotted, sizeof dotted, "%s/./sub/../ck.safetensors", dir);
    snprintf(link_hard, sizeof link_hard, "%s/hard.safetensors", dir);
    snprintf(link_soft, sizeof link_soft, "%s/soft.safetensors", dir);
    snprintf(data, sizeof data, "%s/sub", dir);
    snprintf(inside, sizeof inside, "%s/sub/labels.csv", dir);
    snprintf(fresh, sizeof fresh, "%s/out.csv", dir);
    snprintf(fresh2, sizeof fresh2, "%s/sub/../out.csv", dir);
    REQUIRE(write_text(ck, "weights") && mkdir(data, 0755) == 0 && write_text(inside, "a,b\n"));
    REQUIRE(link(ck, link_hard) == 0 && symlink(ck, link_soft) == 0);
    cli_file inputs[] = {{"--checkpoint", ck}, {"--data", data}, {"--labels", NULL}};
    const char *same[] = {ck, dotted, link_hard, link_soft};
    for (int i = 0; i < 4; i++) {
        CHECK_MSG(cli_check_output((cli_file){"--out", same[i]}, inputs, 3) == GANC_ERR_ARG, "%s", same[i]);
        CHECK(message_has("--out ") && message_has("is the same file as --checkpoint"));
    }
    CHECK(cli_check_output((cli_file){"--csv", inside}, inputs, 3) == GANC_ERR_ARG &&
          message_has("already exists inside the folder --data"));
    CHECK(cli_check_output((cli_file){"--csv", fresh}, inputs, 3) == GANC_OK);
    CHECK(cli_check_output((cli_file){"--csv", NULL}, inputs, 3) == GANC_OK);
    /* Two outputs that do not exist yet, spelt differently. */
    cli_file outputs[] = {{"--csv", fresh}};
    CHECK(cli_check_output((cli_file){"--grid", fresh2}, outputs, 1) == GANC_ERR_ARG &&
          message_has("--grid") && message_has("is the same file as --csv"));
    unlink(link_soft), unlink(link_hard), unlink(ck), unlink(inside), rmdir(data), rmdir(dir);
}

TEST(file_open_read_refuses_a_folder) {
    errno = 0;
    CHECK(file_open_read("/tmp") == NULL && errno == EISDIR);
    FILE *f = file_open_read("/proc/self/status");
    CHECK(f != NULL);
    if (f) fclose(f);
}

TEST(image_grid_format_follows_the_extension) {
    char dir[] = "/tmp/ganc_grid_XXXXXX", path[PATH_MAX];
    REQUIRE(mkdtemp(dir));
    real pixels[3 * 4 * 4];
    for (int i = 0; i < 48; i++) pixels[i] = (real)(i % 7) / 7;
    const real *images[] = {pixels};
    const char *names[] = {"g.png", "g.jpg", "g.JPEG"};
    const unsigned char magic[][3] = {{0x89, 'P', 'N'}, {0xff, 0xd8, 0xff}, {0xff, 0xd8, 0xff}};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        CHECK_MSG(image_grid_write(path, images, 1, 1, 3, 4, 4) == GANC_OK, "%s: %s", names[i], ganc_error_message());
        unsigned char head[3] = {0};
        FILE *f = fopen(path, "rb");
        CHECK(f && fread(head, 1, 3, f) == 3 && memcmp(head, magic[i], 3) == 0);
        if (f) fclose(f);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/g.gif", dir);
    CHECK(image_grid_write(path, images, 1, 1, 3, 4, 4) == GANC_ERR_ARG && message_has("expected .png, .jpg or .jpeg"));
    CHECK(access(path, F_OK) != 0);
    rmdir(dir);
}
