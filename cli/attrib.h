/*
 * attrib.h - authorship attribution (shared/spec/text.md section 7) and
 * favourite words, as pure functions on word-count tables.
 *
 * DESIGN
 * A corpus is a list of texts, each with a label (its author) or none
 * (unknown), its WORD counts and N, its number of WORDs.  Texts are added
 * from arrays of struct word_entry (cli/text.h), as wordtab_sorted() gives
 * them or a test writes them by hand (any order); the corpus copies what it
 * needs, so the caller may clear or reuse the table at once.
 * attrib_corpus_freeze() then ranks every word once; from then on the corpus
 * is read-only, and every function that takes a const corpus may run in
 * several threads at once on it.
 *
 * A model (attrib_model_new) is the spec's method on the known texts, less at
 * most one held out: the --mfw most frequent WORDs, their z-scores and the
 * authors' profiles.  attrib_model_classify() gives one text's distance to
 * every author, nearest first.  Leave-one-out is one model per known text
 * (attrib_loo_text), so the folds are independent and may run on any number
 * of threads with the same result: every sum is taken in a fixed order.
 *
 * Nothing here does I/O, prints or exits.  Every fallible call returns 0 or a
 * negative PARDO_E* code (pardo.h) and then leaves its outputs safe to free.
 * The rules and every choice the spec leaves open are in doc/attribution.md.
 */
#ifndef PARDO_CLI_ATTRIB_H
#define PARDO_CLI_ATTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "text.h"

#define ATTRIB_NONE ((size_t)-1)   /* no label, no text, no nearest author */

/* ---- corpus ---------------------------------------------------------- */

struct attrib_corpus;

/* An empty corpus.  0, or PARDO_ENOMEM (then *c is NULL). */
int  attrib_corpus_new(struct attrib_corpus **c);
void attrib_corpus_free(struct attrib_corpus *c);   /* NULL is a no-op */

/* Adds one text and sets *index (may be NULL) to its number: texts are
 * numbered 0, 1, 2... in the order they are added.
 *   label   the author, a non-empty string (copied); NULL for an unknown text.
 *   words   n entries: word (lowercased UTF-8, len bytes, not empty), count,
 *           inner and inner_caps (only favourites use these two; 0 is fine).
 *           A word given twice is added up; entries with count 0 are ignored.
 *   total   N, the text's number of WORDs: at least the sum of the counts
 *           (more when the array leaves words out, as a test may).
 * Returns PARDO_EINVAL, adding nothing, for a known text with N = 0 (the spec
 * makes it an error; the caller knows which text it was, and may test
 * label && total == 0 first to say so in its own words), for counts that add
 * up past total, inner > count or inner_caps > inner, an empty word or label,
 * or after attrib_corpus_freeze().  An unknown text with N = 0 is accepted.
 * PARDO_ENOMEM adds nothing either. */
int attrib_corpus_add(struct attrib_corpus *c, const char *label,
                      const struct word_entry *words, size_t n, uint64_t total,
                      size_t *index);
/* As attrib_corpus_add, for a sample of a file (--sample-size): with
 * same_file set, the text belongs to the file of the text added just before
 * (which must exist and have the same label, else PARDO_EINVAL).  A text
 * added by attrib_corpus_add is a file of its own.  Leave-one-out holds a
 * whole file out. */
int attrib_corpus_add_part(struct attrib_corpus *c, const char *label,
                           const struct word_entry *words, size_t n, uint64_t total,
                           int same_file, size_t *index);

/* Ranks the words and numbers the labels in byte order (strcmp); after it
 * the corpus takes no more texts.  Calling it again does nothing.  Every
 * function below needs a frozen corpus (else PARDO_EINVAL).
 * 0 or PARDO_ENOMEM (the corpus is then unchanged and may be frozen again). */
int attrib_corpus_freeze(struct attrib_corpus *c);

size_t attrib_corpus_texts(const struct attrib_corpus *c);
size_t attrib_corpus_known(const struct attrib_corpus *c);  /* texts with a label */
/* The labels, numbered 0.. in byte order once frozen (0 before). */
size_t      attrib_corpus_labels(const struct attrib_corpus *c);
const char *attrib_corpus_label(const struct attrib_corpus *c, size_t label);
/* A text's label number, ATTRIB_NONE for an unknown text (or before freezing). */
size_t   attrib_corpus_text_label(const struct attrib_corpus *c, size_t text);
uint64_t attrib_corpus_text_words(const struct attrib_corpus *c, size_t text);
/* Files (groups of texts: attrib_corpus_add_part), numbered 0.. in the order
 * their first text was added; a file's texts are consecutive. */
