/*
 * text_speed.c - how fast are text_clean() + text_analyze() on one core?
 *
 * Reads every file named on the command line into memory, then runs the
 * clean and analyze steps over all of them `rounds` times (default 5) with
 * one reused scratch buffer and word table, as a pardo worker does, and
 * prints the best and the median rate in MB/s (10^6 bytes of input per
 * second).  Not built by the Makefile:
 *   cc -O2 -Iinclude -D_GNU_SOURCE bench/text_speed.c cli/text_*.c -lutf8proc -lm
 *   ./a.out shared/corpus/gutenberg/(*).txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pardo.h"
#include "../cli/text.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(getenv("WALL") ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int rounds = getenv("ROUNDS") ? atoi(getenv("ROUNDS")) : 5;
    int only_clean = getenv("ONLY_CLEAN") != NULL, fresh = getenv("FRESH") != NULL;
    if (argc < 2 || rounds < 1 || rounds > 100) {
        fprintf(stderr, "usage: [ROUNDS=n] [ONLY_CLEAN=1] [FRESH=1] [WALL=1] %s FILE...\n",
                argv[0]);
        return 2;
    }
    size_t nf = (size_t)argc - 1, total = 0;
    unsigned char **data = calloc(nf, sizeof *data);
    size_t *len = calloc(nf, sizeof *len);
    for (size_t i = 0; i < nf; i++) {
        FILE *f = fopen(argv[i + 1], "rb");
        if (!f || fseek(f, 0, SEEK_END) != 0) {
            perror(argv[i + 1]);
            return 1;
        }
        len[i] = (size_t)ftell(f);
        rewind(f);
        data[i] = malloc(len[i] + 1);
        if (fread(data[i], 1, len[i], f) != len[i]) {
            perror(argv[i + 1]);
            return 1;
        }
        fclose(f);
        total += len[i];
    }
    struct text_buf scratch = {0};
    struct wordtab *wt = wordtab_new();
    double *rate = calloc((size_t)rounds, sizeof *rate);
    uint64_t words = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        words = 0;
        for (size_t i = 0; i < nf; i++) {
            struct text_clean c;
            struct text_stats st;
            if (text_clean(&scratch, data[i], len[i], TEXT_ENC_AUTO, 0, &c) != 0)
                return 1;
            if (only_clean)
                continue;
            if (fresh) {
                /* a table sized for this file alone, for comparison */
                wordtab_free(wt);
                wt = wordtab_new();
            }
            if (text_analyze(c.body, c.body_len, wt, &st) != 0)
                return 1;
            words += st.words;
        }
        rate[r] = (double)total / 1e6 / (now() - t0);
    }
    qsort(rate, (size_t)rounds, sizeof *rate, cmp_double);
    printf("%zu files, %.1f MB, %llu words: best %.1f MB/s, median %.1f MB/s\n", nf,
           (double)total / 1e6, (unsigned long long)words, rate[rounds - 1], rate[rounds / 2]);
    return 0;
}
