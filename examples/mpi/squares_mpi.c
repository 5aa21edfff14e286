/*
 * squares_mpi.c - examples/squares.c over MPI ranks: squares of 20 random
 * numbers, each rank with a pool of 2 threads.  Rank 0 makes the inputs,
 * every rank (rank 0 too) squares its batches, rank 0 prints the results
 * in order.  The only changes from squares.c: MPI_Init_thread, the
 * communicator argument, and printing on rank 0 only.
 *
 * Build and run (from the top of the tree):
 *   make MPI=1                      # or plain make, when mpicc is found
 *   mpirun -n 3 build/examples/mpi/squares_mpi
 * As root on a small machine: mpirun --allow-run-as-root --oversubscribe -n 3 ...
 * By hand:
 *   mpicc -Iinclude -o squares_mpi examples/mpi/squares_mpi.c \
 *         build/libpardo_mpi.a build/libpardo.a -pthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pardo_mpi.h"

static int square(void *arg, const void *in, void *out)
{
    (void)arg;
    long x = *(const long *)in;
    *(long *)out = x * x;
    return 0;
}

int main(int argc, char **argv)
{
    int provided;
    /* FUNNELED: the pools' threads make no MPI calls; rank 0 then also runs
     * its own share in a helper thread. */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank = pardo_mpi_rank(MPI_COMM_WORLD);

    long xs[20], squares[20];
    if (rank == 0) {            /* only rank 0's inputs are used */
        srand((unsigned)time(NULL));
        for (int i = 0; i < 20; i++)
            xs[i] = rand() % 100;
    }
    pardo_pool *pool = pardo_pool_new(2);
    int rc = pardo_mpi_map(MPI_COMM_WORLD, pool, square, NULL, xs, sizeof *xs, squares,
                           sizeof *squares, 20, NULL);
    pardo_pool_free(pool);
    if (rc != PARDO_OK) {
        if (rank == 0)
            fprintf(stderr, "squares_mpi: %s\n", pardo_strerror(rc));
        MPI_Finalize();
        return 1;
    }
    if (rank == 0)
        for (int i = 0; i < 20; i++)
            printf("%ld^2 = %ld\n", xs[i], squares[i]);
    MPI_Finalize();
    return 0;
}
