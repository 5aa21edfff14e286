/*
 * test_attrib.c - authorship attribution and favourite words (cli/attrib.c)
 * on count tables small enough to work out by hand; the arithmetic is in the
 * comments.  Spec: shared/spec/text.md section 7; choices: doc/attribution.md.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/attrib.h"
#include "check.h"
#include "pardo.h"


struct wc {                 /* one word of a hand-made text */
    const char *w;
    uint64_t count;
    int given;              /* 0: inner = count, caps = 0 (a word never at
                               a sentence start, never capitalised) */
    uint64_t inner, caps;
};

#define W(w, n) { w, n, 0, 0, 0 }              /* inner = n, no capitals */
#define P(w, n, in, caps) { w, n, 1, in, caps }  /* inner and caps as given */
#define END { NULL, 0, 0, 0, 0 }

/* Adds a text from an END-terminated list. */
static int add(struct attrib_corpus *c, const char *label, uint64_t N, const struct wc *l)
{
    struct word_entry e[64];
    size_t n = 0;
    for (; l && l[n].w; n++) {
        e[n] = (struct word_entry){ l[n].w, (uint32_t)strlen(l[n].w), l[n].count, l[n].inner,
                                    l[n].caps };
        if (!l[n].given)
            e[n].inner = l[n].count;
    }
    return attrib_corpus_add(c, label, e, n, N, NULL);
}

static size_t label_of(const struct attrib_corpus *c, const char *name)
{
    for (size_t l = 0; l < attrib_corpus_labels(c); l++)
        if (strcmp(attrib_corpus_label(c, l), name) == 0)
            return l;
    return ATTRIB_NONE;
}

static const char *name_of(const struct attrib_corpus *c, size_t label)
{
    const char *s = attrib_corpus_label(c, label);
    return s ? s : "(none)";
}

/*
 * The hand example.  Every text has N = 10 (the words not listed make up the
 * rest), so a value is count / 10.
 *
 *   text  label   a  b  c        a     b     c
 *   T0    x       4  2  1       .4    .2    .1
 *   T1    x       2  2  3       .2    .2    .3
 *   T2    y       3  5  2       .3    .5    .2
 *   U     (none)  5  1  2       .5    .1    .2
 *
 * Summed over the known texts: a 9, b 9, c 6, so the features are a, b
 * (the tie in byte order), c.
 *   a: mean .3, deviations .1 -.1 0, sd = sqrt(.02 / 2) = .1; z = 1 -1 0
 *   b: mean .3, deviations -.1 -.1 .2, sd = sqrt(.06 / 2) = sqrt(.03);
 *      z = -.1/sqrt(.03) = -1/sqrt(3) = -s, -s, 2s   (s = 1/sqrt(3))
 *   c: mean .2, sd .1; z = -1 1 0
 * Profiles: x = mean(T0, T1) = (0, -s, 0); y = T2 = (0, 2s, 0).
 * U: z = ((.5-.3)/.1, (.1-.3)/sqrt(.03), 0) = (2, -2s, 0).
 */
static const struct wc T0[] = { W("a", 4), W("b", 2), W("c", 1), END };
static const struct wc T1[] = { W("a", 2), W("b", 2), W("c", 3), END };
static const struct wc T2[] = { W("a", 3), W("b", 5), W("c", 2), END };
static const struct wc U[] = { W("a", 5), W("b", 1), W("c", 2), END };
static const double S = 0.57735026918962576;   /* 1 / sqrt(3) */

static struct attrib_corpus *hand_corpus(void)
{
    struct attrib_corpus *c;
    if (attrib_corpus_new(&c))
        return NULL;
    if (add(c, "x", 10, T0) || add(c, "x", 10, T1) || add(c, "y", 10, T2)
        || add(c, NULL, 10, U) || add(c, NULL, 0, NULL) || attrib_corpus_freeze(c)) {
        attrib_corpus_free(c);
        return NULL;
    }
    return c;
}

static void test_zscores(void)
{
    struct attrib_corpus *c = hand_corpus();
    REQUIRE(c);
    struct attrib_options o;
    attrib_options_init(&o);
    CHECK_EQ_INT(o.mfw, 100);
    CHECK_EQ_INT(o.delta, ATTRIB_BURROWS);
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 3);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    CHECK_EQ_STR(attrib_model_feature(m, 1), "b");
    CHECK_EQ_STR(attrib_model_feature(m, 2), "c");
    double mean, sd, z[3];
    REQUIRE(attrib_model_stats(m, 0, &mean, &sd) == 0);
    CHECK(NEAR(mean, .3) && NEAR(sd, .1));
    REQUIRE(attrib_model_stats(m, 1, &mean, &sd) == 0);
    CHECK(NEAR(mean, .3) && NEAR(sd, sqrt(.03)));
    REQUIRE(attrib_model_stats(m, 2, &mean, &sd) == 0);
    CHECK(NEAR(mean, .2) && NEAR(sd, .1));
    CHECK(attrib_model_stats(m, 3, &mean, &sd) == PARDO_EINVAL);
    REQUIRE(attrib_model_zscores(m, 0, z) == 0);
    CHECK(NEAR(z[0], 1) && NEAR(z[1], -S) && NEAR(z[2], -1));
    REQUIRE(attrib_model_zscores(m, 2, z) == 0);
    CHECK(NEAR(z[0], 0) && NEAR(z[1], 2 * S) && NEAR(z[2], 0));
    REQUIRE(attrib_model_zscores(m, 3, z) == 0);
    CHECK(NEAR(z[0], 2) && NEAR(z[1], -2 * S) && NEAR(z[2], 0));
    REQUIRE(attrib_model_profile(m, label_of(c, "x"), z) == 0);
    CHECK(NEAR(z[0], 0) && NEAR(z[1], -S) && NEAR(z[2], 0));
    REQUIRE(attrib_model_profile(m, label_of(c, "y"), z) == 0);
    CHECK(NEAR(z[0], 0) && NEAR(z[1], 2 * S) && NEAR(z[2], 0));
    CHECK(attrib_model_zscores(m, 99, z) == PARDO_EINVAL);
    CHECK(attrib_model_profile(m, 99, z) == PARDO_EINVAL);
    attrib_model_free(m);
    attrib_corpus_free(c);
}

