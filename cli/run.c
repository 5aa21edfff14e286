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
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

#define BINARY_PROBE 8192

const char *cli_file_reason(int err, char *buf, size_t size)
{
    switch (err) {
    case FILE_ENOTREG:  return "not a regular file";
    case FILE_EBINARY:  return "binary file";
    case FILE_ECHANGED: return "file changed while reading";
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

static int raw_reserve(struct worker *w, size_t want)
{
    if (want <= w->raw_cap)
        return 0;
    size_t cap = (want + RAW_STEP - 1) / RAW_STEP * RAW_STEP;
    raw_free(w);
    void *p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
    text_buf_free(&w->scratch);
    wordtab_free(w->words);
    wordtab_free(w->corpus);
    free(w->counts);
    ebuf_free(&w->rec);
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
    pthread_mutex_lock(&r->lock);
    w->next = r->workers;
    r->workers = w;
    pthread_mutex_unlock(&r->lock);
    this_worker = w;
    return w;
}

/* ---- the stages ---------------------------------------------------------------- */

/* Opens path for reading if it is a regular file: the descriptor, or -1
 * and *err (an errno value or FILE_ENOTREG). */
static int open_file(const char *path, int *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        *err = errno;
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = EISDIR;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = FILE_ENOTREG;            /* never opened: a FIFO would block */
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        *err = errno;
    return fd;
}

/* Reads path into w->raw.  0, an errno value, FILE_E*, or PARDO_ENOMEM. */
static int read_file(struct worker *w, const char *path, uint64_t *bytes)
{
    struct stat before, after;
    int err = 0;
    int fd = open_file(path, &err);
    if (fd < 0)
        return err;
    if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        err = errno ? errno : FILE_ENOTREG;
        goto out;
    }
    *bytes = (uint64_t)before.st_size;
    /* One byte more than the size, so that a file that grew fills it. */
    size_t want = (size_t)before.st_size + 1;
    if (raw_reserve(w, want) != 0) {
        err = PARDO_ENOMEM;
        goto out;
    }
    size_t got = 0;
    while (got < want) {
        ssize_t n = read(fd, w->raw + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    w->raw_len = got;
    if (fstat(fd, &after) != 0)
        err = errno;
    else if (got != (size_t)before.st_size || after.st_size != before.st_size)
        err = FILE_ECHANGED;
out:
    close(fd);
    return err;
}

static int stage_read(void *arg, const void *in_, void *out_)
{
    struct run *r = arg;
    const struct item_in *in = in_;
    struct item_out *out = out_;
    struct worker *w = worker_get(r);
    memset(out, 0, sizeof *out);
    if (!w)
        return PARDO_ENOMEM;
    if (in->err) {
        out->err = in->err;
        return 0;
    }
    int err = read_file(w, in->path, &out->bytes);
    if (err == PARDO_ENOMEM)
        return err;
    if (err == 0 && text_is_binary(w->raw, w->raw_len))
        err = FILE_EBINARY;
    out->err = err;
    return 0;
}

static int stage_clean(void *arg, const void *in, void *out_)
{
    (void)in;
    struct run *r = arg;
    struct item_out *out = out_;
    if (out->err)
        return 0;
    struct worker *w = this_worker;
    return text_clean(&w->scratch, w->raw, w->raw_len, r->o->encoding,
                      r->o->keep_boilerplate, &w->clean);
}

static int stage_process(void *arg, const void *in, void *out_)
{
    (void)in;
    struct run *r = arg;
    struct item_out *out = out_;
    if (out->err)
        return 0;
    int rc = r->cmd->process(r, this_worker);
    if (rc == 0 && r->pack_words)
        rc = words_pack(this_worker->words, this_worker->st.words, &out->words);
    return rc;
}

/* The record (a worker's) goes back in a block of its own. */
static int stage_output(void *arg, const void *in_, void *out_)
{
    struct run *r = arg;
    const struct item_in *in = in_;
    struct item_out *out = out_;
    struct worker *w = this_worker;
    if (out->err)
        return 0;
    w->rec.len = 0;
    if (r->cmd->format)
        r->cmd->format(r, w, in, out);
    if (w->rec.oom) {
        w->rec.oom = 0;
        return PARDO_ENOMEM;
    }
    if (w->rec.len) {
        if (!pardo_result_alloc((void **)&out->rec, w->rec.len))
            return PARDO_ENOMEM;
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
static void error_record(const struct run *r, struct ebuf *b, const struct job *j,
                         const char *why)
{
    struct rec rec;
    if (r->o->corpus_only)
        return;
    rec_begin(&rec, b, r->o->format);
    rec_str(&rec, "path", j->path.data, j->path.len);
    if (r->o->format != FMT_JSONL) {                /* empty columns */
        size_t n = r->o->cmd == CMD_WORDS ? 3 : r->ncols - 2;
        for (size_t i = 0; i < n; i++)
            rec_null(&rec, "");
    }
    rec_cstr(&rec, "error", why);
    rec_end(&rec);
}

/* The words for an item whose worker crashed, timed out or was stopped. */
static const char *failure_reason(const struct run *r, const pardo_failure *f, char *buf,
                                  size_t size)
{
    int n;
    if (f->status == PARDO_ETIMEDOUT)
        n = snprintf(buf, size, "timed out after %.1f s", r->o->timeout);
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
    int from_rank;              /* the rank that ran the result being taken */
    int stopped;                /* another rank was interrupted: as a signal here */
    int mpi_failed;             /* an MPI call failed: end with MPI_Abort */
    double stage_sums[2 * MAX_STAGES];  /* --profile over MPI: items, then seconds */
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

/* The pardo_next_fn: the next path, as a job and an item_in. */
static int next_file(void *gen, void *item)
{
    struct engine *e = gen;
    struct item_in *in = item;
    if (interrupted(e) || e->out_err)
        return 0;
    struct job *j = job_take(e);
    if (!j)
        return PARDO_ENOMEM;
    int err = 0, rc = 1;
    if (e->next_first < e->run.n_first) {
        const char *p = e->run.first_paths[e->next_first++];
        ebuf_set(&j->path, p, strlen(p));
        if (j->path.oom)
            rc = PARDO_ENOMEM;
    } else {
        rc = walk_next(e->walk, &j->path, &err);
    }
    if (rc != 1) {
        job_give(e, j);
        return rc;
    }
    j->seq = e->seq++;
    in->job = j;
    in->err = err;
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

static void warn(void *ctx, const char *path, const char *msg)
{
    struct engine *e = ctx;
    progress_clear(&e->prog);
    fprintf(stderr, "pardo: %s: %s\n", path, msg);
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
    int fd = open_file(e->in.path, &here);
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

/* One file's result: its record, or its error record and a line on
 * stderr.  0 or an output error. */
static int take_one(struct engine *e, struct job *j, struct item_out *out, int status,
                    const pardo_failure *f)
{
    struct run *r = &e->run;
    char buf[512];
    const char *why = NULL;
    int rc = 0;
    if (status != 0)
        why = failure_reason(r, f, buf, sizeof buf);
    else if (out->err)
        why = where(e, out->err, buf, sizeof buf);
    if (r->cmd->take) {
        rc = r->cmd->take(r, j, why ? NULL : out, why);
        if (rc)
            return rc;
        if (why) {
            progress_clear(&e->prog);
            fprintf(stderr, "pardo: %s: %s\n", j->path.data, why);
        }
    } else if (why) {
        progress_clear(&e->prog);
        fprintf(stderr, "pardo: %s: %s\n", j->path.data, why);
        e->errbuf.len = 0;
        error_record(r, &e->errbuf, j, why);
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
    size_t total = walk_done(e->walk) ? walk_count(e->walk) : census_total(e->census);
    if (total || walk_done(e->walk))
        total += r->n_first;
    progress_file(&e->prog, why ? 0 : out->bytes, why != NULL, total);
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
    while (rc == 0 && !interrupted(e)) {
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
    } else if (rc == 0 && !output_temp_path(e->out)) {
        output_flush(e->out);       /* interrupted: the whole records so far */
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
    if (lead) {
        signals_install(NULL, output_temp_path(e->out));
        signals_set_output(e->out);
        walk_on_block(e->walk, flush_before_block, e);
        walk_skip(e->walk, output_temp_path(e->out));
    }
    signals_block(1);               /* only the main thread takes them */
    if (lead && e->prog.bar)
        e->census = census_start(o, output_temp_path(e->out));
    /* -j 1 runs in the main thread (over MPI, rank 0's helper thread),
     * unless the files must be isolated or timed, which needs a worker. */
    if (workers > 1 || o->isolate || o->timeout > 0) {
        pardo_options po = { .workers = workers, .timeout = o->timeout,
                             .backend = o->isolate ? PARDO_PROCESSES : PARDO_THREADS };
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
        fprintf(stderr, "pardo: %s\n", pardo_strerror(rc));
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
    int workers = pardo_cpu_count(o->jobs);
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
