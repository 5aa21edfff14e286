/*
 * text_count.c - counting terms in a body (spec section 5).
 *
 * DESIGN
 * text_terms_new() compiles each distinct term once: NFC, then either "one
 * LETTER" (kept as its simple lowercase code point) or the list of its
 * lowercased tokens, made by the same scanner as the body's.  text_count()
 * then makes at most two passes over the body:
 *   - letters: one pass; up to four ASCII letters are counted 16 bytes at
 *     a time (SSE2), more with a byte histogram folded afterwards, and only
 *     bytes >= 0x80 are decoded and lowercased;
 *   - token terms: one scan, keeping the last K tokens (K = the longest term)
 *     in a ring, and for each term the first token index at which a new
 *     match may start, so matches are leftmost and never overlap.
 * A compiled term list is read-only in text_count(), so one list may serve
 * several threads at once.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#include <emmintrin.h>
#endif

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

int text_terms_void(const struct text_terms *t, size_t i)
{
    return !t->v[i].letter && t->v[i].ntok == 0;
}

/* ---- counting ---------------------------------------------------------- */

/* Adds to counts[] the terms whose letter is the lowercase of cp, a
 * code point >= 0x80 or a non-ASCII one lowercasing to ASCII (lowered). */
static void count_cp(const struct text_terms *t, int32_t cp, uint64_t *lowered,
                     uint64_t *counts)
{
    if (cp < 0)
        return;
    int32_t lc = utf8proc_tolower(cp);
    if (lc < 0x80) {
        lowered[lc]++;
        return;
    }
    for (size_t j = 0; j < t->n; j++)
        if (t->v[j].letter && t->v[j].lower == lc)
            counts[j]++;
}

/* The histogram: any number of letters. */
static void letters_histogram(const struct text_terms *t, const unsigned char *s, size_t len,
                              uint64_t *raw, uint64_t *lowered, uint64_t *counts)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            raw[s[i++]]++;
            continue;
        }
        int32_t cp;
        i += text__utf8_decode(s + i, len - i, &cp);
        count_cp(t, cp, lowered, counts);
    }
}

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#define SIMD_LETTERS 4          /* distinct ASCII letters counted 16 bytes at a time */

static int use_simd = 1;        /* text__count_simd() */

int text__count_simd(int on)
{
    int old = use_simd;
    use_simd = on;
    return old;
}

static uint64_t lanes_sum(__m128i acc)
{
    __m128i w = _mm_sad_epu8(acc, _mm_setzero_si128());
    return (uint64_t)_mm_cvtsi128_si32(w) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(w, 8));
}

/* Up to four ASCII letters (their lowercase in want[0..4), 0 for none:
 * a byte or-ed with 0x20 is never 0): each 16 bytes are or-ed with 0x20,
 * which lowercases A-Z and maps no other byte onto a-z, and compared with
 * each letter, the matches summed in byte lanes, widened every 255 blocks.
 * Bytes >= 0x80 never match; the code points they start are decoded only
 * in the blocks that have one, found from the block's mask.  The ASCII
 * counts land in raw[] under the lowercase letter.  (The byte histogram
 * ran at 1.4 GB/s here: each byte a load and a store.) */
static void letters_simd(const struct text_terms *t, const unsigned char *s, size_t len,
                         const unsigned char *want, uint64_t *raw, uint64_t *lowered,
                         uint64_t *counts)
{
    const __m128i low = _mm_set1_epi8(0x20), zero = _mm_setzero_si128();
    const __m128i e0 = _mm_set1_epi8((char)want[0]), e1 = _mm_set1_epi8((char)want[1]);
    const __m128i e2 = _mm_set1_epi8((char)want[2]), e3 = _mm_set1_epi8((char)want[3]);
    __m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    uint64_t total[4] = { 0 };
    size_t i = 0, next = 0;     /* next: where the next code point starts */
    while (len - i >= 16) {
        size_t end = len - i >= 255 * 16 ? i + 255 * 16 : i + (len - i) / 16 * 16;
        for (; i < end; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned high = (unsigned)_mm_movemask_epi8(v);
            if (high) {
                /* The bytes of a sequence that started before i are not
                 * lead bytes. */
                if (next > i)
                    high &= next - i >= 16 ? 0 : ~0u << (next - i);
                while (high) {
                    size_t p = i + (size_t)__builtin_ctz(high);
                    int32_t cp;
                    next = p + text__utf8_decode(s + p, len - p, &cp);
                    count_cp(t, cp, lowered, counts);
                    high &= next - i >= 16 ? 0 : ~0u << (next - i);
                }
            }
            __m128i x = _mm_or_si128(v, low);
            a0 = _mm_sub_epi8(a0, _mm_cmpeq_epi8(x, e0));
            a1 = _mm_sub_epi8(a1, _mm_cmpeq_epi8(x, e1));
            a2 = _mm_sub_epi8(a2, _mm_cmpeq_epi8(x, e2));
            a3 = _mm_sub_epi8(a3, _mm_cmpeq_epi8(x, e3));
        }
        total[0] += lanes_sum(a0);
        total[1] += lanes_sum(a1);
        total[2] += lanes_sum(a2);
        total[3] += lanes_sum(a3);
        a0 = a1 = a2 = a3 = zero;
    }
    /* The last bytes (after the rest of a sequence that ran into them). */
    uint64_t tail[128] = { 0 };
    size_t from = i > next ? i : next;
    letters_histogram(t, s + from, len - from, tail, lowered, counts);
    for (int j = 0; j < 4 && want[j]; j++)
        raw[want[j]] += total[j] + tail[want[j]] + tail[want[j] - 32];
}
/* The distinct ASCII letters of t's terms into want[]: 1, or 0 when there
 * are more than the lanes. */
static int simd_letters(const struct text_terms *t, unsigned char *want)
{
    int k = 0;
    for (size_t j = 0; j < t->n; j++) {
        int32_t x = t->v[j].lower;
        if (!t->v[j].letter || x >= 0x80 || memchr(want, x, (size_t)k))
            continue;
        if (x < 'a' || x > 'z' || k == SIMD_LETTERS)
            return 0;           /* more letters than lanes (or not a-z: none are) */
        want[k++] = (unsigned char)x;
    }
    return 1;
}
#else
int text__count_simd(int on)
{
    (void)on;
    return 0;
}
#endif

static void count_letters(const struct text_terms *t, const char *body, size_t len,
                          uint64_t *counts)
{
    uint64_t raw[128] = {0};   /* ASCII bytes as they stand */
    uint64_t lowered[128] = {0}; /* non-ASCII code points lowercased to ASCII */
    const unsigned char *s = (const unsigned char *)body;
    int folded = 0;            /* raw[] holds A-Z under a-z already */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
    unsigned char want[SIMD_LETTERS] = { 0 };
    if (use_simd && simd_letters(t, want)) {
        letters_simd(t, s, len, want, raw, lowered, counts);
        folded = 1;
    } else
#endif
        letters_histogram(t, s, len, raw, lowered, counts);
    for (size_t j = 0; j < t->n; j++) {
        int32_t x = t->v[j].lower;
        if (!t->v[j].letter || x >= 0x80)
            continue;
        counts[j] = raw[x] + lowered[x];
        if (!folded && x >= 'a' && x <= 'z')
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
