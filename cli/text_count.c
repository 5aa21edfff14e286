/*
 * text_count.c - counting terms in a body (spec section 5).
 *
 * DESIGN
 * text_terms_new() compiles each distinct term once: NFC, then either "one
 * LETTER" (kept as its simple lowercase code point) or the list of its
 * lowercased tokens, made by the same scanner as the body's.  text_count()
 * then makes at most two passes over the body:
 *   - letters: one histogram pass; ASCII bytes are counted as they are and
 *     folded afterwards, and only bytes >= 0x80 are decoded and lowercased;
 *   - token terms: one scan, keeping the last K tokens (K = the longest term)
 *     in a ring, and for each term the first token index at which a new
 *     match may start, so matches are leftmost and never overlap.
 * A compiled term list is read-only in text_count(), so one list may serve
 * several threads at once.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "pardo.h"
#include "text.h"

struct term {
    char      *name;   /* as the user wrote it */
    int        letter; /* 1: count the code points whose lowercase is `lower` */
    int32_t    lower;
    size_t     ntok;   /* else: its tokens, lowercased */
    char     **tok;
    size_t    *tlen;
    uint64_t  *thash;
};

struct text_terms {
    struct term *v;
    size_t       n;
    size_t       maxtok;
    int          any_letter, any_tokens;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static void term_free(struct term *m)
{
    for (size_t i = 0; i < m->ntok; i++)
        free(m->tok[i]);
    free(m->tok);
    free(m->tlen);
    free(m->thash);
    free(m->name);
}

void text_terms_free(struct text_terms *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        term_free(&t->v[i]);
    free(t->v);
    free(t);
}

size_t text_terms_len(const struct text_terms *t)
{
    return t ? t->n : 0;
}

const char *text_terms_name(const struct text_terms *t, size_t i)
{
    return t && i < t->n ? t->v[i].name : NULL;
}

static int add_token(void *ctx, const struct text_token *tok)
{
    struct term *m = ctx;
    size_t k = m->ntok;
    char **tv = realloc(m->tok, (k + 1) * sizeof *tv);
    if (!tv)
        return PARDO_ENOMEM;
    m->tok = tv;
    size_t *lv = realloc(m->tlen, (k + 1) * sizeof *lv);
    if (!lv)
        return PARDO_ENOMEM;
    m->tlen = lv;
    uint64_t *hv = realloc(m->thash, (k + 1) * sizeof *hv);
    if (!hv)
        return PARDO_ENOMEM;
    m->thash = hv;
    char *w = malloc(tok->len + 1);
    if (!w)
        return PARDO_ENOMEM;
    memcpy(w, tok->text, tok->len);
    w[tok->len] = '\0';
    tv[k] = w;
    lv[k] = tok->len;
    hv[k] = fnv1a(tok->text, tok->len);
    m->ntok = k + 1;
    return 0;
}

/* Fills m (its name already set) from the term's text. */
static int term_compile(struct term *m)
{
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)m->name, 0, &nfc,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k == UTF8PROC_ERROR_NOMEM)
        return PARDO_ENOMEM;
    /* Not valid UTF-8: scan the bytes as they are (bad bytes separate). */
    const char *s = k >= 0 ? (const char *)nfc : m->name;
    size_t n = k >= 0 ? (size_t)k : strlen(m->name);
    int rc = 0;
    int32_t cp;
    if (n > 0 && text__utf8_decode((const unsigned char *)s, n, &cp) == n &&
        (text__class(cp) & TEXT_C_LETTER)) {
        m->letter = 1;
        m->lower = utf8proc_tolower(cp);
    } else {
        rc = text_scan(s, n, add_token, m);
    }
    free(nfc);
    return rc;
}

int text_terms_new(struct text_terms **out, const char *const *terms, size_t n)
{
    *out = NULL;
    struct text_terms *t = calloc(1, sizeof *t);
    if (!t || (n && !(t->v = calloc(n, sizeof *t->v)))) {
        free(t);
        return PARDO_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < t->n && !seen; j++)
            seen = strcmp(t->v[j].name, terms[i]) == 0;
        if (seen)
            continue;
        struct term *m = &t->v[t->n];
        memset(m, 0, sizeof *m);
        m->name = strdup(terms[i]);
        t->n++;
        if (!m->name || term_compile(m) < 0) {
            text_terms_free(t);
            return PARDO_ENOMEM;
        }
        if (m->letter)
            t->any_letter = 1;
        else if (m->ntok)
            t->any_tokens = 1;
        if (m->ntok > t->maxtok)
            t->maxtok = m->ntok;
    }
    *out = t;
    return 0;
}

