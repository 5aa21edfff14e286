#!/usr/bin/env bash
# --isolate and --timeout (issue 6): a file that crashes or hangs its worker
# fails alone, with the reason; the rest of the run goes on.  The faults
# come from an LD_PRELOAD library (tests/fault/fault_read.c) that misbehaves
# inside read() for one chosen file: no test hook in the product.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
cc -shared -fPIC -O1 -o libfault.so "$TESTS_DIR/fault/fault_read.c" -ldl 2>cc.err ||
    { notok "build the fault library" "$(cat cc.err)"; exit 0; }
FAULT=$TMP/libfault.so
mkdir in
for i in 1 2 3 4 5 6; do printf 'A bee %d. Then a cat sat.\n' "$i" > "in/f$i.txt"; done

# The sanitizers' runtimes catch SEGV and abort themselves and would turn
# the crash into an exit: let the signal through, as in a normal build.
export ASAN_OPTIONS="${ASAN_OPTIONS}:handle_segv=0:handle_abort=0"
export TSAN_OPTIONS="${TSAN_OPTIONS}:handle_segv=0:handle_abort=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS}:handle_segv=0:handle_abort=0"

# faulty FAULT ARGS...: pardo with the fault on in/f3.txt.
faulty() {
    PARDO_FAULT=$1 PARDO_FAULT_PATH=in/f3.txt LD_PRELOAD=$FAULT run "${@:2}"
}

run count -t a -j 2 in
good=$OUT
f3_line=$(grep -F '"in/f3.txt"' <<<"$good")
others=$(grep -vF '"in/f3.txt"' <<<"$good")

for j in 1 2 4; do
    faulty segv count -t a -j $j --isolate in
    check_rc "segv -j $j: status 1" 1
    check_eq "segv -j $j: the other files as without the fault" "$others" "$(grep -vF '"in/f3.txt"' <<<"$OUT")"
    check_eq "segv -j $j: an error record in f3's place" \
        '{"path":"in/f3.txt","error":"crashed: signal 11 (Segmentation fault) in stage read"}' \
        "$(sed -n 3p <<<"$OUT")"
    check "segv -j $j: the reason on stderr" has "$ERR" "pardo: in/f3.txt: crashed: signal 11 (Segmentation fault) in stage read"
done

faulty abort stats -j 2 --isolate in
check_rc "abort: status 1" 1
check "abort: signal 6" has "$OUT" '"error":"crashed: signal 6 (Aborted) in stage read"'
check_eq "abort: six records" 6 "$(wc -l <<<"$OUT")"

faulty exit words -j 2 --isolate in
check_rc "_exit: status 1" 1
check "_exit: the worker exited" has "$OUT" '"error":"crashed: the worker exited in stage read"'

start=$(date +%s.%N)
PARDO_FAULT_PATH=in/f3.txt PARDO_FAULT=stall LD_PRELOAD=$FAULT run count -t a -j 2 --isolate --timeout 1 in
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
check_rc "stall --timeout 1: status 1" 1
check "stall --timeout 1: timed out in stage read" has "$OUT" '{"path":"in/f3.txt","error":"timed out after 1.0 s in stage read"}'
check_eq "stall --timeout 1: the other files" "$others" "$(grep -vF '"in/f3.txt"' <<<"$OUT")"
check "stall --timeout 1: killed, not waited for (took $took s)" awk -v t="$took" 'BEGIN { exit !(t < 20) }'

# Threads cannot be killed: the file runs to its end, then counts as timed out.
PARDO_FAULT_PATH=in/f3.txt PARDO_FAULT=slow PARDO_FAULT_SECONDS=1.5 LD_PRELOAD=$FAULT \
    run count -t a -j 2 --timeout 0.5 in
check_rc "threads, slow file past --timeout: status 1" 1
check "threads: timed out after 0.5 s in stage read" has "$OUT" '{"path":"in/f3.txt","error":"timed out after 0.5 s in stage read"}'
check_eq "threads: the other files" "$others" "$(grep -vF '"in/f3.txt"' <<<"$OUT")"

# Without faults --isolate gives the same bytes as threads, for every command.
for cmd in "count -t a,the" "stats" "stats --lexdiv --mattr-window 3" "words --top 3 --corpus" \
           "words --corpus-only"; do
    run $cmd -j 2 in; a=$OUT
    run $cmd -j 2 --isolate in; b=$OUT
    check_eq "--isolate = threads: $cmd" "$a" "$b"
