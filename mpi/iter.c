/*
 * iter.c - the public calls: pardo_mpi_imap and its iterator, pardo_mpi_map,
 * the rank helpers.
 *
 * DESIGN
 * Starting is collective.  Every rank duplicates the communicator, so that
 * pardo's messages never meet the program's, and sets MPI_ERRORS_RETURN on
 * the duplicate, so that an MPI error is a PARDO_ESYS and not an abort.
 * Then one MPI_Allreduce makes the ranks agree: that each could start (a bad
 * argument or a failed allocation on any rank fails every rank, instead of
 * leaving the others waiting), and that in_size, out_size and the use of a
 * codec are the same everywhere, since the messages depend on them.
 *
 * After that a rank is either rank 0 (root.c: pardo_mpi_iter_next returns
 * results) or a server (serve.c: pardo_mpi_iter_next runs batches until END).
 * A map is the iterator in unordered mode over the input array, each result
 * put in its place by index, so that no batch waits for another.
 */
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

unsigned pardo__mpi_backoff_us(unsigned *idle, unsigned max_us)
{
    unsigned k = *idle;
    if (k < 64)
        (*idle)++;
    if (k < 8)
        return 0;
    k -= 8;
    unsigned us = k < 20 ? 2u << k : max_us;
    return us < max_us ? us : max_us;
}

unsigned pardo__mpi_wait_cap_us(double batch_ns)
{
    double us = batch_ns / 16 / 1000;
    if (!(us > BACKOFF_MIN_US))
        return BACKOFF_MIN_US;
    return us < BACKOFF_MAX_US ? (unsigned)us : BACKOFF_MAX_US;
}

