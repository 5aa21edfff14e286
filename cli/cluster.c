/*
 * cluster.c - pardo cluster: the distance between every two texts (spec
 * section 11) as a matrix, or the tree of an agglomerative clustering, in
 * Newick.
 *
 * DESIGN
 * The files are read and counted on the workers as for attribute (the same
 * process and pack hooks: words, n-grams, samples); the take hook adds each
 * text to an attribution corpus, every one with the same label, so that the
 * features, the culling and the z-scores are those of section 7 computed
 * over all the texts.  The finish hook builds the model once, takes every
 * text's z-scores (or, for minmax, its relative frequencies), fills the
 * T x T matrix one row per item on a thread pool of its own (each pair is
 * computed once, by the row of its first text, so the bits do not depend on
 * -j), then writes the matrix or clusters.
 *
 * The clustering is the plain O(T^3) one: a cluster lives in the slot of
 * its index (the smallest input position among its texts), so scanning the
 * pairs (i, j) in order and keeping the first strict minimum breaks equal
 * distances by the pair of indexes, as section 11 says; Lance-Williams then
 * updates the row of the merged cluster.
 *
 * pardo report clusters its own texts with the same code, outside these
 * hooks: cluster_open, cluster_add from its take hook (the words its workers
 * packed, so no file is read twice), cluster_write at its end.
 *
 * Ownership: everything hangs from struct clu (run->state, or the report's),
 * freed by the free hook (cluster_close) at the end of every run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attrib.h"
#include "run.h"

struct clu {
    struct attrib_corpus *corpus;
    struct attrib_options opt;
    struct word_entry *ents;
    size_t ecap;
    char **name;                /* by corpus text: PATH or PATH#k */
    size_t nname, ncap;
    int linkage;                /* --linkage */
};

static int grow(void *p, size_t *cap, size_t need, size_t size)
{
    void **array = p;
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*array, n * size);
    if (!q)
        return PARDO_ENOMEM;
    *array = q;
    *cap = n;
    return 0;
}

int cluster_open(const struct opts *o, struct clu **out)
{
    struct clu *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return PARDO_ENOMEM;
    attrib_options_init(&c->opt);
    c->opt.mfw = (size_t)o->mfw;
    c->opt.delta = (enum attrib_delta)o->delta;
    c->opt.culling = o->culling;
    c->opt.no_pronouns = o->no_pronouns;
    c->linkage = o->linkage;
    return attrib_corpus_new(&c->corpus);
}

static int clu_setup(struct run *r)
{
    r->pack_words = 1;
    return cluster_open(r->o, (struct clu **)&r->state);
}

/* Adds one text of n entries e (of block p) named path, or PATH#k. */
static int add_text(struct clu *c, const struct packed_words *p, const struct packed_word *e,
                    size_t n, uint64_t total, const char *path, size_t k)
{
    if (grow(&c->ents, &c->ecap, n, sizeof *c->ents)
        || grow(&c->name, &c->ncap, c->nname + 1, sizeof *c->name))
        return PARDO_ENOMEM;
    for (size_t i = 0; i < n; i++)
        c->ents[i] = (struct word_entry){ (const char *)p + e[i].off, e[i].len, e[i].count,
                                          e[i].inner, e[i].inner_caps };
    char *s;
    if (k ? asprintf(&s, "%s#%zu", path, k) < 0 : !(s = strdup(path)))
        return PARDO_ENOMEM;
    int rc = attrib_corpus_add_part(c->corpus, "*", c->ents, n, total, k > 1, NULL);
    if (rc) {
        free(s);
        return rc;
    }
    c->name[c->nname++] = s;
    return 0;
}

/* Why a file read well cannot be in the tree, or NULL. */
static const char *unusable(const struct run *r, const struct packed_words *p, char *buf,
                            size_t size)
{
    const char *none = features_plain(r->o) ? "no words" : "no n-gram";
    if (!p || (!p->sampled && p->total == 0))
        return none;
    if (p->sampled && p->samples == 0) {
        snprintf(buf, size, "shorter than one sample (%llu words)",
                 (unsigned long long)p->words);
        return buf;
    }
    size_t sum = 0;
    for (size_t k = 0; p->sampled && k < p->samples; k++) {
        if (p->w[k].count == 0) {
            snprintf(buf, size, "%s in sample %zu", none, k + 1);
            return buf;
        }
        sum += (size_t)p->w[k].inner;
    }
    if (p->sampled && (p->samples > p->n || sum != p->n - p->samples))
        return "bad sample table";
    return NULL;
}

