/*
 * proc.c - the process backend: items run in forked workers, so that a
 * crash or a hang fails one item, not the run.
 *
 * DESIGN
 * One job (a map or an iterator) gets its own worker processes, forked
 * when the first batch for a slot is handed out (never more workers than
 * items in flight), so that they inherit everything the job needs: the
 * item function, its arg, a map's input array.  The parent has no threads
 * of its own here: the caller's thread drives everything from
 * pardo__proc_pump(), called by the map loop or by pardo_iter_next().
 *
 * Each worker slot owns one shared mapping, made before its first fork and
 * kept when a worker is replaced, so it sits at the same address in parent
 * and child:
 *
 *   [struct shm: batch header, statuses, relocations]
 *   [in area: an iterator's inputs, copied]
 *   [out area: the batch's results, out_size each]
 *   [arena: blocks from pardo_result_alloc]
 *
 * A batch is handed over by writing its header and one byte on the go pipe;
 * the worker runs the items in order, publishing `done` and the start time
 * and pipeline stage of the running item, and answers with one byte on the
 * done pipe.  So the costs per batch are two pipe writes and a poll wake-up,
 * and batches are sized from measured item times (as map.c does for
 * threads) so that tiny items pay almost nothing.
 *
 * The done pipe reaching EOF while a batch is out means the worker died:
 * items before `done` are finished, item `done` crashed (waitpid says with
 * which signal), the rest go back to the job.  A timeout or a worker
 * growing past 2 * max_rss is a SIGKILL from the parent, then the same.
 *
 * The areas are sized to the work: the in and out areas to a batch of
 * the job's items, the arena small at first.  A result that does not fit
 * the arena makes the worker stop before that item and ask for more; the
 * parent maps the slot again, larger (its worker is gone), and the item is
 * run again by the next worker.  So a worker costs tens of MB of address
 * space, not a gigabyte, and runs under a tight ulimit -v.
 *
 * Every fd is O_CLOEXEC, and a new worker closes the other workers' pipe
 * ends at once, so that an EOF means what it says.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define BATCH_MAX   4096                /* items per batch */
#define RELOC_MAX   65536               /* pardo_result_alloc blocks per batch */
#define IN_AREA     (16u << 20)         /* the largest item in or out */
#define OUT_AREA    (16u << 20)
#define BATCH_AREA  (4u << 20)          /* a batch's inputs or outputs, if items are small */
#define ARENA_MIN   ((size_t)16 << 20)  /* a worker's first arena */
#define ARENA       ((size_t)1 << 30)   /* the largest arena */
#define BATCH_NS    2000000u            /* ~2 ms of work per batch */

struct reloc {
    uint32_t item;
    void **field;               /* where the child stored the block's address */
    char *block;
    size_t size;
};

struct shm {
    /* parent -> worker, before the go byte */
    uint32_t n;
    const void *in[BATCH_MAX];
    /* worker -> parent */
    atomic_uint done;           /* items finished in this batch */
    atomic_ullong item_start;   /* when item `done` started; 0 between items */
    char stage[32];             /* pipeline stage of item `done` */
    int exit_after;             /* the worker recycles itself after this batch */
    size_t arena_want;          /* item `done` needs an arena this large */
    int status[BATCH_MAX];
    uint32_t nreloc;
    size_t arena_used;
    struct reloc reloc[RELOC_MAX];
};

struct worker {
    pid_t pid;                  /* 0: no process in this slot */
    int go_fd, done_fd;         /* parent's ends */
    struct shm *shm;
    char *in_area, *out_area, *arena;
    size_t map_size, arena_size;
    size_t *ids;                /* the batch's item ids (parent side) */
    uint32_t n;                 /* items out; 0 = idle */
    uint64_t sent_ns;           /* when the batch went out */
    size_t items_run;           /* for max_items, counted in the child */
};

