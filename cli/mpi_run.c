/*
 * mpi_run.c - the pardo tool over the ranks of an MPI job (issue 7).
 *
 * DESIGN
 * The only file of the tool that speaks MPI; run.c calls it through the
 * ranks_* functions of run.h.  Built with MPI (make's MPI=1 compiles it with
 * the MPI headers and PARDO_HAVE_MPI) it starts MPI when, and only when, an
 * MPI launcher started pardo: mpirun puts OMPI_COMM_WORLD_SIZE (Open MPI) or
 * PMIX_RANK (PMIx launchers, srun) or PMI_RANK (Hydra) in the environment of
 * every rank.  A plain `pardo` never calls MPI_Init, so it neither waits
 * for it nor prints its messages.  Built without MPI, the same functions
 * are stubs for one process (rk is always NULL), and run.c has one path.
 *
 * A run is one pardo_mpi_imap over MPI_COMM_WORLD: rank 0 runs the walk and
 * writes the records, every rank (rank 0 included) runs batches of files on
 * its own pool.  A file is read by the rank that runs it.  A struct item_out
 * holds pointers, so it crosses ranks through a codec: a fixed header (err,
 * bytes and the two lengths), the record's bytes, then the packed word table
 * as one block (struct packed_words addresses its words by offset from its
 * start, so the block means the same anywhere).  decode gives rank 0
 * malloc'd copies, which the run frees as it frees a local result.
 *
 * Rank 0 learns every rank's host name at the start (MPI_Gather), for the
 * error records of files that another rank could not read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"

/* Set by the MPI launchers; one is enough. */
static int launched(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int ranks_launched_rank(void)
{
    static const char *const vars[] = { "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK" };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v)
            return atoi(v);
    }
    return 0;
}

#ifdef PARDO_MPI_TWIN
/* The twin's name, beside this program (make builds both; install puts
 * both in bin/). */
#define TWIN "pardo-mpi"

void ranks_exec(char **argv)
{
    if (!launched())
        return;
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof TWIN - 1);
    char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
    if (slash) {
        memcpy(slash + 1, TWIN, sizeof TWIN);
        execv(path, argv);
    } else {
        snprintf(path, sizeof path, "%s", TWIN);
        execvp(path, argv);
    }
    fprintf(stderr, "pardo: started by an MPI launcher, but cannot run %s: %s\n", path,
            strerror(errno));
    exit(EXIT_FATAL);
}
#else
void ranks_exec(char **argv)
{
    (void)argv;     /* the twin itself, or a build without MPI */
}
#endif

#ifdef PARDO_HAVE_MPI

#include "pardo_mpi.h"

#define HOST_MAX MPI_MAX_PROCESSOR_NAME

struct ranks {
    int rank, size;
    char (*hosts)[HOST_MAX];    /* rank 0: [size] */
    pardo_mpi_iter *it;
};


/* Open MPI, as Debian builds it, opens its cm messaging layer at
 * MPI_Init, whose transports (libfabric, PSM) probe for network hardware:
 * 0.2 s here, to end up with ob1 and shared memory anyway.  When every
 * rank runs on this host (Open MPI's LOCAL_SIZE is the whole world: each
 * rank sees the same, so all choose alike), and the user chose no PML
 * (mpirun --mca pml X sets OMPI_MCA_pml), ask for ob1 at once.  A job over
 * several hosts keeps Open MPI's choice. */
static void prefer_ob1_on_one_host(void)
{
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    if (size && local && strcmp(size, local) == 0)
        setenv("OMPI_MCA_pml", "ob1", 0);
}

void ranks_wait_all(void)
{
    if (!launched())
        return;
    prefer_ob1_on_one_host();
    int provided;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return;
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
}

int ranks_open(struct ranks **out, int forks)
{
    *out = NULL;
    if (!launched())
        return 0;
    struct ranks *rk = calloc(1, sizeof *rk);
    if (!rk)
        return PARDO_ENOMEM;
    prefer_ob1_on_one_host();
    int provided;
    /* FUNNELED: pool threads and rank 0's helper thread make no MPI call.
     * SINGLE when the run forks worker processes (--isolate): then rank 0
     * has no helper thread and runs its own batches in the caller's thread
     * (pardo_mpi's single-thread mode), so that no thread of ours runs
     * while another forks.  A fork copies the locks that other threads
     * hold at that instant, held for good in the child: under TSan a
     * worker forked by the helper thread while the main thread allocated
     * hung in its first malloc, on the allocator's lock ("tcp: --isolate"
     * in t_cli_mpi.sh, about one run in 600 under load). */
    if (MPI_Init_thread(NULL, NULL, forks ? MPI_THREAD_SINGLE : MPI_THREAD_FUNNELED,
                        &provided) != MPI_SUCCESS) {
        fprintf(stderr, "pardo: MPI would not start\n");
        free(rk);
        return PARDO_ESYS;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rk->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &rk->size);
    char name[HOST_MAX] = "";
    int len = 0;
    MPI_Get_processor_name(name, &len);
    name[len >= 0 && len < HOST_MAX ? len : HOST_MAX - 1] = '\0';
    if (rk->rank == 0 && !(rk->hosts = calloc((size_t)rk->size, sizeof *rk->hosts))) {
        MPI_Abort(MPI_COMM_WORLD, EXIT_FATAL);      /* the others wait in the gather */
        return PARDO_ENOMEM;
    }
    MPI_Gather(name, HOST_MAX, MPI_CHAR, rk->hosts, HOST_MAX, MPI_CHAR, 0, MPI_COMM_WORLD);
    *out = rk;
    return 0;
}