size_t attrib_corpus_files(const struct attrib_corpus *c);
size_t attrib_corpus_text_file(const struct attrib_corpus *c, size_t text);
/* The first text of a file and its number of texts (0 for a bad file). */
size_t attrib_corpus_file_texts(const struct attrib_corpus *c, size_t file, size_t *first);

/* ---- options --------------------------------------------------------- */

/* The distances of spec section 10, between two vectors a and b of F
 * features (most frequent first, i = 1..F). */
enum attrib_delta {
    ATTRIB_BURROWS = 0,     /* sum |a_i - b_i| / F, on z-scores */
    ATTRIB_COSINE,          /* 1 - a.b / (|a| |b|); 1 for a zero vector */
    ATTRIB_EDER,            /* sum |a_i - b_i| (F - i + 2) / F (stylo's dist.eder) */
    ATTRIB_ARGAMON,         /* sqrt(sum (a_i - b_i)^2) / F (stylo's dist.argamon) */
    ATTRIB_MINMAX           /* 1 - sum min / sum max, on relative frequencies
                               (not z-scores); 0 when both are all zeros */
};
#define ATTRIB_NDELTAS 5

/* "burrows", "cosine", "eder", "argamon", "minmax" -> *d; 0, or
 * PARDO_EINVAL for anything else. */
int attrib_delta_parse(const char *name, enum attrib_delta *d);
const char *attrib_delta_name(enum attrib_delta d);   /* "?" when unknown */

/* The distance d between a[0..nf) and b[0..nf), summed in feature order.
 * With nf = 0: burrows, argamon, eder and minmax 0, cosine 1. */
double attrib_distance(enum attrib_delta d, const double *a, const double *b, size_t nf);
/* out[k] = attrib_distance(d, a, b[k], nf), bit for bit, for k = 0..3, in
 * one pass: four sums in flight instead of one, whose additions wait on
 * each other (the T x T matrix of cluster). */
void attrib_distance4(enum attrib_delta d, const double *a, const double *const b[4],
                      size_t nf, double out[4]);

struct attrib_options {
    size_t mfw;             /* the N most frequent WORDs (>= 1; default 100) */
    enum attrib_delta delta;/* default ATTRIB_BURROWS */
    /* Refinements beyond the spec, all off by default: */
    double culling;         /* 0..100: a feature must occur in at least this
                               percentage of the known texts (stylo's culling,
                               applied before the mfw are chosen); 0 = off */
    int    no_pronouns;     /* 1: English personal pronouns are never features
                               (stylo's list; see attrib_is_pronoun) */
};

/* The spec's method: mfw 100, Burrows' Delta, no refinement. */
void attrib_options_init(struct attrib_options *o);

/* The features the known texts offer under opt's culling and pronoun rule
 * (every text kept): the most a model can choose, whatever opt->mfw. */
size_t attrib_features_available(const struct attrib_corpus *c,
                                 const struct attrib_options *opt);

/* 1 when w (lowercased, len bytes) is on the pronoun list of no_pronouns. */
int attrib_is_pronoun(const char *w, size_t len);

/* ---- model and attribution -------------------------------------------- */

struct attrib_model;

/* Builds the model on the known texts, less held_out (a known text's number,
 * whose whole file is held out with it; or ATTRIB_NONE to keep them all): chooses the features, their means and
 * sample standard deviations, drops the features whose values are all equal,
 * and takes every author's profile.  An author with no text left is not a
 * candidate.  The model only reads c, which must outlive it.
 * 0, PARDO_ENOMEM, or PARDO_EINVAL (corpus not frozen, bad options, held_out
 * not a known text). */
int  attrib_model_new(struct attrib_model **m, const struct attrib_corpus *c,
                      const struct attrib_options *opt, size_t held_out);
void attrib_model_free(struct attrib_model *m);    /* NULL is a no-op */

/* The features that survived, most frequent first (ties in byte order). */
size_t      attrib_model_features(const struct attrib_model *m);
const char *attrib_model_feature(const struct attrib_model *m, size_t i);
/* Mean and sample standard deviation of feature i's value (count / N) over
 * the model's known texts.  0, or PARDO_EINVAL for a bad i. */
int attrib_model_stats(const struct attrib_model *m, size_t i, double *mean, double *sd);
/* z[0..features) gets a text's z-scores.  A text with N = 0 has no rates;
 * it gets all zeros (it sits at the mean).  0 or PARDO_EINVAL (bad text). */
int attrib_model_zscores(const struct attrib_model *m, size_t text, double *z);
/* v[0..features) gets a text's feature values (count / N; zeros when N = 0). */
int attrib_model_values(const struct attrib_model *m, size_t text, double *v);
/* z[0..features) gets an author's profile; PARDO_EINVAL when the label is
 * not a candidate of this model. */
int attrib_model_profile(const struct attrib_model *m, size_t label, double *z);

struct attrib_score {
    size_t label;           /* label number (attrib_corpus_label) */
    double distance;
};

