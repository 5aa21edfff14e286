#!/usr/bin/env bash
# pardo attribute with the features, distances, grids and samples of spec
# section 10: every grid cell equals the single run with its settings, the
# record shape and order, features_used, samples named PATH#k with the file
# held out whole, errors, and the same bytes for every -j and --isolate.
# Data: the hand-made texts of tests/data/attrib (see t_cli_attribute.sh).
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
cp -R "$TESTS_DIR/data/attrib" sub
L=sub/LABELS.tsv

# summary FLAGS...: the --loo summary of one single run, without "loo".
summary() { "$PARDO" attribute --loo --known $L -q "$@" | tail -n 1 | sed 's/^{"loo":true,//'; }

# ---- grids ------------------------------------------------------------------------

run attribute --loo --known $L -q --mfw 10,5 --delta cosine,burrows,minmax
check_rc "grid: status 0" 0
check_eq "grid: one record per cell, no per-text record" 6 "$(printf '%s\n' "$OUT" | wc -l)"
check_eq "grid: MFW ascending, then the distances as given" \
    "5 cosine|5 burrows|5 minmax|10 cosine|10 burrows|10 minmax" \
    "$(sed -E 's/.*"mfw":([0-9]+),"delta":"([a-z]+)".*/\1 \2/' <<<"$OUT" | paste -sd '|')"
check "grid: the cell's keys after \"loo\"" has "$(sed -n 1p <<<"$OUT")" \
    '{"loo":true,"features":"words","ngram":1,"mfw":5,"delta":"cosine","culling":0,"texts":7,"correct":'
i=0
for cell in "5 cosine" "5 burrows" "5 minmax" "10 cosine" "10 burrows" "10 minmax"; do
    i=$((i + 1))
    set -- $cell
    want=$(summary --mfw "$1" --delta "$2")
    got=$(sed -n ${i}p <<<"$OUT" | sed -E 's/^\{"loo":true,"features":"words","ngram":1,"mfw":[0-9]+,"delta":"[a-z]+","culling":0,//')
    check_eq "grid cell mfw $1 $2 = the single run" "$want" "$got"
done

run attribute --loo --known $L -q --mfw 20:60:20 --delta argamon,eder --features chars --ngram 3 --culling 50
check_eq "FROM:TO:STEP: 20 40 60" "20 argamon|20 eder|40 argamon|40 eder|60 argamon|60 eder" \
    "$(sed -E 's/.*"mfw":([0-9]+),"delta":"([a-z]+)".*/\1 \2/' <<<"$OUT" | paste -sd '|')"
check "grid: features, ngram and culling as given" has "$(sed -n 1p <<<"$OUT")" \
    '"features":"chars","ngram":3,"mfw":20,"delta":"argamon","culling":50,'
want=$(summary --mfw 40 --delta eder --features chars --ngram 3 --culling 50)
check_eq "chars grid cell = the single run" "$want" \
    "$(sed -n 4p <<<"$OUT" | sed -E 's/^\{"loo":true,"features":"chars","ngram":3,"mfw":40,"delta":"eder","culling":50,//')"

# features_used: the WORD types of the known texts, as words --corpus counts them.
types=$("$PARDO" words --corpus-only --top 1000000 -q sub/known | grep -o '\],\[' | wc -l)
types=$((types + 1))
run attribute --loo --known $L -q --mfw 10,100000
check "a cell with MFW within the features has no features_used" \
    eval '! has "$(sed -n 1p <<<"$OUT")" features_used'
check "a cell past the features says how many it used ($types)" \
    has "$(sed -n 2p <<<"$OUT")" "\"culling\":0,\"features_used\":$types,\"texts\":7,"
check_eq "... and equals the run with all of them" "$(summary --mfw $types)" \
    "$(sed -n 2p <<<"$OUT" | sed -E 's/^\{"loo":true,"features":"words","ngram":1,"mfw":100000,"delta":"burrows","culling":0,"features_used":[0-9]+,//')"

run attribute --loo --known $L -q -f csv --mfw 5,100000
check_eq "grid CSV: the header" "features,ngram,mfw,delta,culling,features_used,texts,correct,accuracy" \
    "$(sed -n 1p <<<"$OUT")"
check "grid CSV: a row" has "$(sed -n 2p <<<"$OUT")" "words,1,5,burrows,0,,7,"
check "grid CSV: features_used" has "$(sed -n 3p <<<"$OUT")" "words,1,100000,burrows,0,$types,7,"

run attribute --loo --known $L -q --mfw 5:5:1 --delta cosine
check_eq "one cell is no grid: the per-text records and the summary" 8 \
    "$(printf '%s\n' "$OUT" | wc -l)"

for flags in "-j 1" "-j 3" "-j 2 --isolate"; do
    # shellcheck disable=SC2086
    run attribute --loo --known $L -q $flags --mfw 5,10,20 --delta burrows,argamon,eder,cosine,minmax --features chars --ngram 2
    [ "$flags" = "-j 1" ] && base=$OUT
    check_eq "chars grid $flags: the same bytes" "$base" "$OUT"
done

# ---- features on unknown texts ------------------------------------------------------

