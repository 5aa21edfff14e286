/*
 * root.c - rank 0: pulls inputs, hands out batches sized to each rank's
 * speed, and returns the results.
 *
 * DESIGN
 * Everything here runs in the caller's thread, the only one that makes MPI
 * calls, from pardo__mpi_root_take (pardo_mpi_iter_next).  Each call returns
 * the next result if one is there; otherwise it makes progress: receive
 * RESULTs (MPI_Improbe/MPI_Mrecv, any rank), collect rank 0's own finished
 * batches, and, when that finished no batch that could be returned now, hand
 * out new batches (pulling inputs may block: a path list read from a pipe);
 * and when none of that did anything, it waits a little (backoff).  While results are being returned from a batch,
 * it still makes progress every PROGRESS_EVERY results, so that ranks are
 * fed while the caller consumes a large batch.
 *
 * Handing out.  Every rank, rank 0 included (as peer 0), keeps
 * PARDO_MPI_OUTSTANDING batches while inputs last: when a result comes back,
 * the next batch goes out at once and the rank meanwhile runs the one it
 * already has.
 *
 * Sizing.  Each rank reports how long each batch took; rank 0 fits
 * time = fixed + k * per_item to a rank's recent batches (least squares,
 * older batches weighing less), since a batch has a fixed cost too: a
 * process pool forks its workers for every batch, which takes ~1 ms here
 * but can take more than a whole batch's time in a large process (or under
 * a sanitizer), and then sizing from the mean time per item alone would
 * keep batches at one item forever.  The next batch aims at batch_seconds,
 * or at 4 times the fixed cost when that is more (so that it is at most a
 * fifth of the time), and is at most 16 times the last measured batch (a
 * first, one-item batch is mostly overhead), at most the byte and item
 * caps, and, for a map, at most a 1/(2 * ranks) share of what is left, so
 * the last items spread.  While all the measured batches have one size,
 * the fit cannot tell fixed cost from item cost; one-item batches then try
 * two items now and then, to find out.  Other ranks are served before rank
 * 0, whose own batches can wait.
 *
 * Rank 0's own batches.  With MPI_THREAD_FUNNELED or more, a helper thread
 * runs them (it makes no MPI call) from a queue guarded by `lock`; finished
 * ones come back on another queue, and `nld` lets the caller's thread see
 * that without taking the lock.  Otherwise the caller's thread runs one
 * whenever it would wait, aiming at half the batch time to stay responsive.
 *
 * Memory.  At most PARDO_MPI_WINDOW_PER_RANK * ranks batches are alive
 * (pulled and not yet returned, the one being returned included); a batch
 * is its WORK message (which holds the inputs that pardo_mpi_iter_next
 * copies back) and its RESULT message.  Finished batches are kept for reuse
 * and freed at the end.  Ordered: batches are returned in the order handed
 * out (`order`), so a slow batch holds the others back but never makes the
 * window grow; unordered: as they finish (`done`).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define PROGRESS_EVERY 256      /* results returned between two looks at MPI */
#define GROWTH 16               /* a batch is at most this times the last measured one */

struct batch {
    struct batch *next_all;     /* every batch made, for the final free */
    struct batch *next;         /* in a peer's `out`, `lq`, `ld`, `done` or `spare` */
    struct batch *next_order;   /* in `order` (ordered mode) */
    uint64_t id;
    size_t seq;                 /* index of its first input */
    uint32_t n;
    int rank;
    int done;
    int run_rc;                 /* rank 0's own: pardo__mpi_run_batch's return */
    MPI_Request req;            /* the WORK send (other ranks) */
    struct pardo__mpi_buf work; /* WORK message: header, then the inputs */
    struct pardo__mpi_buf res;  /* RESULT message */
    struct pardo__mpi_view v;
    uint32_t at;                /* next item to return */
    uint32_t fail_at;           /* its failure record, if any, is at or after this */
    size_t byte_at;             /* codec: where its encoding starts */
};

struct queue {
    struct batch *head, *tail;
};

struct peer {
    struct queue out;           /* batches sent, oldest first (other ranks) */
    int nout;                   /* batches handed out and not back */
    double w, k, t, kk, kt;     /* decayed sums over its batches: k items, t ns */
    uint32_t measured;          /* size of the batch last measured; 0: none yet */
};

