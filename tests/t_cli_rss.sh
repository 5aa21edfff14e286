#!/usr/bin/env bash
# Memory: buffers and tables are per worker and reused, so the peak RSS
# does not grow with the number of files (issue 4).  The peak comes from
# pardo's own getrusage(RUSAGE_SELF).ru_maxrss at exit (the hidden
# --debug-rss flag), so no GNU time is needed.  Sanitizer builds keep
# shadow memory and quarantines, so their numbers mean nothing: skipped.
. "$(dirname "$0")/cli_lib.sh"

san=$(sanitizer)
if [ "$san" != none ]; then
    skip "peak RSS checks" "built with a sanitizer ($san)"
    exit 0
fi

# tmpfs, where there is one, makes 10,000 files ten times faster.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    SHM=$(mktemp -d /dev/shm/pardo-rss.XXXXXX) && trap 'rm -rf "$SHM"; finish' EXIT && cd "$SHM"
else
    cd "$TMP"
fi || exit 1
mkdir small small1k
# split(1) makes the files in one process (a shell loop is several times slower).
seq -f 'File %g. The quick brown fox jumps over the lazy dog, twice!' 1 10000 |
    split -l 1 -a 5 -d - small/f
seq -f 'File %g. The quick brown fox jumps over the lazy dog, twice!' 1 1000 |
    split -l 1 -a 5 -d - small1k/f
check_eq "10,000 small files made" 10000 "$(ls small | wc -l)"

for cmd in "stats" "stats --lexdiv" "words --corpus" "count -t a,the"; do
    r1k=$(max_rss_kb $cmd -q -j 2 small1k)
    r10k=$(max_rss_kb $cmd -q -j 2 small)
    if [ -n "$r1k" ] && [ -n "$r10k" ] && [ "$r10k" -lt 65536 ] && [ $((r10k - r1k)) -lt 4096 ]; then
        ok "$cmd -j 2: 10,000 files peak at ${r10k} KiB, 1,000 at ${r1k} KiB"
    else
        notok "$cmd -j 2: peak RSS does not grow with the number of files" "1,000: ${r1k:-?} KiB, 10,000: ${r10k:-?} KiB (want < 64 MiB and < 4 MiB apart)"
    fi
done

corpus=$SHARED/corpus/gutenberg
if [ -d "$corpus" ]; then
    two=$(ls -l "$corpus" | sort -k5 -n | tail -n 2 | awk '{ s += $5 } END { print int(s / 1024) }')
    limit=$((65536 + two))
    rss=$(max_rss_kb stats -q -j 2 "$corpus")
    if [ -n "$rss" ] && [ "$rss" -lt "$limit" ]; then
        ok "stats -j 2 on the Gutenberg corpus peaks at $rss KiB (limit $limit KiB)"
    else
        notok "stats -j 2 on the Gutenberg corpus: peak RSS" "${rss:-?} KiB, limit $limit KiB"
    fi
    # --lexdiv keeps each file's WORDs in order (4 bytes each) and a
    # counter per type: within 72 MB.
    rss=$(max_rss_kb stats --lexdiv -q -j 1 "$corpus")
    if [ -n "$rss" ] && [ "$rss" -lt 73728 ]; then
        ok "stats --lexdiv -j 1 on the Gutenberg corpus peaks at $rss KiB (limit 73728 KiB)"
    else
        notok "stats --lexdiv -j 1 on the Gutenberg corpus: peak RSS" "${rss:-?} KiB, limit 73728 KiB"
    fi
else
    skip "stats -j 2 on the Gutenberg corpus: peak RSS" "no corpus at $corpus"
fi