/* Distances of text `text` of the hand corpus under delta d. */
static void hand_distances(enum attrib_delta d, size_t text, double dx, double dy)
{
    struct attrib_corpus *c = hand_corpus();
    REQUIRE(c);
    struct attrib_options o;
    attrib_options_init(&o);
    o.delta = d;
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    struct attrib_result r;
    REQUIRE(attrib_model_classify(m, text, &r) == 0);
    CHECK_EQ_INT(r.text, text);
    CHECK_EQ_INT(r.label, ATTRIB_NONE);
    CHECK_EQ_INT(r.features, 3);
    REQUIRE(r.nscores == 2);
    size_t x = label_of(c, "x"), y = label_of(c, "y");
    /* nearest first; equal distances by label, and "x" < "y" */
    size_t first = dx <= dy ? x : y;
    CHECK_EQ_STR(name_of(c, r.scores[0].label), name_of(c, first));
    CHECK_EQ_INT(r.nearest, first);
    double got_x = r.scores[r.scores[0].label == x ? 0 : 1].distance;
    double got_y = r.scores[r.scores[0].label == y ? 0 : 1].distance;
    CHECK(NEAR(got_x, dx));
    CHECK(NEAR(got_y, dy));
    attrib_result_free(&r);
    attrib_model_free(m);
    attrib_corpus_free(c);
}

/* U = (2, -2s, 0); x = (0, -s, 0); y = (0, 2s, 0).
 * Burrows: x: (|2| + |-2s + s| + 0) / 3 = (2 + s) / 3 = 0.8591...;
 *          y: (2 + |-2s - 2s|) / 3 = (2 + 4s) / 3 = 1.4364... */
static void test_burrows(void) { hand_distances(ATTRIB_BURROWS, 3, (2 + S) / 3, (2 + 4 * S) / 3); }

/* |U| = sqrt(4 + 4/3) = 4s, |x| = s, |y| = 2s.
 * cos(U, x) = (2s * s) / (4s * s) = 1/2  -> 0.5
 * cos(U, y) = (-2s * 2s) / (4s * 2s) = -1/2 -> 1.5 */
static void test_cosine(void) { hand_distances(ATTRIB_COSINE, 3, 0.5, 1.5); }

/* Eder: weights (F - i + 2) / F = 4/3, 3/3, 2/3 for F = 3.
 * x: 4/3 * 2 + 1 * s + 0 = 8/3 + s;  y: 8/3 + 4s. */
static void test_eder(void) { hand_distances(ATTRIB_EDER, 3, 8.0 / 3 + S, 8.0 / 3 + 4 * S); }

/* An unknown text with no WORD has no rates: it gets z = 0 everywhere.
 * Burrows: x: (0 + s + 0) / 3 = s/3; y: 2s/3.
 * Cosine: its vector is all zeros, so 1 for every author; the tie goes to
 * "x", the first label in byte order. */
static void test_empty_unknown(void)
{
    hand_distances(ATTRIB_BURROWS, 4, S / 3, 2 * S / 3);
    hand_distances(ATTRIB_COSINE, 4, 1, 1);
    struct attrib_corpus *c = hand_corpus();
    REQUIRE(c);
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    double z[3] = { 9, 9, 9 };
    REQUIRE(attrib_model_zscores(m, 4, z) == 0);
    CHECK(z[0] == 0 && z[1] == 0 && z[2] == 0);
    attrib_model_free(m);
    attrib_corpus_free(c);
}

/* A known text with no WORD is an error; an unknown one is not. */
static void test_empty_known(void)
{
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    size_t i = 7;
    CHECK(attrib_corpus_add(c, "x", NULL, 0, 0, &i) == PARDO_EINVAL);
    CHECK_EQ_INT(i, 7);
    CHECK_EQ_INT(attrib_corpus_texts(c), 0);
    CHECK(attrib_corpus_add(c, NULL, NULL, 0, 0, &i) == 0);
    CHECK_EQ_INT(i, 0);
    CHECK(add(c, "x", 10, T0) == 0);
    CHECK_EQ_INT(attrib_corpus_texts(c), 2);
    CHECK_EQ_INT(attrib_corpus_known(c), 1);
    attrib_corpus_free(c);
}

static void test_bad_input(void)
{
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    /* counts past N, inner > count, caps > inner, empty word, empty label */
    CHECK(add(c, "x", 6, T0) == PARDO_EINVAL);
    const struct wc in[] = { P("a", 1, 2, 0), END };
    CHECK(add(c, "x", 10, in) == PARDO_EINVAL);
    const struct wc caps[] = { P("a", 3, 1, 2), END };
    CHECK(add(c, "x", 10, caps) == PARDO_EINVAL);
    const struct wc empty[] = { W("", 1), END };
    CHECK(add(c, "x", 10, empty) == PARDO_EINVAL);
    CHECK(add(c, "", 10, T0) == PARDO_EINVAL);
    CHECK_EQ_INT(attrib_corpus_texts(c), 0);
    /* a word given twice is added up */
    const struct wc twice[] = { W("a", 1), W("b", 1), W("a", 2), END };
    CHECK(add(c, "x", 4, twice) == 0);
    CHECK(add(c, "y", 4, T0) == PARDO_EINVAL);   /* 7 > 4 */
    CHECK(add(c, "y", 10, T0) == 0);
    struct attrib_model *m;
    struct attrib_options o;
    attrib_options_init(&o);
    CHECK(attrib_model_new(&m, c, &o, ATTRIB_NONE) == PARDO_EINVAL);  /* not frozen */
    REQUIRE(attrib_corpus_freeze(c) == 0);
    CHECK(attrib_corpus_freeze(c) == 0);
    CHECK(add(c, "z", 10, T0) == PARDO_EINVAL);   /* frozen */
    o.mfw = 0;
    CHECK(attrib_model_new(&m, c, &o, ATTRIB_NONE) == PARDO_EINVAL);
    o.mfw = 1;
    o.culling = 101;
    CHECK(attrib_model_new(&m, c, &o, ATTRIB_NONE) == PARDO_EINVAL);
    o.culling = 0;
    CHECK(attrib_model_new(&m, c, &o, 5) == PARDO_EINVAL);
    /* mfw 1: "a" (3 + 4 = 7) beats "b" (1 + 2 = 3).
     * a: 3/4 = .75 and 4/10 = .4. */
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 1);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    double mean, sd;
    REQUIRE(attrib_model_stats(m, 0, &mean, &sd) == 0);
    CHECK(NEAR(mean, (.75 + .4) / 2));
    attrib_model_free(m);
    enum attrib_delta d;
    CHECK(attrib_delta_parse("cosine", &d) == 0 && d == ATTRIB_COSINE);
    CHECK(attrib_delta_parse("burrows", &d) == 0 && d == ATTRIB_BURROWS);
    CHECK(attrib_delta_parse("eder", &d) == 0 && d == ATTRIB_EDER);
    CHECK(attrib_delta_parse("Cosine", &d) == PARDO_EINVAL);
    CHECK_EQ_STR(attrib_delta_name(ATTRIB_COSINE), "cosine");
    attrib_corpus_free(c);
}

/* Feature ties go by byte order: every word below sums to 4, so the order is
 * a < ab < b < z < é (C3 A9).  "the" (5 + 5 = 10) comes first but is 5/20 in
 * both texts, so it is dropped and not replaced: mfw 5 gives 4 features. */
