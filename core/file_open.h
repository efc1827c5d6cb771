/* Opening an input file for reading, shared by every reader of the project. */
#ifndef GANC_CORE_FILE_OPEN_H
#define GANC_CORE_FILE_OPEN_H

#include <stdio.h>

/* fopen(path, "rb"), except that a folder is refused: NULL with errno
 * EISDIR ("Is a directory"). Linux opens a folder for reading, and its
 * size then reads as LONG_MAX, which callers took for a file of 8 EiB
 * ("out of memory for 9223372036854775807 bytes"). Callers report failure
 * with strerror(errno) as for any fopen. */
FILE *file_open_read(const char *path);

#endif