for f in "--features chars --ngram 3" "--ngram 2" "--features chars --ngram 1 --delta minmax"; do
    # shellcheck disable=SC2086
    run attribute --known $L -q -j 1 $f sub/unknown
    base=$OUT
    check "attribute $f: ann's style goes to ann" has "$(sed -n 1p <<<"$OUT")" '"nearest":"ann"'
    check "attribute $f: no n-gram, nearest null" has "$(sed -n 3p <<<"$OUT")" \
        '{"path":"sub/unknown/no_words.txt","nearest":null,"distances":{}}'
    # shellcheck disable=SC2086
    run attribute --known $L -q -j 2 --isolate $f sub/unknown
    check_eq "attribute $f --isolate: the same bytes" "$base" "$OUT"
done
run words --favorites 3 --known $L --features chars --ngram 4 -q
check "words --favorites with character 4-grams" has "$(sed -n 1p <<<"$OUT")" '{"label":"ann","texts":3,"words":[["'
# 20-WORD samples are the texts of a label (ann: 3 + 3 + 3), as in pardo report
run words --favorites 3 --known $L --sample-size 20 -q
check "words --favorites --sample-size: a label's texts are its samples" \
    has "$(sed -n 1p <<<"$OUT")" '{"label":"ann","texts":9,"words":[["'

# ---- samples ----------------------------------------------------------------------------

# 20-WORD samples: ann1 66 -> 3, ann2 62 -> 3, ann3 60 -> 3, bob1 48 -> 2,
# bob2 53 -> 2, bob3 55 -> 2, cy1 30 -> 1: 16 samples.
run attribute --loo --known $L -q --sample-size 20
check_rc "samples --loo: status 0" 0
check_eq "samples --loo: one record per sample, and the summary" 17 "$(printf '%s\n' "$OUT" | wc -l)"
check "samples are named PATH#k" has "$(sed -n 1p <<<"$OUT")" '{"path":"sub/known/ann1.txt#1","label":"ann",'
check_eq "the order: LABELS order, then the samples" \
    "sub/known/ann1.txt#1 sub/known/ann1.txt#2 sub/known/ann1.txt#3 sub/known/bob1.txt#1" \
    "$(head -n 4 <<<"$OUT" | sed -E 's/^\{"path":"([^"]*)".*/\1/' | paste -sd ' ')"
check "accuracy counts samples" has "$(tail -n 1 <<<"$OUT")" '"texts":16,'
# cy1's one sample is its file: held out, cy is no candidate for it.
check "the file is held out whole: cy1#1 has no cy" \
    eval '! has "$(grep "cy1.txt#1" <<<"$OUT")" "\"cy\":"'
check "... and ann1#2 is judged without ann1#1 and #3" has "$(grep 'ann1.txt#2' <<<"$OUT")" '"ann":'

run attribute --loo --known $L -q --sample-size 40
check_rc "a known file shorter than one sample: status 1" 1
check "... reported on stderr with its WORDs" has "$ERR" "pardo: sub/known/cy1.txt: shorter than one sample (30 words)"
check "... and left out" eval '! has "$OUT" cy1.txt'
check "... the run goes on" has "$(tail -n 1 <<<"$OUT")" '"texts":6,'

run attribute --known $L -q --sample-size 20 -f csv sub/unknown
check_rc "unknown samples: a file shorter than one sample gives status 1" 1
check_eq "unknown samples: a row per sample, an error row for the short file" \
    "path|sub/unknown/ann_like.txt#1|sub/unknown/ann_like.txt#2|sub/unknown/bob_like.txt#1|sub/unknown/bob_like.txt#2|sub/unknown/no_words.txt" \
    "$(cut -d, -f1 <<<"$OUT" | paste -sd '|')"
check "the short file's error" has "$(tail -n 1 <<<"$OUT")" "shorter than one sample (0 words)"

base=$("$PARDO" attribute --loo --known $L -q -j 1 --sample-size 15 --features chars --ngram 3 --mfw 50,100 --delta cosine,minmax)
for flags in "-j 2" "-j 2 --isolate"; do
    # shellcheck disable=SC2086
    got=$("$PARDO" attribute --loo --known $L -q $flags --sample-size 15 --features chars --ngram 3 --mfw 50,100 --delta cosine,minmax)
    check_eq "samples grid $flags: the same bytes" "$base" "$got"
done

# ---- usage errors -------------------------------------------------------------------------

for bad in "--mfw 10,20" "--delta burrows,cosine" "--mfw 10:5:1 --loo" "--mfw 0:10:5 --loo" \
           "--mfw 5:10 --loo" "--delta manhattan" "--delta cosine,cosine --loo" \
           "--features bytes" "--ngram 0" "--ngram 9" "--sample-size 0" "--linkage ward" \
           "--matrix"; do
    # shellcheck disable=SC2086
    run attribute --known $L -q $bad sub/unknown
    [ "${bad#*--loo}" != "$bad" ] && run attribute --known $L -q $bad
    check_rc "usage error: attribute $bad" 2
done
run attribute --known $L -q --delta nope sub/unknown
check "the distances are named" has "$ERR" "burrows, argamon, eder, cosine or minmax"
run words --top 3 --ngram 2 sub/unknown
check_rc "usage error: --ngram for words without --favorites" 2
run words --top 3 --sample-size 20 sub/unknown
check_rc "usage error: --sample-size for words without --favorites" 2
