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

struct pardo_pool {
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

/* Monotonic clock in nanoseconds. */
uint64_t pardo__now_ns(void);

#endif
