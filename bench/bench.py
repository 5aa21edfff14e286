#!/usr/bin/env python3
"""make bench: pardo against the alternatives, as ratios measured in one run.

Every comparison runs its commands interleaved (a, b, c, a, b, c, ...) REPS
times and reports the median wall time of each: the two cores are shared,
and the same run can take twice as long a minute later, so only ratios of
runs made side by side mean much.

    bench.py BUILD_DIR [SECTION...]     sections: lib count small archive stats lexdiv isolate mpi rss stylo report
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
    # status 1: some file failed on purpose (a book shorter than one sample)
    rc = subprocess.run(cmd, shell=isinstance(cmd, str), env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if rc not in (0, 1):
        raise subprocess.CalledProcessError(rc, cmd)
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


def run_cpu(cmd):
    """Runs cmd; returns (wall seconds, CPU seconds of the child, user + system)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise subprocess.CalledProcessError(status, cmd)
    return wall, ru.ru_utime + ru.ru_stime


def compare_cpu(named_cmds, reps=REPS):
    """compare(), with the CPU time too: ({name: median wall}, {name: median CPU})."""
    for _, cmd in named_cmds:
        run(cmd)
    wall = {name: [] for name, _ in named_cmds}
    cpu = {name: [] for name, _ in named_cmds}
    for _ in range(reps):
        for name, cmd in named_cmds:
            w, c = run_cpu(cmd)
            wall[name].append(w)
            cpu[name].append(c)
    return ({n: statistics.median(v) for n, v in wall.items()},
            {n: statistics.median(v) for n, v in cpu.items()})


def show(title, med, mb=None, reps=REPS):
    print(f"\n{title} (median of {reps} interleaved runs)")
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


def halves(pardo, args):
    """Two pardo -j 1 processes at once, each over half the bytes (the
    largest file first to the lighter half): no shared pool, queue or
    output, so what two workers get from this machine, whose two cores
    slow each other down on this work (split once, by bytes: a file's time
    is not quite its size, which -j 2 balances as it goes)."""
    half = ([], []), [0, 0]
    for f in sorted(files(), key=os.path.getsize, reverse=True):
        k = 0 if half[1][0] <= half[1][1] else 1
        half[0][k].append(f)
        half[1][k] += os.path.getsize(f)
    one, two = (" ".join(f"'{f}'" for f in sorted(h)) for h in half[0])
    cmd = f"{pardo} {args} -j 1"
    return f"{cmd} {one} > /dev/null & {cmd} {two} > /dev/null; wait"


def show_ceiling(med, j1, j2, ceiling):
    print(f"  two pardo -j 1 at once, each on half the bytes: {j1 / med[ceiling]:.2f}x the speed of -j 1 "
          f"(two workers that share nothing, split once); -j 2 is {med[ceiling] / j2:.2f}x as fast as that")


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
    ceiling = "two pardo count -j 1 at once, half each"
    cmds.append((ceiling, halves(pardo, "count -q -t A,B")))
    # pardo's runs take 0.05 to 0.1 s, where a neighbour's burst on the
    # shared cores moves one by 20%: three times the runs.
    med = compare(cmds, 3 * REPS)
    mb = corpus_mb()
    show(f"== pardo count on {len(fs)} books, {mb:.0f} MB ==", med, mb, 3 * REPS)
    j1, j2 = med["pardo count -t A,B -j 1"], med["pardo count -t A,B -j 2"]
    pool = med["seed Python, multiprocessing.Pool(2)"]
    print(f"  -j 2 vs -j 1: {j1 / j2:.2f}x (goal >= 1.8)")
    show_ceiling(med, j1, j2, ceiling)
    print(f"  -j 2 vs Python Pool(2): {pool / j2:.1f}x faster (goal >= 5)")
    if "GNU parallel -j 2, one pardo -j 1 per file" in med:
        print(f"  -j 2 vs GNU parallel: {med['GNU parallel -j 2, one pardo -j 1 per file'] / j2:.2f}x faster")


