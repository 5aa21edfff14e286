#!/usr/bin/env bash
# --halt soon|now,fail=N|P%: GNU parallel's halting, with files for jobs.
# Failures here are damaged gzip streams (as root every file can be read).
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
mkdir d
for i in $(seq -w 1 3000); do printf 'a\n' > "d/f$i.txt"; done
for i in 0005 0010 0015 0020 0025; do printf '\037\213\010xx' > "d/f$i.txt"; done
run count -t a -q -j 1 d; full=$OUT
check_eq "without --halt every file has its record" 3000 "$(grep -c . <<<"$full")"

# -j 1 stops right after the N-th failure.
for when in soon now; do
    run count -t a -j 1 --halt $when,fail=2 d
    check_eq "-j 1 --halt $when,fail=2: the records up to the 2nd failure" \
        "$(head -n 10 <<<"$full")" "$OUT"
    check_rc "-j 1 --halt $when,fail=2: status 1" 1
    check "-j 1 --halt $when,fail=2: the summary says so" has "$ERR" "halted after 2 failures"
done
# P% of all the files, counted first: 0.15% of 3000 is 4.5, so the 5th.
run count -t a -q -j 1 --halt soon,fail=0.15% d
check_eq "--halt soon,fail=0.15%: stops at the 5th failure of 3000 files" \
    "$(head -n 25 <<<"$full")" "$OUT"
run count -t a -q -j 1 --halt now,fail=1% d
check_eq "--halt now,fail=1%: 30 failures never come" "$full" "$OUT"
check_rc "--halt fail=P% not reached: status 1 for the failed files" 1

# Workers: the records written are whole, in order, a prefix of the full
# output; at most the window (64 files a thread, 8 a process) past the halt.
for how in "-j 2" "--isolate -j 2"; do
    for when in soon now; do
        run count -t a -q $how --halt $when,fail=2 d
        n=$(grep -c . <<<"$OUT")
        check_eq "$how --halt $when,fail=2: a prefix of the records, in order" \
            "$(head -n "$n" <<<"$full")" "$OUT"
        if [ "$n" -ge 10 ] && [ "$n" -le $((10 + 2 * 64 + 2)) ]; then
            ok "$how --halt $when,fail=2: no file started past the window"
        else notok "$how --halt $when,fail=2: no file started past the window" "$n records"; fi
        check_rc "$how --halt $when,fail=2: status 1" 1
    done
done
run count -t a -j 2 --halt soon,fail=1 -o out.jsonl d
check "-o FILE is written when halted" test -s out.jsonl
check "-o FILE: the summary says halted" has "$ERR" "halted after"

run count -t a -q --halt never d
check_eq "--halt never runs every file" "$full" "$OUT"
for bad in soon now,fail=0 soon,fail=x later,fail=1 soon,fail=0% soon,fail=101% soon,success=1; do
    run count -t a --halt "$bad" d
    check_rc "--halt $bad is a usage error" 2
done
printf 'd/f0001.txt\n' > list
run count -t a --halt soon,fail=5% --files-from list
check_rc "--halt fail=P% with a path list is a usage error" 2
check "... and says why" has "$ERR" "not with a path list"
