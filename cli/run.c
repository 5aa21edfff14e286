/*
 * run.c - one run of a command: paths in, a pipeline per file, records out.
 *
 * DESIGN
 * The main thread runs the path generator (walk.c) inside pardo_imap and
 * takes the results in order (or as they finish, with --unordered).  Each
 * file goes through a pardo_pipeline of four stages, all in one worker:
 *   read     stat, open, read into the worker's buffer, fstat again; binary?
 *   clean    text_clean: decode, BOM, line ends, NFC, boilerplate
 *   process  the command's counting
 *   output   the record's text, into the job's own buffer
 * so the main thread only writes finished bytes, reports errors on stderr
 * and draws the progress line.
 *
 * A file's failure is no stage's failure: the stage notes it in the job
 * (job->err), the later stages pass it by, and the output stage formats the
 * error record in its place.  A stage returns non-zero only for what ends
 * the run (out of memory).
 *
 * Threads: jobs are handed between the main thread and a worker by the
 * iterator (see run.h); worker structs are created by their thread and
 * read by the main thread only after pardo_iter_free, which waits for
 * every item under the pool lock.
 *
 * Over MPI (mpirun pardo ..., see mpi_run.c) the iterator is
 * pardo_mpi_imap over the ranks instead of pardo_imap: rank 0 is the run
 * described above (walk, output, progress, summary), and every other rank
 * only serves, running the same pipeline on its own pool for the batches
 * of files it is sent.  Every file's words then come back packed, as from
 * worker processes, and are added up on rank 0 in input order.  The ranks
 * make the same collective calls in the same order whatever happens (a
 * failed start, a signal): ranks_agree, ranks_imap, ranks_iter_free, then
 * ranks_sum for --profile.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

#define BINARY_PROBE 8192
#define FILE_WINDOW 64          /* files in flight per worker thread */
#define IS_ARCHIVE (-300)       /* read_file: a zip or a tar, not read */

const char *cli_file_reason(int err, char *buf, size_t size)
{
    switch (err) {
    case FILE_ENOTREG:  return "not a regular file";
    case FILE_EBINARY:  return "binary file";
    case FILE_ECHANGED: return "file changed while reading";
    case FILE_ENOMEM:   return "out of memory";
    case FILE_ESELF:    return "input file is also the output, skipped";
    case FILE_EDAMAGED: return "damaged compressed data";
    case FILE_EARCHIVE: return "damaged archive";
    case FILE_EMEMBER:  return "damaged archive member";
    case FILE_EMETHOD:  return "archive not read by this command (extract it, or --no-archives)";
    default:            return strerror_r(err, buf, size);
    }
}

/* ---- workers ----------------------------------------------------------------- */

static _Thread_local struct worker *this_worker;

/* The file buffer is anonymous memory of its own, in whole huge pages
 * that the kernel may back as such (MADV_HUGEPAGE, where transparent huge
 * pages are "madvise"): a worker's first book is then a few page faults
 * instead of one per 4 KiB (500 for 2 MB, 0.6 ms here), which every worker
 * pays again.  Its bytes need not survive growing: the next file is read
 * from the start. */
#define RAW_STEP ((size_t)2 << 20)

static void raw_free(struct worker *w)
{
    if (w->raw)
        munmap(w->raw, w->raw_cap);
    w->raw = NULL;
    w->raw_cap = 0;
}

/* Grows the buffer to at least want bytes, keeping what it holds. */
static int raw_reserve(struct worker *w, size_t want)
{
    if (want <= w->raw_cap)
        return 0;
    if (want > SIZE_MAX - RAW_STEP)
        return PARDO_ENOMEM;
    size_t cap = (want + RAW_STEP - 1) / RAW_STEP * RAW_STEP;
    void *p = w->raw ? mremap(w->raw, w->raw_cap, cap, MREMAP_MAYMOVE)
                     : mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return PARDO_ENOMEM;
#ifdef MADV_HUGEPAGE
    madvise(p, cap, MADV_HUGEPAGE);     /* a hint: no error matters */
#endif
    w->raw = p;
    w->raw_cap = cap;
    return 0;
}

static void worker_free(struct worker *w)
{
    raw_free(w);
    free(w->unz);
    globs_free(w->globs);
    free(w->member);
    ebuf_free(&w->arc_recs);
    ebuf_free(&w->arc_notes);
    ebuf_free(&w->arc_path);
    wordtab_free(w->arc_words);
    arc_close(w->zip);
    ebuf_free(&w->zip_name);
    text_buf_free(&w->scratch);
    wordtab_free(w->words);
    wordtab_free(w->corpus);
    text_lexdiv_scratch_free(&w->lexdiv_scratch);
    free(w->counts);
    ebuf_free(&w->rec);
    features_scratch_free(w->feat);
    free(w);
}

/* The calling thread's worker, made on first use.  NULL when out of memory. */
static struct worker *worker_get(struct run *r)
{
    struct worker *w = this_worker;
    if (w && w->run == r)
        return w;
    w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->run = r;
    w->words = wordtab_new();
    w->corpus = r->o->corpus ? wordtab_new() : NULL;
    w->counts = r->terms ? calloc(text_terms_len(r->terms) + 1, sizeof *w->counts) : NULL;
    if (!w->words || (r->o->corpus && !w->corpus) || (r->terms && !w->counts)) {
        worker_free(w);
        return NULL;
    }
    if (r->o->lexdiv)
        wordtab_keep_order(w->words, 1);
    pthread_mutex_lock(&r->lock);
    w->next = r->workers;
    r->workers = w;
    pthread_mutex_unlock(&r->lock);
    this_worker = w;
    return w;
}

/* ---- the stages ---------------------------------------------------------------- */

/* Opens path for reading if it is a regular file: the descriptor, or -1
 * and *err (an errno value or FILE_ENOTREG).  A path the walk found as a
 * regular file (known_reg) is opened at once, and read_file's fstat checks
 * it; any other is stat'ed first, so that a FIFO or a device is never
 * opened. */