SMALL_DIRS, SMALL_FILES, SMALL_LINE = 100, 1000, b"A bird and a bee, both in a box by the brook: a big day.   \n"


def make_small(root):
    """100,000 files of 60 bytes in 100 folders, and their list."""
    paths = []
    for d in range(SMALL_DIRS):
        sub = os.path.join(root, f"d{d:03d}")
        os.makedirs(sub, exist_ok=True)
        for f in range(SMALL_FILES):
            p = os.path.join(sub, f"f{f:04d}.txt")
            with open(p, "wb") as fh:
                fh.write(SMALL_LINE)
            paths.append(p)
    with open(os.path.join(root, "list"), "w") as fh:
        fh.write("\n".join(paths) + "\n")
    return paths


def section_small(pardo):
    import tempfile
    with tempfile.TemporaryDirectory(prefix="pardo-small.") as tmp:
        root = os.path.join(tmp, "small")
        paths = make_small(root)
        lst = os.path.join(root, "list")
        os.rename(lst, os.path.join(tmp, "list"))
        lst = os.path.join(tmp, "list")
        seed = [sys.executable, os.path.join(HERE, "seed_count.py")]
        cmds = [
            ("pardo count -t A,B -j 1 DIR", [pardo, "count", "-q", "-t", "A,B", "-j", "1", root]),
            ("pardo count -t A,B -j 2 DIR", [pardo, "count", "-q", "-t", "A,B", "-j", "2", root]),
            ("seed Python, sequential", seed + ["-f", lst]),
            ("seed Python, multiprocessing.Pool(2)", seed + ["-j", "2", "-f", lst]),
        ]
        med = compare(cmds)
        show(f"== many small files: pardo count on {len(paths)} files of "
             f"{len(SMALL_LINE)} bytes in {SMALL_DIRS} folders ==", med)
        j1, j2 = med["pardo count -t A,B -j 1 DIR"], med["pardo count -t A,B -j 2 DIR"]
        pool = med["seed Python, multiprocessing.Pool(2)"]
        print(f"  -j 2 vs -j 1: {j1 / j2:.2f}x (goal >= 1.3, never < 1)")
        print(f"  -j 2 vs Python Pool(2): {pool / j2:.1f}x faster (goal >= 3)")


def section_archive(pardo):
    """The corpus as one .tar.gz and as one .zip, made here, against the
    extracted folder."""
    import tempfile
    import zipfile
    fs = files()
    with tempfile.TemporaryDirectory(prefix="pardo-archive.") as tmp:
        tgz = os.path.join(tmp, "corpus.tar.gz")
        zp = os.path.join(tmp, "corpus.zip")
        subprocess.run(["tar", "-czf", tgz, "-C", SHARED + "/corpus", "gutenberg"], check=True)
        with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
            for f in fs:
                z.write(f, os.path.join("gutenberg", os.path.basename(f)))
        out = os.path.join(tmp, "x")
        folder = os.path.join(tmp, "folder")
        subprocess.run(["tar", "-xzf", tgz, "-C", tmp], check=True)
        os.rename(os.path.join(tmp, "gutenberg"), folder)
        cmds = [
            ("pardo stats corpus.tar.gz", [pardo, "stats", "-q", tgz]),
            ("tar xzf corpus.tar.gz && pardo stats DIR",
             f"rm -rf '{out}' && mkdir '{out}' && tar -xzf '{tgz}' -C '{out}' && "
             f"'{pardo}' stats -q '{out}'"),
            ("pardo stats corpus.zip", [pardo, "stats", "-q", zp]),
            ("pardo stats DIR (extracted)", [pardo, "stats", "-q", folder]),
        ]
        med = compare(cmds)
        mb = corpus_mb()
        show(f"== archives: the corpus ({len(fs)} books, {mb:.0f} MB) as one .tar.gz "
             f"({os.path.getsize(tgz) / 1e6:.0f} MB) and one .zip ({os.path.getsize(zp) / 1e6:.0f} MB) ==",
             med, mb)
        t, x = med[cmds[0][0]], med[cmds[1][0]]
        z, d = med[cmds[2][0]], med[cmds[3][0]]
        print(f"  .tar.gz / (tar xzf + stats DIR): {t / x:.2f} (goal <= 1)")
        print(f"  .zip / stats DIR: {z / d:.2f} (goal <= 1.3)")
        largest = max(os.path.getsize(f) for f in fs) / 1e6
        print(f"  peak RSS, pardo stats corpus.tar.gz: {peak_rss_mb([pardo, 'stats', '-q', tgz]):.0f} MB "
              f"(goal < 64 MB + the largest member, {largest:.1f} MB)")


