/*
 * iter.c - pardo_imap: a lazy map over a generator.
 *
 * DESIGN
 * The iterator owns a window of W slots (W = the pool's window per worker,
 * by default PARDO_WINDOW_PER_WORKER, times its workers, at least 2), each
 * with room for one input and one result.  A slot is FREE, QUEUED (input pulled, waiting for a worker), RUNNING or DONE
 * (result waiting to be taken).  The generator is called only from
 * pardo_iter_next, in the caller's thread and without the pool lock, and only
 * into a FREE slot: so at most W inputs are ever pulled and not yet
 * returned, whatever the input's length, and a slow item holds one slot
 * without making the window grow.
 *
 * Three small rings of slot numbers keep the order: `queue` (QUEUED slots in
 * input order, for the workers), `order` (every slot in use, in input order,
 * for PARDO_ORDERED) and `done` (DONE slots in completion order, for
 * PARDO_UNORDERED).  All iterator state is guarded by the pool lock; items
 * run without it.
 *
 * Ordered, the caller is woken for results in bursts (wanted()): a wake
 * per result cost two switches of threads per item on cores the workers
 * need (over 697 files of 128 KiB, `pardo count -j 2` switched 1450
 * times with a window of 4 per worker and a wake per result, 290 with
 * bursts and a window of 8), while a finished oldest result wakes the
 * caller once WAKE_AFTER_NS have passed since it last took one.
 *
 * With pool == NULL there are no workers: pardo_iter_next pulls one input,
 * runs it and returns it.  With a process pool there are no worker
 * threads either: the slots are handed to proc.c, which runs them in worker
 * processes, and pardo_iter_next drives it (pardo__proc_pump) where a thread
 * pool would wait on a condition variable.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
    int state;
    int status;
    char *in, *out;
    pardo_failure fail;         /* when the item crashed or timed out */
    struct pardo__blocks blocks;/* its result's pardo_result_alloc blocks
                                   (thread pools), until it is taken */
};

struct ring {                   /* FIFO of slot numbers, capacity W */
    int *v;
    size_t head, len;
};

struct pardo_iter {
    struct pardo__job job;      /* first: the pool sees only this */
    pardo_pool *pool;
    pardo_fn *fn;
    void *arg;
    pardo_next_fn *next;
    void *gen;
    size_t in_size, out_size;
    int flags;
    size_t w;                   /* window size */
    struct slot *slots;
    struct ring free, queue, order, done;
    int gen_end;                /* 0 running, 1 exhausted, < 0 its error */
    int closing;                /* pardo_iter_free: hand out nothing more */
    char *buf;                  /* every slot's in and out */
    struct pardo__proc *proc;   /* process pool: the workers */
    pardo_failure last;         /* of the result last returned */
    uint64_t taken_ns;          /* when the caller last took a result (pool lock) */
};

static void ring_push(struct ring *r, size_t cap, int v)
{
    r->v[(r->head + r->len++) % cap] = v;
}

static int ring_pop(struct ring *r, size_t cap)
{
    int v = r->v[r->head];
    r->head = (r->head + 1) % cap;
    r->len--;
    return v;
}

static int iter_has_work(struct pardo__job *job)
{
    struct pardo_iter *it = (struct pardo_iter *)job;
    return it->queue.len > 0 && !it->closing && !atomic_load(&it->pool->cancelled);
}

/* Whether to wake the caller now that an item is DONE.  Unordered: for
 * any.  Ordered: only once the oldest item is done, and then only when the
 * wake pays for itself (it costs two switches of threads on a core that a
 * worker needs, ~10 us here): half the window done in a row from the
 * oldest, or the workers down to one queued item each (the caller refills
 * the queue as it takes results), or no input left to pull, or WAKE_AFTER
 * since the caller last took a result, so that results of slow items are
 * not held back.  Other completions wake nobody (take_slot also wakes
 * every 50 ms, and a cancel or pardo_iter_free wakes on the worker leaving
 * the job). */
#define WAKE_AFTER_NS 2000000u