struct pardo__proc {
    pardo_pool *pool;
    pardo_fn *fn;
    void *arg;
    size_t in_size, out_size;
    int copy_inputs;
    const struct pardo__proc_ops *ops;
    void *job;
    int nworkers;
    struct worker *w;
    size_t bmax;                /* batch size limit for this job */
    double item_ns;             /* measured mean item time; 0 = unknown */
    struct pollfd *fds;         /* poll set, one per worker */
    int *fd_worker;             /* fds[k] belongs to w[fd_worker[k]] */
    uint64_t cancel_seen;       /* when the pool's cancel was first seen */
};

/* ---- the worker side ------------------------------------------------------ */

/* Set in a worker process only: its area and the item running. */
static struct worker *child_w;
static uint32_t child_item;

void pardo__stage_enter(const char *name)
{
    if (child_w && name) {
        strncpy(child_w->shm->stage, name, sizeof child_w->shm->stage - 1);
        child_w->shm->stage[sizeof child_w->shm->stage - 1] = '\0';
    }
}

_Thread_local struct pardo__blocks *pardo__cur_blocks;

void pardo__blocks_free(struct pardo__blocks *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->v[i]);
    b->n = 0;
}

/* Notes a block for the iterator slot being run, so that a result never
 * taken does not leak.  0 or -1 (out of memory: the block was freed). */
static int note_block(void *p)
{
    struct pardo__blocks *b = pardo__cur_blocks;
    if (!b)
        return 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4;
        void **v = realloc(b->v, cap * sizeof *v);
        if (!v) {
            free(p);
            return -1;
        }
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = p;
    return 0;
}

void *pardo_result_alloc(void **field, size_t size)
{
    if (!field)
        return NULL;
    if (!child_w) {
        void *p = malloc(size ? size : 1);
        if (p && note_block(p) != 0)
            p = NULL;
        return *field = p;
    }
    struct shm *s = child_w->shm;
    size_t at = (s->arena_used + 15) & ~(size_t)15;
    if (s->nreloc >= RELOC_MAX || at > ARENA || size > ARENA - at)
        return *field = NULL;
    if (size > child_w->arena_size - at) {
        s->arena_want = at + size;      /* stop, and run it again in a larger arena */
        s->exit_after = 1;
        return *field = NULL;
    }
    s->arena_used = at + size;
    s->reloc[s->nreloc++] = (struct reloc){ child_item, field, child_w->arena + at, size };
    return *field = child_w->arena + at;
}

static size_t rss_bytes(pid_t pid)
{
    char path[64];
    long pages = 0, rss = 0;
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return (size_t)rss * (size_t)sysconf(_SC_PAGESIZE);
}

static void worker_main(struct pardo__proc *p, struct worker *w, int go, int done)
{
    struct shm *s = w->shm;
    char c = 'd';
    child_w = w;
    for (;;) {
        ssize_t r = read(go, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            _exit(0);
        s->nreloc = 0;
        s->arena_used = 0;
        s->exit_after = 0;
        s->arena_want = 0;
        for (uint32_t j = 0; j < s->n && !s->exit_after; j++) {
            s->stage[0] = '\0';
            child_item = j;
            atomic_store(&s->item_start, pardo__now_ns());
            int status = p->fn(p->arg, s->in[j], w->out_area + (size_t)j * p->out_size);
            if (s->arena_want)
                break;                  /* item j is not done: it goes back */
            s->status[j] = status;
            atomic_store(&s->done, j + 1);
            /* Recycle between items: the rest of the batch goes back. */
            w->items_run++;
            s->exit_after = (p->pool->max_items && w->items_run >= p->pool->max_items) ||
                            (p->pool->max_rss && rss_bytes(getpid()) > p->pool->max_rss);
        }
        atomic_store(&s->item_start, 0);
        while (write(done, &c, 1) < 0 && errno == EINTR)
            ;
        if (s->exit_after)
            _exit(0);
    }
}

/* ---- the parent side -------------------------------------------------------- */

/* Maps a slot's shared areas, for a batch of the job's items and an arena
 * of at least w->arena_size (ARENA_MIN at first).  PARDO_OK, or
 * PARDO_ESYS / PARDO_ENOMEM. */
static int slot_map(struct pardo__proc *p, struct worker *w)
{
    size_t head = (sizeof(struct shm) + 4095) & ~(size_t)4095;
    size_t in_area = p->copy_inputs ? (p->bmax * p->in_size + 4095) & ~(size_t)4095 : 0;
    size_t out_area = (p->bmax * p->out_size + 4095) & ~(size_t)4095;
    if (w->arena_size < ARENA_MIN)
        w->arena_size = ARENA_MIN;
    if (!w->ids && !(w->ids = malloc(p->bmax * sizeof *w->ids)))
        return PARDO_ENOMEM;
    size_t size = head + in_area + out_area + w->arena_size;
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED) {
        pardo__sys_failed("mmap");
        return PARDO_ESYS;
    }
    w->map_size = size;
    w->shm = m;
    w->in_area = (char *)m + head;
    w->out_area = w->in_area + in_area;
    w->arena = w->out_area + out_area;
    return PARDO_OK;
}

