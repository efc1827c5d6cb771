/* INI configs: values, defaults, overrides, and every error names file:line and the valid choices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "tests/test.h"

static const char *TEXT = "# a comment\n"
                          "[train]\n"
                          "lr = 0.0002   # inline comment\n"
                          "steps = 300\n"
                          "flip = yes\n"
                          "[loss.cycle]\n"
                          "weight = 10\n"
                          "kind = l1\n";

TEST(config_reads_typed_values_and_defaults) {
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, TEXT, "x.ini") == GANC_OK);
    double lr;
    long steps, batch;
    bool flip;
    const char *name;
    int kind;
    CHECK(config_real(c, "train", "lr", 1, 0, 1, &lr) == GANC_OK && lr == 0.0002);
    CHECK(config_int(c, "train", "steps", 1, 1, 1000000, &steps) == GANC_OK && steps == 300);
    CHECK(config_int(c, "train", "batch", 4, 1, 64, &batch) == GANC_OK && batch == 4);
    CHECK(config_bool(c, "train", "flip", false, &flip) == GANC_OK && flip);
    CHECK(config_string(c, "train", "name", "run", &name) == GANC_OK && strcmp(name, "run") == 0);
    CHECK(config_real(c, "loss.cycle", "weight", 1, 0, 100, &lr) == GANC_OK && lr == 10);
    CHECK(config_choice(c, "loss.cycle", "kind", "l2", (const char *const[]){"l1", "l2", NULL}, &kind) == GANC_OK &&
          kind == 0);
    CHECK(config_check_unused(c) == GANC_OK);
    const char *sections[4];
    CHECK(config_sections_with_prefix(c, "loss.", sections, 4) == 1 && strcmp(sections[0], "loss.cycle") == 0);
    char *text = config_resolved_text(c);
    REQUIRE(text);
    CHECK(strstr(text, "[train]\nlr = 0.00020000000000000001\nsteps = 300\nbatch = 4\n") != NULL);
    /* The resolved text parses back to the same values. */
    config *again = config_new();
    REQUIRE(again && config_parse_string(again, text, "resolved") == GANC_OK);
    CHECK(config_int(again, "train", "batch", 1, 1, 64, &batch) == GANC_OK && batch == 4);
    free(text);
    config_free(again);
    config_free(c);
}

TEST(config_set_overrides_the_file) {
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, TEXT, "x.ini") == GANC_OK);
    REQUIRE(config_set(c, "loss.cycle.weight=5") == GANC_OK);
    double w;
    CHECK(config_real(c, "loss.cycle", "weight", 1, 0, 100, &w) == GANC_OK && w == 5);
    CHECK(config_set(c, "noequals") == GANC_ERR_ARG);
    CHECK(config_set(c, "nodot=3") == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "section.key=value") != NULL);
    config_free(c);
}

TEST(config_bad_values_name_file_line_and_expectation) {
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, "[train]\nsteps = many\nlr = -1\nmode = fast\n", "exp.ini") == GANC_OK);
    long steps;
    double lr;
    int mode;
    CHECK(config_int(c, "train", "steps", 1, 1, 100, &steps) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "exp.ini:2: [train] steps = \"many\": expected an integer in 1..100"));
    CHECK(config_real(c, "train", "lr", 1, 0, 1, &lr) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "exp.ini:3:") && strstr(ganc_error_message(), "0..1"));
    CHECK(config_choice(c, "train", "mode", "slow", (const char *const[]){"slow", "exact", NULL}, &mode) ==
          GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "exp.ini:4:") && strstr(ganc_error_message(), "one of slow exact"));
    const char *s;
    CHECK(config_string(c, "data", "root", NULL, &s) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "[data] needs the key \"root\""));
    config_free(c);
}

TEST(config_unknown_key_and_section_are_errors) {
    config *c = config_new();
    REQUIRE(c && config_parse_string(c, "[train]\nsteps = 3\nstpes = 4\n[trian]\nx = 1\n", "exp.ini") == GANC_OK);
    long v;
    REQUIRE(config_int(c, "train", "steps", 1, 1, 100, &v) == GANC_OK);
    REQUIRE(config_int(c, "train", "batch", 1, 1, 100, &v) == GANC_OK);
    CHECK(config_check_unused(c) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "exp.ini:3: unknown key \"stpes\" in [train]; valid keys: steps, batch"));
    config_free(c);
    c = config_new();
    REQUIRE(c && config_parse_string(c, "[trian]\nx = 1\n", "exp.ini") == GANC_OK);
    REQUIRE(config_int(c, "train", "steps", 1, 1, 100, &v) == GANC_OK);
    CHECK(config_check_unused(c) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "unknown section [trian]; valid sections: [train]"));
    config_free(c);
}

TEST(config_malformed_files_are_errors) {
    const char *bad[] = {"[train\nx = 1\n", "x = 1\n", "[train]\njust words\n", "[train]\nx = 1\nx = 2\n",
                         "[bad name]\n"};
    const char *expect[] = {"malformed section header", "before any [section]", "expected key = value",
                            "already set on line 2", "bad section name"};
    for (int i = 0; i < 5; i++) {
        config *c = config_new();
        REQUIRE(c);
        CHECK(config_parse_string(c, bad[i], "bad.ini") == GANC_ERR_FORMAT);
        CHECK_MSG(strstr(ganc_error_message(), expect[i]) && strstr(ganc_error_message(), "bad.ini:"), "case %d: %s",
                  i, ganc_error_message());
        config_free(c);
    }
    config *c = config_new();
    CHECK(config_load_file(c, "/nonexistent/exp.ini") == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "/nonexistent/exp.ini") != NULL);
    config_free(c);
}

