/*
 * test_lexdiv.c - unit tests of section 9 of the text spec: MATTR, MTLD,
 * HD-D and Yule's K (cli/text_lexdiv.c), and the WORD type ids that
 * text_analyze() records for them (cli/text_words.c).
 *
 * Expected values are worked out by hand in the comments where a text is
 * small or regular; elsewhere they come from naive versions written here
 * straight from the spec's wording (every window counted afresh, every
 * segment with a fresh set, C(N - f, D) / C(N, D) as a product of D ratios
 * in long double), which share no code with the ones under test.
 * tests/t_cli_lexdiv.sh checks the tool's output against exact rational
 * arithmetic in Python.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pardo.h"
#include "../cli/text.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *fmt4(char *buf, double v)
{
    snprintf(buf, 32, "%.4f", v);
    return buf;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/* The number of types of ids[0..n): one more than the largest id. */
static size_t types_of(const uint32_t *ids, size_t n)
{
    size_t v = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] + (size_t)1 > v)
            v = ids[i] + (size_t)1;
    return v;
}

/* The count of each type, freshly allocated (v entries, at least one). */
static uint32_t *freq_of(const uint32_t *ids, size_t n, size_t v)
{
    uint32_t *f = calloc(v ? v : 1, sizeof *f);
    if (!f)
        abort();
    for (size_t i = 0; i < n; i++)
        f[ids[i]]++;
    return f;
}

/* n ids, a few frequent types and a long tail (roughly Zipf-like). */
static uint32_t *zipfish(size_t n, size_t v)
{
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        abort();
    for (size_t i = 0; i < n; i++) {
        double u = (double)(rnd() % 1000000) / 1e6;
        ids[i] = (uint32_t)((double)v * u * u * u);
    }
    return ids;
}

static int close_to(double got, double want, double tol)
{
    return fabs(got - want) <= tol * (1.0 + fabs(want));
}

#define CHECK_CLOSE(got, want, tol) do { double g_ = (got), w_ = (want); \
    if (!close_to(g_, w_, tol)) { check_fails_++; fprintf(stderr, \
    "  %s:%d: %s is %.15g, expected %.15g (%s)\n", __FILE__, __LINE__, #got, g_, w_, #want); } \
    } while (0)

/* ---- naive versions, straight from the spec --------------------------------- */

/* Mean over the N - L + 1 windows of (distinct in the window) / L, each
 * window counted afresh; -1 when N < L. */
static double naive_mattr(const uint32_t *ids, size_t n, size_t L)
{
    if (n < L)
        return -1;
    size_t v = types_of(ids, n);
    char *seen = malloc(v + 1);
    if (!seen)
        abort();
    uint64_t sum = 0;
    for (size_t s = 0; s + L <= n; s++) {
        memset(seen, 0, v + 1);
        for (size_t i = s; i < s + L; i++)
            if (!seen[ids[i]]) {
                seen[ids[i]] = 1;
                sum++;
            }
    }
    free(seen);
    return (double)sum / ((double)L * (double)(n - L + 1));
}

/* One MTLD pass, as the spec words it: the segment's TTR as a double,
 * compared with 0.72; returns the factors (full plus partial). */
static double naive_mtld_factors(const uint32_t *ids, size_t n, int backward)
{
    size_t v = types_of(ids, n);
    char *seen = calloc(v + 1, 1);
    if (!seen)
        abort();
    double factors = 0;
    size_t len = 0, distinct = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t id = ids[backward ? n - 1 - k : k];
        if (!seen[id]) {
            seen[id] = 1;
            distinct++;
        }
        len++;
        if ((double)distinct / (double)len <= 0.72) {
            factors += 1;
            memset(seen, 0, v + 1);
            len = distinct = 0;
        }
    }
    if (len)
        factors += (1.0 - (double)distinct / (double)len) / (1.0 - 0.72);
    free(seen);
    return factors;
}

/* -1 when null. */
static double naive_mtld(const uint32_t *ids, size_t n)
{
    double f = naive_mtld_factors(ids, n, 0), b = naive_mtld_factors(ids, n, 1);
    if (n == 0 || f == 0 || b == 0)
        return -1;
    return ((double)n / f + (double)n / b) / 2;
}

