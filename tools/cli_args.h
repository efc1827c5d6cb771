/* Strict parsing of command-line option values, shared by the commands. */
#ifndef GANC_TOOLS_CLI_ARGS_H
#define GANC_TOOLS_CLI_ARGS_H

#include <stdbool.h>

/* A whole decimal integer in [lo, hi]; false when `text` is anything else
 * ("", "12abc", out of range), so a typo never becomes 0 or a default. */
bool cli_parse_long(const char *text, long lo, long hi, long *out);

#endif
