#!/usr/bin/env bash
# pardo report: the page, opened in headless Chromium from file:// with the
# network off (tests/report_check.py): every chart drawn, a silent console,
# no failed request, a screenshot of each report in BUILD/report/, and the
# records in the page equal to what stats, words --favorites, attribute and
# cluster print for the same texts and options.  Reports: labels with
# unknown texts, the feature options passed through, without labels (and a
# file name with "<" in it), with a failed file, spec section 11's worked
# example, one text, and the Gutenberg books.
. "$(dirname "$0")/cli_lib.sh"

SHOTS=${BUILD:-build}/report
case $SHOTS in /*) ;; *) SHOTS=$PWD/$SHOTS ;; esac
mkdir -p "$SHOTS"
CHECK="python3 $TESTS_DIR/report_check.py"
FP=fingerprint-ly_per_10k,fingerprint-exclam_per_100k,fingerprint-sentence_mean,fingerprint-ttr,fingerprint-mtld

cd "$TMP" || exit 1
cp -R "$TESTS_DIR/data/attrib" sub
L=sub/LABELS.tsv

# browser NAME HTML [report_check options]: its TAP lines.
browser() {
    local name=$1 html=$2; shift 2
    $CHECK "$name" "$html" "$SHOTS" "$@"
}

# same_records NAME ID COMMAND...: the page's data element ID (as the
# checker saved it) holds the records COMMAND prints, "<" written \u003c.
same_records() {
    local name=$1 id=$2; shift 2
    "$PARDO" "$@" > "$RUN_DIR/expected" 2>/dev/null
    local got=$SHOTS/$name.data/$id
    if ! grep -q '<' "$got" && cmp -s "$RUN_DIR/expected" <(sed 's/\\u003c/</g' "$got"); then
        ok "$name: $id holds the records of: pardo $*"
    else
        notok "$name: $id holds the records of: pardo $*" "expected:" "$(head -c 1500 "$RUN_DIR/expected")" \
            "got:" "$(head -c 1500 "$got")"
    fi
}

# same_tree NAME COMMAND...: the page's tree (pardo-meta's "tree") is the
# line COMMAND (a pardo cluster) prints.
same_tree() {
    local name=$1; shift
    "$PARDO" "$@" > "$RUN_DIR/expected" 2>/dev/null
    local got
    got=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tree"])' \
          "$SHOTS/$name.data/pardo-meta")
    if [ -s "$RUN_DIR/expected" ] && [ "$got" == "$(cat "$RUN_DIR/expected")" ]; then
        ok "$name: the tree is the line of: pardo $*"
    else
        notok "$name: the tree is the line of: pardo $*" "expected: $(head -c 1500 "$RUN_DIR/expected")" \
            "got: $(head -c 1500 <<<"$got")"
    fi
}

# page_text NAME: the rendered page without its <script> elements (the
# page's own script holds every sentence it could say).
page_text() {
    python3 -c 'import re, sys
print(re.sub(r"<script\b.*?</script>", "", open(sys.argv[1]).read(), flags=re.S))' \
        "$SHOTS/$1.dom.html"
}

# has_text NAME WHAT TEXT: the rendered page says TEXT.
has_text() {
    if page_text "$1" | grep -qF -- "$3"; then ok "$1: $2"
    else notok "$1: $2" "expected the page to say: $3"; fi
}

# lacks_text NAME WHAT TEXT: the rendered page does not say TEXT.
lacks_text() {
    if page_text "$1" | grep -qF -- "$3"; then notok "$1: $2" "expected the page not to say: $3"
    else ok "$1: $2"; fi
}

# ---- labels and unknown texts --------------------------------------------------
run report -q --known $L sub/unknown -o labels.html
check_rc "labels: exit status 0" 0 "$RC"
browser labels labels.html --charts "$FP,favorites,loo-grid,confusion,unknown,dendrogram,distance-matrix"
known=$(cut -f1 < "$SHOTS/labels.data/pardo-labels" | sed 's/^{"path":"\(.*\)","label":.*/\1/')
# shellcheck disable=SC2086
same_records labels pardo-stats stats --lexdiv -q $known sub/unknown
same_records labels pardo-favorites words -q --favorites 10 --known $L
same_records labels pardo-loo attribute -q --loo --known $L
same_records labels pardo-unknown attribute -q --known $L sub/unknown
GRID="--mfw 50,100,200,500,1000 --delta burrows,argamon,eder,cosine,minmax"
# shellcheck disable=SC2086
same_records labels pardo-grid attribute -q --loo --known $L $GRID
# every text read, known first; no_words.txt has no word to cluster by
# shellcheck disable=SC2086
same_records labels pardo-matrix cluster -q --matrix $known sub/unknown
# shellcheck disable=SC2086
same_tree labels cluster -q $known sub/unknown
check_eq "labels: the LABELS file, as read" \
    "$(printf '%s\n' "$known" | paste -sd' ')" \
    "sub/known/ann1.txt sub/known/bob1.txt sub/known/ann2.txt sub/known/bob2.txt sub/known/ann3.txt sub/known/bob3.txt sub/known/cy1.txt"

