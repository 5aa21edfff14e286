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
 * the scan and is returned; otherwise returns 0. */
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
/* Looks a word up (lowercased UTF-8); NULL when absent. */
const struct word_entry *wordtab_get(const struct wordtab *t, const char *w, size_t len);
/* The entries in an array that the table owns, sorted by count descending,
 * then by the word's bytes ascending (spec section 6); *n gets the size.
 * Valid until the table next changes.  NULL with *n = 0 when empty or on
 * PARDO_ENOMEM (check *n against wordtab_size()). */
const struct word_entry *wordtab_sorted(struct wordtab *t, size_t *n);

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

/* ---- section 5: counting terms --------------------------------------- */

struct text_terms;

/* Compiles terms (each as the user wrote it, UTF-8) for text_count().
 * Duplicates are kept out: *t lists each term once, at its first place. */
int  text_terms_new(struct text_terms **t, const char *const *terms, size_t n);
void text_terms_free(struct text_terms *t);
size_t      text_terms_len(const struct text_terms *t);
const char *text_terms_name(const struct text_terms *t, size_t i);
/* counts[i] gets the count of term i in body.  0 or PARDO_ENOMEM. */
int  text_count(const struct text_terms *t, const char *body, size_t len,
                uint64_t *counts);

#endif
