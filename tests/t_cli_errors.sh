#!/usr/bin/env bash
# Bad input: each bad file gives an error record in its place and a line on
# stderr, the other files are processed, and the exit status says so.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
printf 'A bee.\n' > good.txt
mkdir adir

# error_case NAME PATH REASON [PARDO OPTIONS...]: PATH gives {"path","error"}.
error_case() {
    local name=$1 path=$2 reason=$3; shift 3
    run count -t a -q "$@" good.txt "$path" good.txt
    local want
    want=$(printf '{"path":"%s","error":"%s"}' "$path" "$reason")
    if [ "$RC" -eq 1 ] && [ "$(sed -n 2p <<<"$OUT")" == "$want" ] &&
       [ "$(grep -c '"path":"good.txt"' <<<"$OUT")" -eq 2 ] &&
       [ "$ERR" == "pardo: $path: $reason" ]; then
        ok "$name"
    else
        notok "$name" "status $RC (want 1)" "want line 2: $want" "stdout: $OUT" "stderr: $ERR"
    fi
}

error_case "missing path" missing.txt "No such file or directory"
error_case "a path under a file" good.txt/x "Not a directory"
printf 'adir\n' > list.txt
run count -t a -q --files-from list.txt
check_eq "a directory in a path list is a file: Is a directory" \
    '{"path":"adir","error":"Is a directory"}' "$OUT"
check_rc "a directory in a path list: status 1" 1

mkfifo fifo
error_case "a FIFO is not opened (it would block)" fifo "not a regular file"
error_case "a character device" /dev/null "not a regular file"

printf 'abc\000def' > nul.txt
error_case "a NUL byte in the first 8 KiB" nul.txt "binary file"
{ head -c 9000 /dev/zero | tr '\0' 'a'; printf '\000'; } > late_nul.txt
run count -t a -q late_nul.txt
check_rc "a NUL byte after 8 KiB is not binary" 0

# Unreadable: tests run as root, which chmod 000 does not stop; run pardo
# as nobody when we can.
printf 'secret\n' > secret.txt
chmod 000 secret.txt
as_nobody=""
if [ "$(id -u)" -ne 0 ]; then
    as_nobody="env"
elif command -v setpriv >/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ -n "$as_nobody" ] && $as_nobody test -x "$PARDO" 2>/dev/null; then
    $as_nobody "$PARDO" count -t a -q secret.txt > perm.out 2> perm.err
    RC=$?
    check_eq "unreadable file: Permission denied" \
        '{"path":"secret.txt","error":"Permission denied"}' "$(cat perm.out)"
    check_rc "unreadable file: status 1" 1
    mkdir -p locked/inner && printf 'x\n' > locked/inner/f.txt && chmod 000 locked/inner
    $as_nobody "$PARDO" count -t a -q locked > perm.out 2> perm.err
    RC=$?
    check_eq "unreadable directory in a walk: its record" \
        '{"path":"locked/inner","error":"Permission denied"}' "$(cat perm.out)"
    check_rc "unreadable directory in a walk: status 1" 1
    chmod 755 locked/inner
else
    skip "unreadable file: Permission denied" "cannot drop root here (no setpriv, or the binary is not reachable by nobody)"
fi
chmod 644 secret.txt

# Empty file and an empty body are records, not errors.
: > empty.txt
run stats -q empty.txt
check_rc "empty file: status 0" 0
check_eq "empty file: words 0, rates null" \
    '{"path":"empty.txt","bytes":0,"encoding":"utf-8","boilerplate":false,"bad_bytes":0,"words":0,"nums":0,"types":0,"hapax":0,"ttr":null,"sentences":0,"sentence_mean":null,"sentence_sd":null,"ly_per_10k":null,"exclam_per_100k":null}' \
    "$OUT"
run stats -q -f csv empty.txt
check_eq "empty file in CSV: null rates are empty fields" \
    "empty.txt,0,utf-8,false,0,0,0,0,0,,0,,,,," "$(sed -n 2p <<<"$OUT")"

