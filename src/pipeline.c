/*
 * pipeline.c - named stages run as one item function, with per-stage times.
 *
 * DESIGN
 * The seed's first advice is to profile before parallelising, so a pipeline
 * times each stage of each item.  The times must not cost a shared lock on
 * the hot path: they go to one of SHARDS counter blocks, chosen by a
 * per-thread number, with relaxed atomic adds (two threads that share a
 * shard still count right; they only share a cache line).  A report adds
 * the shards up.  Stages are added before the pipeline first runs.
 *
 * The counters live in a shared anonymous mapping, so that the times of
 * items run in worker processes (PARDO_PROCESSES) count too: the workers
 * are forked after the pipeline is made, and see the same pages.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define SHARDS 64

struct stage {
    char *name;
    pardo_fn *fn;
    void *arg;
};

struct counter {
    atomic_ullong items;
    atomic_ullong ns;
};

struct pardo_pipeline {
    struct stage *stages;
    int n;
    size_t stride;              /* counters per shard, padded to a cache line */
    struct counter *counters;   /* SHARDS * stride, shared mapping */
    size_t counters_size;
};

static _Thread_local const char *current_stage;
static _Thread_local int shard_id = -1;
static atomic_int next_shard;

pardo_pipeline *pardo_pipeline_new(void)
{
    return calloc(1, sizeof(pardo_pipeline));
}

int pardo_pipeline_add(pardo_pipeline *pl, const char *name, pardo_fn *stage, void *arg)
{
    if (!pl || !name || !stage)
        return PARDO_EINVAL;
    struct stage *s = realloc(pl->stages, (size_t)(pl->n + 1) * sizeof *s);
    if (!s)
        return PARDO_ENOMEM;
    pl->stages = s;
    size_t stride = ((size_t)(pl->n + 1) * sizeof(struct counter) + 63) / 64 * 64
                    / sizeof(struct counter);
    size_t size = SHARDS * stride * sizeof(struct counter);
    struct counter *c = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *copy = strdup(name);
    if (c == MAP_FAILED || !copy) {
        if (c != MAP_FAILED)
            munmap(c, size);
        free(copy);
        return PARDO_ENOMEM;
    }
    for (size_t i = 0; i < SHARDS * stride; i++) {
        atomic_init(&c[i].items, 0);
        atomic_init(&c[i].ns, 0);
    }
    if (pl->counters)
        munmap(pl->counters, pl->counters_size);
    pl->counters = c;
    pl->counters_size = size;
    pl->stride = stride;
    s[pl->n++] = (struct stage){ copy, stage, arg };
    return PARDO_OK;
}

int pardo_pipeline_fn(void *p, const void *in, void *out)
{
    pardo_pipeline *pl = p;
    if (shard_id < 0)
        shard_id = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % SHARDS;
    struct counter *c = pl->counters + (size_t)shard_id * pl->stride;
    int rc = 0;
    uint64_t t0 = pardo__now_ns();
    for (int i = 0; i < pl->n && rc == 0; i++) {
        current_stage = pl->stages[i].name;
        pardo__stage_enter(current_stage);
        rc = pl->stages[i].fn(pl->stages[i].arg, in, out);
        uint64_t t1 = pardo__now_ns();
        if (pardo__item_deadline && t1 > pardo__item_deadline && !pardo__overrun_stage[0]) {
            strncpy(pardo__overrun_stage, current_stage, sizeof pardo__overrun_stage - 1);
            pardo__overrun_stage[sizeof pardo__overrun_stage - 1] = '\0';
        }
        atomic_fetch_add_explicit(&c[i].items, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&c[i].ns, t1 - t0, memory_order_relaxed);
        t0 = t1;
    }
    current_stage = NULL;
    return rc;
}

const char *pardo_pipeline_current_stage(void)
{
    return current_stage;
}

int pardo_pipeline_stages(const pardo_pipeline *pl)
{
    return pl ? pl->n : 0;
}

const char *pardo_pipeline_stage_name(const pardo_pipeline *pl, int stage)
{
    return pl && stage >= 0 && stage < pl->n ? pl->stages[stage].name : NULL;
}

void pardo_pipeline_stage_time(const pardo_pipeline *pl, int stage,
                               unsigned long long *items, double *seconds)
{
    unsigned long long it = 0, ns = 0;
    if (pl && stage >= 0 && stage < pl->n)
        for (size_t s = 0; s < SHARDS; s++) {
            struct counter *c = &pl->counters[s * pl->stride + (size_t)stage];
            it += atomic_load_explicit(&c->items, memory_order_relaxed);
            ns += atomic_load_explicit(&c->ns, memory_order_relaxed);
        }
    if (items)
        *items = it;
    if (seconds)
        *seconds = (double)ns / 1e9;
}

void pardo_pipeline_report(const pardo_pipeline *pl, FILE *to)
{
    double total = 0;
    if (!pl || !to)
        return;
    for (int i = 0; i < pl->n; i++) {
        double s;
        pardo_pipeline_stage_time(pl, i, NULL, &s);
        total += s;
    }
    fprintf(to, "%-12s %10s %12s %12s %7s\n", "stage", "items", "total s", "mean ms", "share");
    for (int i = 0; i < pl->n; i++) {
        unsigned long long items;
        double s;
        pardo_pipeline_stage_time(pl, i, &items, &s);
        fprintf(to, "%-12s %10llu %12.3f %12.4f %6.1f%%\n", pl->stages[i].name, items, s,
                items ? s * 1e3 / (double)items : 0.0, total > 0 ? 100.0 * s / total : 0.0);
    }
}

void pardo_pipeline_free(pardo_pipeline *pl)
{
    if (!pl)
        return;
    for (int i = 0; i < pl->n; i++)
        free(pl->stages[i].name);
    free(pl->stages);
    if (pl->counters)
        munmap(pl->counters, pl->counters_size);
    free(pl);
}