/* C(N - f, D) / C(N, D) = prod over k < D of (N - f - k) / (N - k). */
static long double naive_miss(uint64_t n, uint64_t f)
{
    long double p = 1;
    for (uint64_t k = 0; k < TEXT_HDD_DRAWS; k++) {
        if (n - k <= f)
            return 0;
        p *= (long double)(n - f - k) / (long double)(n - k);
    }
    return p;
}

/* -1 when N < D.  One type at a time, in long double. */
static double naive_hdd(const uint32_t *freq, size_t v, uint64_t n)
{
    if (n < TEXT_HDD_DRAWS)
        return -1;
    long double s = 0;
    for (size_t i = 0; i < v; i++)
        if (freq[i])
            s += (1 - naive_miss(n, freq[i])) / TEXT_HDD_DRAWS;
    return (double)s;
}

/* The spec's formula with lgamma, as it is written (for moderate N). */
static double lgamma_hdd(const uint32_t *freq, size_t v, uint64_t n)
{
    double N = (double)n, D = TEXT_HDD_DRAWS, s = 0;
    for (size_t i = 0; i < v; i++) {
        if (!freq[i])
            continue;
        double f = freq[i], p = 0;
        if (N - f >= D)
            p = exp(lgamma(N - f + 1) - lgamma(D + 1) - lgamma(N - f - D + 1) -
                    (lgamma(N + 1) - lgamma(D + 1) - lgamma(N - D + 1)));
        s += (1 - p) / D;
    }
    return s;
}

/* -1 when N = 0.  From the frequency spectrum V_i. */
static double naive_yule(const uint32_t *freq, size_t v, uint64_t n)
{
    if (n == 0)
        return -1;
    uint64_t maxf = 0;
    for (size_t i = 0; i < v; i++)
        if (freq[i] > maxf)
            maxf = freq[i];
    uint64_t *spectrum = calloc(maxf + 1, sizeof *spectrum);
    if (!spectrum)
        abort();
    for (size_t i = 0; i < v; i++)
        spectrum[freq[i]]++;
    long double s = 0;
    for (uint64_t i = 1; i <= maxf; i++)
        s += (long double)i * i * spectrum[i];
    free(spectrum);
    return (double)(1e4L * (s - n) / ((long double)n * n));
}

/* ---- one text through text_lexdiv() ------------------------------------------- */

struct lx {
    struct text_lexdiv_scratch s;
    struct text_lexdiv r;
};

static void lexdiv(struct lx *x, const uint32_t *ids, size_t n, size_t window)
{
    memset(&x->r, 0x55, sizeof x->r);
    CHECK(text_lexdiv(ids, n, NULL, types_of(ids, n), window, &x->s, &x->r) == 0);
}

/* Checks text_lexdiv() and every single function against the naive ones. */
static void against_naive(struct lx *x, const uint32_t *ids, size_t n, size_t window)
{
    size_t v = types_of(ids, n);
    uint32_t *freq = freq_of(ids, n, v);
    lexdiv(x, ids, n, window);
    double m = naive_mattr(ids, n, window), t = naive_mtld(ids, n);
    double h = naive_hdd(freq, v, n), y = naive_yule(freq, v, n);
    CHECK_EQ_INT(x->r.has_mattr, m >= 0);
    CHECK_EQ_INT(x->r.has_mtld, t >= 0);
    CHECK_EQ_INT(x->r.has_hdd, h >= 0);
    CHECK_EQ_INT(x->r.has_yule_k, y >= 0);
    if (m >= 0)
        CHECK_CLOSE(x->r.mattr, m, 1e-12);
    if (t >= 0)
        CHECK_CLOSE(x->r.mtld, t, 1e-12);
    if (h >= 0)
        CHECK_CLOSE(x->r.hdd, h, 1e-12);
    if (y >= 0)
        CHECK_CLOSE(x->r.yule_k, y, 1e-12);

    /* the single functions agree, and leave their work zeroed */
    uint32_t *work = calloc(v + 1, sizeof *work);
    REQUIRE(work);
    double out = -7;
    CHECK_EQ_INT(text_mattr(ids, n, window, work, &out), m >= 0);
    CHECK(m < 0 ? out == -7 : out == x->r.mattr);
    out = -7;
    CHECK_EQ_INT(text_mtld(ids, n, work, &out), t >= 0);
    CHECK(t < 0 ? out == -7 : out == x->r.mtld);
    for (size_t i = 0; i <= v; i++)
        if (work[i]) {
            CHECK(!"work left non-zero");
            break;
        }
    out = -7;
    CHECK_EQ_INT(text_hdd(freq, v, n, &out), h >= 0);
    CHECK(h < 0 ? out == -7 : out == x->r.hdd);
    out = -7;
    CHECK_EQ_INT(text_yule_k(freq, v, n, &out), y >= 0);
    CHECK(y < 0 ? out == -7 : out == x->r.yule_k);
    free(work);
    free(freq);
}

