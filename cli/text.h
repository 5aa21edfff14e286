/*
 * text.h - the text steps of the pardo tool, as pure functions.
 *
 * DESIGN
 * Every number pardo prints about a text is defined in shared/spec/text.md;
 * each rule there is one function here, so that unit tests and fuzzers can
 * call it directly.  Nothing here does I/O, prints or exits.  Every function
 * that allocates reports failure as PARDO_ENOMEM (from pardo.h) and leaves its
 * outputs in a state that is safe to free.
 *
 * Buffers and tables are meant to be owned by one worker and reused from file
 * to file, so that a run over thousands of files allocates almost nothing
 * after the first few.
 *
 * The pipeline for one file is:
 *   text_check()   section 1.5: binary?  (the caller does the I/O checks)
 *   text_clean()   section 1: decode, BOM, line ends, NFC, boilerplate
 *   text_analyze() sections 2-4: tokens, sentences, word counts, stats
 *   text_count()   section 5: terms
 *   text_lexdiv()  section 9: lexical diversity (stats --lexdiv), over the
 *                  WORDs' type ids that text_analyze() records on request
 */
#ifndef PARDO_CLI_TEXT_H
#define PARDO_CLI_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* ---- growable byte buffer ------------------------------------------- */

struct text_buf {
    char  *data;
    size_t len;
    size_t cap;
};

void text_buf_free(struct text_buf *b);
/* Makes room for at least cap bytes (len is kept).  0 or PARDO_ENOMEM. */
int  text_buf_reserve(struct text_buf *b, size_t cap);

/* ---- section 1: from bytes to text ---------------------------------- */

enum text_encoding { TEXT_ENC_AUTO = 0, TEXT_ENC_UTF8, TEXT_ENC_LATIN1 };

/* Parses "auto", "utf-8" (also "utf8"), "latin-1" (also "latin1",
 * "iso-8859-1"); returns 0, or -1 for anything else. */
int text_encoding_parse(const char *name, enum text_encoding *enc);

/* 1 when a NUL byte stands in the first 8 KiB of p[0..n), else 0. */
int text_is_binary(const unsigned char *p, size_t n);

struct text_clean {
    const char *encoding;   /* "utf-8" or "latin-1": a static string */
    size_t      bad_bytes;  /* invalid bytes (only with TEXT_ENC_UTF8) */
    int         boilerplate;/* 1 when a Gutenberg start marker was removed */
    const char *body;       /* the body: NFC UTF-8, LF line ends; points */
    size_t      body_len;   /*   into the scratch buffer, valid until its next use */
};

/* Turns the raw bytes of a file into its body (spec section 1.1-1.4).
 * scratch is reused between calls.  Returns 0 or PARDO_ENOMEM. */
int text_clean(struct text_buf *scratch, const unsigned char *in, size_t n,
               enum text_encoding mode, int keep_boilerplate,
               struct text_clean *out);

/* ---- section 2 and 3: tokens and sentences ------------------------- */

struct text_token {
    const char *text;       /* lowercased UTF-8, every APOS written as ' ; */
    size_t      len;        /*   valid only during the callback */
    int         is_word;    /* contains a LETTER (else a NUM) */
    int         letters_only;/* every code point is a LETTER (for -ly) */
    size_t      cps;        /* code points in the token */
    int         capitalised;/* its first code point is Lu or Lt in the body */
    size_t      sentence;   /* index of the sentence it belongs to; counts
                               every sentence boundary, so indexes of
                               sentences without WORDs are skipped */
};

/* Calls fn for every token of body in order.  A non-zero return of fn stops
 * the scan and is returned; otherwise returns 0 (or PARDO_ENOMEM).  body
 * need not be valid UTF-8: an invalid byte is a separator. */
typedef int text_token_fn(void *ctx, const struct text_token *tok);
int text_scan(const char *body, size_t len, text_token_fn *fn, void *ctx);

/* ---- word table ------------------------------------------------------ */

/* One WORD type.  `inner` counts the occurrences that do not start a
 * sentence, `inner_caps` those of them that were capitalised (for spotting
 * proper names, issue 5). */
struct word_entry {
    const char *word;       /* lowercased UTF-8, NUL-terminated, owned by the table */
    uint32_t    len;
    uint64_t    count;
    uint64_t    inner;
    uint64_t    inner_caps;
};

struct wordtab;