static void test_feature_ties(void)
{
    static const struct wc p[] = { W("the", 5),  W("z", 3), W("\xc3\xa9", 1), W("b", 1),
                                   W("ab", 3), W("a", 1), END };
    static const struct wc q[] = { W("\xc3\xa9", 3), W("a", 3), W("b", 3), W("the", 5),
                                   W("z", 1), W("ab", 1), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "p", 20, p) == 0 && add(c, "q", 20, q) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_options o;
    attrib_options_init(&o);
    o.mfw = 5;
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 4);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    CHECK_EQ_STR(attrib_model_feature(m, 1), "ab");
    CHECK_EQ_STR(attrib_model_feature(m, 2), "b");
    CHECK_EQ_STR(attrib_model_feature(m, 3), "z");
    attrib_model_free(m);
    o.mfw = 6;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 5);
    CHECK_EQ_STR(attrib_model_feature(m, 4), "\xc3\xa9");
    attrib_model_free(m);
    attrib_corpus_free(c);
}

/* "the" is 2/10 = 4/20 = 1/5 = 0.2 in every known text: dropped although it
 * is the most frequent word.  mfw 2 picks "the" and "a"; one feature stays. */
static void test_constant_dropped(void)
{
    static const struct wc t0[] = { W("the", 2), W("a", 1), END };
    static const struct wc t1[] = { W("the", 4), W("a", 3), END };
    static const struct wc t2[] = { W("the", 1), W("a", 2), W("b", 2), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "x", 10, t0) == 0 && add(c, "y", 20, t1) == 0 && add(c, "z", 5, t2) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_options o;
    attrib_options_init(&o);
    o.mfw = 2;
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 1);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    attrib_model_free(m);
    /* One known text left: every value is trivially constant, so there is no
     * feature; Burrows' distance is then 0, cosine's 1. */
    /* Without y: the 3, a 3, b 2; mfw 3 gives a, the, b (a before the in
     * byte order); "the" is .2 in x and z, dropped; a .1 .4, b 0 .4 stay. */
    o.mfw = 3;
    REQUIRE(attrib_model_new(&m, c, &o, 1) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 2);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    CHECK_EQ_STR(attrib_model_feature(m, 1), "b");
    attrib_model_free(m);
    attrib_corpus_free(c);

    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "x", 10, t0) == 0 && add(c, NULL, 10, t1) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 0);
    struct attrib_result r;
    REQUIRE(attrib_model_classify(m, 1, &r) == 0);
    REQUIRE(r.nscores == 1);
    CHECK(r.scores[0].distance == 0);
    attrib_result_free(&r);
    attrib_model_free(m);
    o.delta = ATTRIB_COSINE;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_classify(m, 1, &r) == 0);
    REQUIRE(r.nscores == 1);
    CHECK(r.scores[0].distance == 1);
    attrib_result_free(&r);
    attrib_model_free(m);
    attrib_corpus_free(c);
}

/* "zeta" and "alpha" have the same text, so the same profile and the same
 * distance to anything: "alpha" comes first.  Labels are numbered in byte
 * order whatever the order the texts came in. */
static void test_distance_ties(void)
{
    static const struct wc a[] = { W("a", 2), W("b", 1), END };
    static const struct wc b[] = { W("a", 1), W("b", 3), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "zeta", 10, a) == 0 && add(c, "mid", 10, b) == 0);
    REQUIRE(add(c, "alpha", 10, a) == 0 && add(c, NULL, 10, b) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    REQUIRE(attrib_corpus_labels(c) == 3);
    CHECK_EQ_STR(attrib_corpus_label(c, 0), "alpha");
    CHECK_EQ_STR(attrib_corpus_label(c, 1), "mid");
    CHECK_EQ_STR(attrib_corpus_label(c, 2), "zeta");
    CHECK_EQ_INT(attrib_corpus_text_label(c, 0), 2);
    CHECK_EQ_INT(attrib_corpus_text_label(c, 3), ATTRIB_NONE);
    for (int d = ATTRIB_BURROWS; d <= ATTRIB_EDER; d++) {
        struct attrib_options o;
        attrib_options_init(&o);
        o.delta = (enum attrib_delta)d;
        struct attrib_model *m;
        REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
        struct attrib_result r;
        REQUIRE(attrib_model_classify(m, 3, &r) == 0);   /* same as mid's text */
        REQUIRE(r.nscores == 3);
        CHECK_EQ_STR(name_of(c, r.scores[0].label), "mid");
        CHECK(r.scores[0].distance == 0);
        CHECK_EQ_STR(name_of(c, r.scores[1].label), "alpha");
        CHECK_EQ_STR(name_of(c, r.scores[2].label), "zeta");
        CHECK(r.scores[1].distance == r.scores[2].distance);
        attrib_result_free(&r);
        attrib_model_free(m);
    }
    attrib_corpus_free(c);
}

/* Leave-one-out on the hand corpus plus "solo", an author with one text.
 *   T0 x, T1 x, T2 y, T3 solo, U.
 * Holding T3 out leaves no text of solo's: solo is no candidate, so T3
 * cannot be right.  Holding T2 out does the same to y. */
static void test_loo_single(void)
{
    static const struct wc t3[] = { W("a", 1), W("b", 1), W("c", 5), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "x", 10, T0) == 0 && add(c, "x", 10, T1) == 0);
    REQUIRE(add(c, "y", 10, T2) == 0 && add(c, "solo", 10, t3) == 0);
    REQUIRE(add(c, NULL, 10, U) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    size_t solo = label_of(c, "solo"), x = label_of(c, "x"), y = label_of(c, "y");
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_result *r;
    size_t n;
    struct attrib_summary s;
    REQUIRE(attrib_loo(c, &o, &r, &n, &s) == 0);
    REQUIRE(n == 4);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(r[i].text, i);
        CHECK_EQ_INT(r[i].nscores, i >= 2 ? 2 : 3);
        for (size_t k = 0; k < r[i].nscores; k++)
            CHECK(r[i].scores[k].label != r[i].label || i < 2);
        for (size_t k = 1; k < r[i].nscores; k++)
            CHECK(r[i].scores[k - 1].distance <= r[i].scores[k].distance);
    }
    CHECK_EQ_INT(r[3].label, solo);
    CHECK(r[3].nearest != solo);
    CHECK(r[2].nearest != y);
    CHECK_EQ_INT(s.all.texts, 4);
    CHECK_EQ_INT(s.labels[solo].texts, 1);
    CHECK_EQ_INT(s.labels[solo].correct, 0);
    CHECK_EQ_INT(s.labels[y].correct, 0);
    CHECK_EQ_INT(s.labels[x].texts, 2);
    size_t correct = (r[0].nearest == x) + (r[1].nearest == x);
    CHECK_EQ_INT(s.all.correct, correct);
    CHECK(NEAR(s.accuracy, correct / 4.0));
    /* A fold on its own gives the same bits. */
    struct attrib_result one;
    REQUIRE(attrib_loo_text(c, &o, 1, &one) == 0);
    REQUIRE(one.nscores == r[1].nscores);
    for (size_t k = 0; k < one.nscores; k++)
        CHECK(one.scores[k].label == r[1].scores[k].label
              && one.scores[k].distance == r[1].scores[k].distance);
    attrib_result_free(&one);
    CHECK(attrib_loo_text(c, &o, 4, &one) == PARDO_EINVAL);   /* unknown text */
    attrib_results_free(r, n);
    attrib_summary_free(&s);
    attrib_corpus_free(c);
}