/* ---- the tests ------------------------------------------------------------------ */

/* The spec's worked example: a b c d d e e f f f, --mattr-window 5. */
static void test_worked_example(void)
{
    static const uint32_t ids[] = { 0, 1, 2, 3, 3, 4, 4, 5, 5, 5 };
    struct lx x = {0};
    char a[32];
    lexdiv(&x, ids, 10, 5);
    /* windows abcdd 4, bcdde 4, cddee 3, ddeef 3, deeff 3, eefff 2: 19 / 30 */
    CHECK(x.r.has_mattr);
    CHECK(x.r.mattr == 19.0 / 30.0);
    CHECK_EQ_STR(fmt4(a, x.r.mattr), "0.6333");
    /* forward 10 / 2 = 5, backward 10 / 3: (5 + 3.3333) / 2 */
    CHECK(x.r.has_mtld);
    CHECK_CLOSE(x.r.mtld, (5.0 + 10.0 / 3.0) / 2, 1e-15);
    CHECK_EQ_STR(fmt4(a, x.r.mtld), "4.1667");
    CHECK(!x.r.has_hdd);                        /* N = 10 < 42 */
    /* V1 = 3, V2 = 2, V3 = 1: 10^4 (3 + 8 + 9 - 10) / 100 */
    CHECK(x.r.has_yule_k);
    CHECK(x.r.yule_k == 1000.0);
    CHECK_EQ_STR(fmt4(a, x.r.yule_k), "1000.0000");
    /* with the default window there is no window of 100 */
    lexdiv(&x, ids, 10, TEXT_MATTR_WINDOW);
    CHECK(!x.r.has_mattr);
    CHECK(x.r.has_mtld && x.r.has_yule_k);
    against_naive(&x, ids, 10, 5);
    text_lexdiv_scratch_free(&x.s);
}

/* The same words as a text, through text_analyze(): the ids it records are
 * the types numbered by first use. */
static void test_worked_example_text(void)
{
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    struct text_stats st;
    const char *s = "A b, C d d! E e f F f.";
    size_t n = 99;
    CHECK(text_analyze(s, strlen(s), t, &st) == 0);
    CHECK(wordtab_order(t, &n) == NULL || n == 0);   /* off by default */
    CHECK_EQ_INT(n, 0);
    wordtab_keep_order(t, 1);
    CHECK(text_analyze(s, strlen(s), t, &st) == 0);
    const uint32_t *ids = wordtab_order(t, &n);
    REQUIRE(n == 10 && ids);
    static const uint32_t want[] = { 0, 1, 2, 3, 3, 4, 4, 5, 5, 5 };
    CHECK(memcmp(ids, want, sizeof want) == 0);
    CHECK_EQ_INT(wordtab_size(t), 6);
    struct lx x = {0};
    uint32_t freq[6] = {0};
    wordtab_counts(t, freq);                    /* the table's counts, by id */
    CHECK(freq[0] == 1 && freq[1] == 1 && freq[2] == 1 && freq[3] == 2 && freq[4] == 2 &&
          freq[5] == 3);
    CHECK(text_lexdiv(ids, n, freq, wordtab_size(t), 5, &x.s, &x.r) == 0);
    char a[32];
    CHECK_EQ_STR(fmt4(a, x.r.mattr), "0.6333");
    CHECK_EQ_STR(fmt4(a, x.r.mtld), "4.1667");
    CHECK(!x.r.has_hdd);
    CHECK_EQ_STR(fmt4(a, x.r.yule_k), "1000.0000");
    /* the next text starts a new sequence; NUMs are not WORDs */
    CHECK(text_analyze("b 5 x b", 7, t, &st) == 0);
    ids = wordtab_order(t, &n);
    REQUIRE(n == 3 && ids);
    CHECK(ids[0] == 0 && ids[1] == 1 && ids[2] == 0);
    CHECK(text_analyze("", 0, t, &st) == 0);
    wordtab_order(t, &n);
    CHECK_EQ_INT(n, 0);
    wordtab_keep_order(t, 0);
    CHECK(text_analyze("a b", 3, t, &st) == 0);
    wordtab_order(t, &n);
    CHECK_EQ_INT(n, 0);
    text_lexdiv_scratch_free(&x.s);
    wordtab_free(t);
}

