/*
 * text_scan.c - tokens and sentences (spec sections 2 and 3) in one pass.
 *
 * DESIGN
 * The scanner walks the body once, with a 128-entry class table for ASCII;
 * only bytes >= 0x80 are decoded and looked up in utf8proc.  It works 16
 * bytes at a time where it can (classify16(): SSE2 on x86-64, a portable
 * loop elsewhere): runs of separators are skipped by a mask, and a token
 * of up to 15 ASCII letters and digits that nothing can continue (most
 * tokens of a book) is found, lowercased and stored from one 16-byte load,
 * which also shows where the next token starts.  Everything else (non-ASCII
 * letters, marks, APOS and digit joins, long tokens) goes through
 * read_token(), one code point at a time.
 *
 * Tokens are handed out in batches (text__scan_batch()): the consumer runs
 * one call per batch rather than an indirect call per token, and its loops
 * stay small enough for the compiler to keep in registers.  Each token's
 * lowercased text sits in the caller's buffer, followed by 16 zero bytes
 * for the word table's loads; records hold offsets, as the buffer may move
 * while a batch fills.  text__scan() hands the same tokens to a callback
 * one by one.  Nothing else is allocated, so a worker reusing its buffer
 * scans file after file without calling malloc.  (Measured on the
 * Gutenberg corpus, see text_stats.c.)
 *
 * Sentence ends are found where they happen: at a run of terminators the
 * scanner looks ahead over closers, white space and openers (a region that no
 * other look-ahead visits, so the pass stays linear) for an uppercase letter
 * or a digit.  One rule needs the next token itself ("No. 5": not an end when
 * the next token is a NUM): it leaves a pending boundary that the next token
 * settles before it is handed out.  A blank line is seen at its first LF,
 * by looking past spaces and tabs for a second one.
 *
 * Input need not be valid UTF-8 (fuzzers call this directly): an invalid
 * byte is one separator.
 */
#include <string.h>

#include <utf8proc.h>

#include "pardo.h"
#include "text.h"

#define L  TEXT_C_LETTER
#define U  (TEXT_C_LETTER | TEXT_C_UPPER)
#define D  TEXT_C_DIGIT
#define S  TEXT_C_SPACE
#define T  TEXT_C_TERM
#define J  TEXT_C_JOIN
#define JT (TEXT_C_JOIN | TEXT_C_TERM)
#define O  TEXT_C_OPEN
#define C  TEXT_C_CLOSE
#define CO (TEXT_C_CLOSE | TEXT_C_OPEN)
#define AP (TEXT_C_APOS | TEXT_C_CLOSE | TEXT_C_OPEN)

static const unsigned short ascii_cls[128] = {
    /* 00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, S, S, S, S, S, 0, 0,
    /* 10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 20 */ S, T, CO, 0, 0, 0, 0, AP, O, C, 0, 0, J, 0, JT, 0,
    /* 30 */ D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, T,
    /* 40 */ 0, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
    /* 50 */ U, U, U, U, U, U, U, U, U, U, U, O, 0, C, 0, CO,
    /* 60 */ 0, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
    /* 70 */ L, L, L, L, L, L, L, L, L, L, L, 0, 0, 0, 0, 0,
};

#undef L
#undef U
#undef D
#undef S
#undef T
#undef J
#undef JT
#undef O
#undef C
#undef CO
#undef AP

enum {
    LD = TEXT_C_LETTER | TEXT_C_DIGIT,
    LDM = TEXT_C_LETTER | TEXT_C_DIGIT | TEXT_C_MARK
};

