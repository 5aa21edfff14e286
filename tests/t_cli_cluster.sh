#!/usr/bin/env bash
# pardo cluster (spec section 11): the worked example's matrix and its three
# trees exactly, the tree read back by Bio.Phylo (a Newick parser nobody
# here wrote), ties, quoting, errors, samples, and the same bytes for every
# -j and --isolate.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
printf 'this is a test. this is only a test of the cat.' > a.txt
printf 'the cat sat on the mat and the dog sat too.' > b.txt
printf 'a test, a cat, a dog: this is the end of it all.' > c.txt
printf 'the dog and the cat and the mat.' > d.txt
ABCD="a.txt b.txt c.txt d.txt"

# ---- the worked example ----------------------------------------------------------

run cluster --mfw 10 --matrix -f tsv -q $ABCD
check_rc "worked example --matrix: status 0" 0
check_eq "worked example: the Burrows matrix" "$(printf '%s\n' \
    'path	a.txt	b.txt	c.txt	d.txt' \
    'a.txt	0.0000	1.5080	0.5878	1.9897' \
    'b.txt	1.5080	0.0000	1.0978	0.4817' \
    'c.txt	0.5878	1.0978	0.0000	1.5795' \
    'd.txt	1.9897	0.4817	1.5795	0.0000')" "$OUT"
run cluster --mfw 10 --matrix -f csv -q $ABCD
check_eq "--matrix CSV: second row" "b.txt,1.5080,0.0000,1.0978,0.4817" "$(sed -n 3p <<<"$OUT")"
run cluster --mfw 10 --matrix -q $ABCD
check_eq "--matrix JSON Lines: one record per text" \
    '{"path":"c.txt","distances":[0.5878,1.0978,0.0000,1.5795]}' "$(sed -n 3p <<<"$OUT")"

WARD="(('a.txt':0.5878,'c.txt':0.5878):1.5750,('b.txt':0.4817,'d.txt':0.4817):1.6811);"
run cluster --mfw 10 -q $ABCD
check_eq "worked example: the ward tree (default)" "$WARD" "$OUT"
run cluster --mfw 10 --linkage ward -q $ABCD
check_eq "--linkage ward is the default" "$WARD" "$OUT"
run cluster --mfw 10 --delta cosine --linkage average -q $ABCD
check_eq "worked example: cosine, average" \
    "(('a.txt':0.3679,'c.txt':0.3679):1.4560,('b.txt':0.2922,'d.txt':0.2922):1.5317);" "$OUT"
run cluster --mfw 10 --features chars --ngram 2 --delta minmax --linkage complete -q $ABCD
check_eq "worked example: chars 2-grams, minmax, complete" \
    "(('a.txt':0.3325,'c.txt':0.3325):0.3139,('b.txt':0.3534,'d.txt':0.3534):0.2930);" "$OUT"

# single: a-c at 0.5878, b-d at 0.4817 first, then min over the pairs
# between them: b-c 1.0978.  complete: max: a-d 1.9897.
run cluster --mfw 10 --linkage single -q $ABCD
check_eq "single linkage by hand" \
    "(('a.txt':0.5878,'c.txt':0.5878):0.5100,('b.txt':0.4817,'d.txt':0.4817):0.6161);" "$OUT"
run cluster --mfw 10 --linkage complete -q $ABCD
check_eq "complete linkage by hand" \
    "(('a.txt':0.5878,'c.txt':0.5878):1.4019,('b.txt':0.4817,'d.txt':0.4817):1.5080);" "$OUT"

# The tree loads in Bio.Phylo: the leaves, their branch lengths, the root's
# height (every leaf at the root's height of 2.1628 for ward).
PY=
for p in /usr/bin/python3 python3; do
    if command -v $p >/dev/null && $p -c 'import Bio.Phylo' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
    for args in "" "--delta cosine --linkage average" "--features chars --ngram 2 --delta minmax --linkage complete"; do
        # shellcheck disable=SC2086
        "$PARDO" cluster --mfw 10 $args -q $ABCD > tree.nwk
        "$PARDO" cluster --mfw 10 $args --matrix -f csv -q $ABCD > m.csv
        if $PY - tree.nwk m.csv "$args" > py.out 2>&1 <<'EOF'
import csv, sys
from Bio import Phylo
tree = Phylo.read(sys.argv[1], "newick")
leaves = [t.name for t in tree.get_terminals()]
assert leaves == ["a.txt", "c.txt", "b.txt", "d.txt"], leaves
rows = list(csv.reader(open(sys.argv[2])))
d = {r[0]: dict(zip(rows[0][1:], map(float, r[1:]))) for r in rows[1:]}
# the leaves of a first merge hang at its height: the pair's distance
for x, y in (("a.txt", "c.txt"), ("b.txt", "d.txt")):
    bx = tree.find_any(name=x).branch_length
    by = tree.find_any(name=y).branch_length
    assert abs(bx - d[x][y]) < 1e-4 and bx == by, (x, y, bx, by, d[x][y])
