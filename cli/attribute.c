/*
 * attribute.c - pardo attribute and pardo words --favorites: the texts of a
 * LABELS file (and the PATHs) read by the run, then attrib.c on their words.
 *
 * DESIGN
 * The setup hook reads the LABELS file in the main thread before any text
 * is read: every line is checked and every path resolved against the
 * LABELS file's folder and stat()ed, so that a typo ends the run at once
 * with the file, the line and the path.  The known texts become the run's
 * first_paths: they are files 0 .. known-1 of the run, the PATHs come after.
 *
 * Workers read and count each file as in every other command and give its
 * word table back (run->pack_words).  The take hook adds each table to an
 * attribution corpus; a run with a take hook is always ordered, so text i
 * of the corpus is file i of the run, and every sum the module takes runs
 * in the same order for every -j, --unordered and --isolate.  The corpus
 * copies the words, so no table outlives its call.
 *
 * The finish hook freezes the corpus and writes every record at once: the
 * PATHs' attributions, the leave-one-out folds, or each label's favourite
 * words.  The folds run on a thread pool of their own (also with --isolate:
 * they read the main process's corpus, and they are no file that could
 * crash); attrib_loo_text() is exact and thread-safe, so the records are the
 * same bits for every -j.
 *
 * pardo report (report.c) runs these hooks inside its own and then asks
 * for the records through attribute_report_*(): its leave-one-out grid is
 * the grid of --loo (one run of the folds, write_grid), with the records of
 * its --mfw and --delta cell taken from the same folds.
 *
 * Ownership: everything here hangs from struct attr (run->state), freed by
 * the free hook at the end of every run, finished or not.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib.h"
#include "run.h"

struct known {
    char  *path;                /* as opened: resolved against the LABELS folder */
    char  *label;
    size_t line;                /* in the LABELS file */
    dev_t  dev;
    ino_t  ino;
};

struct unknown {
    char  *path;
    char  *why;                 /* the file's error, or NULL */
    size_t text, ntexts;        /* its corpus texts (samples), when read */
};

struct attr {
    struct known *known;        /* in LABELS order: corpus texts 0 .. nknown-1 */
    size_t nknown, kcap;
    const char **paths;         /* the known texts' paths: run->first_paths */
    struct unknown *unk;        /* the PATHs, in input order */
    size_t nunk, ucap;
    struct attrib_corpus *corpus;
    struct attrib_options opt;
    struct word_entry *ents;    /* attrib_corpus_add's input, reused */
    size_t ecap;
    double *dist;               /* one per label: a record's distances (CSV) */
    char **name;                /* by corpus text: PATH, or PATH#k for a sample */
    size_t nname, ncap;
    struct attrib_cell *cells;  /* --loo: the grid, MFW ascending, then --delta */
    size_t ncells;
};

/* Makes room for `need` items of `size` bytes in *p.  0 or PARDO_ENOMEM. */
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

/* ---- the LABELS file ---------------------------------------------------------- */

/* A path of a LABELS line: absolute, or taken from the LABELS file's folder.
 * NULL when out of memory. */
static char *resolve(const char *labels, const char *path)
{
    const char *slash = strrchr(labels, '/');
    size_t dir = path[0] == '/' || !slash ? 0 : (size_t)(slash - labels) + 1;
    size_t len = strlen(path);
    char *s = malloc(dir + len + 1);
    if (s) {
        memcpy(s, labels, dir);
        memcpy(s + dir, path, len + 1);
    }
    return s;
}

enum { LINE_BAD = -1, LINE_SKIP = 0, LINE_TEXT = 1, LINE_HEADER = 2 };

/* One line of len bytes (its LF removed).  For LINE_TEXT, *path and *label
 * point into line, which is cut at the tab.  `first`: no line with content
 * came before, so "path<TAB>..." is the header. */
static int parse_line(char *line, size_t len, int first, char **path, char **label)
{
    if (len && line[len - 1] == '\r')
        line[--len] = '\0';
    if (strlen(line) != len)
        return LINE_BAD;                /* a NUL byte */
    if (strspn(line, " \t") == len || line[0] == '#')
        return LINE_SKIP;
    char *tab = strchr(line, '\t');
    if (first && strncmp(line, "path", 4) == 0 && (line[4] == '\t' || line[4] == '\0'))
        return LINE_HEADER;
    if (!tab || tab == line || !tab[1] || strchr(tab + 1, '\t'))
        return LINE_BAD;
    *tab = '\0';
    *path = line;
    *label = tab + 1;
    return LINE_TEXT;
}

