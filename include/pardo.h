/*
 * pardo.h - parallel map for C, as easy as map() to Pool.map().
 *
 * Sequential:   pardo_map(NULL, square, NULL, in, sizeof *in, out, sizeof *out, n, NULL);
 * Parallel:     pardo_pool *pool = pardo_pool_new(0);            // every CPU
 *               pardo_map(pool, square, NULL, in, sizeof *in, out, sizeof *out, n, NULL);
 *               pardo_pool_free(pool);
 *
 * The one argument that changes is the pool.  Everything else (results in
 * input order, per-item status, errors as return codes) is the same either way.
 *
 * Conventions.  Every fallible call returns PARDO_OK (0) or a negative
 * PARDO_E* code; pardo_strerror() gives the words.  The library never prints,
 * never exits and never aborts: out of memory is PARDO_ENOMEM.  Objects are
 * opaque handles made by a _new or _open call and released by the matching
 * _free, for which NULL is a no-op.
 *
 * Threads.  A pool may be shared by several threads: each pardo_map() call
 * and each iterator is one job, and the pool's workers serve the jobs in the
 * order they were started.  An item function must not start a map on the
 * pool that runs it (the pool's workers would wait on themselves).
 */
#ifndef PARDO_H
#define PARDO_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARDO_VERSION "0.1.0"

/* ---- types and errors ---------------------------------------------------- */

typedef struct pardo_pool pardo_pool;
typedef struct pardo_iter pardo_iter;
typedef struct pardo_pipeline pardo_pipeline;

enum {                      /* every fallible call returns 0 or one of these */
    PARDO_OK = 0,
    PARDO_ENOMEM = -1,      /* out of memory */
    PARDO_EINVAL = -2,      /* a bad argument */
    PARDO_ESYS = -3,        /* a system call failed (errno tells which) */
    PARDO_ECANCELED = -4,   /* pardo_cancel() was called */
    PARDO_EITEM = -5,       /* one or more items failed: see their status */
    PARDO_ECRASH = -6,      /* the item's worker process died */
    PARDO_ETIMEDOUT = -7    /* the item ran past its time limit */
};

/* A static string for any status, PARDO_* or an item's own return value. */
const char *pardo_strerror(int status);

/* After PARDO_ESYS: the system call that failed ("mmap", "fork", "pipe2")
 * in the calling thread, with its errno in *err (when err is not NULL).
 * NULL when no call failed in this thread. */
const char *pardo_failed_call(int *err);

/* One item: read *in, write *out; return 0 on success, any other int on
 * failure (it becomes the item's status).  `arg` is the caller's, shared by
 * every item: with a pool, fn runs in several threads at once. */
typedef int pardo_fn(void *arg, const void *in, void *out);

/* Produce the next input into *item (in_size bytes): 1 = produced,
 * 0 = no more, < 0 = error.  Called only from the thread that calls
 * pardo_iter_next(), never concurrently. */
typedef int pardo_next_fn(void *gen, void *item);

/* ---- pools --------------------------------------------------------------- */

/* How many workers a request for `workers` gives: `n > 0` is n; `0` is every
 * CPU this process may run on (its affinity mask, lowered to a cgroup CPU
 * quota where one is set), or PARDO_WORKERS from the environment when set;
 * `-k` is that many fewer than every CPU, at least 1. */
int pardo_cpu_count(int workers);

/* A pool of `workers` threads (see pardo_cpu_count).  NULL on failure. */
pardo_pool *pardo_pool_new(int workers);

enum { PARDO_THREADS = 0, PARDO_PROCESSES = 1 };

typedef struct pardo_options {
    int    workers;         /* as pardo_pool_new */
    int    backend;         /* PARDO_THREADS (0, default) or PARDO_PROCESSES */
    double timeout;         /* seconds per item; 0 = none */
    size_t max_items;       /* replace a worker after this many items; 0 = never */
    size_t max_rss;         /* replace a worker whose resident memory passes this; 0 = never */
    size_t window;          /* pardo_imap's items in flight per worker;
                               0 = PARDO_WINDOW_PER_WORKER */
} pardo_options;

