/*
 * text_scan.c - tokens and sentences (spec sections 2 and 3) in one pass.
 *
 * DESIGN
 * The scanner walks the body once, with a 128-entry class table for ASCII;
 * only bytes >= 0x80 are decoded and looked up in utf8proc.  On
 * little-endian machines it works eight bytes at a time where it can (SWAR):
 * runs of ASCII separators are skipped by a mask, and runs of ASCII letters
 * and digits are found, lowercased and stored eight at a time; "one space,
 * then the next word" has its own shortcut.  (Measured: a fifth fewer
 * instructions per word than a byte loop.)  A token is lowercased into the
 * caller's buffer, followed by 16 zero bytes for the word table's loads, and
 * handed to a callback with the index of its sentence.  Nothing else is
 * allocated, so a worker reusing its buffer scans file after file without
 * calling malloc.
 *
 * Sentence ends are found where they happen: at a run of terminators the
 * scanner looks ahead over closers, white space and openers (a region that no
 * other look-ahead visits, so the pass stays linear) for an uppercase letter
 * or a digit.  One rule needs the next token itself ("No. 5": not an end when
 * the next token is a NUM): it leaves a pending boundary that the next token
 * settles before it is handed out.  A blank line is seen by remembering
 * whether the current line has held only spaces and tabs so far.
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

/* ---- eight bytes at a time --------------------------------------------
 * Masks with 0x80 in each byte of v that has a property; exact per byte (no
 * carry crosses a byte: every addend keeps the byte below 0x100).  Only on
 * little-endian machines, where the first byte in memory is the lowest. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__GNUC__) || defined(__clang__))
#define SWAR 1
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ASCII letters (in *letters) and ASCII letters or digits (returned). */
static inline uint64_t swar_alnum(uint64_t v, uint64_t *letters)
{
    uint64_t ascii = ~v & HIGHS, x = v & ~HIGHS, t = x | (0x20 * ONES);
    uint64_t letter = (t + (0x80 - 'a') * ONES) & ~(t + (0x80 - 'z' - 1) * ONES);
    uint64_t digit = (x + (0x80 - '0') * ONES) & ~(x + (0x80 - '9' - 1) * ONES);
    *letters = letter & ascii;
    return (letter | digit) & ascii;
}

static inline uint64_t swar_eq(uint64_t v, unsigned char c)
{
    uint64_t y = v ^ (c * ONES);
    return ~(((y & ~HIGHS) + ~HIGHS) | y) & HIGHS;
}

/* Bytes the main loop must look at: LF, '.', '!', and everything from '0'
 * up (letters, digits, '?', bytes >= 0x80, and a few separators that are
 * then skipped one by one).  What it lets pass are ASCII separators. */
static inline uint64_t swar_stop(uint64_t v)
{
    uint64_t from0 = ((v & ~HIGHS) + (0x80 - '0') * ONES) | v;
    return (from0 & HIGHS) | swar_eq(v, '\n') | swar_eq(v, '.') | swar_eq(v, '!');
}

static inline unsigned first_byte(uint64_t mask)
{
    return (unsigned)__builtin_ctzll(mask) >> 3;
}
#endif

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

/* Reads the token that starts at s[i] (a LETTER or DIGIT: cp, cls, l) into
 * tb and tok; *end gets the offset after it.  0 or PARDO_ENOMEM. */
