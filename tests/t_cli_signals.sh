#!/usr/bin/env bash
# Ctrl-C and SIGTERM: stop, write no partial record, leave no temporary
# file, exit 130.  pardo reads its paths from a FIFO that we hold open, so
# it is surely still running when the signal comes.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
mkdir in
for i in 1 2 3; do printf 'A bee %d. Then a cat.\n' "$i" > "in/f$i.txt"; done

# wait_handlers PID: until PID is pardo (not the shell that forked it) and
# catches SIGINT and SIGTERM (bits 2 and 15 of SigCgt in /proc), so that a
# signal is never sent before pardo can take it.  60 s is only a safety
# net (a TSan build on a loaded machine starts slowly).
exe=$(readlink -f "$PARDO")
wait_handlers() {
    local mask
    for _ in $(seq 1 3000); do
        mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        [ "$(readlink "/proc/$1/exe" 2>/dev/null)" == "$exe" ] && [ -n "$mask" ] &&
            (( (16#$mask & 0x4002) == 0x4002 )) && return 0
        sleep 0.02
    done
    return 1
}

# Job control, so that a background pardo does not start with SIGINT
# ignored (a non-interactive shell ignores it in background jobs).
set -m

# interrupt NAME SIGNAL JOBS: three paths, then the signal.
interrupt() {
    local name=$1 sig=$2 jobs=$3
    rm -f out.jsonl .out.jsonl.* stdout.jsonl sig.fifo
    mkfifo sig.fifo
    "$PARDO" count -t a -j "$jobs" -o out.jsonl - < sig.fifo > /dev/null 2> sig.err &
    local pid=$!
    exec 5> sig.fifo
    printf 'in/f1.txt\nin/f2.txt\nin/f3.txt\n' >&5
    wait_handlers "$pid"
    for _ in $(seq 1 100); do ls -A | grep -q '^\.out\.jsonl\.pardo-' && break; sleep 0.05; done
    sleep 0.1
    kill -"$sig" "$pid"
    wait "$pid"; RC=$?
    exec 5>&-
    check_rc "$name: status 130" 130
    check_eq "$name: no output file and no temporary file" "" "$(ls -A | grep out.jsonl)"

    rm -f sig.fifo; mkfifo sig.fifo
    "$PARDO" count -t a -j "$jobs" - < sig.fifo > stdout.jsonl 2> sig.err &
    pid=$!
    exec 5> sig.fifo
    printf 'in/f1.txt\nin/f2.txt\nin/f3.txt\n' >&5
    # With workers, the main thread waits in the path list while results
    # are ready (pardo_iter_next fills its window before it returns one),
    # so none may be out yet.
    local want=3
    wait_handlers "$pid"
    [ "$jobs" -gt 1 ] && want=0 && sleep 0.1
    for _ in $(seq 1 100); do [ "$(wc -l < stdout.jsonl)" -ge $want ] && break; sleep 0.05; done
    kill -"$sig" "$pid"
    wait "$pid"; RC=$?
    exec 5>&-
    check_rc "$name on stdout: status 130" 130
    if [ "$(wc -l < stdout.jsonl)" -ge $want ] && [ "$(grep -vc '^{"path":.*}}$' stdout.jsonl)" -eq 0 ] &&
       { [ ! -s stdout.jsonl ] || [ "$(tail -c 1 stdout.jsonl | od -An -c | tr -d ' ')" == '\n' ]; }; then
        ok "$name on stdout: the records written are whole"
    else
        notok "$name on stdout: the records written are whole" "$(cat stdout.jsonl)"
    fi
}

interrupt "SIGINT" INT 1
interrupt "SIGINT with workers" INT 2
interrupt "SIGTERM" TERM 2

# A signal ignored when pardo starts (nohup) stays ignored.
set +m
rm -f sig.fifo; mkfifo sig.fifo
( trap '' INT; exec "$PARDO" count -t a -q -j 1 - < sig.fifo > ign.out 2>/dev/null ) &
pid=$!
exec 5> sig.fifo
printf 'in/f1.txt\n' >&5
sleep 0.2
kill -INT "$pid" 2>/dev/null
sleep 0.2
printf 'in/f2.txt\n' >&5
exec 5>&-
wait "$pid"; RC=$?
check_rc "an inherited ignored SIGINT stays ignored" 0
check_eq "an inherited ignored SIGINT: every record" 2 "$(wc -l < ign.out)"

# An interrupt in the middle of a busy run: the workers are reading files
# (not waiting for paths).
set -m
yes in/f1.txt | head -n 200000 > busy.list
for j in 1 2; do
    "$PARDO" count -t a -j $j -o busy.jsonl --files-from busy.list 2>/dev/null &
    pid=$!
    wait_handlers "$pid"
    for _ in $(seq 1 100); do ls -A | grep -q '^\.busy\.jsonl\.pardo-' && break; sleep 0.02; done
    sleep 0.2
    kill -INT "$pid"
    wait "$pid"; RC=$?
    check_rc "SIGINT while busy (-j $j): status 130" 130
    check_eq "SIGINT while busy (-j $j): no output file, no temporary file" "" "$(ls -A | grep busy.jsonl)"
    "$PARDO" count -t a -j $j --files-from busy.list > busy.out 2>/dev/null &
    pid=$!
    wait_handlers "$pid"
    sleep 0.2
    kill -INT "$pid"
    wait "$pid"; RC=$?
    check_rc "SIGINT while busy on stdout (-j $j): status 130" 130
    if [ "$(grep -vc '^{"path":.*}}$' busy.out)" -eq 0 ] && [ "$(wc -l < busy.out)" -lt 200000 ]; then
        ok "SIGINT while busy on stdout (-j $j): whole records, the run stopped early"
    else
        notok "SIGINT while busy on stdout (-j $j): whole records, the run stopped early" "$(wc -l < busy.out) lines"
    fi
done