/* A pool configured by opt (NULL = defaults, as pardo_pool_new(0)).
 * Returns 0 and sets *pool, or PARDO_EINVAL / PARDO_ENOMEM / PARDO_ESYS.
 *
 * PARDO_THREADS: workers are threads of this process.  A timeout cannot stop
 * a thread safely, so an item that runs past it finishes, and then its
 * status becomes PARDO_ETIMEDOUT (its result is to be ignored).  max_items
 * and max_rss do not apply.
 *
 * PARDO_PROCESSES: items run in forked worker processes, so an item that
 * crashes (a signal, _exit, an out-of-memory kill) fails alone with
 * PARDO_ECRASH, and one that runs past the timeout is killed and gets
 * PARDO_ETIMEDOUT; the worker is replaced and the run goes on.  No item is
 * lost or run twice, except that the one that crashed was run once (and
 * one whose result outgrew its worker's arena, below, runs again).
 *   - Workers are forked as the first batches of a map or an iterator go
 *     out, one per batch in flight (so never more workers than items), and
 *     when one is replaced, so the item function, its arg, a map's input
 *     array and anything else made before the map or iterator started are
 *     there in the worker as they were (keep them unchanged while it runs).
 *     They end when the map or iterator ends: nothing an item writes to
 *     ordinary memory comes back, except its result.
 *   - Transport: each worker has a shared-memory area (mapped before the
 *     fork, so at the same address in both processes) holding a small
 *     header per batch of items (their input pointers, statuses, the item
 *     running and since when), the results, and an arena for
 *     pardo_result_alloc(), sized to the job (tens of MB of address space
 *     per worker).  A block that does not fit the arena stops the worker
 *     before that item, which then runs again, whole, in a worker with an
 *     arena large enough (up to 1 GiB): only effects outside the process
 *     (files written) are seen twice.  A result comes
 *     back as its out_size bytes; a pointer in it is valid only if it points
 *     to memory from pardo_result_alloc() (see below).  An iterator's inputs
 *     are copied into the area by value: a pointer in an input must point to
 *     memory that existed when the worker was forked.  The parent and the
 *     worker signal each other through a pipe, once per batch.
 *   - A worker dies with its parent (PR_SET_PDEATHSIG); every worker is
 *     reaped, none outlives the job.  Workers ignore SIGINT, SIGTERM and
 *     SIGHUP: the parent decides (pardo_cancel, then pardo_iter_free or the
 *     end of the map, which kills what still runs after PARDO_CANCEL_GRACE
 *     seconds).
 *   - max_items and max_rss recycle a worker between items; an item whose
 *     worker passes 2 * max_rss while it runs is killed (PARDO_ECRASH,
 *     signal SIGKILL), as the kernel's out-of-memory killer would. */
int pardo_pool_open(pardo_pool **pool, const pardo_options *opt);

/* Seconds that running items get to finish after pardo_cancel() before a
 * process pool kills them. */
#define PARDO_CANCEL_GRACE 1.0

/* Memory for a variable-size result, which comes back whole from a worker
 * process: call it from an item function to allocate `size` bytes and store
 * the pointer in *field, where field is a pointer member of the item's out
 * (or of a block allocated so before for the same item).  With threads (or
 * no pool) it is malloc(); with processes the block is made in the worker's
 * shared arena and copied into a malloc'd block when the result is taken.
 * Either way the caller owns the blocks of a result it has taken (from
 * pardo_map or pardo_iter_next) and frees them with free(); the blocks of
 * a result that an iterator never returned (pardo_iter_free before the
 * end) are freed by the iterator.
 * Returns the block, or NULL (and *field = NULL) when out of memory. */
void *pardo_result_alloc(void **field, size_t size);

/* Why an item failed, beyond its status. */
typedef struct pardo_failure {
    int    status;          /* the item's status: PARDO_ECRASH, PARDO_ETIMEDOUT, ... */
    int    signal;          /* signal that ended its worker; 0 if none */
    double seconds;         /* how long the item had run */
    char   stage[32];       /* pipeline stage it was in ("" if not known) */
} pardo_failure;

/* The number of workers of a pool; 1 for NULL (the calling thread). */
int pardo_pool_workers(const pardo_pool *pool);

/* Waits for running items, stops the workers and frees the pool.  Every map
 * and iterator on it must have ended.  NULL is a no-op. */
void pardo_pool_free(pardo_pool *pool);

/* Stops handing out items: running items finish, the rest are not started,
 * and the map or iterator they belong to reports PARDO_ECANCELED.  The pool
 * stays cancelled (later maps return PARDO_ECANCELED at once) until
 * pardo_cancel_clear().  Async-signal-safe: may be called from a signal
 * handler or another thread.  Returns 0, or PARDO_EINVAL for NULL. */
int pardo_cancel(pardo_pool *pool);
int pardo_cancelled(const pardo_pool *pool);     /* 1 after pardo_cancel */
void pardo_cancel_clear(pardo_pool *pool);       /* make it usable again */

/* ---- map ----------------------------------------------------------------- */

/* For every i < n: fn(arg, in + i*in_size, out + i*out_size).
 * pool == NULL runs the items in the calling thread, in order; with a pool
 * they run on its workers while the caller waits.  Items are grouped into
 * batches whose size follows the measured item time (about 50 us of work per
 * batch), so that tiny items cost almost nothing and slow ones still spread
 * one at a time.  Every item is attempted even when some fail.
 * status (may be NULL) gets n return values; an item not run because of
 * pardo_cancel gets PARDO_ECANCELED.
 * Returns PARDO_OK, PARDO_EITEM when any item failed, PARDO_ECANCELED after
 * pardo_cancel, or PARDO_EINVAL / PARDO_ENOMEM. */