/*
 * Hand-worked fold: hold T1 out of the hand corpus.  Left: T0 (x), T2 (y).
 *   a: .4 .3  mean .35, sd = sqrt(2 * .05^2 / 1) = .05 * sqrt 2;  z = +-1/sqrt2
 *   b: .2 .5  mean .35, sd = .15 * sqrt 2;                          z = -+1/sqrt2
 *   c: .1 .2  mean .15, sd = .05 * sqrt 2;                          z = -+1/sqrt2
 * (with two texts every z is +-1/sqrt 2 = r).  Profiles: x = T0 = (r, -r, -r),
 * y = T2 = (-r, r, r).  T1 = (.2, .2, .3): z = (-.15/.0707.., -.15/.2121..,
 * .15/.0707..) = (-3r, -r, 3r).
 * Burrows: x: (4r + 0 + 4r) / 3 = 8r/3; y: (2r + 2r + 2r) / 3 = 2r.
 * So T1 is given to y (2r < 8r/3): wrong, and x still a candidate.
 */
static void test_loo_by_hand(void)
{
    struct attrib_corpus *c = hand_corpus();
    REQUIRE(c);
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_result r;
    REQUIRE(attrib_loo_text(c, &o, 1, &r) == 0);
    double rt = 1 / sqrt(2);
    REQUIRE(r.nscores == 2);
    CHECK_EQ_STR(name_of(c, r.scores[0].label), "y");
    CHECK(NEAR(r.scores[0].distance, 2 * rt));
    CHECK_EQ_STR(name_of(c, r.scores[1].label), "x");
    CHECK(NEAR(r.scores[1].distance, 8 * rt / 3));
    CHECK_EQ_STR(name_of(c, r.label), "x");
    attrib_result_free(&r);
    attrib_corpus_free(c);
}

/* Culling: "d" is in T0 and T1, 2 of 3 known texts (67%).  At 60% it is a
 * feature; with T2 held out it is in 2 of 2 (100%), with T0 held out in 1 of
 * 2 (50%) and culled.  Pronouns: "he" is dropped with no_pronouns. */
static void test_culling_pronouns(void)
{
    static const struct wc t0[] = { W("he", 5), W("a", 4), W("b", 2), W("d", 1), END };
    static const struct wc t1[] = { W("he", 1), W("a", 2), W("b", 3), W("d", 2), END };
    static const struct wc t2[] = { W("he", 2), W("a", 3), W("b", 5), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "x", 20, t0) == 0 && add(c, "x", 20, t1) == 0 && add(c, "y", 20, t2) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 4);      /* b 10, a 9, he 8, d 3 */
    CHECK_EQ_STR(attrib_model_feature(m, 2), "he");
    attrib_model_free(m);
    o.no_pronouns = 1;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 3);
    CHECK_EQ_STR(attrib_model_feature(m, 2), "d");
    attrib_model_free(m);
    o.culling = 60;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 3);
    attrib_model_free(m);
    REQUIRE(attrib_model_new(&m, c, &o, 2) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 3);
    CHECK_EQ_STR(attrib_model_feature(m, 2), "d");
    attrib_model_free(m);
    REQUIRE(attrib_model_new(&m, c, &o, 0) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 2);      /* b 8, a 5 */
    CHECK_EQ_STR(attrib_model_feature(m, 1), "a");
    attrib_model_free(m);
    o.culling = 70;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 2);
    attrib_model_free(m);
    CHECK(attrib_is_pronoun("he", 2));
    CHECK(attrib_is_pronoun("thee", 4));
    CHECK(attrib_is_pronoun("yourself", 8));
    CHECK(!attrib_is_pronoun("it", 2));
    CHECK(!attrib_is_pronoun("hero", 4));
    CHECK(!attrib_is_pronoun("h", 1));
    attrib_corpus_free(c);
}

/* ---- a fold equals a fresh corpus without the held-out text ------------- */

static uint64_t rng_state = 88172645463325252u;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum { RV = 3000, RT = 9 };
static char rwords[RV][8];
static uint64_t rcount[RT][RV];
static uint64_t rtotal[RT];
static const char *const rlabel[RT] = { "b", "a", "c", "a", "b", "c", "a", NULL, "b" };

/* Zipf-like counts for the first 300 words, then 0, 1 or 2 a text, so
 * that thousands of words tie on small totals; text 4 piles onto words 150
 * to 400, so holding it out reshuffles the ranks near mfw. */
static void random_texts(void)
{
    static int done;
    if (done++)
        return;
    for (size_t w = 0; w < RV; w++)
        snprintf(rwords[w], sizeof rwords[w], "w%04zu", (size_t)((w * 7919) % RV));
    for (size_t t = 0; t < RT; t++) {
        rtotal[t] = 0;
        for (size_t w = 0; w < RV; w++) {
            uint64_t base = 20000 / (w + 10);
            if (w >= 300)
                rcount[t][w] = rng() % 3;
            else
                rcount[t][w] = rng() % 4 == 0 ? 0 : base / 2 + rng() % (base / 2 + 2);
            if (t == 4 && w >= 150 && w < 400)
                rcount[t][w] += 40;
            rtotal[t] += rcount[t][w];
        }
        rtotal[t] += rng() % 1000;
    }
}

static int add_random(struct attrib_corpus *c, size_t t, const char *label)
{
    static struct word_entry e[RV];
    size_t n = 0;
    for (size_t w = 0; w < RV; w++)
        e[n++] = (struct word_entry){ rwords[w], 5, rcount[t][w], rcount[t][w], 0 };
    return attrib_corpus_add(c, label, e, n, rtotal[t], NULL);
}

static void same_result(const struct attrib_result *a, const struct attrib_result *b)
{
    CHECK_EQ_INT(a->features, b->features);
    REQUIRE(a->nscores == b->nscores);
    for (size_t k = 0; k < a->nscores; k++) {
        CHECK_EQ_INT(a->scores[k].label, b->scores[k].label);
        CHECK(a->scores[k].distance == b->scores[k].distance);
    }
}

