/*
 * test_proc.c - the process backend: crashes, hangs and memory hogs fail
 * one item each; the rest of the run goes on, and the pool is reused.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "pardo.h"

enum { GOOD, SEGV, ABORT, EXIT, HOG, HANG, FAIL };

/* Under the sanitizers, let a crash be a crash: their own handlers would
 * turn a segfault or an abort into an ordinary exit with a report. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0:detect_leaks=1";
}
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0";
}
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0:die_after_fork=0";
}

/* Where memory hogs put what they allocate, so that the compiler cannot
 * drop the allocation as dead. */
char *volatile test_proc_sink;

/* Item i's behaviour in the crash tests: mostly good, with each kind of
 * crash sprinkled in.  No item there hangs, and their pools have no time
 * limit: a hog ends by the memory limit alone, never by whichever of two
 * limits comes first (that raced, and under load the time limit won). */
static int kind_of(long i)
{
    switch (i % 23) {
    case 3:  return SEGV;
    case 7:  return ABORT;
    case 11: return EXIT;
    case 15: return FAIL;
    case 21: return i < 30 ? HOG : GOOD;
    default: return GOOD;
    }
}

/* In the time-limit tests: item 5 hangs, the rest are good. */
static int hang_kind_of(long i)
{
    return i == 5 ? HANG : GOOD;
}

