#include "tools/cli_args.h"

#include <errno.h>
#include <stdlib.h>

bool cli_parse_long(const char *text, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}