unsigned text__class(int32_t cp)
{
    if (cp < 0)
        return 0;
    if (cp < 0x80)
        return ascii_cls[cp];
    switch (cp) {
    case 0x2019: /* ’ is an apostrophe and a closer */
        return TEXT_C_APOS | TEXT_C_CLOSE;
    case 0x02BC: /* ʼ is Lm, but APOS takes precedence */
        return TEXT_C_APOS;
    case 0x2018: /* ‘ */
    case 0x201C: /* “ */
        return TEXT_C_OPEN;
    case 0x201D: /* ” */
        return TEXT_C_CLOSE;
    case 0x2026: /* … */
        return TEXT_C_TERM;
    case 0x0085: /* NEL: White_Space, though a control (Cc) */
        return TEXT_C_SPACE;
    default:
        break;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return TEXT_C_LETTER | TEXT_C_UPPER;
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return TEXT_C_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return TEXT_C_MARK;
    case UTF8PROC_CATEGORY_ND:
        return TEXT_C_DIGIT;
    /* White_Space outside ASCII is exactly Zs, Zl, Zp and U+0085. */
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return TEXT_C_SPACE;
    default:
        return 0;
    }
}

/* ---- sixteen bytes at a time -----------------------------------------
 * classify16() sorts 16 bytes into bit masks, bit k for byte k, and
 * lowercases the ASCII letters among them: with SSE2 (every x86-64) in
 * about twenty instructions without a branch, elsewhere in a loop.  Define
 * TEXT_NO_SIMD to test the portable one on x86. */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#define TEXT_SSE2 1
#include <emmintrin.h>
#endif

struct block {
    unsigned alnum;   /* ASCII letters and digits */
    unsigned letters; /* ASCII letters */
    unsigned stop;    /* where the main loop must look: ASCII letters and
                         digits, LF, . ! ?, and bytes >= 0x80 */
    unsigned more;    /* what may continue a token that ends before it:
                         bytes >= 0x80 (a mark, a letter, U+2019), ', and
                         . or , right after a digit */
#ifdef TEXT_SSE2
    __m128i lower;
#else
    unsigned char lower[16];
#endif
};

#ifdef TEXT_SSE2
static inline __m128i byte_is(__m128i v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* Bytes of v in [lo, lo + n), n < 128: as signed bytes, x + (0x80 - lo)
 * lies below -128 + n exactly then (bytes >= 0x80 never do). */
static inline __m128i byte_in(__m128i v, int lo, int n)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(-128 + n)));
}
#endif

static inline void classify16(const unsigned char *p, struct block *b)
{
#ifdef TEXT_SSE2
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i letter = byte_in(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    __m128i digit = byte_in(v, '0', 10);
    __m128i alnum = _mm_or_si128(letter, digit);
    __m128i dot = byte_is(v, '.'), comma = byte_is(v, ',');
    __m128i ev = _mm_or_si128(_mm_or_si128(byte_is(v, '\n'), dot),
                              _mm_or_si128(byte_is(v, '!'), byte_is(v, '?')));
    /* movemask takes the top bit of each byte: or-ing in v adds >= 0x80 */
    b->stop = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alnum, ev), v));
    __m128i after_digit = _mm_and_si128(_mm_or_si128(dot, comma), _mm_slli_si128(digit, 1));
    b->more = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(v, byte_is(v, '\'')), after_digit));
    b->alnum = (unsigned)_mm_movemask_epi8(alnum);
    b->letters = (unsigned)_mm_movemask_epi8(letter);
    b->lower = _mm_or_si128(v, _mm_and_si128(letter, _mm_set1_epi8(0x20)));
#else
    unsigned an = 0, lt = 0, st = 0, mo = 0, prev_digit = 0;
    for (unsigned k = 0; k < 16; k++) {
        unsigned c = p[k], cl = c < 0x80 ? ascii_cls[c] : 0;
        unsigned isl = (cl & TEXT_C_LETTER) != 0, isa = (cl & LD) != 0;
        an |= isa << k;
        lt |= isl << k;
        st |= (isa | (c >= 0x80) | (c == '\n') | ((cl & TEXT_C_TERM) != 0)) << k;
        mo |= ((c >= 0x80) | (c == '\'') | (((c == '.') | (c == ',')) & prev_digit)) << k;
        prev_digit = (cl & TEXT_C_DIGIT) != 0;
        b->lower[k] = (unsigned char)(c | (isl << 5));
    }
    b->alnum = an;
    b->letters = lt;
    b->stop = st;
    b->more = mo;
