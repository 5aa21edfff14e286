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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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

static void worker_free(struct worker *w)
{
    free(w->raw);
    text_buf_free(&w->scratch);
    wordtab_free(w->words);
    wordtab_free(w->corpus);
    free(w->counts);
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

static struct job *item_job(const void *in)
{
    return *(struct job *const *)in;
}

/* Reads path into w->raw.  0, an errno value, FILE_E*, or PARDO_ENOMEM. */
static int read_file(struct worker *w, const char *path, uint64_t *bytes)
{
    struct stat before, after;
    if (stat(path, &before) != 0)
        return errno;
    if (S_ISDIR(before.st_mode))
        return EISDIR;
    if (!S_ISREG(before.st_mode))
        return FILE_ENOTREG;            /* never opened: a FIFO would block */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    int err = 0;
    if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        err = errno ? errno : FILE_ENOTREG;
        goto out;
    }
    *bytes = (uint64_t)before.st_size;
    /* One byte more than the size, so that a file that grew fills it. */
    size_t want = (size_t)before.st_size + 1;
    if (want > w->raw_cap) {
        unsigned char *p = realloc(w->raw, want);
        if (!p) {
            err = PARDO_ENOMEM;
            goto out;
        }
        w->raw = p;
        w->raw_cap = want;
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

static int stage_read(void *arg, const void *in, void *out)
{
    (void)out;
    struct run *r = arg;
    struct job *j = item_job(in);
    struct worker *w = worker_get(r);
    if (!w)
        return PARDO_ENOMEM;
    if (j->err)
        return 0;
    int err = read_file(w, j->path.data, &j->bytes);
    if (err == PARDO_ENOMEM)
        return err;
    if (err == 0 && text_is_binary(w->raw, w->raw_len))
        err = FILE_EBINARY;
    j->err = err;
    return 0;
}

static int stage_clean(void *arg, const void *in, void *out)
{
    (void)out;
    struct run *r = arg;
    struct job *j = item_job(in);
    if (j->err)
        return 0;
    struct worker *w = this_worker;
    return text_clean(&w->scratch, w->raw, w->raw_len, r->o->encoding,
                      r->o->keep_boilerplate, &w->clean);
}

static int stage_process(void *arg, const void *in, void *out)
{
    (void)out;
    struct run *r = arg;
    struct job *j = item_job(in);
    if (j->err)
        return 0;
    return r->cmd->process(r, this_worker, j);
}

static void error_record(const struct run *r, struct job *j)
{
    char buf[128];
    const char *why = cli_file_reason(j->err, buf, sizeof buf);
    struct rec rec;
    if (r->o->corpus_only)
        return;
    rec_begin(&rec, &j->rec, r->o->format);
    rec_str(&rec, "path", j->path.data, j->path.len);
    if (r->o->format != FMT_JSONL) {                /* empty columns */
        size_t n = r->o->cmd == CMD_WORDS ? 3 : r->ncols - 2;
        for (size_t i = 0; i < n; i++)
            rec_null(&rec, "");
    }
    rec_cstr(&rec, "error", why);
    rec_end(&rec);
}

static int stage_output(void *arg, const void *in, void *out)
{
    (void)out;
    struct run *r = arg;
    struct job *j = item_job(in);
    j->rec.len = 0;
    if (j->err)
        error_record(r, j);
    else
        r->cmd->format(r, this_worker, j);
    if (j->rec.oom) {
        j->rec.oom = 0;
        return PARDO_ENOMEM;
    }
    return 0;
}

/* ---- the main thread's side ------------------------------------------------------ */

struct engine {
    struct run run;
    struct walk *walk;
    struct output *out;
    struct progress prog;
    pardo_pool *pool;
    pardo_pipeline *pl;
    struct census *census;      /* counts ahead when a progress bar is drawn */
    struct job *free_jobs, *all_jobs;
    int out_err;                /* CLI_EPIPE / CLI_EWRITE from a flush in the walk */
    int out_errno;
};

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

/* The pardo_next_fn: the next path, as a job. */
static int next_file(void *gen, void *item)
{
    struct engine *e = gen;
    if (signals_caught() || e->out_err)
        return 0;
    struct job *j = job_take(e);
    if (!j)
        return PARDO_ENOMEM;
    int err;
    int rc = walk_next(e->walk, &j->path, &err);
    if (rc != 1) {
        job_give(e, j);
        return rc;
    }
    j->err = err;
    j->bytes = 0;
    j->rec.len = 0;
    *(struct job **)item = j;
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

static int setup(struct engine *e, const struct opts *o)
{
    struct run *r = &e->run;
    r->o = o;
    r->cmd = command_ops_for(o->cmd);
    pthread_mutex_init(&r->lock, NULL);
    if (o->cmd == CMD_COUNT) {
        int rc = text_terms_new(&r->terms, (const char *const *)o->terms, o->n_terms);
        if (rc)
            return rc;
    }
    const char **cols;
    size_t n;
    int rc = r->cmd->columns(r, &cols, &n);
    if (rc)
        return rc;
    r->cols = malloc((n + 2) * sizeof *r->cols);
    if (!r->cols) {
        free(cols);
        return PARDO_ENOMEM;
    }
    r->cols[0] = "path";
    memcpy(r->cols + 1, cols, n * sizeof *cols);
    r->cols[n + 1] = "error";
    r->ncols = n + 2;
    free(cols);

    e->pl = pardo_pipeline_new();
    if (!e->pl || pardo_pipeline_add(e->pl, "read", stage_read, r) ||
        pardo_pipeline_add(e->pl, "clean", stage_clean, r) ||
        pardo_pipeline_add(e->pl, "process", stage_process, r) ||
        pardo_pipeline_add(e->pl, "output", stage_output, r))
        return PARDO_ENOMEM;
    return walk_new(&e->walk, o, warn, e);
}

static void teardown(struct engine *e)
{
    struct run *r = &e->run;
    signals_install(NULL, NULL);    /* before the temp path goes */
    census_stop(e->census);
    output_free(e->out);
    pardo_pool_free(e->pool);
    pardo_pipeline_free(e->pl);
    walk_free(e->walk);
    for (struct job *j = e->all_jobs, *next; j; j = next) {
        next = j->next_all;
        ebuf_free(&j->path);
        ebuf_free(&j->rec);
        free(j);
    }
    for (struct worker *w = r->workers, *next; w; w = next) {
        next = w->next;
        worker_free(w);
    }
    text_terms_free(r->terms);
    free(r->cols);
    pthread_mutex_destroy(&r->lock);
}

/* The header row (CSV, TSV).  0 or an output error. */
static int write_header(struct engine *e)
{
    struct ebuf b = { 0 };
    const struct opts *o = e->run.o;
    if (o->format == FMT_JSONL)
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

/* Takes the results until the end, an interrupt, or an error that ends
 * the run.  Returns 0 or that error. */
static int take_results(struct engine *e, pardo_iter *it)
{
    for (;;) {
        struct job *j;
        int status;
        int rc = pardo_iter_next(it, &j, NULL, &status);
        if (e->out_err)
            return e->out_err;
        if (rc != 1)
            return rc == PARDO_ECANCELED ? 0 : rc;
        if (status != 0) {
            job_give(e, j);
            return status;
        }
        if (j->err) {
            char buf[128];
            progress_clear(&e->prog);
            fprintf(stderr, "pardo: %s: %s\n", j->path.data,
                    cli_file_reason(j->err, buf, sizeof buf));
        }
        rc = j->rec.len ? output_write(e->out, j->rec.data, j->rec.len) : 0;
        if (rc) {
            e->out_errno = errno;
            job_give(e, j);
            return rc;
        }
        progress_file(&e->prog, j->err ? 0 : j->bytes, j->err != 0,
                      walk_done(e->walk) ? walk_count(e->walk) : census_total(e->census));
        job_give(e, j);
        if (signals_caught())
            return 0;
    }
}

static int process_all(struct engine *e)
{
    const struct opts *o = e->run.o;
    pardo_iter *it;
    int rc = pardo_imap(&it, e->pool, pardo_pipeline_fn, e->pl, next_file, e,
                        sizeof(struct job *), 0, o->unordered ? PARDO_UNORDERED : PARDO_ORDERED);
    if (rc)
        return rc;
    rc = take_results(e, it);
    pardo_iter_free(it);
    if (rc == 0 && !signals_caught()) {
        struct ebuf b = { 0 };
        rc = command_finish(&e->run, &b);
        if (rc == 0 && b.len) {
            rc = output_write(e->out, b.data, b.len);
            e->out_errno = errno;
        }
        ebuf_free(&b);
    }
    if (rc == 0 && !signals_caught()) {
        rc = output_commit(e->out);
        e->out_errno = errno;
    } else if (rc == 0 && !output_temp_path(e->out)) {
        output_flush(e->out);       /* interrupted: the whole records so far */
    }
    return rc;
}

/* Opens the output and the pool with the signal handler in place. */
static int start(struct engine *e, int workers)
{
    const struct opts *o = e->run.o;
    int rc = signals_install(NULL, NULL);
    if (rc == 0)
        rc = output_open(&e->out, o->output);
    if (rc)
        return rc;
    signals_install(NULL, output_temp_path(e->out));
    walk_on_block(e->walk, flush_before_block, e);
    walk_skip(e->walk, output_temp_path(e->out));
    signals_block(1);               /* only the main thread takes them */
    if (e->prog.bar)
        e->census = census_start(o, output_temp_path(e->out));
    if (workers > 1)
        e->pool = pardo_pool_new(workers);
    signals_block(0);
    if (workers > 1 && !e->pool)
        return PARDO_ENOMEM;
    if (e->pool)
        signals_install(e->pool, output_temp_path(e->out));
    return write_header(e);
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

/* The message and the exit status for a run that ended with rc. */
static int report(struct engine *e, int rc)
{
    int caught = signals_caught();
    if (rc == CLI_EPIPE)
        return EXIT_ALL_OK;
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
        pardo_pipeline_report(e->pl, stderr);
    if (caught)
        return EXIT_INTERRUPTED;
    return e->prog.failed ? EXIT_SOME_FAILED : EXIT_ALL_OK;
}

int cli_run(const struct opts *o)
{
    struct engine e;
    memset(&e, 0, sizeof e);
    int workers = pardo_cpu_count(o->jobs);
    progress_init(&e.prog, o->quiet, workers);
    int rc = setup(&e, o);
    if (rc == 0)
        rc = start(&e, workers);
    if (rc == 0 && !signals_caught())
        rc = process_all(&e);
    int status = report(&e, rc);
    teardown(&e);
    if (o->debug_rss)
        debug_rss();
    return status;
}
