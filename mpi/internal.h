/*
 * internal.h - what the parts of libpardo_mpi share.  Not installed.
 *
 * DESIGN
 * One iterator is one conversation on a duplicate of the user's
 * communicator.  Rank 0 (root.c) pulls inputs, sends each batch to a rank
 * in a WORK message, and gets a RESULT message back; a batch for rank 0
 * itself never crosses MPI but is run by the same code (batch.c) in a helper
 * thread or inline.  The other ranks (serve.c) run what they get until an
 * END message; iter.c has the public calls.  Messages, all MPI_BYTE in
 * native byte order:
 *
 *   WORK    struct pardo__mpi_work, then n inputs of in_size bytes
 *   RESULT  struct pardo__mpi_result, int status[n], then
 *             raw:   16-aligned, n results of out_size bytes (a failed
 *                    one is ignored)
 *             codec: uint32_t len[n], then the encodings of status-0 items
 *           then, 8-aligned, one struct pardo__mpi_fail per failed item
 *   END     struct pardo__mpi_end: what every rank's last call returns
 *
 * A rank runs its batches in the order sent, and MPI keeps the order of the
 * messages between two ranks, so rank 0 matches a RESULT to the oldest batch
 * out at that rank (the id only checks it).
 */
#ifndef PARDO_MPI_INTERNAL_H
#define PARDO_MPI_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "pardo_mpi.h"

enum { PARDO__TAG_WORK = 1, PARDO__TAG_RESULT = 2, PARDO__TAG_END = 3 };

struct pardo__mpi_work {
    uint64_t id;
    uint32_t n;
    uint32_t pad;
};

struct pardo__mpi_result {
    uint64_t id;
    uint64_t ns;                /* wall time of the batch's pardo_map */
    uint64_t bytes;             /* length of the results part */
    uint32_t n;
    uint32_t nfail;
};

struct pardo__mpi_fail {
    uint32_t index;             /* in the batch */
    int32_t  signal;
    double   seconds;
    char     stage[32];
};

struct pardo__mpi_end {
    int32_t rc;                 /* pardo_mpi_iter_next's last return */
    int32_t failed;             /* 1 if any item's status was not 0 */
};

/* A growable byte buffer. */
struct pardo__mpi_buf {
    char *p;
    size_t len, cap;
};
int pardo__mpi_buf_reserve(struct pardo__mpi_buf *b, size_t cap);

/* What a rank needs to run a batch (batch.c); the same on every rank. */
struct pardo__mpi_runner {
    pardo_pool *pool;
    pardo_fn *fn;
    void *arg;
    size_t in_size, out_size;
    const pardo_mpi_codec *codec;
    struct pardo__mpi_buf outs; /* codec: the batch's out structs */
    int *status;                /* codec: the batch's statuses */
    size_t status_cap;
};

/* Runs the n inputs at `in` (batch id) with the pool and builds the RESULT
 * message in *msg (reset first).  0, or PARDO_ENOMEM (then *msg is
 * unusable).  Item failures are in the message, not the return value. */
int  pardo__mpi_run_batch(struct pardo__mpi_runner *r, uint64_t id, const char *in,
                          uint32_t n, struct pardo__mpi_buf *msg);
/* A RESULT message for a batch that could not be run: every item gets
 * status (not 0), nothing else.  0 or PARDO_ENOMEM. */
int  pardo__mpi_failed_batch(const struct pardo__mpi_runner *r, uint64_t id, uint32_t n,
                             int status, struct pardo__mpi_buf *msg);
void pardo__mpi_runner_free(struct pardo__mpi_runner *r);

/* A RESULT message, parsed. */
struct pardo__mpi_view {
    const struct pardo__mpi_result *h;
    const int *status;
    const uint32_t *len;        /* codec only */
    const char *bytes;
    const struct pardo__mpi_fail *fail;
};
/* Checks that msg (len bytes) is a whole RESULT of n items and fills *v.
 * 0 or PARDO_ESYS. */
int pardo__mpi_parse(const char *msg, size_t len, uint32_t n, int codec,
                     size_t out_size, struct pardo__mpi_view *v);

struct pardo__mpi_root;

/* ---- the iterator (iter.c) --------------------------------------------------- */

struct pardo_mpi_iter {
    MPI_Comm comm;              /* pardo's duplicate */
    int rank, size;
    int ended;                  /* END sent (rank 0) or received */
    int rc;                     /* the last call's return once ended */
    int failed;                 /* some item's status was not 0 */
    struct pardo__mpi_runner run;
    struct pardo__mpi_root *root;   /* rank 0 only */
    pardo_failure last;         /* of the result last returned */
    size_t last_index;
    int last_rank;
};

/* How long to wait for a message after *idle fruitless looks (it counts
 * them; reset it to 0 after doing something): 0 (yield) at first, then from
 * 2 us doubling up to max_us. */
unsigned pardo__mpi_backoff_us(unsigned *idle, unsigned max_us);
/* The longest wait between two looks for a message: a 16th of the time a
 * batch takes (the batches waited for, or the rank's own last one), from
 * BACKOFF_MIN_US to BACKOFF_MAX_US.  Every look wakes a thread on a core
 * that a worker needs: for files, in batches of ~50 ms with a second batch
 * queued at every rank, a look every 200 us made `mpirun -n 2 pardo stats
 * -j 1` over 1032 books switch contexts 9200 times and take 3.68 s of CPU,
 * every 2 ms 3500 times and 3.51 s (two threads: 3.28 s).  Tiny items come
 * in short batches (at most PARDO_MPI_BATCH_MAX items), whose results are
 * waited for at once: 2 ms there cut the ordered iterator's rate over TCP
 * from 20 to 5 million items/s, and one-item batches from 21000 to 2500 a
 * second; 200 us keeps them. */
#define BACKOFF_MIN_US 200
#define BACKOFF_MAX_US 2000
unsigned pardo__mpi_wait_cap_us(double batch_ns);
void pardo__mpi_sleep_us(unsigned us);          /* 0: sched_yield */
uint64_t pardo__mpi_now_ns(void);

/* serve.c: runs batches until END; returns END's rc (and sets it->ended). */
int pardo__mpi_serve(pardo_mpi_iter *it);

/* root.c: rank 0's side. */
struct pardo__mpi_item {        /* one result, valid until the next take */
    const char *in;             /* its input */
    int status;
    const char *bytes;          /* status 0: its result (raw or encoded) */
    size_t len;
    const struct pardo__mpi_fail *fail;     /* NULL unless it failed */
    size_t index;               /* in the generator's order */
    int rank;                   /* that ran it */
};
/* total: the number of inputs when known (a map), else SIZE_MAX. */
int  pardo__mpi_root_new(pardo_mpi_iter *it, pardo_next_fn *next, void *gen,
                         const pardo_mpi_options *opt, size_t total);
/* The next result into *item: 1, or <= 0 as pardo_mpi_iter_next (and then
 * END has been sent). */
int  pardo__mpi_root_take(pardo_mpi_iter *it, struct pardo__mpi_item *item);
/* Drains what is out, sends END if not yet sent, frees rank 0's state. */
void pardo__mpi_root_free(pardo_mpi_iter *it);

#endif
