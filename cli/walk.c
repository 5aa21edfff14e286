/*
 * walk.c - PATHs and path lists as a lazy stream of file names.
 *
 * DESIGN
 * walk_next() is the body of the pardo_next_fn that feeds pardo_imap, so it
 * runs only in the main thread, one name at a time: the run never holds more
 * than one directory's listing per level of depth, and a path list (standard
 * input, --files-from) is read one entry per call, so a list of a million
 * paths costs one line of memory.
 *
 * Sources are taken in order: the PATH operands (where `-` stands for the
 * list on standard input), then each --files-from list.  An operand that is
 * a directory is walked; anything else is handed on as a file, and the read
 * stage reports what is wrong with it.  Entries of a list are files (as
 * `find -type f` gives them), never walked.  A newline-separated list may
 * have CRLF line ends (the CR is dropped); an entry with a NUL byte cannot
 * be a path and is skipped with a warning.
 *
 * A directory's entries are read at once into one reused arena, sorted by
 * strcmp, and visited in that order: the output never depends on the file
 * system's order.  Each directory is opened relative to its parent's
 * descriptor (openat), so depth is not limited by PATH_MAX, and at most
 * FD_KEEP of them are held open (deeper frames give theirs back and take
 * it again through ".." on the way up).  Types come from d_type; an entry
 * is stat'ed (fstatat) only when its type is unknown or a link is to be
 * followed.  Inside a walk only regular files are produced: hidden entries
 * are skipped unless --hidden, the -g rules (glob.c) and --max-depth
 * apply, symbolic links are skipped unless -L, and with -L a link to a
 * directory already on the stack (compared by device and inode), a broken
 * link and a link loop are reported and skipped.  A directory that cannot
 * be opened, or an entry that cannot be stat'ed, is produced with its
 * errno (an error record).  walk_walked() tells the run which files came
 * from inside a directory (they are skipped when binary, and the read
 * stage opens them without a stat first).
 * The run's own temporary output file (-o) is never produced: a walk over
 * the directory that receives the output would read it half-written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#include <fcntl.h>
#include <unistd.h>

#include "cli.h"

/* Frames deeper than this many levels below the top give their descriptor
 * back while their children are walked, and take it again (by "..") when
 * the walk returns to them: a walk holds at most FD_KEEP directories open,
 * whatever its depth. */
#define FD_KEEP 64

struct frame {
    struct ebuf path;           /* the directory, without a trailing '/' */
    struct ebuf arena;          /* [d_type][name]\0 per entry */
    char **names;               /* into arena, sorted */
    size_t n, i, cap;
    int fd;                     /* the directory, or -1 while given back */
    dev_t dev;
    ino_t ino;
};

struct walk {
    const struct opts *o;
    walk_warn_fn *warn;
    void *warn_ctx;
    void (*on_block)(void *);
    void *block_ctx;
    struct globs *globs;
    size_t next_path, next_list;
    FILE **lists;               /* --files-from, opened by walk_new */
    FILE *list;                 /* the list being read, or NULL */
    const char *list_name;      /* its name for messages ("-": standard input) */
    size_t list_line;           /* entries read from it */
    int list_blocks;            /* it is a pipe or a terminal */
    char *line;                 /* getdelim's buffer */
    size_t line_cap;
    struct frame *stack;        /* frames [0, depth) are open */
    size_t depth, cap;
    size_t root_len;            /* of the operand's prefix in a walked path */
    size_t count;
    int walked;                 /* the last file was found in a directory */
    int done;
    const char *skip_name;      /* the temporary output file: never read */
    dev_t skip_dev;
    ino_t skip_ino;
};

int walk_new(struct walk **out, const struct opts *o, walk_warn_fn *warn, void *ctx)
{
    struct walk *w = calloc(1, sizeof *w);
    if (!w)
        return PARDO_ENOMEM;
    w->o = o;
    w->warn = warn;
    w->warn_ctx = ctx;
    *out = w;
    if (globs_new(&w->globs, o->globs, o->n_globs) != 0)
        return PARDO_ENOMEM;
    if (o->n_lists && !(w->lists = calloc(o->n_lists, sizeof *w->lists)))
        return PARDO_ENOMEM;
    for (size_t i = 0; i < o->n_lists; i++) {
        if (strcmp(o->lists[i], "-") == 0)
            w->lists[i] = stdin;
        else if (!(w->lists[i] = fopen(o->lists[i], "re"))) {
            int e = errno;
            fprintf(stderr, "pardo: cannot read path list ");
            cli_fput_name(stderr, o->lists[i]);
            fprintf(stderr, ": %s\n", strerror(e));
            return CLI_EOPEN;
        }
    }
    return 0;
}