/* Checks and keeps one known text.  0, PARDO_ENOMEM or CLI_EFATAL. */
static int known_add(struct run *r, struct attr *a, size_t line, const char *path,
                     const char *label)
{
    const char *file = r->o->known;
    char *full = resolve(file, path);
    if (!full)
        return PARDO_ENOMEM;
    struct stat st;
    char buf[128];
    int err = 0;
    if (stat(full, &st) != 0)
        err = errno;
    else if (S_ISDIR(st.st_mode))
        err = EISDIR;
    else if (!S_ISREG(st.st_mode))
        err = FILE_ENOTREG;
    int rc = 0;
    if (err)
        rc = run_fail(r, "%s:%zu: %s: %s", file, line, full,
                      cli_file_reason(err, buf, sizeof buf));
    for (size_t i = 0; i < a->nknown && rc == 0; i++)
        if (a->known[i].dev == st.st_dev && a->known[i].ino == st.st_ino)
            rc = run_fail(r, "%s:%zu: %s: listed twice (first on line %zu)", file, line,
                          full, a->known[i].line);
    if (rc == 0)
        rc = grow(&a->known, &a->kcap, a->nknown + 1, sizeof *a->known);
    char *lab = rc == 0 ? strdup(label) : NULL;
    if (rc == 0 && !lab)
        rc = PARDO_ENOMEM;
    if (rc) {
        free(full);
        return rc;
    }
    a->known[a->nknown++] = (struct known){ full, lab, line, st.st_dev, st.st_ino };
    return 0;
}

/* Reads the LABELS file o->known into a->known.  0, PARDO_ENOMEM or
 * CLI_EFATAL (the message names the file and the line). */
static int labels_load(struct run *r, struct attr *a)
{
    const char *file = r->o->known;
    FILE *f = fopen(file, "r");
    if (!f)
        return run_fail(r, "%s: %s", file, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0, content = 0;
    ssize_t n;
    errno = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        size_t len = (size_t)n;
        char *text = line;
        lineno++;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;                  /* a UTF-8 BOM (a file saved by Notepad) */
            len -= 3;
        }
        char *path, *label;
        int kind = parse_line(text, len, !content, &path, &label);
        if (kind == LINE_BAD)
            rc = run_fail(r, "%s:%zu: expected PATH<TAB>LABEL", file, lineno);
        else if (kind == LINE_TEXT)
            rc = known_add(r, a, lineno, path, label);
        content |= kind != LINE_SKIP;
    }
    if (rc == 0 && ferror(f))
        rc = run_fail(r, "%s: %s", file, strerror(errno ? errno : EIO));
    free(line);
    fclose(f);
    if (rc == 0 && a->nknown == 0)
        rc = run_fail(r, "%s: no PATH<TAB>LABEL line", file);
    return rc;
}

/* ---- the run's hooks ---------------------------------------------------------- */

static struct attrib_cell *grid_cells(const struct opts *o, size_t *n)
{
    size_t nm = o->n_mfws ? o->n_mfws : 1, nd = o->n_deltas ? o->n_deltas : 1;
    struct attrib_cell *c = malloc(nm * nd * sizeof *c);
    for (size_t i = 0; c && i < nm; i++)
        for (size_t k = 0; k < nd; k++)
            c[i * nd + k] = (struct attrib_cell){
                o->n_mfws ? o->mfws[i] : (size_t)o->mfw,
                (enum attrib_delta)(o->n_deltas ? o->deltas[k] : o->delta) };
    *n = nm * nd;
    return c;
}

static int attr_setup(struct run *r)
{
    const struct opts *o = r->o;
    struct attr *a = calloc(1, sizeof *a);
    if (!a)
        return PARDO_ENOMEM;
    r->state = a;
    r->pack_words = 1;
    attrib_options_init(&a->opt);
    a->opt.mfw = (size_t)o->mfw;
    a->opt.delta = (enum attrib_delta)o->delta;
    a->opt.culling = o->culling;
    a->opt.no_pronouns = o->no_pronouns;
    if (!(a->cells = grid_cells(o, &a->ncells)))
        return PARDO_ENOMEM;
    int rc = labels_load(r, a);
    if (rc == 0)
        rc = attrib_corpus_new(&a->corpus);
    if (rc)
        return rc;
    if (!(a->paths = malloc(a->nknown * sizeof *a->paths)))
        return PARDO_ENOMEM;
    for (size_t i = 0; i < a->nknown; i++)
        a->paths[i] = a->known[i].path;
    r->first_paths = a->paths;
    r->n_first = a->nknown;
    return 0;
}

/* 1 when a sampled block's heads account for its entries. */
static int samples_sound(const struct packed_words *p)
{
    if (p->samples > p->n)
        return 0;
    size_t sum = 0;
    for (size_t k = 0; k < p->samples; k++) {
        if (p->w[k].len != 0 || p->w[k].inner > p->n)
            return 0;
        sum += (size_t)p->w[k].inner;
    }
    return sum == p->n - p->samples;
}

