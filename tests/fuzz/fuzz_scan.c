/*
 * fuzz_scan.c - libFuzzer target for text_scan() and text_analyze()
 * (spec sections 2-4), on raw bytes and on the cleaned body.
 *
 * Checks the invariants that tie the two together: every WORD counted
 * once, NUMs apart, sentence indexes never going back, types and hapax
 * from the table, inner and inner_caps word by word and the -ly count as
 * the tokens give them, inner <= count, rates present only with words,
 * and the table's sorted order.
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

static void check(const char *body, size_t len)
{
    struct seen s = {0};
    struct text_buf tb = {0};
    s.t = wordtab_new();
    if (!s.t || text__scan(body, len, &tb, on_token, &s) != 0)
        abort();
    text_buf_free(&tb);

    struct text_stats st;
    if (!reused)
        reused = wordtab_new();
    if (text_analyze(body, len, reused, &st) != 0)
        abort();
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
