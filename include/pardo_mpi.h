/*
 * pardo_mpi.h - pardo's map over MPI ranks.  Optional: libpardo_mpi.a, built
 * when mpicc is found; libpardo itself knows nothing of MPI.
 *
 *   MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
 *   pardo_pool *pool = pardo_pool_new(0);            // this rank's CPUs
 *   pardo_mpi_map(MPI_COMM_WORLD, pool, square, NULL, in, sizeof *in,
 *                 out, sizeof *out, n, status);      // on every rank
 *   pardo_pool_free(pool);
 *   MPI_Finalize();
 *
 * Rank 0 holds the inputs and gets every result; every rank, rank 0
 * included, runs batches of items with its own local pool: NULL (the calling
 * thread), threads, or processes (pardo_pool_open with PARDO_PROCESSES, where
 * an item that crashes is a status, PARDO_ECRASH, never an MPI failure).
 *
 * Conventions are pardo.h's: 0 or a negative PARDO_E* code; nothing prints,
 * exits or aborts (MPI errors on pardo's own communicator come back as
 * PARDO_ESYS instead of ending the job).
 *
 * Collective.  Every call below that takes a communicator is collective: each
 * rank of comm calls it, with the same fn, in_size, out_size, options and
 * codec (checked: a mismatch is PARDO_EINVAL on every rank).  Inputs, the
 * generator, out and status are used on rank 0 only; other ranks may pass
 * NULL.  Ranks must share one architecture: inputs and results travel as raw
 * bytes.  pardo duplicates comm for each map or iterator, so its messages
 * never mix with the program's.
 *
 * Threads.  pardo makes MPI calls only from the thread that calls it.  With
 * MPI_THREAD_FUNNELED or more (MPI_Query_thread), rank 0 runs its own share
 * of the items in a helper thread that makes no MPI call, and the caller's
 * thread only hands out batches and takes results; with MPI_THREAD_SINGLE
 * rank 0 runs its batches in the caller's thread between messages, which
 * works but leaves the other ranks waiting longer for their next batch.  A
 * thread pool on any rank needs MPI_THREAD_FUNNELED in any case.
 *
 * Failures.  In Open MPI 4 a rank that dies (a crash outside a process pool,
 * a kill, an out-of-memory kill) ends the whole job: mpirun kills the other
 * ranks and exits non-zero.  Rank 0 then has what it had already taken; see
 * doc/mpi.md.
 */
#ifndef PARDO_MPI_H
#define PARDO_MPI_H

#include <mpi.h>

#include "pardo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ranks ----------------------------------------------------------------- */

/* The calling process's rank in comm, and the number of ranks; PARDO_EINVAL
 * when MPI is not initialized (or already finalized) or comm is invalid. */
int pardo_mpi_rank(MPI_Comm comm);
int pardo_mpi_size(MPI_Comm comm);

/* ---- map --------------------------------------------------------------------- */

/* pardo_map over the ranks of comm: on rank 0, out[i] = fn(in[i]) for every
 * i < n, in input order, and status[i] (status may be NULL) gets fn's return
 * value, PARDO_ECRASH / PARDO_ETIMEDOUT from a process pool, or
 * PARDO_ECANCELED.  A failed item's out is all zero bytes (its result does
 * not travel).  Results come back as out_size raw bytes: a pointer in a
 * result is meaningless on rank 0 unless the item ran there; for
 * variable-size results, use pardo_mpi_imap with a codec.
 * Other ranks ignore in, out, n and status.  Batches are sized from each
 * rank's measured time per item (see pardo_mpi_imap).
 * Returns on every rank what rank 0 returns: PARDO_OK, PARDO_EITEM when any
 * item failed, PARDO_ECANCELED after pardo_cancel(pool) on rank 0, or
 * PARDO_EINVAL / PARDO_ENOMEM / PARDO_ESYS. */
int pardo_mpi_map(MPI_Comm comm, pardo_pool *pool, pardo_fn *fn, void *arg,
                  const void *in, size_t in_size, void *out, size_t out_size,
                  size_t n, int *status);

/* ---- variable-size results ------------------------------------------------------ */

/* How a result crosses ranks when it holds pointers.  Every function gets
 * the codec's arg.  A result is encoded on the rank that ran the item and
 * decoded on rank 0, even when that is the same rank, so rank 0 always sees
 * decoded results.  Only results with status 0 are encoded.
 *
 *   encode: write the encoding of *out into buf, at most cap bytes, and set
 *           *len to its full length; return 0, or a negative value, which
 *           becomes the item's status.  When *len > cap, pardo calls it
 *           again with cap >= *len.  Called on every rank.
 *   decode: fill *out (out_size bytes) from the len bytes at buf; it may
 *           allocate (the caller of pardo_mpi_iter_next owns what it makes).
 *           Return 0, or a negative value that becomes the item's status.
 *           Called on rank 0 only, from pardo_mpi_iter_next, and only when
 *           the caller asked for out.
 *   release (may be NULL): free what the item function allocated in *out,
 *           after encoding.  Called for every item on the rank that ran it;
 *           an item that failed before writing its out (or crashed in a
 *           process pool) has an all-zero out.
 */
