#!/usr/bin/env bash
# pardo under mpirun (issue 7): the same bytes as a plain run, for every
# command, with 1 and 2 workers per rank, --isolate, --unordered, over shared
# memory and over TCP; error records, a file that only rank 0 sees, a rank
# killed mid-run, Ctrl-C.  Every mpirun runs under `timeout`, so that a hang
# fails a check instead of the suite.  Skipped without mpirun or when pardo
# was built without MPI (make MPI=0).
. "$(dirname "$0")/cli_lib.sh"

if ! command -v mpirun > /dev/null; then
    skip "pardo under mpirun" "mpirun not found"; exit 0
fi
TWIN=$(dirname "$PARDO")/pardo-mpi
if [ ! -x "$TWIN" ]; then
    skip "pardo under mpirun" "$PARDO was built without MPI (make MPI=0)"; exit 0
fi

# pardo itself loads no MPI library (a plain run does not pay for it); its
# twin does, and pardo execs it when a launcher started it.
if ldd "$PARDO" | grep -q libmpi; then
    notok "pardo does not link MPI" "$(ldd "$PARDO" | grep libmpi)"
else
    ok "pardo does not link MPI"
fi
check "pardo-mpi links MPI" eval 'ldd "$TWIN" | grep -q libmpi'
cp "$PARDO" "$TMP/pardo-alone"
OMPI_COMM_WORLD_SIZE=1 "$TMP/pardo-alone" --version >"$RUN_DIR/out" 2>"$RUN_DIR/err"
RC=$? ERR=$(cat "$RUN_DIR/err")
if [ "$RC" -eq 2 ] && grep -q "cannot run .*pardo-mpi" <<<"$ERR"; then
    ok "under a launcher without its twin: exit 2, says why"
else
    notok "under a launcher without its twin: exit 2, says why" "status $RC" "stderr: $ERR"
fi
rm -f "$TMP/pardo-alone"

# Open MPI's own allocations in MPI_Init are never freed and its threads
# are not instrumented: the suppressions of the library's MPI tests
# (tests/mpi/*.supp, make mpi-asan / mpi-tsan) cover them here too.  The
# leaks' stacks must reach libmpi's frames (slow unwinding), and a count of
# what was suppressed is no report.  symbolize=0: the suppressions name
# modules, which need no symbolizer, and mpirun kills the ranks that are
# still ending (their exit checks) when rank 0 exits with 1, symbolizer and
# all, which the sanitizer would report.
# A symbolizer started mid-run (TSan's, to match its suppressions) could
# also be shared, pipes and all, with the worker processes that --isolate
# forks: one TSan run of "tcp: --isolate" hung once in ~20 without this.
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0:symbolize=0"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:symbolize=0"
export LSAN_OPTIONS="suppressions=$TESTS_DIR/mpi/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TSAN_OPTIONS="${TSAN_OPTIONS}:suppressions=$TESTS_DIR/mpi/tsan.supp:symbolize=0"

# A safety net far above a run's few seconds (under TSan and load too):
# past it a run counts as hung, and with_limit says what it was doing.
LIMIT=${MPI_TEST_TIMEOUT:-300}
# --allow-run-as-root: CI runs as root.  --oversubscribe: 3 ranks on 2 cores.
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)
TCP=(--mca pml ob1 --mca btl self,tcp)
HOST=$(hostname)