static void close_list(struct walk *w)
{
    if (w->list && w->list != stdin)
        fclose(w->list);
    w->list = NULL;
}

void walk_free(struct walk *w)
{
    if (!w)
        return;
    close_list(w);
    for (size_t i = w->next_list; i < w->o->n_lists && w->lists; i++)
        if (w->lists[i] && w->lists[i] != stdin)
            fclose(w->lists[i]);
    free(w->lists);
    for (size_t i = 0; i < w->cap; i++) {
        if (i < w->depth && w->stack[i].fd >= 0)
            close(w->stack[i].fd);
        ebuf_free(&w->stack[i].path);
        ebuf_free(&w->stack[i].arena);
        free(w->stack[i].names);
    }
    free(w->stack);
    free(w->line);
    globs_free(w->globs);
    free(w);
}

size_t walk_count(const struct walk *w)
{
    return w->count;
}

int walk_done(const struct walk *w)
{
    return w->done;
}

int walk_walked(const struct walk *w)
{
    return w->walked;
}

void walk_on_block(struct walk *w, void (*fn)(void *), void *ctx)
{
    w->on_block = fn;
    w->block_ctx = ctx;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the open directory fd (whose path is path[0..len)) into a new
 * frame on the stack, which owns fd from then on.  Returns 0, PARDO_ENOMEM,
 * or an errno value > 0 when it cannot be read (fd is then closed). */
static int push_dir(struct walk *w, int fd, const char *path, size_t len)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct frame *s = realloc(w->stack, cap * sizeof *s);
        if (!s) {
            close(fd);
            return PARDO_ENOMEM;
        }
        memset(s + w->cap, 0, (cap - w->cap) * sizeof *s);
        w->stack = s;
        w->cap = cap;
    }
    /* readdir on a duplicate: closedir takes its descriptor, the frame
     * keeps fd for openat. */
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        int e = errno ? errno : EIO;
        if (dfd >= 0)
            close(dfd);
        close(fd);
        return e;
    }
    struct frame *f = &w->stack[w->depth];
    while (len > 1 && path[len - 1] == '/')
        len--;
    ebuf_set(&f->path, path, len);
    f->arena.len = 0;
    f->n = f->i = 0;
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        ebuf_putc(&f->arena, (char)e->d_type);
        ebuf_put(&f->arena, e->d_name, strlen(e->d_name) + 1);
        f->n++;
    }
    int err = errno;
    closedir(d);
    if (!err && f->n > f->cap) {
        char **names = realloc(f->names, f->n * sizeof *names);
        if (!names)
            err = PARDO_ENOMEM;
        else {
            f->names = names;
            f->cap = f->n;
        }
    }
    if (f->path.oom || f->arena.oom) {
        f->path.oom = f->arena.oom = 0;
        err = PARDO_ENOMEM;
    }
    if (err) {
        close(fd);
        return err;
    }
    char *p = f->arena.data;
    for (size_t i = 0; i < f->n; i++) {
        f->names[i] = p + 1;
        p += 2 + strlen(p + 1);
    }
    qsort(f->names, f->n, sizeof *f->names, by_name);
    w->depth++;
    /* Give back the descriptor of the frame FD_KEEP levels up. */
    if (w->depth > FD_KEEP) {
        struct frame *up = &w->stack[w->depth - 1 - FD_KEEP];
        if (up->fd >= 0) {
            close(up->fd);
            up->fd = -1;
        }
    }
    return 0;
}

/* Pops the top frame; the one below takes its descriptor again if it gave
 * it back (by "..", checked by device and inode, else by its path).  When
 * it cannot, that is warned and the rest of its entries are skipped. */
static void pop_dir(struct walk *w)
{
    struct frame *top = &w->stack[--w->depth];
    if (w->depth > 0) {
        struct frame *f = &w->stack[w->depth - 1];
        if (f->fd < 0) {
            struct stat st;
            int fd = openat(top->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino)) {
                close(fd);
                fd = open(f->path.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            }
            if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino)) {
                close(fd);
                fd = -1;
                errno = ESTALE;
            }
            if (fd < 0) {
                if (w->warn)
                    w->warn(w->warn_ctx, f->path.data, "cannot return to this directory; "
                                                      "the rest of it is skipped");
                f->i = f->n;
            }
            f->fd = fd;
        }
    }
    if (top->fd >= 0)
        close(top->fd);
    top->fd = -1;
}

