#!/usr/bin/env python3
"""The seed's own program: for each file, read it, upper-case it, count A and B.

    seed_count.py [-j N] FILE...     -j 1 (default) sequential, else Pool(N).map
    seed_count.py [-j N] -f LIST     the files named in LIST, one a line (for
                                     more paths than a command line holds)
"""
import sys
from multiprocessing import Pool


def count_ab(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read().upper()
    return path, text.count("A"), text.count("B")


def main(argv):
    jobs = 1
    if len(argv) > 1 and argv[0] == "-j":
        jobs, argv = int(argv[1]), argv[2:]
    if len(argv) > 1 and argv[0] == "-f":
        with open(argv[1]) as f:
            argv = f.read().splitlines()
    if jobs == 1:
        results = list(map(count_ab, argv))
    else:
        with Pool(jobs) as pool:
            results = pool.map(count_ab, argv)
    for path, a, b in results:
        print(f"{path}\t{a}\t{b}")


if __name__ == "__main__":
    main(sys.argv[1:])