static int read_token(const unsigned char *s, size_t n, size_t i, int32_t cp, unsigned cls,
                      size_t l, struct text_buf *tb, struct text_token *tok, size_t *end)
{
    size_t o = 0, cps = 0;
    unsigned all = 0, prev = cls;
    tok->capitalised = (cls & TEXT_C_UPPER) != 0;
    for (;;) {
        /* Invariant: the code point at s[i] (cp, cls, l) is in the token. */
        if (cp < 0x80) {
            size_t i0 = i;
#ifdef SWAR
            /* Lowercase eight bytes at once; keep those up to the run's end. */
            while (i + 8 <= n) {
                if (tb->cap - o < 8 + 16 && text_buf_reserve(tb, o + 8 + 16) < 0)
                    return PARDO_ENOMEM;
                uint64_t v = load8(s + i), letters, an = swar_alnum(v, &letters);
                uint64_t low = v | (letters >> 2);
                memcpy(tb->data + o, &low, 8);
                unsigned k = ~an & HIGHS ? first_byte(~an & HIGHS) : 8;
                uint64_t keep = k == 8 ? ~0ull : (1ull << (8 * k)) - 1;
                all |= (letters & keep ? TEXT_C_LETTER : 0) | (an & ~letters & keep ? TEXT_C_DIGIT : 0);
                o += k;
                i += k;
                if (k < 8)
                    break;
            }
            if (i + 8 > n)
#endif
            {
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
    memset(tb->data + o, 0, 16); /* for text__wordtab_bump() */
    tb->len = o;
    tok->text = tb->data;
    tok->len = o;
    tok->cps = cps;
    tok->is_word = (all & (TEXT_C_LETTER | TEXT_C_MARK)) != 0;
    tok->letters_only = !(all & (TEXT_C_DIGIT | TEXT_C_APOS | TEXT_C_JOIN));
    *end = i;
    return 0;
}

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

/* 1 when the lowercased token w is one of the section 3 abbreviations. */
static int is_abbrev(const char *w, size_t len)
{
    static const char *const abbr[] = {
        "mr", "ms", "dr", "st", "jr", "sr", "mt", "vs", "lt",           /* 2 */
        "mrs", "etc", "vol", "viz", "esq", "rev", "col", "gen", "sgt", "hon", /* 3 */
        "capt", "prof",                                                 /* 4 */
    };
    static const unsigned char first[] = {0, 0, 0, 9, 19, 21}; /* by length */
    if (len < 2 || len > 4)
        return 0;
    for (unsigned i = first[len]; i < first[len + 1]; i++)
        if (memcmp(abbr[i], w, len) == 0)
            return 1;
    return 0;
}

int text__scan(const char *body, size_t len, struct text_buf *tb, text_token_fn *fn, void *ctx)
{
    const unsigned char *s = (const unsigned char *)body;
    struct text_token tok;
    size_t i = 0, sentence = 0, last_end = SIZE_MAX;
    int pending_no = 0;   /* a boundary, unless the next token is a NUM */
    int line_blank = 0;   /* only spaces and tabs since the last LF */
    int last_initial = 0; /* the last token is a one-letter capital, not I */

    if (text_buf_reserve(tb, 64) < 0)
        return PARDO_ENOMEM;
    while (i < len) {
        int32_t cp;
        size_t l;
#ifdef SWAR
        /* Skip plain separators; they cannot change line_blank once it is 0. */
        if (!line_blank && i + 8 <= len) {
            uint64_t stop = swar_stop(load8(s + i));
            if (!stop) {
                i += 8;
                continue;
            }
            i += first_byte(stop);
        }
#endif
        unsigned c = s[i];
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
    dispatch:
        if (c == '\n') {
            if (line_blank) {
                sentence++;
                pending_no = 0;
            }
            line_blank = 1;
            i++;
            continue;
        }
        line_blank = 0;
        unsigned cls = class_at(s, len, i, &cp, &l);
        if (cls & LD) {
            size_t end;
            if (read_token(s, len, i, cp, cls, l, tb, &tok, &end) < 0)
                return PARDO_ENOMEM;
            if (pending_no) {
                sentence += tok.is_word;
                pending_no = 0;
            }
            tok.sentence = sentence;
            int rc = fn(ctx, &tok);
            if (rc)
                return rc;
            last_initial = tok.cps == 1 && tok.capitalised && cp != 'I';
            last_end = end;
            i = end;
            /* The commonest case, one space and the next word, without the
             * general machinery. */
            if (i + 1 < len && s[i] == ' ' && s[i + 1] < 0x80 && (ascii_cls[s[i + 1]] & LD)) {
                i++;
                c = s[i];
                line_blank = 0;
                goto dispatch;
            }
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
            int end = 1;
            if (runs == 1 && c == '.' && i == last_end) {
                /* tb still holds the token just before the '.' */
                if (last_initial || is_abbrev(tb->data, tb->len)) {
                    end = 0;
                } else if (tb->len == 2 && memcmp(tb->data, "no", 2) == 0) {
                    end = 0;
                    pending_no = 1;
                }
            }
            if (end) {
                sentence++;
                pending_no = 0;
            }
        }
        i = j;
    }
    return 0;
}

int text_scan(const char *body, size_t len, text_token_fn *fn, void *ctx)
{
    struct text_buf tb = {0};
    int rc = text__scan(body, len, &tb, fn, ctx);
    text_buf_free(&tb);
    return rc;
}
