/*
 * run.h - what run.c (the engine) and commands.c (count, stats, words)
 * share.  Not installed.
 *
 * DESIGN
 * A run owns a small set of jobs, one per file in flight, holding each
 * file's path in the main thread; the number of jobs is bounded by the
 * iterator's window.  A worker gets the path by value (struct item_in) and
 * gives back a struct item_out whose record (and, where the run needs it,
 * word table) is made with pardo_result_alloc: the same code works with
 * threads and with worker processes (--isolate).
 *
 * A command that needs every file's words in the main thread (attribute,
 * words --favorites) sets run->pack_words in its setup hook and takes each
 * file's result with its take hook, in input order: such a run is always
 * ordered, whatever --unordered says, so that what it adds up does not
 * depend on -j.  Files named before the PATHs (the known texts of a LABELS
 * file) are run->first_paths; the generator hands them out first.
 *
 * Each worker thread owns one struct worker (found through a _Thread_local
 * pointer and listed in the run for the final merge and free): the file's
 * bytes, the cleaning scratch buffer, the word tables and the term counts,
 * all reused from file to file.
 */
#ifndef PARDO_CLI_RUN_H
#define PARDO_CLI_RUN_H

#include <pthread.h>
#include <sys/types.h>

#include "cli.h"

/* The main thread's record of a file in flight: its whole path.  Workers
 * never touch it (with --isolate they could not: it lives in the main
 * process), they get the path by value in struct item_in. */
struct job {
    struct job *next_free;      /* main thread only */
    struct job *next_all;       /* every job, for the final free */
    size_t seq;                 /* the file's number in the run: 0, 1, 2... */
    int walked;                 /* found inside a directory: skipped if binary */
    struct ebuf path;           /* NUL-terminated */
};

#define ITEM_PATH_MAX 4096

/* One file as an item of pardo_imap: copied by value into the worker. */
struct item_in {
    struct job *job;            /* the main thread's; not for workers */
    int  err;                   /* the walk's errno for this path, or 0 */
    int  known_reg;             /* the walk found a regular file there */
    int  depth;                 /* below the walked operand (0: named) */
    size_t rel_off;             /* of the part of path the globs see */
    size_t member;              /* a zip's member: its place in it, from 1; or 0 */
    size_t arc_len;             /* a member: the length of its archive's path */
    char path[ITEM_PATH_MAX];   /* NUL-terminated (ENAMETOOLONG when it is not) */
};

/* A file's word table packed into one block, so that it can come back
 * from a worker process whole: n entries, then the words' bytes, which
 * the entries address by offset.  The "words" may be n-grams (features.c);
 * then total counts the n-grams.  With --sample-size (sampled), the first
 * `samples` entries are heads, one per sample in order, with len 0, count
 * the sample's n-grams and inner its number of entries; the samples'
 * entries follow, one sample after the other; total is the file's WORDs
 * (samples = 0: fewer WORDs than one sample). */
struct packed_word {
    uint32_t off, len;
    uint64_t count, inner, inner_caps;
};
struct packed_words {
    size_t n;
    uint64_t total;             /* WORDs (n-grams) in the file */
    uint64_t words;             /* WORDs in the file */
    size_t samples;
    int sampled;
    struct packed_word w[];
};

/* What a worker gives back for a file.  rec and words are made with
 * pardo_result_alloc, so they come back from a worker process too; the
 * main thread frees them. */
struct item_out {
    int      err;               /* 0, an errno value, or FILE_E* */
    uint64_t bytes;             /* size on disk */
    char    *rec;               /* the formatted record(s); NULL on err */
    size_t   rec_len;
    struct packed_words *words; /* when run->pack_words */
    struct arc_out *arc;        /* the file was an archive: its members' tally */
};

/* An archive's members, as one item: rec holds their records in the
 * archive's order; this block (pardo_result_alloc) what the main thread
 * counts and says.  notes: n_notes pairs "PATH\0MESSAGE\0" for stderr. */
struct arc_out {
    uint64_t files, failed, skipped;    /* members read, failed, binary */
    uint64_t n_notes, notes_len;
    char notes[];
};

