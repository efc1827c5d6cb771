#include "data/image_folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

bool image_folder_accepts(const char *name) {
    static const char *const exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".tga"};
    const char *dot = strrchr(name, '.');
    if (!dot || name[0] == '.') return false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i]) == 0) return true;
    return false;
}

bool image_folder_exists(const char *dir) {
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

char *image_folder_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    bool slash = a > 0 && dir[a - 1] != '/';
    char *p = malloc(a + slash + b + 1);
    if (!p) {
        GANC_ERR(GANC_ERR_MEMORY, "out of memory for the path %s/%s", dir, name);
        return NULL;
    }
    memcpy(p, dir, a);
    if (slash) p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
    return p;
}

static int by_bytes(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void image_folder_free(image_folder *f) {
    if (!f) return;
    for (long i = 0; i < f->n; i++) {
        if (f->names) free(f->names[i]);
        if (f->paths) free(f->paths[i]);
    }
    free(f->names);
    free(f->paths);
    free(f->dir);
    *f = (image_folder){0};
}

static ganc_status out_of_memory(const char *dir, DIR *d) {
    if (d) closedir(d);
    return GANC_ERR(GANC_ERR_MEMORY, "out of memory listing %s", dir);
}

ganc_status image_folder_list(const char *dir, long max_images, const char *context, image_folder *out) {
    *out = (image_folder){0};
    DIR *d = opendir(dir);
    if (!d)
        return GANC_ERR(GANC_ERR_IO, "%s: folder %s %s", context, dir,
                        errno == ENOENT ? "does not exist" : strerror(errno));
    image_folder f = {0};
    long cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!image_folder_accepts(e->d_name)) continue;
        char *path = image_folder_join(dir, e->d_name);
        struct stat st;
        bool regular = path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!regular) continue;
        if (f.n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(f.names, sizeof(char *) * (size_t)cap);
            if (!grown) {
                image_folder_free(&f);
                return out_of_memory(dir, d);
            }
            f.names = grown;
        }
        if (!(f.names[f.n] = strdup(e->d_name))) {
            image_folder_free(&f);
            return out_of_memory(dir, d);
        }
        f.n++;
    }
    closedir(d);
    if (f.n == 0) {
        free(f.names);
        return GANC_ERR(GANC_ERR_IO, "%s: folder %s has no images (.png .jpg .jpeg .bmp .tga)", context, dir);
    }
    qsort(f.names, (size_t)f.n, sizeof(char *), by_bytes);
    if (max_images > 0 && f.n > max_images) {
        for (long i = max_images; i < f.n; i++) free(f.names[i]);
        f.n = max_images;
    }
    f.dir = strdup(dir);
    f.paths = calloc((size_t)f.n, sizeof(char *));
    if (!f.dir || !f.paths) {
        image_folder_free(&f);
        return out_of_memory(dir, NULL);
    }
    for (long i = 0; i < f.n; i++)
        if (!(f.paths[i] = image_folder_join(dir, f.names[i]))) {
            image_folder_free(&f);
            return GANC_ERR(GANC_ERR_MEMORY, "out of memory listing %s", dir);
        }
    *out = f;
    return GANC_OK;
}
