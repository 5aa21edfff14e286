/*
 * map.c - pardo_map: a fixed array of items over a pool.
 *
 * DESIGN
 * The items are handed out in batches by an atomic counter, so claiming
 * work takes no lock.  Each worker sizes its own batches from what it
 * measures: it starts with one item, doubles the batch while a batch takes
 * less than BATCH_NS, halves it when a batch takes more than 4 * BATCH_NS,
 * and never takes more than a 1/(2 * workers) share of what is left, so the
 * last items still spread over every worker.  10 million x*x items thus
 * run in batches of ~10^5, and 10 ms items one at a time.
 *
 * The caller does not run items: it waits until every item has been
 * claimed (or the pool was cancelled) and no worker is inside the job, so
 * that the job, which lives on the caller's stack, can go.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BATCH_NS 50000u          /* ~50 us of work per batch */

_Thread_local uint64_t pardo__item_deadline;
_Thread_local char pardo__overrun_stage[32];

int pardo__run_timed(pardo_fn *fn, void *arg, const void *in, void *out,
                     uint64_t timeout_ns, pardo_failure *f)
{
    uint64_t t0 = pardo__now_ns();
    pardo__item_deadline = t0 + timeout_ns;
    pardo__overrun_stage[0] = '\0';
    int rc = fn(arg, in, out);
    uint64_t dt = pardo__now_ns() - t0;
    pardo__item_deadline = 0;
    if (dt <= timeout_ns)
        return rc;
    memset(f, 0, sizeof *f);
    f->status = PARDO_ETIMEDOUT;
    f->seconds = (double)dt / 1e9;
    memcpy(f->stage, pardo__overrun_stage, sizeof f->stage);
    return PARDO_ETIMEDOUT;
}

struct map_job {
    struct pardo__job job;      /* first: the pool sees only this */
    pardo_pool *pool;
    pardo_fn *fn;
    void *arg;
    const char *in;
    char *out;
    size_t in_size, out_size, n;
    int *status;
    atomic_size_t next;         /* first unclaimed index */
    atomic_int failed;          /* any item returned non-zero */
};

static int map_has_work(struct pardo__job *job)
{
    struct map_job *m = (struct map_job *)job;
    return atomic_load_explicit(&m->next, memory_order_relaxed) < m->n &&
           !atomic_load_explicit(&m->pool->cancelled, memory_order_relaxed);
}

/* Runs items [lo, hi).  The job's fields are copied to locals first: the
 * item function could write anywhere, so the compiler would otherwise
 * reload them for every item. */
static void run_batch(struct map_job *m, size_t lo, size_t hi)
{
    pardo_fn *fn = m->fn;
    void *arg = m->arg;
    const char *in = m->in + lo * m->in_size;
    char *out = m->out + lo * m->out_size;
    size_t in_size = m->in_size, out_size = m->out_size;
    int *status = m->status;
    int failed = 0;
    uint64_t timeout_ns = (uint64_t)(m->pool->timeout * 1e9);
    for (size_t i = lo; i < hi; i++, in += in_size, out += out_size) {
        int rc;
        if (timeout_ns) {
            pardo_failure f;
            rc = pardo__run_timed(fn, arg, in, out, timeout_ns, &f);
            if (rc == PARDO_ETIMEDOUT)
                pardo__record_failure(m->pool, i, &f);
        } else {
            rc = fn(arg, in, out);
        }
        if (status)
            status[i] = rc;
        failed |= rc != 0;
    }
    if (failed)
        atomic_store_explicit(&m->failed, 1, memory_order_relaxed);
}

static void map_work(struct pardo__job *job)
{
    struct map_job *m = (struct map_job *)job;
    size_t batch = 1;
    size_t share = 2 * (size_t)m->pool->workers;

    pthread_mutex_unlock(&m->pool->lock);
    for (;;) {
        if (atomic_load_explicit(&m->pool->cancelled, memory_order_relaxed))
            break;
        size_t lo = atomic_load_explicit(&m->next, memory_order_relaxed);
        if (lo >= m->n)
            break;
        size_t cap = (m->n - lo) / share;
        size_t want = batch < cap ? batch : (cap ? cap : 1);
        lo = atomic_fetch_add_explicit(&m->next, want, memory_order_relaxed);
        if (lo >= m->n)
            break;
        size_t hi = lo + want < m->n ? lo + want : m->n;
        uint64_t t0 = pardo__now_ns();
        run_batch(m, lo, hi);
        uint64_t dt = pardo__now_ns() - t0;
        if (dt < BATCH_NS && want == batch)
            batch *= 2;
        else if (dt > 4 * BATCH_NS && batch > 1)
            batch /= 2;
    }
    pthread_mutex_lock(&m->pool->lock);
}

static const struct pardo__job_ops map_ops = { map_has_work, map_work };

static int map_sequential(pardo_fn *fn, void *arg, const char *in, size_t in_size,
                          char *out, size_t out_size, size_t n, int *status)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++, in += in_size, out += out_size) {
        int rc = fn(arg, in, out);
        if (status)
            status[i] = rc;
        failed |= rc != 0;
    }
    return failed ? PARDO_EITEM : PARDO_OK;
}

/* ---- the process backend: the same map, driven from the caller's thread */

