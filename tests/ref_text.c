/*
 * ref_text.c - the reference tokeniser and sentence splitter, and the
 * differential check (see ref_text.h).
 *
 * DESIGN
 * The text is decoded once into an array of code points (utf8proc_iterate;
 * an invalid byte is one code point -1, a separator).  Then each rule of
 * sections 2 and 3 is one loop over that array, in the order the spec
 * states them:
 *   1. classes: LETTER (L*), DIGIT (Nd), APOS, MARK (M*), else separator;
 *      APOS first, since U+02BC is Lm;
 *   2. marks: a MARK directly after a LETTER or DIGIT becomes a LETTER
 *      (so after a mark that became one, too), any other a separator;
 *   3. tokens: maximal runs of code points that are LETTER or DIGIT, or an
 *      APOS with a LETTER or DIGIT directly on both sides, or a . or , with
 *      a DIGIT directly on both sides;
 *   4. sentence boundaries: after a maximal run of terminators that is
 *      followed by closers and the end of the text, or by closers, white
 *      space, openers and an uppercase letter or DIGIT, unless the run is a
 *      single . right after an initial, an abbreviation, or "no" with a NUM
 *      as the next token; and at every blank line;
 *   5. each token's sentence is the number of boundaries before it; the
 *      lengths are the WORD counts of the sentences that have one.
 * Nothing is fast; everything is quadratic-free only because the texts are
 * small.  It shares no code with cli/text_*.c, which is the point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ref_text.h"
#include "pardo.h"
#include "../cli/text.h"

enum ref_class { REF_SEP, REF_LETTER, REF_DIGIT, REF_APOS, REF_MARK };

struct ref_cp {
    int32_t cp;           /* -1: an invalid byte */
    size_t  off;          /* byte offset in the text */
    enum ref_class cls;
};

/* ---- section 2: classes ------------------------------------------------ */

static int ref_is_apos(int32_t cp)
{
    return cp == 0x27 || cp == 0x2019 || cp == 0x02BC;
}

static enum ref_class ref_class_of(int32_t cp)
{
    if (cp < 0)
        return REF_SEP;
    if (ref_is_apos(cp))
        return REF_APOS;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return REF_LETTER;
    case UTF8PROC_CATEGORY_ND:
        return REF_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return REF_MARK;
    default:
        return REF_SEP;
    }
}

static int ref_upper(int32_t cp)
{
    if (cp < 0)
        return 0;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LT;
}

static int ref_ld(enum ref_class c)
{
    return c == REF_LETTER || c == REF_DIGIT;
}

/* ---- section 3: character sets ------------------------------------------ */

/* Unicode 15's White_Space property, as PropList.txt lists it. */
static int ref_white(int32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static int ref_terminator(int32_t cp)
{
    return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026;
}

static int ref_closer(int32_t cp)
{
    return cp == '"' || cp == '\'' || cp == 0x201D || cp == 0x2019 || cp == ')' || cp == ']' ||
           cp == '_';
}

static int ref_opener(int32_t cp)
{
    return cp == '"' || cp == '\'' || cp == 0x201C || cp == 0x2018 || cp == '(' || cp == '[' ||
           cp == '_';
}

static int ref_abbreviation(const char *w)
{
    static const char *const list[] = {"mr",  "mrs", "ms",  "dr",  "st",   "jr",  "sr",
                                       "mt",  "vs",  "etc", "vol", "viz",  "esq", "rev",
                                       "col", "gen", "capt", "lt", "sgt", "prof", "hon"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- the scan ------------------------------------------------------------- */

/* A token as code point indexes [first, last) of the array. */
struct ref_span {
    size_t first, last;
};

static int ref_decode(const char *s, size_t n, struct ref_cp **out, size_t *count)
{
    struct ref_cp *a = malloc((n + 1) * sizeof *a);
    if (!a)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (l <= 0) {
            cp = -1;
            l = 1;
        }
        a[k].cp = cp;
        a[k].off = i;
        a[k].cls = ref_class_of(cp);
        k++;
        i += (size_t)l;
    }
    *out = a;
    *count = k;
    return 0;
}

/* Rule 2: a mark after a LETTER or DIGIT is a LETTER, else a separator. */
static void ref_resolve_marks(struct ref_cp *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].cls == REF_MARK)
            a[i].cls = i > 0 && ref_ld(a[i - 1].cls) ? REF_LETTER : REF_SEP;
}