static size_t my_rss(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* arg: the kind_of function. */
static int bad_item(void *arg, const void *in, void *out)
{
    int (*kind)(long) = (int (*)(long))arg;
    long i = *(const long *)in;
    switch (kind(i)) {
    case SEGV: { volatile int *p = NULL; *p = 1; break; }
    case ABORT: abort();
    case EXIT: _exit(3);
    case HOG:
        /* Grow past the pool's kill line (2 x 64 MiB), 16 MiB a step made
         * resident at once (MAP_POPULATE), then stay there until killed:
         * however slow the growth (0.06 s here, 0.1 to 0.3 s under TSan,
         * seconds under load), only the memory limit ends it. */
        for (;;) {
            if (my_rss() > (192u << 20)) {
                nap_ms(1);
                continue;
            }
            char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
            if (p == MAP_FAILED)
                _exit(4);
            test_proc_sink = p;
        }
    case HANG:      /* until the time limit kills it */
        for (;;)
            pause();
    case FAIL: return 42;
    default: break;
    }
    *(long *)out = i * 3;
    return 0;
}

static int expected_status(int kind)
{
    switch (kind) {
    case SEGV: case ABORT: case EXIT: case HOG: return PARDO_ECRASH;
    case HANG: return PARDO_ETIMEDOUT;
    case FAIL: return 42;
    default: return 0;
    }
}

static int expected_signal(int kind)
{
    switch (kind) {
    case SEGV: return SIGSEGV;
    case ABORT: return SIGABRT;
    case HOG: return SIGKILL;
    case HANG: return SIGKILL;
    default: return 0;
    }
}

static pardo_pool *proc_pool(int workers, double timeout, size_t max_items, size_t max_rss)
{
    pardo_options o = { .workers = workers, .backend = PARDO_PROCESSES, .timeout = timeout,
                        .max_items = max_items, .max_rss = max_rss };
    pardo_pool *pool = NULL;
    if (pardo_pool_open(&pool, &o) != PARDO_OK)
        return NULL;
    return pool;
}

/* No child of ours may be left, running or zombie. */
static int children_left(void)
{
    int n = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    FILE *f = fopen(path, "r");
    if (f) {
        int pid;
        while (fscanf(f, "%d", &pid) == 1)
            n++;
        fclose(f);
    }
    return n + (waitpid(-1, NULL, WNOHANG) > 0);
}

/* pardo_map of bad_item over 0..n-1 with kinds `kind` on `pool`, every
 * item's status, result and failure checked. */
static void map_checked(pardo_pool *pool, int (*kind)(long), long n, double timeout)
{
    long in[64], out[64];
    int status[64];
    REQUIRE(n <= 64);
    for (long i = 0; i < n; i++) {
        in[i] = i;
        out[i] = -1;
    }
    CHECK_EQ_INT(pardo_map(pool, bad_item, (void *)kind, in, sizeof *in, out, sizeof *out,
                           (size_t)n, status), PARDO_EITEM);
    for (long i = 0; i < n; i++) {
        CHECK_EQ_INT(status[i], expected_status(kind(i)));
        if (expected_status(kind(i)) == 0)
            CHECK_EQ_INT(out[i], i * 3);
        pardo_failure f;
        if (status[i] == PARDO_ECRASH || status[i] == PARDO_ETIMEDOUT) {
            REQUIRE(pardo_map_error(pool, (size_t)i, &f) == 0);
            CHECK_EQ_INT(f.status, status[i]);
            CHECK_EQ_INT(f.signal, expected_signal(kind(i)));
            if (status[i] == PARDO_ETIMEDOUT)
                CHECK(f.seconds >= timeout);    /* not killed before its time */
        }
    }
    CHECK(pardo_map_error(pool, 0, NULL) == PARDO_EINVAL);
    /* The pool is reused afterwards. */
    CHECK_EQ_INT(pardo_map(pool, bad_item, (void *)kind, in, sizeof *in, out, sizeof *out, 3,
                           status), 0);
    CHECK_EQ_INT(out[2], 6);
}

static void test_map_crashes(void)
{
    for (int w = 1; w <= 4; w++) {
        pardo_pool *pool = proc_pool(w, 0, 0, 64 << 20);
        REQUIRE(pool);
        map_checked(pool, kind_of, 60, 0);
        pardo_pool_free(pool);
        CHECK_EQ_INT(children_left(), 0);
    }
}

/* The time limit: 2 s, far above a good item's microseconds, so that
 * only the hanging item can reach it however loaded the machine. */
#define HANG_LIMIT 2.0

static void test_map_timeout(void)
{
    pardo_pool *pool = proc_pool(2, HANG_LIMIT, 0, 0);
    REQUIRE(pool);
    map_checked(pool, hang_kind_of, 12, HANG_LIMIT);
    pardo_pool_free(pool);
    CHECK_EQ_INT(children_left(), 0);
}

struct range { long next, n; };
static int gen_range(void *g, void *item)
{
    struct range *r = g;
    if (r->next >= r->n)
        return 0;
    *(long *)item = r->next++;
    return 1;
}

/* pardo_imap of bad_item over 0..n-1 with kinds `kind` on `pool`, in
 * order and not, every item's status, result and failure checked. */
static void imap_checked(pardo_pool *pool, int (*kind)(long), long n)
{
    for (int flags = 0; flags <= 1; flags++) {
        struct range r = { 0, n };
        pardo_iter *it;
        REQUIRE(pardo_imap(&it, pool, bad_item, (void *)kind, gen_range, &r, sizeof(long),
                           sizeof(long), flags) == 0);
        long in, out, count = 0;
        int st;
        char seen[64] = { 0 };
        REQUIRE(n <= 64);
        while (pardo_iter_next(it, &in, &out, &st) == 1) {
            REQUIRE(in >= 0 && in < n);
            CHECK(!seen[in]);
            seen[in] = 1;
            if (!flags)
                CHECK_EQ_INT(in, count);
            CHECK_EQ_INT(st, expected_status(kind(in)));
            if (st == 0)
                CHECK_EQ_INT(out, in * 3);
            pardo_failure f;
            CHECK_EQ_INT(pardo_iter_error(it, &f), st);
            if (st == PARDO_ECRASH || st == PARDO_ETIMEDOUT)
                CHECK_EQ_INT(f.signal, expected_signal(kind(in)));
            count++;
        }
        CHECK_EQ_INT(count, n);
        pardo_iter_free(it);
    }
}

static void test_imap_crashes(void)
{
    for (int w = 1; w <= 4; w++) {
        pardo_pool *pool = proc_pool(w, 0, 0, 64 << 20);
        REQUIRE(pool);
        imap_checked(pool, kind_of, 60);
        pardo_pool_free(pool);
        CHECK_EQ_INT(children_left(), 0);
    }
}

static void test_imap_timeout(void)
{
    pardo_pool *pool = proc_pool(2, HANG_LIMIT, 0, 0);
    REQUIRE(pool);
    imap_checked(pool, hang_kind_of, 12);
    pardo_pool_free(pool);
    CHECK_EQ_INT(children_left(), 0);
}

/* Variable-size results come back whole. */
struct words { size_t n; long *v; char *name; };

static int make_words(void *arg, const void *in, void *out)
{
    (void)arg;
    long i = *(const long *)in;
    struct words *w = out;
    w->n = (size_t)(i * 1000 + 1);
    if (!pardo_result_alloc((void **)&w->v, w->n * sizeof *w->v))
        return 1;
    for (size_t k = 0; k < w->n; k++)
        w->v[k] = i + (long)k;
    if (!pardo_result_alloc((void **)&w->name, 32))
        return 1;
    snprintf(w->name, 32, "item %ld", i);
    return 0;
}

static void test_variable_results(void)
{
    pardo_pool *pool = proc_pool(2, 0, 0, 0);
    pardo_pool *threads = pardo_pool_new(2);
    pardo_pool *pools[3] = { pool, threads, NULL };
    for (int p = 0; p < 3; p++) {
        enum { N = 40 };
        long in[N];
        struct words out[N];
        for (long i = 0; i < N; i++)
            in[i] = i;
        memset(out, 0, sizeof out);
        CHECK_EQ_INT(pardo_map(pools[p], make_words, NULL, in, sizeof *in, out, sizeof *out, N, NULL), 0);
        for (long i = 0; i < N; i++) {
            REQUIRE(out[i].v && out[i].name);
            CHECK_EQ_INT(out[i].n, i * 1000 + 1);
            CHECK_EQ_INT(out[i].v[out[i].n - 1], i + (long)out[i].n - 1);
            char want[32];
            snprintf(want, sizeof want, "item %ld", i);
            CHECK_EQ_STR(out[i].name, want);
            free(out[i].v);
            free(out[i].name);
        }
    }
    pardo_pool_free(pool);
    pardo_pool_free(threads);
}

/* A result larger than a worker's first arena: the worker stops before
 * that item, and the item runs again in a larger arena. */
struct block {
    size_t n;
    unsigned char *p;
};

static int make_block(void *arg, const void *in, void *out)
{
    (void)arg;
    long i = *(const long *)in;
    struct block *b = out;
    b->n = i % 3 == 1 ? ((size_t)24 << 20) + (size_t)i : (size_t)i + 1;
    if (i == 4)
        b->n = (size_t)40 << 20;
    if (!pardo_result_alloc((void **)&b->p, b->n))
        return PARDO_ENOMEM;
    for (size_t k = 0; k < b->n; k += 4096)
        b->p[k] = (unsigned char)(i + (long)k / 4096);
    b->p[b->n - 1] = (unsigned char)i;
    return 0;
}

static void test_large_results_grow_arena(void)
{
    pardo_pool *pool = proc_pool(2, 0, 0, 0);
    REQUIRE(pool);
    enum { N = 8 };
    long in[N];
    struct block out[N];
    int status[N];
    for (long i = 0; i < N; i++)
        in[i] = i;
    memset(out, 0, sizeof out);
    CHECK_EQ_INT(pardo_map(pool, make_block, NULL, in, sizeof *in, out, sizeof *out, N, status), 0);
    for (long i = 0; i < N; i++) {
        CHECK_EQ_INT(status[i], 0);
        REQUIRE(out[i].p);
        int good = 1;
        for (size_t k = 0; k + 1 < out[i].n; k += 4096)
            good &= out[i].p[k] == (unsigned char)(i + (long)k / 4096);
        CHECK(good);
        CHECK_EQ_INT(out[i].p[out[i].n - 1], (unsigned char)i);
        free(out[i].p);
    }
    pardo_pool_free(pool);
}

/* Each item counts the worker processes of its parent. */
static int count_siblings(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getppid(), (int)getppid());
    FILE *f = fopen(path, "r");
    long n = 0;
    int pid;
    while (f && fscanf(f, "%d", &pid) == 1)
        n++;
    if (f)
        fclose(f);
    *(long *)out = n;
    return 0;
}

