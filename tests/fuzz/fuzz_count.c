/*
 * fuzz_count.c - libFuzzer target for text_terms_new() and text_count()
 * (spec section 5).
 *
 * The input is "term|term|...\n" then the body.  Checks that duplicate
 * terms collapse to their first place, that one ASCII letter counts what a
 * plain byte count gives (the body is ASCII-checked first), and that a term
 * never counts more than the body has tokens or code points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "pardo.h"
#include "../../cli/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_tok(void *ctx, const struct text_token *tok)
{
    (void)tok;
    ++*(uint64_t *)ctx;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || nl - data > 200)
        return 0;
    char head[256];
    size_t hl = (size_t)(nl - data);
    memcpy(head, data, hl);
    head[hl] = '\0';
    const char *body = (const char *)nl + 1;
    size_t len = size - hl - 1;

    const char *terms[16];
    size_t n = 0;
    for (char *p = head; n < 16;) {
        terms[n++] = p;
        char *bar = strchr(p, '|');
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    struct text_terms *t;
    if (text_terms_new(&t, terms, n) != 0)
        abort();
    size_t m = text_terms_len(t);
    if (m > n || m == 0)
        abort();
    /* each kept name is the first place of its spelling, in order */
    for (size_t i = 0, j = 0; i < n; i++) {
        int earlier = 0;
        for (size_t k = 0; k < i; k++)
            earlier |= strcmp(terms[k], terms[i]) == 0;
        if (!earlier && strcmp(text_terms_name(t, j++), terms[i]) != 0)
            abort();
    }
    uint64_t counts[16], tokens = 0;
    if (text_count(t, body, len, counts) != 0)
        abort();
    if (text_scan(body, len, count_tok, &tokens) != 0)
        abort();
    int ascii = 1;
    for (size_t i = 0; i < len; i++)
        ascii &= (unsigned char)body[i] < 0x80;
    for (size_t i = 0; i < m; i++) {
        const char *name = text_terms_name(t, i);
        if (counts[i] > len)
            abort();
        size_t nl2 = strlen(name);
        int one_letter = nl2 == 1 && ((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z');
        if (one_letter && ascii) {
            uint64_t want = 0;
            for (size_t k = 0; k < len; k++)
                want += (body[k] | 0x20) == (name[0] | 0x20) &&
                        ((body[k] | 0x20) >= 'a' && (body[k] | 0x20) <= 'z');
            if (counts[i] != want)
                abort();
        } else {
            /* one code point may be a LETTER term (code points counted);
             * anything longer counts token matches */
            int32_t cp;
            utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)name);
            const char *q = nfc ? (const char *)nfc : name;
            size_t ql = strlen(q);
            int single = ql > 0 && text__utf8_decode((const unsigned char *)q, ql, &cp) == ql;
            free(nfc);
            if (!single && counts[i] > tokens)
                abort();
        }
    }
    text_terms_free(t);
    return 0;
}
