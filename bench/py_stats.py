#!/usr/bin/env python3
"""The typical Python fingerprint script: a regex tokenizer and a Counter per
file, the top words and a few rates.

    py_stats.py [-j N] FILE...       -j 1 (default) sequential, else Pool(N).map
"""
import re
import sys
from collections import Counter
from multiprocessing import Pool

WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
SENT = re.compile(r"[.!?]+[\"')\]]*\s+(?=[A-Z0-9])")


def stats(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    words = [w.lower() for w in WORD.findall(text)]
    counts = Counter(words)
    n = len(words) or 1
    ly = sum(c for w, c in counts.items() if len(w) >= 4 and w.endswith("ly"))
    sentences = len(SENT.findall(text)) + 1
    return (path, len(words), len(counts), 1e4 * ly / n, 1e5 * text.count("!") / n,
            len(words) / sentences, counts.most_common(20))


def main(argv):
    jobs = 1
    if len(argv) > 1 and argv[0] == "-j":
        jobs, argv = int(argv[1]), argv[2:]
    if jobs == 1:
        results = list(map(stats, argv))
    else:
        with Pool(jobs) as pool:
            results = pool.map(stats, argv)
    for r in results:
        print(r[0], *("%.4f" % x if isinstance(x, float) else x for x in r[1:6]), sep="\t")


if __name__ == "__main__":
    main(sys.argv[1:])