int cluster_add(const struct run *r, struct clu *c, const char *path,
                const struct packed_words *p, const char **why, char *buf, size_t size)
{
    *why = unusable(r, p, buf, size);
    if (*why)
        return 0;
    if (!p->sampled)
        return add_text(c, p, p->w, p->n, p->total, path, 0);
    const struct packed_word *e = p->w + p->samples;
    for (size_t k = 0; k < p->samples; k++) {
        int rc = add_text(c, p, e, (size_t)p->w[k].inner, p->w[k].count, path, k + 1);
        if (rc)
            return rc;
        e += p->w[k].inner;
    }
    return 0;
}

static int clu_take(struct run *r, const struct job *j, const struct item_out *out,
                    const char *why)
{
    if (why)
        return 0;                       /* printed by the run, left out */
    char buf[128];
    const char *bad;
    int rc = cluster_add(r, r->state, j->path.data, out->words, &bad, buf, sizeof buf);
    if (rc == 0 && bad)
        ebuf_set(&r->why, bad, strlen(bad));
    return rc ? rc : r->why.oom ? PARDO_ENOMEM : 0;
}

/* ---- the matrix ------------------------------------------------------------------ */

struct rows {
    const double *x;            /* T x F: z-scores, or values for minmax */
    size_t T, F;
    enum attrib_delta delta;
    double *d;                  /* T x T */
};

static int row(void *arg, const void *in, void *out)
{
    (void)out;
    const struct rows *m = arg;
    size_t i = *(const size_t *)in;
    size_t T = m->T, F = m->F;
    const double *xi = m->x + i * F;
    m->d[i * T + i] = 0;
    size_t j = i + 1;
    for (; j + 4 <= T; j += 4) {        /* four at once: the same bits */
        const double *b[4] = { m->x + j * F, m->x + (j + 1) * F, m->x + (j + 2) * F,
                               m->x + (j + 3) * F };
        attrib_distance4(m->delta, xi, b, F, m->d + i * T + j);
        for (size_t k = j; k < j + 4; k++)
            m->d[k * T + i] = m->d[i * T + k];
    }
    for (; j < T; j++) {
        double v = attrib_distance(m->delta, xi, m->x + j * F, F);
        m->d[i * T + j] = v;
        m->d[j * T + i] = v;
    }
    return 0;
}

/* *out gets the T x T matrix (T = the corpus's texts).  0 or an error. */
static int distance_matrix(const struct run *r, struct clu *c, double **out)
{
    size_t T = attrib_corpus_texts(c->corpus);
    struct attrib_model *m;
    int rc = attrib_model_new(&m, c->corpus, &c->opt, ATTRIB_NONE);
    if (rc)
        return rc;
    size_t F = attrib_model_features(m);
    struct rows rs = { NULL, T, F, c->opt.delta, NULL };
    double *x = malloc((T * F + 1) * sizeof *x);
    double *d = malloc((T * T + 1) * sizeof *d);
    size_t *idx = malloc((T ? T : 1) * sizeof *idx);
    char *unused = malloc(T ? T : 1);
    rc = x && d && idx && unused ? 0 : PARDO_ENOMEM;
    for (size_t t = 0; rc == 0 && t < T; t++) {
        idx[t] = t;
        rc = c->opt.delta == ATTRIB_MINMAX ? attrib_model_values(m, t, x + t * F)
                                          : attrib_model_zscores(m, t, x + t * F);
    }
    attrib_model_free(m);
    pardo_pool *pool = NULL;
    if (rc == 0 && r->nworkers > 1 && T > 1) {
        pardo_options po = { .workers = r->nworkers };
        signals_block(1);
        rc = pardo_pool_open(&pool, &po);
        signals_block(0);
    }
    rs.x = x;
    rs.d = d;
    if (rc == 0)
        rc = pardo_map(pool, row, &rs, idx, sizeof *idx, unused, 1, T, NULL);
    pardo_pool_free(pool);
    free(x);
    free(idx);
    free(unused);
    if (rc) {
        free(d);
        return rc;
    }
    *out = d;
    return 0;
}