/* ---- counting ---------------------------------------------------------- */

static void count_letters(const struct text_terms *t, const char *body, size_t len,
                          uint64_t *counts)
{
    uint64_t raw[128] = {0};   /* ASCII bytes as they stand */
    uint64_t lowered[128] = {0}; /* non-ASCII code points lowercased to ASCII */
    const unsigned char *s = (const unsigned char *)body;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            raw[s[i++]]++;
            continue;
        }
        int32_t cp;
        i += text__utf8_decode(s + i, len - i, &cp);
        if (cp < 0)
            continue;
        int32_t lc = utf8proc_tolower(cp);
        if (lc < 0x80) {
            lowered[lc]++;
            continue;
        }
        for (size_t j = 0; j < t->n; j++)
            if (t->v[j].letter && t->v[j].lower == lc)
                counts[j]++;
    }
    for (size_t j = 0; j < t->n; j++) {
        int32_t x = t->v[j].lower;
        if (!t->v[j].letter || x >= 0x80)
            continue;
        counts[j] = raw[x] + lowered[x];
        if (x >= 'a' && x <= 'z')
            counts[j] += raw[x - 32];
    }
}

struct matcher {
    const struct text_terms *t;
    uint64_t                *counts;
    size_t                  *next_ok; /* per term: first index a match may start at */
    struct text_buf         *ring;    /* the last maxtok tokens */
    uint64_t                *ring_hash;
    size_t                   seen;    /* tokens so far */
};

static int on_token(void *ctx, const struct text_token *tok)
{
    struct matcher *m = ctx;
    const struct text_terms *t = m->t;
    size_t idx = m->seen++, k = t->maxtok;
    struct text_buf *b = &m->ring[idx % k];
    if (text_buf_reserve(b, tok->len + 1) < 0)
        return PARDO_ENOMEM;
    memcpy(b->data, tok->text, tok->len);
    b->len = tok->len;
    m->ring_hash[idx % k] = fnv1a(tok->text, tok->len);
    for (size_t j = 0; j < t->n; j++) {
        const struct term *w = &t->v[j];
        if (w->letter || !w->ntok || idx + 1 < w->ntok)
            continue;
        size_t start = idx + 1 - w->ntok;
        if (start < m->next_ok[j])
            continue;
        size_t q = 0;
        for (; q < w->ntok; q++) {
            size_t r = (start + q) % k;
            if (m->ring_hash[r] != w->thash[q] || m->ring[r].len != w->tlen[q] ||
                memcmp(m->ring[r].data, w->tok[q], w->tlen[q]) != 0)
                break;
        }
        if (q == w->ntok) {
            m->counts[j]++;
            m->next_ok[j] = idx + 1;
        }
    }
    return 0;
}

static int count_tokens(const struct text_terms *t, const char *body, size_t len,
                        uint64_t *counts)
{
    struct matcher m = {t, counts, NULL, NULL, NULL, 0};
    m.next_ok = calloc(t->n, sizeof *m.next_ok);
    m.ring = calloc(t->maxtok, sizeof *m.ring);
    m.ring_hash = calloc(t->maxtok, sizeof *m.ring_hash);
    int rc = PARDO_ENOMEM;
    if (m.next_ok && m.ring && m.ring_hash)
        rc = text_scan(body, len, on_token, &m);
    if (m.ring)
        for (size_t i = 0; i < t->maxtok; i++)
            text_buf_free(&m.ring[i]);
    free(m.ring);
    free(m.ring_hash);
    free(m.next_ok);
    return rc < 0 ? rc : 0;
}

int text_count(const struct text_terms *t, const char *body, size_t len, uint64_t *counts)
{
    if (!t)
        return 0;
    memset(counts, 0, t->n * sizeof *counts);
    if (t->any_letter)
        count_letters(t, body, len, counts);
    if (t->any_tokens)
        return count_tokens(t, body, len, counts);
    return 0;
}
