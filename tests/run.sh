#!/usr/bin/env bash
# Runs every unit-test program in BUILD/tests and every t_*.sh script (in
# tests/, or in $TEST_SCRIPTS), each under a time limit so that a deadlock
# fails a test instead of hanging CI.  A program's "ok"/"not ok" lines are
# its tests; a program that dies or exits non-zero without a "not ok" line
# counts as one more failure, and so does a sanitizer's report in its stderr.
#
# What a failure looks like, so that CI's log alone says why:
#   - each "not ok" line with the "# " lines under it (the expected and the
#     actual values, the command);
#   - a program that died: its status, and the last lines of its stderr
#     under the name of the test that was running (tests/check.h writes
#     "--- name" there before each test);
#   - a sanitizer's report: the test it came in, and its first lines;
#   - where the whole output is: every program's stdout and stderr are kept
#     in BUILD/out/NAME.out and NAME.err, and BUILD/test.log has every
#     stderr, each after a "===== NAME" line.
# Writes "PASSED FAILED" to BUILD/results and the failures' details to
# BUILD/results.details (tests/summary.sh prints them again at the end of
# make test); always exits 0 (summary.sh judges).
set -u
build=${1:-build}
limit=${TEST_TIMEOUT:-600}
scripts=${TEST_SCRIPTS:-$(dirname "$0")}
export PARDO="$build/pardo" BUILD="$build" SHARED="${SHARED:-$(cd "$(dirname "$0")/../.." && pwd)/shared}"
passed=0 failed=0
outdir="$build/out"
mkdir -p "$outdir"
log="$build/test.log"; : > "$log"
details="$build/results.details"; : > "$details"
# A sanitizer report's first line (ASan, LSan, TSan, UBSan).
san_re='^(==[0-9]+==ERROR: [A-Za-z]+Sanitizer|WARNING: ThreadSanitizer|ThreadSanitizer: |[^ ]+:[0-9]+:[0-9]+: runtime error: )'

# say TEXT...: to stdout and to the details file.
say() { printf '%s\n' "$@" | tee -a "$details"; }

# The "not ok" lines of a TAP stream, each with the "#" lines under it.
failures_of() {
    awk '/^not ok /        { keep = 1; print; next }
         keep && /^#/      { print; next }
                           { keep = 0 }' "$1"
}

# The test each "--- name" marker of a stderr file opened, for line N.
test_at() {
    awk -v n="$2" 'NR > n { exit } /^--- / { t = substr($0, 5) } END { print t }' "$1"
}

run_one() {
    local name=$1; shift
    local out="$outdir/$name.out" err="$outdir/$name.err" rc p f
    timeout -k 5 "$limit" "$@" >"$out" 2>"$err"; rc=$?
    { echo "===== $name: $*"; cat "$err"; } >> "$log"
    p=$(grep -c '^ok ' "$out"); f=$(grep -c '^not ok ' "$out")
    local why=()
    [ "$f" -gt 0 ] && mapfile -t why < <(failures_of "$out")
    # Died: any status but the 1 of a program whose "not ok" lines say why.
    if [ "$rc" -ne 0 ] && { [ "$f" -eq 0 ] || [ "$rc" -ne 1 ]; }; then
        f=$((f + 1))
        why+=("not ok - $name exited with status $rc$([ $rc -eq 124 ] && echo ' (timed out after '"$limit"' s)')$([ $rc -gt 128 ] && [ $rc -ne 124 ] && echo " (signal $((rc - 128)))")")
        local t; t=$(test_at "$err" "$(wc -l < "$err")")
        [ -n "$t" ] && why+=("#   it was running: $t")
        why+=("#   the last lines of its stderr:")
        mapfile -t -O "${#why[@]}" why < <(tail -n 15 "$err" | sed 's/^/#     /')
    fi
    # A sanitizer's report fails the program even if every test said ok.
    local at
    at=$(grep -nE -m1 "$san_re" "$err" | cut -d: -f1)
    if [ -n "$at" ]; then
        [ "$f" -eq 0 ] && f=1
        why+=("not ok - sanitizer report in $name, during test: $(test_at "$err" "$at")")
        mapfile -t -O "${#why[@]}" why < <(tail -n "+$at" "$err" | head -n 40 | sed 's/^/#     /')
    fi
    printf '%-28s %4d passed, %d failed\n' "$name" "$p" "$f"
    if [ "${#why[@]}" -gt 0 ]; then
        printf '%s\n' "${why[@]}" | sed "s|^|  $name: |" | tee -a "$details"
        say "  $name: whole output: $out, stderr: $err"
    fi
    passed=$((passed + p)); failed=$((failed + f))
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case $t in *.o|*.d) continue ;; esac
    run_one "$(basename "$t")" ${VALGRIND:-} "$t"
done
for t in "$scripts"/t_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" bash "$t"
done
echo "$passed $failed" > "$build/results"
echo "$build: $passed passed, $failed failed (each program's output in $outdir/NAME.out, .err)"
exit 0