struct worker {
    struct worker *next;        /* in run->workers (run->lock) */
    const struct run *run;
    unsigned char *raw;         /* the file's bytes */
    size_t raw_len, raw_cap;
    unsigned char *unz;         /* a compressed file's decompressed bytes */
    size_t unz_len, unz_cap;
    const unsigned char *body;  /* what the text steps read: raw or unz */
    size_t body_len;
    struct text_buf scratch;    /* text_clean's */
    struct text_clean clean;    /* of the current file; body in scratch */
    struct text_stats st;
    struct text_lexdiv lexdiv;  /* stats --lexdiv: of the current file */
    struct text_lexdiv_scratch lexdiv_scratch;
    struct wordtab *words;      /* the current file's words (and their
                                   order, with --lexdiv) */
    struct wordtab *corpus;     /* words --corpus: summed over this worker's files */
    uint64_t corpus_files;
    uint64_t *counts;           /* count: one per term */
    struct ebuf rec;            /* the record being formatted */
    struct feat_scratch *feat;  /* features.c's, made on first use */
    /* Archives (read_archive), made on first use: */
    struct globs *globs;        /* the -g rules */
    int globs_made;
    struct item_in *member;     /* the member being measured */
    struct ebuf arc_recs, arc_notes, arc_path;
    struct wordtab *arc_words;  /* with pack_words: the members' words */
    struct arc *zip;            /* the zip whose members this worker reads, */
    struct ebuf zip_name;       /* kept open: its path, */
    size_t zip_at;              /* and the members gone past */
};

struct run;

struct command_ops {
    /* Column names of a CSV/TSV row, after "path" and before "error".
     * NULL: the command writes its own header (with take). */
    int  (*columns)(const struct run *r, const char ***names, size_t *n);
    /* The process stage: measure w->clean's body. */
    int  (*process)(const struct run *r, struct worker *w);
    /* With pack_words: the file's table into *out (pardo_result_alloc).
     * NULL: words_pack() of w->words. */
    int  (*pack)(const struct run *r, struct worker *w, struct packed_words **out);
    /* The output stage for a file read without error: its record(s) into
     * w->rec.  NULL: no record per file. */
    void (*format)(const struct run *r, struct worker *w, const struct item_in *in,
                   const struct item_out *out);
    /* Optional hooks; NULL for none. */
    /* Before the run, in the main thread: may set pack_words, first_paths
     * and state.  0, PARDO_ENOMEM or CLI_EFATAL (run_fail). */
    int  (*setup)(struct run *r);
    /* Each file's result, in input order, in the main thread, instead of
     * writing a record: out is NULL and why the reason when the file
     * failed.  out->words is the caller's, freed after the call.  A file
     * read well that the command rejects (too short for a sample) gets its
     * reason in r->why: it is then printed and counted as failed.  0, or an
     * error that ends the run (CLI_EFATAL with run_fail, PARDO_ENOMEM). */
    int  (*take)(struct run *r, const struct job *j, const struct item_out *out,
                 const char *why);
    /* After the files: the last records (all of them, with take) into b.
     * 0, PARDO_ENOMEM or CLI_EFATAL. */
    int  (*finish)(struct run *r, struct ebuf *b);
    void (*free)(struct run *r);        /* the state; at the end of every run */
};

struct run {
    const struct opts *o;
    const struct command_ops *cmd;
    struct text_terms *terms;   /* count */
    const char **cols;          /* header: path, the command's columns, error */
    size_t ncols;
    pthread_mutex_t lock;       /* guards workers */
    struct worker *workers;
    int pack_words;             /* workers return each file's words */
    struct wordtab *corpus;     /* words --corpus from packed words (main thread) */
    uint64_t corpus_files;
    int nworkers;               /* pardo_cpu_count(o->jobs) */
    const char *const *first_paths;     /* files before the PATHs; the command's */
    size_t n_first;
    void *state;                /* the command's own, freed by its free hook */
    void *report;               /* pardo report's own, beside attribute's state */
    struct ebuf msg;            /* why the run failed, for CLI_EFATAL */
    const struct output *out;   /* rank 0's: workers skip an input that is it */
    struct ebuf why;            /* a take hook's reason to count a file that was
                                   read as failed (printed on stderr); "" for none */
};

