/*
 * test_kill.c - a rank that dies ends the job.  The last rank kills itself
 * (SIGKILL: nothing of it runs after) once it gets input 300; with Open MPI
 * 4, mpirun then ends the other ranks and exits non-zero.  tests/mpi/run.sh
 * runs it under a time limit and checks just that: a non-zero exit, no hang,
 * and that rank 0 had results before the kill.  Needs 2 ranks or more.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "pardo_mpi.h"

static int g_rank, g_size;

static int slow_square(void *arg, const void *in, void *out)
{
    (void)arg;
    long x = *(const long *)in;
    if (g_rank == g_size - 1 && g_rank > 0 && x >= 300)
        raise(SIGKILL);
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
    *(long *)out = x * x;
    return 0;
}

static int endless(void *gen, void *item)
{
    *(long *)item = (*(long *)gen)++;
    return 1;
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    long next = 0, count = 0, sq;
    pardo_mpi_iter *it;
    if (pardo_mpi_imap(&it, MPI_COMM_WORLD, NULL, slow_square, NULL, endless, &next,
                       sizeof(long), sizeof(long), NULL) != PARDO_OK)
        return 2;
    while (pardo_mpi_iter_next(it, NULL, &sq, NULL) == 1)
        if (++count % 100 == 0) {
            printf("results %ld\n", count);     /* what the caller has, so far */
            fflush(stdout);
        }
    pardo_mpi_iter_free(it);
    MPI_Finalize();
    return 0;       /* not reached while the last rank is alive to die */
}
