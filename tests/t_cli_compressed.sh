#!/usr/bin/env bash
# Compressed files, recognised by their content: gzip, bzip2, xz and zstd
# give the record of the decompressed text under the file's own path, with
# bytes = the size on disk; a damaged stream fails its file alone.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
book=$(ls "$SHARED"/corpus/gutenberg/*.txt | head -n 1)
mkdir c
cp "$book" c/book.txt
cp "$TESTS_DIR"/golden/texts/$(ls "$TESTS_DIR"/golden/texts | head -n 1) c/small.txt
for z in "gzip .gz" "bzip2 .bz2" "xz .xz" "zstd .zst"; do
    set -- $z
    for f in book small; do "$1" -q -c "c/$f.txt" > "c/$f.txt$2"; done
done
# Without path and bytes, a record must be the plain file's.
strip() { sed 's/"path":"[^"]*",//; s/"bytes":[0-9]*,//'; }
for cmd in "stats" "count -t A,the" "words --top 5"; do
    for f in book small; do
        run $cmd -q "c/$f.txt"; want=$(strip <<<"$OUT")
        for ext in .gz .bz2 .xz .zst; do
            run $cmd -q "c/$f.txt$ext"
            check_eq "$cmd: c/$f.txt$ext gives the record of c/$f.txt" "$want" "$(strip <<<"$OUT")"
        done
    done
done
run stats -q c/book.txt.xz
check "bytes is the size on disk" has "$OUT" "\"bytes\":$(stat -c %s c/book.txt.xz),"

# By content, not by name.
cp c/small.txt.gz c/gzip-named.txt
cp c/small.txt c/plain-named.txt.gz
run stats -q c/small.txt
want=$(strip <<<"$OUT")
run stats -q c/gzip-named.txt
check_eq "a gzip stream named .txt is decompressed" "$want" "$(strip <<<"$OUT")"
run stats -q c/plain-named.txt.gz
check_eq "a plain text named .gz is read as it is" "$want" "$(strip <<<"$OUT")"

# A damaged stream: its own error record, and the run goes on.
head -c 20000 c/book.txt.gz > c/trunc.txt.gz
zstd -q -c "$book" | head -c 20000 > c/trunc.txt.zst
printf '\037\213\010not a gzip header' > c/fake.txt.gz
for how in "-j 1" "-j 2" "--isolate"; do
    run stats -q $how c/trunc.txt.gz c/small.txt c/trunc.txt.zst c/fake.txt.gz c/book.txt.bz2
    check_eq "$how: a truncated gzip is an error record" \
        '{"path":"c/trunc.txt.gz","error":"damaged compressed data"}' "$(sed -n 1p <<<"$OUT")"
    check_eq "$how: a truncated zstd is an error record" \
        '{"path":"c/trunc.txt.zst","error":"damaged compressed data"}' "$(sed -n 3p <<<"$OUT")"
    check_eq "$how: a gzip magic number without a gzip header is an error record" \
        '{"path":"c/fake.txt.gz","error":"damaged compressed data"}' "$(sed -n 4p <<<"$OUT")"
    check "$how: the other files are read" has "$(sed -n 5p <<<"$OUT")" '"path":"c/book.txt.bz2","bytes"'
    check_rc "$how: status 1" 1
done

# In a walk: every compressed file is a text; -j does not change a byte.
run stats -q -j 1 c; one=$OUT
run stats -q -j 2 c
check_eq "a walk of compressed files: -j 2 as -j 1" "$one" "$OUT"
run stats -q --isolate c
check_eq "a walk of compressed files: --isolate as -j 1" "$one" "$OUT"
