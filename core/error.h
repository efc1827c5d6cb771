#ifndef GANC_ERROR_H
#define GANC_ERROR_H

/* Errors: every fallible library function returns a status (or NULL) and
 * leaves a message naming the op, what was wrong and file:line. The library
 * never aborts or exits; the CLI prints the message and exits non-zero. */

typedef enum {
    GANC_OK = 0,
    GANC_ERR_SHAPE,       /* shapes do not fit the op */
    GANC_ERR_DEVICE,      /* tensors on different devices, or device unavailable */
    GANC_ERR_ARG,         /* bad argument value */
    GANC_ERR_STATE,       /* call out of order: freed step, backward twice, ... */
    GANC_ERR_MEMORY,      /* allocation failed */
    GANC_ERR_IO,          /* file could not be read or written */
    GANC_ERR_FORMAT,      /* file content malformed */
    GANC_ERR_UNSUPPORTED  /* feature not built or not implemented for this case */
} ganc_status;

/* Records an error for the calling thread and returns `status`. The message
 * is formatted printf-style and prefixed with file:line. */
ganc_status ganc_error_set(ganc_status status, const char *file, int line,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define GANC_ERR(status, ...) ganc_error_set((status), __FILE__, __LINE__, __VA_ARGS__)

/* Last error of the calling thread ("" and GANC_OK when none). */
const char *ganc_error_message(void);
ganc_status ganc_error_status(void);
const char *ganc_status_name(ganc_status status);
void ganc_error_clear(void);

#endif