def section_stats(pardo):
    fs = files()
    j1c = ("pardo stats -j 1", [pardo, "stats", "-q", "-j", "1"] + fs)
    j2c = ("pardo stats -j 2", [pardo, "stats", "-q", "-j", "2"] + fs)
    ceiling = "two pardo stats -j 1 at once, half each"
    # The quick runs among themselves, three times as often: a Python run
    # between two of them takes 5 to 10 s, long enough for a neighbour's
    # load on the shared cores to come or go.
    cmds = [j1c, j2c,
            ("LC_ALL=C wc -w", "LC_ALL=C wc -w " + " ".join(f"'{f}'" for f in fs)),
            (ceiling, halves(pardo, "stats -q"))]
    med = compare(cmds, 3 * REPS)
    mb = corpus_mb()
    show(f"== pardo stats on {len(fs)} books, {mb:.0f} MB ==", med, mb, 3 * REPS)
    j1, j2, wc = med["pardo stats -j 1"], med["pardo stats -j 2"], med["LC_ALL=C wc -w"]
    print(f"  stats -j 1: {mb / j1:.0f} MB/s (goal >= 150), {j1 / wc:.2f}x the time of wc -w (goal <= 2)")
    print(f"  -j 2 vs -j 1: {j1 / j2:.2f}x (goal >= 1.8)")
    show_ceiling(med, j1, j2, ceiling)
    cmds = [j1c, j2c,
            ("Python regex + Counter, sequential", [sys.executable, os.path.join(HERE, "py_stats.py")] + fs),
            ("Python regex + Counter, Pool(2)",
             [sys.executable, os.path.join(HERE, "py_stats.py"), "-j", "2"] + fs)]
    med = compare(cmds)
    show("== pardo stats against the typical Python script ==", med, mb)
    j1, j2 = med["pardo stats -j 1"], med["pardo stats -j 2"]
    print(f"  -j 2 vs Python Pool(2): {med['Python regex + Counter, Pool(2)'] / j2:.1f}x faster (goal >= 20)")
    print(f"  -j 1 vs Python sequential: {med['Python regex + Counter, sequential'] / j1:.1f}x faster")


def section_lexdiv(pardo):
    """What stats --lexdiv (MATTR, MTLD, HD-D, Yule's K) adds to stats, -j 1."""
    fs = files()
    plain = ("pardo stats -j 1", [pardo, "stats", "-q", "-j", "1"] + fs)
    lex = ("pardo stats --lexdiv -j 1", [pardo, "stats", "-q", "-j", "1", "--lexdiv"] + fs)
    reps = 3 * REPS
    wall, cpu = compare_cpu([plain, lex], reps)
    show("== stats --lexdiv against stats ==", wall, corpus_mb(), reps)
    print(f"  --lexdiv / plain: {wall[lex[0]] / wall[plain[0]]:.3f} in wall time (goal <= 1.4), "
          f"{cpu[lex[0]] / cpu[plain[0]]:.3f} in CPU time "
          f"({cpu[lex[0]]:.3f} / {cpu[plain[0]]:.3f} s)")
    out = subprocess.run(lex[1] + ["--debug-rss"], capture_output=True, text=True)
    line = [l for l in out.stderr.splitlines() if "max_rss_kb" in l]
    print(f"  peak RSS of stats --lexdiv -j 1: {line[-1] if line else 'no RSS report'} "
          f"(goal <= 72 MB)")


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