static int wanted(const struct pardo_iter *it)
{
    if (it->flags == PARDO_UNORDERED || it->closing || atomic_load(&it->pool->cancelled))
        return 1;
    size_t head = it->order.head;
    if (it->slots[it->order.v[head]].state != SLOT_DONE)
        return 0;
    if (it->gen_end || it->queue.len <= (size_t)it->pool->workers)
        return 1;
    size_t run = 1;
    while (run < it->order.len && it->slots[it->order.v[(head + run) % it->w]].state == SLOT_DONE)
        run++;
    return run >= it->w / 2 || pardo__now_ns() - it->taken_ns >= WAKE_AFTER_NS;
}

static void iter_work(struct pardo__job *job)
{
    struct pardo_iter *it = (struct pardo_iter *)job;
    uint64_t timeout_ns = (uint64_t)(it->pool->timeout * 1e9);
    while (iter_has_work(job)) {
        struct slot *s = &it->slots[ring_pop(&it->queue, it->w)];
        s->state = SLOT_RUNNING;
        memset(&s->fail, 0, sizeof s->fail);
        pthread_mutex_unlock(&it->pool->lock);
        pardo__cur_blocks = &s->blocks;
        int rc = timeout_ns ? pardo__run_timed(it->fn, it->arg, s->in, s->out, timeout_ns, &s->fail)
                            : it->fn(it->arg, s->in, s->out);
        pardo__cur_blocks = NULL;
        pthread_mutex_lock(&it->pool->lock);
        s->status = rc;
        s->state = SLOT_DONE;
        ring_push(&it->done, it->w, (int)(s - it->slots));
        if (wanted(it))
            pthread_cond_broadcast(&it->pool->done_cv);
    }
}

static const struct pardo__job_ops iter_ops = { iter_has_work, iter_work };

/* ---- the process engine's view of the slots (pool lock not needed: only
 * the caller's thread touches them in this mode) */

static size_t pi_take(void *job, size_t max, size_t *ids, const void **inputs)
{
    struct pardo_iter *it = job;
    size_t k = 0;
    /* Spread the window: a worker takes at most half of what waits. */
    size_t half = (it->queue.len + 1) / 2;
    if (max > half)
        max = half;
    while (k < max && it->queue.len > 0 && !it->closing) {
        int slot = ring_pop(&it->queue, it->w);
        it->slots[slot].state = SLOT_RUNNING;
        memset(&it->slots[slot].fail, 0, sizeof it->slots[slot].fail);
        ids[k] = (size_t)slot;
        inputs[k++] = it->slots[slot].in;
    }
    return k;
}

static void *pi_dest(void *job, size_t id)
{
    struct pardo_iter *it = job;
    return it->slots[id].out;
}

static void pi_finish(void *job, size_t id, int status, const pardo_failure *f)
{
    struct pardo_iter *it = job;
    struct slot *s = &it->slots[id];
    s->status = status;
    if (f)
        s->fail = *f;
    s->state = SLOT_DONE;
    ring_push(&it->done, it->w, (int)id);
}

static void pi_requeue(void *job, size_t id)
{
    struct pardo_iter *it = job;
    /* Back to the front: it was the oldest waiting. */
    it->queue.head = (it->queue.head + it->w - 1) % it->w;
    it->queue.v[it->queue.head] = (int)id;
    it->queue.len++;
    it->slots[id].state = SLOT_QUEUED;
}

static struct pardo__blocks *pi_blocks(void *job, size_t id)
{
    struct pardo_iter *it = job;
    return &it->slots[id].blocks;
}

static const struct pardo__proc_ops pi_ops = { pi_take, pi_dest, pi_finish, pi_requeue,
                                               pi_blocks };