void pardo__mpi_sleep_us(unsigned us)
{
    if (us == 0) {
        sched_yield();
        return;
    }
    struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

static int comm_usable(MPI_Comm comm)
{
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin && comm != MPI_COMM_NULL;
}

int pardo_mpi_rank(MPI_Comm comm)
{
    int r;
    if (!comm_usable(comm) || MPI_Comm_rank(comm, &r) != MPI_SUCCESS)
        return PARDO_EINVAL;
    return r;
}

int pardo_mpi_size(MPI_Comm comm)
{
    int s;
    if (!comm_usable(comm) || MPI_Comm_size(comm, &s) != MPI_SUCCESS)
        return PARDO_EINVAL;
    return s;
}

static int options_ok(const pardo_mpi_options *opt)
{
    if (!opt)
        return 1;
    if (opt->flags != PARDO_ORDERED && opt->flags != PARDO_UNORDERED)
        return 0;
    if (!(opt->batch_seconds >= 0) || isinf(opt->batch_seconds))
        return 0;
    return !opt->codec || (opt->codec->encode && opt->codec->decode);
}

/* 1 when every rank could start and agrees on the message layout. */
static int agree(MPI_Comm comm, int ok, size_t in_size, size_t out_size, int codec)
{
    uint64_t v[4] = { !ok, in_size, out_size, (uint64_t)codec };
    uint64_t a[8], m[8];
    for (int i = 0; i < 4; i++) {
        a[i] = v[i];
        a[4 + i] = ~v[i];       /* the max of ~v is ~(the min of v) */
    }
    if (MPI_Allreduce(a, m, 8, MPI_UINT64_T, MPI_MAX, comm) != MPI_SUCCESS)
        return 0;
    if (m[0])
        return 0;
    for (int i = 1; i < 4; i++)
        if (m[i] != ~m[4 + i])
            return 0;
    return 1;
}

static int start(pardo_mpi_iter **out, MPI_Comm comm, pardo_pool *pool, pardo_fn *fn,
                 void *arg, pardo_next_fn *next, void *gen, size_t in_size, size_t out_size,
                 const pardo_mpi_options *opt, size_t total, int rc)
{
    *out = NULL;
    int rank = pardo_mpi_rank(comm), size = pardo_mpi_size(comm);
    if (rank < 0 || size < 1)
        return PARDO_EINVAL;
    if (!fn || !options_ok(opt) || (rank == 0 && !next))
        rc = PARDO_EINVAL;
    pardo_mpi_iter *it = calloc(1, sizeof *it);
    if (!it && rc == PARDO_OK)
        rc = PARDO_ENOMEM;
    MPI_Comm dup;
    if (MPI_Comm_dup(comm, &dup) != MPI_SUCCESS) {
        free(it);
        return PARDO_ESYS;
    }
    MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
    const pardo_mpi_codec *codec = options_ok(opt) && opt ? opt->codec : NULL;
    if (it) {
        it->comm = dup;
        it->rank = rank;
        it->size = size;
        it->run = (struct pardo__mpi_runner){ .pool = pool, .fn = fn, .arg = arg,
                                              .in_size = in_size, .out_size = out_size,
                                              .codec = codec };
        if (rc == PARDO_OK && rank == 0)
            rc = pardo__mpi_root_new(it, next, gen, opt, total);
    }
    if (!agree(dup, rc == PARDO_OK, in_size, out_size, codec != NULL)) {
        if (it) {
            it->ended = 1;      /* nothing was handed out: no END to send */
            pardo__mpi_root_free(it);
            free(it);
        }
        MPI_Comm_free(&dup);
        return rc != PARDO_OK ? rc : PARDO_EINVAL;
    }
    *out = it;
    return PARDO_OK;
}

int pardo_mpi_imap(pardo_mpi_iter **it, MPI_Comm comm, pardo_pool *pool, pardo_fn *fn,
                   void *arg, pardo_next_fn *next, void *gen, size_t in_size, size_t out_size,
                   const pardo_mpi_options *opt)
{
    if (!it)
        return PARDO_EINVAL;
    return start(it, comm, pool, fn, arg, next, gen, in_size, out_size, opt, SIZE_MAX,
                 PARDO_OK);
}

/* Puts a status-0 item's result into out; returns its status (a codec's
 * decode may fail it). */
static int place(pardo_mpi_iter *it, const struct pardo__mpi_item *item, void *out)
{
    const pardo_mpi_codec *c = it->run.codec;
    int st = 0;
    if (c)
        st = c->decode(c->arg, item->bytes, item->len, out);
    else if (it->run.out_size)
        memcpy(out, item->bytes, it->run.out_size);
    if (st != 0)
        it->failed = 1;
    return st;
}

int pardo_mpi_iter_next(pardo_mpi_iter *it, void *in, void *out, int *status)
{
    if (!it)
        return PARDO_EINVAL;
    if (it->ended)
        return it->rc;
    if (it->rank != 0)
        return pardo__mpi_serve(it);
    struct pardo__mpi_item item;
    int rc = pardo__mpi_root_take(it, &item);
    if (rc != 1)
        return rc;
    int st = item.status;
    if (in && it->run.in_size)
        memcpy(in, item.in, it->run.in_size);
    if (out && st == 0)
        st = place(it, &item, out);
    if (out && st != 0 && it->run.out_size)
        memset(out, 0, it->run.out_size);
    if (status)
        *status = st;
    memset(&it->last, 0, sizeof it->last);
    it->last.status = st;
    if (item.fail) {
        it->last.signal = item.fail->signal;
        it->last.seconds = item.fail->seconds;
        memcpy(it->last.stage, item.fail->stage, sizeof it->last.stage);
        it->last.stage[sizeof it->last.stage - 1] = '\0';
    }
    it->last_index = item.index;
    it->last_rank = item.rank;
    return 1;
}

int pardo_mpi_iter_error(const pardo_mpi_iter *it, pardo_failure *f)
{
    if (!it)
        return PARDO_EINVAL;
    if (f)
        *f = it->last;
    return it->last.status;
}

size_t pardo_mpi_iter_index(const pardo_mpi_iter *it)
{
    return it ? it->last_index : 0;
}

int pardo_mpi_iter_rank(const pardo_mpi_iter *it)
{
    return it ? it->last_rank : PARDO_EINVAL;
}

void pardo_mpi_iter_free(pardo_mpi_iter *it)
{
    if (!it)
        return;
    if (it->rank == 0)
        pardo__mpi_root_free(it);
    else if (!it->ended)
        pardo__mpi_serve(it);
    pardo__mpi_runner_free(&it->run);
    MPI_Comm_free(&it->comm);
    free(it);
}

/* ---- map ------------------------------------------------------------------------ */

struct array_gen {
    const char *in;
    size_t in_size, n, i;
};

static int array_next(void *gen, void *item)
{
    struct array_gen *g = gen;
    if (g->i >= g->n)
        return 0;
    if (g->in_size)
        memcpy(item, g->in + g->i * g->in_size, g->in_size);
    g->i++;
    return 1;
}

static int map_root(pardo_mpi_iter *it, char *out, size_t n, int *status)
{
    size_t out_size = it->run.out_size;
    struct pardo__mpi_item item;
    int rc;
    if (status)
        for (size_t i = 0; i < n; i++)
            status[i] = PARDO_ECANCELED;    /* until its result comes */
    while ((rc = pardo__mpi_root_take(it, &item)) == 1) {
        char *o = out + item.index * out_size;
        int st = item.status;
        if (st == 0)
            st = place(it, &item, o);
        if (st != 0 && out_size)
            memset(o, 0, out_size);
        if (status)
            status[item.index] = st;
    }
    return rc;
}

int pardo_mpi_map(MPI_Comm comm, pardo_pool *pool, pardo_fn *fn, void *arg,
                  const void *in, size_t in_size, void *out, size_t out_size,
                  size_t n, int *status)
{
    static char none;   /* stands for a NULL in/out of size 0 */
    int rank = pardo_mpi_rank(comm);
    if (rank < 0)
        return rank;
    int bad = rank == 0 && n && ((!in && in_size) || (!out && out_size));
    struct array_gen g = { in ? in : &none, in_size, rank == 0 ? n : 0, 0 };
    pardo_mpi_options opt = { .flags = PARDO_UNORDERED };
    pardo_mpi_iter *it;
    int rc = start(&it, comm, pool, fn, arg, array_next, &g, in_size, out_size, &opt, n,
                   bad ? PARDO_EINVAL : PARDO_OK);
    if (rc != PARDO_OK)
        return rc;
    rc = rank == 0 ? map_root(it, out ? out : &none, n, status) : pardo__mpi_serve(it);
    if (rc == PARDO_OK && it->failed)
        rc = PARDO_EITEM;
    pardo_mpi_iter_free(it);
    return rc;
}
