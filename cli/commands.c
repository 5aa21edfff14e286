/*
 * commands.c - what count, stats and words measure and how their records look
 * (attribute and words --favorites are in attribute.c).
 *
 * DESIGN
 * Each command is three functions (struct command_ops): its CSV/TSV
 * columns, its process stage and its output stage.  Both stages run in the
 * worker that read the file and use that worker's reused tables, so they
 * allocate nothing per file.  The fields of a stats record are a table
 * (`stat_fields`) that gives both the header and the record, in the order
 * of the spec's section 4; --lexdiv adds section 9's four after them,
 * computed in the worker from the order of the file's WORDs that the word
 * table keeps, so that only the record leaves the worker.
 *
 * words --corpus: each worker adds every file's word table into its own
 * corpus table, and command_finish() adds the workers' tables up at the
 * end.  Addition does not depend on the order, and the top K is sorted by
 * count, then by the word's bytes, so the corpus record is the same for
 * every -j and for --unordered.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* ---- shared fields ------------------------------------------------------------ */

static void path_field(struct rec *rec, const struct item_in *in)
{
    rec_cstr(rec, "path", in->path);
}

/* CSV/TSV: the empty "error" column that closes every row of a file that
 * was read. */
static void no_error(struct rec *rec)
{
    if (rec->fmt != FMT_JSONL)
        rec_null(rec, "error");
}

/* ---- count ----------------------------------------------------------------- */

static const char *const count_fixed[] = { "encoding", "boilerplate", "bad_bytes", "bytes" };
#define N_COUNT_FIXED (sizeof count_fixed / sizeof count_fixed[0])

static int count_columns(const struct run *r, const char ***names, size_t *n)
{
    size_t terms = text_terms_len(r->terms);
    const char **v = malloc((N_COUNT_FIXED + terms) * sizeof *v);
    if (!v)
        return PARDO_ENOMEM;
    for (size_t i = 0; i < N_COUNT_FIXED; i++)
        v[i] = count_fixed[i];
    for (size_t i = 0; i < terms; i++)
        v[N_COUNT_FIXED + i] = text_terms_name(r->terms, i);
    *names = v;
    *n = N_COUNT_FIXED + terms;
    return 0;
}

static int count_process(const struct run *r, struct worker *w)
{
    return text_count(r->terms, w->clean.body, w->clean.body_len, w->counts);
}

static void count_format(const struct run *r, struct worker *w, const struct item_in *in,
                         const struct item_out *out)
{
    struct rec rec;
    rec_begin(&rec, &w->rec, r->o->format);
    path_field(&rec, in);
    rec_cstr(&rec, "encoding", w->clean.encoding);
    rec_bool(&rec, "boilerplate", w->clean.boilerplate);
    rec_u64(&rec, "bad_bytes", w->clean.bad_bytes);
    rec_u64(&rec, "bytes", out->bytes);
    rec_obj_begin(&rec, "counts");
    for (size_t i = 0; i < text_terms_len(r->terms); i++)
        rec_u64(&rec, text_terms_name(r->terms, i), w->counts[i]);
    rec_obj_end(&rec);
    no_error(&rec);
    rec_end(&rec);
}

/* ---- stats ------------------------------------------------------------------ */

/* Spec section 4, in its order, after bytes, encoding, boilerplate and
 * bad_bytes. */
static const struct stat_field {
    const char *name;
    size_t off;                 /* into struct text_stats */
    int rate;                   /* a double, null without words */
} stat_fields[] = {
    { "words", offsetof(struct text_stats, words), 0 },
    { "nums", offsetof(struct text_stats, nums), 0 },
    { "types", offsetof(struct text_stats, types), 0 },
    { "hapax", offsetof(struct text_stats, hapax), 0 },
    { "ttr", offsetof(struct text_stats, ttr), 1 },
    { "sentences", offsetof(struct text_stats, sentences), 0 },
    { "sentence_mean", offsetof(struct text_stats, sentence_mean), 1 },
    { "sentence_sd", offsetof(struct text_stats, sentence_sd), 1 },
    { "ly_per_10k", offsetof(struct text_stats, ly_per_10k), 1 },
    { "exclam_per_100k", offsetof(struct text_stats, exclam_per_100k), 1 },
};
#define N_STAT_FIELDS (sizeof stat_fields / sizeof stat_fields[0])

static const char *const stats_fixed[] = { "bytes", "encoding", "boilerplate", "bad_bytes" };
#define N_STATS_FIXED (sizeof stats_fixed / sizeof stats_fixed[0])

