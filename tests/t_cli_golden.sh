#!/usr/bin/env bash
# Golden tests: whole outputs of the cases in tests/golden/cases.txt against
# tests/golden/NAME.out (stdout, then "--- stderr", then "--- status N").
# Re-record every case with one command:
#   UPDATE_GOLDEN=1 PARDO=build/dev/pardo bash tests/t_cli_golden.sh
# and read the diff before committing it.
. "$(dirname "$0")/cli_lib.sh"

golden=$TESTS_DIR/golden
work=$TMP/g
mkdir -p "$work/odd"
cp -r "$golden/texts" "$work/texts"
cd "$work" || exit 1

# Odd bytes, written here so that the bytes are visible in this file.
printf '\357\273\277Hello, world. A BOM is not a word.\n' > odd/bom.txt
printf 'One line.\rTwo lines.\rThree.' > odd/cr_only.txt
printf 'One line.\r\nTwo lines.\nThree.\rFour.\r\n' > odd/mixed.txt
printf 'Crlf only.\r\nSecond line.\r\n' > odd/crlf.txt
printf 'caf\351 ok \377\376 end. Na\357ve.\n' > odd/invalid_utf8.txt
printf 'Caf\351 na\357ve. Caf\351!\n' > odd/latin1.txt
printf 'abc\000def\n' > odd/nul.txt
: > odd/empty.txt
printf 'cafe\314\201 caf\303\251 Cafe\314\201.\n' > odd/decomposed.txt
# An APOS after a word that ends in a combining mark (Devanagari, q + U+0307).
mkdir -p marks
deva='\340\244\250\340\244\256\340\244\270\340\245\215\340\244\244\340\245\207'
printf "A $deva's word, and q\314\207's too. $deva'80s and q\314\207'q\314\207.\n" > marks/apos.txt

update=${UPDATE_GOLDEN:-}
while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    name=${line%% *}
    args=${line#"$name"}
    expected=$golden/$name.out
    eval "\"\$PARDO\" $args -q" > out.txt 2> err.txt
    rc=$?
    { cat out.txt; echo "--- stderr"; cat err.txt; echo "--- status $rc"; } > actual.txt
    if [ -n "$update" ]; then
        cp actual.txt "$expected"
        ok "golden $name (recorded)"
    elif [ ! -f "$expected" ]; then
        notok "golden $name" "no $expected: record it with UPDATE_GOLDEN=1"
    elif cmp -s actual.txt "$expected"; then
        ok "golden $name"
    else
        notok "golden $name" "pardo$args" "$(diff "$expected" actual.txt | head -n 20)"
    fi
done < "$golden/cases.txt"

# Every recorded case is still in cases.txt.
for f in "$golden"/*.out; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .out)
    grep -q "^$n " "$golden/cases.txt" || notok "golden $n.out has a case" "remove $f or add its case"
done