/* The ids of a long text with words of every length (past the 16 bytes a
 * cell holds), non-ASCII ones, and more types than the table first has
 * room for: each id names the word at that place, numbered by first use. */
static void test_order_ids(void)
{
    enum { VOCAB = 3000, WORDS = 60000 };
    static char vocab[VOCAB][40];
    for (int i = 0; i < VOCAB; i++) {
        int len = 1 + (int)(rnd() % 30), k = 0;
        for (; k < len; k++)
            vocab[i][k] = (char)('a' + rnd() % 26);
        if (i % 7 == 0) {                       /* an e-acute inside */
            memcpy(vocab[i] + k, "\xC3\xA9", 2);
            k += 2;
        }
        snprintf(vocab[i] + k, sizeof vocab[i] - (size_t)k, "%d", i); /* all distinct */
    }
    uint32_t *pick = zipfish(WORDS, VOCAB);
    size_t cap = (size_t)WORDS * 48;
    char *text = malloc(cap);
    REQUIRE(text);
    size_t len = 0;
    for (size_t i = 0; i < WORDS; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s%s", vocab[pick[i]],
                                i % 13 == 12 ? ". " : " ");
    /* the expected ids: the vocabulary index renumbered by first use */
    int32_t *first = malloc(VOCAB * sizeof *first);
    uint32_t *want = malloc(WORDS * sizeof *want);
    REQUIRE(first && want);
    for (int i = 0; i < VOCAB; i++)
        first[i] = -1;
    uint32_t next = 0;
    for (size_t i = 0; i < WORDS; i++) {
        if (first[pick[i]] < 0)
            first[pick[i]] = (int32_t)next++;
        want[i] = (uint32_t)first[pick[i]];
    }
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    wordtab_keep_order(t, 1);
    struct text_stats st;
    for (int round = 0; round < 2; round++) {   /* a reused table too */
        CHECK(text_analyze(text, len, t, &st) == 0);
        size_t n = 0;
        const uint32_t *ids = wordtab_order(t, &n);
        CHECK_EQ_INT(n, WORDS);
        CHECK_EQ_INT(wordtab_size(t), next);
        CHECK(ids && n == WORDS && memcmp(ids, want, WORDS * sizeof *want) == 0);
        /* the table's counts are the sequence's, and give the same values */
        uint32_t *counted = freq_of(want, WORDS, next), *table = calloc(next, sizeof *table);
        REQUIRE(table);
        wordtab_counts(t, table);
        CHECK(memcmp(counted, table, next * sizeof *table) == 0);
        struct lx a = {0}, b = {0};
        CHECK(text_lexdiv(ids, n, table, next, 100, &a.s, &a.r) == 0);
        CHECK(text_lexdiv(ids, n, NULL, next, 100, &b.s, &b.r) == 0);
        CHECK(memcmp(&a.r, &b.r, sizeof a.r) == 0);
        CHECK(a.r.has_mattr && a.r.has_mtld && a.r.has_hdd && a.r.has_yule_k);
        text_lexdiv_scratch_free(&a.s);
        text_lexdiv_scratch_free(&b.s);
        free(counted);
        free(table);
    }
    wordtab_free(t);
    free(first);
    free(want);
    free(text);
    free(pick);
}