static void fold_vs_fresh(const struct attrib_options *o, size_t held)
{
    struct attrib_corpus *all, *rest;
    REQUIRE(attrib_corpus_new(&all) == 0);
    REQUIRE(attrib_corpus_new(&rest) == 0);
    for (size_t t = 0; t < RT; t++) {
        REQUIRE(add_random(all, t, rlabel[t]) == 0);
        REQUIRE(add_random(rest, t, t == held ? NULL : rlabel[t]) == 0);
    }
    REQUIRE(attrib_corpus_freeze(all) == 0 && attrib_corpus_freeze(rest) == 0);
    struct attrib_model *m1, *m2;
    REQUIRE(attrib_model_new(&m1, all, o, held) == 0);
    REQUIRE(attrib_model_new(&m2, rest, o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m1) == attrib_model_features(m2));
    for (size_t f = 0; f < attrib_model_features(m1); f++)
        CHECK_EQ_STR(attrib_model_feature(m1, f), attrib_model_feature(m2, f));
    struct attrib_result r1, r2;
    REQUIRE(attrib_loo_text(all, o, held, &r1) == 0);
    REQUIRE(attrib_model_classify(m2, held, &r2) == 0);
    /* labels are numbered alike: both corpora have a, b, c */
    same_result(&r1, &r2);
    attrib_result_free(&r1);
    attrib_result_free(&r2);
    attrib_model_free(m1);
    attrib_model_free(m2);
    attrib_corpus_free(all);
    attrib_corpus_free(rest);
}

/* The fold's shortcut (choosing features from a prefix of the ranks) must
 * choose exactly what a corpus without the text chooses from all words. */
static void test_loo_exact(void)
{
    random_texts();
    static const size_t mfw[] = { 1, 5, 40, 150, 300, 1000, 5000 };
    for (size_t i = 0; i < sizeof mfw / sizeof *mfw; i++)
        for (size_t held = 0; held < RT; held++) {
            if (!rlabel[held])
                continue;
            struct attrib_options o;
            attrib_options_init(&o);
            o.mfw = mfw[i];
            o.delta = (enum attrib_delta)(held % 3);
            o.culling = held % 2 ? 0 : 75;
            o.no_pronouns = 1;
            fold_vs_fresh(&o, held);
        }
}

/* Folds on four threads, each taking every fourth text from its own start,
 * give the same bits as attrib_loo() on one: nothing is shared but the
 * frozen corpus (ThreadSanitizer checks that in `make tsan`). */
struct fold_job {
    const struct attrib_corpus *c;
    const struct attrib_options *o;
    size_t first, step, n;
    struct attrib_result *r;   /* r[i] for known text i (texts 0..n) */
    int rc;
};

static void *fold_worker(void *arg)
{
    struct fold_job *j = arg;
    for (size_t i = j->first; i < j->n && !j->rc; i += j->step)
        if (attrib_corpus_text_label(j->c, i) != ATTRIB_NONE)
            j->rc = attrib_loo_text(j->c, j->o, i, &j->r[i]);
    return NULL;
}

