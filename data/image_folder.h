#ifndef GANC_DATA_IMAGE_FOLDER_H
#define GANC_DATA_IMAGE_FOLDER_H

/* The images of one folder: regular files (or links to them) whose names end
 * in .png, .jpg, .jpeg, .bmp or .tga in any case, not hidden (no leading
 * dot), not recursive, sorted by byte order so every run sees one order. */

#include <stdbool.h>

#include "core/error.h"

typedef struct image_folder {
    char *dir;
    long n;
    char **names; /* (n) file names */
    char **paths; /* (n) dir/name */
} image_folder;

bool image_folder_accepts(const char *name);
bool image_folder_exists(const char *dir);
/* Allocates "dir/name"; NULL with an error when out of memory. */
char *image_folder_join(const char *dir, const char *name);

/* Lists `dir`, keeping the first `max_images` names when max_images > 0. A
 * missing or empty folder is an error that starts with `context` and names
 * the folder. */
ganc_status image_folder_list(const char *dir, long max_images, const char *context, image_folder *out);
void image_folder_free(image_folder *f);

#endif
