#!/usr/bin/env bash
# A test of the test runner (tests/run.sh, tests/summary.sh): on a tiny
# suite of its own, made here, a failing C check and a failing shell check
# must each show their expected and actual values in the runner's output;
# a program that crashes must show its status, the test it was in and its
# last words; a sanitizer's report must name its check; every program's
# output must be kept; and summary.sh must repeat the details and end with
# "N passed, N failed".
. "$(dirname "$0")/cli_lib.sh"

fix=$TMP/fixture
mkdir -p "$fix/build/tests" "$fix/scripts"

# A C program: one test passes, one fails two checks, then one crashes.
cat > "$fix/test_fixture.c" <<'EOF'
#include <signal.h>
#include "check.h"
static void test_passes(void) { CHECK_EQ_INT(6 * 7, 42); }
static void test_fails(void)
{
    CHECK_EQ_INT(6 * 7, 41);
    double third = 1.0 / 3;
    CHECK(NEAR(third, 0.25));
    CHECK_CMP(3 + 4, <, 5);
    CHECK_EQ_STR("pear", "apple");
}
static void test_crashes(void) { fprintf(stderr, "last words\n"); raise(SIGKILL); }
int main(void)
{
    RUN(test_passes);
    RUN(test_fails);
    RUN(test_crashes);
    return CHECK_EXIT();
}
EOF
if ! cc -std=c11 -I"$TESTS_DIR" -o "$fix/build/tests/test_fixture" "$fix/test_fixture.c" -lm \
        2>"$TMP/cc.err"; then
    notok "build the C fixture" "$(cat "$TMP/cc.err")"
    exit 0
fi

# A C program built with AddressSanitizer: its second test reads freed
# memory; the runner must name that test with the report.
cat > "$fix/test_sanfixture.c" <<'EOF'
#include <stdlib.h>
#include "check.h"
static void test_clean(void) { CHECK_EQ_INT(1 + 1, 2); }
static void test_use_after_free(void)
{
    int *volatile p = malloc(4 * sizeof *p);
    p[0] = 7;
    free(p);
    CHECK_EQ_INT(p[0], 7);
}
int main(void)
{
    RUN(test_clean);
    RUN(test_use_after_free);
    return CHECK_EXIT();
}
EOF
if ! cc -std=c11 -g -fsanitize=address -I"$TESTS_DIR" -o "$fix/build/tests/test_sanfixture" \
        "$fix/test_sanfixture.c" -lm 2>"$TMP/cc.err"; then
    notok "build the ASan fixture" "$(cat "$TMP/cc.err")"
fi

# A shell script: one check passes, two fail, and a "sanitizer report"
# (a file where cli_lib.sh tells the sanitizers to write) comes in a third.
cat > "$fix/scripts/t_fixture.sh" <<EOF
. "$TESTS_DIR/cli_lib.sh"
check_eq "fixture: the same" 12 12
check_eq "fixture: a word count" 12 13
check_num "fixture: few workers" 9 -le 4
echo "==1==ERROR: AddressSanitizer: heap-use-after-free (made up)" > "\$SAN_DIR/asan.1"
ok "fixture: after the bad run"
EOF

# Without this script's sanitizer settings (which send reports to files of
# its own): the fixtures' reports go where a test program's normally go.
env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u TSAN_OPTIONS -u LSAN_OPTIONS -u VALGRIND \
    TEST_SCRIPTS="$fix/scripts" TEST_TIMEOUT=60 bash "$TESTS_DIR/run.sh" "$fix/build" \
    >"$TMP/runner.out" 2>"$TMP/runner.err"
RC=$? OUT=$(cat "$TMP/runner.out") ERR=$(cat "$TMP/runner.err")
check_rc "the runner exits 0 (summary.sh judges)" 0
# shows NAME LINE: the runner's output has that line (grep -F -x); the
# whole output is shown under the first check that fails.
shown=0
shows() {
    if grep -qxF -- "$2" "$TMP/runner.out"; then ok "$1"
    elif [ $shown = 0 ]; then shown=1; notok "$1" "expected this line: $2" "got:" "$OUT"
    else notok "$1" "expected this line: $2" "got: the output above"; fi
}
shows "C: the count line" "test_fixture                    1 passed, 2 failed"
shows "C: the failing test" "  test_fixture: not ok - test_fails"
shows "C: CHECK_EQ_INT shows both values" \
    "  test_fixture: #   $fix/test_fixture.c:6: CHECK_EQ_INT(6 * 7, 41): got 42, expected 41"