/* Adds n packed entries from e as one text.  0, PARDO_ENOMEM, PARDO_EINVAL. */
static int add_one(struct attr *a, const char *label, const struct packed_words *p,
                   const struct packed_word *e, size_t n, uint64_t total, int same_file,
                   size_t *index)
{
    if (grow(&a->ents, &a->ecap, n, sizeof *a->ents))
        return PARDO_ENOMEM;
    for (size_t i = 0; i < n; i++)
        a->ents[i] = (struct word_entry){ (const char *)p + e[i].off, e[i].len, e[i].count,
                                          e[i].inner, e[i].inner_caps };
    return attrib_corpus_add_part(a->corpus, label, a->ents, n, total, same_file, index);
}

/* Names corpus text `text` after path (and its sample k, 0 for none). */
static int name_text(struct attr *a, size_t text, const char *path, size_t k)
{
    if (grow(&a->name, &a->ncap, text + 1, sizeof *a->name))
        return PARDO_ENOMEM;
    char *s;
    if (k ? asprintf(&s, "%s#%zu", path, k) < 0 : !(s = strdup(path)))
        return PARDO_ENOMEM;
    a->name[text] = s;
    a->nname = text + 1;
    return 0;
}

/* Adds a file's packed words (NULL: none) as a text, or each of its samples
 * as one: *first gets the first text's number and *n their number.
 * 0, PARDO_ENOMEM, PARDO_EINVAL (a known text without words; *bad gets the
 * sample, 0 for the file). */
static int add_file(struct attr *a, const char *label, const char *path,
                    const struct packed_words *p, size_t *first, size_t *n, size_t *bad)
{
    *n = 0;
    *bad = 0;
    if (!p || !p->sampled) {
        int rc = add_one(a, label, p, p ? p->w : NULL, p ? p->n : 0, p ? p->total : 0, 0,
                         first);
        if (rc == 0 && (rc = name_text(a, *first, path, 0)) == 0)
            *n = 1;
        return rc;
    }
    if (!samples_sound(p))
        return PARDO_EINVAL;
    const struct packed_word *e = p->w + p->samples;
    for (size_t k = 0; k < p->samples; k++) {
        size_t m = (size_t)p->w[k].inner, index;
        if (label && p->w[k].count == 0) {
            *bad = k + 1;
            return PARDO_EINVAL;
        }
        int rc = add_one(a, label, p, e, m, p->w[k].count, k > 0, &index);
        if (rc == 0)
            rc = name_text(a, index, path, k + 1);
        if (rc)
            return rc;
        if (k == 0)
            *first = index;
        ++*n;
        e += m;
    }
    return 0;
}

/* A file with fewer WORDs than one sample: counted as failed. */
static int too_short(struct run *r, const struct packed_words *p)
{
    char msg[96];
    snprintf(msg, sizeof msg, "shorter than one sample (%llu words)",
             (unsigned long long)p->words);
    ebuf_set(&r->why, msg, strlen(msg));
    return r->why.oom ? PARDO_ENOMEM : 0;
}

/* A known text that fails, or has no words, ends the run: the model would
 * silently change without it. */
static int take_known(struct run *r, struct attr *a, const struct known *k,
                      const struct item_out *out, const char *why)
{
    const char *file = r->o->known;
    const struct packed_words *p = out ? out->words : NULL;
    const char *none = features_plain(r->o) ? "no words (a known text needs words)"
                                            : "no n-gram (a known text needs one)";
    if (why)
        return run_fail(r, "%s:%zu: %s: %s", file, k->line, k->path, why);
    if (p && p->sampled && p->samples == 0)
        return too_short(r, p);
    if (!p || p->total == 0)
        return run_fail(r, "%s:%zu: %s: %s", file, k->line, k->path, none);
    size_t first, n, bad;
    int rc = add_file(a, k->label, k->path, p, &first, &n, &bad);
    if (rc == PARDO_EINVAL && bad)
        return run_fail(r, "%s:%zu: %s#%zu: %s", file, k->line, k->path, bad, none);
    if (rc == PARDO_EINVAL)
        return run_fail(r, "%s:%zu: %s: its word counts do not add up", file, k->line,
                        k->path);
    return rc;
}

static int take_unknown(struct run *r, struct attr *a, const struct job *j,
                        const struct item_out *out, const char *why)
{
    if (grow(&a->unk, &a->ucap, a->nunk + 1, sizeof *a->unk))
        return PARDO_ENOMEM;
    const struct packed_words *p = out ? out->words : NULL;
    int rc = 0;
    if (!why && p && p->sampled && p->samples == 0) {
        if ((rc = too_short(r, p)) != 0)
            return rc;
        why = r->why.data;
    }
    struct unknown u = { strdup(j->path.data), why ? strdup(why) : NULL, ATTRIB_NONE, 0 };
    rc = !u.path || (why && !u.why) ? PARDO_ENOMEM : 0;
    size_t bad;
    if (rc == 0 && !why)
        rc = add_file(a, NULL, j->path.data, p, &u.text, &u.ntexts, &bad);
    if (rc) {
        free(u.path);
        free(u.why);
        return rc;
    }
    a->unk[a->nunk++] = u;
    return 0;
}