#endif
}

/* Only the stop mask of classify16(). */
static inline unsigned stop16(const unsigned char *p)
{
#ifdef TEXT_SSE2
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i alnum = _mm_or_si128(byte_in(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26),
                                 byte_in(v, '0', 10));
    __m128i ev = _mm_or_si128(_mm_or_si128(byte_is(v, '\n'), byte_is(v, '.')),
                              _mm_or_si128(byte_is(v, '!'), byte_is(v, '?')));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alnum, ev), v));
#else
    struct block b;
    classify16(p, &b);
    return b.stop;
#endif
}

/* Writes the first k (<= 16) lowercased bytes of b to d, then zeros up to
 * d + 32. */
static inline void store_lower(const struct block *b, char *d, unsigned k)
{
#ifdef TEXT_SSE2
    __m128i keep = _mm_cmpgt_epi8(_mm_set1_epi8((char)k),
                                  _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    _mm_storeu_si128((__m128i *)(void *)d, _mm_and_si128(b->lower, keep));
    _mm_storeu_si128((__m128i *)(void *)(d + 16), _mm_setzero_si128());
#else
    memcpy(d, b->lower, 16);
    memset(d + k, 0, 32 - k);
#endif
}

/* The index of the lowest set bit of m != 0. */
static inline unsigned lowest(unsigned m)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctz(m);
#else
    unsigned k = 0;
    while (!(m & 1)) {
        m >>= 1;
        k++;
    }
    return k;
#endif
}

/* The class and length of the non-ASCII code point at s[i]; out of line,
 * so that class_at() stays small enough to inline. */
static unsigned class_at_slow(const unsigned char *s, size_t n, size_t i, int32_t *cp, size_t *l)
{
    *l = text__utf8_decode(s + i, n - i, cp);
    return text__class(*cp);
}

/* Class and length of the code point at s[i] (i < n). */
static inline unsigned class_at(const unsigned char *s, size_t n, size_t i, int32_t *cp, size_t *l)
{
    if (s[i] < 0x80) {
        *cp = s[i];
        *l = 1;
        return ascii_cls[s[i]];
    }
    return class_at_slow(s, n, i, cp, l);
}

/* ---- tokens ----------------------------------------------------------- */

/* Token slots in the batch buffer: a fast token always takes 32 bytes. */
enum { SLOT = 32 };

/* The token that starts at s[i] (i + 16 <= n) with an ASCII LETTER or
 * DIGIT, when it is shorter than 16 bytes and nothing in b.more follows
 * it: most tokens of a book.  Stores it lowercased at d (SLOT bytes) and
 * describes it in tok (but for off and sentence).  Returns its length, or
 * 0 when read_token() must read it.  *next gets the offset of the next
 * token when only separators that the main loop skips stand between the
 * two in these 16 bytes, else 0. */
static inline size_t fast_token(const unsigned char *s, size_t i, char *d, struct text__tok *tok,
                                size_t *next)
{
    struct block b;
    classify16(s + i, &b);
    unsigned k = lowest(~b.alnum); /* 1 <= k <= 16: s[i] is one */
    if (((b.more | 0x10000u) >> k) & 1)
        return 0;
    store_lower(&b, d, k);
    unsigned mk = (1u << k) - 1, digits = b.alnum ^ b.letters;
    tok->len = tok->cps = k;
    tok->flags = ((b.letters & mk) != 0) * TEXT__T_WORD + ((digits & mk) == 0) * TEXT__T_LETTERS +
                 ((unsigned)s[i] - 'A' < 26u) * TEXT__T_CAPS;
    /* The first stop from the token's end on; a LETTER or DIGIT there
     * starts the next token (byte k is neither, so a stop there, LF or a
     * terminator, is never taken for one). */
    unsigned p = k + lowest((b.stop | 0x10000u) >> k);
    *next = (b.alnum >> p) & 1 ? i + p : 0;
    return k;
}