/* Unmaps an idle slot without a worker; the next slot_map makes its arena
 * at least `want` bytes (doubling, up to ARENA). */
static void slot_unmap(struct worker *w, size_t want)
{
    if (w->map_size)
        munmap(w->shm, w->map_size);
    w->map_size = 0;
    w->shm = NULL;
    while (w->arena_size < want && w->arena_size < ARENA)
        w->arena_size *= 2;
    if (w->arena_size > ARENA)
        w->arena_size = ARENA;
}

static int spawn(struct pardo__proc *p, struct worker *w)
{
    int go[2], done[2];
    if (pipe2(go, O_CLOEXEC) != 0) {
        pardo__sys_failed("pipe2");
        return PARDO_ESYS;
    }
    if (pipe2(done, O_CLOEXEC) != 0) {
        pardo__sys_failed("pipe2");
        close(go[0]);
        close(go[1]);
        return PARDO_ESYS;
    }
    pid_t parent = getpid();
    /* Flush stdio first, or an item that calls exit() would write the
     * parent's buffered output a second time. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        pardo__sys_failed("fork");
        close(go[0]);
        close(go[1]);
        close(done[0]);
        close(done[1]);
        return PARDO_ESYS;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);        /* the parent decides, as for the others */
        signal(SIGPIPE, SIG_DFL);
        /* A crash must end the worker with its signal, whatever handler
         * the parent set up (Open MPI's, a sanitizer's, a backtrace
         * printer): that signal is the item's status. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        for (int i = 0; i < p->nworkers; i++)
            if (p->w[i].pid) {
                close(p->w[i].go_fd);
                close(p->w[i].done_fd);
            }
        close(go[1]);
        close(done[0]);
        worker_main(p, w, go[0], done[1]);
    }
    close(go[0]);
    close(done[1]);
    w->pid = pid;
    w->go_fd = go[1];
    w->done_fd = done[0];
    w->n = 0;
    return PARDO_OK;
}

/* Reaps a worker that ended or was killed; returns its wait status. */
static int reap(struct worker *w)
{
    int ws = 0;
    while (waitpid(w->pid, &ws, 0) < 0 && errno == EINTR)
        ;
    close(w->go_fd);
    close(w->done_fd);
    w->pid = 0;
    return ws;
}

/* Copies item j's result to dst and its pardo_result_alloc blocks to new
 * malloc'd blocks, pointing the fields at the copies.  *rc becomes
 * PARDO_ENOMEM if a copy cannot be made. */
static void take_result(struct pardo__proc *p, struct worker *w, uint32_t j, char *dst,
                        uint32_t *cursor, int *rc)
{
    struct shm *s = w->shm;
    char *src = w->out_area + (size_t)j * p->out_size;
    memcpy(dst, src, p->out_size);
    uint32_t first = *cursor;
    while (*cursor < s->nreloc && s->reloc[*cursor].item < j)
        (*cursor)++;
    first = *cursor;
    char **copies = NULL;
    uint32_t k;
    for (k = first; k < s->nreloc && s->reloc[k].item == j; k++)
        ;
    uint32_t count = k - first;
    if (count && !(copies = calloc(count, sizeof *copies))) {
        *rc = PARDO_ENOMEM;
        count = 0;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct reloc *r = &s->reloc[first + i];
        char *field = (char *)r->field, *loc = NULL;
        copies[i] = malloc(r->size ? r->size : 1);
        if (copies[i] && note_block(copies[i]) != 0)
            copies[i] = NULL;
        if (!copies[i]) {
            *rc = PARDO_ENOMEM;
            continue;
        }
        memcpy(copies[i], r->block, r->size);
        if (field >= src && field + sizeof(void *) <= src + p->out_size)
            loc = dst + (field - src);
        else
            for (uint32_t b = 0; b < i && !loc; b++) {
                struct reloc *o = &s->reloc[first + b];
                if (copies[b] && field >= o->block && field + sizeof(void *) <= o->block + o->size)
                    loc = copies[b] + (field - o->block);
            }
        if (loc) {
            memcpy(loc, &copies[i], sizeof copies[i]);
        } else {                /* the field was not in the result: drop it */
            struct pardo__blocks *b = pardo__cur_blocks;
            if (b && b->n && b->v[b->n - 1] == copies[i])
                b->n--;
            free(copies[i]);
        }
    }
    free(copies);
    *cursor = k;
}

/* Hands items [0, upto) of w's batch to the job as finished. */
static void harvest(struct pardo__proc *p, struct worker *w, uint32_t upto)
{
    uint32_t cursor = 0;
    for (uint32_t j = 0; j < upto; j++) {
        int rc = w->shm->status[j];
        pardo__cur_blocks = p->ops->blocks ? p->ops->blocks(p->job, w->ids[j]) : NULL;
        take_result(p, w, j, p->ops->dest(p->job, w->ids[j]), &cursor, &rc);
        pardo__cur_blocks = NULL;
        p->ops->finish(p->job, w->ids[j], rc, NULL);
    }
}

/* The worker ended (or was killed) with a batch out: finish what it did,
 * fail item `done` with `status` (unless requeue_running), requeue the rest. */
static void worker_lost(struct pardo__proc *p, struct worker *w, int status, int sig,
                        int requeue_running)
{
    uint64_t start = atomic_load(&w->shm->item_start);
    uint32_t done = atomic_load(&w->shm->done);
    if (done > w->n)
        done = w->n;
    harvest(p, w, done);
    if (done < w->n) {
        if (requeue_running) {
            p->ops->requeue(p->job, w->ids[done]);
        } else {
            pardo_failure f = { .status = status, .signal = sig };
            f.seconds = start ? (double)(pardo__now_ns() - start) / 1e9 : 0;
            memcpy(f.stage, w->shm->stage, sizeof f.stage);
            f.stage[sizeof f.stage - 1] = '\0';
            p->ops->finish(p->job, w->ids[done], status, &f);
        }
        for (uint32_t j = done + 1; j < w->n; j++)
            p->ops->requeue(p->job, w->ids[j]);
    }
    w->n = 0;
}

static void on_done_byte(struct pardo__proc *p, struct worker *w)
{
    char c[16];
    ssize_t r = read(w->done_fd, c, sizeof c);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r > 0 && w->n) {
        uint64_t dt = pardo__now_ns() - w->sent_ns;
        double per = (double)dt / w->n;
        p->item_ns = p->item_ns > 0 ? 0.7 * p->item_ns + 0.3 * per : per;
        if (w->shm->exit_after) {   /* it stopped early to be replaced */
            size_t want = w->shm->arena_want;
            reap(w);
            worker_lost(p, w, 0, 0, 1);
            if (want > w->arena_size)
                slot_unmap(w, want);    /* the next worker gets a larger arena */
        } else {
            harvest(p, w, w->n);
            w->n = 0;
        }
        return;
    }
    /* EOF: the worker died, with or without a batch out. */
    int ws = reap(w);
    if (w->n) {
        int sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
        worker_lost(p, w, PARDO_ECRASH, sig, 0);
    }
}