static int attr_take(struct run *r, const struct job *j, const struct item_out *out,
                     const char *why)
{
    struct attr *a = r->state;
    if (j->seq < a->nknown)
        return take_known(r, a, &a->known[j->seq], out, why);
    return take_unknown(r, a, j, out, why);
}

/* ---- records ------------------------------------------------------------------ */

/* CSV/TSV: the header row, then one column per label. */
static void header(struct ebuf *b, enum format fmt, const char *const *head, size_t n,
                   const struct attrib_corpus *c, const char *last)
{
    struct rec rec;
    if (fmt == FMT_JSONL)
        return;
    rec_begin(&rec, b, fmt);
    for (size_t i = 0; i < n; i++)
        rec_cstr(&rec, "", head[i]);
    for (size_t l = 0; l < attrib_corpus_labels(c); l++)
        rec_cstr(&rec, "", attrib_corpus_label(c, l));
    if (last)
        rec_cstr(&rec, "", last);
    rec_end(&rec);
}

static void label_field(struct rec *rec, const char *key, const struct attrib_corpus *c,
                        size_t label)
{
    if (label == ATTRIB_NONE)
        rec_null(rec, key);
    else
        rec_cstr(rec, key, attrib_corpus_label(c, label));
}

/* A result's distances: in JSON an object, nearest first; in CSV/TSV one
 * column per label in byte order, empty for a label that is no candidate
 * (res NULL: all empty). */
static void distances(struct rec *rec, struct attr *a, const struct attrib_result *res)
{
    const struct attrib_corpus *c = a->corpus;
    size_t nl = attrib_corpus_labels(c);
    if (rec->fmt == FMT_JSONL) {
        rec_obj_begin(rec, "distances");
        for (size_t i = 0; res && i < res->nscores; i++)
            rec_rate(rec, attrib_corpus_label(c, res->scores[i].label),
                     res->scores[i].distance, 1);
        rec_obj_end(rec);
        return;
    }
    for (size_t l = 0; l < nl; l++)
        a->dist[l] = NAN;
    for (size_t i = 0; res && i < res->nscores; i++)
        a->dist[res->scores[i].label] = res->scores[i].distance;
    for (size_t l = 0; l < nl; l++)
        rec_rate(rec, "", a->dist[l], !isnan(a->dist[l]));
}

/* An unknown text (a PATH or one of its samples): its attribution,
 * "nearest": null without words, or its error (then text is ATTRIB_NONE). */
static int unknown_record(struct ebuf *b, enum format fmt, struct attr *a,
                          const struct attrib_model *m, const char *path, const char *why,
                          size_t text)
{
    struct attrib_result res = { 0 };
    int words = !why && attrib_corpus_text_words(a->corpus, text) > 0;
    if (words) {
        int rc = attrib_model_classify(m, text, &res);
        if (rc)
            return rc;
    }
    struct rec rec;
    rec_begin(&rec, b, fmt);
    rec_cstr(&rec, "path", path);
    if (why && fmt == FMT_JSONL) {
        rec_cstr(&rec, "error", why);
    } else {
        label_field(&rec, "nearest", a->corpus, words ? res.nearest : ATTRIB_NONE);
        distances(&rec, a, words ? &res : NULL);
        if (fmt != FMT_JSONL)
            rec_cstr(&rec, "error", why ? why : "");
    }
    rec_end(&rec);
    attrib_result_free(&res);
    return 0;
}

/* Warns when no feature varies over the known texts (one known text, or
 * texts that are the same in their most frequent words): every z-score is
 * then 0, every distance too, and the nearest label is only the first.
 * 0 or PARDO_ENOMEM. */
static int warn_if_flat(const struct attr *a)
{
    struct attrib_model *m;
    int rc = attrib_model_new(&m, a->corpus, &a->opt, ATTRIB_NONE);
    if (rc)
        return rc == PARDO_ENOMEM ? rc : 0;
    int varies = 0;
    for (size_t i = 0; i < attrib_model_features(m) && !varies; i++) {
        double mean, sd;
        varies = attrib_model_stats(m, i, &mean, &sd) == 0 && sd > 0;
    }
    attrib_model_free(m);
    if (varies)
        return 0;
    if (attrib_corpus_known(a->corpus) < 2)
        fprintf(stderr, "pardo: warning: one known text: no word frequency varies, every "
                        "distance is 0 and \"nearest\" says nothing\n");
    else
        fprintf(stderr, "pardo: warning: the known texts do not differ in their most frequent "
                        "words: every distance is 0 and \"nearest\" says nothing\n");
    return 0;
}

/* --loo: an author with one known text has no profile in the fold that
 * holds it out, so that text cannot be attributed correctly; it counts as
 * not correct (doc/attribution.md).  Says which authors on stderr. */