/* Reads the token that starts at s[i] (a LETTER or DIGIT) into tb from
 * offset o and into tok (but for off and sentence); *end gets the offset
 * after it.  0 or PARDO_ENOMEM.  Out of line: it is the rare case, and the
 * scanning loop keeps its registers. */
static __attribute__((noinline)) int read_token(const unsigned char *s, size_t n, size_t i,
                                                struct text_buf *tb, size_t o,
                                                struct text__tok *tok, size_t *end)
{
    int32_t cp;
    size_t l, o0 = o, cps = 0;
    unsigned cls = class_at(s, n, i, &cp, &l), all = 0, prev = cls;
    int caps = (cls & TEXT_C_UPPER) != 0;
    for (;;) {
        /* Invariant: the code point at s[i] (cp, cls, l) is in the token. */
        if (cp < 0x80) {
            size_t i0 = i;
            /* Lowercase 16 bytes at once; keep those up to the run's end. */
            while (n - i >= 16) {
                if (tb->cap - o < 32 && text_buf_reserve(tb, o + 32) < 0)
                    return PARDO_ENOMEM;
                struct block b;
                classify16(s + i, &b);
                unsigned k = lowest(~b.alnum), mk = (1u << k) - 1;
                store_lower(&b, tb->data + o, k);
                all |= (b.letters & mk ? TEXT_C_LETTER : 0) |
                       (b.alnum & ~b.letters & mk ? TEXT_C_DIGIT : 0);
                o += k;
                i += k;
                if (k < 16)
                    break;
            }
            if (n - i < 16) {
                size_t k = i;
                while (k < n && s[k] < 0x80 && (ascii_cls[s[k]] & LD))
                    k++;
                if (tb->cap - o < k - i + 16 && text_buf_reserve(tb, o + (k - i) + 16) < 0)
                    return PARDO_ENOMEM;
                char *d = tb->data + o;
                for (size_t q = i; q < k; q++) {
                    unsigned c = s[q];
                    all |= ascii_cls[c];
                    d[q - i] = (char)(c + ((c - 'A' < 26u) << 5));
                }
                o += k - i;
                i = k;
            }
            cps += i - i0;
            prev = ascii_cls[s[i - 1]];
        } else {
            if (tb->cap - o < 8 && text_buf_reserve(tb, o + 8) < 0)
                return PARDO_ENOMEM;
            o += text__utf8_encode(utf8proc_tolower(cp), tb->data + o);
            all |= cls;
            prev = cls;
            cps++;
            i += l;
        }
        if (i >= n || s[i] == ' ')
            break;
        cls = class_at(s, n, i, &cp, &l);
        if (cls & LDM)          /* a mark here follows a LETTER or DIGIT */
            continue;
        if (!(cls & (TEXT_C_APOS | TEXT_C_JOIN)))
            break;
        /* An APOS between LETTERs/DIGITs, or . , between DIGITs, joins. */
        unsigned need = (cls & TEXT_C_APOS) ? LD : TEXT_C_DIGIT;
        if (!(prev & need) || i + l >= n)
            break;
        int32_t cp2;
        size_t l2;
        unsigned cls2 = class_at(s, n, i + l, &cp2, &l2);
        if (!(cls2 & need))
            break;
        if (tb->cap - o < 8 && text_buf_reserve(tb, o + 8) < 0)
            return PARDO_ENOMEM;
        tb->data[o++] = (cls & TEXT_C_APOS) ? '\'' : (char)cp;
        all |= (cls & TEXT_C_APOS) ? TEXT_C_APOS : TEXT_C_JOIN;
        cps++;
        i += l;
        cp = cp2;
        cls = cls2;
        l = l2;
    }
    if (tb->cap - o < 16 && text_buf_reserve(tb, o + 16) < 0)
        return PARDO_ENOMEM;
    memset(tb->data + o, 0, 16);
    tok->len = o - o0;
    tok->cps = cps;
    tok->flags = ((all & (TEXT_C_LETTER | TEXT_C_MARK)) ? TEXT__T_WORD : 0) |
                 ((all & (TEXT_C_DIGIT | TEXT_C_APOS | TEXT_C_JOIN)) ? 0 : TEXT__T_LETTERS) |
                 (caps ? TEXT__T_CAPS : 0);
    *end = i;
    return 0;
}

