/*
 * run.h - what run.c (the engine) and commands.c (count, stats, words)
 * share.  Not installed.
 *
 * DESIGN
 * A run owns a small set of jobs, one per file in flight: the path
 * generator (main thread) takes a free job, a worker fills it through the
 * pipeline stages, and the main thread writes its record and gives it
 * back.  So a job is owned by exactly one thread at a time, handed over by
 * the iterator's lock, and the number of jobs is bounded by the iterator's
 * window: nothing is allocated per file once the first few are done.
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

struct job {
    struct job *next_free;      /* main thread only */
    struct job *next_all;       /* every job, for the final free */
    struct ebuf path;           /* NUL-terminated */
    int      err;               /* 0, an errno value, or FILE_E* */
    uint64_t bytes;             /* size on disk */
    struct ebuf rec;            /* the formatted record(s), maybe empty */
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
};

struct run;

struct command_ops {
    /* Column names of a CSV/TSV row, after "path" and before "error". */
    int  (*columns)(const struct run *r, const char ***names, size_t *n);
    /* The process stage: measure w->clean's body. */
    int  (*process)(const struct run *r, struct worker *w, struct job *j);
    /* The output stage for a file read without error: its record(s). */
    void (*format)(const struct run *r, struct worker *w, struct job *j);
};

struct run {
    const struct opts *o;
    const struct command_ops *cmd;
    struct text_terms *terms;   /* count */
    const char **cols;          /* header: path, the command's columns, error */
    size_t ncols;
    pthread_mutex_t lock;       /* guards workers */
    struct worker *workers;
};

const struct command_ops *command_ops_for(enum command cmd);
/* After the files: the corpus record of words --corpus into b (else
 * nothing).  0 or PARDO_ENOMEM. */
int command_finish(struct run *r, struct ebuf *b);

#endif
