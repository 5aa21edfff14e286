/*
 * text_stats.c - the per-file metrics of spec section 4.
 *
 * DESIGN
 * text_analyze() is one text__scan_batch() over the body with a callback
 * that counts WORDs and NUMs, adds each WORD to the caller's word table
 * (types, hapax and the favourite-word counts all come from there), and
 * keeps the running sums of sentence lengths: all in one loop over each
 * batch, text__wordtab_count() (text_words.c), so that a token's record
 * is read once and its cell is found in the same pass.  Sentences are
 * told apart by the index the scanner gives each token; a sentence is
 * closed when a WORD with a new index arrives, so sentences without WORDs
 * never count.  The standard
 * deviation comes from integer sums (n, sum, sum of squares), which are
 * exact in a double for any real book.  The only other pass is a memchr()
 * count of '!'.
 *
 * The word table is the caller's, reused across files, and lends its token
 * buffer to the scan, so that nothing is allocated per file after warm-up.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pardo.h"
#include "text.h"

/* Words ending in -ly that are not adverbs (section 4), sorted by bytes for
 * bsearch, each with its length. */
#define W(s) {s, sizeof s - 1}
static const struct word {
    const char *w;
    size_t      len;
} non_ly[] = {
    W("ally"), W("anomaly"), W("apply"), W("assembly"), W("belly"), W("bully"), W("burly"),
    W("butterfly"), W("comely"), W("comply"), W("costly"), W("cowardly"), W("curly"),
    W("daily"), W("dally"), W("deadly"), W("disorderly"), W("dolly"), W("dragonfly"),
    W("early"), W("earthly"), W("elderly"), W("emily"), W("family"), W("fly"), W("folly"),
    W("friendly"), W("ghastly"), W("ghostly"), W("gully"), W("heavenly"), W("holly"),
    W("holy"), W("homely"), W("hourly"), W("imply"), W("italy"), W("jelly"), W("jolly"),
    W("july"), W("kelly"), W("kindly"), W("likely"), W("lily"), W("lively"), W("lonely"),
    W("lovely"), W("manly"), W("melancholy"), W("molly"), W("monopoly"), W("monthly"),
    W("multiply"), W("nelly"), W("nightly"), W("only"), W("orderly"), W("polly"), W("rally"),
    W("rely"), W("reply"), W("sally"), W("scholarly"), W("sickly"), W("silly"), W("sly"),
    W("stately"), W("sully"), W("supply"), W("surly"), W("tally"), W("ugly"),
    W("unfriendly"), W("unlikely"), W("weekly"), W("wily"), W("womanly"), W("worldly"),
    W("yearly"),
};
#undef W

static int cmp_word(const void *k, const void *e)
{
    const struct word *a = k, *b = e;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->w, b->w, n);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

int text_is_ly_adverb(const char *w, size_t len, size_t cps, int letters_only)
{
    if (!letters_only || cps < 4 || len < 2 || w[len - 2] != 'l' || w[len - 1] != 'y')
        return 0;
    struct word k = {w, len};
    return len > 10 || /* longer than any NON_LY word */
           !bsearch(&k, non_ly, sizeof non_ly / sizeof non_ly[0], sizeof non_ly[0], cmp_word);
}

/* The NON_LY words again, zero-padded to 16 bytes and grouped by length:
 * those of length L are non_ly16[first_of_len[L] .. first_of_len[L + 1]).
 * test_ly checks that the two lists agree. */