/* ---- sentences -------------------------------------------------------- */

/* 1 when a run of terminators that ends before s[j] ends a sentence by its
 * context: closers, then the end of the text, or white space, openers and
 * an uppercase letter or a digit. */
static int ends_sentence(const unsigned char *s, size_t n, size_t j)
{
    int32_t cp;
    size_t l;
    unsigned cls = 0;
    while (j < n && ((cls = class_at(s, n, j, &cp, &l)) & TEXT_C_CLOSE))
        j += l;
    if (j >= n)
        return 1;
    if (!(cls & TEXT_C_SPACE))
        return 0;
    while (j < n && ((cls = class_at(s, n, j, &cp, &l)) & TEXT_C_SPACE))
        j += l;
    while (j < n && (cls & TEXT_C_OPEN)) {
        j += l;
        if (j < n)
            cls = class_at(s, n, j, &cp, &l);
    }
    return j < n && (cls & (TEXT_C_UPPER | TEXT_C_DIGIT));
}

static inline uint64_t head_of(const char w[8])
{
    uint64_t h;
    memcpy(&h, w, 8);
    return h;
}

/* 1 when a token (its first 8 bytes, zero-padded, and its length) is one
 * of the section 3 abbreviations.  Tokens hold no NUL, so equal heads mean
 * equal words. */
static int is_abbrev(uint64_t head, size_t len)
{
    static const char abbr[][8] = {
        "mr", "ms", "dr", "st", "jr", "sr", "mt", "vs", "lt",           /* 2 */
        "mrs", "etc", "vol", "viz", "esq", "rev", "col", "gen", "sgt", "hon", /* 3 */
        "capt", "prof",                                                 /* 4 */
    };
    static const unsigned char first[] = {0, 0, 0, 9, 19, 21}; /* by length */
    if (len < 2 || len > 4)
        return 0;
    for (unsigned i = first[len]; i < first[len + 1]; i++)
        if (head_of(abbr[i]) == head)
            return 1;
    return 0;
}

/* What a '.' that ends a sentence by its context does right after the
 * token t (its text at w, the first byte of its source first): 0 nothing
 * (an initial or an abbreviation), 1 ends the sentence, 2 ends it only if
 * the next token is a WORD ("No. 5"). */
static int after_dot(const struct text__tok *t, const char *w, unsigned first)
{
    uint64_t head = head_of(w); /* zero-padded */
    /* An initial: one code point, Lu or Lt, not I. */
    if (t->cps == 1 && (t->flags & TEXT__T_CAPS) && first != 'I')
        return 0;
    if (is_abbrev(head, t->len))
        return 0;
    return t->len == 2 && head == head_of((const char[8]){"no"}) ? 2 : 1;
}

/* ---- the scan ----------------------------------------------------------- */