/* N at and around each null condition: 0, 1, 41, 42, 43, L - 1, L, L + 1,
 * with the default window and a small one. */
static void test_null_edges(void)
{
    static const size_t ns[] = { 0, 1, 2, 4, 5, 6, 41, 42, 43, 99, 100, 101, 250 };
    uint32_t ids[250];
    for (size_t i = 0; i < 250; i++)
        ids[i] = (uint32_t)((i * i + 3 * i) % 17);     /* 0 4 10 1 11 6 3 2 3 ... */
    struct lx x = {0};
    char name[64];
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        size_t n = ns[k];
        for (size_t w = 0; w < 2; w++) {
            size_t L = w ? 5 : TEXT_MATTR_WINDOW;
            int before = check_fails_;
            against_naive(&x, ids, n, L);
            lexdiv(&x, ids, n, L);
            CHECK_EQ_INT(x.r.has_mattr, n >= L);
            CHECK_EQ_INT(x.r.has_hdd, n >= 42);
            CHECK_EQ_INT(x.r.has_yule_k, n >= 1);
            /* TTR 1 in both passes (no factor) until the first repeat,
             * the 9th WORD */
            CHECK_EQ_INT(x.r.has_mtld, n >= 9);
            if (check_fails_ != before) {
                snprintf(name, sizeof name, "N = %zu, L = %zu", n, L);
                fprintf(stderr, "  (the failures above: %s)\n", name);
            }
        }
    }
    /* N = 0 and N = 1 by hand */
    lexdiv(&x, ids, 0, 1);
    CHECK(!x.r.has_mattr && !x.r.has_mtld && !x.r.has_hdd && !x.r.has_yule_k);
    lexdiv(&x, ids, 1, 1);
    CHECK(x.r.has_mattr && x.r.mattr == 1.0);           /* one window of one */
    CHECK(!x.r.has_mtld && !x.r.has_hdd);
    CHECK(x.r.has_yule_k && x.r.yule_k == 0.0);         /* (1 - 1) / 1 */
    text_lexdiv_scratch_free(&x.s);
}

/* One word repeated: every window holds 1 type; MTLD closes a factor every
 * two WORDs; a draw of 42 always holds the word; K = 10^4 (N^2 - N) / N^2. */
static void test_one_word(void)
{
    uint32_t ids[201] = {0};
    struct lx x = {0};
    char a[32];
    lexdiv(&x, ids, 200, 100);
    CHECK_EQ_STR(fmt4(a, x.r.mattr), "0.0100");
    CHECK(x.r.mtld == 2.0);                             /* 200 / 100 factors */
    CHECK_EQ_STR(fmt4(a, x.r.hdd), "0.0238");           /* 1 / 42 */
    CHECK_CLOSE(x.r.hdd, 1.0 / 42, 1e-15);
    CHECK(x.r.yule_k == 9950.0);                        /* 10^4 * 39800 / 40000 */
    lexdiv(&x, ids, 201, 100);
    CHECK(x.r.mtld == 201.0 / 100.0);                   /* last `a`: partial 0 */
    CHECK_EQ_STR(fmt4(a, x.r.yule_k), "9950.2488");     /* 2000000 / 201 */
    lexdiv(&x, ids, 2, 100);
    CHECK(x.r.has_mtld && x.r.mtld == 2.0);             /* `a a`: one factor */
    against_naive(&x, ids, 201, 100);
    against_naive(&x, ids, 201, 7);
    text_lexdiv_scratch_free(&x.s);
}

/* Every word distinct: TTR 1 everywhere, so no MTLD factor (null);
 * HD-D = sum of N times (D / N) / D = 1; K = 0. */
