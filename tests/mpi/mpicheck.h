/*
 * mpicheck.h - tests/check.h for MPI programs.
 *
 * A test is collective: every rank runs it, CHECK() counts failures on the
 * rank where they happen (and says where on stderr), and RUN_CASE() adds
 * the counts up over the ranks, so that rank 0 prints one line per test,
 * "ok - name" or "not ok - name", whichever rank failed.
 */
#ifndef PARDO_TESTS_MPICHECK_H
#define PARDO_TESTS_MPICHECK_H

#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int check_fails_;    /* failures in the current test, this rank */
static int check_total_;    /* tests that failed (rank 0 counts) */

#define CHECK(cond) do { if (!(cond)) { check_fails_++; int r_; \
    MPI_Comm_rank(MPI_COMM_WORLD, &r_); \
    fprintf(stderr, "  rank %d: %s:%d: CHECK(%s) failed\n", r_, __FILE__, __LINE__, #cond); } \
    } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { check_fails_++; int r_; MPI_Comm_rank(MPI_COMM_WORLD, &r_); \
    fprintf(stderr, "  rank %d: %s:%d: %s == %lld, expected %s == %lld\n", r_, \
    __FILE__, __LINE__, #a, a_, #b, b_); } } while (0)

/* Ends a test: every rank calls it. */
static void check_report_(const char *name)
{
    int all = 0, rank;
    MPI_Allreduce(&check_fails_, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        printf("%s - %s\n", all ? "not ok" : "ok", name);
        fflush(stdout);
    }
    if (all)
        check_total_++;
    check_fails_ = 0;
}

/* When set (same on every rank), only the tests whose name contains it run. */
static const char *check_only_;

#define RUN_CASE(name, fn, arg) do { if (!check_only_ || strstr((name), check_only_)) { \
    check_fails_ = 0; fn(arg); check_report_(name); } } while (0)
#define RUN(fn) RUN_CASE(#fn, fn, )

#define CHECK_EXIT() (check_total_ ? 1 : 0)

#endif
