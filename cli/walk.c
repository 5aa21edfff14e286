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
 * system's order.  Inside a walk only regular files are produced; symbolic
 * links are skipped unless -L, and then a link to a directory already on the
 * stack (compared by device and inode) is a loop, reported and skipped.
 * The run's own temporary output file (-o) is never produced: a walk over
 * the directory that receives the output would read it half-written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct frame {
    struct ebuf path;           /* the directory, without a trailing '/' */
    struct ebuf arena;          /* [d_type][name]\0 per entry */
    char **names;               /* into arena, sorted */
    size_t n, i, cap;
    dev_t dev;
    ino_t ino;
};

struct walk {
    const struct opts *o;
    walk_warn_fn *warn;
    void *warn_ctx;
    void (*on_block)(void *);
    void *block_ctx;
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
    size_t count;
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
        ebuf_free(&w->stack[i].path);
        ebuf_free(&w->stack[i].arena);
        free(w->stack[i].names);
    }
    free(w->stack);
    free(w->line);
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

void walk_on_block(struct walk *w, void (*fn)(void *), void *ctx)
{
    w->on_block = fn;
    w->block_ctx = ctx;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads directory `path` into a new frame on the stack.  Returns 0,
 * PARDO_ENOMEM, or an errno value > 0 when it cannot be read. */
static int push_dir(struct walk *w, const char *path, size_t len, const struct stat *st)
{
    if (w->depth == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct frame *s = realloc(w->stack, cap * sizeof *s);
        if (!s)
            return PARDO_ENOMEM;
        memset(s + w->cap, 0, (cap - w->cap) * sizeof *s);
        w->stack = s;
        w->cap = cap;
    }
    DIR *d = opendir(path);
    if (!d)
        return errno ? errno : EIO;
    struct frame *f = &w->stack[w->depth];
    while (len > 1 && path[len - 1] == '/')
        len--;
    ebuf_set(&f->path, path, len);
    f->arena.len = 0;
    f->n = f->i = 0;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
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
    if (f->path.oom || f->arena.oom) {
        f->path.oom = f->arena.oom = 0;
        return PARDO_ENOMEM;
    }
    if (err)
        return err;
    if (f->n > f->cap) {
        char **names = realloc(f->names, f->n * sizeof *names);
        if (!names)
            return PARDO_ENOMEM;
        f->names = names;
        f->cap = f->n;
    }
    char *p = f->arena.data;
    for (size_t i = 0; i < f->n; i++) {
        f->names[i] = p + 1;
        p += 2 + strlen(p + 1);
    }
    qsort(f->names, f->n, sizeof *f->names, by_name);
    w->depth++;
    return 0;
}

static int on_stack(const struct walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
            return 1;
    return 0;
}

/* Enters a directory met inside a walk, or reports why not.  1 when a file
 * record must be produced for it (it cannot be read), else 0 or ENOMEM. */
static int enter(struct walk *w, struct ebuf *path, const struct stat *st, int *err)
{
    if (on_stack(w, st)) {
        if (w->warn)
            w->warn(w->warn_ctx, path->data, "file system loop, skipped");
        return 0;
    }
    int rc = push_dir(w, path->data, path->len, st);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        *err = rc;
        return 1;
    }
    return 0;
}

static int is_skipped(const struct walk *w, const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && st.st_dev == w->skip_dev && st.st_ino == w->skip_ino;
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

/* The next entry of the top frame: 1 with a file, 0 when the frame is
 * used up (and popped), or PARDO_ENOMEM. */
static int next_in_frame(struct walk *w, struct ebuf *path, int *err)
{
    struct frame *f = &w->stack[w->depth - 1];
    while (f->i < f->n) {
        const char *name = f->names[f->i++];
        unsigned char type = (unsigned char)name[-1];
        path->len = 0;
        ebuf_put(path, f->path.data, f->path.len);
        if (f->path.len == 0 || f->path.data[f->path.len - 1] != '/')
            ebuf_putc(path, '/');
        ebuf_put(path, name, strlen(name) + 1);
        if (path->oom)
            return PARDO_ENOMEM;
        path->len--;                        /* keep the NUL out of len */
        if (w->skip_name && strcmp(name, w->skip_name) == 0 && is_skipped(w, path->data))
            continue;
        if (type == DT_REG)
            return 1;
        if (type != DT_DIR && type != DT_LNK && type != DT_UNKNOWN)
            continue;                       /* FIFOs, devices, sockets */
        struct stat st;
        int follow = type != DT_LNK || w->o->follow;
        if (!follow)
            continue;
        if ((w->o->follow ? stat(path->data, &st) : lstat(path->data, &st)) != 0)
            continue;                       /* vanished, or a broken link */
        if (S_ISREG(st.st_mode))
            return 1;
        if (S_ISDIR(st.st_mode)) {
            int rc = enter(w, path, &st, err);
            if (rc != 0)
                return rc;
            f = &w->stack[w->depth - 1];    /* the stack may have moved */
        }
    }
    w->depth--;
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
    ebuf_set(path, arg, strlen(arg));
    if (path->oom)
        return PARDO_ENOMEM;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode))
        return 1;
    int rc = push_dir(w, arg, strlen(arg), &st);
    if (rc > 0) {
        *err = rc;
        return 1;
    }
    return rc;
}

int walk_next(struct walk *w, struct ebuf *path, int *err)
{
    const struct opts *o = w->o;
    *err = 0;
    while (!w->done) {
        int rc;
        if (w->depth > 0)
            rc = next_in_frame(w, path, err);
        else if (w->list)
            rc = next_in_list(w, path);
        else if (w->next_path < o->n_paths) {
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
            w->count++;
            return 1;
        }
    }
    return 0;
}