cd "$TMP" || exit 1
mkdir in
cp "$TESTS_DIR"/golden/texts/*.txt "$TESTS_DIR"/data/attrib/unknown/*.txt in/
for i in 1 2 3 4 5 6; do printf 'A bee %d. Then a cat sat, the end.\n' "$i" > "in/f$i.txt"; done
LABELS=$TESTS_DIR/data/attrib/LABELS.tsv
FED=$SHARED/corpus/federalist

# mpi_run ARGS...: timeout mpirun ARGS; as run: $OUT, $ERR, $RC.
# A hang (status 124) leaves what every process was doing in $HANG.
mpi_run() {
    rm -f "$RUN_DIR/hang"
    with_limit "$LIMIT" "${MPIRUN[@]}" "$@" >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$?
    HANG=$(cat "$RUN_DIR/hang" 2>/dev/null)
    OUT=$(cat "$RUN_DIR/out")
    ERR=$(cat "$RUN_DIR/err")
}

# same NAME TRANSPORT... -- PARDO_ARGS...: pardo -j 1 against mpirun -n 3
# pardo (the PARDO_ARGS may add their own -j), byte for byte, status too;
# with --unordered, the records in any order.
same() {
    local name=$1 transport=() order=1; shift
    while [ "$1" != -- ]; do transport+=("$1"); shift; done; shift
    case " $* " in *" --unordered "*) order=0 ;; esac
    run "$@" -q -j 1; local want=$OUT want_rc=$RC
    mpi_run -n 3 "${transport[@]}" "$PARDO" "$@" -q
    if [ "$RC" -eq "$want_rc" ] && [ "$(sort <<<"$want")" == "$(sort <<<"$OUT")" ] &&
       { [ $order == 0 ] || [ "$want" == "$OUT" ]; }; then
        ok "$name"
    else
        notok "$name" "status $RC, plain $want_rc" "plain: $(head -c 300 <<<"$want")" \
            "mpirun: $(head -c 300 <<<"$OUT")" "stderr: $(head -c 600 <<<"$ERR")" \
            ${HANG:+"$(head -c 6000 <<<"$HANG")"}
    fi
}

for t in shm tcp; do
    tr=(); [ $t == tcp ] && tr=("${TCP[@]}")
    same "$t: count -j 1 per rank"          "${tr[@]}" -- count -t a,the,"a cat" -j 1 in
    same "$t: stats jsonl -j 2 per rank"    "${tr[@]}" -- stats -j 2 in
    same "$t: stats csv"                    "${tr[@]}" -- stats -f csv -j 1 in
    same "$t: words --corpus"               "${tr[@]}" -- words --top 5 --corpus -j 2 in
    same "$t: stats --unordered"            "${tr[@]}" -- stats --unordered -j 2 in
    same "$t: attribute"                    "${tr[@]}" -- attribute --known "$LABELS" -j 1 in
    same "$t: --isolate"                    "${tr[@]}" -- words --corpus --isolate -j 2 in
    same "$t: stats --lexdiv -j 2 per rank" "${tr[@]}" -- stats --lexdiv -j 2 in
    same "$t: stats --lexdiv --isolate csv" "${tr[@]}" -- stats --lexdiv --mattr-window 5 --isolate -f csv in
done
same "shm: attribute csv --isolate"         -- attribute -f csv --known "$LABELS" --isolate in
same "shm: attribute --loo"                 -- attribute --loo --known "$LABELS" -j 2
same "shm: words --favorites"               -- words --favorites 3 --known "$LABELS"
same "shm: attribute chars 3-grams, samples" -- attribute --known "$LABELS" --features chars --ngram 3 --sample-size 10 -j 2 in
same "shm: attribute --loo grid, samples"   -- attribute --loo --known "$LABELS" --mfw 20,50 --delta cosine,minmax --ngram 2 --sample-size 15 -j 2
same "tcp: attribute --loo chars grid"      "${TCP[@]}" -- attribute --loo --known "$LABELS" --mfw 20,50 --delta eder,argamon --features chars --ngram 4 -j 1
same "shm: cluster --matrix, samples"       -- cluster --matrix --features chars --ngram 3 --sample-size 12 -j 2 in
same "shm: cluster tree --isolate"          -- cluster --ngram 2 --linkage average --isolate in
same "shm: tsv words --unordered"           -- words -f tsv --unordered -j 2 in
same "shm: a missing file: the same error record" -- stats -j 1 in/f1.txt in/missing.txt in/f2.txt

# Every rank on this host and no PML chosen: pardo asks for ob1, and Open
# MPI then never opens cm (whose transports probe for network hardware).
# A PML the user names stays theirs.
mpi_run -n 2 --mca pml_base_verbose 10 "$PARDO" count -t a -q -j 1 in/f1.txt
if grep -q "found loaded component cm" <<<"$OUT$ERR"; then
    notok "one host: cm is not opened" "$(grep -m3 'component cm' <<<"$OUT$ERR")"
elif [ "$RC" -ne 0 ] || [ "$(grep -c 'select: component ob1 selected' <<<"$OUT$ERR")" -ne 2 ]; then
    notok "one host: cm is not opened" "status $RC; ob1 not selected by both ranks" \
        "$(head -c 600 <<<"$ERR")"
else
    ok "one host: cm is not opened"
fi
mpi_run -n 2 --mca pml ob1,cm --mca pml_base_verbose 10 "$PARDO" count -t a -q -j 1 in/f1.txt
if [ "$RC" -eq 0 ] && grep -q "found loaded component cm" <<<"$OUT$ERR"; then
    ok "one host: the user's --mca pml is kept"
else
    notok "one host: the user's --mca pml is kept" "status $RC" "$(head -c 600 <<<"$ERR")"
fi

# One rank, and a run of one rank per core as the benchmark runs it.
run count -t a -q -j 1 in; want=$OUT
mpi_run -n 1 "$PARDO" count -t a -q -j 2 in
check_eq "-n 1: the same records" "$want" "$OUT"
check_rc "-n 1: status 0" 0

if [ -d "$FED" ]; then
    same "shm: words --corpus over the Federalist Papers" -- words --corpus --top 50 "$FED"
    same "tcp: stats over the Federalist Papers" "${TCP[@]}" -- stats -f csv -j 2 "$FED"
    same "shm: stats --lexdiv over the Federalist Papers" -- stats --lexdiv -j 1 "$FED"
else
    skip "the Federalist Papers" "$FED not found"
fi

# The summary and --profile: rank 0 only, every rank's workers and items.
mpi_run -n 3 "$PARDO" stats -j 2 --profile -o prof.jsonl in
check_eq "summary: one line, 3 ranks x 2 workers" 1 "$(grep -c '6 workers (3 ranks x 2)' <<<"$ERR")"
check_eq "--profile: one table" 1 "$(grep -c '^stage ' <<<"$ERR")"
check_eq "--profile: every rank's files" "$(ls in | wc -l)" \
    "$(awk '$1 == "read" { print $2 }' <<<"$ERR")"
check_eq "-o: one file, written by rank 0" "$(ls in | wc -l)" "$(wc -l < prof.jsonl)"

# A file that only rank 0 sees: rank 0 walks in/ in one folder, ranks 1 and
# 2 run in another, where in/ is empty (as on a node without the files).
mkdir -p other/in
run stats -q -j 1 in; want=$OUT
mpi_run -n 1 --wdir "$TMP" "$PARDO" stats -q -j 1 in : -n 2 --wdir "$TMP/other" "$PARDO" stats -q -j 1 in
check_rc "seen by rank 0 only: status 1" 1
elsewhere=$(grep -c "\"error\":\"No such file or directory (on rank [12], host $HOST)\"}" <<<"$OUT")
check "seen by rank 0 only: the error records say which rank and host ($elsewhere)" test "$elsewhere" -gt 0
check "seen by rank 0 only: so do the stderr lines" \
    has "$ERR" ": No such file or directory (on rank "
bad=$(grep -vxF -f <(printf '%s\n' "$want") <<<"$OUT" | grep -vc "(on rank [12], host $HOST)\"}$")
check_eq "seen by rank 0 only: rank 0's records as in a plain run" 0 "$bad"
check_eq "seen by rank 0 only: one record per file" "$(ls in | wc -l)" "$(wc -l <<<"$OUT")"

# --isolate: a file that crashes its worker process is an error record; MPI
# never sees the crash.  The fault is an LD_PRELOAD library, as in
# t_cli_isolate.sh.  opal_signal "": no Open MPI backtrace from the worker.
if cc -shared -fPIC -O1 -o libfault.so "$TESTS_DIR/fault/fault_read.c" -ldl 2>cc.err; then
    run count -t a -q -j 1 in; want=$(grep -vF '"in/f3.txt"' <<<"$OUT")
    mpi_run -n 3 --mca opal_signal "" -x LD_PRELOAD="$TMP/libfault.so" -x PARDO_FAULT=segv \
        -x PARDO_FAULT_PATH=in/f3.txt -x ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0" \
        -x TSAN_OPTIONS="$TSAN_OPTIONS:handle_segv=0" \
        -x UBSAN_OPTIONS="$UBSAN_OPTIONS:handle_segv=0" "$PARDO" count -t a -q -j 2 --isolate in
    check_rc "--isolate, a crashing file: status 1" 1
    check "--isolate, a crashing file: its error record" has "$OUT" \
        '{"path":"in/f3.txt","error":"crashed: signal 11 (Segmentation fault) in stage read"}'
    check_eq "--isolate, a crashing file: the other records" "$want" \
        "$(grep -vF '"in/f3.txt"' <<<"$OUT")"
else
    notok "build the fault library" "$(cat cc.err)"
fi

# ---- a rank that dies, Ctrl-C --------------------------------------------------
# The run reads its paths from a FIFO that we hold open, so it is surely
# still running when the rank is killed or the signal comes.  Job control:
# a background job must not start with SIGINT ignored.
set -m
start_fifo_run() {      # start_fifo_run TRANSPORT... -- PARDO_ARGS...: $pid
    local transport=()
    while [ "$1" != -- ]; do transport+=("$1"); shift; done; shift
    rm -f list out.jsonl .out.jsonl.* so se
    mkfifo list
    timeout -k 5 "$LIMIT" "${MPIRUN[@]}" -n 3 "${transport[@]}" "$PARDO" "$@" \
        --files-from list > so 2> se &
    pid=$!
    exec 5<> list       # read-write: never waits for the reader
    if [ -d "$FED" ]; then printf '%s\n' "$FED"/*.txt; fi >&5
    printf 'in/%s\n' $(ls in) >&5
    # Until the three ranks run and catch SIGTERM (what mpirun sends them
    # on a Ctrl-C): events, not a guess of time; 60 s only a safety net.
    for _ in $(seq 1 1200); do
        [ "$(ranks | wc -l)" -eq 3 ] && break
        sleep 0.05
    done
    run_ranks=$(ranks | tr '\n' ' ')
    all_ranks+=" $run_ranks"
    local p
    for p in $run_ranks; do
        for _ in $(seq 1 1200); do catches_term "$p" && break; sleep 0.05; done
    done
}
catches_term() {    # catches_term PID: PID is pardo-mpi, its SIGTERM handler set
    local mask
    mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
    [[ "$(readlink "/proc/$1/exe" 2>/dev/null)" == */pardo-mpi ]] && [ -n "$mask" ] &&
        (( (16#$mask & 0x4000) == 0x4000 ))
}
all_ranks=""
alive() {       # alive PID...: those still running (a zombie is dead, and
    local p     # here init may be slow to reap)
    for p in "$@"; do
        [ -d /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null &&
            echo "$p"
    done
}
end_fifo_run() {    # waits for mpirun, then (10 s at most) for its ranks:
    wait $pid; RC=$?    # mpirun may end before them
    exec 5>&-
    for _ in $(seq 1 100); do
        [ -z "$(alive $run_ranks)" ] && break
        sleep 0.1
    done
}
mpirun_pid() {  # the run's mpirun, timeout's child
    pgrep -P "$pid" -x mpirun
}
ranks() {       # the pids of this run's ranks: mpirun's children
    pgrep -P "$(mpirun_pid)" -x 'pardo(-mpi)?'
}
rank_pid() {    # rank_pid N
    local p
    for p in $(ranks); do
        tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" &&
            echo "$p"
    done
}
whole_records() {   # every line of so is a whole record
    [ "$(grep -cv '^{"path":.*}$' so)" -eq 0 ] && return 0
    echo "# not whole records:"; grep -v '^{"path":.*}$' so | head -5 | cut -c1-200 | sed 's/^/#   /'
    cat -A so | tail -c 300; return 1
}

for t in shm tcp; do
    tr=(); [ $t == tcp ] && tr=("${TCP[@]}")
    start_fifo_run "${tr[@]}" -- stats -q -j 1 -o out.jsonl
    s=$SECONDS
    kill -9 "$(rank_pid 1)"
    end_fifo_run
    check "$t, rank 1 killed: mpirun fails, no hang (status $RC after $((SECONDS - s)) s)" \
        test "$RC" -ne 0 -a "$RC" -ne 124
    check_eq "$t, rank 1 killed: no -o file, no temporary file" "" "$(ls -A | grep out.jsonl)"
done
start_fifo_run -- stats -q -j 2
kill -9 "$(rank_pid 2)"
end_fifo_run
check "rank 2 killed, stdout: mpirun fails (status $RC)" test "$RC" -ne 0 -a "$RC" -ne 124
check "rank 2 killed, stdout: whole records only ($(wc -l < so))" whole_records

# Ctrl-C: mpirun sends SIGTERM to every rank.  Rank 0 stops taking files,
# the other ranks stop their pools, rank 0 writes whole records (or removes
# its temporary file) and every rank ends.  The signal goes to mpirun
# alone, as from a terminal: `timeout` would send a second one to its
# process group, where mpirun is too, and a second Ctrl-C makes mpirun
# kill the ranks at once.
start_fifo_run -- stats -q -j 2 -o out.jsonl
s=$SECONDS
kill -INT "$(mpirun_pid)"
end_fifo_run
check "Ctrl-C -o: mpirun fails, no hang (status $RC after $((SECONDS - s)) s)" \
    test "$RC" -ne 0 -a "$RC" -ne 124
check_eq "Ctrl-C -o: no -o file, no temporary file" "" "$(ls -A | grep out.jsonl)"
start_fifo_run "${TCP[@]}" -- stats -q -j 1
# Rank 0's records reach so only when it ends (its stdout is buffered, and
# mpirun's forwarding too), so there is no event to wait for here: a second
# for rank 0 to take some, as before.  "whole records only" does not
# depend on it; "took records before it" does, under extreme load.
sleep 1
kill -INT "$(mpirun_pid)"
end_fifo_run
check "Ctrl-C: mpirun fails (status $RC)" test "$RC" -ne 0 -a "$RC" -ne 124
check "Ctrl-C: whole records only ($(wc -l < so))" whole_records
check "Ctrl-C: rank 0 took records before it ($(wc -l < so))" test "$(wc -l < so)" -gt 0
check_eq "no rank left after any of these" "" "$(alive $all_ranks)"