/* Spec section 9, with --lexdiv. */
static const char *const lexdiv_fields[] = { "mattr", "mtld", "hdd", "yule_k" };
#define N_LEXDIV_FIELDS (sizeof lexdiv_fields / sizeof lexdiv_fields[0])

static int stats_columns(const struct run *r, const char ***names, size_t *n)
{
    size_t lex = r->o->lexdiv ? N_LEXDIV_FIELDS : 0;
    const char **v = malloc((N_STATS_FIXED + N_STAT_FIELDS + lex) * sizeof *v);
    if (!v)
        return PARDO_ENOMEM;
    for (size_t i = 0; i < N_STATS_FIXED; i++)
        v[i] = stats_fixed[i];
    for (size_t i = 0; i < N_STAT_FIELDS; i++)
        v[N_STATS_FIXED + i] = stat_fields[i].name;
    for (size_t i = 0; i < lex; i++)
        v[N_STATS_FIXED + N_STAT_FIELDS + i] = lexdiv_fields[i];
    *names = v;
    *n = N_STATS_FIXED + N_STAT_FIELDS + lex;
    return 0;
}

static int analyze(const struct run *r, struct worker *w)
{
    (void)r;
    return text_analyze(w->clean.body, w->clean.body_len, w->words, &w->st);
}

int stats_process(const struct run *r, struct worker *w)
{
    int rc = analyze(r, w);
    if (rc == 0 && r->o->lexdiv) {
        /* the table has counted the types: no pass over the WORDs for that */
        size_t n, v = wordtab_size(w->words);
        const uint32_t *ids = wordtab_order(w->words, &n);
        uint32_t *freq = text_lexdiv_freq(&w->lexdiv_scratch, v);
        if (!freq)
            return PARDO_ENOMEM;
        wordtab_counts(w->words, freq);
        rc = text_lexdiv(ids, n, freq, v, (size_t)r->o->mattr_window, &w->lexdiv_scratch,
                         &w->lexdiv);
    }
    return rc;
}

void stats_format(const struct run *r, struct worker *w, const struct item_in *in,
                         const struct item_out *out)
{
    struct rec rec;
    const char *st = (const char *)&w->st;
    rec_begin(&rec, &w->rec, r->o->format);
    path_field(&rec, in);
    rec_u64(&rec, "bytes", out->bytes);
    rec_cstr(&rec, "encoding", w->clean.encoding);
    rec_bool(&rec, "boilerplate", w->clean.boilerplate);
    rec_u64(&rec, "bad_bytes", w->clean.bad_bytes);
    for (size_t i = 0; i < N_STAT_FIELDS; i++) {
        const struct stat_field *f = &stat_fields[i];
        if (f->rate)
            rec_rate(&rec, f->name, *(const double *)(const void *)(st + f->off),
                     w->st.words > 0);
        else
            rec_u64(&rec, f->name, *(const uint64_t *)(const void *)(st + f->off));
    }
    if (r->o->lexdiv) {
        const struct text_lexdiv *x = &w->lexdiv;
        const double v[N_LEXDIV_FIELDS] = { x->mattr, x->mtld, x->hdd, x->yule_k };
        const int has[N_LEXDIV_FIELDS] = { x->has_mattr, x->has_mtld, x->has_hdd,
                                           x->has_yule_k };
        for (size_t i = 0; i < N_LEXDIV_FIELDS; i++)
            rec_rate(&rec, lexdiv_fields[i], v[i], has[i]);
    }
    no_error(&rec);
    rec_end(&rec);
}

/* ---- words ------------------------------------------------------------------ */

static const char *const words_cols[] = { "rank", "word", "count" };

static int words_columns(const struct run *r, const char ***names, size_t *n)
{
    (void)r;
    const char **v = malloc(sizeof words_cols);
    if (!v)
        return PARDO_ENOMEM;
    for (size_t i = 0; i < 3; i++)
        v[i] = words_cols[i];
    *names = v;
    *n = 3;
    return 0;
}

static int words_process(const struct run *r, struct worker *w)
{
    int rc = analyze(r, w);
    if (rc == 0 && r->o->corpus && !r->pack_words) {
        rc = wordtab_merge(w->corpus, w->words);
        w->corpus_files++;
    }
    return rc;
}

/* The top-K list of t: JSON `"words":[[w,c],...]` or one row per word
 * (path, rank, word, count, error) with `path` as the first field.  A
 * table without words gives one row with empty rank, word and count.
 * *sorted_ok is cleared when sorting ran out of memory. */
