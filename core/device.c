#include "core/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *device_name(device d, char *buf, size_t size) {
    if (d.kind == DEVICE_CPU)
        snprintf(buf, size, "cpu");
    else
        snprintf(buf, size, "cuda:%d", d.index);
    return buf;
}

static ganc_status parse_cuda_index(const char *text, int *index) {
    if (text[4] == '\0') {
        *index = 0;
        return GANC_OK;
    }
    char *end = NULL;
    long v = (text[4] == ':') ? strtol(text + 5, &end, 10) : -1;
    if (text[4] != ':' || end == text + 5 || *end != '\0' || v < 0 || v > 1024)
        return GANC_ERR(GANC_ERR_ARG, "device: expected cpu, cuda, cuda:N or auto, got \"%s\"", text);
    *index = (int)v;
    return GANC_OK;
}

ganc_status device_resolve(const char *text, device *out, char *note, size_t note_size) {
    if (note && note_size) note[0] = '\0';
    if (!text || strcmp(text, "cpu") == 0) {
        *out = device_cpu();
        return GANC_OK;
    }
    char why[256];
    if (strcmp(text, "auto") == 0) {
        if (cuda_device_count(why, sizeof why) > 0) {
            *out = (device){DEVICE_CUDA, 0};
        } else {
            *out = device_cpu();
            if (note) snprintf(note, note_size, "device auto: no usable GPU (%s), running on the CPU", why);
        }
        return GANC_OK;
    }
    if (strncmp(text, "cuda", 4) != 0)
        return GANC_ERR(GANC_ERR_ARG, "device: expected cpu, cuda, cuda:N or auto, got \"%s\"", text);
    int index = 0;
    ganc_status st = parse_cuda_index(text, &index);
    if (st) return st;
    int count = cuda_device_count(why, sizeof why);
    if (count == 0)
        return GANC_ERR(GANC_ERR_DEVICE, "device %s requested but no GPU is usable: %s", text, why);
    if (index >= count)
        return GANC_ERR(GANC_ERR_DEVICE, "device %s requested but only %d GPU(s) present", text, count);
    *out = (device){DEVICE_CUDA, index};
    return GANC_OK;
}