int text__scan_batch(const char *body, size_t len, struct text_buf *tb, text__batch_fn *fn,
                     void *ctx)
{
    const unsigned char *s = (const unsigned char *)body;
    struct text__tok toks[TEXT__BATCH];
    size_t nt = 0, o = 0;   /* tokens in toks, bytes of their texts in tb */
    size_t i = 0, sentence = 0;
    size_t last_start = 0, last_end = SIZE_MAX; /* of the last token */
    int pending_no = 0;     /* a boundary, unless the next token is a NUM */
    int rc;

    while (i < len) {
        if (len - i >= 16) {
            /* Skip plain separators, 16 bytes at a time. */
            unsigned stop = stop16(s + i);
            if (!stop) {
                i += 16;
                continue;
            }
            i += lowest(stop);
        }
        unsigned c = s[i], cls;
        int32_t cp;
        size_t l = 1;
        if (c < 0x80)
            cls = ascii_cls[c];
        else
            cls = class_at_slow(s, len, i, &cp, &l);
        if (cls & LD) {
            for (;;) {
                /* The batch is handed out only here, so the last token's
                 * text stays in tb for after_dot(). */
                if (nt == TEXT__BATCH) {
                    if ((rc = fn(ctx, tb->data, toks, nt)) != 0)
                        return rc;
                    nt = o = 0;
                }
                if (tb->cap - o < 2 * SLOT && text_buf_reserve(tb, o + 2 * SLOT) < 0)
                    return PARDO_ENOMEM;
                struct text__tok *tok = &toks[nt];
                size_t end, next = 0, k = 0;
                tok->off = o;
                if (c < 0x80 && len - i >= 16)
                    k = fast_token(s, i, tb->data + o, tok, &next);
                if (k) {
                    end = i + k;
                    o += SLOT;
                } else {
                    if (read_token(s, len, i, tb, o, tok, &end) < 0)
                        return PARDO_ENOMEM;
                    o += (tok->len + 16 + 7) & ~(size_t)7;
                }
                if (pending_no) {
                    sentence += tok->flags & TEXT__T_WORD;
                    pending_no = 0;
                }
                tok->sentence = sentence;
                nt++;
                last_start = i;
                last_end = end;
                /* The next token right away when fast_token() saw it, or
                 * after one space. */
                if (next)
                    i = next;
                else if (end + 1 < len && s[end] == ' ' && s[end + 1] < 0x80 &&
                         (ascii_cls[s[end + 1]] & LD))
                    i = end + 1;
                else {
                    i = end;
                    break;
                }
                c = s[i];
            }
            continue;
        }
        if (c == '\n') {
            /* A blank line: this LF, spaces and tabs, and another LF. */
            size_t q = i + 1;
            while (q < len && (s[q] == ' ' || s[q] == '\t'))
                q++;
            if (q < len && s[q] == '\n') {
                sentence++;
                pending_no = 0;
            }
            i++;
            continue;
        }
        if (!(cls & TEXT_C_TERM)) {
            i += l;
            continue;
        }
        /* A run of terminators. */
        size_t j = i + l, runs = 1;
        while (j < len && (class_at(s, len, j, &cp, &l) & TEXT_C_TERM)) {
            j += l;
            runs++;
        }
        if (ends_sentence(s, len, j)) {
            /* toks[nt - 1] is the token just before a '.' at last_end */
            int end = runs == 1 && c == '.' && i == last_end
                          ? after_dot(&toks[nt - 1], tb->data + toks[nt - 1].off, s[last_start])
                          : 1;
            if (end == 1) {
                sentence++;
                pending_no = 0;
            } else if (end == 2) {
                pending_no = 1;
            }
        }
        i = j;
    }
    if (nt && (rc = fn(ctx, tb->data, toks, nt)) != 0)
        return rc;
    return 0;
}

struct each_token {
    text_token_fn *fn;
    void          *ctx;
};

/* Hands the tokens of a batch to a text_token_fn one by one. */
static int each_token(void *ctx, const char *base, struct text__tok *t, size_t n)
{
    const struct each_token *e = ctx;
    for (size_t k = 0; k < n; k++) {
        struct text_token tok = {
            .text = base + t[k].off,
            .len = t[k].len,
            .is_word = (t[k].flags & TEXT__T_WORD) != 0,
            .letters_only = (t[k].flags & TEXT__T_LETTERS) != 0,
            .cps = t[k].cps,
            .capitalised = (t[k].flags & TEXT__T_CAPS) != 0,
            .sentence = t[k].sentence,
        };
        int rc = e->fn(e->ctx, &tok);
        if (rc)
            return rc;
    }
    return 0;
}

int text__scan(const char *body, size_t len, struct text_buf *tb, text_token_fn *fn, void *ctx)
{
    struct each_token e = {fn, ctx};
    return text__scan_batch(body, len, tb, each_token, &e);
}

int text_scan(const char *body, size_t len, text_token_fn *fn, void *ctx)
{
    struct text_buf tb = {0};
    int rc = text__scan(body, len, &tb, fn, ctx);
    text_buf_free(&tb);
    return rc;
}