static int on_stack(const struct walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return 1;
    return 0;
}

int walk_rules_take(const struct opts *o, const struct globs *g, const char *rel,
                    const char *name, int is_dir)
{
    int hidden = name[0] == '.' && !o->hidden;
    if (hidden && !g)
        return 0;
    int m = globs_match(g, rel, is_dir);
    return !(m == GLOB_EXCLUDE || (hidden && m != GLOB_INCLUDE));
}

void walk_where(const struct walk *w, size_t path_len, int *depth, size_t *rel_off)
{
    *depth = w->walked ? (int)w->depth : 0;
    *rel_off = w->walked ? w->root_len : path_len + 1;
}

void walk_skip(struct walk *w, const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return;
    const char *slash = strrchr(path, '/');
    w->skip_name = slash ? slash + 1 : path;
    w->skip_dev = st.st_dev;
    w->skip_ino = st.st_ino;
}

static void warn_errno(struct walk *w, const char *path, const char *what, int err)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s, skipped", what, strerror(err));
    if (w->warn)
        w->warn(w->warn_ctx, path, msg);
}

/* Enters directory `name` of frame f (path is its whole path), or says why
 * not.  0 (entered, or skipped with a warning), 1 when the directory must
 * be given an error record (*err), or PARDO_ENOMEM. */
static int enter(struct walk *w, struct frame *f, const char *name, struct ebuf *path,
                 int *err)
{
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY;
    if (!w->o->follow)
        flags |= O_NOFOLLOW;
    int fd = openat(f->fd, name, flags);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;                       /* vanished since it was listed */
        *err = errno;
        return 1;
    }
    if (w->o->follow) {
        struct stat st;
        if (fstat(fd, &st) == 0 && on_stack(w, &st)) {
            close(fd);
            if (w->warn)
                w->warn(w->warn_ctx, path->data, "file system loop, skipped");
            return 0;
        }
    }
    int rc = push_dir(w, fd, path->data, path->len);
    if (rc > 0) {
        *err = rc;
        return 1;
    }
    return rc;
}

/* The next entry of the top frame: 1 with a file (or an entry that
 * failed: *err), 2 when it entered a directory, 0 when the frame is used
 * up (and popped), or PARDO_ENOMEM. */
