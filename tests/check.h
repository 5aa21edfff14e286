/*
 * check.h - the smallest test harness that does the job.
 *
 * A test program is a list of RUN(test_fn) calls in main(); each prints one
 * TAP-like line, "ok - name" or "not ok - name", and tests/run.sh adds the
 * lines up.  CHECK() records a failure and goes on, so one run shows every
 * broken assertion; REQUIRE() returns from the test at once.
 *
 * A failure says why: its file, line and expression, and for the checks
 * that compare (CHECK_EQ_INT, CHECK_CMP, CHECK_EQ_STR, NEAR) both values.
 * The words go to stderr at once (so that they survive a crash later in
 * the test) and again, as "# " lines, under the test's "not ok" line on
 * stdout, where tests/run.sh shows them.  RUN also writes "--- name" to
 * stderr before each test, so that anything the test writes there (a
 * sanitizer's report, a crash's last words) sits under its name.
 */
#ifndef PARDO_TESTS_CHECK_H
#define PARDO_TESTS_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_fails_;   /* failures in the current test */
static int check_total_;   /* tests that failed in this program */
static char check_notes_[8192];     /* the current test's failure lines */
static size_t check_notes_len_;

/* One line of why, to stderr now and to the "# " lines after "not ok". */
__attribute__((format(printf, 1, 2), unused))
static void check_note_(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "  %s\n", line);
    size_t room = sizeof check_notes_ - check_notes_len_;
    int n = snprintf(check_notes_ + check_notes_len_, room, "#   %s\n", line);
    if (n > 0)
        check_notes_len_ += (size_t)n < room ? (size_t)n : room - 1;
}

#define CHECK(cond) do { if (!(cond)) { check_fails_++; \
    check_note_("%s:%d: CHECK(%s) failed", __FILE__, __LINE__, #cond); } } while (0)
#define REQUIRE(cond) do { if (!(cond)) { check_fails_++; \
    check_note_("%s:%d: REQUIRE(%s) failed", __FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { check_fails_++; check_note_("%s:%d: CHECK_EQ_INT(%s, %s): got %lld, expected %lld", \
    __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)
/* An integer comparison, both sides shown: CHECK_CMP(n, >=, 5). */
#define CHECK_CMP(a, op, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (!(a_ op b_)) { check_fails_++; check_note_("%s:%d: CHECK_CMP(%s %s %s) failed: got %lld %s %lld", \
    __FILE__, __LINE__, #a, #op, #b, a_, #op, b_); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { check_fails_++; check_note_( \
    "%s:%d: CHECK_EQ_STR(%s, %s): got \"%s\", expected \"%s\"", __FILE__, __LINE__, #a, #b, \
    a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)

/* NEAR(a, b): a and b within 1e-9, for CHECK(NEAR(x, y) && ...); when they
 * are not, the values are noted (they show if the check fails). */
__attribute__((unused))
static int check_near_(double a, double b, const char *as, const char *bs, const char *file, int line)
{
    if (fabs(a - b) < 1e-9)
        return 1;
    check_note_("%s:%d: NEAR(%s, %s): got %.17g, expected %.17g (off by %.3g)", file, line, as, bs,
                a, b, a - b);
    return 0;
}
#define NEAR(a, b) check_near_((a), (b), #a, #b, __FILE__, __LINE__)

/* Runs one test function and prints its line, and under a failure the
 * lines that say why. */
#define CHECK_RESULT_(name) do { \
    printf("%s - %s\n", check_fails_ ? "not ok" : "ok", name); \
    if (check_fails_) { fputs(check_notes_, stdout); check_total_++; } \
    fflush(stdout); } while (0)
#define CHECK_BEGIN_(name) do { check_fails_ = 0; check_notes_len_ = 0; check_notes_[0] = '\0'; \
    fflush(stdout); fprintf(stderr, "--- %s\n", name); } while (0)
#define RUN(fn) do { CHECK_BEGIN_(#fn); fn(); CHECK_RESULT_(#fn); } while (0)
/* A named case inside a data-driven test (one line per case). */
#define RUN_CASE(name, fn, arg) do { CHECK_BEGIN_(name); fn(arg); CHECK_RESULT_(name); } while (0)

#define CHECK_EXIT() (check_total_ ? 1 : 0)

#endif
