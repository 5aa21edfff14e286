/*
 * bench_dispatch.c - how many items per second rank 0 can hand out and take
 * back, with items so small (x * x on a long) that only pardo's own cost
 * counts: pulling from the generator, packing batches, MPI, unpacking and
 * returning each result through pardo_mpi_iter_next.  Every rank, rank 0
 * included, also runs items, with no pool.
 *
 *   mpirun -n 3 --mca pml ob1 --mca btl self,tcp build/tests/mpi/bench_dispatch [items]
 *
 * Prints one line per mode (ordered, unordered iterator; map) with the rate
 * and each rank's share of the items.  tests/mpi/bench.sh runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pardo_mpi.h"

static int square(void *arg, const void *in, void *out)
{
    (void)arg;
    long x = *(const long *)in;
    *(long *)out = x * x;
    return 0;
}

struct counter {
    long i, n;
};

static int count_next(void *gen, void *item)
{
    struct counter *g = gen;
    if (g->i >= g->n)
        return 0;
    *(long *)item = g->i++;
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *mode, long n, double secs, const long *per_rank, int size)
{
    printf("%-16s %9ld items in %6.3f s = %10.0f items/s   share:", mode, n, secs,
           (double)n / secs);
    for (int r = 0; r < size && per_rank; r++)
        printf(" %d:%.0f%%", r, 100.0 * (double)per_rank[r] / (double)n);
    printf("\n");
    fflush(stdout);
}

/* One iterator run; returns its rate on rank 0, and in *remote the rate of
 * the items that other ranks ran.  batch_max 1 makes every batch one item:
 * then *remote is WORK messages (and RESULT messages) per second. */
static double run_imap(const char *mode, int flags, size_t batch_max, long n, int rank,
                       int size, double *remote)
{
    struct counter g = { 0, n };
    pardo_mpi_options opt = { .flags = flags, .batch_max = batch_max };
    pardo_mpi_iter *it;
    long *per_rank = calloc((size_t)size, sizeof *per_rank), sum = 0, got = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    if (pardo_mpi_imap(&it, MPI_COMM_WORLD, NULL, square, NULL, count_next, &g, sizeof(long),
                       sizeof(long), &opt) != PARDO_OK) {
        fprintf(stderr, "bench_dispatch: pardo_mpi_imap failed\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long x, sq;
    int rc;
    while ((rc = pardo_mpi_iter_next(it, &x, &sq, NULL)) == 1) {
        sum += sq == x * x;
        got++;
        per_rank[pardo_mpi_iter_rank(it)]++;
    }
    double secs = now() - t0;
    pardo_mpi_iter_free(it);
    if (rank == 0 && (rc != 0 || got != n || sum != n)) {
        fprintf(stderr, "bench_dispatch: wrong results (rc %d, %ld of %ld)\n", rc, got, n);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (rank == 0)
        report(mode, n, secs, per_rank, size);
    if (remote)
        *remote = (double)(n - per_rank[0]) / secs;
    free(per_rank);
    return (double)n / secs;
}

static void run_map(long n, int rank)
{
    long *in = NULL, *out = NULL;
    if (rank == 0) {
        in = malloc((size_t)n * sizeof *in);
        out = malloc((size_t)n * sizeof *out);
        for (long i = 0; i < n; i++)
            in[i] = i;
    }
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    int rc = pardo_mpi_map(MPI_COMM_WORLD, NULL, square, NULL, in, sizeof(long), out,
                           sizeof(long), (size_t)n, NULL);
    double secs = now() - t0;
    if (rank == 0) {
        if (rc != PARDO_OK || out[n - 1] != (n - 1) * (n - 1)) {
            fprintf(stderr, "bench_dispatch: map failed: %s\n", pardo_strerror(rc));
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        report("map", n, secs, NULL, 0);
    }
    free(in);
    free(out);
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long n = argc > 1 ? atol(argv[1]) : 4000000;
    if (n < 1)
        n = 1;

    double msgs;
    run_imap("warm-up", PARDO_ORDERED, 0, n / 10, rank, size, NULL);
    double ordered = run_imap("imap ordered", PARDO_ORDERED, 0, n, rank, size, NULL);
    double unordered = run_imap("imap unordered", PARDO_UNORDERED, 0, n, rank, size, NULL);
    run_map(n, rank);
    run_imap("1-item batches", PARDO_ORDERED, 1, n / 40, rank, size, &msgs);
    if (rank == 0) {
        double rate = ordered < unordered ? ordered : unordered;
        printf("dispatch rate: %.0f items/s (tiny items, %d ranks, the slower iterator mode):"
               " at 10 ms per item, one rank 0 keeps %.0f ranks busy (rate * 0.01)\n",
               rate, size, rate * 0.01);
        if (size > 1)
            printf("message rate: %.0f one-item batches/s to the other ranks (a lower bound"
                   " where ranks share cores: each waits for its next message): a rank with"
                   " 10 ms items needs 20 batches/s of 5 items, so by messages one rank 0"
                   " keeps %.0f such ranks busy, %.0f if every batch were one item\n",
                   msgs, msgs / 20, msgs / 100);
    }
    MPI_Finalize();
    return 0;
}
