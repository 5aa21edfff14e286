#!/usr/bin/env bash
# Runs every unit-test program in BUILD/tests and every tests/t_*.sh script,
# each under a time limit so that a deadlock fails a test instead of hanging
# CI.  A program's "ok"/"not ok" lines are its tests; a program that dies or
# exits non-zero without a "not ok" line counts as one more failure.
# Writes "PASSED FAILED" to BUILD/results; always exits 0 (summary.sh judges).
set -u
build=${1:-build}
limit=${TEST_TIMEOUT:-600}
export PARDO="$build/pardo" BUILD="$build" SHARED="${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}"
passed=0 failed=0
log="$build/test.log"; : > "$log"
run_one() {
    local name=$1; shift
    local out rc p f
    out=$(timeout -k 5 "$limit" "$@" 2>>"$log"); rc=$?
    p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
    grep '^not ok ' <<<"$out" | sed "s|^|  $name: |"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; echo "  $name: exited with status $rc$([ $rc -eq 124 ] && echo ' (timed out)')"
    fi
    printf '%-28s %4d passed, %d failed\n' "$name" "$p" "$f"
    passed=$((passed + p)); failed=$((failed + f))
}
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" ${VALGRIND:-} "$t"
done
for t in tests/t_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" bash "$t"
done
echo "$passed $failed" > "$build/results"
echo "$build: $passed passed, $failed failed (stderr in $log)"
exit 0