# The grid: MFW 50 100 200 500 1000, by the five deltas; each cell's record
# is also the summary of attribute --loo --mfw M --delta D alone, with the
# cell's settings.
cells=0 bad=""
while IFS= read -r line; do
    cells=$((cells + 1))
    m=$(sed 's/.*"mfw":\([0-9]*\).*/\1/' <<<"$line")
    d=$(sed 's/.*"delta":"\([a-z]*\)".*/\1/' <<<"$line")
    want=$("$PARDO" attribute -q --loo --known $L --mfw "$m" --delta "$d" | tail -n 1)
    got=$(sed -E 's/,"features":"words","ngram":1,"mfw":[0-9]+,"delta":"[a-z]+","culling":0(,"features_used":[0-9]+)?//' <<<"$line")
    [ "$got" == "$want" ] || bad="$bad
mfw $m delta $d: expected $want, got $line"
done < "$SHOTS/labels.data/pardo-grid"
check_eq "labels: 25 cells in the grid" 25 "$cells"
check_eq "labels: every cell is attribute --loo's summary" "" "$bad"
check "labels: cells, MFW ascending then burrows, argamon, eder, cosine, minmax" has \
    "$(grep -o '"mfw":[0-9]*,"delta":"[a-z]*"' "$SHOTS/labels.data/pardo-grid" | head -n 6 | paste -sd' ')" \
    '"mfw":50,"delta":"burrows" "mfw":50,"delta":"argamon" "mfw":50,"delta":"eder" "mfw":50,"delta":"cosine" "mfw":50,"delta":"minmax" "mfw":100,"delta":"burrows"'
has_text labels "a text without words is named" "no_words.txt: no words, not attributed"
lacks_text labels "nothing is left out" "Left out:"

# --mfw and --delta shape the confusion matrix and the unknowns; -j and
# --isolate change no byte.
run report -q --known $L --mfw 30 --delta cosine sub/unknown -o mine.html
"$PARDO" report -q --known $L --mfw 30 --delta cosine -j 1 sub/unknown -o j1.html
"$PARDO" report -q --known $L --mfw 30 --delta cosine -j 3 --isolate sub/unknown -o iso.html
check "report: the same page for -j 1, -j 3 --isolate" cmp mine.html j1.html
check "report: ... and with --isolate" cmp mine.html iso.html
check "report: --mfw 30 joins the grid" grep -q '"mfw":30,"delta":"cosine"' mine.html
"$PARDO" attribute -q --loo --known $L --mfw 30 --delta cosine > loo30
check "report: --mfw and --delta give the leave-one-out records" \
    grep -qF "$(head -n 1 loo30)" mine.html