struct pardo__mpi_root {
    pardo_next_fn *next;
    void *gen;
    int flags;
    double batch_ns;
    size_t total;               /* inputs, if known (a map); else SIZE_MAX */
    size_t pulled;              /* inputs taken from the generator */
    int gen_end;                /* 0, 1 (no more) or the generator's error */
    int err;                    /* PARDO_ENOMEM / PARDO_ESYS: end after the drain */
    int fatal;                  /* MPI failed: end now, without a drain */
    int cancelled;              /* saw pardo_cancel(pool) */
    int closing;                /* pardo_mpi_iter_free before the end */
    uint64_t next_id;
    uint32_t cap;               /* items per batch at most: batch_max and the byte cap */
    struct peer *peers;         /* [size]; [0] is rank 0 itself */
    size_t alive, alive_max;
    struct queue order;         /* ordered: alive batches, as handed out */
    struct queue done;          /* unordered: finished batches, as they finished */
    struct batch *cur;          /* being returned */
    struct batch *spare;        /* finished with, for reuse */
    struct batch *all;
    unsigned since_progress;

    int threaded;               /* a helper thread runs rank 0's batches */
    int thread_started;
    pthread_t thread;
    pthread_mutex_t lock;       /* guards lq (when threaded), ld, stop */
    pthread_cond_t work_cv;     /* lq got a batch, or stop */
    pthread_cond_t done_cv;     /* ld got a batch */
    struct queue lq;            /* rank 0's batches to run */
    struct queue ld;            /* rank 0's batches run */
    int stop;
    atomic_int nld;             /* batches in ld */
};

static void q_push(struct queue *q, struct batch *b)
{
    b->next = NULL;
    if (q->tail)
        q->tail->next = b;
    else
        q->head = b;
    q->tail = b;
}

static struct batch *q_pop(struct queue *q)
{
    struct batch *b = q->head;
    if (b && !(q->head = b->next))
        q->tail = NULL;
    return b;
}

static void o_push(struct queue *q, struct batch *b)
{
    b->next_order = NULL;
    if (q->tail)
        q->tail->next_order = b;
    else
        q->head = b;
    q->tail = b;
}

static struct batch *o_pop(struct queue *q)
{
    struct batch *b = q->head;
    if (b && !(q->head = b->next_order))
        q->tail = NULL;
    return b;
}

/* ---- handing out ------------------------------------------------------------ */

static int can_pull(pardo_mpi_iter *it)
{
    struct pardo__mpi_root *r = it->root;
    if (!r->cancelled && it->run.pool && pardo_cancelled(it->run.pool))
        r->cancelled = 1;
    return !r->gen_end && !r->err && !r->fatal && !r->cancelled && !r->closing;
}

static void peer_measure(struct peer *pe, uint32_t n, double ns)
{
    const double keep = 0.75;   /* weight of the past: ~4 batches count */
    double k = n;
    pe->w = keep * pe->w + 1;
    pe->k = keep * pe->k + k;
    pe->t = keep * pe->t + ns;
    pe->kk = keep * pe->kk + k * k;
    pe->kt = keep * pe->kt + k * ns;
    pe->measured = n;
}

/* The fit of time = fixed + k * per_item (ns) to the peer's batches.
 * Returns 1 when their sizes differed enough to tell the two apart; else
 * (or when the fit makes no sense, noise) all the time is put on the
 * items. */
static int peer_model(const struct peer *pe, double *fixed, double *per_item)
{
    double mk = pe->k / pe->w, mt = pe->t / pe->w;
    double var = pe->kk / pe->w - mk * mk;
    int spread = var > 0.01 * mk * mk;
    *fixed = 0;
    *per_item = pe->kt / pe->kk;
    if (spread) {
        double t = (pe->kt / pe->w - mk * mt) / var, f = mt - t * mk;
        if (t > 0 && f > 0) {
            *fixed = f;
            *per_item = t;
        }
    }
    if (*per_item < 1)
        *per_item = 1;
    return spread;
}

