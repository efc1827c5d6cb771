#include "core/file_open.h"

#include <errno.h>
#include <sys/stat.h>

FILE *file_open_read(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat s;
    if (fstat(fileno(f), &s) == 0 && S_ISDIR(s.st_mode)) {
        fclose(f);
        errno = EISDIR;
        return NULL;
    }
    return f;
}