struct wordtab *wordtab_new(void);                 /* NULL when out of memory */
void   wordtab_free(struct wordtab *t);            /* NULL is a no-op */
void   wordtab_clear(struct wordtab *t);           /* empty it, keep its memory */
size_t wordtab_size(const struct wordtab *t);      /* number of types */
/* Adds e's counts to the entry for e->word (creating it).  0 or PARDO_ENOMEM. */
int    wordtab_add(struct wordtab *t, const struct word_entry *e);
/* Adds every entry of src to dst.  0 or PARDO_ENOMEM. */
int    wordtab_merge(struct wordtab *dst, const struct wordtab *src);
/* Type ids: the n types of a table are numbered 0..n-1 in the order they
 * were first added, and keep their number until the table is cleared.
 * With keep_order on (off in a new table), text_analyze() also records
 * each WORD of the file, in text order, as its type id: the sequence that
 * section 9's measures read, got without hashing a word again.  The
 * sequence is the last text_analyze()'s (it is emptied with the table);
 * *n gets its length.  The memory is the table's. */
void   wordtab_keep_order(struct wordtab *t, int on);
const uint32_t *wordtab_order(const struct wordtab *t, size_t *n);
/* Each type's count, by type id, into counts[0..wordtab_size(t)) (a count
 * above UINT32_MAX is written as UINT32_MAX).  The table must be in sync,
 * as text_analyze() leaves it. */
void   wordtab_counts(const struct wordtab *t, uint32_t *counts);
/* Looks a word up (lowercased UTF-8); NULL when absent. */
const struct word_entry *wordtab_get(const struct wordtab *t, const char *w, size_t len);
/* The entries in an array that the table owns, sorted by count descending,
 * then by the word's bytes ascending (spec section 6); *n gets the size.
 * Valid until the table next changes.  NULL with *n = 0 when empty or on
 * PARDO_ENOMEM (check *n against wordtab_size()). */
const struct word_entry *wordtab_sorted(struct wordtab *t, size_t *n);
/* The entries in the order the words were first added, unsorted (cheaper
 * when the order does not matter); as wordtab_sorted() otherwise. */
const struct word_entry *wordtab_entries(struct wordtab *t, size_t *n);

/* ---- section 4: per-file metrics ------------------------------------- */

struct text_stats {
    uint64_t words, nums, types, hapax, sentences;
    uint64_t ly;            /* -ly adverbs by the section 4 rule */
    uint64_t exclam;        /* U+0021 in the body */
    /* The rates below are meaningful only when words > 0 (else null). */
    double   ttr, sentence_mean, sentence_sd, ly_per_10k, exclam_per_100k;
};

/* One pass over body: tokens, sentences and word counts.  words (may be
 * NULL) is cleared first and then holds the file's WORD types.  0 or
 * PARDO_ENOMEM. */
int text_analyze(const char *body, size_t len, struct wordtab *words,
                 struct text_stats *st);

/* 1 when a lowercased WORD is an -ly adverb by the section 4 rule. */
int text_is_ly_adverb(const char *w, size_t len, size_t cps, int letters_only);

/* ---- section 9: lexical diversity ------------------------------------ */

/* Each function reads a text's WORDs as type ids (ids[0..n), each below the
 * number of types v; wordtab_order() gives them) or as the count of each
 * type (freq[0..v), summing to n), sets *out and returns 1, or returns 0
 * where section 9 says null (then *out is untouched).  work, where taken,
 * is v zeroed counters that the function uses and leaves zeroed.  A
 * sequence of ids holds at most TEXT_LEXDIV_MAX WORDs. */
enum {
    TEXT_MATTR_WINDOW = 100,    /* --mattr-window's default */
    TEXT_HDD_DRAWS = 42,        /* D */
    TEXT_LEXDIV_MAX = 0x7fffffff
};
/* MATTR with a window of L >= 1 WORDs: null when n < L. */
int text_mattr(const uint32_t *ids, size_t n, size_t window, uint32_t *work, double *out);
/* MTLD, threshold 0.72: null when n = 0 or a pass counts 0 factors (no
 * full factor and a last segment whose TTR is 1). */
int text_mtld(const uint32_t *ids, size_t n, uint32_t *work, double *out);
/* HD-D with D = 42 draws: null when n < 42. */
int text_hdd(const uint32_t *freq, size_t v, uint64_t n, double *out);
/* Yule's K: null when n = 0. */
int text_yule_k(const uint32_t *freq, size_t v, uint64_t n, double *out);

