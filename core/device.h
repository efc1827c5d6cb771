#ifndef GANC_DEVICE_H
#define GANC_DEVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef enum { DEVICE_CPU = 0, DEVICE_CUDA = 1 } device_kind;

typedef struct {
    device_kind kind;
    int index; /* GPU ordinal; 0 for the CPU */
} device;

static inline device device_cpu(void) { return (device){DEVICE_CPU, 0}; }
static inline bool device_equal(device a, device b) {
    return a.kind == b.kind && a.index == b.index;
}

/* "cpu", "cuda:1" — written into buf (at least 16 bytes), which is returned. */
const char *device_name(device d, char *buf, size_t size);

/* Parses "cpu", "cuda", "cuda:N" or "auto". CUDA without a usable GPU is an
 * error that says why; "auto" picks the first GPU or falls back to the CPU,
 * in which case `note` (may be NULL) says so. */
ganc_status device_resolve(const char *text, device *out, char *note, size_t note_size);

/* Number of usable CUDA devices; 0 with `why` filled when none (CUDA not
 * compiled in, no driver, no GPU). */
int cuda_device_count(char *why, size_t why_size);

#endif
