#!/usr/bin/env bash
# The spec's worked examples (shared/spec/examples.jsonl) through the whole
# tool: each example's bytes become a file, `pardo stats` and `pardo count`
# run with its options, and every field of the records must match.  The
# unit tests check the text functions one by one; this checks the wiring
# (options, encodings, the error records) end to end.  "1,000" cannot be
# given to -t (commas split terms), so that one count is left out.
. "$(dirname "$0")/cli_lib.sh"

examples=$SHARED/spec/examples.jsonl
if [ ! -f "$examples" ]; then skip "spec examples through pardo" "no $examples"; exit 0; fi
if ! command -v python3 >/dev/null; then skip "spec examples through pardo" "python3 is not installed"; exit 0; fi

cd "$TMP" || exit 1
PARDO="$PARDO" python3 - "$examples" <<'EOF'
import json, os, subprocess, sys

terms = ["A", "B", "the", "of the", "é"]

def pardo(*args):
    p = subprocess.run([os.environ["PARDO"], *args, "-q"], capture_output=True)
    return p.returncode, [json.loads(l) for l in p.stdout.decode().splitlines()]

for line in open(sys.argv[1], encoding="utf-8"):
    ex = json.loads(line)
    name = ex["name"]
    path = name + ".txt"
    with open(path, "wb") as f:
        f.write(bytes.fromhex(ex["hex"]))
    opts = ["--encoding", ex["options"]["encoding"]]
    if ex["options"]["keep_boilerplate"]:
        opts.append("--keep-boilerplate")
    rc, st = pardo("stats", *opts, path)
    rc2, ct = pardo("count", "-t", ",".join(terms), *opts, path)
    problems = []
    if "error" in ex:
        want = {"path": path, "error": ex["error"]}
        if st != [want] or ct != [want] or rc != 1 or rc2 != 1:
            problems.append(f"want {want} and status 1, got {st} / {ct} ({rc}, {rc2})")
    else:
        st, ct = st[0], ct[0]
        for k in ("encoding", "bad_bytes", "boilerplate"):
            if st.get(k) != ex[k] or ct.get(k) != ex[k]:
                problems.append(f"{k}: want {ex[k]!r}, stats {st.get(k)!r}, count {ct.get(k)!r}")
        for k, v in ex["stats"].items():
            got = st.get(k)
            ok = got == v if v is None or isinstance(v, int) else got is not None and abs(got - v) < 1e-9
            if not ok:
                problems.append(f"stats {k}: want {v!r}, got {got!r}")
        for t in terms:
            if ct["counts"].get(t) != ex["counts"][t]:
                problems.append(f"count {t!r}: want {ex['counts'][t]}, got {ct['counts'].get(t)}")
        if st["bytes"] != len(bytes.fromhex(ex["hex"])):
            problems.append("bytes")
    if problems:
        print(f"not ok - spec example {name} through pardo")
        for p in problems:
            print(f"#   {p}")
    else:
        print(f"ok - spec example {name} through pardo")
EOF
