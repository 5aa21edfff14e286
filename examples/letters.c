/*
 * letters.c - the seed's first program made real: for each text file given,
 * read it, upper-case it, count the letters A and B, and print one result
 * per path, in input order, then the elapsed time.
 *
 *   letters [-j N] FILE...      -j 1 runs sequentially (pool == NULL)
 *
 * The work per file is a pipeline of three stages (read, preprocess,
 * process), so `-p` can show where the time goes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pardo.h"

struct job {                    /* one file: the input and its result */
    const char *path;
    char *text;
    size_t len;
    long a, b;
    int err;                    /* errno of a failed read */
};

static int read_file(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    struct job *j = out;
    FILE *f = fopen(j->path, "rb");
    if (!f)
        return j->err = errno;
    size_t cap = 1 << 16;
    j->text = malloc(cap);
    for (size_t n; j->text && (n = fread(j->text + j->len, 1, cap - j->len, f)) > 0;) {
        j->len += n;
        if (j->len == cap) {
            char *p = realloc(j->text, cap *= 2);
            if (!p) {
                free(j->text);
                j->text = NULL;
            }
            j->text = p;
        }
    }
    if (!j->text)
        j->err = ENOMEM;
    else if (ferror(f))
        j->err = errno ? errno : EIO;
    fclose(f);
    return j->err;
}

static int preprocess(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    struct job *j = out;
    for (size_t i = 0; i < j->len; i++)
        j->text[i] = (char)toupper((unsigned char)j->text[i]);
    return 0;
}

static int process(void *arg, const void *in, void *out)
{
    (void)arg;
    (void)in;
    struct job *j = out;
    for (size_t i = 0; i < j->len; i++) {
        j->a += j->text[i] == 'A';
        j->b += j->text[i] == 'B';
    }
    free(j->text);
    j->text = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    int workers = 0, profile = 0, first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "-j") == 0 && first + 1 < argc)
            workers = atoi(argv[++first]);
        else if (strcmp(argv[first], "-p") == 0)
            profile = 1;
        else {
            fprintf(stderr, "usage: letters [-j N] [-p] FILE...\n");
            return 2;
        }
    }
    size_t n = (size_t)(argc - first);
    struct job *jobs = calloc(n ? n : 1, sizeof *jobs);
    pardo_pipeline *pl = pardo_pipeline_new();
    if (!jobs || !pl || pardo_pipeline_add(pl, "read", read_file, NULL) ||
        pardo_pipeline_add(pl, "preprocess", preprocess, NULL) ||
        pardo_pipeline_add(pl, "process", process, NULL)) {
        fprintf(stderr, "letters: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        jobs[i].path = argv[first + (int)i];

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pardo_pool *pool = workers == 1 ? NULL : pardo_pool_new(workers);
    /* Each item's input and output is its own struct job, so in = NULL. */
    int rc = pardo_map(pool, pardo_pipeline_fn, pl, NULL, 0, jobs, sizeof *jobs, n, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    for (size_t i = 0; i < n; i++) {
        if (jobs[i].err)
            printf("%s\terror: %s\n", jobs[i].path, strerror(jobs[i].err));
        else
            printf("%s\tA=%ld\tB=%ld\n", jobs[i].path, jobs[i].a, jobs[i].b);
    }
    fprintf(stderr, "Elapsed time: %.3f s with %d worker%s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
            pardo_pool_workers(pool), pardo_pool_workers(pool) == 1 ? "" : "s");
    if (profile)
        pardo_pipeline_report(pl, stderr);
    pardo_pool_free(pool);
    pardo_pipeline_free(pl);
    free(jobs);
    return rc == PARDO_OK ? 0 : 1;
}