def section_report(pardo):
    """pardo report of the labelled books (the others as unknown texts)
    against attribute --loo alone, which reads the same known texts."""
    labels = os.path.join(CORPUS, "LABELS.tsv")
    with open(labels) as f:
        known = {os.path.join(CORPUS, l.split("\t")[0]) for l in f
                 if l.strip() and not l.startswith("#") and not l.startswith("path\t")}
    unknown = [f for f in files() if f not in known]
    out = os.path.join(ROOT, "build", "bench-report.html")
    cmds = [
        ("pardo attribute --loo --known LABELS.tsv", [pardo, "attribute", "-q", "--loo", "--known", labels]),
        ("pardo report --known LABELS.tsv UNKNOWN...",
         [pardo, "report", "-q", "--known", labels, "-o", out] + unknown),
        # what the report computes beyond one cell: its grid, in one read
        ("attribute --loo, the report's grid (25 cells)",
         [pardo, "attribute", "-q", "--loo", "--known", labels, "--mfw", "50,100,200,500,1000",
          "--delta", "burrows,argamon,eder,cosine,minmax"]),
    ]
    med = compare(cmds)
    show(f"== report: {len(known)} labelled books, {len(unknown)} unknown ==", med)
    print(f"  report / attribute --loo: {med[cmds[1][0]] / med[cmds[0][0]]:.2f}; "
          f"the grid alone / attribute --loo: {med[cmds[2][0]] / med[cmds[0][0]]:.2f}; "
          f"the page: {os.path.getsize(out) / 1e6:.2f} MB (goal < 3)")