typedef struct pardo_mpi_codec {
    int  (*encode)(void *arg, const void *out, void *buf, size_t cap, size_t *len);
    int  (*decode)(void *arg, const void *buf, size_t len, void *out);
    void (*release)(void *arg, void *out);
    void *arg;
} pardo_mpi_codec;

/* ---- lazy iterator ----------------------------------------------------------------- */

/* Work per batch that pardo aims for, in seconds of a rank's measured time. */
#define PARDO_MPI_BATCH_SECONDS 0.05
/* Batches handed to a rank before its first result is back, so that it
 * never waits for the next one. */
#define PARDO_MPI_OUTSTANDING 2
/* The most items in one batch, and the most input bytes (at least 1 item). */
#define PARDO_MPI_BATCH_MAX 8192
#define PARDO_MPI_BATCH_BYTES (256u << 10)
/* The window: at most this many batches per rank are pulled from the
 * generator and not yet returned on rank 0. */
#define PARDO_MPI_WINDOW_PER_RANK 4

typedef struct pardo_mpi_options {
    int    flags;                   /* PARDO_ORDERED (0) or PARDO_UNORDERED */
    const pardo_mpi_codec *codec;   /* NULL: a result is its out_size bytes */
    double batch_seconds;           /* 0: PARDO_MPI_BATCH_SECONDS */
    size_t batch_max;               /* items per batch at most; 0: PARDO_MPI_BATCH_MAX */
} pardo_mpi_options;

typedef struct pardo_mpi_iter pardo_mpi_iter;

/* Starts a lazy map over the ranks of comm; collective.  opt may be NULL
 * (ordered, raw results, default batch time).
 *
 * Rank 0 pulls inputs from next(gen, item) only as batches are handed out,
 * at most PARDO_MPI_WINDOW_PER_RANK * ranks batches ahead of the results
 * taken, so an endless generator is fine.  Each batch goes to one rank
 * (rank 0 included), whose pool runs it with pardo_map; the rank reports how
 * long it took, and its next batch is sized to about batch_seconds of its
 * measured time per item (at most batch_max items and
 * PARDO_MPI_BATCH_BYTES of input, and at most 16 times the last one), so a
 * slow rank gets fewer items; batches grow past batch_seconds only where a
 * fixed cost per batch (a process pool forks its workers for each batch)
 * would otherwise be more than a fifth of their time.  Each rank has
 * PARDO_MPI_OUTSTANDING batches while inputs last.
 *
 * Every rank then calls pardo_mpi_iter_next until it returns <= 0: on rank 0
 * it returns results, on the other ranks it runs batches until rank 0 ends,
 * and returns what rank 0's last call returned.  Returns 0 and sets *it on
 * every rank, or PARDO_EINVAL / PARDO_ENOMEM / PARDO_ESYS (and *it = NULL). */
int pardo_mpi_imap(pardo_mpi_iter **it, MPI_Comm comm, pardo_pool *pool,
                   pardo_fn *fn, void *arg, pardo_next_fn *next, void *gen,
                   size_t in_size, size_t out_size, const pardo_mpi_options *opt);

/* On rank 0: takes the next result, in input order (PARDO_ORDERED) or as
 * batches complete (PARDO_UNORDERED): copies its input into *in, its result
 * into *out (decoded by the codec, if any; all zero for a failed item) and
 * its status into *status (any may be NULL).  Returns 1 with a result, 0 at
 * the end, PARDO_ECANCELED once the results of the batches handed out before
 * pardo_cancel(pool) have been taken (items a rank's own cancelled pool did
 * not run come back with status PARDO_ECANCELED), the generator's negative
 * value once the results of the inputs it produced have been taken, or
 * PARDO_ENOMEM / PARDO_ESYS.
 * On other ranks: serves rank 0 until it ends, then returns as above
 * (without ever returning 1). */
int pardo_mpi_iter_next(pardo_mpi_iter *it, void *in, void *out, int *status);

/* Of the result last returned by pardo_mpi_iter_next (rank 0): its failure
 * details (signal, seconds, pipeline stage, as pardo_iter_error) and status;
 * its input's number in the generator's order (from 0); the rank that ran
 * it. */
int    pardo_mpi_iter_error(const pardo_mpi_iter *it, pardo_failure *f);
size_t pardo_mpi_iter_index(const pardo_mpi_iter *it);
int    pardo_mpi_iter_rank(const pardo_mpi_iter *it);

/* Ends the iterator; collective.  On rank 0, before the end: hands out
 * nothing more, waits for the batches that are out and drops their results
 * (the other ranks' pardo_mpi_iter_next then returns PARDO_ECANCELED).  On
 * other ranks: serves until rank 0 ends.  NULL is a no-op (on every rank or
 * none). */
void pardo_mpi_iter_free(pardo_mpi_iter *it);

#ifdef __cplusplus
}
#endif
#endif