# A PATH that is a known text is taken once, as known.
run report -q --known $L sub/known/ann1.txt sub/unknown/ann_like.txt -o again.html
check_eq "report: a known PATH is not taken twice" 8 \
    "$(sed -n '/id="pardo-stats"/,/<\/script>/p' again.html | grep -c '^{"path"')"

# --features, --ngram, --sample-size, --delta, --linkage, --culling and
# --mfw shape every record as they shape attribute's and cluster's.
OPTS="--features chars --ngram 3 --sample-size 25 --mfw 60 --delta minmax --culling 20"
# shellcheck disable=SC2086
run report -q --known $L $OPTS --linkage average sub/unknown -o opts.html
check_rc "options: exit status 1 (a file shorter than one sample)" 1 "$RC"
check "options: the short file is named" has "$ERR" "shorter than one sample"
browser opts opts.html --charts "$FP,favorites,loo-grid,confusion,unknown,dendrogram,distance-matrix"
# shellcheck disable=SC2086
same_records opts pardo-favorites words -q --favorites 10 --known $L --features chars --ngram 3 \
    --sample-size 25
# shellcheck disable=SC2086
same_records opts pardo-loo attribute -q --loo --known $L $OPTS
# shellcheck disable=SC2086
same_records opts pardo-grid attribute -q --loo --known $L $OPTS \
    --mfw 50,60,100,200,500,1000 --delta burrows,argamon,eder,cosine,minmax
# shellcheck disable=SC2086
same_records opts pardo-unknown attribute -q --known $L $OPTS sub/unknown
# shellcheck disable=SC2086
same_records opts pardo-matrix cluster -q --matrix $OPTS $known sub/unknown
# shellcheck disable=SC2086
same_tree opts cluster -q --linkage average $OPTS $known sub/unknown
check "options: the grid's cells are of chars 3-grams" grep -qF \
    '"features":"chars","ngram":3,"mfw":60,"delta":"minmax","culling":20,' "$SHOTS/opts.data/pardo-grid"

# ---- no labels; a "<" in a file name ----------------------------------------------
mkdir "sub/unknown/odd <"
cp sub/unknown/ann_like.txt "sub/unknown/odd </script> name.txt"
run report -q sub/known sub/unknown -o nolabels.html
check_rc "no labels: exit status 0" 0 "$RC"
browser nolabels nolabels.html --charts "$FP,dendrogram,distance-matrix"
same_records nolabels pardo-stats stats --lexdiv -q sub/known sub/unknown
same_records nolabels pardo-matrix cluster -q --matrix sub/known sub/unknown
same_tree nolabels cluster -q sub/known sub/unknown
has_text nolabels "favourite words are left out" "Left out: favourite words are per label"
has_text nolabels "attribution is left out" "Left out: attribution needs known texts"
lacks_text nolabels "the clustering is not left out" "Left out: clustering"
check "no labels: the name with </script> stays inside its record" \
    grep -qF '"path":"sub/unknown/odd \u003c/script> name.txt"' nolabels.html

rm -r "sub/unknown/odd <"

# ---- a failed file ---------------------------------------------------------------
# named, not walked: a walk skips a binary file without a record
printf 'bin\0ary' > sub/binary.txt
run report -q --known $L sub/unknown sub/binary.txt sub/missing.txt -o failed.html
check_rc "failed file: exit status 1" 1 "$RC"
check "failed file: named on stderr" has "$ERR" "pardo: sub/missing.txt: No such file or directory"
browser failed failed.html --charts "$FP,favorites,loo-grid,confusion,unknown,dendrogram,distance-matrix"
same_records failed pardo-stats stats --lexdiv -q $known sub/unknown sub/binary.txt sub/missing.txt
same_records failed pardo-unknown attribute -q --known $L sub/unknown sub/binary.txt sub/missing.txt
# shellcheck disable=SC2086
same_tree failed cluster -q $known sub/unknown sub/binary.txt sub/missing.txt
has_text failed "the failed files are listed" "sub/missing.txt: No such file or directory"
has_text failed "... with their reasons" "sub/binary.txt: binary file"