static int open_file(const char *path, int known_reg, int *err)
{
    struct stat st;
    if (!known_reg) {
        if (stat(path, &st) != 0) {
            *err = errno;
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            *err = EISDIR;
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            *err = FILE_ENOTREG;        /* never opened: a FIFO would block */
            return -1;
        }
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        *err = errno;
    return fd;
}

/* Reads fd into w->raw from w->raw_len on, until w->raw_len reaches limit,
 * the end of the file (*eof set), or a read that stops short exactly at
 * size, the size fstat gave (a regular file's read is short only at its
 * end, so a file that did not change costs one read).  The buffer grows as
 * it fills.  0, an errno value, or FILE_ENOMEM. */
static int read_upto(struct worker *w, int fd, size_t limit, size_t size, int *eof)
{
    *eof = 0;
    while (w->raw_len < limit) {
        if (w->raw_len == w->raw_cap && raw_reserve(w, w->raw_cap + RAW_STEP) != 0)
            return FILE_ENOMEM;
        size_t room = w->raw_cap - w->raw_len;
        if (room > limit - w->raw_len)
            room = limit - w->raw_len;
        ssize_t n = read(fd, w->raw + w->raw_len, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        w->raw_len += (size_t)n;
        if (n == 0 || (size > 0 && w->raw_len == size && (size_t)n < room)) {
            *eof = 1;
            return 0;
        }
    }
    return 0;
}

/* Reads path into w->raw.  The first 8 KiB decide whether it is binary
 * (unless they start a compressed stream, which is judged decompressed)
 * before the rest is read or memory is taken for it; then it is read to
 * its end, whatever its size said (files in /proc and /sys say 0 or 4096).
 * A small file costs open, fstat, one read and close.  0, an errno value
 * or FILE_E*. */
static int read_file(struct worker *w, const char *path, int known_reg, uint64_t *bytes)
{
    struct stat before, after;
    int err = 0, eof = 0;
    int fd = open_file(path, known_reg, &err);
    if (fd < 0)
        return err;
    w->raw_len = 0;
    if (fstat(fd, &before) != 0) {
        err = errno;
        goto out;
    }
    if (!S_ISREG(before.st_mode)) {
        err = S_ISDIR(before.st_mode) ? EISDIR : FILE_ENOTREG;
        goto out;
    }
    if (output_is_self(w->run->out, (unsigned long long)before.st_dev,
                       (unsigned long long)before.st_ino)) {
        err = FILE_ESELF;
        goto out;
    }
    size_t size = (size_t)before.st_size;
    *bytes = (uint64_t)before.st_size;
    /* The probe: the whole of a small file (and the byte after its end,
     * so that one that grew is seen), the first 8 KiB of a larger one. */
    size_t probe = size < BINARY_PROBE ? size + 1 : BINARY_PROBE;
    if (raw_reserve(w, probe) != 0) {
        err = FILE_ENOMEM;
        goto out;
    }
    err = read_upto(w, fd, probe, size, &eof);
    if (err == 0 && !w->run->o->no_archives && archive_probe(w->raw, w->raw_len, path)) {
        err = IS_ARCHIVE;               /* read member by member: read_archive */
        goto out;
    }
    if (err == 0 && !compressed_kind(w->raw, w->raw_len) && text_is_binary(w->raw, w->raw_len))
        err = FILE_EBINARY;
    if (err || eof)
        goto check;
    /* One byte more than the size, so that a file that grew fills it. */
    if ((uint64_t)before.st_size >= SIZE_MAX || raw_reserve(w, size + 1) != 0) {
        err = FILE_ENOMEM;
        goto out;
    }
    err = read_upto(w, fd, SIZE_MAX, size, &eof);
check:
    if (err || w->raw_len == size)
        goto out;
    /* The end came elsewhere than at the size: a file that changed, or
     * one of /proc, whose size said nothing. */
    if (fstat(fd, &after) != 0)
        err = errno;
    else if (after.st_size != before.st_size)
        err = FILE_ECHANGED;
    else
        *bytes = w->raw_len;
out:
    close(fd);
    return err;
}

static void error_record(const struct run *r, struct ebuf *b, const char *path, size_t len,
                         const char *why);

/* ---- archives: every member in one worker ------------------------------------ */

/* A line for stderr, said by the main thread: "pardo: PATH: MSG". */
static void arc_note(struct worker *w, struct arc_out *t, const char *path, const char *msg)
{
    ebuf_put(&w->arc_notes, path, strlen(path) + 1);
    ebuf_put(&w->arc_notes, msg, strlen(msg) + 1);
    t->n_notes++;
}

/* Whether the walk's rules take the member at w->arc_path (its part from
 * rel_off on is the path the globs see; the member's own components start
 * at first): each directory on the way and the file itself, as a walk
 * meets them, and --max-depth from the archive's own depth. */
static int member_taken(const struct opts *o, const struct globs *g, struct ebuf *path,
                        size_t rel_off, size_t first, int depth)
{
    char *p = path->data;
    size_t len = path->len;
    for (size_t i = first; i < len; i++)
        if (p[i] == '/')
            depth++;
    if (o->max_depth >= 0 && depth + 1 > o->max_depth)
        return 0;
    const char *rel = rel_off <= len ? p + rel_off : p + first;
    for (size_t i = first; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        char c = p[i];
        p[i] = '\0';
        const char *name = strrchr(p + first - 1, '/') + 1;
        int take = walk_rules_take(o, g, rel, name, i < len);
        p[i] = c;
        if (!take)
            return 0;
    }
    return 1;
}

/* The path ARCHIVE/MEMBER of member name (of type, ARC_*) into b: 1, or
 * 0 for an entry that is no file (a directory, an empty name) or out of
 * memory (b->oom).  A leading "./" or "/" of the name is dropped. */
static int member_path(struct ebuf *b, const char *archive, size_t alen, const char *name,
                       int type)
{
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    while (*name == '/')
        name++;
    size_t nl = strlen(name);
    while (nl > 0 && name[nl - 1] == '/')
        nl--;
    if (type == ARC_DIR || nl == 0)
        return 0;
    b->len = 0;
    ebuf_put(b, archive, alen);
    ebuf_putc(b, '/');
    ebuf_put(b, name, nl);
    ebuf_putc(b, '\0');
    if (b->oom)
        return 0;
    b->len--;
    return 1;
}

/* What a member that is no regular file says with --verbose. */
static const char *member_skipped(int type)
{
    return type == ARC_LINK ? "link in archive, skipped" : "not a regular file, skipped";
}

/* Reads the current member into w->raw.  0, FILE_EMEMBER or FILE_ENOMEM. */
static int read_member(struct worker *w, struct arc *c, uint64_t size)
{
    w->raw_len = 0;
    if (size < SIZE_MAX - RAW_STEP && raw_reserve(w, (size_t)size + 1) != 0)
        return FILE_ENOMEM;
    for (;;) {
        if (w->raw_len == w->raw_cap && raw_reserve(w, w->raw_cap + RAW_STEP) != 0)
            return FILE_ENOMEM;
        long n = arc_read(c, w->raw + w->raw_len, w->raw_cap - w->raw_len);
        if (n < 0)
            return FILE_EMEMBER;
        if (n == 0)
            return 0;
        w->raw_len += (size_t)n;
    }
}

/* Measures the member in w->raw (path w->arc_path) into w->arc_recs: its
 * record, its error record, or nothing (binary: skipped).  0, or
 * PARDO_ENOMEM for what ends the run. */
static int measure_member(struct run *r, struct worker *w, struct arc_out *t, int err,
                          uint64_t *bytes)
{
    struct item_out mo = { 0 };
    mo.bytes = w->raw_len;
    w->body = w->raw;
    w->body_len = w->raw_len;
    if (err == 0 && compressed_kind(w->raw, w->raw_len)) {
        err = decompress(w->raw, w->raw_len, &w->unz, &w->unz_len, &w->unz_cap);
        if (err == ENOMEM)
            err = FILE_ENOMEM;
        w->body = w->unz;
        w->body_len = w->unz_len;
    }
    if (err == 0 && text_is_binary(w->body, w->body_len < BINARY_PROBE ? w->body_len
                                                                       : BINARY_PROBE)) {
        t->skipped++;
        if (r->o->verbose)
            arc_note(w, t, w->arc_path.data, "binary file, skipped");
        return 0;
    }
    if (err == 0 && w->arc_path.len >= sizeof w->member->path)
        err = ENAMETOOLONG;
    if (err == 0) {
        memcpy(w->member->path, w->arc_path.data, w->arc_path.len + 1);
        int rc = text_clean(&w->scratch, w->body, w->body_len, r->o->encoding,
                            r->o->keep_boilerplate, &w->clean);
        if (rc == 0)
            rc = r->cmd->process(r, w);
        if (rc == 0 && r->pack_words)
            rc = wordtab_merge(w->arc_words, w->words);
        if (rc == 0 && r->cmd->format) {
            w->rec.len = 0;
            r->cmd->format(r, w, w->member, &mo);
            rc = w->rec.oom ? PARDO_ENOMEM : 0;
            w->rec.oom = 0;
        }
        if (rc == PARDO_ENOMEM)
            err = FILE_ENOMEM;
        else if (rc)
            return rc;
        else {
            ebuf_put(&w->arc_recs, w->rec.data, w->rec.len);
            t->files++;
            *bytes += mo.bytes;
            return 0;
        }
    }
    char buf[256];
    const char *why = cli_file_reason(err, buf, sizeof buf);
    error_record(r, &w->arc_recs, w->arc_path.data, w->arc_path.len, why);
    arc_note(w, t, w->arc_path.data, why);
    t->failed++;
    return 0;
}

/* The archive at in->path, member by member (see archive.c): out->rec
 * gets every member's record, out->arc the tally.  0, a reason for the
 * archive's own error record, or PARDO_ENOMEM. */
static int read_archive(struct run *r, struct worker *w, const struct item_in *in,
                        struct item_out *out)
{
    const struct opts *o = r->o;
    if (r->cmd->take)
        return FILE_EMETHOD;    /* each member's words would be needed apart */
    if (!w->globs_made) {
        if (globs_new(&w->globs, o->globs, o->n_globs) != 0)
            return FILE_ENOMEM;
        w->globs_made = 1;
    }
    if (!w->member && !(w->member = calloc(1, sizeof *w->member)))
        return FILE_ENOMEM;
    if (r->pack_words) {
        if (!w->arc_words && !(w->arc_words = wordtab_new()))
            return FILE_ENOMEM;
        wordtab_clear(w->arc_words);
    }
    struct arc_out t = { 0 };
    struct arc *c;
    int err = arc_open(&c, in->path);
    if (err) {
        arc_close(c);
        return err == ENOMEM ? FILE_ENOMEM : err;
    }
    w->arc_recs.len = w->arc_notes.len = 0;
    size_t alen = strlen(in->path);
    uint64_t bytes = 0, words = 0;
    const char *name;
    int type, rc, last_failed = 0;
    uint64_t size;
    size_t index = 0, resumed_at = SIZE_MAX;
    for (;;) {
        rc = arc_next(c, &name, &type, &size);
        if (rc == FILE_EARCHIVE && last_failed && resumed_at != index) {
            /* A damaged member leaves libarchive unable to go on (a zip's
             * deflate stream): open the archive again and skip to the
             * member after it.  Where that fails too (a truncated stream),
             * the archive ends there. */
            arc_close(c);
            resumed_at = index;
            if (arc_open(&c, in->path) != 0)
                break;
            size_t k = 0;
            while (k < index && (rc = arc_next(c, &name, &type, &size)) == 1)
                k++;
            if (k < index)
                break;
            continue;
        }
        if (rc != 1)
            break;
        index++;
        if (!member_path(&w->arc_path, in->path, alen, name, type)) {
            if (w->arc_path.oom)
                break;
            continue;
        }
        if (!member_taken(o, w->globs, &w->arc_path, in->rel_off, alen + 1, in->depth))
            continue;
        if (type != ARC_REG) {
            if (o->verbose)
                arc_note(w, &t, w->arc_path.data, member_skipped(type));
            continue;
        }
        uint64_t failed = t.failed;
        err = read_member(w, c, size);
        rc = measure_member(r, w, &t, err, &bytes);
        if (rc)
            break;
        words += w->st.words;
        last_failed = t.failed > failed;
    }
    arc_close(c);
    if (rc == FILE_EARCHIVE && !last_failed) {
        /* The archive itself: after its last good member, or before any. */
        char buf[64];
        const char *why = cli_file_reason(FILE_EARCHIVE, buf, sizeof buf);
        error_record(r, &w->arc_recs, in->path, alen, why);
        arc_note(w, &t, in->path, why);
        t.failed++;
    }
    if (rc < 0 && rc != FILE_EARCHIVE)
        return rc == PARDO_ENOMEM ? FILE_ENOMEM : rc;
    if (w->arc_path.oom || w->arc_recs.oom || w->arc_notes.oom) {
        w->arc_path.oom = w->arc_recs.oom = w->arc_notes.oom = 0;
        return FILE_ENOMEM;
    }
    out->bytes = bytes;
    t.notes_len = w->arc_notes.len;
    struct arc_out *a = pardo_result_alloc((void **)&out->arc, sizeof t + t.notes_len);
    if (!a)
        return FILE_ENOMEM;
    *a = t;
    if (t.notes_len)
        memcpy(a->notes, w->arc_notes.data, t.notes_len);
    if (w->arc_recs.len) {
        if (!pardo_result_alloc((void **)&out->rec, w->arc_recs.len))
            return FILE_ENOMEM;
        memcpy(out->rec, w->arc_recs.data, w->arc_recs.len);
        out->rec_len = w->arc_recs.len;
    }
    if (r->pack_words && words_pack(w->arc_words, words, &out->words) != 0)
        return FILE_ENOMEM;
    return 0;
}

/* One member of a zip that the walk listed (in->member: its place in the
 * archive, from 1; the archive is in->path up to in->arc_len): read into
 * w->raw by going to it in the archive (a zip's members are independent:
 * no other is decompressed).  The worker keeps the archive open, since
 * its members come in order: each worker reads the central directory
 * once, not once per member.  0, or a reason. */
static int read_zip_member(struct worker *w, const struct item_in *in, uint64_t *bytes)
{
    w->raw_len = 0;
    *bytes = 0;
    if (w->zip && (w->zip_at >= in->member || w->zip_name.len != in->arc_len ||
                   memcmp(w->zip_name.data, in->path, in->arc_len) != 0)) {
        arc_close(w->zip);
        w->zip = NULL;
    }
    int err = 0;
    if (!w->zip) {
        ebuf_set(&w->zip_name, in->path, in->arc_len);
        if (w->zip_name.oom) {
            w->zip_name.oom = 0;
            return FILE_ENOMEM;
        }
        w->zip_at = 0;
        err = arc_open(&w->zip, w->zip_name.data);
    }
    const char *name;
    int type = ARC_REG;
    uint64_t size = 0;
    while (err == 0 && w->zip_at < in->member) {
        if (arc_next(w->zip, &name, &type, &size) != 1)
            err = FILE_EARCHIVE;
        w->zip_at++;
    }
    if (err == 0 && type != ARC_REG)
        err = FILE_ECHANGED;            /* not the member listed */
    if (err == 0)
        err = read_member(w, w->zip, size);
    if (err) {                          /* libarchive may not go on from there */
        arc_close(w->zip);
        w->zip = NULL;
    }
    *bytes = w->raw_len;
    return err == ENOMEM ? FILE_ENOMEM : err;
}

static int stage_read(void *arg, const void *in_, void *out_)
{
    struct run *r = arg;
    const struct item_in *in = in_;
    struct item_out *out = out_;
    memset(out, 0, sizeof *out);
    if (in->err) {
        out->err = in->err;
        return 0;
    }
    struct worker *w = worker_get(r);
    if (!w) {
        out->err = FILE_ENOMEM;
        return 0;
    }
    int err = in->member ? read_zip_member(w, in, &out->bytes)
                         : read_file(w, in->path, in->known_reg, &out->bytes);
    if (err == IS_ARCHIVE) {
        out->err = read_archive(r, w, in, out);
        return 0;
    }
    w->body = w->raw;
    w->body_len = w->raw_len;
    if (err == 0 && compressed_kind(w->raw, w->raw_len)) {
        err = decompress(w->raw, w->raw_len, &w->unz, &w->unz_len, &w->unz_cap);
        if (err == ENOMEM)
            err = FILE_ENOMEM;
        w->body = w->unz;
        w->body_len = w->unz_len;
        if (err == 0 && text_is_binary(w->body, w->body_len))
            err = FILE_EBINARY;
    } else if (err == 0 && in->member &&
               text_is_binary(w->body, w->body_len < BINARY_PROBE ? w->body_len : BINARY_PROBE)) {
        err = FILE_EBINARY;
    }
    out->err = err;
    return 0;
}

/* Out of memory on one file is that file's failure (its record says so),
 * not the run's: the worker's buffers are whole and serve the next file.
 * Blocks already in out are freed with the result, by the main thread. */
static int file_oom(struct item_out *out, int rc)
{
    if (rc != PARDO_ENOMEM)
        return rc;
    out->err = FILE_ENOMEM;
    return 0;
}

static int stage_clean(void *arg, const void *in, void *out_)
{
    (void)in;
    struct run *r = arg;
    struct item_out *out = out_;
    if (out->err || out->arc)
        return 0;
    struct worker *w = this_worker;
    return file_oom(out, text_clean(&w->scratch, w->body, w->body_len, r->o->encoding,
                                    r->o->keep_boilerplate, &w->clean));
}

static int stage_process(void *arg, const void *in, void *out_)
{
    (void)in;
    struct run *r = arg;
    struct item_out *out = out_;
    if (out->err || out->arc)
        return 0;
    int rc = r->cmd->process(r, this_worker);
    if (rc == 0 && r->pack_words)
        rc = r->cmd->pack ? r->cmd->pack(r, this_worker, &out->words)
                          : words_pack(this_worker->words, this_worker->st.words, &out->words);
    return file_oom(out, rc);
}

/* The record (a worker's) goes back in a block of its own. */
static int stage_output(void *arg, const void *in_, void *out_)
{
    struct run *r = arg;
    const struct item_in *in = in_;
    struct item_out *out = out_;
    struct worker *w = this_worker;
    if (out->err || out->arc)
        return 0;
    w->rec.len = 0;
    if (r->cmd->format)
        r->cmd->format(r, w, in, out);
    if (w->rec.oom) {
        w->rec.oom = 0;
        return file_oom(out, PARDO_ENOMEM);
    }
    if (w->rec.len) {
        if (!pardo_result_alloc((void **)&out->rec, w->rec.len))
            return file_oom(out, PARDO_ENOMEM);
        memcpy(out->rec, w->rec.data, w->rec.len);
        out->rec_len = w->rec.len;
    }
    return 0;
}

int words_pack(struct wordtab *t, uint64_t total, struct packed_words **out)
{
    size_t n;
    const struct word_entry *e = wordtab_sorted(t, &n);
    if (n != wordtab_size(t))
        return PARDO_ENOMEM;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += e[i].len;
    size_t head = sizeof(struct packed_words) + n * sizeof(struct packed_word);
    struct packed_words *p = pardo_result_alloc((void **)out, head + bytes);
    if (!p)
        return PARDO_ENOMEM;
    p->n = n;
    p->total = total;
    p->words = total;
    p->samples = 0;
    p->sampled = 0;
    char *text = (char *)p + head;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        p->w[i] = (struct packed_word){ (uint32_t)(head + off), e[i].len, e[i].count,
                                        e[i].inner, e[i].inner_caps };
        memcpy(text + off, e[i].word, e[i].len);
        off += e[i].len;
    }
    return 0;
}

int words_unpack_into(struct wordtab *t, const struct packed_words *p)
{
    char word[1024];
    for (size_t i = 0; i < p->n; i++) {
        const struct packed_word *pw = &p->w[i];
        if (pw->len >= sizeof word)
            continue;           /* no WORD is that long; a token is < 1 KiB */
        memcpy(word, (const char *)p + pw->off, pw->len);
        word[pw->len] = '\0';
        struct word_entry e = { word, pw->len, pw->count, pw->inner, pw->inner_caps };
        int rc = wordtab_add(t, &e);
        if (rc)
            return rc;
    }
    return 0;
}

int run_fail(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    r->msg.len = 0;
    if (n < 0 || ebuf_reserve(&r->msg, (size_t)n + 1) != 0)
        return PARDO_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(r->msg.data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    r->msg.len = (size_t)n;
    return CLI_EFATAL;
}

/* The error record of a file, formatted by the main thread (a worker that
 * crashed cannot). */
static void error_record(const struct run *r, struct ebuf *b, const char *path, size_t len,
                         const char *why)
{
    struct rec rec;
    if (r->o->corpus_only)
        return;
    rec_begin(&rec, b, r->o->format);
    rec_str(&rec, "path", path, len);
    if (r->o->format != FMT_JSONL) {                /* empty columns */
        size_t n = r->o->cmd == CMD_WORDS ? 3 : r->ncols - 2;
        for (size_t i = 0; i < n; i++)
            rec_null(&rec, "");
    }
    rec_cstr(&rec, "error", why);
    rec_end(&rec);
}

/* Seconds as the user gave them: the fewest decimals (at least one)
 * that read back as the same number, so 0.001 is not "0.0". */
static const char *seconds_text(double s, char *buf, size_t size)
{
    for (int prec = 1; prec < 17; prec++) {
        snprintf(buf, size, "%.*f", prec, s);
        if (strtod(buf, NULL) == s)
            break;
    }
    return buf;
}

/* The words for an item whose worker crashed, timed out or was stopped. */
static const char *failure_reason(const struct run *r, const pardo_failure *f, char *buf,
                                  size_t size)
{
    char num[64];
    int n;
    if (f->status == PARDO_ETIMEDOUT)
        n = snprintf(buf, size, "timed out after %s s", seconds_text(r->o->timeout, num, sizeof num));
    else if (f->status == PARDO_ECRASH && f->signal)
        n = snprintf(buf, size, "crashed: signal %d (%s)", f->signal, strsignal(f->signal));
    else if (f->status == PARDO_ECRASH)
        n = snprintf(buf, size, "crashed: the worker exited");
    else
        n = snprintf(buf, size, "%s", pardo_strerror(f->status));
    if (f->stage[0] && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " in stage %s", f->stage);
    return buf;
}

/* ---- the main thread's side ------------------------------------------------------ */

#define MAX_STAGES 8            /* of the pipeline: read, clean, process, output */

struct engine {
    struct run run;
    struct ranks *ranks;        /* NULL: no MPI */
    int rank;                   /* ranks_rank(ranks): 0 leads, others serve */
    struct walk *walk;
    struct output *out;
    struct progress prog;
    pardo_pool *pool;
    pardo_pipeline *pl;
    pardo_iter *it;             /* without MPI */
    struct census *census;      /* counts ahead when a progress bar is drawn */
    size_t next_first;          /* of run.first_paths */
    size_t seq;                 /* files handed out */
    struct job *free_jobs, *all_jobs;
    struct item_in in;          /* the result being taken (4 KiB: not on the stack) */
    struct ebuf errbuf;         /* error records */
    int out_err;                /* CLI_EPIPE / CLI_EWRITE from a flush in the walk */
    int out_errno;
    int said_self;              /* "input file is also the output" was said */
    int from_rank;              /* the rank that ran the result being taken */
    int stopped;                /* another rank was interrupted: as a signal here */
    int halted;                 /* --halt's condition was met: no more files */
    size_t halt_total;          /* --halt fail=P%: the files of the run */
    int mpi_failed;             /* an MPI call failed: end with MPI_Abort */
    double stage_sums[2 * MAX_STAGES];  /* --profile over MPI: items, then seconds */
    /* A zip being listed: its members are the next items. */
    struct arc *zip;
    struct ebuf zip_path;       /* the archive's path */
    size_t zip_index;           /* members listed */
    size_t zip_rel_off;
    int zip_depth;
    int zip_walked;
    struct globs *globs;        /* the -g rules, for members */
};

/* The run stops taking files: a signal here, or another rank's. */
static int interrupted(const struct engine *e)
{
    return signals_caught() || e->stopped;
}

static struct job *job_take(struct engine *e)
{
    struct job *j = e->free_jobs;
    if (j) {
        e->free_jobs = j->next_free;
        return j;
    }
    j = calloc(1, sizeof *j);
    if (j) {
        j->next_all = e->all_jobs;
        e->all_jobs = j;
    }
    return j;
}

static void job_give(struct engine *e, struct job *j)
{
    j->next_free = e->free_jobs;
    e->free_jobs = j;
}

static void say(struct engine *e, const char *path, const char *msg);

/* Whether path (a file of the walk, or named) is to be listed here as a
 * zip: named *.zip and starting as one.  A zip by another name, and a tar,
 * are read whole by one worker (read_archive): only a zip's members can be
 * read apart, and the name saves every other file a look at its first
 * bytes on this thread. */
static int zip_named(const struct engine *e, const struct ebuf *path)
{
    const struct opts *o = e->run.o;
    if (o->no_archives || e->run.cmd->take || path->len < 4 ||
        strcasecmp(path->data + path->len - 4, ".zip") != 0)
        return 0;
    unsigned char head[4];
    int fd = open(path->data, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct stat st;
    ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, 4) : 0;
    close(fd);
    return n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
}

/* Starts listing the zip at j->path.  0 when it is open, else 1 (it is
 * then a file of its own, which its worker reads whole). */
static int zip_start(struct engine *e, const struct job *j, int walked)
{
    const struct opts *o = e->run.o;
    if (!e->globs && o->n_globs && globs_new(&e->globs, o->globs, o->n_globs) != 0)
        return 1;
    struct arc *c;
    if (arc_open(&c, j->path.data) != 0) {
        arc_close(c);
        return 1;
    }
    e->zip = c;
    e->zip_index = 0;
    ebuf_set(&e->zip_path, j->path.data, j->path.len);
    walk_where(e->walk, j->path.len, &e->zip_depth, &e->zip_rel_off);
    if (!walked) {
        e->zip_depth = 0;
        e->zip_rel_off = j->path.len + 1;
    }
    e->zip_walked = walked;
    return e->zip_path.oom;
}

/* The next member of the zip being listed into j->path: 1 (*member its
 * place, or 0 with *err for the archive's own error record), 0 at its end
 * (the zip is closed), or PARDO_ENOMEM. */
static int zip_next(struct engine *e, struct job *j, size_t *member, int *err)
{
    const struct opts *o = e->run.o;
    const char *name;
    int type, rc;
    uint64_t size;
    while ((rc = arc_next(e->zip, &name, &type, &size)) == 1) {
        e->zip_index++;
        if (!member_path(&j->path, e->zip_path.data, e->zip_path.len, name, type)) {
            if (j->path.oom)
                return PARDO_ENOMEM;
            continue;
        }
        if (!member_taken(o, e->globs, &j->path, e->zip_rel_off, e->zip_path.len + 1,
                          e->zip_depth))
            continue;
        if (type != ARC_REG) {
            if (o->verbose)
                say(e, j->path.data, member_skipped(type));
            continue;
        }
        *member = e->zip_index;
        return 1;
    }
    arc_close(e->zip);
    e->zip = NULL;
    if (rc == 0)
        return 0;
    ebuf_set(&j->path, e->zip_path.data, e->zip_path.len);     /* the archive's record */
    *member = 0;
    *err = FILE_EARCHIVE;
    return j->path.oom ? PARDO_ENOMEM : 1;
}

/* The pardo_next_fn: the next path, as a job and an item_in. */
static int next_file(void *gen, void *item)
{
    struct engine *e = gen;
    struct item_in *in = item;
    if (interrupted(e) || e->out_err || e->halted)
        return 0;
    struct job *j = job_take(e);
    if (!j)
        return PARDO_ENOMEM;
    int err = 0, rc = 1;
    size_t member = 0;
    for (;;) {
        if (e->zip) {
            rc = zip_next(e, j, &member, &err);
            if (rc == 0)
                continue;
            j->walked = e->zip_walked || member;    /* a binary member is skipped */
            break;
        }
        if (e->next_first < e->run.n_first) {
            const char *p = e->run.first_paths[e->next_first++];
            ebuf_set(&j->path, p, strlen(p));
            if (j->path.oom)
                rc = PARDO_ENOMEM;
        } else {
            rc = walk_next(e->walk, &j->path, &err);
        }
        if (rc != 1)
            break;
        j->walked = e->next_first >= e->run.n_first && walk_walked(e->walk);
        if (err || !zip_named(e, &j->path) || zip_start(e, j, j->walked) != 0)
            break;
    }
    if (rc != 1) {
        job_give(e, j);
        return rc;
    }
    j->seq = e->seq++;
    in->job = j;
    in->err = err;
    in->known_reg = j->walked && !err && !member;
    in->member = member;
    in->arc_len = member ? e->zip_path.len : 0;
    walk_where(e->walk, j->path.len, &in->depth, &in->rel_off);
    if (!j->walked || member) {
        in->depth = 0;
        in->rel_off = j->path.len + 1;
    }
    if (j->path.len < sizeof in->path) {
        memcpy(in->path, j->path.data, j->path.len + 1);
    } else {
        in->path[0] = '\0';
        if (!in->err)
            in->err = ENAMETOOLONG;
    }
    return 1;
}

/* Before the walk blocks on a path list: write out what we hold. */
static void flush_before_block(void *ctx)
{
    struct engine *e = ctx;
    if (e->out_err)
        return;
    e->out_err = output_flush(e->out);
    e->out_errno = errno;
}

/* "pardo: PATH: MSG" on stderr, the path quoted if it must be. */
static void say(struct engine *e, const char *path, const char *msg)
{
    progress_clear(&e->prog);
    fputs("pardo: ", stderr);
    cli_fput_name(stderr, path);
    fprintf(stderr, ": %s\n", msg);
}

static void warn(void *ctx, const char *path, const char *msg)
{
    say(ctx, path, msg);
}

static int pipeline_new(struct engine *e)
{
    struct run *r = &e->run;
    e->pl = pardo_pipeline_new();
    if (!e->pl || pardo_pipeline_add(e->pl, "read", stage_read, r) ||
        pardo_pipeline_add(e->pl, "clean", stage_clean, r) ||
        pardo_pipeline_add(e->pl, "process", stage_process, r) ||
        pardo_pipeline_add(e->pl, "output", stage_output, r))
        return PARDO_ENOMEM;
    return 0;
}

static int setup(struct engine *e, const struct opts *o)
{
    struct run *r = &e->run;
    r->o = o;
    r->cmd = command_ops_for(o);
    pthread_mutex_init(&r->lock, NULL);
    /* Worker processes and other ranks keep nothing: their files' words
     * come back whole. */
    r->pack_words = o->corpus && (o->isolate || e->ranks);
    if (r->pack_words && !(r->corpus = wordtab_new()))
        return PARDO_ENOMEM;
    if (o->cmd == CMD_COUNT) {
        int rc = text_terms_new(&r->terms, (const char *const *)o->terms, o->n_terms);
        if (rc)
            return rc;
        for (size_t i = 0; i < text_terms_len(r->terms) && e->rank == 0; i++)
            if (text_terms_void(r->terms, i)) {
                fputs("pardo: warning: term '", stderr);
                cli_fput_name(stderr, text_terms_name(r->terms, i));
                fputs("' has no letter and no word: it always counts 0\n", stderr);
            }
    }
    if (e->rank != 0) {
        /* A serving rank runs the stages only.  The setup hook is rank 0's
         * (attribute reads its LABELS there); what it sets for the workers
         * is that a command with a take hook gets every file's words. */
        r->pack_words |= r->cmd->take != NULL;
        return pipeline_new(e);
    }
    int rc = r->cmd->setup ? r->cmd->setup(r) : 0;
    if (rc)
        return rc;
    const char **cols = NULL;
    size_t n = 0;
    if (r->cmd->columns && (rc = r->cmd->columns(r, &cols, &n)) != 0)
        return rc;
    r->cols = malloc((n + 2) * sizeof *r->cols);
    if (!r->cols) {
        free(cols);
        return PARDO_ENOMEM;
    }
    r->cols[0] = "path";
    if (n)
        memcpy(r->cols + 1, cols, n * sizeof *cols);
    r->cols[n + 1] = "error";
    r->ncols = n + 2;
    free(cols);
    rc = pipeline_new(e);
    return rc ? rc : walk_new(&e->walk, o, warn, e);
}

static void teardown(struct engine *e)
{
    struct run *r = &e->run;
    signals_disarm();
    signals_install(NULL, NULL);    /* before the temp path goes */
    census_stop(e->census);
    output_free(e->out);
    pardo_pool_free(e->pool);
    pardo_pipeline_free(e->pl);
    walk_free(e->walk);
    arc_close(e->zip);
    ebuf_free(&e->zip_path);
    globs_free(e->globs);
    ebuf_free(&e->errbuf);
    for (struct job *j = e->all_jobs, *next; j; j = next) {
        next = j->next_all;
        ebuf_free(&j->path);
        free(j);
    }
    for (struct worker *w = r->workers, *next; w; w = next) {
        next = w->next;
        worker_free(w);
    }
    if (r->cmd && r->cmd->free)
        r->cmd->free(r);
    ebuf_free(&r->msg);
    ebuf_free(&r->why);
    text_terms_free(r->terms);
    wordtab_free(r->corpus);
    free(r->cols);
    pthread_mutex_destroy(&r->lock);
}

/* The header row (CSV, TSV).  0 or an output error. */
static int write_header(struct engine *e)
{
    struct ebuf b = { 0 };
    const struct opts *o = e->run.o;
    if (o->format == FMT_JSONL || e->run.cmd->take)   /* take: finish writes it */
        return 0;
    if (o->cmd == CMD_WORDS) {
        static const char *const cols[] = { "path", "rank", "word", "count", "error" };
        rec_header(&b, o->format, cols, 5);
    } else {
        rec_header(&b, o->format, e->run.cols, e->run.ncols);
    }
    int rc = b.oom ? PARDO_ENOMEM : output_write(e->out, b.data, b.len);
    ebuf_free(&b);
    return rc;
}

/* A file that another rank could not read (err) but rank 0 can open, or
 * fails to open otherwise: the reason says where it failed, since the
 * ranks do not see the same files (spec: a file system every rank sees).
 * Rank 0 itself failing the same way is the file's own problem, and its
 * record is then the same as in a run without MPI. */
static const char *where(const struct engine *e, int err, char *buf, size_t size)
{
    const char *why = cli_file_reason(err, buf, size);
    if (err <= 0 || e->from_rank <= 0 || e->in.err)
        return why;                     /* not read elsewhere, or the walk's own error */
    int here = 0;
    int fd = open_file(e->in.path, 0, &here);
    if (fd >= 0)
        close(fd);
    if (here == err)
        return why;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", why);
    snprintf(buf, size, "%s (on rank %d, host %s)", tmp, e->from_rank,
             ranks_host(e->ranks, e->from_rank));
    return buf;
}

/* --halt: after a failure, whether the run must stop handing out files
 * (soon) or stop at once (now).  GNU parallel's rule: N failures, or
 * failures >= P% of every file of the run (counted before the start).
 * Threads stop taking queued files at once (pardo_cancel: the files
 * running finish and come back, those queued never start); over MPI the
 * generator ends, and the batches handed out finish. */
static void halt_check(struct engine *e)
{
    const struct opts *o = e->run.o;
    if (o->halt == HALT_NEVER || e->halted)
        return;
    double failed = (double)e->prog.failed;
    int reached = o->halt_pct > 0 ? failed >= o->halt_pct * (double)e->halt_total
                                  : failed >= (double)o->halt_fail;
    if (!reached)
        return;
    e->halted = 1;
    e->prog.halted = 1;
    if (e->pool && !e->ranks)
        pardo_cancel(e->pool);
}

/* --halt fail=P%: the files of the run, counted by a walk of their own
 * before the first starts.  0 or an error that ends the run. */
static int halt_count(struct engine *e, const char *skip)
{
    const struct opts *o = e->run.o;
    if (o->halt_pct <= 0)
        return 0;
    struct walk *w;
    int rc = walk_new(&w, o, NULL, NULL);
    struct ebuf path = { 0 };
    int err;
    if (rc == 0) {
        walk_skip(w, skip);
        while ((rc = walk_next(w, &path, &err)) == 1)
            e->halt_total++;
    }
    walk_free(w);
    ebuf_free(&path);
    e->halt_total += e->run.n_first;
    return rc;
}

/* The total for the progress line: files found so far, or counted ahead. */
static size_t progress_total(const struct engine *e)
{
    size_t total = walk_done(e->walk) ? walk_count(e->walk) : census_total(e->census);
    if (total || walk_done(e->walk))
        total += e->run.n_first;
    return total;
}

/* An archive's result: its members' records (error records included), in
 * its order, the lines they say on stderr, and each member counted as a
 * file.  0 or an output error. */
static int take_archive(struct engine *e, struct item_out *out)
{
    struct run *r = &e->run;
    const struct arc_out *a = out->arc;
    const char *p = a->notes, *end = a->notes + a->notes_len;
    for (uint64_t i = 0; i < a->n_notes && p < end; i++) {
        const char *msg = p + strlen(p) + 1;
        say(e, p, msg);
        p = msg + strlen(msg) + 1;
    }
    int rc = 0;
    if (out->words) {
        rc = words_unpack_into(r->corpus, out->words);
        r->corpus_files += a->files;
    }
    if (rc == 0 && out->rec_len)
        rc = output_write(e->out, out->rec, out->rec_len);
    size_t total = progress_total(e);
    for (uint64_t i = 0; i < a->files; i++)
        progress_file(&e->prog, i == 0 ? out->bytes : 0, 0, total);
    for (uint64_t i = 0; i < a->failed; i++)
        progress_file(&e->prog, 0, 1, total);
    for (uint64_t i = 0; i < a->skipped; i++)
        progress_skip(&e->prog);
    if (a->failed)
        halt_check(e);
    return rc;
}

/* One file's result: its record, or its error record and a line on
 * stderr.  0 or an output error. */
static int take_one(struct engine *e, struct job *j, struct item_out *out, int status,
                    const pardo_failure *f)
{
    struct run *r = &e->run;
    char buf[512];
    const char *why = NULL;
    int rc = 0;
    if (status == 0 && out->err == FILE_ESELF) {
        if (!e->said_self)
            say(e, j->path.data, cli_file_reason(FILE_ESELF, buf, sizeof buf));
        e->said_self = 1;
        return 0;
    }
    if (status == 0 && out->err == FILE_EBINARY && j->walked) {
        /* A binary file met in a walk is no text of the corpus. */
        if (r->o->verbose)
            say(e, j->path.data, "binary file, skipped");
        progress_skip(&e->prog);
        return 0;
    }
    if (status == 0 && !out->err && out->arc)
        return take_archive(e, out);
    if (status != 0)
        why = failure_reason(r, f, buf, sizeof buf);
    else if (out->err)
        why = where(e, out->err, buf, sizeof buf);
    if (r->cmd->take) {
        r->why.len = 0;
        rc = r->cmd->take(r, j, why ? NULL : out, why);
        if (rc)
            return rc;
        if (r->why.oom)
            return PARDO_ENOMEM;
        if (!why && r->why.len)
            why = r->why.data;
        if (why)
            say(e, j->path.data, why);
    } else if (why) {
        say(e, j->path.data, why);
        e->errbuf.len = 0;
        error_record(r, &e->errbuf, j->path.data, j->path.len, why);
        if (e->errbuf.oom)
            return PARDO_ENOMEM;
        if (e->errbuf.len)
            rc = output_write(e->out, e->errbuf.data, e->errbuf.len);
    } else {
        if (out->words) {
            rc = words_unpack_into(r->corpus, out->words);
            r->corpus_files++;
        }
        if (rc == 0 && out->rec_len)
            rc = output_write(e->out, out->rec, out->rec_len);
    }
    progress_file(&e->prog, why ? 0 : out->bytes, why != NULL, progress_total(e));
    if (why)
        halt_check(e);
    return rc;
}

/* ---- the results: from pardo_imap, or from every rank ------------------------------- */

static int results_start(struct engine *e, int unordered)
{
    if (!e->ranks)
        return pardo_imap(&e->it, e->pool, pardo_pipeline_fn, e->pl, next_file, e,
                          sizeof(struct item_in), sizeof(struct item_out),
                          unordered ? PARDO_UNORDERED : PARDO_ORDERED);
    signals_block(1);               /* rank 0's helper thread takes none */
    int rc = ranks_imap(e->ranks, e->pool, pardo_pipeline_fn, e->pl, next_file, e, unordered);
    signals_block(0);
    return rc;
}

/* The next result: 1, 0 at the end, or < 0. */
static int results_next(struct engine *e, struct item_out *out, int *status, pardo_failure *f)
{
    if (e->ranks)
        return ranks_next(e->ranks, &e->in, out, status, f, &e->from_rank);
    int got = pardo_iter_next(e->it, &e->in, out, status);
    if (got == 1)
        pardo_iter_error(e->it, f);
    return got;
}

static void results_end(struct engine *e)
{
    if (e->ranks)
        ranks_iter_free(e->ranks);
    pardo_iter_free(e->it);
    e->it = NULL;
}

/* Frees a result's blocks, unless the worker process that held them died
 * (its result is not ours to read).  A thread that overran --timeout ran
 * to its end: its blocks are whole and must go.  Over MPI a failed item's
 * result is all zero, and a good one's blocks are the decoder's. */
static void result_free(const struct engine *e, struct item_out *out, int status)
{
    if (!e->ranks && e->run.o->isolate && (status == PARDO_ECRASH || status == PARDO_ETIMEDOUT))
        return;
    free(out->rec);
    free(out->words);
    free(out->arc);
}

/* One result.  0 or an error that ends the run. */
static int take_result(struct engine *e, struct item_out *out, int status,
                       const pardo_failure *f)
{
    int crashed = status == PARDO_ECRASH || status == PARDO_ETIMEDOUT;
    if (status == PARDO_ECANCELED && e->ranks) {
        e->stopped = 1;         /* another rank's pool was cancelled: a signal there */
        return 0;
    }
    if (status != 0 && !crashed)            /* out of memory in a stage */
        return status;
    struct item_out none = { 0 };
    int rc = take_one(e, e->in.job, crashed ? &none : out, status, f);
    if (rc)
        e->out_errno = errno;
    return rc;
}

/* Takes the results until the end, an interrupt, or an error that ends
 * the run.  Returns 0 or that error.  What is still in flight then is
 * results_end()'s to drop, blocks and all. */
static int take_results(struct engine *e)
{
    int rc = 0;
    while (rc == 0 && !interrupted(e) && !(e->halted && e->run.o->halt == HALT_NOW)) {
        struct item_out out;
        pardo_failure f;
        int status;
        int got = results_next(e, &out, &status, &f);
        if (got != 1) {
            if (got == PARDO_ESYS && e->ranks)
                e->mpi_failed = 1;
            return e->out_err ? e->out_err : got == PARDO_ECANCELED ? 0 : got;
        }
        rc = e->out_err ? e->out_err : take_result(e, &out, status, &f);
        result_free(e, &out, status);
        job_give(e, e->in.job);
    }
    return rc;
}

/* --profile over MPI: every rank's stage times, summed on rank 0.
 * Collective. */
static void sum_stages(struct engine *e)
{
    double *v = e->stage_sums;
    int n = MAX_STAGES;
    if (!e->ranks || !e->run.o->profile)
        return;
    for (int i = 0; i < n && i < pardo_pipeline_stages(e->pl); i++) {
        unsigned long long items;
        pardo_pipeline_stage_time(e->pl, i, &items, &v[n + i]);
        v[i] = (double)items;
    }
    if (ranks_sum(e->ranks, v, 2 * (size_t)n) != 0)
        e->mpi_failed = 1;
}

/* The stage table, as pardo_pipeline_report prints it, of every rank's
 * items. */
static void report_stages(const struct engine *e, FILE *to)
{
    if (!e->ranks) {
        pardo_pipeline_report(e->pl, to);
        return;
    }
    const double *v = e->stage_sums;
    int n = MAX_STAGES, stages = pardo_pipeline_stages(e->pl);
    double total = 0;
    for (int i = 0; i < n && i < stages; i++)
        total += v[n + i];
    fprintf(to, "%-12s %10s %12s %12s %7s\n", "stage", "items", "total s", "mean ms", "share");
    for (int i = 0; i < n && i < stages; i++)
        fprintf(to, "%-12s %10.0f %12.3f %12.4f %6.1f%%\n", pardo_pipeline_stage_name(e->pl, i),
                v[i], v[n + i], v[i] > 0 ? v[n + i] * 1e3 / v[i] : 0.0,
                total > 0 ? 100.0 * v[n + i] / total : 0.0);
}

/* Another rank: serves batches until rank 0 ends.  0, or its own error
 * (rank 0 reports the run's). */
static int serve_all(struct engine *e)
{
    int rc = results_start(e, 0);
    if (rc)
        return rc;
    struct item_out out;
    int status;
    pardo_failure f;
    rc = results_next(e, &out, &status, &f);   /* serves; never a result */
    results_end(e);
    sum_stages(e);
    if (rc == PARDO_ESYS)
        e->mpi_failed = 1;
    return rc == PARDO_ESYS ? rc : 0;
}

static int process_all(struct engine *e)
{
    const struct opts *o = e->run.o;
    if (e->rank != 0)
        return serve_all(e);
    /* A command that takes the files' words adds them up in input order. */
    int unordered = o->unordered && !e->run.cmd->take;
    int rc = results_start(e, unordered);
    if (rc)
        return rc;
    rc = take_results(e);
    results_end(e);
    sum_stages(e);
    if (rc == 0 && !interrupted(e)) {
        struct ebuf b = { 0 };
        rc = command_finish(&e->run, &b);
        if (rc == 0 && b.len) {
            rc = output_write(e->out, b.data, b.len);
            e->out_errno = errno;
        }
        ebuf_free(&b);
    }
    if (rc == 0 && !interrupted(e)) {
        rc = output_commit(e->out);
        e->out_errno = errno;
    } else if (rc != CLI_EPIPE && rc != CLI_EWRITE && !output_temp_path(e->out)) {
        output_flush(e->out);       /* interrupted or failed: the whole records so far */
    }
    return rc;
}

/* Opens the pool (and, on rank 0, the output) with the signal handler in
 * place. */
static int start(struct engine *e, int workers)
{
    const struct opts *o = e->run.o;
    int lead = e->rank == 0;
    int rc = signals_install(NULL, NULL);
    if (rc == 0 && lead)
        rc = output_open(&e->out, o->output);
    if (rc)
        return rc;
    e->run.out = e->out;
    if (lead) {
        signals_install(NULL, output_temp_path(e->out));
        signals_set_output(e->out);
        walk_on_block(e->walk, flush_before_block, e);
        walk_skip(e->walk, output_temp_path(e->out));
        rc = halt_count(e, output_temp_path(e->out));
        if (rc)
            return rc;
    }
    signals_block(1);               /* only the main thread takes them */
    if (lead && e->prog.bar)
        e->census = census_start(o, output_temp_path(e->out));
    /* -j 1 runs in the main thread (over MPI, rank 0's helper thread),
     * unless the files must be isolated or timed, which needs a worker. */
    if (workers > 1 || o->isolate || o->timeout > 0) {
        pardo_options po = { .workers = workers, .timeout = o->timeout,
                             .backend = o->isolate ? PARDO_PROCESSES : PARDO_THREADS };
        /* Worker threads take files 64 at a time at most: a small file
         * takes a few microseconds, and with the library's window of 8 the
         * workers and this thread slept and woke every few files (32,000
         * context switches over 100,000 files of 60 bytes at -j 2, 3,400
         * with 64).  A result holds only a record, so the window costs
         * little memory, unless it carries a file's words (pack_words). */
        if (!o->isolate && !e->run.pack_words)
            po.window = FILE_WINDOW;
        rc = pardo_pool_open(&e->pool, &po);
    }
    signals_block(0);
    if (rc)
        return rc;
    if (e->pool)
        signals_install(e->pool, output_temp_path(e->out));
    return lead ? write_header(e) : 0;
}

/* Over MPI: whether every rank could start, and the workers of all of
 * them for the summary.  rc is this rank's; returns the run's. */
static int agree(struct engine *e, int rc)
{
    int who, total, each;
    int first = ranks_agree(e->ranks, rc, e->prog.workers, &who, &total, &each);
    progress_ranks(&e->prog, ranks_size(e->ranks), total, each);
    if (first == 0 || (rc != 0 && e->rank == 0))
        return rc;
    /* Some rank could not start.  Rank 0 says so; the others stay quiet,
     * with status 0, so that mpirun lets rank 0 end the run. */
    if (e->rank == 0)
        return run_fail(&e->run, "rank %d (host %s) could not start: %s", who,
                        ranks_host(e->ranks, who), pardo_strerror(first));
    return CLI_EFATAL;
}

static void debug_rss(void)
{
    struct rusage ru;
    const char *san = "none";
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    san = "gcc";
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
    san = "clang";
#endif
#endif
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "pardo: debug: max_rss_kb=%ld sanitizer=%s\n", ru.ru_maxrss, san);
}

/* Another rank's status: 0, so that mpirun lets rank 0 end the run and
 * speak for it, unless this rank failed by itself (it says why). */
static int report_serving(struct engine *e, int rc)
{
    if (rc == 0 || rc == CLI_EFATAL)
        return EXIT_ALL_OK;
    fprintf(stderr, "pardo: rank %d: %s\n", e->rank, pardo_strerror(rc));
    return EXIT_FATAL;
}

/* "pardo: WHY" for an error that ended the run; for a failed system call,
 * which one, why, and the limit that most often makes it fail. */
static void report_failure(int rc)
{
    int err;
    const char *call = rc == PARDO_ESYS ? pardo_failed_call(&err) : NULL;
    if (!call) {
        fprintf(stderr, "pardo: %s\n", pardo_strerror(rc));
        return;
    }
    fprintf(stderr, "pardo: cannot start a worker process: %s failed: %s", call, strerror(err));
    struct rlimit rl;
    if ((err == ENOMEM || err == EAGAIN) && getrlimit(RLIMIT_AS, &rl) == 0 &&
        rl.rlim_cur != RLIM_INFINITY)
        fprintf(stderr, " (address space limit, ulimit -v: %llu KiB)",
                (unsigned long long)rl.rlim_cur / 1024);
    else if ((err == EMFILE || err == ENFILE) && getrlimit(RLIMIT_NOFILE, &rl) == 0)
        fprintf(stderr, " (open files limit, ulimit -n: %llu)", (unsigned long long)rl.rlim_cur);
    else if (err == EAGAIN && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        fprintf(stderr, " (processes limit, ulimit -u: %llu)", (unsigned long long)rl.rlim_cur);
    fputc('\n', stderr);
}

/* The descriptors open in this process now. */
static long open_descriptors(void)
{
    long n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 16;                      /* a guess: stdio, MPI's few */
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3;                       /* ., .. and d itself */
}

/* Workers within the file descriptors pardo may open, so that no file is
 * lost to "Too many open files": the soft limit goes up to the hard one
 * first; then each worker thread needs one descriptor (the file it
 * reads), each worker process two here (its pipes) and, beside them,
 * DESCRIPTOR_SPARE stay for the walk, a path list, the output and the
 * count ahead. */
#define DESCRIPTOR_SPARE 16

static int fit_descriptors(int workers, int isolate)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return workers;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit up = { rl.rlim_max, rl.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)1 << 30)
        return workers;
    long spare = (long)rl.rlim_cur - open_descriptors() - DESCRIPTOR_SPARE;
    long fit = spare / (isolate ? 2 : 1);
    if (fit < 1)
        fit = 1;
    if (workers <= fit)
        return workers;
    fprintf(stderr, "pardo: %d workers lowered to %ld: %llu open files allowed (ulimit -n)\n",
            workers, fit, (unsigned long long)rl.rlim_cur);
    return (int)fit;
}

