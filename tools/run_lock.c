/* Two runs writing one folder would mix their checkpoints, metrics and
 * config without either noticing. */
#include "tools/run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOCK_NAME ".ganc.lock"

static void describe_holder(int fd, char *out, size_t size) {
    ssize_t n = pread(fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    if (!out[0]) snprintf(out, size, "another process (it has not written its name yet)");
}

ganc_status run_lock_take(const char *dir, run_lock *lock) {
    lock->held = false;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, LOCK_NAME);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return GANC_ERR(GANC_ERR_IO, "cannot open the run lock %s: %s", path, strerror(errno));
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &whole) != 0) {
        int err = errno;
        char holder[256];
        describe_holder(fd, holder, sizeof holder);
        close(fd);
        if (err == EACCES || err == EAGAIN)
            return GANC_ERR(GANC_ERR_STATE,
                            "%s is in use by another run (%s); wait for it to end, or set [train] out to another "
                            "folder",
                            dir, holder);
        return GANC_ERR(GANC_ERR_IO, "cannot lock %s: %s", path, strerror(err));
    }
    char host[128] = "unknown host", when[64] = "";
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    char text[512];
    int n = snprintf(text, sizeof text, "ganc train, pid %ld on %s, started %s\n", (long)getpid(), host, when);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        int err = errno;
        close(fd);
        return GANC_ERR(GANC_ERR_IO, "cannot write the run lock %s: %s", path, strerror(err));
    }
    lock->fd = fd;
    lock->held = true;
    return GANC_OK;
}

void run_lock_release(run_lock *lock) {
    if (!lock->held) return;
    close(lock->fd);
    lock->held = false;
}
