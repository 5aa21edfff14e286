/*
 * progress.c - the progress line and the closing summary, on stderr.
 *
 * DESIGN
 * Drawn by the main thread after each record, at most every REDRAW seconds,
 * and only when stderr is a terminal and -q was not given.  The number of
 * files is known only once the lazy walk has ended; until then the line
 * shows files done, and from then on done/total, a bar and an ETA.  Any
 * other stderr line first clears the progress line (progress_clear).
 */
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define REDRAW 0.1
#define BAR 20

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, int quiet, int workers)
{
    *p = (struct progress){ 0 };
    p->quiet = quiet;
    p->bar = !quiet && isatty(STDERR_FILENO);
    p->workers = workers;
    p->t0 = p->last = progress_now();
}

static double mb_per_s(const struct progress *p, double secs)
{
    return secs > 0 ? (double)p->bytes / 1e6 / secs : 0.0;
}

static void draw(struct progress *p, double now)
{
    double secs = now - p->t0;
    fprintf(stderr, "\rpardo: ");
    if (p->total) {
        int fill = (int)((double)BAR * (double)p->files / (double)p->total);
        fputc('[', stderr);
        for (int i = 0; i < BAR; i++)
            fputc(i < fill ? '#' : '.', stderr);
        fprintf(stderr, "] %llu/%zu files", (unsigned long long)p->files, p->total);
    } else {
        fprintf(stderr, "%llu files", (unsigned long long)p->files);
    }
    fprintf(stderr, ", %.1f MB/s", mb_per_s(p, secs));
    if (p->total && p->files) {
        double eta = secs * (double)(p->total - p->files) / (double)p->files;
        fprintf(stderr, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
    }
    fprintf(stderr, "\033[K");
    p->drawn = 1;
    p->last = now;
}

void progress_file(struct progress *p, uint64_t bytes, int failed, size_t total)
{
    p->files++;
    p->failed += failed != 0;
    p->bytes += bytes;
    p->total = total;
    if (!p->bar)
        return;
    double now = progress_now();
    if (now - p->last >= REDRAW)
        draw(p, now);
}

void progress_skip(struct progress *p)
{
    p->binary++;
}

void progress_clear(struct progress *p)
{
    if (p->drawn)
        fprintf(stderr, "\r\033[K");
    p->drawn = 0;
}

void progress_ranks(struct progress *p, int ranks, int workers, int per_rank)
{
    p->ranks = ranks;
    p->workers = workers;
    p->per_rank = per_rank;
}

void progress_summary(struct progress *p)
{
    progress_clear(p);
    if (p->quiet)
        return;
    double secs = progress_now() - p->t0;
    fprintf(stderr, "pardo: %llu files, %llu failed, %.1f MB, %.2f s, %.1f MB/s, %d worker%s",
            (unsigned long long)p->files, (unsigned long long)p->failed,
            (double)p->bytes / 1e6, secs, mb_per_s(p, secs), p->workers,
            p->workers == 1 ? "" : "s");
    if (p->ranks && p->per_rank)
        fprintf(stderr, " (%d rank%s x %d)", p->ranks, p->ranks == 1 ? "" : "s", p->per_rank);
    else if (p->ranks)
        fprintf(stderr, " on %d ranks", p->ranks);
    if (p->binary)
        fprintf(stderr, ", %llu binary file%s skipped", (unsigned long long)p->binary,
                p->binary == 1 ? "" : "s");
    if (p->halted)
        fprintf(stderr, ", halted after %llu failure%s", (unsigned long long)p->failed,
                p->failed == 1 ? "" : "s");
    fputc('\n', stderr);
}
