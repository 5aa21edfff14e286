#!/usr/bin/env bash
# Runs the MPI tests (make mpi-check): test_mpi over shared memory and over
# TCP with 3 ranks, with 1 rank, with 2 ranks under MPI_THREAD_SINGLE (no
# helper thread on rank 0); test_kill, where a rank dies and mpirun must end
# the job; and the example.  Each run is under a time limit, so that a hang
# fails a test instead of CI.  Prints "ok - ..." / "not ok - ..." lines,
# writes "PASSED FAILED" to BUILD/mpi-results, exits 1 if anything failed.
# stderr of the runs goes to BUILD/tests/mpi/test.log, each after a "== "
# line naming the run; a failure shows the "# " lines under its "not ok"
# and the last lines of its run's stderr, here and in
# BUILD/mpi-results.details (which tests/summary.sh prints again).
set -u
build=${1:-build}
limit=${MPI_TEST_TIMEOUT:-300}   # a safety net: a run takes seconds
bin="$build/tests/mpi"
log="$bin/test.log"; : > "$log"
details="$build/mpi-results.details"; : > "$details"
err=$(mktemp); trap 'rm -f "$err" "$err.tap"' EXIT
# --allow-run-as-root: CI runs as root.  --oversubscribe: more ranks than
# cores.  opal_signal "": without it, Open MPI's crash handler, inherited by
# a process pool's workers, prints a backtrace for every item that crashes.
mpirun=(${MPIRUN:-mpirun} --allow-run-as-root --oversubscribe --mca opal_signal "")
for v in ASAN_OPTIONS LSAN_OPTIONS TSAN_OPTIONS UBSAN_OPTIONS; do  # make mpi-asan, mpi-tsan
    [ -n "${!v:-}" ] && mpirun+=(-x "$v")
done
tcp=(--mca pml ob1 --mca btl self,tcp)
passed=0 failed=0

ok()     { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {      # not_ok NAME: with the last lines of the run's stderr
    { echo "not ok - $1"; echo "#   the last lines of its stderr (all in $log):"
      tail -n 15 "$err" | sed 's/^/#     /'; } | tee -a "$details"
    failed=$((failed + 1))
}
# mpi_stderr LABEL: the run's stderr, from $err, into the log.
mpi_stderr() { { echo "== $1"; cat "$err"; } >> "$log"; }

# run LABEL ARGS...: a test program's own ok/not ok lines, labelled.
run() {
    local label=$1; shift
    local out rc
    out=$(timeout -k 5 "$limit" "${mpirun[@]}" "$@" 2>"$err"); rc=$?
    mpi_stderr "$label: $*"
    local p f
    p=$(grep -c '^ok ' <<<"$out"); f=$(grep -c '^not ok ' <<<"$out")
    # ok and not ok lines labelled, a not ok's "# " lines under it
    awk -v l="$label" '/^(not )?ok - / { keep = /^not/; sub(/ok - /, "ok - " l ": "); print; next }
                       keep && /^#/ { print; next } { keep = 0 }' <<<"$out" > "$err.tap"
    cat "$err.tap"
    if [ "$f" -gt 0 ]; then     # the ranks' CHECK lines are on stderr
        grep -v '^ok ' "$err.tap" >> "$details"
        { echo "#   the last lines of its stderr (all in $log):"
          tail -n 15 "$err" | sed 's/^/#     /'; } | tee -a "$details"
    fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        not_ok "$label: exited with status $rc$([ $rc -eq 124 ] && echo ' (timed out)')"
    elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        not_ok "$label: no test ran"
    fi
}

run "shm -n 3"    -n 3 "$bin/test_mpi"
run "tcp -n 3"    -n 3 "${tcp[@]}" "$bin/test_mpi"
run "-n 1"        -n 1 "$bin/test_mpi"
run "single -n 2" -n 2 "$bin/test_mpi" --single

# A killed rank: the job must end, non-zero, well before the limit.
for t in shm tcp; do
    extra=(); [ $t = tcp ] && extra=("${tcp[@]}")
    start=$SECONDS
    out=$(timeout -k 5 "$limit" "${mpirun[@]}" -n 3 "${extra[@]}" "$bin/test_kill" 2>"$err")
    rc=$? took=$((SECONDS - start))
    mpi_stderr "kill $t"
    if [ "$rc" -ne 0 ] && [ "$took" -lt "$limit" ] && grep -q '^results ' <<<"$out"; then
        ok "$t -n 3: a killed rank ends the job (exit $rc after ${took}s)"
    else
        not_ok "$t -n 3: a killed rank ends the job (exit $rc after ${took}s)"
    fi
done

# The example: 20 right squares, printed once.
out=$(timeout -k 5 "$limit" "${mpirun[@]}" -n 3 "$build/examples/mpi/squares_mpi" 2>"$err")
mpi_stderr "example squares_mpi -n 3"
if [ "$(awk -F'[ ^=]+' '$1 * $1 == $3' <<<"$out" | wc -l)" -eq 20 ] &&
   [ "$(wc -l <<<"$out")" -eq 20 ]; then
    ok "example squares_mpi -n 3"
else
    not_ok "example squares_mpi -n 3"
fi

echo "$passed $failed" > "$build/mpi-results"
echo "MPI: $passed passed, $failed failed (stderr in $log)"
[ "$failed" -eq 0 ]
