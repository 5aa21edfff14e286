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
# lines, pardo cluster's tree of the five books of Moses and the four
# Gospels (character 3-grams, cosine Delta), and last writes
# sample/report.html (pardo report, the books by their traditional
# authors).  sample/ is git-ignored; the outputs go beside the books.
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

# The traditional authorship of each book, from the public record: for the
# Hebrew Bible the Babylonian Talmud, Bava Batra 14b-15a (Moses wrote the
# Torah and Job; Joshua his book; Samuel his book, Judges and Ruth; David
# the Psalms; Jeremiah his book, Kings and Lamentations; Hezekiah and his
# colleagues Isaiah, Proverbs, the Song of Songs and Ecclesiastes; the Men
# of the Great Assembly Ezekiel, the Twelve, Daniel and Esther; Ezra his
# book and Chronicles, which Nehemiah finished); for the New Testament the
# names the church has given its books since the second century (Luke-Acts
# to Luke; the Johannine letters and Revelation to John; the thirteen
# letters that name Paul to Paul).  Hebrews, whose author has been disputed
# since antiquity ("who wrote the epistle, God knows": Origen, in Eusebius,
# Church History 6.25), has no label: the report attributes it.
# Each line: the first book's number, the label, the books in order.
authors=$sample/kjv-authors.tsv
awk 'BEGIN { printf "path\tlabel\n" }
     { for (i = 3; i <= NF; i++) printf "kjv/%02d_%s.txt\t%s\n", $1 + i - 3, $i, $2 }' \
    > "$authors" <<'EOF'
1 moses Ge Exo Lev Num Deu
6 joshua Josh
7 samuel Jdgs Ruth 1Sm 2Sm
11 jeremiah 1Ki 2Ki
13 ezra 1Chr 2Chr Ezra Neh
17 great_assembly Est
18 moses Job
19 david Psa
20 hezekiah Prv Eccl SSol Isa
24 jeremiah Jer Lam
26 great_assembly Eze Dan Hos Joel Amos Obad Jonah Mic Nahum Hab Zep Hag Zec Mal
40 matthew Mat
41 mark Mark
42 luke Luke
43 john John
44 luke Acts
45 paul Rom 1Cor 2Cor Gal Eph Phi Col 1Th 2Th 1Tim 2Tim Titus Phmn
59 james Jas
60 peter 1Pet 2Pet
62 john 1Jn 2Jn 3Jn
65 jude Jude
66 john Rev
EOF

echo
echo "== pardo cluster: the books of Moses and the Gospels (Newick, ward)"
"$pardo" cluster --features chars --ngram 3 --mfw 500 --delta cosine -o "$sample/tree.nwk" \
    "$books"/0[1-5]_*.txt "$books"/4[0-3]_*.txt
cat "$sample/tree.nwk"

echo
echo "== pardo report --known $authors $books"
"$pardo" report -q --known "$authors" -o "$sample/report.html" "$books"

echo
echo "outputs: $sample/count.csv $sample/stats.jsonl $sample/words.jsonl $sample/tree.nwk"
echo "report:  $sample/report.html (open it in a browser)"
