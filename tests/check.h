/*
 * check.h - the smallest test harness that does the job.
 *
 * A test program is a list of RUN(test_fn) calls in main(); each prints one
 * TAP-like line, "ok - name" or "not ok - name", and tests/run.sh adds the
 * lines up.  CHECK() records a failure and goes on, so one run shows every
 * broken assertion; REQUIRE() returns from the test at once.
 */
#ifndef PARDO_TESTS_CHECK_H
#define PARDO_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_fails_;   /* failures in the current test */
static int check_total_;   /* tests that failed in this program */

#define CHECK(cond) do { if (!(cond)) { check_fails_++; \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define REQUIRE(cond) do { if (!(cond)) { check_fails_++; \
    fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { check_fails_++; fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
    __FILE__, __LINE__, #a, a_, #b, b_); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { check_fails_++; fprintf(stderr, \
    "  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
    b_ ? b_ : "(null)"); } } while (0)

/* Runs one test function and prints its line. */
#define RUN(fn) do { check_fails_ = 0; fn(); \
    printf("%s - %s\n", check_fails_ ? "not ok" : "ok", #fn); fflush(stdout); \
    if (check_fails_) check_total_++; } while (0)
/* A named case inside a data-driven test (one line per case). */
#define RUN_CASE(name, fn, arg) do { check_fails_ = 0; fn(arg); \
    printf("%s - %s\n", check_fails_ ? "not ok" : "ok", name); fflush(stdout); \
    if (check_fails_) check_total_++; } while (0)

#define CHECK_EXIT() (check_total_ ? 1 : 0)

#endif
