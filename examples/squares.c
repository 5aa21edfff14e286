/*
 * squares.c - the seed's second program: squares of 20 random numbers with
 * a pool of 4.  Pass -s (or any argument) to run it sequentially instead:
 * the only change is the pool argument of pardo_map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pardo.h"

static int square(void *arg, const void *in, void *out)
{
    (void)arg;
    long x = *(const long *)in;
    *(long *)out = x * x;
    return 0;
}

int main(int argc, char **argv)
{
    (void)argv;
    long xs[20], squares[20];
    srand((unsigned)time(NULL));
    for (int i = 0; i < 20; i++)
        xs[i] = rand() % 100;

    pardo_pool *pool = argc > 1 ? NULL : pardo_pool_new(4);
    int rc = pardo_map(pool, square, NULL, xs, sizeof *xs, squares, sizeof *squares, 20, NULL);
    pardo_pool_free(pool);
    if (rc != PARDO_OK) {
        fprintf(stderr, "squares: %s\n", pardo_strerror(rc));
        return 1;
    }
    for (int i = 0; i < 20; i++)
        printf("%ld^2 = %ld\n", xs[i], squares[i]);
    return 0;
}
