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
 * What FILE already is decides the rest: a symbolic link is followed, so
 * that its target is replaced and the link stays; a device, a FIFO or a
 * socket is opened and written in place (renaming over /dev/null would
 * replace it); a regular file's mode and owner go to its replacement.
 * The output's device and inode (stdout's too, when it is a regular file)
 * are kept so that the run never reads its own output as an input.
 *
 * SIGPIPE is ignored (signals.c), so a closed pipe is EPIPE here, which
 * the run treats as a quiet stop.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
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
    char *final;                /* -o's target, links followed */
    int self;                   /* the output is a regular file: */
    unsigned long long self_dev, self_ino;     /* never read it as an input */
    double last_flush;
    size_t len;
    char buf[OUT_BUF];
};

/* Where -o PATH really writes: a symbolic link is followed to the file it
 * names (which may not exist yet), so that the temporary file is made
 * beside that file and the rename replaces it, not the link.  A malloc'd
 * path, or NULL when out of memory. */
static char *resolve_links(const char *path)
{
    char *p = strdup(path);
    for (int hops = 0; p && hops < 40; hops++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        char target[4096];
        ssize_t n = readlink(p, target, sizeof target - 1);
        if (n < 0)
            return p;
        target[n] = '\0';
        const char *slash = strrchr(p, '/');
        size_t dir_len = target[0] != '/' && slash ? (size_t)(slash - p) + 1 : 0;
        char *next = malloc(dir_len + (size_t)n + 1);
        if (next) {
            memcpy(next, p, dir_len);
            memcpy(next + dir_len, target, (size_t)n + 1);
        }
        free(p);
        p = next;
    }
    return p;               /* a loop: open() will say ELOOP */
}

/* A device, a FIFO or a socket at the target is written in place: a
 * temporary file renamed over it would replace /dev/null by a file. */
static int open_in_place(struct output *o, const char *path)
{
    o->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    if (o->fd < 0) {
        fprintf(stderr, "pardo: cannot write ");
        cli_fput_name(stderr, path);
        fprintf(stderr, ": %s\n", strerror(errno));
        return CLI_EOPEN;
    }
    return 0;
}

/* The temporary file's name: ".NAME.pardo-XXXXXX" beside the target, with
 * NAME cut so that the whole still fits in NAME_MAX where the final name
 * does. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    size_t base_len = strlen(path + dir_len);
    const size_t extra = sizeof ".." "pardo-XXXXXX" - 1;
    if (base_len + extra > NAME_MAX)
        base_len = NAME_MAX - extra;
    char *t = malloc(dir_len + base_len + extra + 1);
    if (t)
        sprintf(t, "%.*s.%.*s.pardo-XXXXXX", (int)dir_len, path, (int)base_len, path + dir_len);
    return t;
}

/* Gives the new file the owner of the one it replaces, where we may (as
 * root); else at least the group; else it stays ours, as with cp. */
static void keep_owner(int fd, const struct stat *st)
{
    if (fchown(fd, st->st_uid, st->st_gid) != 0 && fchown(fd, (uid_t)-1, st->st_gid) != 0)
        errno = 0;
}

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
    struct stat st;
    if (!path) {
        o->tty = isatty(STDOUT_FILENO);
        if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
            o->self_dev = st.st_dev;
            o->self_ino = st.st_ino;
            o->self = 1;
        }
        return 0;
    }
    o->final = resolve_links(path);
    if (!o->final)
        return PARDO_ENOMEM;
    int exists = stat(o->final, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pardo: cannot write ");
        cli_fput_name(stderr, path);
        fprintf(stderr, ": %s\n", strerror(EISDIR));
        return CLI_EOPEN;
    }
    if (exists && !S_ISREG(st.st_mode))
        return open_in_place(o, o->final);
    if (exists) {
        o->self_dev = st.st_dev;
        o->self_ino = st.st_ino;
        o->self = 1;
    }
    o->temp = temp_name(o->final);
    if (!o->temp)
        return PARDO_ENOMEM;
    char *pattern = strdup(o->temp);
    o->fd = mkostemp(o->temp, O_CLOEXEC);
    if (o->fd < 0) {
        int err = errno;
        fprintf(stderr, "pardo: cannot create the temporary file ");
        cli_fput_name(stderr, pattern ? pattern : o->temp);
        fprintf(stderr, " to write ");
        cli_fput_name(stderr, path);
        fprintf(stderr, ": %s\n", strerror(err));
        free(pattern);
        free(o->temp);
        o->temp = NULL;
        return CLI_EOPEN;
    }
    free(pattern);
    if (exists) {
        /* The file keeps its owner (where we may give it) and its mode. */
        keep_owner(o->fd, &st);
        fchmod(o->fd, st.st_mode & 07777);
    } else {
        /* mkstemp makes the file 0600; give it the mode a plain open would. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(o->fd, 0666 & ~mask);
    }
    return 0;
}

int output_is_self(const struct output *out, unsigned long long dev, unsigned long long ino)
{
    return out && out->self && out->self_dev == dev && out->self_ino == ino;
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