static void test_all_distinct(void)
{
    uint32_t ids[300];
    for (uint32_t i = 0; i < 300; i++)
        ids[i] = i;
    struct lx x = {0};
    char a[32];
    lexdiv(&x, ids, 300, 100);
    CHECK(x.r.has_mattr && x.r.mattr == 1.0);
    CHECK(!x.r.has_mtld);
    CHECK_EQ_STR(fmt4(a, x.r.hdd), "1.0000");
    CHECK_CLOSE(x.r.hdd, 1.0, 1e-14);
    CHECK(x.r.has_yule_k && x.r.yule_k == 0.0);
    CHECK_EQ_STR(fmt4(a, x.r.yule_k), "0.0000");
    lexdiv(&x, ids, 42, 100);
    CHECK(x.r.has_hdd && fabs(x.r.hdd - 1.0) < 1e-14);  /* every draw holds all */
    lexdiv(&x, ids, 41, 100);
    CHECK(!x.r.has_hdd);
    against_naive(&x, ids, 300, 100);
    text_lexdiv_scratch_free(&x.s);
}

/* A partial factor: `a b c c` forward never reaches 0.72 (3/4), partial
 * (1 - 0.75) / 0.28, 4 / 0.892857 = 4.48; backward `c c` 0.5 a factor,
 * `b a` partial 0, 4 / 1 = 4; mtld 4.24.  A segment at exactly 0.72
 * (18 distinct of 25) closes a factor. */
static void test_mtld_rules(void)
{
    static const uint32_t abcc[] = { 0, 1, 2, 2 };
    struct lx x = {0};
    char a[32];
    lexdiv(&x, abcc, 4, 100);
    CHECK(x.r.has_mtld);
    CHECK_EQ_STR(fmt4(a, x.r.mtld), "4.2400");
    CHECK_CLOSE(x.r.mtld, (4 / (0.25 / 0.28) + 4.0) / 2, 1e-14);
    /* 18 distinct, then 7 repeats: 18/25 = 0.72 at the 25th WORD exactly
     * (at 24, 18/24 = 0.75); forward: one factor, nothing left: 25 / 1;
     * backward: the 7 repeats come first (TTR <= 0.72 after 2 of the same). */
    uint32_t ids[25];
    for (uint32_t i = 0; i < 18; i++)
        ids[i] = i;
    for (uint32_t i = 18; i < 25; i++)
        ids[i] = 17 - (i - 18);
    double f = naive_mtld_factors(ids, 25, 0);
    CHECK(f == 1.0);
    against_naive(&x, ids, 25, 5);
    /* random texts against the naive passes */
    for (int r = 0; r < 200; r++) {
        size_t n = rnd() % 400, v = 1 + rnd() % 120;
        uint32_t *z = zipfish(n, v);
        against_naive(&x, z, n, 1 + rnd() % 60);
        free(z);
    }
    text_lexdiv_scratch_free(&x.s);
}

/* MATTR in one sliding pass equals every window counted afresh, for every
 * window from 1 to past N. */
static void test_mattr_windows(void)
{
    uint32_t *ids = zipfish(500, 90);
    double out = 0;
    uint32_t work[90] = {0};
    for (size_t L = 1; L <= 510; L++) {
        double m = naive_mattr(ids, 500, L);
        int has = text_mattr(ids, 500, L, work, &out);
        CHECK_EQ_INT(has, L <= 500);
        if (has && !close_to(out, m, 1e-13)) {
            CHECK(!"mattr");
            fprintf(stderr, "  L = %zu: %.15g, expected %.15g\n", L, out, m);
        }
    }
    CHECK(text_mattr(ids, 500, 1, work, &out) == 1 && out == 1.0);
    for (size_t i = 0; i < 90; i++)
        CHECK(work[i] == 0);
    free(ids);
}

/* HD-D at N = 10^7 (and at 4 * 10^9): no overflow, and the exact values
 * where they are known. */