/* Rule 3: is a[i] part of a token? */
static int ref_in_token(const struct ref_cp *a, size_t n, size_t i)
{
    if (ref_ld(a[i].cls))
        return 1;
    if (i == 0 || i + 1 >= n)
        return 0;
    if (a[i].cls == REF_APOS)
        return ref_ld(a[i - 1].cls) && ref_ld(a[i + 1].cls);
    if (a[i].cp == '.' || a[i].cp == ',')
        return a[i - 1].cls == REF_DIGIT && a[i + 1].cls == REF_DIGIT;
    return 0;
}

static int ref_make_token(const struct ref_cp *a, struct ref_span sp, struct ref_token *t)
{
    size_t cps = sp.last - sp.first;
    t->text = malloc(cps * 4 + 1);
    if (!t->text)
        return -1;
    size_t len = 0;
    int letters = 1, word = 0;
    for (size_t i = sp.first; i < sp.last; i++) {
        int32_t cp = a[i].cls == REF_APOS ? '\'' : utf8proc_tolower(a[i].cp);
        len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)t->text + len);
        word |= a[i].cls == REF_LETTER;
        letters &= a[i].cls == REF_LETTER;
    }
    t->text[len] = '\0';
    t->len = len;
    t->cps = cps;
    t->is_word = word;
    t->letters_only = letters;
    t->capitalised = ref_upper(a[sp.first].cp);
    t->sentence = 0;
    return 0;
}

/* Rule 4, first part: the run of terminators a[i..j) (maximal) ends a
 * sentence by what follows it. */
static int ref_context_ends(const struct ref_cp *a, size_t n, size_t j)
{
    while (j < n && ref_closer(a[j].cp))
        j++;
    if (j == n)
        return 1;
    if (!ref_white(a[j].cp))
        return 0;
    while (j < n && ref_white(a[j].cp))
        j++;
    while (j < n && ref_opener(a[j].cp))
        j++;
    return j < n && (ref_upper(a[j].cp) || a[j].cls == REF_DIGIT);
}

/* Rule 4, the exceptions: the run a[i..j) is a single '.' directly after
 * a token (spans sp, tokens t, nt of them), and that token is an initial,
 * an abbreviation, or "no" before a NUM.  *k is where the search for the
 * token starts: the runs come in text order, so it only moves on. */
static int ref_not_an_end(const struct ref_cp *a, size_t i, size_t j, const struct ref_span *sp,
                          const struct ref_token *t, size_t nt, size_t *cursor)
{
    size_t k = *cursor;
    while (k < nt && sp[k].last < i)
        k++;
    *cursor = k;
    if (j - i != 1 || a[i].cp != '.')
        return 0;
    if (k == nt || sp[k].last != i)
        return 0;
    if (t[k].cps == 1 && ref_upper(a[sp[k].first].cp) && a[sp[k].first].cp != 'I')
        return 1;
    if (ref_abbreviation(t[k].text))
        return 1;
    return strcmp(t[k].text, "no") == 0 && k + 1 < nt && !t[k + 1].is_word;
}

void ref_result_free(struct ref_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->tok[i].text);
    free(r->tok);
    free(r->sent_len);
    memset(r, 0, sizeof *r);
}