/* The four measures of one text; has_* is 0 where the value is null. */
struct text_lexdiv {
    double mattr, mtld, hdd, yule_k;
    int    has_mattr, has_mtld, has_hdd, has_yule_k;
};
/* text_lexdiv()'s memory, reused from text to text: zero it before the
 * first use, free it with text_lexdiv_scratch_free(). */
struct text_lexdiv_scratch {
    uint32_t *work, *freq;
    size_t    cap, freq_cap;
};
void text_lexdiv_scratch_free(struct text_lexdiv_scratch *s);
/* Room in s for the counts of v types, for a caller that has them (as
 * wordtab_counts() gives them) to pass to text_lexdiv(); NULL when out of
 * memory. */
uint32_t *text_lexdiv_freq(struct text_lexdiv_scratch *s, size_t v);
/* All four over ids[0..n) (v types), MATTR with the given window; freq is
 * the count of each type, or NULL to count them here.  0, or PARDO_ENOMEM
 * (also for n > TEXT_LEXDIV_MAX); *out is then all null.  A null
 * measure's value is 0. */
int text_lexdiv(const uint32_t *ids, size_t n, const uint32_t *freq, size_t v,
                size_t window, struct text_lexdiv_scratch *s, struct text_lexdiv *out);

/* ---- section 5: counting terms --------------------------------------- */

struct text_terms;

/* Compiles terms (each as the user wrote it, UTF-8) for text_count().
 * Duplicates are kept out: *t lists each term once, at its first place. */
int  text_terms_new(struct text_terms **t, const char *const *terms, size_t n);
void text_terms_free(struct text_terms *t);
size_t      text_terms_len(const struct text_terms *t);
const char *text_terms_name(const struct text_terms *t, size_t i);
/* 1 when term i is no letter and holds no token (such as "!"): it always
 * counts 0. */
int text_terms_void(const struct text_terms *t, size_t i);
/* counts[i] gets the count of term i in body.  0 or PARDO_ENOMEM. */
int  text_count(const struct text_terms *t, const char *body, size_t len,
                uint64_t *counts);

/* ---- internal: shared by cli/text_*.c and their tests, nobody else ---- */

/* Decodes one UTF-8 sequence at s[0..n), n >= 1.  Returns its length and sets
 * *cp; an invalid byte (bad lead, bad or missing continuation, overlong,
 * surrogate, above U+10FFFF) returns 1 with *cp = -1. */
static inline size_t text__utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        if (n >= 2 && (s[1] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x1Fu) << 6) | (s[1] & 0x3Fu));
            return 2;
        }
    } else if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu));
            return 3;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
            (s[3] & 0xC0) == 0x80) {
            *cp = (int32_t)(((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) |
                            ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu));
            return 4;
        }
    }
    *cp = -1;
    return 1;
}

