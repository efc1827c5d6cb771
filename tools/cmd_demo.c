#include <stdio.h>

#include "tools/commands.h"

int cmd_demo(int argc, char **argv) {
    fprintf(stderr, "demo: not implemented yet\n");
    return 2;
}
