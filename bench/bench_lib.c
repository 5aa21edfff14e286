/*
 * bench_lib.c - libpardo's engine against the alternatives, as ratios
 * measured in one run.  Each case runs its variants interleaved, REPS
 * times, and reports medians: the machine is shared and noisy, so only
 * ratios of runs made side by side mean much.
 *
 *   1. tiny items: 10M x*x, pardo 2 workers vs pool == NULL vs OpenMP.
 *   2. the seed's experiment: 10 items sleeping 130 ms, 4 and 8 workers,
 *      against the ideal ceil(10/w) * 130 ms (Python is run by bench.sh).
 *   3. per-item overhead for 1 us items, 1 and 2 workers.
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pardo.h"

#define REPS 7

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int square(void *arg, const void *in, void *out)
{
    (void)arg;
    double x = *(const double *)in;
    *(double *)out = x * x;
    return 0;
}

/* The same loop as pardo runs: the item function called through a pointer
 * (volatile, so that the compiler cannot inline it and vectorise, which no
 * library that takes a function can do either). */
static pardo_fn *volatile item_fn = square;

static void omp_items(const double *in, double *out, long n)
{
    pardo_fn *fn = item_fn;
#pragma omp parallel for num_threads(2) schedule(static)
    for (long i = 0; i < n; i++)
        fn(NULL, &in[i], &out[i]);
}

/* The loop written out, for reference: inlined and vectorised. */
static void omp_inline(const double *in, double *out, long n)
{
#pragma omp parallel for num_threads(2) schedule(static)
    for (long i = 0; i < n; i++)
        out[i] = in[i] * in[i];
}

static void bench_tiny(void)
{
    enum { N = 10000000 };
    double *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    double t_null[REPS], t_pool[REPS], t_omp[REPS], t_inl[REPS];
    pardo_pool *pool = pardo_pool_new(2);
    if (!in || !out || !pool)
        exit(2);
    for (long i = 0; i < N; i++)
        in[i] = (double)i;
    memset(out, 0, N * sizeof *out);
    for (int r = 0; r < REPS; r++) {
        double t = now();
        pardo_map(NULL, square, NULL, in, sizeof *in, out, sizeof *out, N, NULL);
        t_null[r] = now() - t;
        t = now();
        pardo_map(pool, square, NULL, in, sizeof *in, out, sizeof *out, N, NULL);
        t_pool[r] = now() - t;
        t = now();
        omp_items(in, out, N);
        t_omp[r] = now() - t;
        t = now();
        omp_inline(in, out, N);
        t_inl[r] = now() - t;
    }
    double a = median(t_null, REPS), b = median(t_pool, REPS), c = median(t_omp, REPS);
    double d = median(t_inl, REPS);
    printf("1. tiny items (10M x*x), median of %d:\n", REPS);
    printf("   pool == NULL              %8.1f ms\n", a * 1e3);
    printf("   pardo, 2 workers          %8.1f ms\n", b * 1e3);
    printf("   OpenMP, 2 threads, same item function %8.1f ms\n", c * 1e3);
    printf("   OpenMP, 2 threads, loop inlined       %8.1f ms (vectorised; for reference)\n", d * 1e3);
    printf("   pardo/NULL = %.2f (goal <= 1.0)   pardo/OpenMP = %.2f (goal <= 1.5)"
           "   pardo/OpenMP-inlined = %.2f\n", b / a, b / c, b / d);
    pardo_pool_free(pool);
    free(in);
    free(out);
}

static int sleep_130ms(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    (void)out;
    struct timespec ts = { 0, 130 * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
    return 0;
}

static void bench_sleep(void)
{
    printf("2. 10 items sleeping 130 ms, median of %d:\n", REPS);
    char dummy[10];
    for (int w = 4; w <= 8; w += 4) {
        pardo_pool *pool = pardo_pool_new(w);
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            double s = now();
            pardo_map(pool, sleep_130ms, NULL, dummy, 1, NULL, 0, 10, NULL);
            t[r] = now() - s;
        }
        double ideal = ceil(10.0 / w) * 0.130, m = median(t, REPS);
        printf("   %d workers: %7.1f ms, ideal %5.0f ms, +%.2f ms (goal <= 2 ms)\n", w, m * 1e3,
               ideal * 1e3, (m - ideal) * 1e3);
        pardo_pool_free(pool);
    }
}