static void write_matrix(struct ebuf *b, enum format fmt, const struct clu *c,
                         const double *d)
{
    size_t T = c->nname;
    struct rec rec;
    if (fmt != FMT_JSONL) {
        rec_begin(&rec, b, fmt);
        rec_cstr(&rec, "", "path");
        for (size_t t = 0; t < T; t++)
            rec_cstr(&rec, "", c->name[t]);
        rec_end(&rec);
    }
    for (size_t i = 0; i < T; i++) {
        rec_begin(&rec, b, fmt);
        rec_cstr(&rec, "path", c->name[i]);
        if (fmt != FMT_JSONL) {
            for (size_t j = 0; j < T; j++)
                rec_rate(&rec, "", d[i * T + j], 1);
        } else {
            ebuf_puts(b, ",\"distances\":[");
            for (size_t j = 0; j < T; j++) {
                if (j)
                    ebuf_putc(b, ',');
                ebuf_fixed4(b, d[i * T + j]);
            }
            ebuf_putc(b, ']');
        }
        rec_end(&rec);
    }
}

/* ---- the tree ------------------------------------------------------------------- */

struct node {
    size_t a, b;                /* children (nodes); a holds the smaller index */
    double height;
};

/* Lance-Williams: the distance from the merge of i and j to k. */
static double merged(int linkage, double dik, double djk, double dij, double ni, double nj,
                     double nk)
{
    switch (linkage) {
    case LINK_SINGLE:   return dik < djk ? dik : djk;
    case LINK_COMPLETE: return dik > djk ? dik : djk;
    case LINK_AVERAGE:  return (ni * dik + nj * djk) / (ni + nj);
    default: {
        double v = ((ni + nk) * dik * dik + (nj + nk) * djk * djk - nk * dij * dij)
                   / (ni + nj + nk);
        return v > 0 ? sqrt(v) : 0;
    }
    }
}

/* Clusters the T x T matrix d (overwritten): nodes[0..T) are the texts,
 * nodes[T..2T-1) the merges in order.  0 or PARDO_ENOMEM. */
static int hclust(double *d, size_t T, int linkage, struct node *nodes)
{
    size_t *node_of = malloc(T * sizeof *node_of);     /* by slot: its node */
    double *size = malloc(T * sizeof *size);
    char *alive = malloc(T);
    if (!node_of || !size || !alive) {
        free(node_of);
        free(size);
        free(alive);
        return PARDO_ENOMEM;
    }
    for (size_t t = 0; t < T; t++) {
        node_of[t] = t;
        size[t] = 1;
        alive[t] = 1;
        nodes[t] = (struct node){ SIZE_MAX, SIZE_MAX, 0 };
    }
    for (size_t step = 0; step + 1 < T; step++) {
        size_t bi = 0, bj = 0;
        double best = INFINITY;
        for (size_t i = 0; i < T; i++) {
            if (!alive[i])
                continue;
            const double *di = d + i * T;
            for (size_t j = i + 1; j < T; j++)
                if (alive[j] && di[j] < best) {
                    best = di[j];
                    bi = i;
                    bj = j;
                }
        }
        if (best == INFINITY) {         /* NaN distances: take the first pair */
            for (bi = 0; !alive[bi]; bi++)
                ;
            for (bj = bi + 1; !alive[bj]; bj++)
                ;
            best = d[bi * T + bj];
        }
        size_t id = T + step;
        nodes[id] = (struct node){ node_of[bi], node_of[bj], best };
        for (size_t k = 0; k < T; k++) {
            if (!alive[k] || k == bi || k == bj)
                continue;
            double v = merged(linkage, d[bi * T + k], d[bj * T + k], best, size[bi], size[bj],
                              size[k]);
            d[bi * T + k] = v;
            d[k * T + bi] = v;
        }
        size[bi] += size[bj];
        alive[bj] = 0;
        node_of[bi] = id;
    }
    free(node_of);
    free(size);
    free(alive);
    return 0;
}

static void put_leaf(struct ebuf *b, const char *path)
{
    ebuf_putc(b, '\'');
    for (const char *p = path; *p; p++) {
        if (*p == '\'')
            ebuf_putc(b, '\'');
        ebuf_putc(b, *p);
    }
    ebuf_putc(b, '\'');
}