static const char non_ly16[][16] = {
    "fly", "sly", "ally", "holy", "july", "lily", "only", "rely", "ugly", "wily",
    "apply", "belly", "bully", "burly", "curly", "daily", "dally", "dolly", "early",
    "emily", "folly", "gully", "holly", "imply", "italy", "jelly", "jolly", "kelly",
    "manly", "molly", "nelly", "polly", "rally", "reply", "sally", "silly", "sully",
    "surly", "tally", "comely", "comply", "costly", "deadly", "family", "homely",
    "hourly", "kindly", "likely", "lively", "lonely", "lovely", "sickly", "supply",
    "weekly", "yearly", "anomaly", "earthly", "elderly", "ghastly", "ghostly",
    "monthly", "nightly", "orderly", "stately", "womanly", "worldly", "assembly",
    "cowardly", "friendly", "heavenly", "monopoly", "multiply", "unlikely", "butterfly",
    "dragonfly", "scholarly", "disorderly", "melancholy", "unfriendly",
};
static const unsigned char first_of_len[] = {0, 0, 0, 0, 2, 10, 39, 55, 66, 73, 76, 79};

static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

int text__ly_adverb16(const char *w, size_t len, size_t cps, int letters_only)
{
    if (!letters_only || cps < 4 || len < 2 || w[len - 2] != 'l' || w[len - 1] != 'y')
        return 0;
    if (len > 10) /* longer than any NON_LY word */
        return 1;
    uint64_t w0 = load8(w), w1 = load8(w + 8);
    for (unsigned i = first_of_len[len]; i < first_of_len[len + 1]; i++)
        if (load8(non_ly16[i]) == w0 && load8(non_ly16[i] + 8) == w1)
            return 0;
    return 1;
}

struct analysis {
    struct wordtab     *t;
    struct text__tally  y;
};

static void close_sentence(struct text__tally *y)
{
    if (!y->sent_len)
        return;
    y->n_sent++;
    y->sum += y->sent_len;
    y->sumsq += y->sent_len * y->sent_len;
    y->sent_len = 0;
}

/* The per-batch step: the word table counts and tallies the batch in one
 * loop (text__wordtab_count()). */
static int on_batch(void *ctx, const char *base, struct text__tok *t, size_t n)
{
    struct analysis *a = ctx;
    return text__wordtab_count(a->t, base, t, n, &a->y);
}

static uint64_t count_byte(const char *s, size_t n, int c)
{
    uint64_t k = 0;
    const char *end = s + n;
    while (s < end && (s = memchr(s, c, (size_t)(end - s))) != NULL) {
        k++;
        s++;
    }
    return k;
}

int text_analyze(const char *body, size_t len, struct wordtab *words, struct text_stats *st)
{
    struct analysis a = {0};
    memset(st, 0, sizeof *st);
    a.t = words ? words : wordtab_new();
    if (!a.t)
        return PARDO_ENOMEM;
    wordtab_clear(a.t);
    a.y.sent = SIZE_MAX;
    int rc = text__scan_batch(body, len, text__wordtab_scratch(a.t), on_batch, &a);
    if (rc == 0) {
        close_sentence(&a.y);
        rc = text__wordtab_sync(a.t);
    }
    if (rc == 0) {
        size_t n = wordtab_size(a.t);
        uint64_t hapax = text__wordtab_hapax(a.t);
        st->words = a.y.words;
        st->nums = a.y.nums;
        st->types = n;
        st->hapax = hapax;
        st->sentences = a.y.n_sent;
        st->ly = a.y.ly;
        st->exclam = count_byte(body, len, '!');
        if (a.y.words) {
            double N = (double)a.y.words, S = (double)a.y.n_sent;
            st->ttr = (double)n / N;
            st->ly_per_10k = 10000.0 * (double)a.y.ly / N;
            st->exclam_per_100k = 100000.0 * (double)st->exclam / N;
            /* words > 0 means at least one sentence. */
            st->sentence_mean = (double)a.y.sum / S;
            double var = S * (double)a.y.sumsq - (double)a.y.sum * (double)a.y.sum;
            st->sentence_sd = var > 0 ? sqrt(var) / S : 0.0;
        }
    }
    if (rc < 0)
        wordtab_clear(a.t); /* no half-counted file */
    if (!words)
        wordtab_free(a.t);
    return rc < 0 ? rc : 0;
}
