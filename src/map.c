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

#include "internal.h"

#define BATCH_NS 50000u

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
    for (size_t i = lo; i < hi; i++, in += in_size, out += out_size) {
        int rc = fn(arg, in, out);
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