/* Kills a busy worker and fails its running item with status. */
static void kill_worker(struct pardo__proc *p, struct worker *w, int status, int requeue_running)
{
    uint32_t before = atomic_load(&w->shm->done);
    kill(w->pid, SIGKILL);
    reap(w);
    /* If the item we meant finished just before the kill, the one killed
     * had barely started: give it again rather than blame it. */
    if (atomic_load(&w->shm->done) != before)
        requeue_running = 1;
    worker_lost(p, w, status, SIGKILL, requeue_running);
}

static size_t batch_size(struct pardo__proc *p)
{
    if (p->item_ns <= 0)
        return 1;
    double b = BATCH_NS / p->item_ns;
    return b < 1 ? 1 : b > (double)p->bmax ? p->bmax : (size_t)b;
}

static int dispatch(struct pardo__proc *p, struct worker *w)
{
    if (!w->shm && slot_map(p, w) != PARDO_OK)
        return -1;
    struct shm *s = w->shm;
    size_t n = p->ops->take(p->job, batch_size(p), w->ids, s->in);
    if (n == 0)
        return 0;
    if (!w->pid && spawn(p, w) != PARDO_OK) {
        for (size_t j = 0; j < n; j++)
            p->ops->requeue(p->job, w->ids[j]);
        return -1;
    }
    if (p->copy_inputs)
        for (size_t j = 0; j < n; j++) {
            char *dst = w->in_area + j * p->in_size;
            memcpy(dst, s->in[j], p->in_size);
            s->in[j] = dst;
        }
    s->n = (uint32_t)n;
    atomic_store(&s->done, 0);
    atomic_store(&s->item_start, 0);
    s->exit_after = 0;
    w->n = (uint32_t)n;
    w->sent_ns = pardo__now_ns();
    char c = 'g';
    if (write(w->go_fd, &c, 1) != 1) {  /* it died idle: EOF will tell */
        return 0;
    }
    return 1;
}

