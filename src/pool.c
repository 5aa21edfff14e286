/*
 * pool.c - worker threads and the job list.
 *
 * DESIGN
 * Workers sleep on work_cv until some job in the list has work, take the
 * first such job (so jobs are served in the order they started), and run
 * it through its ops with the pool lock held; the job drops the lock while
 * an item runs.  A worker leaving a job wakes everyone on done_cv: that is
 * how a map call or an iterator learns that items ended.
 *
 * Cancellation must work from a signal handler, which may not take a lock
 * or signal a condition variable, so pardo_cancel() only stores an atomic
 * flag.  Jobs read it before handing out an item, and waiters wake every
 * 50 ms to look at it (pardo__wait_done).
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

uint64_t pardo__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct pardo__job *first_with_work(pardo_pool *pool)
{
    for (struct pardo__job *j = pool->jobs; j; j = j->next)
        if (j->ops->has_work(j))
            return j;
    return NULL;
}

static void *worker_main(void *p)
{
    pardo_pool *pool = p;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        struct pardo__job *job = first_with_work(pool);
        if (!job) {
            if (pool->shutdown)
                break;
            pthread_cond_wait(&pool->work_cv, &pool->lock);
            continue;
        }
        job->refs++;
        job->ops->work(job);
        job->refs--;
        pthread_cond_broadcast(&pool->done_cv);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

void pardo__job_add(pardo_pool *pool, struct pardo__job *job)
{
    struct pardo__job **tail = &pool->jobs;
    while (*tail)
        tail = &(*tail)->next;
    job->next = NULL;
    job->refs = 0;
    *tail = job;
    pthread_cond_broadcast(&pool->work_cv);
}

void pardo__job_remove(pardo_pool *pool, struct pardo__job *job)
{
    for (struct pardo__job **p = &pool->jobs; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            return;
        }
}

void pardo__wait_done(pardo_pool *pool)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&pool->done_cv, &pool->lock, &ts);
}

static void pool_stop(pardo_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->shutdown = 1;
    pthread_cond_broadcast(&pool->work_cv);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        pthread_join(pool->threads[i], NULL);
}

static void pool_destroy(pardo_pool *pool)
{
    pthread_cond_destroy(&pool->done_cv);
    pthread_cond_destroy(&pool->work_cv);
    pthread_mutex_destroy(&pool->lock);
    free(pool->failures);
    free(pool->threads);
    free(pool);
}

static int pool_open(pardo_pool **out, const pardo_options *opt)
{
    pardo_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return PARDO_ENOMEM;
    pool->backend = opt->backend;
    pool->timeout = opt->timeout;
    pool->max_items = opt->max_items;
    pool->max_rss = opt->max_rss;
    pool->window = opt->window ? opt->window : PARDO_WINDOW_PER_WORKER;
    pool->workers = pardo_cpu_count(opt->workers);
    pool->threads = calloc((size_t)pool->workers, sizeof *pool->threads);
    atomic_init(&pool->cancelled, 0);
    if (!pool->threads) {
        free(pool);
        return PARDO_ENOMEM;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work_cv, NULL);
    pthread_cond_init(&pool->done_cv, NULL);
    /* A process pool forks its workers per job (proc.c); no threads here. */
    for (int i = 0; pool->backend == PARDO_THREADS && i < pool->workers; i++) {
        int rc = pthread_create(&pool->threads[i], NULL, worker_main, pool);
        if (rc != 0) {
            pool_stop(pool);
            pool_destroy(pool);
            errno = rc;
            return rc == ENOMEM ? PARDO_ENOMEM : PARDO_ESYS;
        }
        pool->started++;
    }
    *out = pool;
    return PARDO_OK;
}

int pardo_pool_open(pardo_pool **pool, const pardo_options *opt)
{
    pardo_options def = {0};
    if (!pool)
        return PARDO_EINVAL;
    *pool = NULL;
    if (!opt)
        opt = &def;
    if ((opt->backend != PARDO_THREADS && opt->backend != PARDO_PROCESSES) ||
        !(opt->timeout >= 0))
        return PARDO_EINVAL;
    return pool_open(pool, opt);
}

pardo_pool *pardo_pool_new(int workers)
{
    pardo_pool *pool;
    pardo_options opt = { .workers = workers };
    return pool_open(&pool, &opt) == PARDO_OK ? pool : NULL;
}

void pardo__record_failure(pardo_pool *pool, size_t index, const pardo_failure *f)
{
    pthread_mutex_lock(&pool->lock);
    if (pool->nfailures == pool->capfailures) {
        size_t cap = pool->capfailures ? 2 * pool->capfailures : 16;
        void *p = realloc(pool->failures, cap * sizeof *pool->failures);
        if (!p) {               /* the status still says what happened */
            pthread_mutex_unlock(&pool->lock);
            return;
        }
        pool->failures = p;
        pool->capfailures = cap;
    }
    pool->failures[pool->nfailures++] = (struct pardo__failure_rec){ index, *f };
    pthread_mutex_unlock(&pool->lock);
}

int pardo_map_error(const pardo_pool *pool, size_t i, pardo_failure *f)
{
    if (!pool)
        return PARDO_EINVAL;
    for (size_t k = 0; k < pool->nfailures; k++)
        if (pool->failures[k].index == i) {
            if (f)
                *f = pool->failures[k].f;
            return PARDO_OK;
        }
    return PARDO_EINVAL;
}

int pardo_pool_workers(const pardo_pool *pool)
{
    return pool ? pool->workers : 1;
}

void pardo_pool_free(pardo_pool *pool)
{
    if (!pool)
        return;
    pool_stop(pool);
    pool_destroy(pool);
}

int pardo_cancel(pardo_pool *pool)
{
    if (!pool)
        return PARDO_EINVAL;
    atomic_store(&pool->cancelled, 1);
    return PARDO_OK;
}

int pardo_cancelled(const pardo_pool *pool)
{
    return pool ? atomic_load(&pool->cancelled) : 0;
}

void pardo_cancel_clear(pardo_pool *pool)
{
    if (pool)
        atomic_store(&pool->cancelled, 0);
}