# ---- clustering: the worked example of spec section 11 -------------------------------
printf 'this is a test. this is only a test of the cat.\n' > a.txt
printf 'the cat sat on the mat and the dog sat too.\n' > b.txt
printf 'a test, a cat, a dog: this is the end of it all.\n' > c.txt
printf 'the dog and the cat and the mat.\n' > d.txt
WARD="(('a.txt':0.5878,'c.txt':0.5878):1.5750,('b.txt':0.4817,'d.txt':0.4817):1.6811);"
cat > matrix.jsonl <<'EOF'
{"path":"a.txt","distances":[0.0000,1.5080,0.5878,1.9897]}
{"path":"b.txt","distances":[1.5080,0.0000,1.0978,0.4817]}
{"path":"c.txt","distances":[0.5878,1.0978,0.0000,1.5795]}
{"path":"d.txt","distances":[1.9897,0.4817,1.5795,0.0000]}
EOF
run report -q --mfw 10 a.txt b.txt c.txt d.txt -o cluster.html
check_rc "cluster: exit status 0" 0 "$RC"
browser cluster cluster.html --charts "$FP,dendrogram,distance-matrix" --leaves a.txt,c.txt,b.txt,d.txt
check_eq "cluster: the worked example's matrix" "$(cat matrix.jsonl)" "$(cat "$SHOTS/cluster.data/pardo-matrix")"
check "cluster: the worked example's ward tree" grep -qF "\"tree\":\"$WARD\"" "$SHOTS/cluster.data/pardo-meta"
same_tree cluster cluster -q --mfw 10 a.txt b.txt c.txt d.txt

# One text: nothing to cluster, said so.
run report -q a.txt -o one.html
browser one one.html --charts "$FP"
has_text one "one text: clustering left out" "Left out: clustering needs two texts or more, and there is 1."

# ---- the Gutenberg corpus: 124 labelled books and the unlabelled ones ----------------
G=$SHARED/corpus/gutenberg
if [ -f "$G/LABELS.tsv" ]; then
    unknown=$(ls "$G"/*.txt | grep -vxFf <(grep -v '^#' "$G/LABELS.tsv" | cut -f1 | sed "s|^|$G/|"))
    # shellcheck disable=SC2086
    run report -q --known "$G/LABELS.tsv" $unknown -o gutenberg.html
    check_rc "gutenberg: exit status 0" 0 "$RC"
    size=$(wc -c < gutenberg.html)
    echo "# gutenberg: $size bytes, $(wc -w <<<"$unknown") unknown texts"
    check "gutenberg: the page is under 3 MB ($size bytes)" test "$size" -lt 3000000
    browser gutenberg gutenberg.html \
        --charts "$FP,fingerprint-mattr,favorites,loo-grid,confusion,unknown,dendrogram,distance-matrix"
    check "gutenberg: 124 folds" grep -qF '{"loo":true,"texts":124,' "$SHOTS/gutenberg.data/pardo-loo"
    known=$(grep -v '^#' "$G/LABELS.tsv" | grep -v '^path' | cut -f1 | sed "s|^|$G/|")
    # shellcheck disable=SC2086
    same_tree gutenberg cluster -q $known $unknown
    # shellcheck disable=SC2086
    same_records gutenberg pardo-matrix cluster -q --matrix $known $unknown
else
    skip "gutenberg report" "no corpus at $G"
fi

# ---- usage ---------------------------------------------------------------------------
run report -q
check_rc "report without PATH or --known: usage error" 2 "$RC"
run report -q -f csv sub/unknown
check_rc "report -f: does not apply" 2 "$RC"
run report -q --mfw 100,200 sub/unknown -o x.html
check_rc "report --mfw LIST: usage error" 2 "$RC"
check "report --mfw LIST: a grid goes with attribute --loo" has "$ERR" "attribute --loo"
run report -q --matrix sub/unknown -o x.html
check_rc "report --matrix: does not apply" 2 "$RC"