int pardo__proc_pump(struct pardo__proc *p, int block)
{
    pardo_pool *pool = p->pool;
    int cancelled = atomic_load(&pool->cancelled);
    uint64_t now = pardo__now_ns();
    if (cancelled && !p->cancel_seen)
        p->cancel_seen = now;
    /* Idle workers first; a new one only for the items left over, so
     * that there are never more workers than items in flight. */
    if (!cancelled)
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < p->nworkers; i++) {
                if (p->w[i].n || (pass == 0) != (p->w[i].pid != 0))
                    continue;
                int rc = dispatch(p, &p->w[i]);
                if (rc < 0) {
                    int any = 0;
                    for (int k = 0; k < p->nworkers; k++)
                        any |= p->w[k].pid != 0;
                    if (!any)
                        return -1;  /* cannot start a single worker */
                    pass = 2;       /* go on with those there are */
                    break;
                }
                if (rc == 0 && pass == 1)
                    break;          /* nothing more to hand out */
            }

    struct pollfd *fds = p->fds;
    int *idx = p->fd_worker, nf = 0;
    for (int i = 0; i < p->nworkers; i++)
        if (p->w[i].pid) {
            fds[nf] = (struct pollfd){ .fd = p->w[i].done_fd, .events = POLLIN };
            idx[nf++] = i;
        }
    int busy = 0;
    for (int i = 0; i < p->nworkers; i++)
        busy += p->w[i].n > 0;
    if (busy == 0)
        return 0;

    int wait_ms = block ? 50 : 0;
    uint64_t timeout_ns = (uint64_t)(pool->timeout * 1e9);
    if (block && timeout_ns)
        for (int i = 0; i < p->nworkers; i++) {
            uint64_t t0 = p->w[i].n ? atomic_load(&p->w[i].shm->item_start) : 0;
            if (t0) {
                int64_t left = (int64_t)(t0 + timeout_ns) - (int64_t)now;
                int ms = left <= 0 ? 0 : (int)(left / 1000000) + 1;
                if (ms < wait_ms)
                    wait_ms = ms;
            }
        }
    if (block && pool->max_rss && wait_ms > 10)
        wait_ms = 10;
    int r = poll(fds, (nfds_t)nf, wait_ms);
    if (r > 0)
        for (int k = 0; k < nf; k++)
            if (fds[k].revents)
                on_done_byte(p, &p->w[idx[k]]);

    now = pardo__now_ns();
    for (int i = 0; i < p->nworkers; i++) {
        struct worker *w = &p->w[i];
        if (!w->n)
            continue;
        uint64_t t0 = atomic_load(&w->shm->item_start);
        if (timeout_ns && t0 && now > t0 + timeout_ns)
            kill_worker(p, w, PARDO_ETIMEDOUT, 0);
        else if (pool->max_rss && rss_bytes(w->pid) > 2 * pool->max_rss)
            kill_worker(p, w, PARDO_ECRASH, 0);
        else if (p->cancel_seen && now > p->cancel_seen + (uint64_t)(PARDO_CANCEL_GRACE * 1e9))
            kill_worker(p, w, PARDO_ECANCELED, 1);
    }
    busy = 0;
    for (int i = 0; i < p->nworkers; i++)
        busy += p->w[i].n > 0;
    return busy;
}