struct attrib_result {
    size_t text;            /* the text attributed */
    size_t label;           /* its own label, ATTRIB_NONE if unknown */
    size_t nearest;         /* scores[0].label, ATTRIB_NONE if no candidate */
    size_t features;        /* the features the distances were taken on */
    size_t nscores;
    struct attrib_score *scores;   /* every candidate author, nearest first,
                                      ties by label in byte order; owned */
};

/* Attributes one text (any text; the held-out one, in a fold).  With no
 * feature at all, Burrows' and Eder's distances are 0 and cosine's 1.
 * On success *r must be released with attrib_result_free().
 * 0, PARDO_ENOMEM or PARDO_EINVAL (bad text number). */
int  attrib_model_classify(const struct attrib_model *m, size_t text,
                           struct attrib_result *r);
void attrib_result_free(struct attrib_result *r);  /* frees scores; NULL ok */

/* ---- leave-one-out ----------------------------------------------------- */

/* One fold: the model without known text `text` (and the other samples of
 * its file), then that text attributed.
 * Thread-safe on a frozen corpus.  0, PARDO_ENOMEM, PARDO_EINVAL (the text
 * is not known, bad options, corpus not frozen). */
int attrib_loo_text(const struct attrib_corpus *c, const struct attrib_options *opt,
                    size_t text, struct attrib_result *r);

/* A cell of a grid: one --mfw value and one distance. */
struct attrib_cell {
    size_t mfw;
    enum attrib_delta delta;
};

/* One fold of a grid: the model without known file `file` is built once for
 * the largest mfw of the cells (the features of a smaller mfw are its
 * prefix: the order does not depend on the cut), and each of the file's
 * texts is attributed in every cell: r[t * ncells + k] for its t-th text
 * and cell k (attrib_corpus_file_texts() * ncells results, zeroed by the
 * caller; free each with attrib_result_free).  Each result is bit for bit
 * what attrib_loo_text() gives with that cell's mfw and delta.
 * opt->mfw and opt->delta are not used.  Thread-safe on a frozen corpus.
 * 0, PARDO_ENOMEM, PARDO_EINVAL (not a file of known texts, no cell, a
 * cell's mfw 0, bad options, corpus not frozen). */
int attrib_loo_file(const struct attrib_corpus *c, const struct attrib_options *opt,
                    const struct attrib_cell *cells, size_t ncells, size_t file,
                    struct attrib_result *r);

struct attrib_tally {
    size_t texts;           /* texts attributed */
    size_t correct;         /* of which nearest == their own label */
};

struct attrib_summary {
    struct attrib_tally all;
    double accuracy;        /* all.correct / all.texts; 0 when no text */
    size_t nlabels;
    struct attrib_tally *labels;   /* by label number; owned */
};

/* Adds up n fold results.  A text whose nearest is ATTRIB_NONE counts as a
 * text, not as correct.  Release with attrib_summary_free().
 * 0, PARDO_ENOMEM, PARDO_EINVAL (a result's label is not a label of c). */
int  attrib_summarize(const struct attrib_corpus *c, const struct attrib_result *r,
                      size_t n, struct attrib_summary *s);
void attrib_summary_free(struct attrib_summary *s);   /* NULL ok */

/* Every fold in text order, on the calling thread: *results gets one result
 * per known text (*n of them) and s their summary.  Release with
 * attrib_results_free(*results, *n) and attrib_summary_free(s). */
int  attrib_loo(const struct attrib_corpus *c, const struct attrib_options *opt,
                struct attrib_result **results, size_t *n,
                struct attrib_summary *s);
void attrib_results_free(struct attrib_result *r, size_t n);

/* ---- favourite words ------------------------------------------------------ */

struct attrib_favorite {
    const char *word;       /* owned by the corpus */
    uint64_t    count;      /* in the label's texts */
    uint64_t    other;      /* in the other labels' texts */
    size_t      texts;      /* the label's texts that use it */
    double      ratio;      /* ((count + 1) / (N_label + 1))
                               / ((other + 1) / (N_other + 1)) */
};

/* The k words that `label` uses most above the other known texts: a word
 * qualifies when it occurs in at least half of the label's texts, at least
 * once per 100,000 of the label's WORDs, and is not a proper name (capitalised
 * in 90% or more of its occurrences inside a sentence, in the label's texts;
 * a word never seen inside a sentence is kept).  Highest ratio first, ties by
 * the word's bytes.  *out gets min(k, qualifying) entries (*n of them; NULL
 * when 0), to be released with free().
 * 0, PARDO_ENOMEM, PARDO_EINVAL (not frozen, bad label). */
int attrib_favorites(const struct attrib_corpus *c, size_t label, size_t k,
                     struct attrib_favorite **out, size_t *n);

#endif
