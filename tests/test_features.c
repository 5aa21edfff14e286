/*
 * test_features.c - the features of spec section 10 as a worker makes them
 * (cli/features.c): word and character n-grams, samples, and the packed
 * block that carries them to the main thread.  Each table is rendered as
 * "gram:count gram:count ..." in the packed order (count descending, then
 * bytes), with spaces inside a gram shown as '_'.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pardo.h"
#include "../cli/attrib.h"
#include "../cli/run.h"

static const char *sort_base;   /* the block being rendered */

static int by_count_then_bytes(const void *a, const void *b)
{
    const struct packed_word *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int r = memcmp(sort_base + x->off, sort_base + y->off, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* Renders n packed entries e of block p, sorted (a sample's come in the
 * order they were met). */
static void render(const struct packed_words *p, const struct packed_word *e_, size_t n,
                   char *buf, size_t size)
{
    size_t k = 0;
    struct packed_word e[256];
    if (n > 256)
        n = 256;
    memcpy(e, e_, n * sizeof *e);
    sort_base = (const char *)p;
    qsort(e, n, sizeof *e, by_count_then_bytes);
    buf[0] = '\0';
    for (size_t i = 0; i < n && k < size; i++) {
        char g[64];
        size_t len = e[i].len < sizeof g - 1 ? e[i].len : sizeof g - 1;
        memcpy(g, (const char *)p + e[i].off, len);
        g[len] = '\0';
        for (size_t j = 0; j < len; j++)
            if (g[j] == ' ')
                g[j] = '_';
        k += (size_t)snprintf(buf + k, size - k, "%s%s:%llu", i ? " " : "", g,
                              (unsigned long long)e[i].count);
    }
}

/* The features of body under the options, packed. */
static struct packed_words *features_of(const char *body, int chars, int ngram, int sample)
{
    struct opts o = { .chars = chars, .ngram = ngram, .sample_size = sample };
    struct worker w = { 0 };
    struct packed_words *p = NULL;
    w.words = wordtab_new();
    if (!w.words || features_scan(&w, body, strlen(body)) || features_pack(&o, &w, &p)) {
        free(p);
        p = NULL;
    }
    wordtab_free(w.words);
    features_scratch_free(w.feat);
    return p;
}

static void expect(const char *name, const char *body, int chars, int ngram, uint64_t total,
                   const char *want)
{
    struct packed_words *p = features_of(body, chars, ngram, 0);
    REQUIRE(p);
    char got[1024];
    render(p, p->w, p->n, got, sizeof got);
    if (p->total != total || strcmp(got, want) != 0 || p->sampled) {
        check_fails_++;
        fprintf(stderr, "  %s: total %llu, expected %llu\n    got      %s\n    expected %s\n",
                name, (unsigned long long)p->total, (unsigned long long)total, got, want);
    }
    free(p);
}

/* Section 10's example: "this is" gives the character 2-grams
 * th hi is s_ _i is: is twice, the rest once; |S| - N + 1 = 7 - 2 + 1 = 6. */
static void test_chars_spec_example(void)
{
    expect("this is", "This is", 1, 2, 6, "is:2 _i:1 hi:1 s_:1 th:1");
}

/* Nothing before the first WORD or after the last; punctuation, NUMs and
 * line breaks are not in S: "Dogs, 12 cats!" -> S = "dogs cats". */
static void test_chars_joined_words(void)
{
    expect("S of WORDs only", "  Dogs, 12\ncats! ", 1, 3, 7,
           "_ca:1 ats:1 cat:1 dog:1 gs_:1 ogs:1 s_c:1");
    expect("N longer than S: no n-gram", "a b", 1, 4, 0, "");
    expect("no WORD", "1, 2, 3.", 1, 1, 0, "");
}

/* Code points, not bytes: "Café été" -> c a f é _ é t é; 3-grams:
 * caf afé fé_ é_é _ét été (6 = 8 - 3 + 1); é is two bytes, sorted by bytes. */
static void test_chars_code_points(void)
{
    expect("code points", "Café été", 1, 3, 6,
           "_\xc3\xa9t:1 af\xc3\xa9:1 caf:1 f\xc3\xa9_:1 \xc3\xa9_\xc3\xa9:1 "
           "\xc3\xa9t\xc3\xa9:1");
}

/* Word n-grams: every N consecutive WORDs, NUMs skipped (not boundaries),
 * sentences no boundary.  The spec's token example has 15 WORDs (1,000
 * 3.5 and 1815 are NUMs): 14 2-grams, "paid for" across the NUM 1,000,
 * "in café" across 1815, "o'brien's co" with the APOS as U+0027. */
static void test_word_ngrams(void)
{
    expect("spec sentence, 2-grams",
           "Don't stop\xe2\x80\x94it's well-known that Mr. O\xe2\x80\x99" "Brien's co-op "
           "paid 1,000 for 3.5 acres in 1815; caf\xc3\xa9!", 0, 2, 14,
           "acres_in:1 co_op:1 don't_stop:1 for_acres:1 in_caf\xc3\xa9:1 it's_well:1 "
           "known_that:1 mr_o'brien's:1 o'brien's_co:1 op_paid:1 paid_for:1 "
           "stop_it's:1 that_mr:1 well_known:1");
    expect("across sentences", "The end. The end. The", 0, 2, 4, "end_the:2 the_end:2");
    expect("3-grams", "a b a b a", 0, 3, 3, "a_b_a:2 b_a_b:1");
    expect("1-grams", "B a b", 0, 1, 3, "b:2 a:1");
    expect("fewer WORDs than N", "one two", 0, 3, 0, "");
}

/* Samples of N WORDs from the start, the remainder dropped; each sample's
 * heads say its n-grams and entries; a sample's S is made of its WORDs. */
static void test_samples(void)
{
    struct packed_words *p = features_of("a b c a b, c d e 7 f g", 0, 1, 3);
    REQUIRE(p);
    /* WORDs a b c a b c d e f g (10; 7 is a NUM): samples abc abc def, g dropped */
    CHECK(p->sampled);
    CHECK_EQ_INT(p->words, 10);
    REQUIRE(p->samples == 3);
    char got[256];
    const struct packed_word *e = p->w + p->samples;
    const char *want[3] = { "a:1 b:1 c:1", "a:1 b:1 c:1", "d:1 e:1 f:1" };
    for (size_t k = 0; k < 3; k++) {
        CHECK_EQ_INT(p->w[k].len, 0);
        CHECK_EQ_INT(p->w[k].count, 3);
        CHECK_EQ_INT(p->w[k].inner, 3);
        render(p, e, (size_t)p->w[k].inner, got, sizeof got);
        CHECK_EQ_STR(got, want[k]);
        e += p->w[k].inner;
    }
    CHECK_EQ_INT(p->n, 3 + 9);
    free(p);

    /* chars 2-grams of samples of 2 WORDs: "ab cd|ef gh|ij" -> S = "ab_cd", "ef_gh" */
    p = features_of("ab cd ef gh ij", 1, 2, 2);
    REQUIRE(p);
    REQUIRE(p->samples == 2);
    e = p->w + 2;
    render(p, e, (size_t)p->w[0].inner, got, sizeof got);
    CHECK_EQ_STR(got, "_c:1 ab:1 b_:1 cd:1");
    CHECK_EQ_INT(p->w[0].count, 4);
    render(p, e + p->w[0].inner, (size_t)p->w[1].inner, got, sizeof got);
    CHECK_EQ_STR(got, "_g:1 ef:1 f_:1 gh:1");
    free(p);

    /* fewer WORDs than one sample: no sample, and the file's WORDs */
    p = features_of("one two three", 0, 1, 5);
    REQUIRE(p);
    CHECK(p->sampled);
    CHECK_EQ_INT(p->samples, 0);
    CHECK_EQ_INT(p->words, 3);
    CHECK_EQ_INT(p->n, 0);
    free(p);
}

/* One worker's scratch is reused from file to file: a long file, then a
 * short one, gives the short one's features alone. */
static void test_reuse(void)
{
    struct opts o = { .chars = 1, .ngram = 2 };
    struct worker w = { 0 };
    struct packed_words *p = NULL;
    w.words = wordtab_new();
    REQUIRE(w.words);
    char big[20000];
    for (size_t i = 0; i + 2 < sizeof big; i += 2)
        memcpy(big + i, i % 26 ? "x " : "y ", 2);
    big[sizeof big - 2] = '\0';
    CHECK(features_scan(&w, big, strlen(big)) == 0 && features_pack(&o, &w, &p) == 0);
    free(p);
    p = NULL;
    CHECK(features_scan(&w, "ab", 2) == 0 && features_pack(&o, &w, &p) == 0);
    char got[64];
    if (p) {
        render(p, p->w, p->n, got, sizeof got);
        CHECK_EQ_STR(got, "ab:1");
        CHECK_EQ_INT(p->total, 1);
    }
    free(p);
    wordtab_free(w.words);
    features_scratch_free(w.feat);
}

/* Spec section 11's worked example through the library: the four texts'
 * WORDs counted by text_analyze(), every text in the model (cluster gives
 * them all one label), --mfw 10: the features "the a cat and dog is test
 * this mat of" (mat and of win the tie at 2 over sat by byte order), and
 * the Burrows matrix to four decimals. */
static void test_section11_example(void)
{
    static const char *const text[4] = {
        "this is a test. this is only a test of the cat.",
        "the cat sat on the mat and the dog sat too.",
        "a test, a cat, a dog: this is the end of it all.",
        "the dog and the cat and the mat.",
    };
    static const char *const feat[10] = { "the", "a",  "cat",  "and", "dog",
                                          "is",  "test", "this", "mat", "of" };
    static const double want[4][4] = {
        { 0, 1.5080, 0.5878, 1.9897 },
        { 1.5080, 0, 1.0978, 0.4817 },
        { 0.5878, 1.0978, 0, 1.5795 },
        { 1.9897, 0.4817, 1.5795, 0 },
    };
    struct attrib_corpus *c;
    REQUIRE(attrib_corpus_new(&c) == 0);
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    for (int i = 0; i < 4; i++) {
        struct text_stats st;
        size_t n;
        REQUIRE(text_analyze(text[i], strlen(text[i]), t, &st) == 0);
        const struct word_entry *e = wordtab_sorted(t, &n);
        REQUIRE(attrib_corpus_add(c, "*", e, n, st.words, NULL) == 0);
    }
    wordtab_free(t);
    REQUIRE(attrib_corpus_freeze(c) == 0);
    struct attrib_options o;
    attrib_options_init(&o);
    o.mfw = 10;
    struct attrib_model *m;
    REQUIRE(attrib_model_new(&m, c, &o, ATTRIB_NONE) == 0);
    REQUIRE(attrib_model_features(m) == 10);
    for (size_t f = 0; f < 10; f++)
        CHECK_EQ_STR(attrib_model_feature(m, f), feat[f]);
    double z[4][10];
    for (size_t i = 0; i < 4; i++)
        REQUIRE(attrib_model_zscores(m, i, z[i]) == 0);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            char got[16], exp[16];
            snprintf(got, sizeof got, "%.4f", attrib_distance(ATTRIB_BURROWS, z[i], z[j], 10));
            snprintf(exp, sizeof exp, "%.4f", want[i][j]);
            CHECK_EQ_STR(got, exp);
        }
    attrib_model_free(m);
    attrib_corpus_free(c);
}

int main(void)
{
    RUN(test_section11_example);
    RUN(test_chars_spec_example);
    RUN(test_chars_joined_words);
    RUN(test_chars_code_points);
    RUN(test_word_ngrams);
    RUN(test_samples);
    RUN(test_reuse);
    return CHECK_EXIT();
}
