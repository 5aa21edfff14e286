#!/usr/bin/env python3
"""make bench: pardo against the alternatives, as ratios measured in one run.

Every comparison runs its commands interleaved (a, b, c, a, b, c, ...) REPS
times and reports the median wall time of each: the two cores are shared,
and the same run can take twice as long a minute later, so only ratios of
runs made side by side mean much.

    bench.py BUILD_DIR [SECTION...]     sections: lib count stats isolate mpi rss
"""
import glob
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
CORPUS = os.path.join(SHARED, "corpus", "gutenberg")
REPS = int(os.environ.get("REPS", "5"))


def files():
    return sorted(glob.glob(os.path.join(CORPUS, "*.txt")))


def corpus_mb():
    return sum(os.path.getsize(f) for f in files()) / 1e6


def run(cmd, env=None):
    t = time.perf_counter()
    subprocess.run(cmd, shell=isinstance(cmd, str), check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def compare(named_cmds, reps=REPS):
    """Runs the commands interleaved; returns {name: median seconds}."""
    for _, cmd in named_cmds:          # warm the page cache and the binaries
        run(cmd)
    times = {name: [] for name, _ in named_cmds}
    for _ in range(reps):
        for name, cmd in named_cmds:
            times[name].append(run(cmd))
    return {name: statistics.median(v) for name, v in times.items()}


def show(title, med, mb=None):
    print(f"\n{title} (median of {REPS} interleaved runs)")
    for name, s in med.items():
        rate = f"  {mb / s:8.1f} MB/s" if mb else ""
        print(f"  {name:<44} {s:8.3f} s{rate}")


def section_lib(build):
    exe = os.path.join(build, "bench", "bench_lib")
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-fopenmp", "-pthread",
                    "-I" + os.path.join(ROOT, "include"), os.path.join(HERE, "bench_lib.c"),
                    os.path.join(build, "libpardo.a"), "-lm", "-o", exe], check=True)
    print("\n== libpardo engine ==")
    sys.stdout.flush()
    subprocess.run([exe], check=True)
    for w in (4, 8):
        py = subprocess.run([sys.executable, os.path.join(HERE, "sleep_pool.py"), str(w), str(REPS)],
                            check=True, capture_output=True, text=True).stdout.strip()
        ideal = -(-10 // w) * 130
        print(f"   Python multiprocessing.Pool({w}).map, same sleeps: {py} ms "
              f"(ideal {ideal} ms, +{float(py) - ideal:.2f} ms)")


def section_count(pardo):
    fs = files()
    quoted = " ".join(f"'{f}'" for f in fs)
    cmds = [
        ("pardo count -t A,B -j 1", [pardo, "count", "-q", "-t", "A,B", "-j", "1"] + fs),
        ("pardo count -t A,B -j 2", [pardo, "count", "-q", "-t", "A,B", "-j", "2"] + fs),
        ("seed Python, sequential", [sys.executable, os.path.join(HERE, "seed_count.py")] + fs),
        ("seed Python, multiprocessing.Pool(2)",
         [sys.executable, os.path.join(HERE, "seed_count.py"), "-j", "2"] + fs),
    ]
    if shutil.which("parallel"):
        cmds.append(("GNU parallel -j 2, one pardo -j 1 per file",
                     f"parallel -j 2 {pardo} count -q -t A,B -j 1 ::: {quoted}"))
    med = compare(cmds)
    mb = corpus_mb()
    show(f"== pardo count on {len(fs)} books, {mb:.0f} MB ==", med, mb)
    j1, j2 = med["pardo count -t A,B -j 1"], med["pardo count -t A,B -j 2"]
    pool = med["seed Python, multiprocessing.Pool(2)"]
    print(f"  -j 2 vs -j 1: {j1 / j2:.2f}x (goal >= 1.8)")
    print(f"  -j 2 vs Python Pool(2): {pool / j2:.1f}x faster (goal >= 5)")
    if "GNU parallel -j 2, one pardo -j 1 per file" in med:
        print(f"  -j 2 vs GNU parallel: {med['GNU parallel -j 2, one pardo -j 1 per file'] / j2:.2f}x faster")


def section_stats(pardo):
    fs = files()
    cmds = [
        ("pardo stats -j 1", [pardo, "stats", "-q", "-j", "1"] + fs),
        ("pardo stats -j 2", [pardo, "stats", "-q", "-j", "2"] + fs),
        ("LC_ALL=C wc -w", "LC_ALL=C wc -w " + " ".join(f"'{f}'" for f in fs)),
        ("Python regex + Counter, sequential", [sys.executable, os.path.join(HERE, "py_stats.py")] + fs),
        ("Python regex + Counter, Pool(2)",
         [sys.executable, os.path.join(HERE, "py_stats.py"), "-j", "2"] + fs),
    ]
    med = compare(cmds)
    mb = corpus_mb()
    show(f"== pardo stats on {len(fs)} books, {mb:.0f} MB ==", med, mb)
    j1, j2, wc = med["pardo stats -j 1"], med["pardo stats -j 2"], med["LC_ALL=C wc -w"]
    print(f"  stats -j 1: {mb / j1:.0f} MB/s (goal >= 150), {j1 / wc:.2f}x the time of wc -w (goal <= 2)")
    print(f"  -j 2 vs -j 1: {j1 / j2:.2f}x (goal >= 1.8)")
    print(f"  -j 2 vs Python Pool(2): {med['Python regex + Counter, Pool(2)'] / j2:.1f}x faster (goal >= 20)")
    print(f"  -j 1 vs Python sequential: {med['Python regex + Counter, sequential'] / j1:.1f}x faster")


def section_isolate(pardo):
    fs = files()
    cmds = [
        ("pardo stats -j 2 (threads)", [pardo, "stats", "-q", "-j", "2"] + fs),
        ("pardo stats -j 2 --isolate (processes)", [pardo, "stats", "-q", "-j", "2", "--isolate"] + fs),
    ]
    med = compare(cmds)
    show("== crash isolation: processes against threads ==", med, corpus_mb())
    t, p = cmds[0][0], cmds[1][0]
    print(f"  --isolate / threads: {med[p] / med[t]:.3f} (goal <= 1.10)")


def section_mpi(pardo):
    if not shutil.which("mpirun"):
        print("\n== MPI: mpirun not found, skipped ==")
        return
    fs = files()
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2"]
    empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), "pardo-bench-empty")
    os.makedirs(empty, exist_ok=True)
    # The same job over an empty folder: what starting and ending MPI costs
    # (mpirun, MPI_Init, MPI_Finalize), whatever the files.
    cmds = [
        ("pardo stats -j 2", [pardo, "stats", "-q", "-j", "2"] + fs),
        ("mpirun -n 2 pardo stats -j 1", mpirun + [pardo, "stats", "-q", "-j", "1"] + fs),
        ("mpirun -n 2 pardo stats -j 1, no files", mpirun + [pardo, "stats", "-q", "-j", "1", empty]),
    ]
    med = compare(cmds)
    two, mpi, start = (med[c[0]] for c in cmds)
    show("== MPI: two ranks against two threads ==", {c[0]: med[c[0]] for c in cmds[:2]}, corpus_mb())
    print(f"  {cmds[2][0]:<44} {start:8.3f} s")
    print(f"  mpirun -n 2 -j 1 / -j 2: {mpi / two:.3f} (goal <= 1.15)")
    print(f"  without MPI's start and end ({start:.3f} s): {(mpi - start) / two:.3f}")


def section_rss(pardo):
    fs = files()
    sizes = sorted(os.path.getsize(f) for f in fs)
    out = subprocess.run([pardo, "stats", "-q", "-j", "2", "--debug-rss"] + fs,
                         capture_output=True, text=True)
    line = [l for l in out.stderr.splitlines() if "max_rss_kb" in l]
    print("\n== memory ==")
    print(f"  pardo stats -j 2 over the corpus: {line[-1] if line else 'no RSS report'}; "
          f"limit 64 MB + two largest files ({(sizes[-1] + sizes[-2]) / 1e6:.1f} MB) = "
          f"{64 + (sizes[-1] + sizes[-2]) / 1e6:.1f} MB")


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    wanted = sys.argv[2:] or ["lib", "count", "stats", "isolate", "mpi", "rss"]
    pardo = os.path.join(build, "pardo")
    print(f"machine: {os.cpu_count()} CPUs; {subprocess.run(['uname', '-srm'], capture_output=True, text=True).stdout.strip()}")
    for name in wanted:
        try:
            globals()["section_" + name](build if name == "lib" else pardo)
        except subprocess.CalledProcessError as e:
            print(f"\n== {name}: a command failed: {e} ==")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