static void test_hdd_large(void)
{
    enum { BIG = 10000000 };
    uint32_t *freq = malloc(BIG * sizeof *freq);
    REQUIRE(freq);
    double h = -1;
    /* every word distinct: exactly 1 */
    for (size_t i = 0; i < BIG; i++)
        freq[i] = 1;
    CHECK(text_hdd(freq, BIG, BIG, &h) == 1);
    CHECK(isfinite(h));
    CHECK_CLOSE(h, 1.0, 1e-12);
    /* one word: 1 / 42 */
    freq[0] = BIG;
    CHECK(text_hdd(freq, 1, BIG, &h) == 1);
    CHECK_CLOSE(h, 1.0 / 42, 1e-14);
    /* a Zipf-like profile summing to 10^7, against the long double product */
    size_t v = 0;
    uint64_t sum = 0;
    while (sum < BIG) {
        uint64_t f = 600000 / (v + 1) + 1;
        if (sum + f > BIG)
            f = BIG - sum;
        freq[v++] = (uint32_t)f;
        sum += f;
    }
    CHECK(text_hdd(freq, v, BIG, &h) == 1);
    CHECK(isfinite(h));
    CHECK_CLOSE(h, naive_hdd(freq, v, BIG), 1e-12);
    /* and at N = 4 * 10^9: two types of 2 * 10^9, each missed with chance
     * about 2^-42 */
    freq[0] = freq[1] = 2000000000u;
    CHECK(text_hdd(freq, 2, 4000000000ull, &h) == 1);
    CHECK(isfinite(h));
    CHECK_CLOSE(h, 2.0 / 42, 1e-12);
    double y = -1;
    CHECK(text_yule_k(freq, 2, 4000000000ull, &y) == 1);
    CHECK_CLOSE(y, 1e4 * (8e18 - 4e9) / 16e18, 1e-14);
    free(freq);
}

/* Where lgamma is exact enough (moderate N), HD-D is the spec's lgamma
 * formula's value. */
static void test_hdd_is_the_lgamma_formula(void)
{
    for (int r = 0; r < 30; r++) {
        size_t n = 42 + rnd() % 5000, v = 1 + rnd() % 800;
        uint32_t *ids = zipfish(n, v);
        size_t vt = types_of(ids, n);
        uint32_t *freq = freq_of(ids, n, vt);
        double h = -1;
        CHECK(text_hdd(freq, vt, n, &h) == 1);
        CHECK_CLOSE(h, lgamma_hdd(freq, vt, n), 1e-9);
        CHECK_CLOSE(h, naive_hdd(freq, vt, n), 1e-13);
        free(freq);
        free(ids);
    }
}

/* Types that never occur (a count of 0) add nothing to HD-D or K. */
static void test_zero_counts(void)
{
    uint32_t freq[] = { 3, 0, 2, 0, 0, 1 };
    double y = -1;
    CHECK(text_yule_k(freq, 6, 6, &y) == 1);
    CHECK_CLOSE(y, 1e4 * (9 + 4 + 1 - 6) / 36.0, 1e-15);
    uint32_t big[] = { 40, 0, 2 };
    double h = -1;
    CHECK(text_hdd(big, 3, 42, &h) == 1);
    CHECK_CLOSE(h, 2.0 / 42, 1e-15);                    /* the draw is the whole text */
}

/* One scratch for texts of different sizes, larger and smaller: each
 * result is the one a fresh scratch gives. */
static void test_scratch_reuse(void)
{
    struct lx x = {0};
    for (int r = 0; r < 40; r++) {
        size_t n = rnd() % 3000, v = 1 + rnd() % (r % 2 ? 2000 : 50);
        uint32_t *ids = zipfish(n, v);
        size_t L = 1 + rnd() % 150;
        struct lx fresh = {0};
        lexdiv(&fresh, ids, n, L);
        lexdiv(&x, ids, n, L);
        CHECK(memcmp(&x.r, &fresh.r, sizeof x.r) == 0);
        text_lexdiv_scratch_free(&fresh.s);
        free(ids);
    }
    text_lexdiv_scratch_free(&x.s);
    text_lexdiv_scratch_free(&x.s);                     /* twice is fine */
    CHECK(x.s.work == NULL && x.s.cap == 0 && x.s.freq == NULL);
}

int main(void)
{
    RUN(test_worked_example);
    RUN(test_worked_example_text);
    RUN(test_order_ids);
    RUN(test_null_edges);
    RUN(test_one_word);
    RUN(test_all_distinct);
    RUN(test_mtld_rules);
    RUN(test_mattr_windows);
    RUN(test_hdd_large);
    RUN(test_hdd_is_the_lgamma_formula);
    RUN(test_zero_counts);
    RUN(test_scratch_reuse);
    return CHECK_EXIT();
}