static uint32_t batch_size(const pardo_mpi_iter *it, int p)
{
    const struct pardo__mpi_root *r = it->root;
    const struct peer *pe = &r->peers[p];
    double k = r->cap;
    if (r->total != SIZE_MAX) {
        size_t share = (r->total - r->pulled) / (2 * (size_t)it->size);
        if ((double)share < k)
            k = share ? (double)share : 1;
    }
    if (!pe->measured)
        return 1;
    double fixed, per_item;
    int spread = peer_model(pe, &fixed, &per_item);
    double target = p == 0 && !r->threaded ? r->batch_ns / 2 : r->batch_ns;
    if (target < 4 * fixed)
        target = 4 * fixed;
    double want = (target - fixed) / per_item;
    if (want < 2 && !spread)
        want = 2;               /* one item each: is it the item or the batch? */
    if (want > (double)pe->measured * GROWTH)
        want = (double)pe->measured * GROWTH;
    if (want < k)
        k = want < 1 ? 1 : want;
    return (uint32_t)k;
}

static struct batch *new_batch(struct pardo__mpi_root *r)
{
    struct batch *b = r->spare;
    if (b) {
        r->spare = b->next;
        return b;
    }
    b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->req = MPI_REQUEST_NULL;
    b->next_all = r->all;
    r->all = b;
    return b;
}

/* A batch of up to batch_size inputs for peer p; NULL when the generator
 * gave none (or out of memory: r->err). */
static struct batch *make_batch(pardo_mpi_iter *it, int p)
{
    struct pardo__mpi_root *r = it->root;
    size_t in_size = it->run.in_size;
    uint32_t k = batch_size(it, p);
    struct batch *b = new_batch(r);
    if (!b || pardo__mpi_buf_reserve(&b->work, sizeof(struct pardo__mpi_work) +
                                                (size_t)k * in_size) != PARDO_OK) {
        if (b) {
            b->next = r->spare;
            r->spare = b;
        }
        r->err = PARDO_ENOMEM;
        return NULL;
    }
    char *in = b->work.p + sizeof(struct pardo__mpi_work);
    uint32_t n = 0;
    while (n < k) {
        int rc = r->next(r->gen, in + (size_t)n * in_size);
        if (rc != 1) {
            r->gen_end = rc < 0 ? rc : 1;
            break;
        }
        n++;
    }
    if (n == 0) {
        b->next = r->spare;
        r->spare = b;
        return NULL;
    }
    struct pardo__mpi_work h = { .id = r->next_id++, .n = n };
    memcpy(b->work.p, &h, sizeof h);
    b->work.len = sizeof h + (size_t)n * in_size;
    b->id = h.id;
    b->seq = r->pulled;
    r->pulled += n;
    b->n = n;
    b->rank = p;
    b->done = 0;
    b->run_rc = PARDO_OK;
    b->req = MPI_REQUEST_NULL;
    b->at = b->fail_at = 0;
    b->byte_at = 0;
    return b;
}

static void hand_out(pardo_mpi_iter *it, int p, struct batch *b)
{
    struct pardo__mpi_root *r = it->root;
    if (p > 0) {
        if (MPI_Isend(b->work.p, (int)b->work.len, MPI_BYTE, p, PARDO__TAG_WORK, it->comm,
                      &b->req) != MPI_SUCCESS)
            r->fatal = PARDO_ESYS;
        q_push(&r->peers[p].out, b);
    } else if (r->threaded) {
        pthread_mutex_lock(&r->lock);
        q_push(&r->lq, b);
        pthread_cond_signal(&r->work_cv);
        pthread_mutex_unlock(&r->lock);
    } else {
        q_push(&r->lq, b);
    }
    r->peers[p].nout++;
    r->alive++;
    if (r->flags == PARDO_ORDERED)
        o_push(&r->order, b);
}

/* Tops every rank up to PARDO_MPI_OUTSTANDING batches, other ranks first. */
static int dispatch(pardo_mpi_iter *it)
{
    struct pardo__mpi_root *r = it->root;
    int did = 0;
    for (int i = 1; i <= it->size; i++) {
        int p = i % it->size;
        while (r->peers[p].nout < PARDO_MPI_OUTSTANDING && r->alive < r->alive_max &&
               can_pull(it)) {
            struct batch *b = make_batch(it, p);
            if (!b)
                break;
            hand_out(it, p, b);
            did = 1;
        }
    }
    return did;
}

/* ---- taking results in -------------------------------------------------------- */