int pardo_imap(pardo_iter **out, pardo_pool *pool, pardo_fn *fn, void *arg,
               pardo_next_fn *next, void *gen, size_t in_size, size_t out_size,
               int flags)
{
    if (!out || !fn || !next || (flags != PARDO_ORDERED && flags != PARDO_UNORDERED))
        return PARDO_EINVAL;
    *out = NULL;
    struct pardo_iter *it = calloc(1, sizeof *it);
    if (!it)
        return PARDO_ENOMEM;
    size_t w = (pool ? pool->window : 1) * (size_t)pardo_pool_workers(pool);
    it->w = pool ? (w < 2 ? 2 : w) : 1;
    it->pool = pool;
    it->fn = fn;
    it->arg = arg;
    it->next = next;
    it->gen = gen;
    it->in_size = in_size;
    it->out_size = out_size;
    it->flags = flags;
    it->job.ops = &iter_ops;
    it->slots = calloc(it->w, sizeof *it->slots);
    it->buf = calloc(it->w, in_size + out_size + 1);
    it->free.v = calloc(it->w, sizeof(int));
    it->queue.v = calloc(it->w, sizeof(int));
    it->order.v = calloc(it->w, sizeof(int));
    it->done.v = calloc(it->w, sizeof(int));
    if (!it->slots || !it->buf || !it->free.v || !it->queue.v || !it->order.v || !it->done.v) {
        pardo_iter_free(it);
        return PARDO_ENOMEM;
    }
    for (size_t i = 0; i < it->w; i++) {
        it->slots[i].in = it->buf + i * (in_size + out_size);
        it->slots[i].out = it->slots[i].in + in_size;
        ring_push(&it->free, it->w, (int)i);
    }
    if (pool && pool->backend == PARDO_PROCESSES) {
        int rc = pardo__proc_start(&it->proc, pool, fn, arg, in_size, out_size, 1, &pi_ops, it);
        if (rc != PARDO_OK) {
            pardo_iter_free(it);
            return rc;
        }
    } else if (pool) {
        pthread_mutex_lock(&pool->lock);
        pardo__job_add(pool, &it->job);
        pthread_mutex_unlock(&pool->lock);
    }
    *out = it;
    return PARDO_OK;
}

static int cancelled(const struct pardo_iter *it)
{
    return it->pool && atomic_load(&it->pool->cancelled);
}

/* Pulls inputs into every free slot.  Called with the pool lock held;
 * drops it around the generator, which may be slow (it may read a disk). */
static void fill_window(struct pardo_iter *it)
{
    while (it->free.len > 0 && it->gen_end == 0 && !cancelled(it)) {
        int k = ring_pop(&it->free, it->w);
        struct slot *s = &it->slots[k];
        pthread_mutex_unlock(&it->pool->lock);
        int rc = it->next(it->gen, s->in);
        pthread_mutex_lock(&it->pool->lock);
        if (rc != 1) {
            ring_push(&it->free, it->w, k);
            it->gen_end = rc < 0 ? rc : 1;
            break;
        }
        s->state = SLOT_QUEUED;
        ring_push(&it->queue, it->w, k);
        ring_push(&it->order, it->w, k);
        pthread_cond_signal(&it->pool->work_cv);
    }
}

/* 1 when pardo_iter_next can return a result without waiting. */
static int result_ready(const struct pardo_iter *it)
{
    if (it->flags == PARDO_UNORDERED)
        return it->done.len > 0;
    return it->order.len > 0 && it->slots[it->order.v[it->order.head]].state == SLOT_DONE;
}

/* The slot to return next, or -1 when none can come: waits while one is
 * running or queued (queued items are never started after a cancel, so a
 * cancel ends the wait).  Pool lock held. */
static int take_slot(struct pardo_iter *it)
{
    for (;;) {
        if (it->flags == PARDO_UNORDERED) {
            if (it->done.len > 0) {
                int k = ring_pop(&it->done, it->w);
                /* drop k from `order`, which unordered mode only counts */
                it->order.len--;
                return k;
            }
        } else if (it->order.len > 0) {
            int k = it->order.v[it->order.head];
            if (it->slots[k].state == SLOT_DONE) {
                ring_pop(&it->order, it->w);
                it->done.len--;     /* `done` only counts in ordered mode */
                return k;
            }
        }
        int running = (int)(it->order.len - it->queue.len - it->done.len);
        if (it->order.len == 0 || (cancelled(it) && running == 0))
            return -1;
        if (it->proc) {
            pthread_mutex_unlock(&it->pool->lock);
            int rc = pardo__proc_pump(it->proc, 1);
            pthread_mutex_lock(&it->pool->lock);
            if (rc < 0)
                return -2;      /* no worker can be started */
        } else {
            pardo__wait_done(it->pool);
        }
    }
}

