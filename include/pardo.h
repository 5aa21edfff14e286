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
} pardo_options;

/* A pool configured by opt (NULL = defaults, as pardo_pool_new(0)).
 * Returns 0 and sets *pool, or PARDO_EINVAL / PARDO_ENOMEM / PARDO_ESYS. */
int pardo_pool_open(pardo_pool **pool, const pardo_options *opt);

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

/* ---- lazy iterator --------------------------------------------------------- */

enum { PARDO_ORDERED = 0, PARDO_UNORDERED = 1 };

/* The window: at most PARDO_WINDOW_PER_WORKER * workers items (at least 2)
 * are ever pulled from `next` and not yet returned by pardo_iter_next,
 * whatever the length of the input, so an endless generator is fine and one
 * slow item does not make the window grow. */
#define PARDO_WINDOW_PER_WORKER 4

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