/* Batch b's RESULT is in b->res (or b->run_rc says why not). */
static void complete(pardo_mpi_iter *it, struct batch *b)
{
    struct pardo__mpi_root *r = it->root;
    struct peer *pe = &r->peers[b->rank];
    int rc = b->run_rc;
    if (rc != PARDO_OK)
        rc = pardo__mpi_failed_batch(&it->run, b->id, b->n, rc, &b->res);
    if (rc == PARDO_OK)
        rc = pardo__mpi_parse(b->res.p, b->res.len, b->n, it->run.codec != NULL,
                              it->run.out_size, &b->v);
    if (rc == PARDO_OK && b->v.h->id != b->id)
        rc = PARDO_ESYS;
    if (rc != PARDO_OK) {
        r->err = rc;
        b->n = 0;               /* its items are lost; the run ends with rc */
    } else {
        peer_measure(pe, b->n, (double)b->v.h->ns);
        if (b->v.h->nfail)
            it->failed = 1;
    }
    pe->nout--;
    b->done = 1;
    if (r->flags == PARDO_UNORDERED)
        q_push(&r->done, b);
}

static int receive(pardo_mpi_iter *it)
{
    struct pardo__mpi_root *r = it->root;
    int did = 0;
    while (!r->fatal) {
        MPI_Message m;
        MPI_Status st;
        int flag = 0, count = 0;
        if (MPI_Improbe(MPI_ANY_SOURCE, PARDO__TAG_RESULT, it->comm, &flag, &m, &st) !=
            MPI_SUCCESS) {
            r->fatal = PARDO_ESYS;
            break;
        }
        if (!flag)
            break;
        MPI_Get_count(&st, MPI_BYTE, &count);
        int p = st.MPI_SOURCE;
        struct batch *b = p > 0 && p < it->size ? q_pop(&r->peers[p].out) : NULL;
        if (!b) {
            r->fatal = PARDO_ESYS;
            break;
        }
        if (pardo__mpi_buf_reserve(&b->res, count > 0 ? (size_t)count : 1) != PARDO_OK) {
            r->fatal = PARDO_ENOMEM;    /* the message cannot be taken in */
            break;
        }
        if (MPI_Mrecv(b->res.p, count, MPI_BYTE, &m, MPI_STATUS_IGNORE) != MPI_SUCCESS ||
            MPI_Wait(&b->req, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            r->fatal = PARDO_ESYS;
            break;
        }
        b->res.len = (size_t)count;
        complete(it, b);
        did = 1;
    }
    return did;
}

static int collect_local(pardo_mpi_iter *it)
{
    struct pardo__mpi_root *r = it->root;
    if (!r->threaded || atomic_load_explicit(&r->nld, memory_order_acquire) == 0)
        return 0;
    pthread_mutex_lock(&r->lock);
    struct queue q = r->ld;
    r->ld = (struct queue){ NULL, NULL };
    atomic_store(&r->nld, 0);
    pthread_mutex_unlock(&r->lock);
    struct batch *b;
    while ((b = q_pop(&q)))
        complete(it, b);
    return 1;
}

/* 1 when a finished batch waits to be returned. */
static int result_ready(const struct pardo__mpi_root *r)
{
    if (r->flags == PARDO_UNORDERED)
        return r->done.head != NULL;
    return r->order.head && r->order.head->done;
}

/* Takes in what came back, then hands out more, unless a finished batch
 * waits to be returned: the generator may block (a path list read from a
 * pipe), and a finished result should not wait for it, as in
 * pardo_iter_next.  Every rank still has its second batch to run. */
static int progress(pardo_mpi_iter *it)
{
    int did = receive(it);
    did |= collect_local(it);
    if (!result_ready(it->root))
        did |= dispatch(it);
    return did;
}

/* ---- rank 0's own batches -------------------------------------------------------- */

static void run_local(pardo_mpi_iter *it, struct batch *b)
{
    b->run_rc = pardo__mpi_run_batch(&it->run, b->id, b->work.p + sizeof(struct pardo__mpi_work),
                                     b->n, &b->res);
}

static void *local_main(void *arg)
{
    pardo_mpi_iter *it = arg;
    struct pardo__mpi_root *r = it->root;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stop && !r->lq.head)
            pthread_cond_wait(&r->work_cv, &r->lock);
        if (r->stop)
            break;
        struct batch *b = q_pop(&r->lq);
        pthread_mutex_unlock(&r->lock);
        run_local(it, b);
        pthread_mutex_lock(&r->lock);
        q_push(&r->ld, b);
        atomic_fetch_add_explicit(&r->nld, 1, memory_order_release);
        pthread_cond_signal(&r->done_cv);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* The longest wait for a message: from the shortest mean batch time of
 * the ranks that have batches out; a rank not measured yet counts as 0. */
static unsigned wait_cap_us(const pardo_mpi_iter *it)
{
    double ns = -1;
    for (int p = 0; p < it->size; p++) {
        const struct peer *pe = &it->root->peers[p];
        if (pe->nout == 0)
            continue;
        double mean = pe->measured && pe->w > 0 ? pe->t / pe->w : 0;
        if (ns < 0 || mean < ns)
            ns = mean;
    }
    return pardo__mpi_wait_cap_us(ns);
}

static int remote_out(const pardo_mpi_iter *it)
{
    for (int p = 1; p < it->size; p++)
        if (it->root->peers[p].nout > 0)
            return 1;
    return 0;
}

/* Nothing to do: run one of rank 0's batches (inline mode), or wait a little
 * for a message or for the helper thread. */
static void wait_a_little(pardo_mpi_iter *it, unsigned *idle)
{
    struct pardo__mpi_root *r = it->root;
    if (!r->threaded) {
        struct batch *b = q_pop(&r->lq);
        if (b) {
            run_local(it, b);
            complete(it, b);
            *idle = 0;
            return;
        }
        pardo__mpi_sleep_us(pardo__mpi_backoff_us(idle, wait_cap_us(it)));
        return;
    }
    /* Without batches at other ranks, only the helper can end the wait;
     * the 50 ms bound is for pardo_cancel, which cannot signal. */
    unsigned us = remote_out(it) ? pardo__mpi_backoff_us(idle, wait_cap_us(it)) : 50000;
    if (us == 0) {
        sched_yield();
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)us * 1000;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    pthread_mutex_lock(&r->lock);
    if (atomic_load(&r->nld) == 0)
        pthread_cond_timedwait(&r->done_cv, &r->lock, &ts);
    pthread_mutex_unlock(&r->lock);
}

/* ---- returning results ------------------------------------------------------------ */

static void fill(const pardo_mpi_iter *it, struct batch *b, struct pardo__mpi_item *item)
{
    uint32_t i = b->at++;
    const struct pardo__mpi_view *v = &b->v;
    item->in = b->work.p + sizeof(struct pardo__mpi_work) + (size_t)i * it->run.in_size;
    item->status = v->status[i];
    item->index = b->seq + i;
    item->rank = b->rank;
    item->bytes = NULL;
    item->len = 0;
    if (v->len) {
        if (item->status == 0) {
            item->bytes = v->bytes + b->byte_at;
            item->len = v->len[i];
        }
        b->byte_at += v->len[i];
    } else if (item->status == 0) {
        item->bytes = v->bytes + (size_t)i * it->run.out_size;
        item->len = it->run.out_size;
    }
    while (b->fail_at < v->h->nfail && v->fail[b->fail_at].index < i)
        b->fail_at++;
    item->fail = b->fail_at < v->h->nfail && v->fail[b->fail_at].index == i
                     ? &v->fail[b->fail_at] : NULL;
}

static struct batch *next_finished(struct pardo__mpi_root *r)
{
    if (r->flags == PARDO_UNORDERED)
        return q_pop(&r->done);
    if (r->order.head && r->order.head->done)
        return o_pop(&r->order);
    return NULL;
}

static int end_rc(const struct pardo__mpi_root *r)
{
    if (r->fatal)
        return r->fatal;
    if (r->err)
        return r->err;
    if (r->cancelled || r->closing)
        return PARDO_ECANCELED;
    return r->gen_end < 0 ? r->gen_end : 0;
}

/* Tells every rank that the run is over, and what rank 0 returns. */
static int finish(pardo_mpi_iter *it, int rc)
{
    struct pardo__mpi_end e = { rc, it->failed };
    for (int p = 1; p < it->size && !it->root->fatal; p++)
        if (MPI_Send(&e, sizeof e, MPI_BYTE, p, PARDO__TAG_END, it->comm) != MPI_SUCCESS)
            rc = PARDO_ESYS;
    it->ended = 1;
    it->rc = rc;
    return rc;
}

int pardo__mpi_root_take(pardo_mpi_iter *it, struct pardo__mpi_item *item)
{
    struct pardo__mpi_root *r = it->root;
    unsigned idle = 0;
    for (;;) {
        struct batch *b = r->cur;
        if (b && b->at < b->n) {
            fill(it, b, item);
            if (++r->since_progress >= PROGRESS_EVERY) {
                r->since_progress = 0;
                progress(it);
            }
            return 1;
        }
        if (b) {
            r->cur = NULL;
            r->alive--;
            b->next = r->spare;
            r->spare = b;
        }
        if ((r->cur = next_finished(r)))
            continue;
        if (r->fatal || (r->alive == 0 && !can_pull(it)))
            return finish(it, end_rc(r));
        r->since_progress = 0;
        if (progress(it))
            idle = 0;
        else if (r->alive > 0 || can_pull(it))
            wait_a_little(it, &idle);
        /* else the generator has just ended with nothing out: the end, at
         * the top, not after a wait_a_little of 50 ms */
    }
}

/* ---- start and end ------------------------------------------------------------------- */

int pardo__mpi_root_new(pardo_mpi_iter *it, pardo_next_fn *next, void *gen,
                        const pardo_mpi_options *opt, size_t total)
{
    struct pardo__mpi_root *r = calloc(1, sizeof *r);
    if (!r)
        return PARDO_ENOMEM;
    r->peers = calloc((size_t)it->size, sizeof *r->peers);
    if (!r->peers) {
        free(r);
        return PARDO_ENOMEM;
    }
    it->root = r;
    r->next = next;
    r->gen = gen;
    r->flags = opt ? opt->flags : PARDO_ORDERED;
    r->batch_ns = 1e9 * (opt && opt->batch_seconds > 0 ? opt->batch_seconds
                                                        : PARDO_MPI_BATCH_SECONDS);
    r->total = total;
    size_t per = it->run.in_size + it->run.out_size;
    size_t most = opt && opt->batch_max ? opt->batch_max : PARDO_MPI_BATCH_MAX;
    size_t cap = per ? PARDO_MPI_BATCH_BYTES / per : most;
    if (most > PARDO_MPI_BATCH_MAX)
        most = PARDO_MPI_BATCH_MAX;
    r->cap = cap < 1 ? 1 : cap > most ? (uint32_t)most : (uint32_t)cap;
    r->alive_max = (size_t)PARDO_MPI_WINDOW_PER_RANK * (size_t)it->size;
    atomic_init(&r->nld, 0);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->work_cv, &ca);
    pthread_cond_init(&r->done_cv, &ca);
    pthread_condattr_destroy(&ca);

    int provided = MPI_THREAD_SINGLE;
    MPI_Query_thread(&provided);
    r->threaded = provided >= MPI_THREAD_FUNNELED;
    if (r->threaded) {
        r->thread_started = pthread_create(&r->thread, NULL, local_main, it) == 0;
        r->threaded = r->thread_started;    /* else run them inline */
    }
    return PARDO_OK;
}

