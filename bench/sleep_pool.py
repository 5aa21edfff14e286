#!/usr/bin/env python3
"""The seed's experiment in Python: 10 items that sleep 130 ms each, mapped by
multiprocessing.Pool(w).  Prints the median wall time in ms of R runs
(the pool's start-up excluded, as pardo's pool creation is)."""
import statistics
import sys
import time
from multiprocessing import Pool


def nap(_):
    time.sleep(0.130)


def main():
    workers, reps = int(sys.argv[1]), int(sys.argv[2])
    with Pool(workers) as pool:
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            pool.map(nap, range(10))
            times.append(time.perf_counter() - t)
    print("%.2f" % (1e3 * statistics.median(times)))


if __name__ == "__main__":
    main()
