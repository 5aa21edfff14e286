/*
 * census.c - counts the files ahead of the work, for the progress bar.
 *
 * DESIGN
 * The real walk is lazy, so the number of files is known only at its end.
 * When a progress bar is drawn, a census thread walks the same operands a
 * second time (its own struct walk: walks share nothing) and only counts,
 * so the bar can show done/total and an ETA long before the end; the work
 * does not wait for it.  Path lists cannot be read twice (standard input),
 * so with a list there is no census and the total comes at the end.
 *
 * The count is published with one atomic store when the census is complete;
 * census_stop sets an atomic flag, which the thread reads between files,
 * and joins it.  The thread is started with SIGINT and SIGTERM blocked by
 * the caller, so that the main thread takes them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct census {
    pthread_t thread;
    struct walk *walk;
    atomic_size_t total;        /* 0 until the census is complete */
    atomic_int stop;
};

static void *census_main(void *p)
{
    struct census *c = p;
    struct ebuf path = { 0 };
    size_t n = 0;
    int err;
    while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
        int rc = walk_next(c->walk, &path, &err);
        if (rc == 0)
            atomic_store(&c->total, n);
        if (rc != 1)
            break;
        n++;
    }
    ebuf_free(&path);
    return NULL;
}

struct census *census_start(const struct opts *o, const char *skip)
{
    if (o->n_lists)
        return NULL;
    for (size_t i = 0; i < o->n_paths; i++)
        if (strcmp(o->paths[i], "-") == 0)
            return NULL;
    struct census *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->total, 0);
    atomic_init(&c->stop, 0);
    int rc = walk_new(&c->walk, o, NULL, NULL);
    if (rc == 0)
        walk_skip(c->walk, skip);
    if (rc != 0 || pthread_create(&c->thread, NULL, census_main, c) != 0) {
        walk_free(c->walk);
        free(c);
        return NULL;
    }
    return c;
}

size_t census_total(const struct census *c)
{
    return c ? atomic_load(&c->total) : 0;
}

void census_stop(struct census *c)
{
    if (!c)
        return;
    atomic_store(&c->stop, 1);
    pthread_join(c->thread, NULL);
    walk_free(c->walk);
    free(c);
}