static void test_loo_threads(void)
{
    random_texts();
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    for (size_t t = 0; t < RT; t++)
        REQUIRE(add_random(c, t, rlabel[t]) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_options o;
    attrib_options_init(&o);
    o.mfw = 500;
    o.delta = ATTRIB_COSINE;
    struct attrib_result *seq, par[RT];
    size_t n;
    struct attrib_summary s;
    REQUIRE(attrib_loo(c, &o, &seq, &n, &s) == 0);
    memset(par, 0, sizeof par);
    pthread_t th[4];
    struct fold_job jobs[4];
    for (size_t k = 0; k < 4; k++) {
        jobs[k] = (struct fold_job){ c, &o, 3 - k, 4, RT, par, 0 };
        REQUIRE(pthread_create(&th[k], NULL, fold_worker, &jobs[k]) == 0);
    }
    for (size_t k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        CHECK(jobs[k].rc == 0);
    }
    for (size_t i = 0, k = 0; i < RT; i++) {
        if (!rlabel[i])
            continue;
        CHECK_EQ_INT(par[i].text, seq[k].text);
        same_result(&par[i], &seq[k]);
        k++;
        attrib_result_free(&par[i]);
    }
    attrib_results_free(seq, n);
    attrib_summary_free(&s);
    attrib_corpus_free(c);
}

/* The prefix's edge.  nx words x000... are once in T0 and once in H (total
 * 2, but 1 without H); "a" is once in T0 and "zzz" once in T1 (total 1).
 * Without H every one of them counts 1, so the features are the mfw first in
 * byte order: a, x000, x001...  When the prefix holds exactly the x words,
 * its best count (1) equals the total of the first word outside it ("a", 1),
 * and only a strict comparison sends the choice on to look outside.  nx runs
 * over a range wide enough to put that edge under any prefix length. */
static void test_loo_prefix_edge(void)
{
    static char xs[700][8];
    static struct word_entry t0[702], h[702];
    const struct word_entry a = { "a", 1, 1, 1, 0 }, z = { "zzz", 3, 1, 1, 0 };
    for (size_t nx = 1; nx <= 700; nx += nx < 240 ? 60 : 1) {
        for (size_t mfw = 1; mfw <= 3; mfw++) {
            struct attrib_corpus *c;
            REQUIRE(attrib_corpus_new(&c) == 0);
            for (size_t i = 0; i < nx; i++) {
                snprintf(xs[i], sizeof xs[i], "x%03zu", i);
                t0[i] = h[i] = (struct word_entry){ xs[i], 4, 1, 1, 0 };
            }
            t0[nx] = a;
            REQUIRE(attrib_corpus_add(c, "p", t0, nx + 1, 1000, NULL) == 0);
            REQUIRE(attrib_corpus_add(c, "p", &z, 1, 1000, NULL) == 0);
            REQUIRE(attrib_corpus_add(c, "q", h, nx, 1000, NULL) == 0);
            REQUIRE(attrib_corpus_freeze(c) == 0);
            struct attrib_options o;
            attrib_options_init(&o);
            o.mfw = mfw;
            struct attrib_model *m;
            REQUIRE(attrib_model_new(&m, c, &o, 2) == 0);
            REQUIRE(attrib_model_features(m) == mfw);
            CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
            for (size_t f = 1; f < mfw; f++)
                CHECK_EQ_STR(attrib_model_feature(m, f), f <= nx ? xs[f - 1] : "zzz");
            attrib_model_free(m);
            attrib_corpus_free(c);
        }
    }
}

/* ---- favourite words ------------------------------------------------------ */

/*
 * Label A: three texts of N = 100,000 (N_A = 300,000); label B: one text of
 * N = 200,000 (N_other for A).  An unknown text takes no part.
 * A word qualifies for A when it is in 2 or more of A's 3 texts, at least 3
 * times (3 * 100,000 >= 300,000), and not capitalised in 90% or more of its
 * inner occurrences.  ratio = ((a + 1) / 300,001) / ((b + 1) / 200,001):
 *   word      A texts    A    B   inner caps        ratio
 *   x         3         300   0                     301 * 200001 / 300001 = 200.667
 *   nearname  3         300   0   270   242         same as x: tie, bytes first
 *   name      3         300   0   270   243 (90%)   skipped: proper name
 *   start     3          30   0     0     0         inner = 0: kept; 31 * .. = 20.667
 *   rare3     3           3   0                     4 * 200001 / 300001 = 2.6667
 *   rare      2           2   0                     2 < 3: too rare
 *   y         1        1000   0                     1 of 3 texts: out
 *   w         3         150  99                     151 * 200001 / (300001 * 100) = 1.00668
 *   common    3        3000 2000                    3001 * 200001 / (300001 * 2001) = 0.99984
 * Order: nearname, x, start, rare3, w, common.
 */
static void test_favorites(void)
{
    static const struct wc a0[] = { W("x", 100),  P("nearname", 100, 90, 80),
                                    P("name", 100, 90, 81), P("start", 10, 0, 0),
                                    W("rare3", 1), W("rare", 1), W("y", 1000), W("w", 50),
                                    W("common", 1000), END };
    static const struct wc a1[] = { W("x", 100),  P("nearname", 100, 90, 81),
                                    P("name", 100, 90, 81), P("start", 10, 0, 0),
                                    W("rare3", 1), W("rare", 1), W("w", 50),
                                    W("common", 1000), END };
    static const struct wc a2[] = { W("x", 100),  P("nearname", 100, 90, 81),
                                    P("name", 100, 90, 81), P("start", 10, 0, 0),
                                    W("rare3", 1), W("w", 50), W("common", 1000), END };
    static const struct wc b0[] = { W("w", 99), W("common", 2000), W("bword", 500), END };
    static const struct wc u0[] = { W("x", 500), W("bword", 500), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "A", 100000, a0) == 0 && add(c, "B", 200000, b0) == 0);
    REQUIRE(add(c, NULL, 1000, u0) == 0);
    REQUIRE(add(c, "A", 100000, a1) == 0 && add(c, "A", 100000, a2) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_favorite *f;
    size_t n;
    REQUIRE(attrib_favorites(c, label_of(c, "A"), 100, &f, &n) == 0);
    static const char *const want[] = { "nearname", "x", "start", "rare3", "w", "common" };
    REQUIRE(n == 6);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_STR(f[i].word, want[i]);
    CHECK(NEAR(f[1].ratio, 301.0 * 200001 / 300001));
    CHECK(f[0].ratio == f[1].ratio);
    CHECK(NEAR(f[2].ratio, 31.0 * 200001 / 300001));
    CHECK(NEAR(f[3].ratio, 4.0 * 200001 / 300001));
    CHECK(NEAR(f[4].ratio, 151.0 * 200001 / (300001.0 * 100)));
    CHECK(NEAR(f[5].ratio, 3001.0 * 200001 / (300001.0 * 2001)));
    CHECK_EQ_INT(f[1].count, 300);
    CHECK_EQ_INT(f[1].other, 0);      /* the unknown text's 500 do not count */
    CHECK_EQ_INT(f[1].texts, 3);
    CHECK_EQ_INT(f[4].other, 99);
    free(f);
    REQUIRE(attrib_favorites(c, label_of(c, "A"), 2, &f, &n) == 0);
    REQUIRE(n == 2);
    CHECK_EQ_STR(f[1].word, "x");
    free(f);
    REQUIRE(attrib_favorites(c, label_of(c, "A"), 0, &f, &n) == 0);
    CHECK(n == 0 && f == NULL);
    /* B: one text, so every word it uses is in "half" of them; at least
     * 2 per 200,000.  bword: (501 / 200001) / (1 / 300001) = 751.5 */
    REQUIRE(attrib_favorites(c, label_of(c, "B"), 1, &f, &n) == 0);
    REQUIRE(n == 1);
    CHECK_EQ_STR(f[0].word, "bword");
    CHECK(NEAR(f[0].ratio, 501.0 * 300001 / 200001));
    free(f);
    CHECK(attrib_favorites(c, 9, 1, &f, &n) == PARDO_EINVAL);
    attrib_corpus_free(c);
}

/* "At least half": with two texts, a word in one of them is in half of
 * them and qualifies.  C: cword 100 (ratio (101 / 200001) / (1 / 100001)),
 * also 100, but in 2 of 2 texts: other 50 + 50, the same ratio; the tie
 * goes to "cword" < "other".  D has one text of 100,000 words. */
static void test_favorites_half(void)
{
    static const struct wc c0[] = { W("cword", 100), W("other", 50), END };
    static const struct wc c1[] = { W("other", 50), END };
    static const struct wc d0[] = { W("dword", 100), END };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    REQUIRE(add(c, "C", 100000, c0) == 0 && add(c, "C", 100000, c1) == 0);
    REQUIRE(add(c, "D", 100000, d0) == 0);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_favorite *f;
    size_t n;
    REQUIRE(attrib_favorites(c, label_of(c, "C"), 5, &f, &n) == 0);
    REQUIRE(n == 2);
    CHECK_EQ_STR(f[0].word, "cword");
    CHECK_EQ_STR(f[1].word, "other");
    CHECK_EQ_INT(f[0].texts, 1);
    CHECK_EQ_INT(f[1].texts, 2);
    CHECK(NEAR(f[0].ratio, 101.0 / 200001 * 100001));
    CHECK(f[0].ratio == f[1].ratio);
    free(f);
    attrib_corpus_free(c);
}

/*
 * The five distances of spec section 10 on a hand-made 3 x 4 table.
 * z-scores (F = 4 features, most frequent first):
 *   A = ( 1,  0, -1,  2)
 *   B = ( 0,  1, -1,  0)
 *   C = (-1, -1,  2, -2)
 * A-B = (1, -1, 0, 2), A-C = (2, 1, -3, 4), B-C = (1, 2, -3, 2).
 * burrows  sum|d| / F:  A,B 4/4 = 1;  A,C 10/4 = 2.5;  B,C 8/4 = 2.
 * argamon  sqrt(sum d^2) / F:  A,B sqrt(6)/4;  A,C sqrt(30)/4;  B,C sqrt(18)/4.
 * eder     weights (F - i + 2) / F = 5/4, 4/4, 3/4, 2/4:
 *          A,B 5/4 + 1 + 0 + 2*2/4 = 3.25;  A,C 10/4 + 1 + 9/4 + 8/4 = 7.75;
 *          B,C 5/4 + 2 + 9/4 + 4/4 = 6.5.
 * cosine   |A| = sqrt 6, |B| = sqrt 2, |C| = sqrt 10;  A.B = 1, A.C = -7, B.C = -3:
 *          A,B 1 - 1/sqrt 12;  A,C 1 + 7/sqrt 60;  B,C 1 + 3/sqrt 20.
 * minmax, on relative frequencies X = (.4, .3, .2, .1), Y = (.1, .3, .4, .2),
 *          O = 0:  X,Y 1 - (.1+.3+.2+.1) / (.4+.3+.4+.2) = 1 - .7/1.3 = 6/13;
 *          X,O 1 - 0/1 = 1;  O,O 0 (both all zeros).
 * Each distance is symmetric and 0 from a vector to itself (cosine of a
 * zero vector: 1).
 */
static void test_five_distances(void)
{
    static const double A[] = { 1, 0, -1, 2 }, B[] = { 0, 1, -1, 0 },
                        C[] = { -1, -1, 2, -2 };
    static const double X[] = { .4, .3, .2, .1 }, Y[] = { .1, .3, .4, .2 },
                        O[] = { 0, 0, 0, 0 };
    static const struct {
        enum attrib_delta d;
        double ab, ac, bc;
    } want[] = {
        { ATTRIB_BURROWS, 1, 2.5, 2 },
        { ATTRIB_ARGAMON, 0.61237243569579452, 1.3693063937629153, 1.0606601717798212 },
        { ATTRIB_EDER, 3.25, 7.75, 6.5 },
        { ATTRIB_COSINE, 0.71132486540518713, 1.9036961141150639, 1.6708203932499369 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        enum attrib_delta d = want[i].d;
        double ab = attrib_distance(d, A, B, 4), ba = attrib_distance(d, B, A, 4);
        double ac = attrib_distance(d, A, C, 4), bc = attrib_distance(d, B, C, 4);
        if (!NEAR(ab, want[i].ab) || !NEAR(ac, want[i].ac) || !NEAR(bc, want[i].bc)
            || ab != ba || attrib_distance(d, A, A, 4) != 0) {
            check_fails_++;
            fprintf(stderr, "  %s: got %.12f %.12f %.12f, expected %.12f %.12f %.12f\n",
                    attrib_delta_name(d), ab, ac, bc, want[i].ab, want[i].ac, want[i].bc);
        }
    }
    CHECK(NEAR(attrib_distance(ATTRIB_MINMAX, X, Y, 4), 6.0 / 13));
    CHECK(NEAR(attrib_distance(ATTRIB_MINMAX, Y, X, 4), 6.0 / 13));
    CHECK(attrib_distance(ATTRIB_MINMAX, X, O, 4) == 1);
    CHECK(attrib_distance(ATTRIB_MINMAX, O, O, 4) == 0);
    CHECK(attrib_distance(ATTRIB_MINMAX, X, X, 4) == 0);
    CHECK(attrib_distance(ATTRIB_COSINE, A, O, 4) == 1);
    /* The names, in the order of the enum. */
    const char *names[] = { "burrows", "cosine", "eder", "argamon", "minmax" };
    for (int i = 0; i < ATTRIB_NDELTAS; i++) {
        enum attrib_delta d;
        CHECK(attrib_delta_parse(names[i], &d) == 0 && (int)d == i);
        CHECK_EQ_STR(attrib_delta_name((enum attrib_delta)i), names[i]);
    }
    enum attrib_delta d;
    CHECK(attrib_delta_parse("manhattan", &d) == PARDO_EINVAL);
}

/* Minmax on the hand corpus: values T0 (.4 .2 .1), T1 (.2 .2 .3), T2 (.3 .5 .2),
 * U (.5 .1 .2).  x's profile is the mean of T0 and T1: (.3 .2 .2).
 * U, x: min .3+.1+.2 = .6, max .5+.2+.2 = .9: 1 - .6/.9 = 1/3.
 * U, y: min .3+.1+.2 = .6, max .5+.5+.2 = 1.2: 1 - .5 = .5. */
static void test_minmax_profiles(void) { hand_distances(ATTRIB_MINMAX, 3, 1.0 / 3, 0.5); }

/* Argamon on the hand corpus: U - x = (2, -s, 0), U - y = (2, -4s, 0):
 * sqrt(4 + 1/3) / 3 and sqrt(4 + 16/3) / 3. */
static void test_argamon_profiles(void)
{
    hand_distances(ATTRIB_ARGAMON, 3, sqrt(4 + 1.0 / 3) / 3, sqrt(4 + 16.0 / 3) / 3);
}

/* A corpus of six known texts over six words, with culling and a word that
 * only one text uses: enough for the cut at every mfw to differ. */
static struct attrib_corpus *grid_corpus(void)
{
    static const struct wc t[6][7] = {
        { W("a", 9), W("b", 5), W("c", 3), W("d", 2), W("e", 1), END },
        { W("a", 6), W("b", 6), W("c", 1), W("d", 4), W("f", 2), END },
        { W("a", 7), W("b", 2), W("c", 5), W("e", 3), END },
        { W("a", 4), W("b", 7), W("c", 2), W("d", 1), W("e", 2), W("f", 1), END },
        { W("a", 8), W("b", 3), W("c", 4), W("d", 3), END },
        { W("a", 5), W("b", 4), W("c", 4), W("e", 4), W("f", 3), END },
    };
    static const char *lab[6] = { "x", "y", "x", "z", "y", "z" };
    struct attrib_corpus *c;
    if (attrib_corpus_new(&c))
        return NULL;
    for (int i = 0; i < 6; i++) {
        struct word_entry e[8];
        size_t n = 0;
        for (; t[i][n].w; n++)
            e[n] = (struct word_entry){ t[i][n].w, 1, t[i][n].count, 0, 0 };
        if (attrib_corpus_add(c, lab[i], e, n, 30, NULL)) {
            attrib_corpus_free(c);
            return NULL;
        }
    }
    if (attrib_corpus_freeze(c)) {
        attrib_corpus_free(c);
        return NULL;
    }
    return c;
}

/* Every cell of a grid is bit for bit the fold that attrib_loo_text gives
 * with that cell's mfw and delta alone. */
static void test_grid_equals_single(void)
{
    struct attrib_corpus *c = grid_corpus();
    REQUIRE(c);
    CHECK_EQ_INT(attrib_corpus_files(c), 6);
    struct attrib_cell cells[6 * ATTRIB_NDELTAS];
    size_t nc = 0;
    for (size_t mfw = 1; mfw <= 6; mfw++)
        for (int d = ATTRIB_NDELTAS - 1; d >= 0; d--)
            cells[nc++] = (struct attrib_cell){ mfw, (enum attrib_delta)d };
    for (int cull = 0; cull <= 1; cull++) {
        struct attrib_options o;
        attrib_options_init(&o);
        o.culling = cull ? 60 : 0;
        /* culling 60%: at least 3.6 of 6 texts; a b c in 6, d e in 4, f in 3 */
        CHECK_EQ_INT(attrib_features_available(c, &o), cull ? 5 : 6);
        for (size_t f = 0; f < 6; f++) {
            struct attrib_result r[6 * ATTRIB_NDELTAS];
            memset(r, 0, sizeof r);
            REQUIRE(attrib_loo_file(c, &o, cells, nc, f, r) == 0);
            for (size_t k = 0; k < nc; k++) {
                struct attrib_options one = o;
                one.mfw = cells[k].mfw;
                one.delta = cells[k].delta;
                struct attrib_result s;
                REQUIRE(attrib_loo_text(c, &one, f, &s) == 0);
                int same = s.nscores == r[k].nscores && s.features == r[k].features
                           && s.nearest == r[k].nearest && s.text == r[k].text;
                for (size_t i = 0; same && i < s.nscores; i++)
                    same = s.scores[i].label == r[k].scores[i].label
                           && s.scores[i].distance == r[k].scores[i].distance;
                if (!same) {
                    check_fails_++;
                    fprintf(stderr, "  file %zu mfw %zu %s culling %d: grid differs\n", f,
                            cells[k].mfw, attrib_delta_name(cells[k].delta), cull);
                }
                attrib_result_free(&s);
                attrib_result_free(&r[k]);
            }
        }
    }
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_result r[1];
    struct attrib_cell bad = { 0, ATTRIB_BURROWS };
    CHECK(attrib_loo_file(c, &o, &bad, 1, 0, r) == PARDO_EINVAL);
    CHECK(attrib_loo_file(c, &o, cells, 1, 6, r) == PARDO_EINVAL);
    attrib_corpus_free(c);
}

/* Samples: a file of two samples and two files of one.  Holding the file
 * out removes both of its samples from the features, the z-scores and the
 * candidates. */
static void test_loo_file_samples(void)
{
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    static const struct wc s1[] = { W("a", 6), W("b", 4), END };
    static const struct wc s2[] = { W("a", 4), W("b", 6), END };
    static const struct wc s3[] = { W("a", 5), W("c", 5), END };
    static const struct wc s4[] = { W("a", 7), W("b", 1), W("c", 2), END };
    struct word_entry e[4];
    const struct wc *all[4] = { s1, s2, s3, s4 };
    const char *lab[4] = { "x", "x", "y", "y" };
    int same[4] = { 0, 1, 0, 0 };       /* files: {0, 1}, {2}, {3} */
    for (int i = 0; i < 4; i++) {
        size_t n = 0;
        for (; all[i][n].w; n++)
            e[n] = (struct word_entry){ all[i][n].w, 1, all[i][n].count, 0, 0 };
        REQUIRE(attrib_corpus_add_part(c, lab[i], e, n, 10, same[i], NULL) == 0);
    }
    /* a sample must follow a text of its file's label */
    CHECK(attrib_corpus_add_part(c, "z", e, 1, 10, 1, NULL) == PARDO_EINVAL);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    CHECK_EQ_INT(attrib_corpus_files(c), 3);
    size_t first = 99;
    CHECK_EQ_INT(attrib_corpus_file_texts(c, 0, &first), 2);
    CHECK_EQ_INT(first, 0);
    CHECK_EQ_INT(attrib_corpus_file_texts(c, 2, &first), 1);
    CHECK_EQ_INT(first, 3);
    CHECK_EQ_INT(attrib_corpus_text_file(c, 1), 0);
    /* Holding file 0 out leaves texts 2 and 3, both y: x is no candidate,
     * and b (counts 0 + 1) and c (5 + 2) are the features after a (5 + 7):
     * by count c 7, then b 1. */
    struct attrib_options o;
    attrib_options_init(&o);
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, 1) == 0);
    CHECK_EQ_INT(attrib_model_features(m), 3);
    CHECK_EQ_STR(attrib_model_feature(m, 0), "a");
    CHECK_EQ_STR(attrib_model_feature(m, 1), "c");
    CHECK_EQ_STR(attrib_model_feature(m, 2), "b");
    attrib_model_free(m);
    struct attrib_cell cell = { 100, ATTRIB_BURROWS };
    struct attrib_result r[2];
    memset(r, 0, sizeof r);
    REQUIRE(attrib_loo_file(c, &o, &cell, 1, 0, r) == 0);
    for (int t = 0; t < 2; t++) {
        CHECK_EQ_INT(r[t].text, (size_t)t);
        CHECK_EQ_INT(r[t].nscores, 1);
        CHECK_EQ_STR(name_of(c, r[t].nearest), "y");
        attrib_result_free(&r[t]);
    }
    attrib_corpus_free(c);
}