/* A pool of 16 worker processes runs 3 items with no more than 3. */
static void test_no_more_workers_than_items(void)
{
    pardo_pool *pool = proc_pool(16, 0, 0, 0);
    REQUIRE(pool);
    long in[3] = { 0, 1, 2 }, out[3] = { 0, 0, 0 };
    CHECK_EQ_INT(pardo_map(pool, count_siblings, NULL, in, sizeof *in, out, sizeof *out, 3, NULL), 0);
    for (int i = 0; i < 3; i++) {
        CHECK(out[i] >= 1);
        CHECK(out[i] <= 3);
    }
    pardo_pool_free(pool);
}

/* An iterator freed early frees the blocks of the results it never
 * returned (LeakSanitizer fails the test program otherwise, in make asan). */
static void test_untaken_results_freed(void)
{
    pardo_pool *pool = proc_pool(2, 0, 0, 0);
    pardo_pool *threads = pardo_pool_new(3);
    pardo_pool *pools[3] = { pool, threads, NULL };
    for (int p = 0; p < 3; p++) {
        struct range r = { 0, 1000 };
        pardo_iter *it;
        REQUIRE(pardo_imap(&it, pools[p], make_words, NULL, gen_range, &r, sizeof(long),
                           sizeof(struct words), PARDO_ORDERED) == 0);
        struct words w;
        for (int i = 0; i < 5; i++) {
            REQUIRE(pardo_iter_next(it, NULL, &w, NULL) == 1);
            CHECK_EQ_INT(w.n, i * 1000 + 1);
            free(w.v);
            free(w.name);
        }
        struct timespec ts = { 0, 20000000 };
        nanosleep(&ts, NULL);       /* let finished results pile up */
        pardo_iter_free(it);
    }
    pardo_pool_free(pool);
    pardo_pool_free(threads);
}

