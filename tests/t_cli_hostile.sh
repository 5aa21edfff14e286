#!/usr/bin/env bash
# A hostile corpus and a careless command line: nothing lost, nothing
# clobbered (issue 14).  Each check is named after the case it covers.
# Cases that need an unprivileged user run under setpriv as nobody.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
printf 'Hello world. Hi there!\n' > x.txt
"$PARDO" stats -q x.txt > x.want 2>/dev/null
SAN=$(sanitizer)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# as_nobody CMD...: runs CMD as user nobody (stdout in $OUT, stderr $ERR).
as_nobody() {
    "${NOBODY[@]}" "$@" >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$?
    OUT=$(cat "$RUN_DIR/out")
    ERR=$(cat "$RUN_DIR/err")
}

# ---- 1. -o FILE never replaces what is not a regular file -------------------

mkdir o1 && cd o1 || exit 1
cp ../x.txt x.txt
if mknod -m 666 null c 1 3 2>/dev/null; then
    run stats -q -o null x.txt
    check_rc "1 -o a device: status 0" 0
    check "1 -o a device: still a character device" test -c null
else
    skip "1 -o a device: still a character device" "mknod not permitted here"
fi
mkfifo fifo
cat fifo > fifo.got &
reader=$!
run stats -q -o fifo x.txt
[ -p fifo ] || kill "$reader" 2>/dev/null   # replaced: the reader would wait forever
wait "$reader"
check_rc "1 -o a FIFO: status 0" 0
check "1 -o a FIFO: still a FIFO" test -p fifo
check_eq "1 -o a FIFO: the reader got the record" "$(cat ../x.want)" "$(cat fifo.got)"
mkdir sub
ln -s sub/real.jsonl link
run stats -q -o link x.txt
check "1 -o a dangling symlink: still a symlink" test -L link
check_eq "1 -o a dangling symlink: the record in its target" "$(cat ../x.want)" "$(cat sub/real.jsonl 2>&1)"
run stats -q -o link x.txt
check "1 -o a symlink to a file: still a symlink" test -L link
check_eq "1 -o a symlink to a file: its target rewritten" "$(cat ../x.want)" "$(cat sub/real.jsonl 2>&1)"
echo old > private.jsonl
chmod 600 private.jsonl
chown 65534:65534 private.jsonl
run stats -q -o private.jsonl x.txt
check_eq "1 -o an existing file: its mode and owner kept" "600 65534:65534" \
    "$(stat -c '%a %u:%g' private.jsonl)"
check_eq "1 -o an existing file: the records in it" "$(cat ../x.want)" "$(cat private.jsonl 2>&1)"
cd "$TMP" || exit 1

# ---- 3. an error reading a path list is no end of the list --------------------

run stats -q --files-from /tmp
check_rc "3 --files-from a directory: status 2" 2
check "3 --files-from a directory: says why" has "$ERR" "cannot read path list /tmp: Is a directory"
printf 'x.txt\n' > one.list
run stats -q --files-from one.list --files-from /tmp
check_rc "3 a good list, then a directory: status 2" 2
check_eq "3 a good list, then a directory: the records before the error are written" \
    "$(cat x.want)" "$OUT"
"$PARDO" stats -q - <&- >"$RUN_DIR/out" 2>"$RUN_DIR/err"
RC=$? ERR=$(cat "$RUN_DIR/err")
check_rc "3 - with standard input closed: status 2" 2
check "3 - with standard input closed: says why" has "$ERR" "cannot read path list -: Bad file descriptor"

# ---- 4 and 5. out of memory, and a binary file, on one file --------------------