/* attrib_distance4 gives attrib_distance's bits for each of its four
 * vectors, for every distance, any nf (the lanes' tail included), zero
 * vectors and equal ones. */
static void test_distance4_same_bits(void)
{
    static const size_t nfs[] = { 0, 1, 3, 4, 5, 7, 8, 100, 1001 };
    uint64_t r = 0x243F6A8885A308D3u;
    double v[5][1001];
    for (size_t n = 0; n < sizeof nfs / sizeof nfs[0]; n++) {
        size_t nf = nfs[n];
        for (int round = 0; round < 20; round++) {
            for (int k = 0; k < 5; k++)
                for (size_t f = 0; f < nf; f++) {
                    r ^= r << 13;
                    r ^= r >> 7;
                    r ^= r << 17;
                    double u = (double)(r >> 11) / 9007199254740992.0;
                    v[k][f] = round % 4 == 1 ? u : u * 6 - 3;     /* minmax: >= 0 */
                }
            if (round == 2)
                memset(v[2], 0, sizeof v[2]);                     /* a zero vector */
            if (round == 3)
                memset(v[0], 0, sizeof v[0]);
            if (round == 4)
                memcpy(v[3], v[0], sizeof v[0]);                  /* equal to a */
            const double *b[4] = { v[1], v[2], v[3], v[4] };
            for (int d = 0; d < ATTRIB_NDELTAS; d++) {
                double out[4];
                attrib_distance4((enum attrib_delta)d, v[0], b, nf, out);
                for (int k = 0; k < 4; k++) {
                    double want = attrib_distance((enum attrib_delta)d, v[0], b[k], nf);
                    if (memcmp(&want, &out[k], sizeof want) != 0) {
                        fprintf(stderr, "  %s, nf %zu, round %d, vector %d: "
                                "attrib_distance4 gives %a, attrib_distance %a\n",
                                attrib_delta_name((enum attrib_delta)d), nf, round, k,
                                out[k], want);
                        check_fails_++;
                    }
                }
            }
        }
    }
}

int main(void)
{
    RUN(test_zscores);
    RUN(test_burrows);
    RUN(test_cosine);
    RUN(test_eder);
    RUN(test_five_distances);
    RUN(test_minmax_profiles);
    RUN(test_argamon_profiles);
    RUN(test_grid_equals_single);
    RUN(test_loo_file_samples);
    RUN(test_empty_unknown);
    RUN(test_empty_known);
    RUN(test_bad_input);
    RUN(test_feature_ties);
    RUN(test_constant_dropped);
    RUN(test_distance_ties);
    RUN(test_distance4_same_bits);
    RUN(test_loo_single);
    RUN(test_loo_by_hand);
    RUN(test_culling_pronouns);
    RUN(test_loo_exact);
    RUN(test_loo_prefix_edge);
    RUN(test_loo_threads);
    RUN(test_favorites);
    RUN(test_favorites_half);
    return CHECK_EXIT();
}