/* The Newick text of the tree rooted at node root, without recursion. */
static int write_tree(struct ebuf *b, const struct clu *c, const struct node *nodes,
                      size_t root)
{
    struct frame { size_t node, parent; int state; } *st;
    size_t cap = 64, top = 0;
    if (!(st = malloc(cap * sizeof *st)))
        return PARDO_ENOMEM;
    st[top++] = (struct frame){ root, SIZE_MAX, 0 };
    while (top) {
        struct frame *f = &st[top - 1];
        const struct node *n = &nodes[f->node];
        size_t child = SIZE_MAX;
        if (n->a == SIZE_MAX) {         /* a leaf */
            put_leaf(b, c->name[f->node]);
            f->state = 3;
        } else if (f->state == 0) {
            ebuf_putc(b, '(');
            child = n->a;
        } else if (f->state == 1) {
            ebuf_putc(b, ',');
            child = n->b;
        } else if (f->state == 2) {
            ebuf_putc(b, ')');
            f->state = 3;
        }
        if (child != SIZE_MAX) {
            f->state++;
            size_t parent = f->node;        /* f moves if st does */
            if (top == cap) {
                struct frame *s2 = realloc(st, 2 * cap * sizeof *st);
                if (!s2) {
                    free(st);
                    return PARDO_ENOMEM;
                }
                st = s2;
                cap *= 2;
            }
            st[top++] = (struct frame){ child, parent, 0 };
            continue;
        }
        if (f->state == 3) {
            if (f->parent != SIZE_MAX) {
                ebuf_putc(b, ':');
                ebuf_fixed4(b, nodes[f->parent].height - n->height);
            }
            top--;
        }
    }
    free(st);
    ebuf_puts(b, ";\n");
    return 0;
}

/* The tree of the T x T matrix d (overwritten) into b. */
static int tree(struct ebuf *b, const struct clu *c, double *d, size_t T)
{
    struct node *nodes = malloc((2 * T - 1) * sizeof *nodes);
    int rc = nodes ? hclust(d, T, c->linkage, nodes) : PARDO_ENOMEM;
    if (rc == 0)
        rc = write_tree(b, c, nodes, 2 * T - 2);
    free(nodes);
    return rc;
}

/* Freezes the corpus; *d gets the distance matrix of its *T texts (NULL
 * with none).  0 or an error. */
static int matrix_of(const struct run *r, struct clu *c, double **d, size_t *T)
{
    int rc = attrib_corpus_freeze(c->corpus);
    *d = NULL;
    *T = attrib_corpus_texts(c->corpus);
    return rc || *T == 0 ? rc : distance_matrix(r, c, d);
}

int cluster_write(const struct run *r, struct clu *c, struct ebuf *t, struct ebuf *matrix,
                  size_t *texts)
{
    double *d;
    int rc = matrix_of(r, c, &d, texts);
    if (rc == 0 && d) {
        write_matrix(matrix, FMT_JSONL, c, d);
        rc = tree(t, c, d, *texts);
    }
    free(d);
    return rc ? rc : t->oom || matrix->oom ? PARDO_ENOMEM : 0;
}

static int clu_finish(struct run *r, struct ebuf *b)
{
    struct clu *c = r->state;
    double *d;
    size_t T;
    int rc = matrix_of(r, c, &d, &T);
    if (rc == 0 && d && r->o->matrix)
        write_matrix(b, r->o->format, c, d);
    else if (rc == 0 && d)
        rc = tree(b, c, d, T);
    free(d);
    return rc ? rc : b->oom ? PARDO_ENOMEM : 0;
}

void cluster_close(struct clu *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nname; i++)
        free(c->name[i]);
    free(c->name);
    free(c->ents);
    attrib_corpus_free(c->corpus);
    free(c);
}

static void clu_free(struct run *r)
{
    cluster_close(r->state);
    r->state = NULL;
}

static const struct command_ops ops = {
    .process = features_process,
    .pack = features_pack_hook,
    .setup = clu_setup,
    .take = clu_take,
    .finish = clu_finish,
    .free = clu_free,
};

const struct command_ops *cluster_ops(void)
{
    return &ops;
}
