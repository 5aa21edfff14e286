#!/usr/bin/env bash
# Which files a run reads and in what order: directory walks, symbolic
# links, path lists, and that lists are read lazily.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
paths() { sed 's/^{"path":"\([^"]*\)".*/\1/' <<<"$OUT" | tr '\n' ' ' | sed 's/ $//'; }

mkdir -p t/b t/a/deep t/C
for f in t/b/2.txt t/b/10.txt t/a/deep/x.txt t/a/z.txt t/C/c.txt t/top.txt t/.hidden; do
    printf 'a\n' > "$f"
done
mkfifo t/fifo

run count -t a -q t
check_eq "a walk: regular files only, sorted by name bytes, depth first, no hidden file" \
    "t/C/c.txt t/a/deep/x.txt t/a/z.txt t/b/10.txt t/b/2.txt t/top.txt" "$(paths)"
check_rc "a walk skips a FIFO silently" 0
run count -t a -q --hidden t/
check_eq "a trailing slash gives no double slash" "t/.hidden" "$(paths | cut -d' ' -f1)"
run count -t a -q t/top.txt t/b t/a/z.txt
check_eq "operands keep their order" "t/top.txt t/b/10.txt t/b/2.txt t/a/z.txt" "$(paths)"
for j in 1 2 4; do
    run count -t a -q -j $j --hidden t
    check_eq "the order is the same with -j $j" \
        "t/.hidden t/C/c.txt t/a/deep/x.txt t/a/z.txt t/b/10.txt t/b/2.txt t/top.txt" "$(paths)"
done

# Symbolic links: skipped inside a walk without -L, followed with -L;
# a link back up the tree is a loop, reported once and skipped.
mkdir -p s/real
printf 'a\n' > s/real/f.txt
ln -s real s/link
ln -s ../real/f.txt s/real/flink.txt
ln -s .. s/real/up
ln -s nowhere s/broken
run count -t a -q s
check_eq "without -L links are skipped" "s/real/f.txt" "$(paths)"
check_rc "without -L: status 0" 0
run count -t a -q -L s
check_eq "with -L links are followed, loops skipped" \
    "s/link/f.txt s/link/flink.txt s/real/f.txt s/real/flink.txt" "$(paths)"
check "with -L a loop is reported on stderr" has "$ERR" "loop"
run count -t a -q s/link
check_eq "a link named on the command line is followed" "s/link/f.txt" "$(paths)"

# Path lists: stdin (-), --files-from, newline or NUL separated.
printf 't/top.txt\n\nt/b/2.txt\n' | "$PARDO" count -t a -q - > o.txt; OUT=$(cat o.txt)
check_eq "- reads paths from stdin, blank lines skipped" "t/top.txt t/b/2.txt" "$(paths)"
printf 't/top.txt\n' > list1
run count -t a -q --files-from list1 t/b/2.txt
check_eq "--files-from comes after the operands" "t/b/2.txt t/top.txt" "$(paths)"
printf 'with\nnewline' > "t/new
line.txt"
printf 't/top.txt\0t/new\nline.txt\0' | "$PARDO" count -t a -q -0 - > o.txt; OUT=$(cat o.txt)
check_eq "-0: NUL-separated, a newline inside a name" \
    '{"path":"t/top.txt"} {"path":"t/new\nline.txt"}' \
    "$(sed 's/,.*/}/' o.txt | tr '\n' ' ' | sed 's/ $//')"
(cd t && find . -type f -print0 | sort -z) | (cd t && "$PARDO" count -t a -q -0 --files-from -) > o.txt
check_eq "find -print0 | pardo -0 --files-from -" 8 "$(wc -l < o.txt)"
run count -t a -q --files-from does-not-exist
check_rc "an unreadable path list is a fatal error" 2

# Laziness: an endless list.  If pardo read it all before working, this
# would never end; it must stop quietly when head has its lines.
for j in 1 2; do
    out=$(timeout 120 bash -c "yes t/top.txt | '$PARDO' count -t a -j $j - 2>err.txt | head -n 5")
    rc=$?
    if [ $rc -eq 0 ] && [ "$(wc -l <<<"$out")" -eq 5 ] && [ ! -s err.txt ]; then
        ok "an endless path list is read lazily (-j $j)"
    else
        notok "an endless path list is read lazily (-j $j)" "status $rc" "$(cat err.txt)"
    fi
done

# A slow list: the records of the paths read so far come out before the
# list ends (-j 1 works in the calling thread, so nothing waits for the list).
mkfifo slow.fifo
"$PARDO" count -t a -q -j 1 - < slow.fifo > slow.out &
pid=$!
exec 5> slow.fifo
printf 't/top.txt\n' >&5
for i in $(seq 1 600); do [ -s slow.out ] && break; sleep 0.1; done   # 60 s: a safety net
if [ -s slow.out ]; then ok "records come out while the path list is still open"
else notok "records come out while the path list is still open"; fi
printf 't/b/2.txt\n' >&5
exec 5>&-
wait "$pid"; RC=$?
check_rc "the list ends when its writer closes it" 0
check_eq "both records" 2 "$(wc -l < slow.out)"