static void warn_unscored(const struct attrib_corpus *c, const struct attrib_summary *s)
{
    size_t n = 0;
    for (size_t l = 0; l < s->nlabels; l++)
        if (s->labels[l].texts == 1) {
            fprintf(stderr, "%s%s", n ? ", " : "pardo: --loo: an author with one known text "
                                               "cannot be scored (counted as not correct): ",
                    attrib_corpus_label(c, l));
            n++;
        }
    if (n)
        fputc('\n', stderr);
}

static int write_unknowns(struct run *r, struct attr *a, struct ebuf *b)
{
    static const char *const head[] = { "path", "nearest" };
    enum format fmt = r->o->format;
    struct attrib_model *m;
    int rc = warn_if_flat(a);
    if (rc == 0)
        rc = attrib_model_new(&m, a->corpus, &a->opt, ATTRIB_NONE);
    if (rc)
        return rc;
    header(b, fmt, head, 2, a->corpus, "error");
    for (size_t i = 0; i < a->nunk && rc == 0; i++) {
        const struct unknown *u = &a->unk[i];
        if (u->why)
            rc = unknown_record(b, fmt, a, m, u->path, u->why, ATTRIB_NONE);
        for (size_t t = 0; !u->why && t < u->ntexts && rc == 0; t++)
            rc = unknown_record(b, fmt, a, m, a->name[u->text + t], NULL, u->text + t);
    }
    attrib_model_free(m);
    return rc;
}

/* ---- leave-one-out ------------------------------------------------------------ */

struct folds {
    const struct attrib_corpus *c;
    const struct attrib_options *opt;
    const struct attrib_cell *cells;
    size_t ncells;
};

struct fold_out {
    struct attrib_result *r;    /* texts of the file x cells; owned */
    size_t texts;
};

static int fold(void *arg, const void *in, void *out_)
{
    const struct folds *f = arg;
    size_t file = *(const size_t *)in;
    struct fold_out *out = out_;
    out->texts = attrib_corpus_file_texts(f->c, file, NULL);
    out->r = calloc(out->texts * f->ncells, sizeof *out->r);
    if (!out->r)
        return PARDO_ENOMEM;
    return attrib_loo_file(f->c, f->opt, f->cells, f->ncells, file, out->r);
}

static void folds_free(struct fold_out *o, size_t n, size_t ncells)
{
    for (size_t i = 0; o && i < n; i++)
        attrib_results_free(o[i].r, o[i].texts * ncells);
    free(o);
}

/* Every fold, out[i] for the i-th known file, on a pool of r->nworkers
 * threads.  out must be zeroed.  0 or the first fold's error. */
static int run_folds(const struct run *r, struct attr *a, struct fold_out *out, size_t n)
{
    size_t *files = malloc((n ? n : 1) * sizeof *files);
    int *status = malloc((n ? n : 1) * sizeof *status);
    pardo_pool *pool = NULL;
    int rc = files && status ? 0 : PARDO_ENOMEM;
    size_t k = 0;
    for (size_t f = 0; rc == 0 && f < attrib_corpus_files(a->corpus); f++) {
        size_t first;
        attrib_corpus_file_texts(a->corpus, f, &first);
        if (attrib_corpus_text_label(a->corpus, first) != ATTRIB_NONE)
            files[k++] = f;
    }
    if (rc == 0 && r->nworkers > 1 && n > 1) {
        pardo_options po = { .workers = r->nworkers };
        signals_block(1);               /* only the main thread takes them */
        rc = pardo_pool_open(&pool, &po);
        signals_block(0);
    }
    struct folds f = { a->corpus, &a->opt, a->cells, a->ncells };
    if (rc == 0)
        rc = pardo_map(pool, fold, &f, files, sizeof *files, out, sizeof *out, n, status);
    for (size_t i = 0; rc == PARDO_EITEM && i < n; i++)
        if (status[i])
            rc = status[i];
    pardo_pool_free(pool);
    free(files);
    free(status);
    return rc;
}

static void loo_record(struct ebuf *b, enum format fmt, struct attr *a,
                       const struct attrib_result *res)
{
    const struct attrib_corpus *c = a->corpus;
    struct rec rec;
    rec_begin(&rec, b, fmt);
    rec_cstr(&rec, "path", a->name[res->text]);
    label_field(&rec, "label", c, res->label);
    label_field(&rec, "nearest", c, res->nearest);
    rec_bool(&rec, "correct", res->nearest != ATTRIB_NONE && res->nearest == res->label);
    if (fmt != FMT_JSONL) {
        rec_null(&rec, "texts");
        rec_null(&rec, "accuracy");
    }
    distances(&rec, a, res);
    rec_end(&rec);
}

static double ratio(const struct attrib_tally *t)
{
    return t->texts ? (double)t->correct / (double)t->texts : 0;
}

