#!/usr/bin/env bash
# Adds up the results files of the test runs and prints the closing line.
# Before it, the details of every failure (RESULTS.details, written by
# tests/run.sh and tests/mpi/run.sh beside each results file), so that the
# end of CI's log says why without a search through it.
set -u
p=0 f=0
for r in "$@"; do
    if [ -f "$r" ]; then read -r a b < "$r"; p=$((p + a)); f=$((f + b))
    else echo "missing $r"; f=$((f + 1)); fi
done
if [ "$f" -gt 0 ]; then
    echo "---- failures ----"
    for r in "$@"; do
        [ -s "$r.details" ] && { echo "$r:"; cat "$r.details"; }
    done
    echo "------------------"
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