# ultrametric: every leaf at the same depth
depths = tree.depths()
h = [depths[t] for t in tree.get_terminals()]
assert max(h) - min(h) < 2e-4, h
print("ok", h[0])
EOF
        then ok "Bio.Phylo reads the tree ($args): leaves, branch lengths, ultrametric"
        else notok "Bio.Phylo reads the tree ($args)" "$(cat tree.nwk)" "$(cat py.out)"; fi
    done
else
    notok "Bio.Phylo reads the tree" "python3-biopython is not installed (make test-deps)"
fi

# ---- ties, quoting, one text, errors -----------------------------------------------

# Three copies of one text are at distance 0 from each other: the pair of
# the smallest indexes merges first ((1,2) before (1,3) and (2,3)).
cp a.txt x1.txt; cp a.txt x2.txt; cp a.txt x3.txt
run cluster --mfw 10 -q x1.txt x2.txt x3.txt b.txt
check "equal distances: the pair of earliest texts first" \
    has "$OUT" "((('x1.txt':0.0000,'x2.txt':0.0000):0.0000,'x3.txt':0.0000)"
cp c.txt "it's.txt"
run cluster --mfw 10 -q a.txt "it's.txt"
check "a quote inside a path is doubled" has "$OUT" ",'it''s.txt':"
run cluster -q a.txt
check_eq "one text: just its leaf" "'a.txt';" "$OUT"
: > empty.txt
run cluster --mfw 10 -q a.txt missing.txt b.txt empty.txt c.txt d.txt
check_rc "an unreadable file and one without words: status 1" 1
check_eq "they are left out of the tree" "$WARD" "$OUT"
check "the unreadable file is reported" has "$ERR" "pardo: missing.txt: No such file or directory"
check "the file without words is reported" has "$ERR" "pardo: empty.txt: no words"
run cluster --mfw 10 --features chars --ngram 3 -q a.txt empty.txt
check "without an n-gram: reported as such" has "$ERR" "pardo: empty.txt: no n-gram"

run cluster --mfw 10 --linkage median -q $ABCD
check_rc "usage error: unknown linkage" 2
check "it names the choices" has "$ERR" "ward, average, complete or single"
run cluster --known x --mfw 10 -q $ABCD
check_rc "usage error: --known does not apply to cluster" 2
run cluster --mfw 10,20 -q $ABCD
check_rc "usage error: a grid goes with attribute --loo" 2
run cluster --ngram 9 -q $ABCD
check_rc "usage error: --ngram 9" 2
run cluster --help
check "cluster --help shows --linkage and --matrix" \
    eval 'has "$OUT" "--linkage METHOD" && has "$OUT" "--matrix"'

# ---- samples ------------------------------------------------------------------------

# a.txt has 12 WORDs: --sample-size 5 gives a.txt#1 and a.txt#2 (2 left over);
# d.txt has 8: one sample; b.txt 11: two.
run cluster --sample-size 5 --matrix -f csv -q a.txt b.txt d.txt
check_eq "samples are named PATH#k, in order" "path,a.txt#1,a.txt#2,b.txt#1,b.txt#2,d.txt#1" \
    "$(sed -n 1p <<<"$OUT")"
run cluster --sample-size 9 -q a.txt d.txt b.txt
check_rc "a file shorter than one sample: status 1" 1
check "... reported with its WORDs" has "$ERR" "pardo: d.txt: shorter than one sample (8 words)"
check "... and left out" has "$OUT" "('a.txt#1':"
check "... the others are in" has "$OUT" "'b.txt#1'"

# Samples of N WORDs are the same as files holding those WORDs.
printf 'this is a test this' > s1.txt
printf 'is only a test of' > s2.txt
printf 'the cat sat on the' > s3.txt
printf 'mat and the dog sat' > s4.txt
run cluster --mfw 10 --features chars --ngram 3 --matrix -f tsv -q s1.txt s2.txt s3.txt s4.txt
whole=$(sed 1d <<<"$OUT" | cut -f2-)
run cluster --mfw 10 --features chars --ngram 3 --sample-size 5 --matrix -f tsv -q a.txt b.txt
check_eq "a sample's features are those of a file of its WORDs" "$whole" "$(sed 1d <<<"$OUT" | cut -f2-)"

# ---- the same bytes for every -j and --isolate -----------------------------------------

G=$SHARED/corpus/gutenberg
if [ -d "$G" ]; then
    set -- "$G"/anne_bronte_*.txt "$G"/charles_dickens_a_*.txt "$G"/bram_stoker_dracula*.txt
    base=$("$PARDO" cluster -q -j 1 --features chars --ngram 3 --mfw 300 --sample-size 20000 "$@")
    n=$(grep -o "'" <<<"$base" | wc -l)
    check "Gutenberg samples: a tree of many leaves" test "$n" -gt 20
    for flags in "-j 2" "-j 3 --unordered" "-j 2 --isolate"; do
        # shellcheck disable=SC2086
        got=$("$PARDO" cluster -q $flags --features chars --ngram 3 --mfw 300 --sample-size 20000 "$@")
        check_eq "cluster $flags: the same bytes" "$base" "$got"
    done
else
    skip "Gutenberg clustering" "no corpus at $G"
fi