int ranks_rank(const struct ranks *rk)
{
    return rk ? rk->rank : 0;
}

int ranks_size(const struct ranks *rk)
{
    return rk ? rk->size : 1;
}

const char *ranks_host(const struct ranks *rk, int rank)
{
    if (!rk || !rk->hosts || rank < 0 || rank >= rk->size)
        return "";
    return rk->hosts[rank];
}

int ranks_agree(struct ranks *rk, int rc, int workers, int *who, int *total, int *each)
{
    int mine[2] = { rc, workers };
    int *all = malloc(2 * sizeof *all * (size_t)rk->size);
    if (!all) {
        MPI_Abort(MPI_COMM_WORLD, EXIT_FATAL);      /* the others wait in the gather */
        return PARDO_ENOMEM;
    }
    MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, MPI_COMM_WORLD);
    int first = 0;
    *who = -1;
    *total = 0;
    *each = all[1];
    for (int r = 0; r < rk->size; r++) {
        if (all[2 * r] && !first) {
            first = all[2 * r];
            *who = r;
        }
        *total += all[2 * r + 1];
        if (all[2 * r + 1] != *each)
            *each = 0;
    }
    free(all);
    return first;
}

/* ---- struct item_out across ranks -------------------------------------------- */

struct wire {
    int32_t  err;
    uint32_t pad;
    uint64_t bytes;
    uint64_t rec_len;
    uint64_t words_len;         /* 0: no table */
    uint64_t arc_len;           /* 0: not an archive */
};

/* The size of a packed table's block (see words_pack): the entries, then
 * the words' bytes, addressed by offset from the block's start. */
static size_t packed_size(const struct packed_words *p)
{
    size_t end = sizeof *p + p->n * sizeof p->w[0];
    for (size_t i = 0; i < p->n; i++)
        if ((size_t)p->w[i].off + p->w[i].len > end)
            end = (size_t)p->w[i].off + p->w[i].len;
    return end;
}

static int out_encode(void *arg, const void *out_, void *buf, size_t cap, size_t *len)
{
    (void)arg;
    const struct item_out *out = out_;
    struct wire w = { out->err, 0, out->bytes, out->rec ? out->rec_len : 0,
                      out->words ? packed_size(out->words) : 0,
                      out->arc ? sizeof *out->arc + out->arc->notes_len : 0 };
    *len = sizeof w + w.rec_len + w.words_len + w.arc_len;
    if (*len > cap)
        return 0;                       /* asked again with room */
    char *p = buf;
    memcpy(p, &w, sizeof w);
    if (w.rec_len)
        memcpy(p + sizeof w, out->rec, w.rec_len);
    if (w.words_len)
        memcpy(p + sizeof w + w.rec_len, out->words, w.words_len);
    if (w.arc_len)
        memcpy(p + sizeof w + w.rec_len + w.words_len, out->arc, w.arc_len);
    return 0;
}

/* A table from another rank is checked before use: every word inside the
 * block.  1 when sound. */
static int packed_sound(const struct packed_words *p, size_t size)
{
    if (size < sizeof *p || p->n > (size - sizeof *p) / sizeof p->w[0])
        return 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->w[i].off > size || p->w[i].len > size - p->w[i].off)
            return 0;
    return 1;
}