/* The message and the exit status for a run that ended with rc. */
static int report(struct engine *e, int rc)
{
    if (e->rank != 0)
        return report_serving(e, rc);
    if (rc == CLI_EPIPE)
        return EXIT_ALL_OK;
    if (rc == CLI_EFATAL) {
        progress_clear(&e->prog);
        fprintf(stderr, "pardo: %s\n", e->run.msg.data);
        return EXIT_FATAL;
    }
    if (rc == CLI_EWRITE || rc == CLI_EOPEN) {
        progress_clear(&e->prog);
        if (rc == CLI_EWRITE)
            fprintf(stderr, "pardo: cannot write %s: %s\n",
                    e->run.o->output ? e->run.o->output : "the output",
                    strerror(e->out_errno));
        return EXIT_FATAL;
    }
    if (rc) {
        progress_clear(&e->prog);
        report_failure(rc);
        return EXIT_FATAL;
    }
    progress_summary(&e->prog);
    if (e->run.o->profile)
        report_stages(e, stderr);
    if (interrupted(e))
        return EXIT_INTERRUPTED;
    return e->prog.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int cli_run(const struct opts *o)
{
    struct engine e;
    memset(&e, 0, sizeof e);
    signals_block(1);               /* MPI's threads take no signal */
    int rc = ranks_open(&e.ranks, o->isolate);
    signals_block(0);
    if (rc)
        return EXIT_FATAL;
    e.rank = ranks_rank(e.ranks);
    int workers = fit_descriptors(pardo_cpu_count(o->jobs), o->isolate);
    e.run.nworkers = workers;
    /* Only rank 0 draws progress and the summary. */
    progress_init(&e.prog, o->quiet || e.rank != 0, workers);
    rc = setup(&e, o);
    if (rc == 0)
        rc = start(&e, workers);
    if (e.ranks) {
        /* Every rank makes the same collective calls, signal or not. */
        rc = agree(&e, rc);
        if (rc == 0)
            rc = process_all(&e);
    } else if (rc == 0 && !signals_caught()) {
        rc = process_all(&e);
    }
    int status = report(&e, rc);
    teardown(&e);
    if (o->debug_rss && e.rank == 0)
        debug_rss();
    ranks_close(e.ranks, e.mpi_failed);
    return status;
}
