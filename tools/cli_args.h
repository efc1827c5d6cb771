/* Strict parsing of command-line option values, shared by the commands,
 * and the check that a command never writes over its own inputs. */
#ifndef GANC_TOOLS_CLI_ARGS_H
#define GANC_TOOLS_CLI_ARGS_H

#include <stdbool.h>

#include "core/error.h"

/* A whole decimal integer in [lo, hi]; false when `text` is anything else
 * ("", "12abc", out of range), so a typo never becomes 0 or a default. */
bool cli_parse_long(const char *text, long lo, long hi, long *out);

/* A file or folder a command reads or writes, with the option that named it. */
typedef struct {
    const char *option, *path; /* path NULL: the option was not given, skipped */
} cli_file;

/* GANC_ERR_ARG (the message names both options and paths; the caller
 * prefixes its command, "ganc export: ") when writing `out` would
 * replace an input: the same file however spelt (./a, a, a symlink or a
 * hard link: compared by st_dev and st_ino), or an existing file inside an
 * input folder (a data set's images or labels). Also when `out` is the
 * path of another output in `inputs` that does not exist yet. Every command
 * that writes files calls it before it opens anything for writing. */
ganc_status cli_check_output(cli_file out, const cli_file *inputs, int n_inputs);

#endif
