#!/usr/bin/env bash
# make run: the main job on a real corpus fetched at run time.
#
# The sample is the King James Bible from Debian's package registry:
# `make run-deps` installs bible-kjv (and with it bible-kjv-text), whose
# `bible` command prints any range of verses.  `bible -f Gen1:1-Rev22:21`
# prints every verse on its own line as "Ge1:1 In the beginning ...";
# this script splits that into one file per book, sample/kjv/NN_Book.txt
# (NN keeps the canonical order, the reference is dropped), then runs
# pardo count, stats and words over the 66 files and shows the summary
# lines, and pardo cluster's tree of the five books of Moses and the four
# Gospels (character 3-grams, cosine Delta).  sample/ is git-ignored; the outputs go beside the books.
#
# Usage: bench/run-sample.sh [PATH-TO-PARDO]   (default build/pardo)
set -eu
pardo=${1:-build/pardo}
sample=${SAMPLE_DIR:-sample}
books=$sample/kjv

if [ ! -x "$pardo" ]; then
    echo "run-sample: no pardo binary at $pardo (make all)" >&2
    exit 2
fi
if ! command -v bible >/dev/null; then
    echo "run-sample: the 'bible' command is missing: make run-deps (Debian package bible-kjv)" >&2
    exit 2
fi

if [ ! -f "$sample/.kjv-complete" ]; then
    rm -rf "$books"
    mkdir -p "$books"
    bible -f "Gen1:1-Rev22:21" | LC_ALL=C awk -v dir="$books" '
        {
            match($1, /^[0-9]?[A-Za-z]+/)
            book = substr($1, 1, RLENGTH)
            if (book != last) {
                if (out) close(out)
                n++
                out = sprintf("%s/%02d_%s.txt", dir, n, book)
                last = book
            }
            sub(/^[^ ]+ /, "")
            print > out
        }
        END { if (n != 66) { print "run-sample: expected 66 books, got " n > "/dev/stderr"; exit 1 } }'
    touch "$sample/.kjv-complete"
fi
echo "sample: $(ls "$books" | wc -l) books, $(cat "$books"/*.txt | wc -c) bytes in $books (King James Bible, Debian bible-kjv)"

echo
echo "== pardo count -t A,B"
"$pardo" count -t A,B -f csv -o "$sample/count.csv" "$books"
awk -F, 'NR > 1 { a += $6; b += $7 } END { printf "A: %d, B: %d over %d books\n", a, b, NR - 1 }' "$sample/count.csv"

echo
echo "== pardo stats"
"$pardo" stats -o "$sample/stats.jsonl" "$books"
head -n 1 "$sample/stats.jsonl"

echo
echo "== pardo words --corpus"
"$pardo" words --top 10 --corpus -o "$sample/words.jsonl" "$books"
tail -n 1 "$sample/words.jsonl"

echo
echo "== pardo cluster: the books of Moses and the Gospels (Newick, ward)"
"$pardo" cluster --features chars --ngram 3 --mfw 500 --delta cosine -o "$sample/tree.nwk" \
    "$books"/0[1-5]_*.txt "$books"/4[0-3]_*.txt
cat "$sample/tree.nwk"

echo
echo "outputs: $sample/count.csv $sample/stats.jsonl $sample/words.jsonl $sample/tree.nwk"
