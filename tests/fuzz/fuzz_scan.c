/*
 * fuzz_scan.c - libFuzzer target for text_scan() and text_analyze()
 * (spec sections 2-4), on raw bytes and on the cleaned body.
 *
 * Checks the invariants that tie the two together: every WORD counted
 * once, NUMs apart, sentence indexes never going back, types and hapax
 * from the table, inner and inner_caps word by word and the -ly count as
 * the tokens give them, inner <= count, rates present only with words,
 * and the table's sorted order.  The table also keeps the WORDs' order
 * (stats --lexdiv): one type id per WORD, numbered by first use, whose
 * counts are the table's; section 9's measures over it stay in range and
 * are null exactly where the spec says.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pardo.h"
#include "../../cli/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t words, nums, sentences, ly;
    size_t   last_sent, last_word_sent;
    int      any, any_word;
    struct wordtab *t;
};

static int on_token(void *ctx, const struct text_token *tok)
{
    struct seen *s = ctx;
    if (tok->len == 0 || tok->cps == 0 || tok->cps > tok->len || memchr(tok->text, 0, tok->len))
        abort();
    if (s->any && tok->sentence < s->last_sent)
        abort();
    if (tok->letters_only && !tok->is_word)
        abort();
    for (size_t i = tok->len; i < tok->len + 16; i++) /* the padding text.h promises */
        if (tok->text[i] != 0)
            abort();
    if (tok->is_word) {
        /* a kept sentence is a sentence index that has a WORD; its first
         * WORD is not inner, the others are */
        int inner = s->any_word && tok->sentence == s->last_word_sent;
        if (!inner)
            s->sentences++;
        s->any_word = 1;
        s->last_word_sent = tok->sentence;
        s->words++;
        s->ly += (uint64_t)text_is_ly_adverb(tok->text, tok->len, tok->cps, tok->letters_only);
        struct word_entry e = {tok->text, (uint32_t)tok->len, 1, (uint64_t)inner,
                               (uint64_t)(inner && tok->capitalised)};
        if (wordtab_add(s->t, &e) != 0)
            abort();
    } else {
        s->nums++;
    }
    s->any = 1;
    s->last_sent = tok->sentence;
    return 0;
}

static struct wordtab *reused;
static struct text_lexdiv_scratch lx;

/* A pass closes at most one factor per two WORDs, so its value is at
 * least n / (n/2 + 1) >= 1; with a factor it is at most n, without one the
 * partial factor is at least (1 - (n-1)/n) / 0.28, so at most 0.28 n^2. */
static double mtld_max(size_t n)
{
    double a = (double)n, b = 0.28 * (double)n * (double)n;
    return (a > b ? a : b) * (1 + 1e-12);
}

/* The order the table kept, and section 9 over it. */
static void check_order(const struct wordtab *t, const struct text_stats *st)
{
    size_t n, v = wordtab_size(t);
    const uint32_t *ids = wordtab_order(t, &n);
    if (n != st->words || (n && !ids))
        abort();
    uint32_t *freq = calloc(v + 1, sizeof *freq), *table = calloc(v + 1, sizeof *table);
    if (!freq || !table)
        abort();
    uint32_t next = 0;
    int repeat = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] > next)              /* numbered by first use */
            abort();
        next += ids[i] == next;
        repeat |= freq[ids[i]]++ > 0;
    }
    if (next != v)
        abort();
    wordtab_counts(t, table);
    if (memcmp(freq, table, v * sizeof *freq) != 0)
        abort();
    size_t window = 1 + (n ? ids[n / 2] % 64 : 0);
    struct text_lexdiv a, b;
    if (text_lexdiv(ids, n, table, v, window, &lx, &a) != 0 ||
        text_lexdiv(ids, n, NULL, v, window, &lx, &b) != 0 || memcmp(&a, &b, sizeof a) != 0)
        abort();
    if (a.has_mattr != (n >= window) || a.has_hdd != (n >= TEXT_HDD_DRAWS) ||
        a.has_yule_k != (n >= 1) || a.has_mtld != repeat)
        abort();
    if ((a.has_mattr && !(a.mattr > 0 && a.mattr <= 1)) ||
        (a.has_hdd && !(a.hdd > 0 && a.hdd <= 1 + 1e-12)) ||
        (a.has_yule_k && !(a.yule_k >= 0 && a.yule_k < 1e4)) ||
        (a.has_mtld && !(a.mtld >= 1 && a.mtld <= mtld_max(n))))
        abort();
    free(freq);
    free(table);
}

static void check(const char *body, size_t len)
{
    struct seen s = {0};
    struct text_buf tb = {0};
    s.t = wordtab_new();
    if (!s.t || text__scan(body, len, &tb, on_token, &s) != 0)
        abort();
    text_buf_free(&tb);

    struct text_stats st;
    if (!reused && (reused = wordtab_new()) != NULL)
        wordtab_keep_order(reused, 1);
    if (!reused || text_analyze(body, len, reused, &st) != 0)
        abort();
    check_order(reused, &st);
    if (st.words != s.words || st.nums != s.nums || st.types != wordtab_size(reused) ||
        st.types != wordtab_size(s.t) || st.sentences != s.sentences || st.ly != s.ly)
        abort();
    if (st.hapax > st.types || st.types > st.words || st.sentences > st.words || st.ly > st.words)
        abort();
    if (st.words == 0 && (st.ttr != 0 || st.sentence_mean != 0))
        abort();
    if (st.words && (!(st.ttr > 0 && st.ttr <= 1) || !(st.sentence_mean >= 1) ||
                     !(st.sentence_sd >= 0) || isnan(st.sentence_sd)))
        abort();
    /* The two tables agree word by word; counts sum to N. */
    size_t n;
    const struct word_entry *w = wordtab_sorted(reused, &n);
    uint64_t sum = 0, hapax = 0;
    for (size_t i = 0; i < n; i++) {
        const struct word_entry *o = wordtab_get(s.t, w[i].word, w[i].len);
        if (!o || o->count != w[i].count || o->inner != w[i].inner ||
            o->inner_caps != w[i].inner_caps || w[i].inner > w[i].count ||
            w[i].inner_caps > w[i].inner)
            abort();
        if (i && (w[i - 1].count < w[i].count ||
                  (w[i - 1].count == w[i].count &&
                   memcmp(w[i - 1].word, w[i].word,
                          w[i - 1].len < w[i].len ? w[i - 1].len : w[i].len) > 0)))
            abort();
        sum += w[i].count;
        hapax += w[i].count == 1;
    }
    if (sum != st.words || hapax != st.hapax)
        abort();
    wordtab_free(s.t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check((const char *)data, size);
    struct text_buf b = {0};
    struct text_clean c;
    if (text_clean(&b, data, size, TEXT_ENC_AUTO, 0, &c) != 0)
        abort();
    check(c.body, c.body_len);
    text_buf_free(&b);
    return 0;
}