int pardo__proc_start(struct pardo__proc **out, pardo_pool *pool, pardo_fn *fn, void *arg,
                      size_t in_size, size_t out_size, int copy_inputs,
                      const struct pardo__proc_ops *ops, void *job)
{
    if (out_size > OUT_AREA || (copy_inputs && in_size > IN_AREA))
        return PARDO_EINVAL;
    struct pardo__proc *p = calloc(1, sizeof *p);
    if (!p)
        return PARDO_ENOMEM;
    *p = (struct pardo__proc){ .pool = pool, .fn = fn, .arg = arg, .in_size = in_size,
                               .out_size = out_size, .copy_inputs = copy_inputs, .ops = ops,
                               .job = job, .nworkers = pool->workers };
    p->bmax = BATCH_MAX;
    if (out_size && BATCH_AREA / out_size < p->bmax)
        p->bmax = BATCH_AREA / out_size;
    if (copy_inputs && in_size && BATCH_AREA / in_size < p->bmax)
        p->bmax = BATCH_AREA / in_size;
    if (p->bmax == 0)
        p->bmax = 1;
    p->w = calloc((size_t)p->nworkers, sizeof *p->w);
    p->fds = calloc((size_t)p->nworkers, sizeof *p->fds);
    p->fd_worker = calloc((size_t)p->nworkers, sizeof *p->fd_worker);
    if (!p->w || !p->fds || !p->fd_worker) {
        pardo__proc_stop(p);
        return PARDO_ENOMEM;
    }
    *out = p;
    return PARDO_OK;
}

void pardo__proc_stop(struct pardo__proc *p)
{
    if (!p)
        return;
    for (int i = 0; p->w && i < p->nworkers; i++)
        if (p->w[i].pid)
            kill(p->w[i].pid, SIGKILL);
    for (int i = 0; p->w && i < p->nworkers; i++) {
        struct worker *w = &p->w[i];
        if (w->pid)
            reap(w);
        slot_unmap(w, 0);
        free(w->ids);
    }
    free(p->fd_worker);
    free(p->fds);
    free(p->w);
    free(p);
}
