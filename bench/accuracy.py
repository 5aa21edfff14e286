#!/usr/bin/env python3
"""The tables of doc/accuracy.md's grids: each from one pardo command.

    bench/accuracy.py GRID_JSONL...

Reads the summary records of `pardo attribute --loo` grids (one file per
command, as written by the command) and prints one markdown table per file:
a row per MFW, a column per distance, each cell "accuracy (correct)", the
best cell of the table in bold.
"""
import json
import sys


def table(path):
    cells = [json.loads(line) for line in open(path)]
    deltas = list(dict.fromkeys(c["delta"] for c in cells))
    mfws = list(dict.fromkeys(c["mfw"] for c in cells))
    by = {(c["mfw"], c["delta"]): c for c in cells}
    best = max(c["correct"] for c in cells)
    first = cells[0]
    print(f"{first['features']} {first['ngram']}-grams, {first['texts']} texts; "
          f"best {best} right")
    print()
    print("| mfw | " + " | ".join(deltas) + " |")
    print("|---:|" + "|".join("---" for _ in deltas) + "|")
    for m in mfws:
        row = []
        for d in deltas:
            c = by[(m, d)]
            s = f"{c['accuracy']:.4f} ({c['correct']})"
            if "features_used" in c:
                s += f" [{c['features_used']}]"
            row.append(f"**{s}**" if c["correct"] == best else s)
        print(f"| {m} | " + " | ".join(row) + " |")
    print()


for p in sys.argv[1:]:
    table(p)
