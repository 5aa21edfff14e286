/*
 * internal.h - what the parts of libpardo share.  Not installed.
 *
 * DESIGN
 * A pool is a set of worker threads and a list of jobs.  A job is anything
 * that hands out work: a pardo_map() call or an iterator.  Workers take the
 * first job that has work, call its work() with the pool lock held, and
 * work() drops the lock while items run.  The job keeps a count of the
 * workers inside it (refs); whoever waits for a job to end waits for
 * refs == 0 on the pool's done condition.  Keeping "what to run" (the job)
 * apart from "who runs it" (the workers) is what lets other backends
 * (processes, MPI ranks) sit behind the same map and iterator.
 */
#ifndef PARDO_INTERNAL_H
#define PARDO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pardo.h"

struct pardo__job;

struct pardo__job_ops {
    /* 1 when the job has an item to hand out.  Called with the pool lock. */
    int  (*has_work)(struct pardo__job *job);
    /* Runs items while has_work; called and returns with the pool lock
     * held, and drops it while an item runs. */
    void (*work)(struct pardo__job *job);
};

struct pardo__job {
    const struct pardo__job_ops *ops;
    struct pardo__job *next;        /* in the pool's list */
    int refs;                       /* workers inside work(); pool lock */
};

struct pardo__failure_rec {    /* a failed item of the last map */
    size_t index;
    pardo_failure f;
};

struct pardo_pool {
    int backend;                    /* PARDO_THREADS or PARDO_PROCESSES */
    double timeout;                 /* seconds per item; 0 = none */
    size_t max_items, max_rss;      /* process workers' recycling */
    size_t window;                  /* pardo_imap's items per worker */
    struct pardo__failure_rec *failures;   /* of the last map; pool lock */
    size_t nfailures, capfailures;
    pthread_mutex_t lock;
    pthread_cond_t  work_cv;        /* a job was added or got work */
    pthread_cond_t  done_cv;        /* a worker left a job, an item ended */
    struct pardo__job *jobs;        /* FIFO: first started, first served */
    pthread_t *threads;
    int workers;
    int started;                    /* threads actually running */
    int shutdown;                   /* pool lock */
    atomic_int cancelled;           /* lock-free: set from signal handlers */
};

void pardo__job_add(pardo_pool *pool, struct pardo__job *job);
void pardo__job_remove(pardo_pool *pool, struct pardo__job *job);
/* Waits on done_cv, waking at least every 50 ms so that a cancel from a
 * signal handler (which cannot signal a condition variable) is seen. */
void pardo__wait_done(pardo_pool *pool);

/* Monotonic clock in nanoseconds (the same clock in every process). */
uint64_t pardo__now_ns(void);

/* Records a failed map item (pool lock NOT held; takes it). */
void pardo__record_failure(pardo_pool *pool, size_t index, const pardo_failure *f);

/* Runs one item with the pool's timeout (thread backend): an item that
 * overran gets PARDO_ETIMEDOUT, and *f says in which stage. */
int pardo__run_timed(pardo_fn *fn, void *arg, const void *in, void *out,
                     uint64_t timeout_ns, pardo_failure *f);

/* Blocks from pardo_result_alloc for one item in a thread pool's iterator:
 * freed by the iterator if the result is never taken. */
struct pardo__blocks {
    void **v;
    size_t n, cap;
};
/* Where the calling thread's pardo_result_alloc records its blocks; NULL
 * when nobody needs to know (a map, whose results are always taken). */
extern _Thread_local struct pardo__blocks *pardo__cur_blocks;
/* Frees the blocks and empties the list. */
void pardo__blocks_free(struct pardo__blocks *b);

/* ---- pipeline hooks --------------------------------------------------- */
/* Called by pardo_pipeline_fn as each stage starts (name) and ends (NULL). */
void pardo__stage_enter(const char *name);
/* The stage during which the calling thread's item deadline passed. */
extern _Thread_local uint64_t pardo__item_deadline;
extern _Thread_local char pardo__overrun_stage[32];

/* Notes that system call `call` (a static string) failed, with errno, for
 * pardo_failed_call() in this thread.  error.c. */
void pardo__sys_failed(const char *call);

/* ---- process backend (proc.c) ----------------------------------------- */

struct pardo__proc;

/* What a map or an iterator tells the process engine. */
struct pardo__proc_ops {
    /* Up to max items for an idle worker: their ids and input pointers.
     * Returns how many (0: none now). */
    size_t (*take)(void *job, size_t max, size_t *ids, const void **inputs);
    /* Where item id's result goes (out_size bytes). */
    void  *(*dest)(void *job, size_t id);
    /* Item id ended with status; f is NULL unless it crashed, timed out or
     * was killed. */
    void   (*finish)(void *job, size_t id, int status, const pardo_failure *f);
    /* Item id was not run (its worker died first): hand it out again. */
    void   (*requeue)(void *job, size_t id);
    /* Where to note the result blocks copied for item id (freed if the
     * result is never taken), or NULL. */
    struct pardo__blocks *(*blocks)(void *job, size_t id);
};

/* Starts the workers for one job.  copy_inputs: inputs are copied into the
 * worker's area (an iterator's); otherwise the worker reads them where they
 * are, in memory it inherited (a map's input array). */
int  pardo__proc_start(struct pardo__proc **p, pardo_pool *pool, pardo_fn *fn, void *arg,
                       size_t in_size, size_t out_size, int copy_inputs,
                       const struct pardo__proc_ops *ops, void *job);
/* Hands out work to idle workers, then (block: until something happens)
 * takes in what ended.  Returns the number of busy workers afterwards. */
int  pardo__proc_pump(struct pardo__proc *p, int block);
/* Kills and reaps every worker, frees p.  NULL is a no-op. */
void pardo__proc_stop(struct pardo__proc *p);

#endif