# A text file of 3 GB (16 KiB of text, then a hole: the first 8 KiB are
# text) and a binary one (a hole, all NUL), among small files, under an
# address-space limit far below 3 GB.  The sanitizers reserve terabytes of
# address space: ulimit -v cannot run under them.
mkdir big
for i in 1 2 3 4 5 6; do printf 'A bee %d. Then a cat sat.\n' "$i" > "big/f$i.txt"; done
yes 'Some text that fills the first pages of the file.' | head -c 16384 > big/f3.txt
truncate -s 3G big/f3.txt
truncate -s 3G big/nul.bin
"$PARDO" stats -q big/f1.txt big/f2.txt big/f4.txt big/f5.txt big/f6.txt > big.want 2>/dev/null
for mode in "-j 1" "-j 2" "-j 2 --isolate"; do
    if [ "$SAN" != none ]; then
        skip "4 out of memory on one file ($mode)" "ulimit -v under a sanitizer"
        skip "5 a 3 GB file of NULs is binary in its first 8 KiB ($mode)" "ulimit -v under a sanitizer"
        continue
    fi
    # shellcheck disable=SC2086
    (ulimit -v 1000000; exec "$PARDO" stats -q $mode big) >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$? OUT=$(cat "$RUN_DIR/out") ERR=$(cat "$RUN_DIR/err")
    check_rc "4 out of memory on one file ($mode): status 1" 1
    check_eq "4 out of memory on one file ($mode): its record, the others whole" \
        "$(sed -n 1,2p big.want)
{\"path\":\"big/f3.txt\",\"error\":\"out of memory\"}
$(sed -n 3,5p big.want)" "$OUT"
done
if [ "$SAN" != none ]; then
    skip "5 a 3 GB file of NULs: binary, read no further" "ulimit -v under a sanitizer"
else
    (ulimit -v 300000; exec "$PARDO" stats -q big/nul.bin) >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$? OUT=$(cat "$RUN_DIR/out") ERR=$(cat "$RUN_DIR/err")
    check_eq "5 a 3 GB file of NULs under ulimit -v 300000: binary" \
        '{"path":"big/nul.bin","error":"binary file"}' "$OUT"
    kb=$(max_rss_kb stats -q big/nul.bin)
    check "5 a 3 GB file of NULs: read no further than the start (max RSS $kb KiB)" \
        test "${kb:-999999}" -lt 100000
fi

# ---- 6. SIGHUP is handled as SIGTERM ----------------------------------------------

exe=$(readlink -f "$PARDO")
# wait_hup PID: until PID is pardo and catches SIGHUP (bit 0 of SigCgt), or
# a few seconds passed (it never will, without the handler).
wait_hup() {
    local mask
    for _ in $(seq 1 100); do
        mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
        [ "$(readlink "/proc/$1/exe" 2>/dev/null)" == "$exe" ] && [ -n "$mask" ] &&
            (( (16#$mask & 0x4003) == 0x4003 )) && return 0
        sleep 0.05
    done
    return 1
}
set -m
mkdir hup && cd hup || exit 1
mkfifo paths
"$PARDO" stats -q -o out.jsonl - < paths > /dev/null 2> hup.err &
pid=$!
exec 5> paths
printf '../x.txt\n' >&5
wait_hup "$pid"
for _ in $(seq 1 100); do ls -A | grep -q '^\.out\.jsonl\.pardo-' && break; sleep 0.05; done
kill -HUP "$pid"
wait "$pid"; RC=$?
exec 5>&-
check_rc "6 SIGHUP: status 130, as SIGTERM" 130
check_eq "6 SIGHUP: no output file and no temporary file" "" "$(ls -A | grep out.jsonl)"
set +m
cd "$TMP" || exit 1

# ---- 7. pardo never reads its own output --------------------------------------------

mkdir self
cp x.txt self/a.txt
cp x.txt self/b.txt
"$PARDO" stats -q self/a.txt self/b.txt > self.want 2>/dev/null
"$PARDO" stats -q self > self/out.jsonl 2> self.err
RC=$?
check_rc "7 stdout into the walked folder: status 0" 0
check_eq "7 stdout into the walked folder: not read" "$(cat self.want)" "$(cat self/out.jsonl)"
check_eq "7 stdout into the walked folder: said once" \
    "pardo: self/out.jsonl: input file is also the output, skipped" "$(cat self.err)"
run stats -q -o self/out.jsonl self
check_eq "7 -o's existing target in the walked folder: not read" "$(cat self.want)" "$(cat self/out.jsonl)"
check_eq "7 -o's existing target: said once" \
    "pardo: self/out.jsonl: input file is also the output, skipped" "$ERR"

# ---- 8. -o with a long final name -------------------------------------------------

long=$(printf 'n%.0s' $(seq 1 250)).jsonl
run stats -q -o "$long" x.txt
check_rc "8 -o with a 256-byte name: status 2 (too long for the file system)" 2
long=$(printf 'n%.0s' $(seq 1 249)).jsonl
run stats -q -o "$long" x.txt
check_rc "8 -o with a 255-byte name: status 0" 0
check_eq "8 -o with a 255-byte name: the records" "$(cat x.want)" "$(cat "$long" 2>&1)"
rm -f "$long"

# ---- 9. files whose size says nothing (/proc, /sys) --------------------------------

run count -q -t a /proc/self/status
check_rc "9 /proc/self/status: status 0" 0
check "9 /proc/self/status: read to its end" has "$OUT" '"counts":{"a":'
check "9 /proc/self/status: its bytes counted" test -z "$(grep -F '"bytes":0,' <<<"$OUT")"

# ---- 19. --timeout as given ----------------------------------------------------------

cc -shared -fPIC -O1 -o libfault.so "$TESTS_DIR/fault/fault_read.c" -ldl 2>cc.err ||
    notok "build the fault library" "$(cat cc.err)"
if [ "$SAN" != none ]; then
    skip "19 --timeout 0.001: the limit as given" "LD_PRELOAD under a sanitizer"
else
    PARDO_FAULT=stall PARDO_FAULT_PATH=x.txt LD_PRELOAD=$TMP/libfault.so \
        run stats -q --isolate --timeout 0.001 x.txt
    check_eq "19 --timeout 0.001: the limit as given" \
        '{"path":"x.txt","error":"timed out after 0.001 s in stage read"}' "$OUT"
fi

# ---- 21. -o where the temporary file cannot be made -----------------------------------

mkdir ro
touch ro/out.jsonl
chmod 666 ro/out.jsonl
chmod 755 ro
as_nobody "$PARDO" stats -q -o ro/out.jsonl x.txt
check_rc "21 -o in a folder one cannot write: status 2" 2
check "21 -o in a folder one cannot write: names the temporary file and why" has "$ERR" \
    "pardo: cannot create the temporary file ro/.out.jsonl.pardo-XXXXXX to write ro/out.jsonl: Permission denied"

# ---- 10. --isolate under an address-space limit ---------------------------------------

if [ "$SAN" != none ]; then
    skip "10 --isolate -j 4 under ulimit -v 120000: runs" "ulimit -v under a sanitizer"
    skip "10 --isolate under a tight ulimit -v: names the call and the limit" "ulimit -v under a sanitizer"
else
    (ulimit -v 120000; exec "$PARDO" stats -q -j 4 --isolate big/f1.txt big/f2.txt) \
        >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$? OUT=$(cat "$RUN_DIR/out") ERR=$(cat "$RUN_DIR/err")
    check_rc "10 --isolate -j 4 under ulimit -v 120000: runs" 0
    check_eq "10 --isolate -j 4 under ulimit -v 120000: the records" "$(sed -n 1,2p big.want)" "$OUT"
    # The least address space pardo starts and reads a file in (its shared
    # libraries decide it, so it is found here, to 1 MB), plus 2 MB: room for
    # the threaded run, none for a worker's shared memory.
    lo=1000 hi=1000000
    while [ $((hi - lo)) -gt 1000 ]; do
        mid=$(((lo + hi) / 2))
        if (ulimit -v $mid; exec "$PARDO" stats -q -j 1 big/f1.txt) >/dev/null 2>&1; then
            hi=$mid
        else
            lo=$mid
        fi
    done
    lim=$((hi + 2000))
    (ulimit -v $lim; exec "$PARDO" stats -q --isolate big/f1.txt) >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$? ERR=$(cat "$RUN_DIR/err")
    check_rc "10 --isolate under a tight ulimit -v: status 2" 2
    check "10 --isolate under a tight ulimit -v: names the call and the limit" has "$ERR" \
        "pardo: cannot start a worker process: mmap failed: Cannot allocate memory (address space limit, ulimit -v: $lim KiB)"
fi

# ---- 15. running out of descriptors loses no file ------------------------------------

mkdir fds
for d in $(seq 1 30); do
    mkdir fds/d$d
    for f in $(seq 1 10); do printf 'a b c %d %d\n' "$d" "$f" > fds/d$d/f$f.txt; done
done
"$PARDO" stats -q -j 2 fds > fds.want 2>/dev/null
if [ "$SAN" != none ]; then
    skip "15 -j 200 under ulimit -n 64: no file lost" "LD_PRELOAD under a sanitizer"
else
    # Every read takes 0.2 s, so that the 200 workers hold their files open together.
    (ulimit -n 64; PARDO_FAULT=slow PARDO_FAULT_SECONDS=0.2 PARDO_FAULT_PATH=.txt \
        LD_PRELOAD=$TMP/libfault.so exec "$PARDO" stats -q -j 200 fds) >"$RUN_DIR/out" 2>"$RUN_DIR/err"
    RC=$? OUT=$(cat "$RUN_DIR/out") ERR=$(cat "$RUN_DIR/err")
    check_rc "15 -j 200 under ulimit -n 64: status 0" 0
    check_eq "15 -j 200 under ulimit -n 64: no file lost" "$(cat fds.want)" "$OUT"
    check "15 -j 200 under ulimit -n 64: says why fewer workers" has "$ERR" \
        "workers lowered to"
fi
(ulimit -n 64; exec "$PARDO" stats -q -j 200 --isolate fds) >"$RUN_DIR/out" 2>"$RUN_DIR/err"
RC=$? OUT=$(cat "$RUN_DIR/out") ERR=$(cat "$RUN_DIR/err")
check_rc "15 -j 200 --isolate under ulimit -n 64: status 0" 0
check_eq "15 -j 200 --isolate under ulimit -n 64: no file lost" "$(cat fds.want)" "$OUT"

# ---- 16. never more workers than items in flight -----------------------------------------

# Five paths through a FIFO held open: once their records are out, pardo
# waits for more paths, and its workers are all it will ever start.
mkdir few
for i in 1 2 3 4 5; do cp x.txt few/f$i.txt; done
rm -f few.fifo few.out
mkfifo few.fifo
"$PARDO" stats -q -j 64 --isolate - < few.fifo > few.out 2>/dev/null &
pid=$!
exec 6> few.fifo
printf 'few/f%d.txt\n' 1 2 3 4 5 >&6
for _ in $(seq 1 400); do [ "$(wc -l < few.out)" -ge 5 ] && break; sleep 0.05; done
kids=$(pgrep -c -P "$pid")
exec 6>&-
wait "$pid"
check "16 -j 64 --isolate on 5 files: at most 5 workers (saw ${kids:-?})" test "${kids:-99}" -le 5
check_eq "16 -j 64 --isolate on 5 files: the records" 5 "$(wc -l < few.out)"

# ---- 12. terms that can never count --------------------------------------------------------

run count -q -t '!,a,--' x.txt
check_rc "12 -t '!,a,--': status 0" 0
check "12 -t '!,a,--': warns for '!'" has "$ERR" "pardo: warning: term '!' has no letter and no word: it always counts 0"
check "12 -t '!,a,--': warns for '--'" has "$ERR" "pardo: warning: term '--' has no letter and no word: it always counts 0"
check "12 -t '!,a,--': no warning for 'a'" test -z "$(grep -F "term 'a'" <<<"$ERR")"
run count -q -t '' x.txt
check_rc "12 -t '': status 2" 2
check_eq "12 -t '': says empty term" "pardo: -t '': empty term" "$ERR"

# ---- 13. control characters in paths -------------------------------------------------------

run stats -q "$(printf 'no\nsuch\033[31m.txt')"
check_eq "13 a missing path with a newline and an escape: quoted on stderr" \
    "pardo: \$'no\\nsuch\\033[31m.txt': No such file or directory" "$ERR"
check_eq "13 ... exact in the JSON record" \
    '{"path":"no\nsuch\u001b[31m.txt","error":"No such file or directory"}' "$OUT"
run stats -q -f csv "$(printf 'no\nsuch.txt')"
check_eq "13 ... exact in the CSV record" "$(printf '"no\nsuch.txt",,,,,,,,,,,,,,,No such file or directory')" \
    "$(sed -n '2,3p' "$RUN_DIR/out")"
printf 'x.txt\r\nx.txt\n' > crlf.list
run stats -q --files-from crlf.list
check_rc "13 a path list with CRLF line ends: status 0" 0
check_eq "13 a path list with CRLF line ends: the CR is no part of the path" \
    "$(cat x.want x.want)" "$OUT"

# ---- 14. a NUL in a newline-separated list ---------------------------------------------------

printf 'x.txt\0junk\nx.txt\n' > nul.list
run stats -q --files-from nul.list
check_eq "14 a NUL inside a list line: that entry skipped, not cut short" "$(cat x.want)" "$OUT"
check_eq "14 a NUL inside a list line: warned" \
    "pardo: nul.list: line 1 of the path list holds a NUL byte (a list for -0?), skipped" "$ERR"

# ---- 17. attribute with nothing to tell authors apart -------------------------------------------

mkdir at
printf 'The cat sat on the mat and the dog ran far away from it.\n' > at/k1.txt
printf 'A bird flew over the tree and sang a song of the sea.\n' > at/k2.txt
cp at/k1.txt at/k3.txt
printf 'The cat ran.\n' > at/u.txt
printf 'k1.txt\tann\n' > at/one.tsv
printf 'k1.txt\tann\nk3.txt\tbob\n' > at/same.tsv
printf 'k1.txt\tann\nk2.txt\tbob\nk3.txt\tann\n' > at/loo.tsv
printf 'k1.txt\tann\nk2.txt\tbob\n' > at/two.tsv
run attribute -q --known at/one.tsv at/u.txt
check "17 one known text: warned" has "$ERR" "pardo: warning: one known text: no word frequency varies"
run attribute -q --known at/same.tsv at/u.txt
check "17 identical known texts: warned" has "$ERR" \
    "pardo: warning: the known texts do not differ in their most frequent words"
run attribute -q --known at/two.tsv at/u.txt
check_eq "17 two different known texts: no warning" "" "$ERR"
run attribute -q --known at/loo.tsv --loo
check "17 --loo with an author of one text: says it cannot be scored" has "$ERR" \
    "pardo: --loo: an author with one known text cannot be scored (counted as not correct): bob"

# ---- 18. a LABELS file that starts with a BOM ---------------------------------------------------

printf '\xef\xbb\xbfk1.txt\tann\nk2.txt\tbob\n' > at/bom.tsv
run attribute -q --known at/bom.tsv at/u.txt
check_rc "18 LABELS with a UTF-8 BOM: status 0" 0
check_eq "18 LABELS with a UTF-8 BOM: the same as without" \
    "$("$PARDO" attribute -q --known at/two.tsv at/u.txt 2>&1)" "$OUT"

# ---- 20. a usage error under mpirun --------------------------------------------------------------

if ! command -v mpirun > /dev/null || [ ! -x "$(dirname "$PARDO")/pardo-mpi" ]; then
    skip "20 a usage error under mpirun: said once" "no mpirun, or pardo built without MPI"
else
    # Open MPI is not built with the sanitizers: its own reports are
    # suppressed as in t_cli_mpi.sh (the barrier that holds every rank until
    # rank 0 has spoken starts its TCP transport).
    for try in 1 2 3; do
        ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0:symbolize=0" \
        UBSAN_OPTIONS="$UBSAN_OPTIONS:symbolize=0" \
        LSAN_OPTIONS="suppressions=$TESTS_DIR/mpi/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
        TSAN_OPTIONS="${TSAN_OPTIONS}:suppressions=$TESTS_DIR/mpi/tsan.supp:symbolize=0" \
        timeout 60 mpirun --allow-run-as-root --oversubscribe -n 3 "$PARDO" stats --frobnicate x.txt \
            >"$RUN_DIR/out" 2>"$RUN_DIR/err"
        RC=$? ERR=$(cat "$RUN_DIR/err")
        check_rc "20 a usage error under mpirun (try $try): status 2" 2
        check_eq "20 a usage error under mpirun (try $try): said once, by rank 0" 1 \
            "$(grep -c "unknown option '--frobnicate'" <<<"$ERR")"
    done
fi

# ---- the man page says what each failure gives -----------------------------------------------------

man_page=$("$PARDO" --man)
check "man page: a section FILES THAT CANNOT BE READ" has "$man_page" ".SH FILES THAT CANNOT BE READ"
check "man page: -o's FIFO, device and link" has "$man_page" "a device, a FIFO or a socket is written directly"
check "man page: a CR before a list's newline" has "$man_page" "A CR before the newline is dropped"
