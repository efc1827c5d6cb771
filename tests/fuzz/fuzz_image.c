/* libFuzzer harness: image files as the datasets and `ganc translate` read
 * them (data/image_io.h: header claim, completeness checks, stb's header,
 * decoding). An input without a PNG, JPEG or BMP magic number is decoded a
 * second time under a name ending in .tga, because only that name turns
 * on the TGA completeness check. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "data/image_io.h"

/* Far below the default, so that a header claiming a large image is
 * refused instead of making each run decode megapixels. */
#define FUZZ_MAX_PIXELS (1L << 16)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"fuzz.png", "fuzz.tga"};
    bool magic = size >= 2 && (data[0] == 0x89 || data[0] == 0xff || (data[0] == 'B' && data[1] == 'M'));
    for (int i = 0; i < (magic ? 1 : 2); i++) {
        image img;
        image_info info;
        if (image_decode_rgb(names[i], data, size, FUZZ_MAX_PIXELS, &img, &info) != GANC_OK) continue;
        /* What a dataset relies on after a successful load. */
        if (!img.pixels || img.channels != 3 || img.width < 1 || img.height < 1 ||
            (long)img.width * img.height > FUZZ_MAX_PIXELS || img.width != info.width || img.height != info.height)
            abort();
        unsigned sum = 0;
        for (size_t k = 0; k < (size_t)img.width * (size_t)img.height * 3; k++) sum += img.pixels[k];
        if (sum == 0xffffffffu) abort(); /* reads every byte, so ASan sees a short buffer */
        image_free(&img);
    }
    return 0;
}