/* CSV/TSV: one summary row, with an empty path and nearest. */
static void summary_row(struct ebuf *b, enum format fmt, const struct attrib_corpus *c,
                        const char *label, const struct attrib_tally *t)
{
    struct rec rec;
    rec_begin(&rec, b, fmt);
    rec_null(&rec, "path");
    rec_cstr(&rec, "label", label);
    rec_null(&rec, "nearest");
    rec_u64(&rec, "correct", t->correct);
    rec_u64(&rec, "texts", t->texts);
    rec_rate(&rec, "accuracy", ratio(t), 1);
    for (size_t l = 0; l < attrib_corpus_labels(c); l++)
        rec_null(&rec, "");
    rec_end(&rec);
}

static void labels_object(struct rec *rec, const struct attrib_corpus *c,
                          const struct attrib_summary *s)
{
    rec_obj_begin(rec, "labels");
    for (size_t l = 0; l < s->nlabels; l++) {
        rec_obj_begin(rec, attrib_corpus_label(c, l));
        rec_u64(rec, "texts", s->labels[l].texts);
        rec_u64(rec, "correct", s->labels[l].correct);
        rec_obj_end(rec);
    }
    rec_obj_end(rec);
}

static void loo_summary(struct ebuf *b, enum format fmt, const struct attrib_corpus *c,
                        const struct attrib_summary *s)
{
    if (fmt != FMT_JSONL) {
        for (size_t l = 0; l < s->nlabels; l++)
            summary_row(b, fmt, c, attrib_corpus_label(c, l), &s->labels[l]);
        summary_row(b, fmt, c, "", &s->all);
        return;
    }
    struct rec rec;
    rec_begin(&rec, b, fmt);
    rec_bool(&rec, "loo", 1);
    rec_u64(&rec, "texts", s->all.texts);
    rec_u64(&rec, "correct", s->all.correct);
    rec_rate(&rec, "accuracy", s->accuracy, 1);
    labels_object(&rec, c, s);
    rec_end(&rec);
}

/* --culling: an integer as one, else with four decimals. */
static void culling_field(struct rec *rec, double v)
{
    if (v == floor(v))
        rec_u64(rec, "culling", (uint64_t)v);
    else
        rec_rate(rec, "culling", v, 1);
}

/* A grid's cell: the summary with what makes the cell. */
static void cell_summary(struct ebuf *b, const struct opts *o, const struct attrib_corpus *c,
                         const struct attrib_cell *cell, size_t available,
                         const struct attrib_summary *s)
{
    struct rec rec;
    rec_begin(&rec, b, o->format);
    if (o->format == FMT_JSONL)
        rec_bool(&rec, "loo", 1);
    rec_cstr(&rec, "features", o->chars ? "chars" : "words");
    rec_u64(&rec, "ngram", (uint64_t)o->ngram);
    rec_u64(&rec, "mfw", cell->mfw);
    rec_cstr(&rec, "delta", attrib_delta_name(cell->delta));
    culling_field(&rec, o->culling);
    if (cell->mfw > available)
        rec_u64(&rec, "features_used", available);
    else if (o->format != FMT_JSONL)
        rec_null(&rec, "features_used");
    rec_u64(&rec, "texts", s->all.texts);
    rec_u64(&rec, "correct", s->all.correct);
    rec_rate(&rec, "accuracy", s->accuracy, 1);
    if (o->format == FMT_JSONL)
        labels_object(&rec, c, s);
    rec_end(&rec);
}

/* The results of cell k of every fold, in text order, into res (shallow). */
static size_t cell_results(const struct fold_out *out, size_t n, size_t ncells, size_t k,
                           struct attrib_result *res)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < out[i].texts; t++)
            res[m++] = out[i].r[t * ncells + k];
    return m;
}

static int write_grid(struct run *r, struct attr *a, struct ebuf *b,
                      const struct fold_out *out, size_t n, struct attrib_result *res)
{
    static const char *const head[] = { "features", "ngram", "mfw", "delta", "culling",
                                        "features_used", "texts", "correct", "accuracy" };
    if (r->o->format != FMT_JSONL)
        rec_header(b, r->o->format, head, sizeof head / sizeof head[0]);
    size_t available = attrib_features_available(a->corpus, &a->opt);
    int rc = 0;
    for (size_t k = 0; k < a->ncells && rc == 0; k++) {
        struct attrib_summary sum = { 0 };
        size_t m = cell_results(out, n, a->ncells, k, res);
        rc = attrib_summarize(a->corpus, res, m, &sum);
        if (rc == 0)
            cell_summary(b, r->o, a->corpus, &a->cells[k], available, &sum);
        attrib_summary_free(&sum);
    }
    return rc;
}

/* The records of `attribute --loo` for cell k of the folds out[0..n):
 * each known text's, then the summary. */