static int next_in_frame(struct walk *w, struct ebuf *path, int *err)
{
    const struct opts *o = w->o;
    struct frame *f = &w->stack[w->depth - 1];
    /* Entries of this frame are at depth w->depth below the operand. */
    int files_ok = o->max_depth < 0 || w->depth <= (size_t)o->max_depth;
    int dirs_ok = o->max_depth < 0 || w->depth < (size_t)o->max_depth;
    while (f->i < f->n && f->fd >= 0) {
        const char *name = f->names[f->i++];
        unsigned char type = (unsigned char)name[-1];
        int hidden = name[0] == '.' && !o->hidden;
        if (hidden && !w->globs)
            continue;
        path->len = 0;
        ebuf_put(path, f->path.data, f->path.len);
        if (f->path.len == 0 || f->path.data[f->path.len - 1] != '/')
            ebuf_putc(path, '/');
        ebuf_put(path, name, strlen(name) + 1);
        if (path->oom)
            return PARDO_ENOMEM;
        path->len--;                        /* keep the NUL out of len */
        if (type == DT_UNKNOWN || (type == DT_LNK && o->follow)) {
            struct stat st;
            if (fstatat(f->fd, name, &st, o->follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
                int e = errno;
                if (e == ENOENT && type == DT_LNK)
                    warn_errno(w, path->data, "broken symbolic link", e);
                else if (e == ELOOP)
                    warn_errno(w, path->data, "symbolic link loop", e);
                else if (e != ENOENT) {     /* ENOENT: vanished since listed */
                    *err = e;
                    return 1;
                }
                continue;
            }
            type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_UNKNOWN;
        }
        if (type != DT_REG && type != DT_DIR)
            continue;                       /* FIFOs, devices, sockets, links */
        int is_dir = type == DT_DIR;
        if (!walk_rules_take(o, w->globs, path->data + w->root_len, name, is_dir))
            continue;
        if (!is_dir) {
            if (!files_ok)
                continue;
            if (w->skip_name && strcmp(name, w->skip_name) == 0) {
                struct stat st;
                if (fstatat(f->fd, name, &st, 0) == 0 && st.st_dev == w->skip_dev &&
                    st.st_ino == w->skip_ino)
                    continue;
            }
            return 1;
        }
        if (!dirs_ok)
            continue;
        size_t depth = w->depth;
        int rc = enter(w, f, name, path, err);
        if (rc != 0)
            return rc;
        if (w->depth != depth)
            return 2;                       /* entered: walk the new frame */
    }
    pop_dir(w);
    return 0;
}

/* Starts reading list f.  Returns 1. */
static int start_list(struct walk *w, FILE *f, const char *name)
{
    w->list = f;
    w->list_name = name;
    w->list_line = 0;
    struct stat st;
    w->list_blocks = fstat(fileno(w->list), &st) != 0 || !S_ISREG(st.st_mode);
    return 1;
}

/* The next path of the open list: 1, 0 at its end, or PARDO_ENOMEM. */
static int next_in_list(struct walk *w, struct ebuf *path)
{
    int delim = w->o->null_sep ? '\0' : '\n';
    for (;;) {
        if (w->list_blocks && w->on_block)
            w->on_block(w->block_ctx);
        errno = 0;
        ssize_t n = getdelim(&w->line, &w->line_cap, delim, w->list);
        if (n < 0) {
            int e = ferror(w->list) || !feof(w->list) ? errno : 0;
            close_list(w);
            if (e == ENOMEM)
                return PARDO_ENOMEM;
            if (e == 0 || e == EINTR)       /* the end, or a signal: the run stops */
                return 0;
            fprintf(stderr, "pardo: cannot read path list ");
            cli_fput_name(stderr, w->list_name);
            fprintf(stderr, ": %s\n", strerror(e));
            return CLI_EOPEN;
        }
        w->list_line++;
        if (n > 0 && w->line[n - 1] == (char)delim)
            n--;
        if (delim == '\n' && n > 0 && w->line[n - 1] == '\r')
            n--;                            /* a list with CRLF line ends */
        if (n == 0)
            continue;
        if (memchr(w->line, '\0', (size_t)n)) {
            if (w->warn) {
                char msg[128];
                snprintf(msg, sizeof msg, "line %zu of the path list holds a NUL byte "
                         "(a list for -0?), skipped", w->list_line);
                w->warn(w->warn_ctx, w->list_name, msg);
            }
            continue;
        }
        ebuf_set(path, w->line, (size_t)n);
        return path->oom ? PARDO_ENOMEM : 1;
    }
}

/* An operand: a directory is entered (0), anything else is a file (1). */
static int operand(struct walk *w, const char *arg, struct ebuf *path, int *err)
{
    struct stat st;
    size_t len = strlen(arg);
    ebuf_set(path, arg, len);
    if (path->oom)
        return PARDO_ENOMEM;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode))
        return 1;
    int fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *err = errno;
        return 1;
    }
    int rc = push_dir(w, fd, arg, len);
    if (rc > 0) {
        *err = rc;
        return 1;
    }
    if (rc == 0) {
        /* Globs see the path below the operand: "t/a/b.txt" is "a/b.txt". */
        const struct ebuf *p = &w->stack[w->depth - 1].path;
        w->root_len = p->len + (p->len == 0 || p->data[p->len - 1] != '/');
    }
    return rc;
}

int walk_next(struct walk *w, struct ebuf *path, int *err)
{
    const struct opts *o = w->o;
    *err = 0;
    while (!w->done) {
        int rc, walked = 0;
        if (w->depth > 0) {
            rc = next_in_frame(w, path, err);
            walked = 1;
        } else if (w->list) {
            rc = next_in_list(w, path);
        } else if (w->next_path < o->n_paths) {
            const char *arg = o->paths[w->next_path++];
            rc = strcmp(arg, "-") == 0 ? start_list(w, stdin, "-") : operand(w, arg, path, err);
            if (rc == 1 && w->list)
                continue;
        } else if (w->next_list < o->n_lists) {
            start_list(w, w->lists[w->next_list], o->lists[w->next_list]);
            w->next_list++;
            continue;
        } else {
            w->done = 1;
            return 0;
        }
        if (rc < 0)
            return rc;
        if (rc == 1) {
            w->walked = walked;
            w->count++;
            return 1;
        }
    }
    return 0;
}
