/*
 * output.c - where the records go: stdout, or a temporary file renamed
 * into place.
 *
 * DESIGN
 * Only the main thread writes.  Records arrive whole and are kept in a
 * 64 KiB buffer that is written with write(2) (no stdio, no per-byte locks)
 * when it is full, when FLUSH_MS passed since the last write (so that a
 * slow run still streams), or at once when the output is a terminal.  A
 * record is never split between the buffer and the file except by the
 * kernel, so an interrupt leaves only whole records behind.
 *
 * With -o FILE the records go to ".FILE.pardo-XXXXXX" in FILE's directory
 * (the same file system, so rename(2) is atomic) and the rename happens in
 * output_commit only; output_free removes a temporary file that was not
 * committed, and the signal handler removes it at once on SIGINT.
 *
 * SIGPIPE is ignored (signals.c), so a closed pipe is EPIPE here, which
 * the run treats as a quiet stop.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define OUT_BUF (64 * 1024)
#define FLUSH_MS 200

struct output {
    volatile sig_atomic_t flushing;     /* for output_emergency */
    int fd;
    int tty;
    char *temp;                 /* temporary file, or NULL for stdout */
    char *final;
    double last_flush;
    size_t len;
    char buf[OUT_BUF];
};

int output_open(struct output **out, const char *path)
{
    struct output *o = calloc(1, sizeof *o);
    if (!o)
        return PARDO_ENOMEM;
    o->fd = STDOUT_FILENO;
    o->last_flush = progress_now();
    *out = o;
    if (path && strcmp(path, "-") == 0)
        path = NULL;
    if (!path) {
        o->tty = isatty(STDOUT_FILENO);
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pardo: cannot write %s: %s\n", path, strerror(EISDIR));
        return CLI_EOPEN;
    }
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    o->final = strdup(path);
    o->temp = malloc(strlen(path) + 16);
    if (!o->final || !o->temp)
        return PARDO_ENOMEM;
    sprintf(o->temp, "%.*s.%s.pardo-XXXXXX", (int)dir_len, path, path + dir_len);
    o->fd = mkostemp(o->temp, O_CLOEXEC);
    if (o->fd < 0) {
        fprintf(stderr, "pardo: cannot create %s: %s\n", path, strerror(errno));
        free(o->temp);
        o->temp = NULL;
        return CLI_EOPEN;
    }
    /* mkstemp makes the file 0600; give it the mode a plain open would. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(o->fd, 0666 & ~mask);
    return 0;
}

const char *output_temp_path(const struct output *out)
{
    return out ? out->temp : NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EPIPE ? CLI_EPIPE : CLI_EWRITE;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int output_flush(struct output *out)
{
    out->flushing = 1;
    int rc = write_all(out->fd, out->buf, out->len);
    out->len = 0;
    out->flushing = 0;
    out->last_flush = progress_now();
    return rc;
}

int output_write(struct output *out, const char *p, size_t n)
{
    if (out->len + n > OUT_BUF) {
        int rc = output_flush(out);
        if (rc)
            return rc;
        if (n > OUT_BUF)
            return write_all(out->fd, p, n);
    }
    memcpy(out->buf + out->len, p, n);
    out->len += n;
    if (out->tty || progress_now() - out->last_flush > FLUSH_MS / 1000.0)
        return output_flush(out);
    return 0;
}

int output_commit(struct output *out)
{
    int rc = output_flush(out);
    if (rc || !out->temp)
        return rc;
    int fd = out->fd;
    out->fd = -1;
    if (close(fd) != 0)
        return CLI_EWRITE;
    if (rename(out->temp, out->final) != 0)
        return CLI_EWRITE;
    free(out->temp);
    out->temp = NULL;
    return 0;
}

void output_emergency(struct output *out)
{
    size_t len = out->len;      /* whole records: len grows after the copy */
    if (out->temp || out->flushing)
        return;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(out->fd, out->buf + off, len - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

void output_free(struct output *out)
{
    if (!out)
        return;
    if (out->temp) {
        unlink(out->temp);
        free(out->temp);
    }
    if (out->fd >= 0 && out->fd != STDOUT_FILENO)
        close(out->fd);
    free(out->final);
    free(out);
}