/* Keeps the message of a fatal error (printed at the end as "pardo: MSG")
 * and returns CLI_EFATAL, or PARDO_ENOMEM when it cannot be kept. */
int run_fail(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Packs t (after text_analyze) into a pardo_result_alloc block at *out.
 * 0 or PARDO_ENOMEM. */
int words_pack(struct wordtab *t, uint64_t total, struct packed_words **out);
/* Adds a packed table to t.  0 or PARDO_ENOMEM. */
int words_unpack_into(struct wordtab *t, const struct packed_words *p);

/* ---- n-gram features and samples (features.c) ---------------------------- */

struct feat_scratch;
void features_scratch_free(struct feat_scratch *s);    /* NULL is a no-op */
/* 1 when o asks for plain word counts: words, --ngram 1, no samples. */
int  features_plain(const struct opts *o);
/* Keeps the body's WORDs, in order, in w->feat.  0 or PARDO_ENOMEM. */
int  features_scan(struct worker *w, const char *body, size_t len);
/* The n-grams of o (--features, --ngram) of the WORDs features_scan()
 * kept, of the whole file or of each --sample-size sample, packed into *out.
 * Uses w->words as scratch.  0 or PARDO_ENOMEM. */
int  features_pack(const struct opts *o, struct worker *w, struct packed_words **out);
/* The process and pack hooks of the commands that take features
 * (attribute, words --favorites, cluster): text_analyze() and words_pack()
 * for plain words, else features_scan() and features_pack(). */
int  features_process(const struct run *r, struct worker *w);
int  features_pack_hook(const struct run *r, struct worker *w, struct packed_words **out);

/* ---- over the ranks of an MPI job (mpi_run.c) -------------------------------- */

/* The MPI side of a run.  run.c never includes mpi.h: it calls these, which
 * mpi_run.c implements with MPI when pardo is built with it (make's MPI=1)
 * and as stubs for one process otherwise.  NULL stands for "no MPI": a
 * plain run, rank 0 of 1. */
struct ranks;

/* pardo under an MPI launcher: execs the twin built with MPI, pardo-mpi,
 * from the same folder (exit 2 if it cannot).  A no-op in the twin, in a
 * build without MPI, and when no launcher started this process. */
void ranks_exec(char **argv);

/* This process's rank as the MPI launcher's environment tells it, before
 * MPI starts (0 without a launcher): only rank 0 speaks about the command
 * line, so that a usage error is printed once, not once per rank. */
int  ranks_launched_rank(void);
/* Under mpirun: waits until every rank has called it (MPI_Init, a barrier,
 * MPI_Finalize), so that no rank exits before rank 0 has said why the run
 * cannot start (mpirun ends the job at the first non-zero exit).  A plain
 * run returns at once. */
void ranks_wait_all(void);

/* Starts MPI when mpirun (or another MPI launcher) started this process,
 * as its environment tells, and sets *rk; otherwise sets *rk = NULL and
 * touches nothing of MPI.  Call it with SIGINT and SIGTERM blocked
 * (signals_block), so that MPI's own threads never take them.  forks: the
 * run forks worker processes (--isolate), so rank 0 gets no helper thread
 * (see mpi_run.c).  0, PARDO_ENOMEM, or PARDO_ESYS (MPI would not start:
 * printed). */
int  ranks_open(struct ranks **rk, int forks);
int  ranks_rank(const struct ranks *rk);        /* 0 for NULL */
int  ranks_size(const struct ranks *rk);        /* 1 for NULL */
/* The host a rank runs on (rank 0's record): "" when not known. */
const char *ranks_host(const struct ranks *rk, int rank);

/* Collective: every rank tells whether it could start (rc) and its number
 * of workers.  Returns 0 when every rank could, else the rc of the lowest
 * rank that could not, and that rank in *who.  *total gets the workers of
 * every rank summed, *each their number per rank (0 when ranks differ). */
int  ranks_agree(struct ranks *rk, int rc, int workers, int *who, int *total, int *each);

/* Collective: pardo_mpi_imap of fn over struct item_in (next and gen: rank
 * 0's) to struct item_out, with a codec that carries the record and the
 * packed words.  Call it with SIGINT and SIGTERM blocked: rank 0 starts a
 * helper thread.  0 or a PARDO_E* code, the same on every rank. */
int  ranks_imap(struct ranks *rk, pardo_pool *pool, pardo_fn *fn, void *arg,
                pardo_next_fn *next, void *gen, int unordered);
/* pardo_mpi_iter_next, with the failure and the rank that ran the item.
 * On other ranks: serves until rank 0 ends, never returns 1. */
int  ranks_next(struct ranks *rk, struct item_in *in, struct item_out *out, int *status,
                pardo_failure *f, int *rank);
void ranks_iter_free(struct ranks *rk);         /* collective */
/* Collective: v[0..n) summed over the ranks, into rank 0's v. */
int  ranks_sum(struct ranks *rk, double *v, size_t n);
/* Ends MPI (MPI_Finalize, or MPI_Abort when abort is set: after an MPI
 * failure, where MPI_Finalize could wait forever for a rank that is gone)
 * and frees rk.  NULL is a no-op. */
void ranks_close(struct ranks *rk, int abort);

/* The command that o asks for (count, stats, words, words --favorites,
 * attribute). */
const struct command_ops *command_ops_for(const struct opts *o);
/* attribute.c's: attribute, or words --favorites. */
const struct command_ops *attribute_ops(const struct opts *o);
/* cluster.c's. */
const struct command_ops *cluster_ops(void);
/* For pardo report: cluster's texts and model outside its hooks, so that
 * the report's own run gives them the same files.  cluster_open makes an
 * empty set under o's options; cluster_add adds a file read without error
 * (its packed words, or samples) as take does, or, when it cannot be in the
 * tree, leaves it out and sets *why (else NULL; buf holds it); cluster_write
 * appends to tree the Newick line `pardo cluster` prints (its newline
 * included) and to matrix the JSON Lines of `pardo cluster --matrix`, both
 * empty with no text, and *texts gets the texts'
 * number.  0 or PARDO_ENOMEM (cluster_add also PARDO_EINVAL, like take). */
struct clu;
int  cluster_open(const struct opts *o, struct clu **c);
int  cluster_add(const struct run *r, struct clu *c, const char *path,
                 const struct packed_words *p, const char **why, char *buf, size_t size);
int  cluster_write(const struct run *r, struct clu *c, struct ebuf *tree, struct ebuf *matrix,
                   size_t *texts);
void cluster_close(struct clu *c);     /* NULL is a no-op */
struct attrib_cell;
/* For pardo report (report.c), which drives attribute's hooks with its
 * state in run->state: after the files, attribute_report_freeze once, then
 * the records in JSON Lines, byte for byte as the commands print them:
 * `words --favorites K`; the leave-one-out grid of cells (ncells, MFW
 * ascending, then the deltas: `attribute --loo --mfw LIST --delta LIST`,
 * spec section 10) into grid, from one run of the folds, and from the same
 * folds into loo the records of `attribute --loo` for the cell of --mfw and
 * --delta (which must be one of cells); `attribute PATH...` (nothing
 * without PATHs); and the LABELS file as {"path","label"} records.
 * 0, PARDO_ENOMEM or CLI_EFATAL. */
int  attribute_report_freeze(struct run *r);
int  attribute_report_favorites(struct run *r, size_t k, struct ebuf *b);
int  attribute_report_loo(struct run *r, const struct attrib_cell *cells, size_t ncells,
                          struct ebuf *grid, struct ebuf *loo);
int  attribute_report_unknowns(struct run *r, struct ebuf *b);
void attribute_report_labels(const struct run *r, struct ebuf *b);
/* Whether the file dev/ino is one of the LABELS file's texts. */
int  attribute_report_is_known(const struct run *r, dev_t dev, ino_t ino);
/* report.c's: pardo report. */
const struct command_ops *report_ops(const struct opts *o);
/* stats' measuring of a file (section 4, and section 9 with --lexdiv). */
int  stats_process(const struct run *r, struct worker *w);
/* stats' record of a file read without error (commands.c). */
void stats_format(const struct run *r, struct worker *w, const struct item_in *in,
                  const struct item_out *out);

/* After the files: the command's finish hook into b, if any (words
 * --corpus: the corpus record).  0, PARDO_ENOMEM or CLI_EFATAL. */
int command_finish(struct run *r, struct ebuf *b);

#endif
