/*
 * fuzz_clean.c - libFuzzer target for text_clean() (spec section 1).
 *
 * The first byte picks the encoding mode and --keep-boilerplate; the rest
 * is the file.  Checks that the body is valid UTF-8 without CR, that the
 * NFC fast path agrees with utf8proc_map() over the whole decoded text, that
 * the body without boilerplate is a slice of the body with it, and that a
 * reused scratch buffer gives the same result as a fresh one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "pardo.h"
#include "../../cli/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct text_buf reused;

static int valid_utf8(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t l = text__utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (cp < 0)
            return 0;
        i += l;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum text_encoding mode = (enum text_encoding)(data[0] % 3);
    int keep = (data[0] >> 2) & 1;
    data++;
    size--;

    struct text_buf fresh = {0}, dec = {0};
    struct text_clean a, b, kept, d;
    if (text_clean(&fresh, data, size, mode, keep, &a) != 0)
        abort();
    if (text_clean(&reused, data, size, mode, keep, &b) != 0)
        abort();
    if (a.body_len != b.body_len || memcmp(a.body, b.body, a.body_len) != 0 ||
        strcmp(a.encoding, b.encoding) != 0 || a.bad_bytes != b.bad_bytes ||
        a.boilerplate != b.boilerplate)
        abort();
    if (!valid_utf8(a.body, a.body_len) || memchr(a.body, '\r', a.body_len))
        abort();
    if (keep && a.boilerplate)
        abort();
    if (mode != TEXT_ENC_UTF8 && a.bad_bytes)
        abort();
    if (a.bad_bytes > size)
        abort();

    /* The whole text, kept: NFC of the decoded text, as utf8proc makes it. */
    struct text_buf kb = {0};
    if (text_clean(&kb, data, size, mode, 1, &kept) != 0)
        abort();
    if (text__decode(&dec, data, size, mode, &d) < 0)
        abort();
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)d.body, (utf8proc_ssize_t)d.body_len,
                                      &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k < 0 || (size_t)k != kept.body_len || memcmp(nfc, kept.body, kept.body_len) != 0)
        abort();
    free(nfc);
    /* Without boilerplate: a slice of the whole, starting at a line. */
    if (a.boilerplate) {
        if (a.body_len > kept.body_len)
            abort();
        const char *hit = NULL;
        for (size_t off = 0; off + a.body_len <= kept.body_len; off++) {
            if (memcmp(kept.body + off, a.body, a.body_len) == 0 &&
                (off == 0 || kept.body[off - 1] == '\n')) {
                hit = kept.body + off;
                break;
            }
        }
        if (!hit)
            abort();
    } else if (a.body_len != kept.body_len || memcmp(a.body, kept.body, a.body_len) != 0) {
        abort();
    }
    (void)text_is_binary(data, size);
    text_buf_free(&kb);
    text_buf_free(&dec);
    text_buf_free(&fresh);
    return 0;
}
