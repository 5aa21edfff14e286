#!/usr/bin/env bash
# Archives read as directories: a zip and a tar.gz of a folder give the
# folder's records with the paths prefixed (for -j 1, -j 2, --isolate and
# mpirun), the walk's rules apply to members, a damaged member or archive
# fails alone, links and devices are skipped, and --no-archives reads an
# archive as a plain (binary) file.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
books=($(ls "$SHARED"/corpus/gutenberg/*.txt | head -n 2))
mkdir -p c/books c/drafts c/notes c/.cache c/sub
cp "${books[0]}" c/books/a.txt
cp "${books[1]}" c/books/b.txt
cp "$TESTS_DIR"/golden/texts/sentences.txt c/notes/s.txt
printf 'A hidden note. Two!\n' > c/notes/.hidden.txt
printf 'A cached text.\n' > c/.cache/x.txt
printf 'Draft one: not done.\n' > c/drafts/d.txt
printf 'Deep one.\n' > c/sub/deep.txt
mkdir -p c/sub/deeper
printf 'Far away.\n' > c/sub/deeper/far.txt
printf 'bin\0ary data' > c/sub/bin.dat
gzip -c "$TESTS_DIR"/golden/texts/sentences.txt > c/notes/t.txt.gz

# Archives of c, members in the byte order of their paths (the walk's).
python3 - <<'EOF'
import os, zipfile
files = sorted(os.path.relpath(os.path.join(d, f), 'c')
               for d, _, fs in os.walk('c') for f in fs)
with zipfile.ZipFile('c.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    for f in files:
        z.write(os.path.join('c', f), f)
EOF
(cd c && tar --sort=name -cf ../c.tar . && gzip -c ../c.tar > ../c.tar.gz)

# prefixed ARCHIVE: the folder's records with c/ turned into ARCHIVE/
prefixed() { sed "s|\"path\":\"c/|\"path\":\"$1/|"; }

for cmd in "stats" "count -t A,the" "words --top 3"; do
    run $cmd -q -j 1 c; want=$OUT
    for a in c.zip c.tar.gz c.tar; do
        for how in "-j 1" "-j 2" "--isolate -j 2"; do
            run $cmd -q $how $a
            check_eq "$cmd $how $a: the folder's records, paths prefixed" \
                "$(prefixed $a <<<"$want")" "$OUT"
            check_rc "$cmd $how $a: exit 0" 0
        done
    done
done
# By content: a zip by another name, and a tar.gz named .zip, are read the
# same (one worker reads them whole; a *.zip is listed by the walk and its
# members read apart).
cp c.zip c.dat
cp c.tar.gz tgz.zip
run stats -q -j 1 c; want=$OUT
for a in c.dat tgz.zip; do
    run stats -q -j 2 $a
    check_eq "stats $a: an archive by its content" "$(prefixed $a <<<"$want")" "$OUT"
done

run stats -j 1 c; want=$(sed 's/, [0-9.]* s,.*MB\/s//' <<<"$ERR")
run stats -j 1 c.zip
check_eq "the summary counts members as files, the binary one skipped" \
    "$want" "$(sed 's/, [0-9.]* s,.*MB\/s//' <<<"$ERR")"
run stats -q --verbose c.tar.gz
check "--verbose names the binary member" has "$ERR" "c.tar.gz/sub/bin.dat: binary file, skipped"

run words -q --corpus-only -j 1 c; want=$OUT
for how in "-j 2" "--isolate -j 2"; do
    run words -q --corpus-only $how c.zip
    check_eq "words --corpus-only $how c.zip: the folder's corpus" "$want" "$OUT"
done

# The walk's rules inside an archive named on the command line: the globs
# see MEMBER, as they see the path below c/ for the folder.
for rules in "-g !drafts/**" "--hidden" "-g *.txt -g !notes/**" "--max-depth 1" \
             "--hidden -g !.cache/"; do
    run stats -q -j 1 $rules c; want=$OUT
    for a in c.zip c.tar.gz; do
        run stats -q -j 2 $rules $a
        check_eq "stats $rules: $a as the folder c" "$(prefixed $a <<<"$want")" "$OUT"
    done
done
run count -t A -f csv -q -j 1 c; want=$OUT
run count -t A -f csv -q -j 2 c.tar.gz
check_eq "CSV: c.tar.gz as the folder c" "$(prefixed c.tar.gz <<<"$want" | sed 's|^c/|c.tar.gz/|')" "$OUT"

# Found in a walk: the globs see the archive's path below the walked folder.
mkdir -p w/in x/in
cp c.zip w/in/c.zip
cp -r c x/in/c.zip
run stats -q -j 1 -g '!in/c.zip/drafts/**' --max-depth 4 x; want=$OUT
run stats -q -j 2 -g '!in/c.zip/drafts/**' --max-depth 4 w
check_eq "a walked archive: the globs and the depth go on through it" \
    "$(sed 's|"path":"x/|"path":"w/|' <<<"$want")" "$OUT"

# --no-archives: a zip is one binary file.
run stats -q --no-archives c.zip
check_eq "--no-archives: a zip named is a binary file" '{"path":"c.zip","error":"binary file"}' "$OUT"
run stats --no-archives w
check "--no-archives: a zip walked is a skipped binary file" has "$ERR" "0 files, 0 failed"
check "--no-archives: ... and counted as such" has "$ERR" "1 binary file skipped"

# A zip with a damaged member: that member's error record, the others'
# records, and the next file of the run.
python3 - <<'EOF'
import zipfile
z = zipfile.ZipFile('c.zip')
info = z.getinfo('books/b.txt')
z.close()
b = bytearray(open('c.zip', 'rb').read())
start = info.header_offset + 30 + len(info.filename) + len(info.extra)
for k in range(start + 100, start + info.compress_size - 100):
    b[k] ^= 0x55
open('bad.zip', 'wb').write(bytes(b))
EOF
run stats -q -j 1 c; want=$OUT
run stats -q -j 2 bad.zip c/sub/deep.txt
check_rc "a damaged member: exit 1" 1
check "a damaged member: its error record" has "$OUT" \
    '{"path":"bad.zip/books/b.txt","error":"damaged archive member"}'
check "a damaged member: said on stderr" has "$ERR" "pardo: bad.zip/books/b.txt: damaged archive member"
check_eq "a damaged member: every other member's record, and the next file's" \
    "$(prefixed bad.zip <<<"$want" | grep -v books/b.txt; grep deep.txt <<<"$want")" \
    "$(grep -v books/b.txt <<<"$OUT" | sed 's|"path":"c/sub/deep|"path":"c/sub/deep|')"

# A truncated tar.gz: the members before the cut, an error record for the
# one it cuts, and the next file of the run.
size=$(stat -c %s c.tar.gz)
head -c $((size / 2)) c.tar.gz > cut.tar.gz
run stats -q -j 2 cut.tar.gz c/sub/deep.txt
check_rc "a truncated tar.gz: exit 1" 1
check "a truncated tar.gz: an error record naming the member or the archive" \
    grep -qE '^\{"path":"cut\.tar\.gz(/[^"]*)?","error":"damaged archive( member)?"\}$' "$RUN_DIR/out"
check "a truncated tar.gz: the first member's record" has "$OUT" '{"path":"cut.tar.gz/books/a.txt","bytes"'
check "a truncated tar.gz: the next file's record" has "$OUT" '{"path":"c/sub/deep.txt","bytes"'
check_eq "a truncated tar.gz: one error record" 1 "$(grep -c '"error"' "$RUN_DIR/out")"
# Not a tar at all, past its first bytes: the archive's own record.
head -c 700 c.tar > short.tar
run stats -q short.tar c/sub/deep.txt
check "a tar cut in its first member" has "$OUT" '"error":"damaged archive'
check "... and the run goes on" has "$OUT" '{"path":"c/sub/deep.txt","bytes"'

# Links and devices in a tar are skipped, as a walk skips them; --verbose
# says so.
python3 - <<'EOF'
import io, tarfile
with tarfile.open('odd.tar', 'w') as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    add('a.txt', b'One text. Two.\n')
    ti = tarfile.TarInfo('link.txt'); ti.type = tarfile.SYMTYPE; ti.linkname = 'a.txt'; t.addfile(ti)
    ti = tarfile.TarInfo('null'); ti.type = tarfile.CHRTYPE; ti.devmajor = 1; ti.devminor = 3
    t.addfile(ti)
    ti = tarfile.TarInfo('fifo'); ti.type = tarfile.FIFOTYPE; t.addfile(ti)
    ti = tarfile.TarInfo('hard.txt'); ti.type = tarfile.LNKTYPE; ti.linkname = 'a.txt'; t.addfile(ti)
    add('z.txt', b'The last one!\n')
EOF
run stats -q -j 2 --verbose odd.tar
check_rc "links and devices in a tar: exit 0" 0
check_eq "links and devices in a tar: the regular members' records only" \
    "odd.tar/a.txt odd.tar/z.txt" "$(grep -o '"path":"[^"]*"' <<<"$OUT" | cut -d'"' -f4 | xargs)"
check "--verbose: a symbolic link" has "$ERR" "odd.tar/link.txt: link in archive, skipped"
check "--verbose: a hard link" has "$ERR" "odd.tar/hard.txt: link in archive, skipped"
check "--verbose: a device" has "$ERR" "odd.tar/null: not a regular file, skipped"
check "--verbose: a FIFO" has "$ERR" "odd.tar/fifo: not a regular file, skipped"

# Commands that need each file's words apart do not read archives.
printf 'c.zip\tx\nc/books/a.txt\ty\n' > labels.tsv
run words --favorites 3 --known labels.tsv -q
check "words --favorites: an archive among the known texts is refused, by name" has "$ERR" \
    "c.zip: archive not read by this command (extract it, or --no-archives)"

# Under mpirun: the same records as a plain run.
if ! command -v mpirun > /dev/null || [ ! -x "$(dirname "$PARDO")/pardo-mpi" ]; then
    skip "archives under mpirun" "mpirun or pardo-mpi not found"; exit 0
fi
export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0:symbolize=0"
export UBSAN_OPTIONS="$UBSAN_OPTIONS:symbolize=0"
export LSAN_OPTIONS="suppressions=$TESTS_DIR/mpi/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export TSAN_OPTIONS="${TSAN_OPTIONS}:suppressions=$TESTS_DIR/mpi/tsan.supp:symbolize=0"
MPIRUN=(timeout -k 5 300 mpirun --allow-run-as-root --oversubscribe)
run stats -q -j 1 c; folder=$OUT
for how in "-j 1" "--isolate -j 2"; do
    run stats -q -j 1 c.zip bad.zip c.tar.gz cut.tar.gz odd.tar c/sub/deep.txt; want=$OUT
    "${MPIRUN[@]}" -n 3 "$PARDO" stats -q $how c.zip bad.zip c.tar.gz cut.tar.gz odd.tar \
        c/sub/deep.txt > mpi.out 2> mpi.err
    check_eq "mpirun -n 3 pardo stats $how: the records of a plain run" "$want" "$(cat mpi.out)"
    for a in c.zip c.tar.gz; do
        check_eq "mpirun -n 3 pardo stats $how: $a gives the folder's records" \
            "$(prefixed $a <<<"$folder")" "$(grep "^{\"path\":\"$a/" mpi.out)"
    done
done
run words -q --corpus-only -j 1 c
"${MPIRUN[@]}" -n 3 "$PARDO" words -q --corpus-only -j 1 c.tar.gz > mpi.out 2> mpi.err
check_eq "mpirun -n 3 pardo words --corpus-only c.tar.gz: the folder's corpus" "$OUT" "$(cat mpi.out)"
"${MPIRUN[@]}" -n 3 "$PARDO" stats -j 1 --verbose c.zip > mpi.out 2> mpi.err
check "mpirun: the summary counts the binary member" has "$(cat mpi.err)" "1 binary file skipped"
check "mpirun: --verbose names it" has "$(cat mpi.err)" "c.zip/sub/bin.dat: binary file, skipped"
