/*
 * fault_read.c - fault injection for the tool's tests, with no hook in the
 * product: an LD_PRELOAD library whose read() misbehaves for one file.
 *
 *   PARDO_FAULT_PATH=name   files whose path ends with this name
 *   PARDO_FAULT=segv|abort|exit|stall|slow
 *       segv, abort: kill the process from inside read()
 *       exit:        _exit(7) from inside read()
 *       stall:       sleep for an hour inside read()
 *       slow:        sleep PARDO_FAULT_SECONDS (default 2) inside read()
 *   PARDO_FAULT_MARK=file  created just before the fault, so that a test
 *                          can wait for it to begin instead of guessing
 *
 * Built by tests/t_cli_isolate.sh: cc -shared -fPIC -o libfault.so fault_read.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t read_fn(int, void *, size_t);

static int is_target(int fd)
{
    const char *want = getenv("PARDO_FAULT_PATH");
    char link[64], path[4096];
    if (!want || !*want)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    size_t lw = strlen(want);
    return (size_t)n >= lw && strcmp(path + n - lw, want) == 0;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

ssize_t read(int fd, void *buf, size_t n)
{
    static read_fn *real;
    if (!real)
        real = (read_fn *)dlsym(RTLD_NEXT, "read");
    if (is_target(fd)) {
        const char *f = getenv("PARDO_FAULT"), *mark = getenv("PARDO_FAULT_MARK");
        f = f ? f : "";
        if (mark && *mark) {
            int m = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
            if (m >= 0)
                close(m);
        }
        if (strcmp(f, "segv") == 0)
            raise(SIGSEGV);
        else if (strcmp(f, "abort") == 0)
            abort();
        else if (strcmp(f, "exit") == 0)
            _exit(7);
        else if (strcmp(f, "stall") == 0)
            nap(3600);
        else if (strcmp(f, "slow") == 0)
            nap(getenv("PARDO_FAULT_SECONDS") ? atof(getenv("PARDO_FAULT_SECONDS")) : 2.0);
    }
    return real(fd, buf, n);
}