done
if [ -d "$SHARED/corpus/federalist" ]; then
    run words --corpus-only -j 2 "$SHARED/corpus/federalist"; a=$OUT
    run words --corpus-only -j 2 --isolate "$SHARED/corpus/federalist"; b=$OUT
    check_eq "--isolate = threads: words --corpus-only over the Federalist Papers" "$a" "$b"
fi

# Ctrl-C with --isolate while a file hangs: the first signal stops handing
# out files and gives the running one a second; the finished records are
# written, in order; no temporary file and no process is left; status 130.
set -m
exe=$(readlink -f "$PARDO")
# wait_until COMMAND...: until it succeeds (60 s: a safety net), polling.
wait_until() {
    for _ in $(seq 1 3000); do "$@" && return 0; sleep 0.02; done
    return 1
}
# fault_processes: pardo processes (workers included) with the fault
# library, alive (a zombie has no environment left to read).
fault_processes() {
    local p
    for p in $(pgrep -x pardo); do
        tr '\0' '\n' 2>/dev/null < "/proc/$p/environ" | grep -qxF "LD_PRELOAD=$FAULT" && echo "$p"
    done
}
no_fault_process() { [ -z "$(fault_processes)" ]; }
wait_started() {        # until pardo catches SIGINT (60 s: a safety net)
    local mask
    for _ in $(seq 1 3000); do
        mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        [ "$(readlink "/proc/$1/exe" 2>/dev/null)" == "$exe" ] && [ -n "$mask" ] &&
            (( (16#$mask & 0x2) == 0x2 )) && return 0
        sleep 0.02
    done
    return 1
}
for mode in --isolate --threads; do
    flag=$mode; [ "$mode" == --threads ] && flag=
    rm -f out.jsonl .out.jsonl.* stalled
    PARDO_FAULT_PATH=in/f3.txt PARDO_FAULT=stall PARDO_FAULT_MARK=stalled LD_PRELOAD=$FAULT \
        "$PARDO" count -t a -j 2 $flag in > int.out 2> int.err &
    pid=$!
    wait_started $pid
    # until the hung file is being read: the two before it are done or
    # finish within the grace (not a guess of time)
    wait_until test -e stalled
    start=$(date +%s.%N)
    kill -INT $pid
    wait $pid; RC=$?
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    check_rc "Ctrl-C $mode with a hung file: status 130" 130
    # The grace is 1 s and the hung file would take an hour: 60 s is only
    # a safety net, far above the grace on any machine.
    check "Ctrl-C $mode: ends after the grace, not the hung file (took $took s)" \
        awk -v t="$took" 'BEGIN { exit !(t < 60) }'
    check_eq "Ctrl-C $mode: the finished records before the hung file, whole" \
        "$(head -n 2 <<<"$good")" "$(cat int.out)"
    wait_until no_fault_process
    check_eq "Ctrl-C $mode: no process left" "" "$(fault_processes)"

    PARDO_FAULT_PATH=in/f3.txt PARDO_FAULT=stall LD_PRELOAD=$FAULT \
        "$PARDO" count -t a -j 2 $flag -o out.jsonl in 2> int.err &
    pid=$!
    wait_started $pid
    kill -INT $pid
    wait $pid; RC=$?
    check_rc "Ctrl-C $mode -o: status 130" 130
    check_eq "Ctrl-C $mode -o: no output and no temporary file" "" "$(ls -A | grep out.jsonl)"
done

# A second Ctrl-C kills at once, workers included.
rm -f stalled
PARDO_FAULT_PATH=in/f3.txt PARDO_FAULT=stall PARDO_FAULT_MARK=stalled LD_PRELOAD=$FAULT \
    "$PARDO" count -t a -j 2 --isolate in > /dev/null 2> int.err &
pid=$!
wait_started $pid
wait_until test -e stalled
kill -INT $pid; sleep 0.05; kill -INT $pid
wait $pid; RC=$?
check "second Ctrl-C: killed by SIGINT (status $RC)" test "$RC" -eq 130
# The workers die with pardo (a SIGKILL from the kernel), a moment after.
wait_until no_fault_process
check_eq "second Ctrl-C: no worker left" "" "$(fault_processes)"
