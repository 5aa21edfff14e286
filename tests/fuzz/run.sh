#!/usr/bin/env bash
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target (clang,
# -fsanitize=fuzzer,address,undefined) and runs each for SECONDS (default
# 60), seeded from shared/spec/examples.jsonl.  Builds and corpora go to
# build/fuzz/ (never committed).  Exits 1 when any target finds a crash;
# the reproducer is left in build/fuzz/<target>/ (crash-*, leak-*, ...).
# FUZZ_ONLY=diff runs only the targets whose name holds "diff";
# FUZZ_SCAN_LEVEL=-1|1|0 makes fuzz_diff check one scanner level (the best
# the CPU has, at most AVX2, the portable one) instead of all three, in
# build/fuzz/<target>-level<L>/, so that the levels can run side by side.
set -u
secs=${1:-60}
only=${FUZZ_ONLY:-}
level=${FUZZ_SCAN_LEVEL:-}
cd "$(dirname "$0")/../.."
shared=${SHARED:-$(cd .. && pwd)/shared}
out=build/fuzz
cc=${FUZZ_CC:-clang}
mkdir -p "$out/seeds"

# Seeds: each example's bytes (fuzz_clean wants an option byte first,
# fuzz_count a line of terms, and fuzz_diff a mode byte: raw bytes or
# pieces, cleaned or not).
python3 - "$shared/spec/examples.jsonl" "$out/seeds" <<'PY'
import json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for k, line in enumerate(open(src, encoding="utf-8")):
    if not line.strip():
        continue
    ex = json.loads(line)
    data = bytes.fromhex(ex["hex"])
    for name, prefix in (("clean", b"\x00"), ("clean", b"\x05"), ("clean", b"\x01"),
                         ("scan", b""), ("count", "A|the|of the|é|1,000\n".encode()),
                         ("diff", b"\x00"), ("diff", b"\x02")):
        d = os.path.join(dst, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "%02d-%s" % (k, prefix.hex()[:4] or "raw")), "wb") as f:
            f.write(prefix + data)
# fuzz_diff's pieces: every piece in order, and random picks (a fixed seed)
import random
r = random.Random(19)
for mode in (1, 3):
    for k in range(4):
        picks = list(range(256)) if k == 0 else [r.randrange(256) for _ in range(300)]
        with open(os.path.join(dst, "diff", "pieces-%d-%d" % (mode, k)), "wb") as f:
            f.write(bytes([mode] + picks))
PY

status=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    kind=${name#fuzz_}
    case $name in *"$only"*) ;; *) continue ;; esac
    dir="$out/$name${level:+-level$level}"
    mkdir -p "$dir/corpus"
    if ! $cc -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -fno-omit-frame-pointer \
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            "$src" cli/text_*.c tests/ref_text.c -lutf8proc -lm -o "$dir/$name"; then
        echo "$name: does not build"
        status=1
        continue
    fi
    start=$(date +%s)
    (cd "$dir" && ./"$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -dict=../../../tests/fuzz/text.dict -print_final_stats=1 \
        corpus "../seeds/$kind" > log 2>&1)
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    echo "$name${level:+ (FUZZ_SCAN_LEVEL=$level)}: exit $rc after $(( $(date +%s) - start )) s, ${runs:-?} runs"
    if [ "$rc" -ne 0 ]; then
        grep -m 5 -E 'ERROR|runtime error|Test unit written|^scan level' "$dir/log"
        status=1
    fi
done
exit $status
