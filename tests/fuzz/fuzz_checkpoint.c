/* libFuzzer harness: checkpoints and other safetensors files as `ganc info`,
 * `ganc translate`, `--resume` and `ganc eval` read them
 * (checkpoint_read_memory: header length, header JSON, dtypes, shapes,
 * offsets, crc32), then the stored config as trainer_open_checkpoint
 * parses it. The crc32 is not required, so that inputs reach the payload
 * decoding; one that is present is still checked. */

#include <stdint.h>
#include <stdlib.h>

#include "core/checkpoint.h"
#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    checkpoint *ck;
    if (checkpoint_read_memory("fuzz.safetensors", data, size, CHECKPOINT_ALLOW_NO_CRC, &ck) != GANC_OK) return 0;
    /* Every value must be readable: the shapes were checked against the payload. */
    volatile double sum = 0; /* volatile: every value is read, so ASan sees a short buffer */
    (void)sum;
    for (size_t i = 0; i < checkpoint_count(ck); i++) {
        const checkpoint_tensor *t = checkpoint_at(ck, i);
        uint64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) numel *= (uint64_t)t->shape[d];
        if (!t->name || numel != t->numel || checkpoint_find(ck, t->name) != t) abort();
        for (size_t k = 0; k < t->numel; k++) sum += (double)t->data[k];
    }
    for (size_t i = 0; i < checkpoint_meta_count(ck); i++) {
        const char *value, *key = checkpoint_meta_at(ck, i, &value);
        if (!key || !value || checkpoint_meta(ck, key) != value) abort();
    }
    uint64_t step;
    (void)checkpoint_meta_u64(ck, "step", &step);
    const char *text = checkpoint_meta(ck, "config");
    config *c = text ? config_new() : NULL;
    if (c) {
        (void)config_parse_string(c, text, "fuzz.safetensors");
        config_free(c);
    }
    checkpoint_free(ck);
    return 0;
}