TEST(config_bools_accept_any_case) {
    const char *yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", "ON", "1"};
    const char *no[] = {"false", "False", "FALSE", "no", "NO", "off", "Off", "0"};
    for (int i = 0; i < 16; i++) {
        const char *v = i < 8 ? yes[i] : no[i - 8];
        char text[64];
        snprintf(text, sizeof text, "[train]\nflip = %s\n", v);
        config *c = config_new();
        REQUIRE(c && config_parse_string(c, text, "b.ini") == GANC_OK);
        bool flip = i >= 8;
        CHECK_MSG(config_bool(c, "train", "flip", i >= 8, &flip) == GANC_OK && flip == (i < 8), "value %s", v);
        config_free(c);
    }
    /* --set goes through the same reader. */
    config *c = config_new();
    REQUIRE(c && config_set(c, "train.flip=FALSE") == GANC_OK);
    bool flip = true;
    CHECK(config_bool(c, "train", "flip", true, &flip) == GANC_OK && !flip);
    REQUIRE(config_set(c, "train.flip=maybe") == GANC_OK);
    CHECK(config_bool(c, "train", "flip", true, &flip) == GANC_ERR_ARG);
    CHECK(strstr(ganc_error_message(), "[train] flip = \"maybe\": expected true or false") != NULL);
    config_free(c);
}

TEST(config_accepts_bom_crlf_and_cr_only_lines) {
    const char *texts[] = {"\xEF\xBB\xBF[train]\nsteps = 7\nlr = 0.5\n", "[train]\r\nsteps = 7\r\nlr = 0.5\r\n",
                           "[train]\rsteps = 7\rlr = 0.5\r", "\xEF\xBB\xBF[train]\r\n\r\nsteps = 7\rlr = 0.5"};
    for (int i = 0; i < 4; i++) {
        config *c = config_new();
        REQUIRE(c);
        CHECK_MSG(config_parse_string(c, texts[i], "eol.ini") == GANC_OK, "case %d: %s", i, ganc_error_message());
        long steps = 0;
        double lr = 0;
        CHECK_MSG(config_int(c, "train", "steps", 1, 1, 100, &steps) == GANC_OK && steps == 7, "case %d", i);
        CHECK_MSG(config_real(c, "train", "lr", 1, 0, 1, &lr) == GANC_OK && lr == 0.5, "case %d", i);
        CHECK(config_check_unused(c) == GANC_OK);
        config_free(c);
    }
    /* Line numbers count CR-only lines too. */
    config *c = config_new();
    REQUIRE(c);
    CHECK(config_parse_string(c, "[train]\rsteps = 7\rjust words\r", "eol.ini") == GANC_ERR_FORMAT);
    CHECK(strstr(ganc_error_message(), "eol.ini:3:") != NULL);
    config_free(c);
}

/* "[train]\n" + the line; the error message or "" when it parses. */
static const char *parse_long_line(const char *line) {
    size_t n = strlen(line);
    char *text = malloc(n + 16);
    if (!text) return "out of memory";
    snprintf(text, n + 16, "[train]\n%s\n", line);
    config *c = config_new();
    ganc_status st = c ? config_parse_string(c, text, "long.ini") : GANC_ERR_MEMORY;
    config_free(c);
    free(text);
    return st ? ganc_error_message() : "";
}

TEST(config_too_long_lines_name_the_part_and_limit) {
    static char key[300], value[3000], line[3400];
    memset(key, 'k', 200), key[200] = '\0';
    memset(value, 'v', 2000), value[2000] = '\0';
    snprintf(line, sizeof line, "%s = 1", key);
    const char *m = parse_long_line(line);
    CHECK_MSG(strstr(m, "long.ini:2: the key is 200 characters long: at most 95"), "%s", m);
    snprintf(line, sizeof line, "name = %s", value);
    m = parse_long_line(line);
    CHECK_MSG(strstr(m, "long.ini:2: the value of name is 2000 characters long: at most 1023"), "%s", m);
    snprintf(line, sizeof line, "name = %.1100s", value); /* fits the line, not the value */
    m = parse_long_line(line);
    CHECK_MSG(strstr(m, "the value of name is 1100 characters long: at most 1023"), "%s", m);
    snprintf(line, sizeof line, "[%s]", value);
    m = parse_long_line(line);
    CHECK_MSG(strstr(m, "the section name is 2002 characters long: at most 95"), "%s", m);
    /* A long comment is no reason to refuse a line. */
    snprintf(line, sizeof line, "name = short  # %s", value);
    CHECK_MSG(!*parse_long_line(line), "%s", parse_long_line(line));
    snprintf(line, sizeof line, "# %s", value);
    CHECK(!*parse_long_line(line));
}

TEST(config_load_file_refuses_a_folder) {
    config *c = config_new();
    REQUIRE(c);
    CHECK(config_load_file(c, "/tmp") == GANC_ERR_IO);
    CHECK(strstr(ganc_error_message(), "config /tmp: cannot open: Is a directory") != NULL);
    config_free(c);
}