static int write_cell(struct ebuf *b, enum format fmt, struct attr *a,
                      const struct fold_out *out, size_t n, size_t k,
                      struct attrib_result *res)
{
    static const char *const head[] = { "path", "label", "nearest", "correct", "texts",
                                        "accuracy" };
    struct attrib_summary sum = { 0 };
    size_t m = cell_results(out, n, a->ncells, k, res);
    int rc = attrib_summarize(a->corpus, res, m, &sum);
    if (rc == 0) {
        warn_unscored(a->corpus, &sum);
        header(b, fmt, head, 6, a->corpus, NULL);
        for (size_t i = 0; i < m; i++)
            loo_record(b, fmt, a, &res[i]);
        loo_summary(b, fmt, a->corpus, &sum);
    }
    attrib_summary_free(&sum);
    return rc;
}

/* Every fold over the cells a->cells: *out gets one result set per known
 * file (*n of them), *res room for every known text's result.  Both are
 * the caller's to free (folds_free, free), also on error. */
static int loo_folds(struct run *r, struct attr *a, struct fold_out **out, size_t *n,
                     struct attrib_result **res)
{
    size_t ntexts = attrib_corpus_known(a->corpus);
    *n = 0;
    for (size_t f = 0; f < attrib_corpus_files(a->corpus); f++) {
        size_t first;
        attrib_corpus_file_texts(a->corpus, f, &first);
        *n += attrib_corpus_text_label(a->corpus, first) != ATTRIB_NONE;
    }
    *out = calloc(*n ? *n : 1, sizeof **out);
    *res = malloc((ntexts ? ntexts : 1) * sizeof **res);
    int rc = *out && *res ? warn_if_flat(a) : PARDO_ENOMEM;
    return rc ? rc : run_folds(r, a, *out, *n);
}

static int write_loo(struct run *r, struct attr *a, struct ebuf *b)
{
    struct fold_out *out;
    struct attrib_result *res;
    size_t n;
    int rc = loo_folds(r, a, &out, &n, &res);
    if (rc == 0 && a->ncells > 1)
        rc = write_grid(r, a, b, out, n, res);
    else if (rc == 0)
        rc = write_cell(b, r->o->format, a, out, n, 0, res);
    folds_free(out, n, a->ncells);
    free(res);
    return rc;
}

/* ---- favourite words ------------------------------------------------------------ */

static void put_fixed(struct ebuf *b, double v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.4f", v);
    ebuf_put(b, tmp, n > 0 && (size_t)n < sizeof tmp ? (size_t)n : 0);
}

static void favorites_record(struct ebuf *b, enum format fmt, const char *label,
                             size_t texts, const struct attrib_favorite *fav, size_t n)
{
    if (fmt == FMT_JSONL) {
        struct rec rec;
        rec_begin(&rec, b, fmt);
        rec_cstr(&rec, "label", label);
        rec_u64(&rec, "texts", texts);
        ebuf_puts(b, ",\"words\":[");
        for (size_t i = 0; i < n; i++) {
            ebuf_puts(b, i ? ",[" : "[");
            emit_json_string(b, fav[i].word, strlen(fav[i].word));
            ebuf_putc(b, ',');
            put_fixed(b, fav[i].ratio);
            ebuf_putc(b, ',');
            ebuf_u64(b, fav[i].count);
            ebuf_putc(b, ',');
            ebuf_u64(b, fav[i].other);
            ebuf_putc(b, ',');
            ebuf_u64(b, fav[i].texts);
            ebuf_putc(b, ']');
        }
        ebuf_putc(b, ']');
        rec_end(&rec);
        return;
    }
    for (size_t i = 0; i < n || (i == 0 && n == 0); i++) {
        struct rec rec;
        rec_begin(&rec, b, fmt);
        rec_cstr(&rec, "label", label);
        rec_u64(&rec, "texts", texts);
        if (n == 0) {
            for (int k = 0; k < 6; k++)
                rec_null(&rec, "");
        } else {
            rec_u64(&rec, "rank", i + 1);
            rec_cstr(&rec, "word", fav[i].word);
            rec_rate(&rec, "ratio", fav[i].ratio, 1);
            rec_u64(&rec, "count", fav[i].count);
            rec_u64(&rec, "other", fav[i].other);
            rec_u64(&rec, "in_texts", fav[i].texts);
        }
        rec_end(&rec);
    }
}

static int write_favorites(struct run *r, struct attr *a, struct ebuf *b, size_t k)
{
    static const char *const head[] = { "label", "texts", "rank", "word", "ratio",
                                        "count", "other", "in_texts" };
    const struct attrib_corpus *c = a->corpus;
    enum format fmt = r->o->format;
    size_t nl = attrib_corpus_labels(c);
    size_t *texts = calloc(nl ? nl : 1, sizeof *texts);
    if (!texts)
        return PARDO_ENOMEM;
    for (size_t t = 0; t < attrib_corpus_texts(c); t++)
        if (attrib_corpus_text_label(c, t) != ATTRIB_NONE)
            texts[attrib_corpus_text_label(c, t)]++;
    if (fmt != FMT_JSONL) {
        struct rec rec;
        rec_begin(&rec, b, fmt);
        for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
            rec_cstr(&rec, "", head[i]);
        rec_end(&rec);
    }
    int rc = 0;
    for (size_t l = 0; l < nl && rc == 0; l++) {
        struct attrib_favorite *fav = NULL;
        size_t n = 0;
        rc = attrib_favorites(c, l, k, &fav, &n);
        if (rc == 0)
            favorites_record(b, fmt, attrib_corpus_label(c, l), texts[l], fav, n);
        free(fav);
    }
    free(texts);
    return rc;
}