static int out_decode(void *arg, const void *buf, size_t len, void *out_)
{
    (void)arg;
    struct item_out *out = out_;
    struct wire w;
    memset(out, 0, sizeof *out);
    if (len < sizeof w)
        return PARDO_ESYS;
    memcpy(&w, buf, sizeof w);
    if (w.rec_len > len - sizeof w || w.words_len > len - sizeof w - w.rec_len ||
        w.arc_len != len - sizeof w - w.rec_len - w.words_len)
        return PARDO_ESYS;
    const char *p = (const char *)buf + sizeof w;
    out->err = w.err;
    out->bytes = w.bytes;
    if (w.rec_len) {
        if (!(out->rec = malloc(w.rec_len)))
            return PARDO_ENOMEM;
        memcpy(out->rec, p, w.rec_len);
        out->rec_len = w.rec_len;
    }
    if (w.words_len) {
        if (!(out->words = malloc(w.words_len))) {
            free(out->rec);
            out->rec = NULL;
            return PARDO_ENOMEM;
        }
        memcpy(out->words, p + w.rec_len, w.words_len);
        if (!packed_sound(out->words, w.words_len)) {
            free(out->rec);
            free(out->words);
            memset(out, 0, sizeof *out);
            return PARDO_ESYS;
        }
    }
    if (w.arc_len) {
        struct arc_out a;
        if (w.arc_len < sizeof a)
            goto bad;
        memcpy(&a, p + w.rec_len + w.words_len, sizeof a);
        if (a.notes_len != w.arc_len - sizeof a || !(out->arc = malloc(w.arc_len)))
            goto bad;
        memcpy(out->arc, p + w.rec_len + w.words_len, w.arc_len);
    }
    return 0;
bad:
    free(out->rec);
    free(out->words);
    memset(out, 0, sizeof *out);
    return PARDO_ESYS;
}

/* After encoding, on the rank that ran the item: its blocks (malloc'd, or
 * copied out of a worker process's arena) go.  A crashed item's out is all
 * zero. */
static void out_release(void *arg, void *out_)
{
    (void)arg;
    struct item_out *out = out_;
    free(out->rec);
    free(out->words);
    free(out->arc);
}

static const pardo_mpi_codec out_codec = { out_encode, out_decode, out_release, NULL };

int ranks_imap(struct ranks *rk, pardo_pool *pool, pardo_fn *fn, void *arg,
               pardo_next_fn *next, void *gen, int unordered)
{
    pardo_mpi_options opt = { .flags = unordered ? PARDO_UNORDERED : PARDO_ORDERED,
                              .codec = &out_codec };
    return pardo_mpi_imap(&rk->it, MPI_COMM_WORLD, pool, fn, arg, rk->rank == 0 ? next : NULL,
                          gen, sizeof(struct item_in), sizeof(struct item_out), &opt);
}

int ranks_next(struct ranks *rk, struct item_in *in, struct item_out *out, int *status,
               pardo_failure *f, int *rank)
{
    int got = pardo_mpi_iter_next(rk->it, in, out, status);
    if (got == 1) {
        pardo_mpi_iter_error(rk->it, f);
        *rank = pardo_mpi_iter_rank(rk->it);
    }
    return got;
}

void ranks_iter_free(struct ranks *rk)
{
    pardo_mpi_iter_free(rk->it);
    rk->it = NULL;
}

int ranks_sum(struct ranks *rk, double *v, size_t n)
{
    int rc = MPI_Reduce(rk->rank == 0 ? MPI_IN_PLACE : v, v, (int)n, MPI_DOUBLE, MPI_SUM, 0,
                        MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : PARDO_ESYS;
}

void ranks_close(struct ranks *rk, int abort)
{
    if (!rk)
        return;
    free(rk->hosts);
    free(rk);
    if (abort)
        MPI_Abort(MPI_COMM_WORLD, EXIT_FATAL);
    MPI_Finalize();
}

#else /* !PARDO_HAVE_MPI: one process, no MPI */

void ranks_wait_all(void)
{
}

int ranks_open(struct ranks **rk, int forks)
{
    (void)forks;
    *rk = NULL;
    return 0;
}

int ranks_rank(const struct ranks *rk)
{
    (void)rk;
    return 0;
}

int ranks_size(const struct ranks *rk)
{
    (void)rk;
    return 1;
}

const char *ranks_host(const struct ranks *rk, int rank)
{
    (void)rk;
    (void)rank;
    return "";
}

int ranks_agree(struct ranks *rk, int rc, int workers, int *who, int *total, int *each)
{
    (void)rk;
    *who = rc ? 0 : -1;
    *total = *each = workers;
    return rc;
}

int ranks_imap(struct ranks *rk, pardo_pool *pool, pardo_fn *fn, void *arg,
               pardo_next_fn *next, void *gen, int unordered)
{
    (void)rk, (void)pool, (void)fn, (void)arg, (void)next, (void)gen, (void)unordered;
    return PARDO_EINVAL;
}

int ranks_next(struct ranks *rk, struct item_in *in, struct item_out *out, int *status,
               pardo_failure *f, int *rank)
{
    (void)rk, (void)in, (void)out, (void)status, (void)f, (void)rank;
    return PARDO_EINVAL;
}

void ranks_iter_free(struct ranks *rk)
{
    (void)rk;
}

int ranks_sum(struct ranks *rk, double *v, size_t n)
{
    (void)rk, (void)v, (void)n;
    return 0;
}

void ranks_close(struct ranks *rk, int abort)
{
    (void)rk;
    (void)abort;
}

#endif