void pardo__mpi_root_free(pardo_mpi_iter *it)
{
    struct pardo__mpi_root *r = it->root;
    if (!r)
        return;
    if (!it->ended) {
        /* Early end: every batch out at another rank must come back before
         * END, or its rank would wait forever to send the result. */
        unsigned idle = 0;
        r->closing = 1;
        while (!r->fatal && remote_out(it)) {
            if (receive(it))
                idle = 0;
            else
                pardo__mpi_sleep_us(pardo__mpi_backoff_us(&idle, wait_cap_us(it)));
        }
        finish(it, end_rc(r));
    }
    if (r->thread_started) {
        pthread_mutex_lock(&r->lock);
        r->stop = 1;
        pthread_cond_signal(&r->work_cv);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->thread, NULL);
    }
    for (struct batch *b = r->all, *nb; b; b = nb) {
        nb = b->next_all;
        if (b->req != MPI_REQUEST_NULL)
            continue;           /* MPI may still read it (after a failure only) */
        free(b->work.p);
        free(b->res.p);
        free(b);
    }
    pthread_cond_destroy(&r->done_cv);
    pthread_cond_destroy(&r->work_cv);
    pthread_mutex_destroy(&r->lock);
    free(r->peers);
    free(r);
    it->root = NULL;
}