shows "C: NEAR shows both values" \
    "  test_fixture: #   $fix/test_fixture.c:8: NEAR(third, 0.25): got 0.33333333333333331, expected 0.25 (off by 0.0833)"
shows "C: CHECK_CMP shows both values" \
    "  test_fixture: #   $fix/test_fixture.c:9: CHECK_CMP(3 + 4 < 5) failed: got 7 < 5"
shows "C: CHECK_EQ_STR shows both values" \
    "  test_fixture: #   $fix/test_fixture.c:10: CHECK_EQ_STR(\"pear\", \"apple\"): got \"pear\", expected \"apple\""
shows "C: a crash: its status" "  test_fixture: not ok - test_fixture exited with status 137 (signal 9)"
shows "C: a crash: the test it was in" "  test_fixture: #   it was running: test_crashes"
shows "C: a crash: its last words" "  test_fixture: #     last words"
shows "C: where the whole output is" \
    "  test_fixture: whole output: $fix/build/out/test_fixture.out, stderr: $fix/build/out/test_fixture.err"
check "C: the whole stdout kept" grep -qx "ok - test_passes" "$fix/build/out/test_fixture.out"
check "C: the whole stderr kept" grep -qx "last words" "$fix/build/out/test_fixture.err"
check "the log marks where each program starts" grep -q "^===== test_fixture: " "$fix/build/test.log"

shows "ASan: the count line" "test_sanfixture                 1 passed, 1 failed"
shows "ASan: the report names the test it came in" \
    "  test_sanfixture: not ok - sanitizer report in test_sanfixture, during test: test_use_after_free"
check "ASan: and shows the report" grep -qE \
    "^  test_sanfixture: #     ==[0-9]+==ERROR: AddressSanitizer: heap-use-after-free" "$TMP/runner.out"
shows "shell: the count line" "t_fixture.sh                    2 passed, 3 failed"
shows "shell: check_eq shows the expected value" "  t_fixture.sh: #   expected: 12"
shows "shell: check_eq shows the actual value" "  t_fixture.sh: #   got:      13"
shows "shell: check_num shows both values" "  t_fixture.sh: #   expected: 9 -le 4 (got 9, and 4)"
shows "shell: a sanitizer report names its check" \
    "  t_fixture.sh: not ok - sanitizer report, in: fixture: after the bad run"
shows "shell: and shows the report" \
    "  t_fixture.sh: #     ==1==ERROR: AddressSanitizer: heap-use-after-free (made up)"
shows "the last line" "$fix/build: 4 passed, 6 failed (each program's output in $fix/build/out/NAME.out, .err)"
check_eq "the results file" "4 6" "$(cat "$fix/build/results")"

bash "$TESTS_DIR/summary.sh" "$fix/build/results" >"$TMP/summary.out" 2>&1
RC=$?
check_rc "summary.sh: fails" 1
check_eq "summary.sh: the closing line" "4 passed, 6 failed" "$(tail -n 1 "$TMP/summary.out")"
check "summary.sh: repeats the details" grep -qF "CHECK_EQ_INT(6 * 7, 41): got 42, expected 41" \
    "$TMP/summary.out"

# A passing suite: the results, no details, summary.sh exits 0.
rm -f "$fix/build/tests/test_fixture" "$fix/build/tests/test_sanfixture" "$fix/scripts/t_fixture.sh"
printf '. "%s/cli_lib.sh"\nok "fine"\n' "$TESTS_DIR" > "$fix/scripts/t_fine.sh"
TEST_SCRIPTS=$fix/scripts bash "$TESTS_DIR/run.sh" "$fix/build" >"$TMP/runner.out" 2>&1
check_eq "a passing suite: its results" "1 0" "$(cat "$fix/build/results")"
check_eq "a passing suite: no details" "" "$(cat "$fix/build/results.details")"
check_eq "a passing suite: summary.sh says so" "1 passed, 0 failed" \
    "$(bash "$TESTS_DIR/summary.sh" "$fix/build/results")"
