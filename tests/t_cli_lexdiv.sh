#!/usr/bin/env bash
# stats --lexdiv (spec section 9): the spec's worked example, the four
# fields in every format, null where the spec says, --mattr-window's
# bounds, the same bytes for every -j and with --isolate, and every value
# against exact rational arithmetic in Python (tests/lexdiv_check.py, an
# implementation of section 9 written from the spec alone) over texts of
# lengths at and around each null condition.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
mkdir in
printf 'A b, C d d! E e f F f.\n' > in/example.txt
: > in/empty.txt

# The worked example: a b c d d e e f f f, window 5.
run stats --lexdiv --mattr-window 5 -q in/example.txt
check_rc "worked example: status 0" 0
check "worked example: the four fields after exclam_per_100k" has "$OUT" \
    '"exclam_per_100k":10000.0000,"mattr":0.6333,"mtld":4.1667,"hdd":null,"yule_k":1000.0000}'
run stats --lexdiv -q in/example.txt
check "worked example, window 100: mattr null (N < L)" has "$OUT" \
    '"mattr":null,"mtld":4.1667,"hdd":null,"yule_k":1000.0000}'
run stats --lexdiv -q in/empty.txt
check "no words: all four null" has "$OUT" \
    '"exclam_per_100k":null,"mattr":null,"mtld":null,"hdd":null,"yule_k":null}'

run stats --lexdiv --mattr-window 5 -f csv -q in/example.txt in/empty.txt
check_eq "CSV: columns after exclam_per_100k, empty for null" \
"path,bytes,encoding,boilerplate,bad_bytes,words,nums,types,hapax,ttr,sentences,sentence_mean,sentence_sd,ly_per_10k,exclam_per_100k,mattr,mtld,hdd,yule_k,error
in/example.txt,23,utf-8,false,0,10,0,6,3,0.6000,2,5.0000,0.0000,0.0000,10000.0000,0.6333,4.1667,,1000.0000,
in/empty.txt,0,utf-8,false,0,0,0,0,0,,0,,,,,,,,," "$OUT"
run stats --lexdiv -f tsv -q in/example.txt
check_eq "TSV: the same columns" \
"$(printf 'path\tbytes\tencoding\tboilerplate\tbad_bytes\twords\tnums\ttypes\thapax\tttr\tsentences\tsentence_mean\tsentence_sd\tly_per_10k\texclam_per_100k\tmattr\tmtld\thdd\tyule_k\terror\nin/example.txt\t23\tutf-8\tfalse\t0\t10\t0\t6\t3\t0.6000\t2\t5.0000\t0.0000\t0.0000\t10000.0000\t\t4.1667\t\t1000.0000\t')" "$OUT"

# Without --lexdiv nothing changes.
run stats -q in/example.txt
check "without --lexdiv: no new field" eval '! grep -q "mattr\|mtld\|hdd\|yule_k" <<<"$OUT"'

# Options.
run stats --mattr-window 5 -q in/example.txt
check_rc "--mattr-window without --lexdiv: usage error" 2
check "--mattr-window without --lexdiv: says why" has "$ERR" "--mattr-window goes with --lexdiv"
for bad in 0 -1 1000001 x; do
    run stats --lexdiv --mattr-window "$bad" -q in/example.txt
    check_rc "--mattr-window $bad: usage error" 2
done
run stats --lexdiv --mattr-window 1000000 -q in/example.txt
check "--mattr-window 1000000: allowed, mattr null" has "$OUT" '"mattr":null'
run stats --lexdiv --mattr-window 1 -q in/example.txt
check "--mattr-window 1: mattr 1" has "$OUT" '"mattr":1.0000'
run count -t a --lexdiv -q in/example.txt
check_rc "--lexdiv with count: usage error" 2
check "stats --help lists --lexdiv and --mattr-window" eval \
    '"$PARDO" stats --help | grep -q -- "--lexdiv" && "$PARDO" stats --help | grep -q -- "--mattr-window L .*1 to 1000000 (default 100"'

# Texts for the exact check: a few frequent words and a long tail, some
# capitalised (a type is lowercased), at and around each null condition.
python3 - <<'EOF'
import random
random.seed(17)
def word(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s += chr(97 + r)
    return s
def text(ids):
    out = []
    for k, i in enumerate(ids):
        w = word(i)
        if random.random() < 0.1:
            w = w.capitalize()
        out.append(w + (". " if k % 11 == 10 else " "))
    return "".join(out)
def zipf(n, v):
    return [int(v * random.random() ** 3) for _ in range(n)]
cases = {}
for n in (1, 2, 4, 5, 6, 41, 42, 43, 99, 100, 101, 250, 3000, 20000):
    cases["z%05d" % n] = zipf(n, max(3, n // 4))
cases["distinct150"] = list(range(150))
cases["oneword150"] = [7] * 150
cases["oneword43"] = [3] * 43
cases["pair"] = [0, 0]
for name, ids in cases.items():
    with open("in/%s.txt" % name, "w") as f:
        f.write(text(ids))
EOF

for w in 100 5 1 7000; do
    run stats --lexdiv --mattr-window $w -q in
    check_rc "window $w: status 0" 0
    printf '%s\n' "$OUT" > out.jsonl
    res=$(python3 "$TESTS_DIR/lexdiv_check.py" $w out.jsonl 2>&1)
    if [ $? -eq 0 ]; then ok "window $w: every value as exact arithmetic gives ($res)"
    else notok "window $w: every value as exact arithmetic gives" "$res"; fi
done

# The same bytes for every -j, with --isolate, --unordered sorted, in CSV.
run stats --lexdiv -j 1 -q in; want=$OUT
for args in "-j 2" "-j 3" "-j 2 --isolate" "-j 1 --isolate"; do
    run stats --lexdiv $args -q in
    check_eq "in/: $args = -j 1" "$want" "$OUT"
done
run stats --lexdiv --unordered -j 2 -q in
check_eq "in/: --unordered, sorted = -j 1, sorted" "$(sort <<<"$want")" "$(sort <<<"$OUT")"
FED=$SHARED/corpus/federalist
if [ -d "$FED" ]; then
    run stats --lexdiv -f csv -j 1 -q "$FED"; want=$OUT
    check "Federalist: every file has the four values" eval \
        '[ "$(tail -n +2 <<<"$want" | awk -F, '"'"'$16 == "" || $17 == "" || $18 == "" || $19 == ""'"'"' | wc -l)" -eq 0 ]'
    run stats --lexdiv -f csv -j 2 -q "$FED"
    check_eq "Federalist: -j 2 = -j 1" "$want" "$OUT"
    run stats --lexdiv -f csv -j 2 --isolate -q "$FED"
    check_eq "Federalist: --isolate = -j 1" "$want" "$OUT"
else
    skip "the Federalist Papers" "$FED not found"
fi
