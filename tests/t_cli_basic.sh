#!/usr/bin/env bash
# The command line itself: help, version, man page, usage errors, exit codes.
. "$(dirname "$0")/cli_lib.sh"

cd "$TMP" || exit 1
printf 'A bee. A cat.\n' > a.txt

run --help
check_rc "--help exits 0" 0
check "--help goes to stdout" has "$OUT" "Usage:"
check_eq "--help writes nothing on stderr" "" "$ERR"
for cmd in count stats words; do
    check "--help names $cmd" has "$OUT" "pardo $cmd"
done
run -h
check_rc "-h exits 0" 0

# Every option of the man page is in --help and the other way round: both
# come from one table.
help_opts=$("$PARDO" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
man_opts=$("$PARDO" --man | grep -v '^\.\\"' | sed 's/\\-/-/g; s/\\f[BRI]//g' | grep -o -- '--[a-z][a-z-]*' | sort -u)
check_eq "--help and the man page list the same options" "$help_opts" "$man_opts"

run count --help
check_rc "count --help exits 0" 0
check "count --help shows -t" has "$OUT" "--terms"
if has "$OUT" "--top"; then notok "count --help hides words' options"; else ok "count --help hides words' options"; fi

run -V
check_rc "-V exits 0" 0
check "-V prints the version" has "$OUT" "pardo 0."
run --version
check_rc "--version exits 0" 0

# doc/pardo.1 is generated from the table: pardo --man > doc/pardo.1
if [ -f "$TESTS_DIR/../doc/pardo.1" ]; then
    if "$PARDO" --man | cmp -s - "$TESTS_DIR/../doc/pardo.1"; then
        ok "doc/pardo.1 is what pardo --man generates"
    else
        notok "doc/pardo.1 is what pardo --man generates" "regenerate: $PARDO --man > doc/pardo.1"
    fi
else
    notok "doc/pardo.1 exists"
fi
if command -v man >/dev/null && man -l /dev/null >/dev/null 2>&1; then
    "$PARDO" --man > pardo.1
    warnings=$(MANWIDTH=80 man --warnings -l pardo.1 2>&1 >/dev/null)
    check_eq "the man page renders without warnings" "" "$warnings"
else
    skip "the man page renders without warnings" "man is not installed"
fi

# Usage errors: status 2, a message on stderr, nothing on stdout.
usage_case() {
    local name=$1; shift
    run "$@"
    if [ "$RC" -eq 2 ] && [ -z "$OUT" ] && [ -n "$ERR" ]; then ok "usage error: $name"
    else notok "usage error: $name" "status $RC" "stdout: $OUT" "stderr: $ERR"; fi
}
usage_case "no arguments"
usage_case "unknown command" frobnicate a.txt
usage_case "unknown long option" stats --frobnicate a.txt
usage_case "unknown short option" stats -Z a.txt
usage_case "count without -t" count a.txt
usage_case "count with only empty terms" count -t , a.txt
usage_case "no PATH" stats
usage_case "-j not a number" stats -j many a.txt
usage_case "-j with trailing junk" stats -j 2x a.txt
usage_case "-j missing its argument" stats a.txt -j
usage_case "bad format" stats -f xml a.txt
usage_case "bad encoding" stats --encoding ebcdic a.txt
usage_case "--top 0" words --top 0 a.txt
usage_case "option of another command" stats --top 3 a.txt
usage_case "-t for stats" stats -t a a.txt
usage_case "flag with an argument" stats --unordered=yes a.txt
usage_case "--files-from without its file" stats --files-from

run count -t a --nonsense a.txt
check "an unknown option is named in the message" has "$ERR" "--nonsense"

# Spellings that work.
run count -ta -q a.txt
check_rc "-tVALUE (attached argument)" 0
run count --terms=a -q a.txt
check_rc "--terms=VALUE" 0
run -q -j 2 count -t a a.txt
check_rc "options before the command" 0
run count -qj1 -t a a.txt
check_rc "bundled short options -qj1" 0
run count -t a -q -- a.txt
check_rc "-- ends the options" 0
printf 'dash\n' > ./-dash.txt
run stats -q -- -dash.txt
check_rc "a PATH that starts with - after --" 0
check "a PATH that starts with - after -- is read" has "$OUT" '"path":"-dash.txt"'

# Exit statuses.
run count -t a -q a.txt
check_rc "status 0 when every file is processed" 0
run count -t a -q a.txt missing.txt
check_rc "status 1 when a file failed" 1
check "the good file still has its record" has "$OUT" '"path":"a.txt"'

# The summary line: one line, on stderr, suppressed by -q.
run count -t a a.txt
check "summary names files, failed, MB/s, workers" \
    grep -qE '^pardo: 1 files, 0 failed, .* MB, .* s, .* MB/s, [0-9]+ workers?$' <<<"$ERR"
check_eq "no progress line when stderr is not a terminal" 1 "$(printf '%s' "$ERR" | grep -c .)"
run count -t a -q a.txt
check_eq "-q: nothing on stderr" "" "$ERR"
run count -t a -j 1 a.txt
check "-j 1 reports 1 worker" has "$ERR" ", 1 worker"
run count -t a -j 3 a.txt
check "-j 3 reports 3 workers" has "$ERR" ", 3 workers"

# --profile: the four stages, on stderr.
run count -t a -q --profile a.txt
for stage in read clean process output; do
    check "--profile reports stage $stage" grep -qE "^$stage +1 " <<<"$ERR"
done
check_eq "--profile leaves stdout alone" 1 "$(printf '%s' "$OUT" | grep -c .)"

# A progress line on a terminal (script(1) gives one), if script is there.
if command -v script >/dev/null; then
    mkdir -p many; for i in $(seq 1 50); do printf 'word %d\n' "$i" > "many/f$i.txt"; done
    script -qec "$PARDO stats -j 1 many >/dev/null" /dev/null > tty.txt 2>&1
    if grep -q 'files' tty.txt && grep -q 'MB/s' tty.txt; then ok "a progress or summary line on a terminal"
    else notok "a progress or summary line on a terminal" "$(cat -v tty.txt)"; fi
else
    skip "a progress or summary line on a terminal" "script(1) is not installed"
fi
