/* One run at a time in an output folder. */
#ifndef GANC_TOOLS_RUN_LOCK_H
#define GANC_TOOLS_RUN_LOCK_H

#include <stdbool.h>

#include "core/error.h"

typedef struct {
    int fd;
    bool held;
} run_lock;

/* Locks DIR/.ganc.lock (an fcntl lock: the kernel drops it when the process
 * ends, even by SIGKILL, so a crashed run never leaves a stale lock) and
 * writes this process's pid, host and start time into it. When another
 * process holds it: GANC_ERR_STATE naming that holder. */
ganc_status run_lock_take(const char *dir, run_lock *lock);
void run_lock_release(run_lock *lock);

#endif
