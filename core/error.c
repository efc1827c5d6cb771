#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char error_message[1024];
static _Thread_local ganc_status error_status;

ganc_status ganc_error_set(ganc_status status, const char *file, int line,
                           const char *fmt, ...) {
    const char *base = strrchr(file, '/');
    int n = snprintf(error_message, sizeof error_message, "%s:%d: ", base ? base + 1 : file, line);
    if (n < 0 || (size_t)n >= sizeof error_message) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message + n, sizeof error_message - (size_t)n, fmt, ap);
    va_end(ap);
    error_status = status;
    return status;
}

const char *ganc_error_message(void) { return error_message; }
ganc_status ganc_error_status(void) { return error_status; }

void ganc_error_clear(void) {
    error_message[0] = '\0';
    error_status = GANC_OK;
}

const char *ganc_status_name(ganc_status status) {
    switch (status) {
    case GANC_OK: return "ok";
    case GANC_ERR_SHAPE: return "shape error";
    case GANC_ERR_DEVICE: return "device error";
    case GANC_ERR_ARG: return "bad argument";
    case GANC_ERR_STATE: return "invalid state";
    case GANC_ERR_MEMORY: return "out of memory";
    case GANC_ERR_IO: return "I/O error";
    case GANC_ERR_FORMAT: return "format error";
    case GANC_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown error";
}
