#!/usr/bin/env bash
# Records in JSON Lines, CSV and TSV: field order, escaping of odd paths
# and terms, and that every line parses.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
mkdir d
printf 'A bee. A cat!\n' > "d/with space.txt"
printf 'the end\n' > "d/new
line.txt"
printf 'x\n' > 'd/q"uote\back,slash.txt'
printf 'y\n' > "d/tab	here.txt"
printf 'z\n' > "d/$(printf 'bad\377byte').txt"

run count -t a -q "d/with space.txt"
check_eq "count record: fields and order" \
    '{"path":"d/with space.txt","encoding":"utf-8","boilerplate":false,"bad_bytes":0,"bytes":14,"counts":{"a":3}}' "$OUT"

run count -t a -q "d/new
line.txt"
check_eq "JSON: a newline in a path is \\n" \
    '{"path":"d/new\nline.txt","encoding":"utf-8","boilerplate":false,"bad_bytes":0,"bytes":8,"counts":{"a":0}}' "$OUT"
run count -t a -q 'd/q"uote\back,slash.txt'
check "JSON: quote and backslash escaped" has "$OUT" '"path":"d/q\"uote\\back,slash.txt"'
run count -t a -q "d/tab	here.txt"
check "JSON: a tab in a path is \\t" has "$OUT" '"path":"d/tab\there.txt"'
run count -t a -q "d/$(printf 'bad\377byte').txt"
check "JSON: an invalid UTF-8 byte in a path becomes U+FFFD" has "$OUT" "\"path\":\"d/bad$(printf '\357\277\275')byte.txt\""

# Every line of every command parses as JSON, with "path" first.
if command -v python3 >/dev/null; then
    for cmd in "count -t a,the,\"x\"" "stats" "words --corpus"; do
        eval "run $cmd -q d"
        printf '%s\n' "$OUT" > lines.jsonl
        if python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    obj = json.loads(line)
    assert list(obj)[0] in ("path", "corpus"), line
' lines.jsonl 2> py.err; then ok "JSON Lines parse: $cmd"
        else notok "JSON Lines parse: $cmd" "$(cat py.err)" "$OUT"; fi
    done
else
    skip "JSON Lines parse" "python3 is not installed"
fi

# CSV: RFC 4180 quoting, one header, same number of fields everywhere.
run count -t a -q -f csv d
check_eq "CSV: header" "path,encoding,boilerplate,bad_bytes,bytes,a,error" "$(head -n 1 <<<"$OUT")"
check "CSV: a newline in a path is kept inside quotes" has "$OUT" '"d/new
line.txt",utf-8'
check "CSV: a quote is doubled, a comma quoted" has "$OUT" '"d/q""uote\back,slash.txt",utf-8'
check "CSV: a plain path is not quoted" has "$OUT" 'd/with space.txt,utf-8'
if command -v python3 >/dev/null; then
    printf '%s\n' "$OUT" > out.csv
    n=$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="replace")))
print(len(rows), len({len(r) for r in rows}))' out.csv)
    check_eq "CSV: 6 rows of equal width (python csv)" "6 1" "$n"
fi

# A term with a comma cannot be given (commas split), but one with a quote can.
run count -t 'say "hi"' -q -f csv "d/with space.txt"
check_eq "CSV: a term with quotes in the header" 'path,encoding,boilerplate,bad_bytes,bytes,"say ""hi""",error' "$(head -n 1 <<<"$OUT")"
run count -t 'say "hi"' -q "d/with space.txt"
check "JSON: a term with quotes as a key" has "$OUT" '"counts":{"say \"hi\"":0}'

# TSV: no quoting; backslash, tab, LF and CR are escaped.
run count -t a -q -f tsv d
check_eq "TSV: header" "$(printf 'path\tencoding\tboilerplate\tbad_bytes\tbytes\ta\terror')" "$(head -n 1 <<<"$OUT")"
check "TSV: a newline in a path is \\n" has "$OUT" $'d/new\\nline.txt\tutf-8'
check "TSV: a tab in a path is \\t" has "$OUT" $'d/tab\\there.txt\tutf-8'
check "TSV: a backslash is doubled" has "$OUT" 'd/q"uote\\back,slash.txt'
check_eq "TSV: one line per file plus the header" 6 "$(printf '%s\n' "$OUT" | wc -l)"

# Stats: every field of spec section 4, in its order; rates with 4 decimals.
printf 'One fine day. It rained quickly!\n' > s.txt
run stats -q s.txt
check_eq "stats record: fields in the spec's order" \
    'path bytes encoding boilerplate bad_bytes words nums types hapax ttr sentences sentence_mean sentence_sd ly_per_10k exclam_per_100k' \
    "$(grep -o '"[a-z_0-9]*":' <<<"$OUT" | tr -d '":' | tr '\n' ' ' | sed 's/ $//')"
check "stats record: rates with four decimals" grep -qE '"ttr":[0-9]+\.[0-9]{4},' <<<"$OUT"
run stats -q -f csv s.txt
check_eq "stats CSV header" \
    "path,bytes,encoding,boilerplate,bad_bytes,words,nums,types,hapax,ttr,sentences,sentence_mean,sentence_sd,ly_per_10k,exclam_per_100k,error" \
    "$(head -n 1 <<<"$OUT")"

# words: JSON list of [word, count]; CSV rows path,rank,word,count,error.
printf 'b a b c b a\n' > w.txt
run words -q --top 2 w.txt
check_eq "words record" '{"path":"w.txt","words":[["b",3],["a",2]]}' "$OUT"
run words -q --top 2 -f csv --corpus w.txt
check_eq "words CSV: rows per word, corpus rows with an empty path" \
    "path,rank,word,count,error
w.txt,1,b,3,
w.txt,2,a,2,
,1,b,3,
,2,a,2," "$OUT"
: > nowords.txt
run words -q -f tsv nowords.txt
check_eq "words TSV: a file without words gives one row" "$(printf 'nowords.txt\t\t\t\t')" "$(sed -n 2p <<<"$OUT")"
printf 'c a b\n' > ties.txt
run words -q ties.txt
check_eq "words: ties by the word's bytes" '{"path":"ties.txt","words":[["a",1],["b",1],["c",1]]}' "$OUT"
