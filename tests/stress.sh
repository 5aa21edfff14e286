#!/usr/bin/env bash
# make stress: the whole suite of make test, STRESS times in a row, from
# builds that are already made: tests/run.sh on BUILD (the -Werror build)
# and on TSAN_BUILD, and tests/mpi/run.sh on BUILD.  With STRESS_LOAD=1,
# two busy loops run beside it for the whole run (a loaded machine: a test
# that waits for time instead of events fails here).  Each round's failures
# are shown with their details as they come; the last line counts them all:
#   stress: N rounds in S s, P passed, F failed (R rounds failed)
# Exits 1 if anything failed.  Usage: tests/stress.sh BUILD TSAN_BUILD
set -u
build=${1:-build/test} tsan=${2:-build/tsan}
rounds=${STRESS:-5} load=${STRESS_LOAD:-0}
here=$(dirname "$0")
start=$SECONDS
loops=()
stop_load() {
    local p
    for p in "${loops[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${loops[@]}"; do wait "$p" 2>/dev/null; done
    loops=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM
if [ "$load" = 1 ]; then
    for _ in 1 2; do
        bash -c 'while :; do :; done' &
        loops+=($!)
    done
    echo "stress: load: two busy loops (pids ${loops[*]})"
fi

all_p=0 all_f=0 bad_rounds=0 report=""
for ((r = 1; r <= rounds; r++)); do
    echo "==== stress round $r of $rounds ($((SECONDS - start)) s so far)"
    results=()
    for b in "$build" "$tsan"; do
        [ -d "$b" ] || continue
        "$here/run.sh" "$b" | grep -v '^[^ ].* [0-9]* passed, 0 failed$'
        results+=("$b/results")
    done
    if [ -x "$build/tests/mpi/test_mpi" ]; then
        "$here/mpi/run.sh" "$build" | grep -v '^ok '
        results+=("$build/mpi-results")
    fi
    p=0 f=0
    for res in "${results[@]}"; do
        if [ -f "$res" ]; then read -r a b < "$res"; p=$((p + a)); f=$((f + b))
        else f=$((f + 1)); fi
        if [ -s "$res.details" ]; then
            report+="round $r, $res:"$'\n'"$(cat "$res.details")"$'\n'
        fi
    done
    echo "stress round $r: $p passed, $f failed"
    all_p=$((all_p + p)); all_f=$((all_f + f))
    [ "$f" -gt 0 ] && bad_rounds=$((bad_rounds + 1))
done
stop_load
if [ -n "$report" ]; then
    echo "---- every failure, round by round ----"
    printf '%s' "$report"
    echo "---------------------------------------"
fi
echo "stress: $rounds rounds in $((SECONDS - start)) s$([ "$load" = 1 ] && echo ' under load'), $all_p passed, $all_f failed ($bad_rounds rounds failed)"
[ "$all_f" -eq 0 ]