static void copy_result(const struct pardo_iter *it, const struct slot *s,
                        void *in, void *out, int *status)
{
    if (in && it->in_size)
        memcpy(in, s->in, it->in_size);
    if (out && it->out_size)
        memcpy(out, s->out, it->out_size);
    if (status)
        *status = s->status;
}

static int next_sequential(struct pardo_iter *it, void *in, void *out, int *status)
{
    struct slot *s = &it->slots[0];
    if (it->gen_end)
        return it->gen_end < 0 ? it->gen_end : 0;
    int rc = it->next(it->gen, s->in);
    if (rc != 1) {
        it->gen_end = rc < 0 ? rc : 1;
        return rc < 0 ? rc : 0;
    }
    memset(&it->last, 0, sizeof it->last);
    s->status = it->fn(it->arg, s->in, s->out);
    it->last.status = s->status;
    copy_result(it, s, in, out, status);
    return 1;
}

int pardo_iter_error(const pardo_iter *it, pardo_failure *f)
{
    if (!it)
        return PARDO_EINVAL;
    if (f)
        *f = it->last;
    return it->last.status;
}

int pardo_iter_next(pardo_iter *it, void *in, void *out, int *status)
{
    if (!it)
        return PARDO_EINVAL;
    if (!it->pool)
        return next_sequential(it, in, out, status);

    pthread_mutex_lock(&it->pool->lock);
    /* A result that is ready goes out first: the generator may block (a
     * path list read from a pipe), and a finished result should not wait
     * for it.  Otherwise refill the window, then wait. */
    if (it->proc) {
        pthread_mutex_unlock(&it->pool->lock);
        pardo__proc_pump(it->proc, 0);
        pthread_mutex_lock(&it->pool->lock);
    }
    if (!result_ready(it)) {
        fill_window(it);
        if (it->proc) {         /* hand the new inputs out at once */
            pthread_mutex_unlock(&it->pool->lock);
            pardo__proc_pump(it->proc, 0);
            pthread_mutex_lock(&it->pool->lock);
        }
    }
    int k = take_slot(it);
    int rc;
    if (k >= 0) {
        struct slot *s = &it->slots[k];
        copy_result(it, s, in, out, status);
        s->blocks.n = 0;        /* the caller owns them now */
        it->last = s->fail;
        it->last.status = s->status;
        s->state = SLOT_FREE;
        ring_push(&it->free, it->w, k);
        it->taken_ns = pardo__now_ns();
        rc = 1;
    } else if (k == -2) {
        rc = PARDO_ESYS;
    } else if (cancelled(it)) {
        rc = PARDO_ECANCELED;
    } else {
        rc = it->gen_end < 0 ? it->gen_end : 0;
    }
    pthread_mutex_unlock(&it->pool->lock);
    return rc;
}

void pardo_iter_free(pardo_iter *it)
{
    if (!it)
        return;
    if (it->proc) {
        pardo__proc_stop(it->proc);
    } else if (it->pool && it->slots) {
        pthread_mutex_lock(&it->pool->lock);
        it->closing = 1;
        /* Workers leave the job once no item is handed out; wait for them. */
        while (it->job.refs > 0)
            pardo__wait_done(it->pool);
        pardo__job_remove(it->pool, &it->job);
        pthread_mutex_unlock(&it->pool->lock);
    }
    /* Results never taken: their blocks are ours to free. */
    for (size_t i = 0; it->slots && i < it->w; i++) {
        if (it->slots[i].state == SLOT_DONE)
            pardo__blocks_free(&it->slots[i].blocks);
        free(it->slots[i].blocks.v);
    }
    free(it->done.v);
    free(it->order.v);
    free(it->queue.v);
    free(it->free.v);
    free(it->buf);
    free(it->slots);
    free(it);
}