/* ~1 us of arithmetic, calibrated at start so that it does not depend on a
 * clock call inside the item. */
static long spin_iters;
static int spin_1us(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    volatile double x = 1.0;
    for (long i = 0; i < spin_iters; i++)
        x = x * 1.0000001 + 1e-9;
    *(double *)out = x;
    return 0;
}

static void calibrate_spin(void)
{
    spin_iters = 1000;
    double x;
    for (;;) {
        double t = now();
        for (int i = 0; i < 1000; i++)
            spin_1us(NULL, NULL, &x);
        double per = (now() - t) / 1000;
        if (per > 0.5e-6) {
            spin_iters = (long)((double)spin_iters * 1e-6 / per);
            return;
        }
        spin_iters *= 2;
    }
}

static void bench_overhead(void)
{
    enum { N = 200000 };
    static char in[N];
    static double out[N];
    calibrate_spin();
    pardo_pool *p1 = pardo_pool_new(1), *p2 = pardo_pool_new(2);
    double t0[REPS], t1[REPS], t2[REPS];
    for (int r = 0; r < REPS; r++) {
        double s = now();
        pardo_map(NULL, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        t0[r] = now() - s;
        s = now();
        pardo_map(p1, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        t1[r] = now() - s;
        s = now();
        pardo_map(p2, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        t2[r] = now() - s;
    }
    double a = median(t0, REPS), b = median(t1, REPS), c = median(t2, REPS);
    printf("3. per-item overhead, %d items of ~1 us, median of %d:\n", N, REPS);
    printf("   item itself (pool == NULL) %.3f us\n", a / N * 1e6);
    printf("   overhead, 1 worker:  %+.3f us/item (goal < 0.3)\n", (b - a) / N * 1e6);
    printf("   overhead, 2 workers: %+.3f us/item of CPU ((2 x wall - sequential) / n); speed-up %.2fx\n",
           (2 * c - a) / N * 1e6, a / c);
    pardo_pool_free(p1);
    pardo_pool_free(p2);

    /* The process backend: same items, workers in forked processes. */
    pardo_options o1 = { .workers = 1, .backend = PARDO_PROCESSES };
    pardo_options o2 = { .workers = 2, .backend = PARDO_PROCESSES };
    pardo_pool *q1, *q2;
    if (pardo_pool_open(&q1, &o1) || pardo_pool_open(&q2, &o2))
        exit(2);
    double u0[REPS], u1[REPS], u2[REPS];
    for (int r = 0; r < REPS; r++) {
        double s = now();
        pardo_map(NULL, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        u0[r] = now() - s;
        s = now();
        pardo_map(q1, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        u1[r] = now() - s;
        s = now();
        pardo_map(q2, spin_1us, NULL, in, 1, out, sizeof *out, N, NULL);
        u2[r] = now() - s;
    }
    a = median(u0, REPS);
    b = median(u1, REPS);
    c = median(u2, REPS);
    printf("4. process backend, the same items (forks included), median of %d:\n", REPS);
    printf("   overhead, 1 worker process:  %+.3f us/item (goal < 5)\n", (b - a) / N * 1e6);
    printf("   overhead, 2 worker processes: %+.3f us/item of CPU; speed-up %.2fx\n",
           (2 * c - a) / N * 1e6, a / c);
    pardo_pool_free(q1);
    pardo_pool_free(q2);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : "";
    if (!*only || strchr(only, '1'))
        bench_tiny();
    if (!*only || strchr(only, '2'))
        bench_sleep();
    if (!*only || strchr(only, '3'))
        bench_overhead();
    return 0;
}
