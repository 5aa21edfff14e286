#!/usr/bin/env python3
"""Checks pardo stats --lexdiv records against spec section 9, in exact
rational arithmetic (fractions, math.comb), written from the spec alone.

    lexdiv_check.py WINDOW RECORDS.jsonl

Each record's file must be a text whose WORDs are its whitespace-separated
runs of ASCII letters (as tests/t_cli_lexdiv.sh writes them).  A printed
value passes when it has four decimals and is within half a unit of the
fourth decimal of the exact value.  Prints a summary and exits 0, or the
first failures and exits 1.
"""
import json
import math
import re
import sys
from fractions import Fraction

D = 42
T = Fraction(72, 100)


def words_of(path):
    with open(path, encoding="ascii") as f:
        return [w.lower() for w in re.findall(r"[A-Za-z]+", f.read())]


def mattr(ws, L):
    n = len(ws)
    if n < L:
        return None
    total = 0
    if (n - L + 1) * L <= 3_000_000:            # every window afresh
        for s in range(n - L + 1):
            total += len(set(ws[s:s + L]))
    else:                                       # too slow so: slide
        c = counts(ws[:L])
        total = len(c)
        for i in range(L, n):
            c[ws[i]] = c.get(ws[i], 0) + 1
            c[ws[i - L]] -= 1
            if c[ws[i - L]] == 0:
                del c[ws[i - L]]
            total += len(c)
    return Fraction(total, L * (n - L + 1))


def mtld_pass(ws):
    factors, seg = Fraction(0), []
    for w in ws:
        seg.append(w)
        if Fraction(len(set(seg)), len(seg)) <= T:
            factors += 1
            seg = []
    if seg:
        factors += (1 - Fraction(len(set(seg)), len(seg))) / (1 - T)
    return factors


def mtld(ws):
    if not ws:
        return None
    f, b = mtld_pass(ws), mtld_pass(ws[::-1])
    if f == 0 or b == 0:
        return None
    n = len(ws)
    return (n / f + n / b) / 2


def counts(ws):
    c = {}
    for w in ws:
        c[w] = c.get(w, 0) + 1
    return c


def hdd(ws):
    n = len(ws)
    if n < D:
        return None
    total = Fraction(0)
    for f in counts(ws).values():
        total += (1 - Fraction(math.comb(n - f, D), math.comb(n, D))) / D
    return total


def yule_k(ws):
    n = len(ws)
    if n == 0:
        return None
    spectrum = {}
    for f in counts(ws).values():
        spectrum[f] = spectrum.get(f, 0) + 1
    s = sum(i * i * v for i, v in spectrum.items())
    return Fraction(10 ** 4 * (s - n), n * n)


def main():
    window = int(sys.argv[1])
    bad, checked = [], 0
    with open(sys.argv[2]) as f:
        for line in f:
            r = json.loads(line)
            ws = words_of(r["path"])
            if len(ws) != r["words"]:
                bad.append(f"{r['path']}: {r['words']} words, the check reads {len(ws)}")
                continue
            want = {"mattr": mattr(ws, window), "mtld": mtld(ws), "hdd": hdd(ws),
                    "yule_k": yule_k(ws)}
            for key, exact in want.items():
                got = r[key]
                checked += 1
                if exact is None or got is None:
                    if exact is not None or got is not None:
                        bad.append(f"{r['path']} N={len(ws)}: {key} {got}, expected "
                                   f"{'null' if exact is None else float(exact)}")
                    continue
                text = re.search(r'"%s":([^,}]*)' % key, line).group(1)
                if not re.fullmatch(r"-?[0-9]+\.[0-9]{4}", text) or \
                        abs(Fraction(text) - exact) > Fraction(1, 20000):
                    bad.append(f"{r['path']} N={len(ws)} L={window}: {key} {text}, "
                               f"exact {float(exact):.10f}")
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(1)
    print(f"{checked} values")


if __name__ == "__main__":
    main()