int ref_scan(const char *s, size_t n, struct ref_result *r)
{
    memset(r, 0, sizeof *r);
    struct ref_cp *a;
    size_t na;
    if (ref_decode(s, n, &a, &na) < 0)
        return -1;
    ref_resolve_marks(a, na);

    /* Rule 3: the tokens. */
    struct ref_span *sp = malloc((na + 1) * sizeof *sp);
    r->tok = calloc(na + 1, sizeof *r->tok);
    /* Boundaries: code point indexes; a token at i is after those <= i. */
    size_t *bound = malloc((na + 1) * sizeof *bound), nb = 0;
    if (!sp || !r->tok || !bound)
        goto fail;
    for (size_t i = 0; i < na;) {
        if (!ref_in_token(a, na, i)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < na && ref_in_token(a, na, j))
            j++;
        sp[r->n] = (struct ref_span){i, j};
        if (ref_make_token(a, sp[r->n], &r->tok[r->n]) < 0)
            goto fail;
        r->n++;
        i = j;
    }

    /* Rule 4: the boundaries, in text order. */
    size_t cursor = 0;
    for (size_t i = 0; i < na; i++) {
        if (a[i].cp == '\n') {
            size_t q = i + 1;
            while (q < na && (a[q].cp == ' ' || a[q].cp == '\t'))
                q++;
            if (q < na && a[q].cp == '\n')
                bound[nb++] = i;
            continue;
        }
        if (!ref_terminator(a[i].cp) || (i > 0 && ref_terminator(a[i - 1].cp)))
            continue;
        size_t j = i;
        while (j < na && ref_terminator(a[j].cp))
            j++;
        if (ref_context_ends(a, na, j) && !ref_not_an_end(a, i, j, sp, r->tok, r->n, &cursor))
            bound[nb++] = j;
    }

    /* Rule 5: sentences. */
    r->sent_len = calloc(nb + 1, sizeof *r->sent_len);
    if (!r->sent_len)
        goto fail;
    size_t b = 0;
    for (size_t k = 0; k < r->n; k++) {
        while (b < nb && bound[b] <= sp[k].first)
            b++;
        r->tok[k].sentence = b;
        r->sent_len[b] += (size_t)r->tok[k].is_word;
    }
    for (size_t i = 0; i <= nb; i++)
        if (r->sent_len[i])
            r->sent_len[r->n_sent++] = r->sent_len[i];
    free(bound);
    free(sp);
    free(a);
    return 0;
fail:
    free(bound);
    free(sp);
    free(a);
    ref_result_free(r);
    return -1;
}

/* ---- the differential check ----------------------------------------------- */

struct ref_real {
    struct ref_token *tok;
    size_t            n, cap;
    int               nomem;
};

static int ref_collect(void *ctx, const struct text_token *tok)
{
    struct ref_real *g = ctx;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        struct ref_token *t = realloc(g->tok, cap * sizeof *t);
        if (!t)
            return g->nomem = 1;
        g->tok = t;
        g->cap = cap;
    }
    struct ref_token *t = &g->tok[g->n];
    t->text = malloc(tok->len + 1);
    if (!t->text)
        return g->nomem = 1;
    memcpy(t->text, tok->text, tok->len);
    t->text[tok->len] = '\0';
    t->len = tok->len;
    t->cps = tok->cps;
    t->is_word = tok->is_word;
    t->letters_only = tok->letters_only;
    t->capitalised = tok->capitalised;
    t->sentence = tok->sentence;
    g->n++;
    return 0;
}

static void ref_describe(const struct ref_token *t, char *buf, size_t cap)
{
    char text[160];
    ref_escape(t->text, t->len, text, sizeof text);
    snprintf(buf, cap, "\"%s\" %s%s cps %zu%s", text, t->is_word ? "WORD" : "NUM",
             t->letters_only ? " letters-only" : "", t->cps, t->capitalised ? " capitalised" : "");
}

/* Where the two token lists first differ, written to why; 0 when they do
 * not. */
static int ref_compare_tokens(const struct ref_real *g, const struct ref_result *r, char *why,
                              size_t why_len)
{
    for (size_t k = 0; k < g->n || k < r->n; k++) {
        char got[256] = "(none)", want[256] = "(none)";
        if (k < g->n)
            ref_describe(&g->tok[k], got, sizeof got);
        if (k < r->n)
            ref_describe(&r->tok[k], want, sizeof want);
        if (strcmp(got, want) != 0) {
            snprintf(why, why_len, "token %zu: scanner %s, reference %s", k, got, want);
            return 1;
        }
        int new_got = k && g->tok[k].sentence != g->tok[k - 1].sentence;
        int new_want = k && r->tok[k].sentence != r->tok[k - 1].sentence;
        if (new_got != new_want) {
            snprintf(why, why_len, "token %zu (%s): the scanner %s a new sentence, the reference %s",
                     k, want, new_got ? "starts" : "does not start", new_want ? "does" : "does not");
            return 1;
        }
    }
    return 0;
}