/* Each item reports the pid that ran it. */
static int whoami(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    *(long *)out = (long)getpid();
    struct timespec ts = { 0, 200000 };
    nanosleep(&ts, NULL);
    return 0;
}

static int count_distinct(const long *v, int n)
{
    int d = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = v[k] == v[i];
        d += !seen;
    }
    return d;
}

static void test_max_items_recycles(void)
{
    enum { N = 50 };
    pardo_pool *pool = proc_pool(1, 0, 10, 0);
    long in[N] = { 0 }, out[N];
    CHECK_EQ_INT(pardo_map(pool, whoami, NULL, in, sizeof *in, out, sizeof *out, N, NULL), 0);
    /* 50 items, a new worker every 10 at most: at least 5 pids. */
    CHECK(count_distinct(out, N) >= 5);
    for (int i = 0; i < N; i++)
        CHECK(out[i] != (long)getpid());
    pardo_pool_free(pool);
    CHECK_EQ_INT(children_left(), 0);
}

/* Kept where the compiler must assume someone reads them, or it would
 * drop the malloc and memset as dead. */
char *volatile test_proc_keep[64];

static int grow_then_pid(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    static int nkeep;
    if (nkeep < 64) {           /* 8 MB more per item, kept */
        char *p = malloc(8 << 20);
        if (p)
            memset(p, 1, 8 << 20);
        test_proc_keep[nkeep++] = p;
    }
    *(long *)out = (long)getpid();
    return 0;
}

static void test_max_rss_recycles(void)
{
    enum { N = 20 };
    pardo_pool *pool = proc_pool(1, 0, 0, 40 << 20);
    long in[N] = { 0 }, out[N];
    int status[N];
    CHECK_EQ_INT(pardo_map(pool, grow_then_pid, NULL, in, sizeof *in, out, sizeof *out, N, status), 0);
    /* ~5 items pass 40 MB: a worker cannot run all 20. */
    CHECK(count_distinct(out, N) >= 3);
    pardo_pool_free(pool);
}