static void top_words(struct ebuf *b, enum format fmt, struct wordtab *t, size_t k,
                      const char *path, size_t path_len, int *sorted_ok)
{
    size_t n;
    const struct word_entry *e = wordtab_sorted(t, &n);
    if (n != wordtab_size(t))
        *sorted_ok = 0;
    if (n > k)
        n = k;
    if (fmt == FMT_JSONL) {
        ebuf_puts(b, "\"words\":[");
        for (size_t i = 0; i < n; i++) {
            ebuf_puts(b, i ? ",[" : "[");
            emit_json_string(b, e[i].word, e[i].len);
            ebuf_putc(b, ',');
            ebuf_u64(b, e[i].count);
            ebuf_putc(b, ']');
        }
        ebuf_putc(b, ']');
        return;
    }
    struct rec rec;
    for (size_t i = 0; i < n || (i == 0 && n == 0); i++) {
        rec_begin(&rec, b, fmt);
        rec_str(&rec, "path", path, path_len);
        if (n == 0) {
            rec_null(&rec, "rank");
            rec_null(&rec, "word");
            rec_null(&rec, "count");
        } else {
            rec_u64(&rec, "rank", i + 1);
            rec_str(&rec, "word", e[i].word, e[i].len);
            rec_u64(&rec, "count", e[i].count);
        }
        rec_null(&rec, "error");
        rec_end(&rec);
    }
}

static void words_format(const struct run *r, struct worker *w, const struct item_in *in,
                         const struct item_out *out)
{
    (void)out;
    const struct opts *o = r->o;
    int ok = 1;
    if (o->corpus_only)
        return;
    if (o->format == FMT_JSONL) {
        struct rec rec;
        rec_begin(&rec, &w->rec, o->format);
        path_field(&rec, in);
        ebuf_putc(&w->rec, ',');
        top_words(&w->rec, o->format, w->words, (size_t)o->top, NULL, 0, &ok);
        rec_end(&rec);
    } else {
        top_words(&w->rec, o->format, w->words, (size_t)o->top, in->path, strlen(in->path), &ok);
    }
    if (!ok)
        w->rec.oom = 1;
}

static int words_finish(struct run *r, struct ebuf *b)
{
    const struct opts *o = r->o;
    if (!o->corpus)
        return 0;
    struct wordtab *sum = wordtab_new();
    uint64_t files = 0;
    int rc = sum ? 0 : PARDO_ENOMEM, ok = 1;
    for (struct worker *w = r->workers; w && rc == 0; w = w->next) {
        if (w->corpus)
            rc = wordtab_merge(sum, w->corpus);
        files += w->corpus_files;
    }
    if (rc == 0 && r->corpus) {         /* from worker processes */
        rc = wordtab_merge(sum, r->corpus);
        files += r->corpus_files;
    }
    if (rc == 0 && o->format == FMT_JSONL) {
        ebuf_puts(b, "{\"corpus\":true,\"files\":");
        ebuf_u64(b, files);
        ebuf_putc(b, ',');
        top_words(b, o->format, sum, (size_t)o->top, NULL, 0, &ok);
        ebuf_puts(b, "}\n");
    } else if (rc == 0) {
        top_words(b, o->format, sum, (size_t)o->top, "", 0, &ok);
    }
    wordtab_free(sum);
    return rc ? rc : !ok || b->oom ? PARDO_ENOMEM : 0;
}

int command_finish(struct run *r, struct ebuf *b)
{
    return r->cmd->finish ? r->cmd->finish(r, b) : 0;
}

/* ---- the table -------------------------------------------------------------- */

static const struct command_ops count_ops = {
    .columns = count_columns, .process = count_process, .format = count_format
};
static const struct command_ops stats_ops = {
    .columns = stats_columns, .process = stats_process, .format = stats_format
};
static const struct command_ops words_ops = {
    .columns = words_columns, .process = words_process, .format = words_format,
    .finish = words_finish
};

const struct command_ops *command_ops_for(const struct opts *o)
{
    switch (o->cmd) {
    case CMD_COUNT:     return &count_ops;
    case CMD_STATS:     return &stats_ops;
    case CMD_WORDS:     return o->favorites ? attribute_ops(o) : &words_ops;
    case CMD_ATTRIBUTE: return attribute_ops(o);
    case CMD_CLUSTER:   return cluster_ops();
    case CMD_REPORT:    return report_ops(o);
    default:            return NULL;
    }
}