struct proc_map {
    const char *in;
    char *out;
    size_t in_size, out_size, n;
    int *status;
    size_t next;                /* first index never handed out */
    size_t *again;              /* indices to hand out again (a stack) */
    size_t nagain;
    size_t finished;
    int failed;
    pardo_pool *pool;
};

static size_t pm_take(void *job, size_t max, size_t *ids, const void **inputs)
{
    struct proc_map *m = job;
    size_t k = 0;
    while (k < max && m->nagain > 0)
        ids[k++] = m->again[--m->nagain];
    if (k == 0) {
        /* Leave some for the other workers, as map_work does. */
        size_t left = m->n - m->next, share = left / (2 * (size_t)m->pool->workers);
        if (max > share)
            max = share ? share : 1;
        while (k < max && m->next < m->n)
            ids[k++] = m->next++;
    }
    for (size_t j = 0; j < k; j++)
        inputs[j] = m->in + ids[j] * m->in_size;
    return k;
}

static void *pm_dest(void *job, size_t id)
{
    struct proc_map *m = job;
    return m->out + id * m->out_size;
}

static void pm_finish(void *job, size_t id, int status, const pardo_failure *f)
{
    struct proc_map *m = job;
    if (m->status)
        m->status[id] = status;
    if (f)
        pardo__record_failure(m->pool, id, f);
    m->failed |= status != 0;
    m->finished++;
}

static void pm_requeue(void *job, size_t id)
{
    struct proc_map *m = job;
    m->again[m->nagain++] = id;     /* never more than n are out at once */
}

static const struct pardo__proc_ops pm_ops = { pm_take, pm_dest, pm_finish, pm_requeue, NULL };

static int map_processes(pardo_pool *pool, pardo_fn *fn, void *arg, const char *in,
                         size_t in_size, char *out, size_t out_size, size_t n, int *status)
{
    struct proc_map m = { .in = in, .out = out, .in_size = in_size, .out_size = out_size,
                          .n = n, .status = status, .pool = pool };
    if (n == 0)
        return PARDO_OK;
    m.again = malloc(n * sizeof *m.again);
    if (!m.again)
        return PARDO_ENOMEM;
    struct pardo__proc *p;
    int rc = pardo__proc_start(&p, pool, fn, arg, in_size, out_size, 0, &pm_ops, &m);
    if (rc != PARDO_OK) {
        free(m.again);
        return rc;
    }
    for (;;) {
        int busy = pardo__proc_pump(p, 1);
        if (busy < 0) {
            rc = PARDO_ESYS;
            break;
        }
        if (m.finished == n || (busy == 0 && atomic_load(&pool->cancelled)))
            break;
    }
    pardo__proc_stop(p);
    if (m.finished < n) {
        /* Cancelled: whatever did not finish was not run. */
        if (status) {
            for (size_t i = m.next; i < n; i++)
                status[i] = PARDO_ECANCELED;
            for (size_t k = 0; k < m.nagain; k++)
                status[m.again[k]] = PARDO_ECANCELED;
        }
        if (rc == PARDO_OK)
            rc = PARDO_ECANCELED;
    } else if (rc == PARDO_OK && m.failed) {
        rc = PARDO_EITEM;
    }
    free(m.again);
    return rc;
}

int pardo_map(pardo_pool *pool, pardo_fn *fn, void *arg,
              const void *in, size_t in_size, void *out, size_t out_size,
              size_t n, int *status)
{
    static char none;   /* stands for a NULL in/out of size 0 */
    if (!fn || (n && ((!in && in_size) || (!out && out_size))))
        return PARDO_EINVAL;
    if (!in)
        in = &none;
    if (!out)
        out = &none;
    if (!pool)
        return map_sequential(fn, arg, in, in_size, out, out_size, n, status);
    pthread_mutex_lock(&pool->lock);
    pool->nfailures = 0;
    pthread_mutex_unlock(&pool->lock);
    if (atomic_load(&pool->cancelled)) {
        if (status)
            for (size_t i = 0; i < n; i++)
                status[i] = PARDO_ECANCELED;
        return PARDO_ECANCELED;
    }
    if (pool->backend == PARDO_PROCESSES)
        return map_processes(pool, fn, arg, in, in_size, out, out_size, n, status);

    struct map_job m = {
        .job.ops = &map_ops, .pool = pool, .fn = fn, .arg = arg,
        .in = in, .out = out, .in_size = in_size, .out_size = out_size,
        .n = n, .status = status,
    };
    atomic_init(&m.next, 0);
    atomic_init(&m.failed, 0);

    pthread_mutex_lock(&pool->lock);
    pardo__job_add(pool, &m.job);
    for (;;) {
        int claimed = atomic_load(&m.next) >= n;
        if ((claimed || atomic_load(&pool->cancelled)) && m.job.refs == 0)
            break;
        pardo__wait_done(pool);
    }
    pardo__job_remove(pool, &m.job);
    pthread_mutex_unlock(&pool->lock);

    size_t done = atomic_load(&m.next);
    if (done < n) {                     /* cancelled before every item ran */
        if (status)
            for (size_t i = done; i < n; i++)
                status[i] = PARDO_ECANCELED;
        return PARDO_ECANCELED;
    }
    return atomic_load(&m.failed) ? PARDO_EITEM : PARDO_OK;
}