/* The lengths of the kept sentences from the scanner's tokens. */
static int ref_compare_sentences(const struct ref_real *g, const struct ref_result *r, char *why,
                                 size_t why_len)
{
    size_t s = 0, len = 0, have = 0;
    for (size_t k = 0; k <= g->n; k++) {
        if (have && (k == g->n || g->tok[k].sentence != g->tok[k - 1].sentence)) {
            if (len) {
                if (s >= r->n_sent || r->sent_len[s] != len) {
                    snprintf(why, why_len, "sentence %zu: scanner %zu WORDs, reference %zu", s,
                             len, s < r->n_sent ? r->sent_len[s] : (size_t)0);
                    return 1;
                }
                s++;
            }
            len = 0;
        }
        if (k < g->n) {
            len += (size_t)g->tok[k].is_word;
            have = 1;
        }
    }
    if (s != r->n_sent) {
        snprintf(why, why_len, "scanner %zu sentences, reference %zu", s, r->n_sent);
        return 1;
    }
    return 0;
}

static int ref_compare_stats(const char *s, size_t n, const struct ref_result *r, char *why,
                             size_t why_len)
{
    struct text_stats st;
    if (text_analyze(s, n, NULL, &st) != 0)
        return -1;
    uint64_t words = 0;
    for (size_t k = 0; k < r->n; k++)
        words += (uint64_t)r->tok[k].is_word;
    if (st.words != words || st.nums != r->n - words || st.sentences != r->n_sent) {
        snprintf(why, why_len,
                 "text_analyze: words %llu nums %llu sentences %llu, reference %llu %llu %llu",
                 (unsigned long long)st.words, (unsigned long long)st.nums,
                 (unsigned long long)st.sentences, (unsigned long long)words,
                 (unsigned long long)(r->n - words), (unsigned long long)r->n_sent);
        return 1;
    }
    return 0;
}

int ref_diff(const char *s, size_t n, int level, char *why, size_t why_len)
{
    struct ref_result r;
    struct ref_real g = {0};
    struct text_buf tb = {0};
    why[0] = '\0';
    if (ref_scan(s, n, &r) < 0)
        return -1;
    int old = text__scan_level(level);
    int rc = text__scan(s, n, &tb, ref_collect, &g);
    if (rc == 0 && !g.nomem) {
        rc = ref_compare_tokens(&g, &r, why, why_len);
        if (rc == 0)
            rc = ref_compare_sentences(&g, &r, why, why_len);
        if (rc == 0)
            rc = ref_compare_stats(s, n, &r, why, why_len);
    } else {
        rc = -1;
    }
    text__scan_level(old);
    text_buf_free(&tb);
    struct ref_result gr = {g.tok, g.n, NULL, 0};
    ref_result_free(&gr);
    ref_result_free(&r);
    return rc;
}

/* ---- texts to compare on ---------------------------------------------------- */

