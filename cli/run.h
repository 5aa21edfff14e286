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
 * Each worker thread owns one struct worker (found through a _Thread_local
 * pointer and listed in the run for the final merge and free): the file's
 * bytes, the cleaning scratch buffer, the word tables and the term counts,
 * all reused from file to file.
 */
#ifndef PARDO_CLI_RUN_H
#define PARDO_CLI_RUN_H

#include <pthread.h>

#include "cli.h"

/* The main thread's record of a file in flight: its whole path.  Workers
 * never touch it (with --isolate they could not: it lives in the main
 * process), they get the path by value in struct item_in. */
struct job {
    struct job *next_free;      /* main thread only */
    struct job *next_all;       /* every job, for the final free */
    struct ebuf path;           /* NUL-terminated */
};

#define ITEM_PATH_MAX 4096

/* One file as an item of pardo_imap: copied by value into the worker. */
struct item_in {
    struct job *job;            /* the main thread's; not for workers */
    int  err;                   /* the walk's errno for this path, or 0 */
    char path[ITEM_PATH_MAX];   /* NUL-terminated (ENAMETOOLONG when it is not) */
};

/* A file's word table packed into one block, so that it can come back
 * from a worker process whole: n entries, then the words' bytes, which
 * the entries address by offset. */
struct packed_word {
    uint32_t off, len;
    uint64_t count, inner, inner_caps;
};
struct packed_words {
    size_t n;
    uint64_t total;             /* WORDs in the file */
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
};

struct worker {
    struct worker *next;        /* in run->workers (run->lock) */
    const struct run *run;
    unsigned char *raw;         /* the file's bytes */
    size_t raw_len, raw_cap;
    struct text_buf scratch;    /* text_clean's */
    struct text_clean clean;    /* of the current file; body in scratch */
    struct text_stats st;
    struct wordtab *words;      /* the current file's words */
    struct wordtab *corpus;     /* words --corpus: summed over this worker's files */
    uint64_t corpus_files;
    uint64_t *counts;           /* count: one per term */
    struct ebuf rec;            /* the record being formatted */
};

struct run;

struct command_ops {
    /* Column names of a CSV/TSV row, after "path" and before "error". */
    int  (*columns)(const struct run *r, const char ***names, size_t *n);
    /* The process stage: measure w->clean's body. */
    int  (*process)(const struct run *r, struct worker *w);
    /* The output stage for a file read without error: its record(s) into
     * w->rec. */
    void (*format)(const struct run *r, struct worker *w, const struct item_in *in,
                   const struct item_out *out);
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
};

/* Packs t (after text_analyze) into a pardo_result_alloc block at *out.
 * 0 or PARDO_ENOMEM. */
int words_pack(struct wordtab *t, uint64_t total, struct packed_words **out);
/* Adds a packed table to t.  0 or PARDO_ENOMEM. */
int words_unpack_into(struct wordtab *t, const struct packed_words *p);

const struct command_ops *command_ops_for(enum command cmd);
/* After the files: the corpus record of words --corpus into b (else
 * nothing).  0 or PARDO_ENOMEM. */
int command_finish(struct run *r, struct ebuf *b);

#endif