/* Workers die with their parent: a child process makes a pool and runs
 * items that tell us their worker's pid and then hang; it is killed; its
 * workers must go too.  Every step waits for its event: the pids come
 * through a pipe, each worker's end through a pidfd opened while it is
 * surely alive (it hangs until killed). */
static int pid_fd;              /* the pipe the items write their pid to */

static int tell_pid_and_hang(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    (void)out;
    int pid = (int)getpid();
    if (write(pid_fd, &pid, sizeof pid) != sizeof pid)
        _exit(1);
    for (;;)
        pause();
}

static void test_workers_die_with_parent(void)
{
    int pfd[2];
    REQUIRE(pipe(pfd) == 0);
    pid_t mid = fork();
    if (mid == 0) {
        close(pfd[0]);
        pid_fd = pfd[1];
        pardo_pool *pool = proc_pool(2, 0, 0, 0);
        long in[4] = { 0 }, out[4];
        pardo_map(pool, tell_pid_and_hang, NULL, in, sizeof *in, out, sizeof *out, 4, NULL);
        _exit(0);
    }
    close(pfd[1]);
    int pids[2], fds[2] = { -1, -1 };
    for (int i = 0; i < 2; i++) {      /* each worker took an item and hangs */
        REQUIRE(read(pfd[0], &pids[i], sizeof pids[i]) == sizeof pids[i]);
        fds[i] = (int)syscall(SYS_pidfd_open, pids[i], 0);
        CHECK_CMP(fds[i], >=, 0);
    }
    close(pfd[0]);
    CHECK(pids[0] != pids[1]);
    kill(mid, SIGKILL);
    waitpid(mid, NULL, 0);
    for (int i = 0; i < 2; i++) {
        if (fds[i] < 0)
            continue;
        /* Readable when the worker has ended; 60 s is only a safety net. */
        struct pollfd pf = { .fd = fds[i], .events = POLLIN };
        int r = poll(&pf, 1, 60000);
        CHECK_EQ_INT(r, 1);
        if (r != 1)
            kill(pids[i], SIGKILL);     /* do not leave it behind */
        close(fds[i]);
    }
}

/* A pipeline stage name comes back with a crash. */
static int stage_ok(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    (void)out;
    return 0;
}

static int stage_crash(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)out;
    if (*(const long *)in == 1)
        raise(SIGSEGV);
    return 0;
}

static void test_crash_stage(void)
{
    pardo_pipeline *pl = pardo_pipeline_new();
    pardo_pipeline_add(pl, "read", stage_ok, NULL);
    pardo_pipeline_add(pl, "process", stage_crash, NULL);
    pardo_pool *pool = proc_pool(2, 0, 0, 0);
    long in[3] = { 0, 1, 2 }, out[3];
    int status[3];
    CHECK_EQ_INT(pardo_map(pool, pardo_pipeline_fn, pl, in, sizeof *in, out, sizeof *out, 3, status),
                 PARDO_EITEM);
    CHECK_EQ_INT(status[0], 0);
    CHECK_EQ_INT(status[1], PARDO_ECRASH);
    CHECK_EQ_INT(status[2], 0);
    pardo_failure f;
    REQUIRE(pardo_map_error(pool, 1, &f) == 0);
    CHECK_EQ_STR(f.stage, "process");
    CHECK_EQ_INT(f.signal, SIGSEGV);
    /* Stage times come back from the workers too. */
    unsigned long long items;
    pardo_pipeline_stage_time(pl, 0, &items, NULL);
    CHECK_EQ_INT(items, 3);
    pardo_pool_free(pool);
    pardo_pipeline_free(pl);
}

/* Sleeps *in ms; -1: until the thread pools' time limit (THREAD_LIMIT)
 * has surely passed, by its own clock, however long the sleeps take. */
#define THREAD_LIMIT 0.5
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sleep_some(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)out;
    long ms = *(const long *)in;
    if (ms >= 0) {
        nap_ms(ms);
        return 0;
    }
    double end = now_s() + THREAD_LIMIT;
    while (now_s() <= end)
        nap_ms(10);
    return 0;
}

