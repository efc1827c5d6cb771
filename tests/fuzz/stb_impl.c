/* The fuzz build compiles the system's stb_image and stb_image_write
 * (libstb-dev's headers, the same source as the libstb that bin/ganc links)
 * with the fuzzer's coverage and the sanitizers, so that decoding is
 * explored and checked too, not only ganc's code around it. */

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image.h>
#include <stb_image_write.h>
