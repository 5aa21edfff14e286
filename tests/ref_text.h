/*
 * ref_text.h - a plain, slow reference for spec sections 2 and 3 (tokens
 * and sentences), and the differential check of the real scanner against it.
 *
 * The reference is written from shared/spec/text.md and the choices of
 * doc/text.md alone, one rule at a time over an array of code points: no
 * SIMD, no class tables, no look-ahead tricks, and nothing from cli/ (only
 * utf8proc).  ref_diff() runs it and the real scanner (text__scan() and
 * text_analyze(), at a chosen scanner level) on one text and says where
 * they first differ.  ref_text_gen() builds texts from pieces that the
 * rules look at (scripts, marks, every APOS, digit joins, initials and
 * abbreviations, openers and closers, every kind of space and line end,
 * invalid bytes), so that random bytes become texts worth comparing.  The
 * differential fuzz target and test_text_diff share all three.  Every
 * global name starts ref_.
 */
#ifndef PARDO_TESTS_REF_TEXT_H
#define PARDO_TESTS_REF_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct ref_token {
    char  *text;         /* lowercased UTF-8, every APOS as ', NUL-terminated */
    size_t len, cps;     /* bytes and code points of text */
    int    is_word;      /* has a LETTER (else a NUM) */
    int    letters_only; /* every code point is a LETTER */
    int    capitalised;  /* its first code point is Lu or Lt */
    size_t sentence;     /* sentence boundaries before the token */
};

struct ref_result {
    struct ref_token *tok;
    size_t            n;
    size_t           *sent_len; /* WORDs in each sentence that has one */
    size_t            n_sent;
};

/* Tokens and sentences of s[0..n) by sections 2 and 3; s need not be valid
 * UTF-8 (an invalid byte is one separator).  r is filled anew; free it with
 * ref_result_free().  0, or -1 when out of memory. */
int  ref_scan(const char *s, size_t n, struct ref_result *r);
void ref_result_free(struct ref_result *r);

/* Compares the real scanner at scan level `level` (text__scan_level()) with
 * ref_scan() on s[0..n): every token's text, WORD or NUM, letters_only,
 * code points and capitalisation, where sentences change between tokens,
 * the lengths of the kept sentences, and text_analyze()'s words, nums and
 * sentences.  0 when they agree; 1 when not, with what differs written to
 * why (NUL-terminated); -1 when out of memory. */
int ref_diff(const char *s, size_t n, int level, char *why, size_t why_len);

/* A text made of pieces, one per byte of in[0..n) (the byte chooses it),
 * written to out (at most cap bytes, cut at a piece).  Returns its length. */
size_t ref_text_gen(const uint8_t *in, size_t n, char *out, size_t cap);

/* Writes s[0..n) to buf (cap >= 8) as a C string literal's insides, cut
 * with "..." when it does not fit: for failure messages. */
void ref_escape(const char *s, size_t n, char *buf, size_t cap);

#endif