def section_mpi(pardo):
    if not shutil.which("mpirun"):
        print("\n== MPI: mpirun not found, skipped ==")
        return
    fs = files()
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-n", "2"]
    tmp = os.environ.get("TMPDIR", "/tmp")
    empty = os.path.join(tmp, "pardo-bench-empty")
    os.makedirs(empty, exist_ok=True)
    # What starting and ending costs, whatever the files: mpirun starting
    # two processes that do nothing, and the same job over an empty folder
    # (mpirun, MPI_Init, MPI_Finalize).
    cmds = [
        ("pardo stats -j 2", [pardo, "stats", "-q", "-j", "2"] + fs),
        ("mpirun -n 2 pardo stats -j 1", mpirun + [pardo, "stats", "-q", "-j", "1"] + fs),
        ("mpirun -n 2 pardo stats -j 1, no files", mpirun + [pardo, "stats", "-q", "-j", "1", empty]),
        ("mpirun -n 2 /bin/true (the launcher alone)", mpirun + ["/bin/true"]),
    ]
    med = compare(cmds)
    two, mpi, start, launcher = (med[c[0]] for c in cmds)
    show("== MPI: two ranks against two threads ==", med, corpus_mb())
    print(f"  mpirun -n 2 -j 1 / -j 2: {mpi / two:.3f} (goal <= 1.15)")
    print(f"  the launcher alone is {launcher / two:.2f} of the -j 2 run, MPI's start and end "
          f"{start / two:.2f}; without them: {(mpi - start) / two:.3f}")
    # A run long enough for the start to matter less: the corpus 8 times
    # over (656 MB), as a path list.
    times = 8
    lst = os.path.join(tmp, "pardo-bench-list")
    with open(lst, "w") as f:
        f.write("".join(p + "\n" for p in fs * times))
    cmds = [
        ("pardo stats -j 2", [pardo, "stats", "-q", "-j", "2", "--files-from", lst]),
        ("mpirun -n 2 pardo stats -j 1", mpirun + [pardo, "stats", "-q", "-j", "1", "--files-from", lst]),
    ]
    med = compare(cmds)
    two, mpi = (med[c[0]] for c in cmds)
    show(f"== MPI: the same over the corpus {times} times ({len(fs) * times} files) ==", med,
         corpus_mb() * times)
    print(f"  mpirun -n 2 -j 1 / -j 2: {mpi / two:.3f} (goal <= 1.15); "
          f"without MPI's start and end: {(mpi - start) / two:.3f}")
    # Rank 0's dispatch rate: tiny items over TCP (make mpi-bench).
    exe = os.path.join(os.path.dirname(pardo), "tests", "mpi", "bench_dispatch")
    if not os.path.exists(exe):
        print("\n== MPI dispatch: not built (make MPI=1 mpi) ==")
        return
    print("\n== MPI dispatch: tiny items, 2 ranks over TCP ==")
    sys.stdout.flush()
    out = subprocess.run(["timeout", "300"] + mpirun + ["--mca", "pml", "ob1", "--mca", "btl", "self,tcp",
                          exe, "4000000"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        print("  " + line)


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


def peak_rss_mb(cmd):
    """The peak RSS of a pardo command, from its own --debug-rss report."""
    err = subprocess.run(cmd + ["--debug-rss"], capture_output=True, text=True).stderr
    for word in " ".join(l for l in err.splitlines() if "max_rss_kb" in l).split():
        if word.startswith("max_rss_kb="):
            return int(word.split("=")[1]) / 1024
    return float("nan")


def section_stylo(pardo):
    labels = os.path.join(CORPUS, "LABELS.tsv")
    loo = [pardo, "attribute", "--loo", "--known", labels, "-q", "-j", "2"]
    same = ["--mfw", "500", "--delta", "cosine"]
    cmds = [
        ("attribute --loo, words", loo + same),
        ("attribute --loo, chars --ngram 3", loo + same + ["--features", "chars", "--ngram", "3"]),
        ("attribute --loo (one cell: mfw 100, burrows)", loo),
        ("attribute --loo, grid of 100 cells", loo + ["--mfw", "100:2000:100", "--delta",
                                                      "burrows,argamon,eder,cosine,minmax"]),
    ]
    med = compare(cmds)
    show("== stylometry: n-grams and grids over the 124 labelled books ==", med)
    w, c, one, grid = (med[x[0]] for x in cmds)
    print(f"  chars 3-grams / words: {c / w:.2f} (goal <= 3)")
    print(f"  peak RSS, chars 3-grams --loo: {peak_rss_mb(cmds[1][1]):.0f} MB (goal < 256); "
          f"words: {peak_rss_mb(cmds[0][1]):.0f} MB")
    print(f"  grid of 100 cells / one cell: {grid / one:.2f} (goal < 3)")
    fs = files()
    cmds = [
        ("words --corpus-only (reading and counting alone)",
         [pardo, "words", "--corpus-only", "-q", "-j", "2"] + fs),
        ("cluster --matrix, 1006 samples of 13000 words, mfw 1000",
         [pardo, "cluster", "--matrix", "--mfw", "1000", "--sample-size", "13000", "-q", "-j", "2"] + fs),
        ("cluster (ward tree), the same 1006 samples",
         [pardo, "cluster", "--mfw", "1000", "--sample-size", "13000", "-q", "-j", "2"] + fs),
    ]
    med = compare(cmds)
    show("== cluster: 1,000 texts at mfw 1,000 on 2 cores ==", med)
    print(f"  the matrix, whole command: {med[cmds[1][0]]:.2f} s (goal < 2 s); beyond reading "
          f"and counting: {med[cmds[1][0]] - med[cmds[0][0]]:.2f} s")


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    wanted = sys.argv[2:] or ["lib", "count", "small", "archive", "stats", "lexdiv", "isolate", "mpi", "rss", "stylo", "report"]
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
