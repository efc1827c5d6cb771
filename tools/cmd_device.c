/* ganc device [--device cpu|cuda[:N]|auto]: says which device a run would use. */
#include <stdio.h>
#include <string.h>

#include "core/backend.h"
#include "tools/commands.h"

int cmd_device(int argc, char **argv) {
    const char *text = "auto";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: ganc device [--device cpu|cuda[:N]|auto]\n"
                   "Prints the device that a command given this --device would run on (why, on stderr, when\n"
                   "auto falls back to the CPU); exits 1 when that device is not usable.\n"
                   "  --device D   cpu, cuda, cuda:N or auto (default auto: the first GPU if CUDA works, else cpu)\n"
                   "  --help       this text\n");
            return 0;
        }
        if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            text = argv[++i];
        } else {
            fprintf(stderr, "ganc device: unknown option %s (usage: ganc device [--device cpu|cuda[:N]|auto])\n",
                    argv[i]);
            return 2;
        }
    }
    device d;
    char note[320], name[16];
    if (device_resolve(text, &d, note, sizeof note) || !backend_get(d)) {
        fprintf(stderr, "ganc: %s\n", ganc_error_message());
        return 1;
    }
    if (note[0]) fprintf(stderr, "ganc: %s\n", note);
    printf("%s\n", device_name(d, name, sizeof name));
    return 0;
}