/* 0, past the limit, 0 */
static int gen_ms(void *g, void *item)
{
    struct range *r = g;
    if (r->next >= r->n)
        return 0;
    *(long *)item = r->next++ == 1 ? -1 : 0;
    return 1;
}

/* Threads cannot be killed: an overrun is reported after the fact.  The
 * others take no time at all, far below the limit on any machine. */
static void test_thread_timeout(void)
{
    pardo_options o = { .workers = 2, .timeout = THREAD_LIMIT };
    pardo_pool *pool;
    REQUIRE(pardo_pool_open(&pool, &o) == 0);
    long in[4] = { 0, -1, 0, 0 }, out[4];
    int status[4];
    CHECK_EQ_INT(pardo_map(pool, sleep_some, NULL, in, sizeof *in, out, sizeof *out, 4, status),
                 PARDO_EITEM);
    CHECK_EQ_INT(status[0], 0);
    CHECK_EQ_INT(status[1], PARDO_ETIMEDOUT);
    CHECK_EQ_INT(status[2], 0);
    CHECK_EQ_INT(status[3], 0);
    pardo_failure f;
    REQUIRE(pardo_map_error(pool, 1, &f) == 0);
    CHECK(f.seconds >= THREAD_LIMIT);
    /* and in an iterator, with the stage that overran */
    pardo_pipeline *pl = pardo_pipeline_new();
    pardo_pipeline_add(pl, "fast", stage_ok, NULL);
    pardo_pipeline_add(pl, "slow", sleep_some, NULL);
    struct range r = { 0, 3 };
    pardo_iter *it;
    REQUIRE(pardo_imap(&it, pool, pardo_pipeline_fn, pl, gen_ms, &r, sizeof(long), sizeof(long),
                       PARDO_ORDERED) == 0);
    long ms;
    int st, k = 0;
    while (pardo_iter_next(it, &ms, NULL, &st) == 1) {
        CHECK_EQ_INT(st, k == 1 ? PARDO_ETIMEDOUT : 0);
        CHECK_EQ_INT(pardo_iter_error(it, &f), st);
        if (k == 1)
            CHECK_EQ_STR(f.stage, "slow");
        k++;
    }
    CHECK_EQ_INT(k, 3);
    pardo_iter_free(it);
    pardo_pipeline_free(pl);
    pardo_pool_free(pool);
}

static void test_cancel_processes(void)
{
    pardo_pool *pool = proc_pool(2, 0, 0, 0);
    enum { N = 200 };
    long in[N], out[N];
    int status[N];
    for (int i = 0; i < N; i++)
        in[i] = 20;     /* 20 ms each: 2 s in all */
    pardo_cancel(pool);
    CHECK_EQ_INT(pardo_map(pool, sleep_some, NULL, in, sizeof *in, out, sizeof *out, N, status),
                 PARDO_ECANCELED);
    CHECK_EQ_INT(status[0], PARDO_ECANCELED);
    pardo_cancel_clear(pool);
    CHECK_EQ_INT(pardo_map(pool, sleep_some, NULL, in, sizeof *in, out, sizeof *out, 4, status), 0);
    pardo_pool_free(pool);
    CHECK_EQ_INT(children_left(), 0);
}

int main(void)
{
    RUN(test_map_crashes);
    RUN(test_map_timeout);
    RUN(test_imap_crashes);
    RUN(test_imap_timeout);
    RUN(test_variable_results);
    RUN(test_untaken_results_freed);
    RUN(test_no_more_workers_than_items);
    RUN(test_max_items_recycles);
    RUN(test_max_rss_recycles);
    RUN(test_workers_die_with_parent);
    RUN(test_crash_stage);
    RUN(test_thread_timeout);
    RUN(test_cancel_processes);
    /* Last: under ASan the big results it frees stay resident (the
     * quarantine), and a worker forked after it would start above
     * test_max_rss_recycles's limit. */
    RUN(test_large_results_grow_arena);
    return CHECK_EXIT();
}