/* Writes cp (0..0x10FFFF) as UTF-8 to d (room for 4); returns the length. */
static inline size_t text__utf8_encode(int32_t cp, char *d)
{
    uint32_t c = (uint32_t)cp;
    if (c < 0x80) {
        d[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        d[0] = (char)(0xC0 | (c >> 6));
        d[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        d[0] = (char)(0xE0 | (c >> 12));
        d[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        d[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (c >> 18));
    d[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Character classes of section 2 and 3, as bits (text_scan.c). */
enum {
    TEXT_C_LETTER = 1 << 0,  /* L* */
    TEXT_C_DIGIT  = 1 << 1,  /* Nd */
    TEXT_C_MARK   = 1 << 2,  /* M*: a LETTER only after a LETTER or DIGIT */
    TEXT_C_APOS   = 1 << 3,  /* ' U+2019 U+02BC */
    TEXT_C_JOIN   = 1 << 4,  /* . , (between DIGITs) */
    TEXT_C_TERM   = 1 << 5,  /* . ! ? U+2026 */
    TEXT_C_CLOSE  = 1 << 6,  /* " ' U+201D U+2019 ) ] _ */
    TEXT_C_OPEN   = 1 << 7,  /* " ' U+201C U+2018 ( [ _ */
    TEXT_C_SPACE  = 1 << 8,  /* Unicode White_Space */
    TEXT_C_UPPER  = 1 << 9   /* Lu Lt */
};
/* The class bits of a code point (-1, an invalid byte, is a separator). */
unsigned text__class(int32_t cp);

/* text_scan() with the caller's buffer for the lowercased token, so that a
 * worker that scans many files allocates nothing after warm-up.  Each
 * token's text is followed by 16 zero bytes.  Returns 0, fn's non-zero
 * return, or PARDO_ENOMEM. */
int text__scan(const char *body, size_t len, struct text_buf *tok,
               text_token_fn *fn, void *ctx);

/* A token as text__scan_batch() hands it out: struct text_token without the
 * pointer (the batch's buffer may move while the batch fills). */
enum {
    TEXT__T_WORD    = 1 << 0, /* is_word */
    TEXT__T_LETTERS = 1 << 1, /* letters_only */
    TEXT__T_CAPS    = 1 << 2  /* capitalised */
};
struct text__tok {
    size_t   off;      /* the text is base + off (see text__batch_fn) */
    size_t   len, cps, sentence;
    size_t   end;      /* the offset in the body after the token */
    unsigned flags;    /* TEXT__T_* */
};
/* Gets n >= 1 tokens in order; each text is base + off, len bytes and 16
 * zero bytes, valid only during the call.  fn may change the tokens. */
typedef int text__batch_fn(void *ctx, const char *base, struct text__tok *t, size_t n);
/* text__scan() that hands tokens out a batch at a time (up to
 * TEXT__BATCH), so that the consumer runs one call per batch, not one per
 * token.  tb holds the batch's texts.  Returns 0, fn's non-zero return, or
 * PARDO_ENOMEM. */
enum { TEXT__BATCH = 128 };
int text__scan_batch(const char *body, size_t len, struct text_buf *tb,
                     text__batch_fn *fn, void *ctx);
/* Which classifier the scan uses from now on (for tests, process-wide, not
 * thread-safe): -1 the best this CPU has (the default), 0 the portable one
 * (SSE2 on x86-64), 1 at most AVX2.  Returns the previous setting. */
int text__scan_level(int level);
/* 0 makes text_count() count letters with its byte histogram only, 1 (the
 * default) lets it count up to 4 ASCII letters 16 bytes at a time where
 * SSE2 is there.  Returns the previous setting (always 0 without SSE2).
 * For tests. */
int text__count_simd(int on);

/* Section 1.1-1.2 only (no NFC, no boilerplate), into scratch from offset 0
 * (out->body points there): for tests and fuzzers that check the NFC step
 * against utf8proc_map.  Returns 1 when the text may need NFC, 0 when it
 * surely does not, or PARDO_ENOMEM. */
int text__decode(struct text_buf *scratch, const unsigned char *in, size_t n,
                 enum text_encoding mode, struct text_clean *out);

/* Adds one occurrence of w to t (count, and inner/inner_caps as given).
 * w holds no NUL byte and w[len..len+16) is readable and zero, as
 * text__scan()'s tokens are.  The entries are right again only after
 * text__wordtab_sync(). */
int text__wordtab_bump(struct wordtab *t, const char *w, size_t len,
                       int inner, int inner_caps);
/* The running sums of one text_analyze() pass (sections 3 and 4). */
struct text__tally {
    uint64_t words, nums, ly;
    size_t   sent;         /* index of the current sentence; SIZE_MAX at first */
    uint64_t sent_len;     /* its WORDs so far */
    uint64_t n_sent, sum, sumsq; /* closed sentences with WORDs, sums of lengths */
};
/* The per-batch step of text_analyze(), in one loop over the batch: adds
 * its WORDs and NUMs, -ly adverbs and sentence lengths to y, and bumps
 * each WORD in t (text__wordtab_bump(), inner when it is not the first
 * WORD of its sentence, inner_caps when inner and TEXT__T_CAPS).  0 or
 * PARDO_ENOMEM. */
int text__wordtab_count(struct wordtab *t, const char *base, const struct text__tok *tok,
                        size_t n, struct text__tally *y);
/* Folds the counts of text__wordtab_bump() into the entries.  0 or
 * PARDO_ENOMEM (a queued word could not be added). */
int text__wordtab_sync(struct wordtab *t);
/* text_is_ly_adverb() for a word followed by 16 zero bytes, as
 * text__scan()'s tokens are: a compare of 16 bytes per NON_LY word of its
 * length rather than a bsearch. */
int text__ly_adverb16(const char *w, size_t len, size_t cps, int letters_only);
/* The number of types that occur exactly once. */
uint64_t text__wordtab_hapax(const struct wordtab *t);
/* A buffer that t owns, for text_analyze()'s tokens. */
struct text_buf *text__wordtab_scratch(struct wordtab *t);

#endif
