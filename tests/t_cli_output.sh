#!/usr/bin/env bash
# Where the records go: -o through a temporary file, write errors, a closed
# pipe, and records that do not depend on -j.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
mkdir in
for i in 1 2 3 4 5 6 7 8 9; do printf 'A bee %d. Then a cat.\n' "$i" > "in/f$i.txt"; done

run count -t a -q -o out.jsonl in
check_rc "-o: status 0" 0
check_eq "-o: nothing on stdout" "" "$OUT"
check_eq "-o: every record in FILE" 9 "$(wc -l < out.jsonl)"
check_eq "-o: no temporary file left" "out.jsonl" "$(ls -A | grep -v '^in$' | tr '\n' ' ' | sed 's/ $//')"
check_eq "-o: mode follows the umask" "$(umask 022; : > plain; stat -c %a plain)" \
    "$(umask 022; "$PARDO" count -t a -q -o m.jsonl in; stat -c %a m.jsonl)"
rm -f plain m.jsonl

# The output file inside the walked directory: the temporary file is not
# read (it would be half-written); the old output is, as any file.
mkdir walked; printf 'a\n' > walked/t.txt
run count -t a -q -o walked/out.jsonl walked
check_eq "-o inside the walked directory: the temporary file is not read" \
    '{"path":"walked/t.txt","encoding":"utf-8","boilerplate":false,"bad_bytes":0,"bytes":2,"counts":{"a":1}}' \
    "$(cat walked/out.jsonl)"

printf 'old\n' > keep.jsonl
run count -t a -q -o keep.jsonl in missing.txt
check_rc "-o with a failed file: status 1" 1
check_eq "-o with a failed file: FILE is still written, error record included" 10 "$(wc -l < keep.jsonl)"

run count -t a -q -o no/such/dir/out.jsonl in
check_rc "-o into a directory that does not exist: status 2" 2
check "-o into a directory that does not exist: says so" has "$ERR" "No such file or directory"
check "-o into a directory that does not exist: names the file" has "$ERR" "no/such/dir/out.jsonl"
check_eq "-o into a directory that does not exist: nothing created" "" "$(ls -A no 2>/dev/null)"

mkdir adir
run count -t a -q -o adir in
check_rc "-o naming a directory: status 2" 2
check "-o naming a directory: says so" has "$ERR" "Is a directory"
run count -t a -q -o - in/f1.txt
check_eq "-o - is stdout" 1 "$(printf '%s\n' "$OUT" | wc -l)"

if [ -w /dev/full ]; then
    run count -t a -q in > /dev/full
    "$PARDO" count -t a -q in > /dev/full 2> full.err; RC=$?
    check_rc "stdout is /dev/full: status 2" 2
    check "stdout is /dev/full: says so" grep -q "No space left on device" full.err
else
    skip "stdout is /dev/full: status 2" "no /dev/full"
fi

# A closed pipe: quiet, status 0.
# 20000 records are far more than a pipe holds.
yes in/f1.txt | head -n 20000 > many.list
for j in 1 2; do
    "$PARDO" count -t a -j $j - < many.list 2> pipe.err | head -n 1 > /dev/null
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 0 ] && [ ! -s pipe.err ]; then ok "pardo | head: quiet, status 0 (-j $j)"
    else notok "pardo | head: quiet, status 0 (-j $j)" "status $rc" "$(cat pipe.err)"; fi
done

# Byte-identical records for every -j, in every format; --unordered gives
# the same records in some order.
for fmt in jsonl csv tsv; do
    "$PARDO" stats -q -f $fmt -j 1 in missing.txt > j1.$fmt 2>/dev/null
    same=1
    for j in 2 3 0; do
        "$PARDO" stats -q -f $fmt -j $j in missing.txt > jn.$fmt 2>/dev/null
        cmp -s j1.$fmt jn.$fmt || same=0
    done
    check_eq "$fmt: byte-identical for -j 1, 2, 3, 0" 1 "$same"
    "$PARDO" stats -q -f $fmt -j 3 --unordered in missing.txt > un.$fmt 2>/dev/null
    check_eq "$fmt: --unordered gives the same records" "$(sort j1.$fmt | md5sum)" "$(sort un.$fmt | md5sum)"
done