/* ---- finish and the table -------------------------------------------------------- */

static int freeze(struct attr *a)
{
    int rc = attrib_corpus_freeze(a->corpus);
    size_t nl = attrib_corpus_labels(a->corpus);
    if (rc == 0 && !(a->dist = malloc((nl ? nl : 1) * sizeof *a->dist)))
        rc = PARDO_ENOMEM;
    return rc;
}

static int attr_finish(struct run *r, struct ebuf *b)
{
    struct attr *a = r->state;
    int rc = freeze(a);
    if (rc == 0 && r->o->favorites)
        rc = write_favorites(r, a, b, (size_t)r->o->favorites);
    else if (rc == 0 && r->o->loo)
        rc = write_loo(r, a, b);
    else if (rc == 0)
        rc = write_unknowns(r, a, b);
    return rc ? rc : b->oom ? PARDO_ENOMEM : 0;
}

static void attr_free(struct run *r)
{
    struct attr *a = r->state;
    if (!a)
        return;
    for (size_t i = 0; i < a->nknown; i++) {
        free(a->known[i].path);
        free(a->known[i].label);
    }
    for (size_t i = 0; i < a->nunk; i++) {
        free(a->unk[i].path);
        free(a->unk[i].why);
    }
    free(a->known);
    free(a->paths);
    free(a->unk);
    free(a->ents);
    free(a->dist);
    attrib_corpus_free(a->corpus);
    for (size_t i = 0; i < a->nname; i++)
        free(a->name[i]);
    free(a->name);
    free(a->cells);
    free(a);
    r->state = NULL;
    r->first_paths = NULL;
    r->n_first = 0;
}

static const struct command_ops ops = {
    .process = features_process,
    .pack = features_pack_hook,
    .setup = attr_setup,
    .take = attr_take,
    .finish = attr_finish,
    .free = attr_free,
};

/* ---- for pardo report --------------------------------------------------------- */

int attribute_report_freeze(struct run *r)
{
    return freeze(r->state);
}

int attribute_report_favorites(struct run *r, size_t k, struct ebuf *b)
{
    int rc = write_favorites(r, r->state, b, k);
    return rc ? rc : b->oom ? PARDO_ENOMEM : 0;
}

int attribute_report_loo(struct run *r, const struct attrib_cell *cells, size_t ncells,
                         struct ebuf *grid, struct ebuf *loo)
{
    struct attr *a = r->state;
    size_t k = 0;
    while (k < ncells && (cells[k].mfw != a->opt.mfw || cells[k].delta != a->opt.delta))
        k++;
    if (k == ncells)
        return PARDO_EINVAL;
    struct attrib_cell *mine = malloc(ncells * sizeof *mine);
    if (!mine)
        return PARDO_ENOMEM;
    memcpy(mine, cells, ncells * sizeof *mine);
    free(a->cells);
    a->cells = mine;
    a->ncells = ncells;
    struct fold_out *out;
    struct attrib_result *res;
    size_t n;
    int rc = loo_folds(r, a, &out, &n, &res);
    if (rc == 0)
        rc = write_grid(r, a, grid, out, n, res);
    if (rc == 0)
        rc = write_cell(loo, FMT_JSONL, a, out, n, k, res);
    folds_free(out, n, a->ncells);
    free(res);
    return rc ? rc : grid->oom || loo->oom ? PARDO_ENOMEM : 0;
}

int attribute_report_unknowns(struct run *r, struct ebuf *b)
{
    struct attr *a = r->state;
    if (a->nunk == 0)
        return 0;
    int rc = write_unknowns(r, a, b);
    return rc ? rc : b->oom ? PARDO_ENOMEM : 0;
}

void attribute_report_labels(const struct run *r, struct ebuf *b)
{
    const struct attr *a = r->state;
    for (size_t i = 0; i < a->nknown; i++) {
        struct rec rec;
        rec_begin(&rec, b, FMT_JSONL);
        rec_cstr(&rec, "path", a->known[i].path);
        rec_cstr(&rec, "label", a->known[i].label);
        rec_end(&rec);
    }
}

int attribute_report_is_known(const struct run *r, dev_t dev, ino_t ino)
{
    const struct attr *a = r->state;
    for (size_t i = 0; a && i < a->nknown; i++)
        if (a->known[i].dev == dev && a->known[i].ino == ino)
            return 1;
    return 0;
}

const struct command_ops *attribute_ops(const struct opts *o)
{
    (void)o;        /* attribute and words --favorites differ only at the end */
    return &ops;
}
