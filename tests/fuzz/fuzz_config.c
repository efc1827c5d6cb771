/* libFuzzer harness: INI configs as `ganc train` reads them
 * (config_parse_string, which config_load_file calls), then the typed
 * getters on the keys of a small experiment, the unknown-key check, and the
 * resolved text, which must parse again (runs store it in checkpoints). */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ask_all(config *c) {
    long steps;
    double lr;
    bool flip;
    const char *out;
    int kind;
    static const char *const kinds[] = {"unaligned", "aligned", "labelled", "single", NULL};
    (void)config_int(c, "train", "steps", 10, 0, 1000000, &steps);
    (void)config_real(c, "optim", "lr", 2e-4, 0, 1, &lr);
    (void)config_bool(c, "data", "flip", true, &flip);
    (void)config_string(c, "train", "out", "runs/x", &out);
    (void)config_choice(c, "data", "kind", "unaligned", kinds, &kind);
    const char *loss[8];
    int n = config_sections_with_prefix(c, "loss.", loss, 8);
    for (int i = 0; i < n && i < 8; i++) (void)config_real(c, loss[i], "weight", 1, 0, 1e6, &lr);
    (void)config_has_section(c, "G");
    (void)config_check_unused(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    config *c = config_new();
    if (!text || !c) abort();
    memcpy(text, data, size);
    text[size] = '\0';
    if (config_parse_string(c, text, "fuzz.ini") == GANC_OK) {
        ask_all(c);
        char *resolved = config_resolved_text(c);
        if (!resolved) abort();
        config *again = config_new();
        if (!again || config_parse_string(again, resolved, "resolved") != GANC_OK) abort();
        config_free(again);
        free(resolved);
    }
    config_free(c);
    free(text);
    return 0;
}