# Error rows in CSV and TSV: the path, empty fields, the reason last.
run count -t a,b -q -f csv good.txt missing.txt
check_eq "CSV header" "path,encoding,boilerplate,bad_bytes,bytes,a,b,error" "$(sed -n 1p <<<"$OUT")"
check_eq "CSV error row" "missing.txt,,,,,,,No such file or directory" "$(sed -n 3p <<<"$OUT")"
check_eq "CSV good row has an empty error column" "good.txt,utf-8,false,0,7,1,1," "$(sed -n 2p <<<"$OUT")"
run stats -q -f tsv missing.txt
check_eq "TSV error row has as many columns as the header" \
    "$(sed -n 1p <<<"$OUT" | awk -F'\t' '{print NF}')" "$(sed -n 2p <<<"$OUT" | awk -F'\t' '{print NF}')"
run words -q -f csv missing.txt
check_eq "words CSV error row" "missing.txt,,,,No such file or directory" "$(sed -n 2p <<<"$OUT")"
run words -q missing.txt
check_eq "words JSON error record" '{"path":"missing.txt","error":"No such file or directory"}' "$OUT"
run words -q --corpus-only missing.txt good.txt
check_rc "--corpus-only: status 1 for a failed file" 1
check_eq "--corpus-only: the failed file is left out of the corpus" \
    '{"corpus":true,"files":1,"words":[["a",1],["bee",1]]}' "$OUT"

# A file deleted between the listing of its directory and its reading.
# The directory is listed before the first record is written; the output is
# a pipe we do not read, so pardo stops once it is full, long before the
# last file; then we delete the last file and read on.
mkdir del
for i in $(seq -w 1 3000); do printf 'a\n' > "del/f$i.txt"; done
mkfifo out.fifo
"$PARDO" count -t a -q -j 1 del > out.fifo 2> del.err &
pid=$!
exec 3< out.fifo
IFS= read -r first <&3
rm del/f3000.txt
cat <&3 > del.out
exec 3<&-
wait "$pid"; RC=$?
check_rc "deleted between listing and reading: status 1" 1
check_eq "deleted between listing and reading: its record" \
    '{"path":"del/f3000.txt","error":"No such file or directory"}' "$(tail -n 1 del.out)"
check_eq "deleted between listing and reading: all 3000 records" 3000 "$(( $(wc -l < del.out) + 1 ))"

# A file that changes size while it is read, made certain with a preloaded
# read() that appends a byte to the file before its first read (jq's way of
# injecting faults).  Not under a sanitizer, whose runtime must come first.
cat > grow.c <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
ssize_t read(int fd, void *buf, size_t n)
{
    static ssize_t (*real)(int, void *, size_t);
    char link[64], path[4096];
    if (!real)
        real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len > 9 && memcmp(path + len - 9, "/grow.txt", 9) == 0 && lseek(fd, 0, SEEK_CUR) == 0) {
        int w = open(path, O_WRONLY | O_APPEND);
        if (w >= 0) {
            (void)!write(w, "b", 1);
            close(w);
        }
    }
    return real(fd, buf, n);
}
EOF
printf 'a a a\n' > grow.txt
if [ "$(sanitizer)" != none ]; then
    skip "a file that grows while read: file changed while reading" "sanitizer build"
elif cc -shared -fPIC -o grow.so grow.c -ldl 2>/dev/null; then
    LD_PRELOAD=$TMP/grow.so "$PARDO" count -t a -q good.txt grow.txt > grow.out 2> grow.err
    RC=$?
    check_eq "a file that grows while read: file changed while reading" \
        '{"path":"grow.txt","error":"file changed while reading"}' "$(sed -n 2p grow.out)"
    check_rc "a file that grows while read: status 1" 1
else
    skip "a file that grows while read: file changed while reading" "no C compiler for the preload"
fi