int pardo_map(pardo_pool *pool, pardo_fn *fn, void *arg,
              const void *in, size_t in_size, void *out, size_t out_size,
              size_t n, int *status);

/* Details of a failed item of the pool's last pardo_map call: 0 and *f
 * filled, or PARDO_EINVAL when item i did not fail (or no map ran). */
int pardo_map_error(const pardo_pool *pool, size_t i, pardo_failure *f);

/* ---- lazy iterator --------------------------------------------------------- */

enum { PARDO_ORDERED = 0, PARDO_UNORDERED = 1 };

/* The window: at most PARDO_WINDOW_PER_WORKER * workers items (at least 2)
 * are ever pulled from `next` and not yet returned by pardo_iter_next,
 * whatever the length of the input, so an endless generator is fine and one
 * slow item does not make the window grow.  A pool opened with
 * pardo_options.window uses that many per worker instead: very quick items
 * (microseconds) want a larger window, so that the workers and the caller
 * each sleep once per many items rather than once per few. */
#define PARDO_WINDOW_PER_WORKER 8

/* Starts a lazy map: inputs come from next(gen, item) only as results are
 * taken.  in_size/out_size are the sizes of one input and one result; the
 * iterator keeps its own copies.  flags: PARDO_ORDERED (results in input
 * order) or PARDO_UNORDERED (in completion order).  pool == NULL runs each
 * item in pardo_iter_next's thread.  Returns 0 and sets *it, or PARDO_EINVAL /
 * PARDO_ENOMEM. */
int pardo_imap(pardo_iter **it, pardo_pool *pool, pardo_fn *fn, void *arg,
               pardo_next_fn *next, void *gen, size_t in_size, size_t out_size,
               int flags);

/* Takes the next result: copies the item's input into *in and its result
 * into *out (either may be NULL) and its fn return value into *status (may be
 * NULL).  Returns 1 with a result, 0 at the end, or < 0: PARDO_ECANCELED once
 * the results finished before pardo_cancel have been taken, or the
 * generator's own negative return value once the results of the inputs it
 * produced have been taken. */
int pardo_iter_next(pardo_iter *it, void *in, void *out, int *status);

/* Details of the result last returned by pardo_iter_next: fills *f and
 * returns its status (0 for a success, with an empty failure). */
int pardo_iter_error(const pardo_iter *it, pardo_failure *f);

/* Ends an iterator early or at its end: waits for its running items and
 * drops the rest.  NULL is a no-op. */
void pardo_iter_free(pardo_iter *it);

/* ---- pipelines of named stages ---------------------------------------------- */

/* A pipeline runs named stages one after another as one item function, and
 * keeps per-stage times so that the user sees where the time goes:
 *
 *   pardo_pipeline *pl = pardo_pipeline_new();
 *   pardo_pipeline_add(pl, "read", read_file, NULL);
 *   pardo_pipeline_add(pl, "process", count_words, NULL);
 *   pardo_map(pool, pardo_pipeline_fn, pl, in, ..., n, status);
 *   pardo_pipeline_report(pl, stderr);
 *
 * Stages share the item's in and out; the first stage to return non-zero
 * stops the item, and that value is the item's status.  Times are kept in
 * per-thread shards, so stages on different workers share no lock. */
pardo_pipeline *pardo_pipeline_new(void);                    /* NULL on ENOMEM */
/* Appends a stage; the name is copied.  0, PARDO_EINVAL or PARDO_ENOMEM. */
int  pardo_pipeline_add(pardo_pipeline *pl, const char *name, pardo_fn *stage, void *arg);
/* A pardo_fn: pass the pipeline as its arg. */
int  pardo_pipeline_fn(void *pl, const void *in, void *out);
/* Prints one line per stage: items, total seconds, mean, share of the time. */
void pardo_pipeline_report(const pardo_pipeline *pl, FILE *to);
void pardo_pipeline_free(pardo_pipeline *pl);

/* Per-stage totals, for programs that print their own report. */
int    pardo_pipeline_stages(const pardo_pipeline *pl);
const char *pardo_pipeline_stage_name(const pardo_pipeline *pl, int stage);
void   pardo_pipeline_stage_time(const pardo_pipeline *pl, int stage,
                                 unsigned long long *items, double *seconds);

/* The name of the pipeline stage running in the calling thread, or NULL
 * outside a pipeline.  For error messages. */
const char *pardo_pipeline_current_stage(void);

#ifdef __cplusplus
}
#endif
#endif