static const char *const ref_piece[] = {
    /* Latin words and letters, upper and lower case */
    "a", "I", "J", "the", "Then", "A", "Ab", "word", "quickly", "only", "x1",
    "\xC3\x89", "\xC3\xA9t\xC3\xA9", "\xC7\x84", "\xC7\x85", "\xC4\xB0", "\xCA\xB0",
    "abcdefghijklmnopqrstu",
    /* initials and abbreviations */
    "Mr", "mrs", "Dr", "St", "No", "no", "NO", "etc", "Prof", "vs", "Capt", "Lt", "hon",
    "J.", "I.", "Mr.", "No. 5", "No. ", "\xC3\x89.", "\xC7\x85.", "v\xC4\xB0z",
    /* other scripts; many words end in a combining mark */
    "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87",     /* नमस्ते */
    "\xE0\xA6\xAC\xE0\xA6\xBE\xE0\xA6\x82\xE0\xA6\xB2\xE0\xA6\xBE",                 /* বাংলা */
    "\xE0\xB8\x97\xE0\xB8\xB5\xE0\xB9\x88",                                         /* ที่ */
    "\xD9\x83\xD9\x8E\xD8\xAA\xD9\x8E\xD8\xA8\xD9\x8E",                             /* كَتَبَ */
    "\xD7\xA9\xD7\x81\xD6\xB8\xD7\x9C\xD7\x95\xD6\xB9\xD7\x9D",                     /* שָׁלוֹם */
    "\xCE\xA3\xCE\x91\xCE\xA3", "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0",  /* ΣΑΣ Москва */
    "\xE4\xB8\xAD\xE6\x96\x87", "\xED\x95\x9C\xEA\xB5\xAD",                         /* 中文 한국 */
    "q\xCC\x87",                                                                    /* q̇ */
    /* combining marks alone: Mn, Mc, Me, and one after another */
    "\xCC\x81", "\xCC\x87", "\xCC\xA3", "\xE0\xA4\xBF", "\xE0\xA4\x82", "\xE2\x83\x9D",
    "\xCD\x85", "\xCC\x81\xCC\xA3",
    /* digits: ASCII, other Nd, and numbers that are not Nd */
    "0", "5", "19", "1815", "\xE0\xA5\xA7", "\xD9\xA3", "\xEF\xBC\x91", "\xC2\xB2",
    "\xE2\x85\xAB", "\xC2\xBD", "0123456789012345678",
    /* every APOS, the opening quote that is not one, and APOS words */
    "'", "\xE2\x80\x99", "\xCA\xBC", "\xE2\x80\x98", "'s", "\xE2\x80\x99s", "'80s", "n't",
    /* dots and commas between digits, and terminators */
    ".", ",", "..", "...", "\xE2\x80\xA6", "!", "?", "?!", "1,000", "3.5", ",5", ".5",
    /* openers and closers, underscores, dashes, symbols */
    "\"", "(", ")", "[", "]", "\xE2\x80\x9C", "\xE2\x80\x9D", "_", "-", "\xE2\x80\x94",
    "$", "\xC2\xA9", "\xF0\x9F\x98\x80", "\xEF\xBB\xBF",
    /* spaces: White_Space and not */
    " ", " ", " ", " ", " ", " ", " ", " ", "  ", "\t", "\xC2\xA0", "\xE2\x80\x83", "\xE3\x80\x80", "\xE2\x80\xAF",
    "\xE1\x9A\x80", "\xE2\x81\x9F", "\xE2\x80\x8B", "\xE1\xA0\x8E",
    "                                        ",
    /* every line end, and blank lines */
    "\n", "\r\n", "\r", "\x0B", "\x0C", "\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9", "\n\n",
    "\n \t \n", "\r\n\r\n", "\n\xC2\xA0\n",
    /* sentence ends as the spec's examples write them */
    ". ", ". Then", "! 5", "._ _Then", ".\" Then", ".) (A", "\xE2\x80\xA6 \xE2\x80\x9C\x42",
    /* invalid UTF-8: a lone lead, a cut sequence, a surrogate, a stray byte */
    "\xC3", "\xE2\x80", "\xED\xA0\x80", "\xFF",
};

size_t ref_text_gen(const uint8_t *in, size_t n, char *out, size_t cap)
{
    enum { NP = sizeof ref_piece / sizeof ref_piece[0] };
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = ref_piece[in[i] % NP];
        size_t k = strlen(p);
        if (len + k > cap)
            break;
        memcpy(out + len, p, k);
        len += k;
    }
    return len;
}

void ref_escape(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        int k = c >= 0x20 && c < 0x7F && c != '"' && c != '\\' ? snprintf(e, sizeof e, "%c", c)
                                                                 : snprintf(e, sizeof e, "\\x%02X", c);
        if (o + (size_t)k + 4 > cap) {
            memcpy(buf + o, "...", 4);
            return;
        }
        memcpy(buf + o, e, (size_t)k);
        o += (size_t)k;
    }
    buf[o] = '\0';
}
