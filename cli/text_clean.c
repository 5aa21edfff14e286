/*
 * text_clean.c - from the bytes of a file to its body (spec section 1).
 *
 * DESIGN
 * text_clean() makes at most two passes over the text, both into the
 * caller's scratch buffer, which is reused from file to file:
 *
 *   1. decode: BOM, UTF-8 or ISO-8859-1, CR LF and lone CR to LF.  Runs of
 *      ASCII bytes other than CR are copied eight at a time; only bytes
 *      >= 0x80 are decoded one by one.  In auto mode the text is decoded
 *      as UTF-8 until the first invalid byte, and only then is the whole
 *      file decoded again as ISO-8859-1 (so a valid file costs one pass).
 *      While decoding, each non-ASCII code point is looked up in a cache
 *      that says whether it can be left as it is by NFC.
 *   2. NFC, only when pass 1 met a code point that may change: the text is
 *      copied to the second half of the scratch buffer, and only the
 *      stretches around such code points go through utf8proc (a stretch
 *      starts at the last starter before them: ASCII, or any code point
 *      that can neither change nor compose with what precedes it).
 *
 * ISO-8859-1 text never needs NFC: no code point U+0080..U+00FF changes
 * under NFC or composes with a preceding character.
 *
 * The Gutenberg markers are then searched with memchr() for "***" at the
 * start of a line, so the body is found without copying it again.
 *
 * The NFC cache is a process-wide table of one byte per BMP code point,
 * filled lazily with relaxed atomics: two threads may compute the same entry
 * at once, and both write the same value.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#include <emmintrin.h>
#endif

#include "pardo.h"
#include "text.h"

/* ---- text_buf -------------------------------------------------------- */

void text_buf_free(struct text_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int text_buf_reserve(struct text_buf *b, size_t cap)
{
    if (cap <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < cap) {
        if (ncap > SIZE_MAX / 2) {
            ncap = cap;
            break;
        }
        ncap *= 2;
    }
    char *p = realloc(b->data, ncap);
    if (!p)
        return PARDO_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

/* ---- names and checks ------------------------------------------------ */

/* ASCII-only case-insensitive compare of n bytes (strncasecmp follows the
 * locale, and a Turkish one folds 'I' differently). */
static int ascii_caseeq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x - 'A' < 26u)
            x += 32;
        if (y - 'A' < 26u)
            y += 32;
        if (x != y)
            return 0;
    }
    return 1;
}

int text_encoding_parse(const char *name, enum text_encoding *enc)
{
    static const struct {
        const char *name;
        enum text_encoding enc;
    } names[] = {
        {"auto", TEXT_ENC_AUTO},      {"utf-8", TEXT_ENC_UTF8},
        {"utf8", TEXT_ENC_UTF8},      {"latin-1", TEXT_ENC_LATIN1},
        {"latin1", TEXT_ENC_LATIN1},  {"iso-8859-1", TEXT_ENC_LATIN1},
    };
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = strlen(names[i].name);
        if (strlen(name) == k && ascii_caseeq(name, names[i].name, k)) {
            *enc = names[i].enc;
            return 0;
        }
    }
    return -1;
}

int text_is_binary(const unsigned char *p, size_t n)
{
    return memchr(p, 0, n < 8192 ? n : 8192) != NULL;
}

/* ---- NFC: which code points can be left alone ------------------------ */

/* 1 when cp is a starter that NFC leaves as it is and that never composes
 * with a character before it, so that a normalisation boundary stands
 * before it.  Conservative: a "no" only costs a call to utf8proc. */
static int nfc_inert_compute(int32_t cp)
{
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    if (p->combining_class != 0)
        return 0;
    switch (p->category) {
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return 0;
    default:
        break;
    }
    /* Conjoining jamo compose with the syllable or jamo before them. */
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) ||
        (cp >= 0xD7B0 && cp <= 0xD7FF))
        return 0;
    utf8proc_int32_t buf[8];
    int bound = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(cp, buf, 8, UTF8PROC_DECOMPOSE, &bound);
    if (k == 1 && buf[0] == cp)
        return 1;
    if (k < 1 || k > 8)
        return 0;
    /* A canonical decomposition: inert when it composes back to cp itself
     * (not a singleton such as U+212B, nor a composition exclusion). */
    k = utf8proc_normalize_utf32(buf, k, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    return k == 1 && buf[0] == cp;
}

static _Atomic unsigned char nfc_cache[0x10000]; /* 0 unknown, 1 inert, 2 not */

static int nfc_inert(int32_t cp)
{
    if (cp >= 0x10000)
        return nfc_inert_compute(cp);
    unsigned char v = atomic_load_explicit(&nfc_cache[cp], memory_order_relaxed);
    if (!v) {
        v = nfc_inert_compute(cp) ? 1 : 2;
        atomic_store_explicit(&nfc_cache[cp], v, memory_order_relaxed);
    }
    return v == 1;
}

/* ---- pass 1: decode ------------------------------------------------- */

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Non-zero when a byte of v is >= 0x80 or is CR: the bytes that stop the
 * copy-eight-at-a-time loop. */
static inline uint64_t special8(uint64_t v)
{
    uint64_t x = v ^ (0x0Dull * ONES);
    return (v | ((x - ONES) & ~x)) & HIGHS;
}

#if defined(__SSE2__) && !defined(TEXT_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#define TEXT_VBMI2 1
#include <immintrin.h>

/* 1 when copy_crlf() may run on this CPU. */
static int have_vbmi2(void)
{
    return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vbmi2");
}

/* Copies ASCII from in[*i..n) to out[*o..), 64 bytes at a time, with CR LF
 * and a lone CR made LF on the way (spec 1.2): a CR before LF is dropped by
 * a compress, a lone CR replaced.  Stops before a byte >= 0x80, or when
 * fewer than 65 bytes are left (the next byte after a block is read, for
 * its CR).  out has room for n - *i more bytes.  Without it, each line end
 * of a CR LF text left the fast loop of copy_plain(). */
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) static void
copy_crlf(const unsigned char *in, size_t n, size_t *i, char *out, size_t *o)
{
    size_t a = *i, b = *o;
    const __m512i cr = _mm512_set1_epi8('\r'), lf = _mm512_set1_epi8('\n');
    while (n - a >= 65) {
        __m512i v = _mm512_loadu_si512((const void *)(in + a));
        __m512i next = _mm512_loadu_si512((const void *)(in + a + 1));
        uint64_t high = _mm512_movepi8_mask(v);
        uint64_t take = high ? ((uint64_t)1 << __builtin_ctzll(high)) - 1 : ~(uint64_t)0;
        uint64_t is_cr = _mm512_cmpeq_epi8_mask(v, cr) & take;
        uint64_t crlf = is_cr & _mm512_cmpeq_epi8_mask(next, lf);
        v = _mm512_mask_mov_epi8(v, is_cr & ~crlf, lf);
        uint64_t keep = take & ~crlf;
        _mm512_storeu_si512((void *)(out + b), _mm512_maskz_compress_epi8(keep, v));
        a += (size_t)__builtin_popcountll(take);
        b += (size_t)__builtin_popcountll(keep);
        if (high)
            break;
    }
    *i = a;
    *o = b;
}
#endif

/* Copies ASCII bytes other than CR from in[*i..n) to out[*o..); returns when
 * it meets another byte or the end.  out has room for n - *i more bytes. */
static inline void copy_plain(const unsigned char *in, size_t n, size_t *i, char *out, size_t *o)
{
    size_t a = *i, b = *o;
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
    /* 16 bytes at a time, stored whole while 16 are left (so there is
     * room): the ones up to the first byte >= 0x80 or CR count. */
    while (n - a >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + a));
        unsigned stop = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(v, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
        _mm_storeu_si128((__m128i *)(void *)(out + b), v);
        if (stop) {
            unsigned k = (unsigned)__builtin_ctz(stop);
            *i = a + k;
            *o = b + k;
            return;
        }
        a += 16;
        b += 16;
    }
#endif
    while (a + 8 <= n) {
        uint64_t v;
        memcpy(&v, in + a, 8);
        if (special8(v))
            break;
        memcpy(out + b, &v, 8);
        a += 8;
        b += 8;
    }
    while (a < n && in[a] < 0x80 && in[a] != '\r')
        out[b++] = (char)in[a++];
    *i = a;
    *o = b;
}

#ifdef TEXT_VBMI2
#define WIDE_OK() have_vbmi2()
#define COPY_CRLF(wide, in, n, i, out, o) \
    do {                                  \
        if (wide)                         \
            copy_crlf(in, n, i, out, o);  \
    } while (0)
#else
#define WIDE_OK() 0
#define COPY_CRLF(wide, in, n, i, out, o) (void)(wide)
#endif

/* Keeps room for the rest of the input (which never grows, byte for byte,
 * except where `more` says) after o. */
static inline int room(struct text_buf *b, size_t o, size_t rest, size_t more)
{
    if (b->cap - o >= rest + more)
        return 0;
    size_t want = o + rest + more + (rest >> 3) + 64;
    return text_buf_reserve(b, want);
}

enum { DEC_OK = 0, DEC_NOT_UTF8 = 1 };

/* Decodes in[0..n) as UTF-8 into b from offset 0.  strict: stop at the first
 * invalid byte with DEC_NOT_UTF8; else each maximal run of invalid bytes
 * becomes U+FFFD and *bad counts them.  *need_nfc is set when a code point
 * that NFC might change was met. */
/* CR LF and a lone CR are one line end (spec 1.2): bytes to skip at a CR. */
static inline size_t crlf_len(const unsigned char *in, size_t n, size_t i)
{
    return i + 1 < n && in[i + 1] == '\n' ? 2 : 1;
}

static int decode_utf8(struct text_buf *b, const unsigned char *in, size_t n, int strict,
                       size_t *bad, int *need_nfc)
{
    size_t i = 0, o = 0;
    int in_bad = 0, nfc = 0, wide = WIDE_OK();
    if (room(b, 0, n, 16) < 0)
        return PARDO_ENOMEM;
    while (i < n) {
        size_t i0 = i;
        COPY_CRLF(wide, in, n, &i, b->data, &o);
        copy_plain(in, n, &i, b->data, &o);
        if (i != i0)
            in_bad = 0;
        if (i >= n)
            break;
        unsigned c = in[i];
        if (c == '\r') {
            b->data[o++] = '\n';
            i += crlf_len(in, n, i);
            in_bad = 0;
            continue;
        }
        int32_t cp;
        size_t l = text__utf8_decode(in + i, n - i, &cp);
        if (cp < 0) {
            if (strict)
                return DEC_NOT_UTF8;
            (*bad)++;
            i++;
            if (!in_bad) {
                if (room(b, o, n - i, 3) < 0)
                    return PARDO_ENOMEM;
                memcpy(b->data + o, "\xEF\xBF\xBD", 3);
                o += 3;
                in_bad = 1;
            }
            continue;
        }
        in_bad = 0;
        if (!nfc && !nfc_inert(cp))
            nfc = 1;
        memcpy(b->data + o, in + i, l);
        o += l;
        i += l;
    }
    b->len = o;
    *need_nfc = nfc;
    return DEC_OK;
}

static int decode_latin1(struct text_buf *b, const unsigned char *in, size_t n)
{
    size_t i = 0, o = 0;
    int wide = WIDE_OK();
    if (room(b, 0, n, 16) < 0)
        return PARDO_ENOMEM;
    while (i < n) {
        COPY_CRLF(wide, in, n, &i, b->data, &o);
        copy_plain(in, n, &i, b->data, &o);
        if (i >= n)
            break;
        unsigned c = in[i];
        if (c == '\r') {
            b->data[o++] = '\n';
            i += crlf_len(in, n, i);
            continue;
        }
        i++;
        if (room(b, o, n - i, 2) < 0)
            return PARDO_ENOMEM;
        b->data[o++] = (char)(0xC0 | (c >> 6));
        b->data[o++] = (char)(0x80 | (c & 0x3F));
    }
    b->len = o;
    return 0;
}

int text__decode(struct text_buf *scratch, const unsigned char *in, size_t n,
                 enum text_encoding mode, struct text_clean *out)
{
    int need_nfc = 0;
    out->encoding = "utf-8";
    out->bad_bytes = 0;
    out->boilerplate = 0;
    out->body = "";
    out->body_len = 0;
    if (n >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        in += 3;
        n -= 3;
    }
    int rc;
    if (mode == TEXT_ENC_LATIN1) {
        rc = decode_latin1(scratch, in, n);
        out->encoding = "latin-1";
    } else {
        rc = decode_utf8(scratch, in, n, mode == TEXT_ENC_AUTO, &out->bad_bytes, &need_nfc);
        if (rc == DEC_NOT_UTF8) {
            rc = decode_latin1(scratch, in, n);
            out->encoding = "latin-1";
            need_nfc = 0;
        }
    }
    if (rc < 0)
        return rc;
    out->body = scratch->data;
    out->body_len = scratch->len;
    return need_nfc;
}

/* ---- pass 2: NFC ------------------------------------------------------ */

/* Appends the NFC of the valid UTF-8 s[0..n) to b. */
static int nfc_stretch(struct text_buf *b, const char *s, size_t n)
{
    utf8proc_int32_t small[256], *buf = small;
    const utf8proc_option_t opt = UTF8PROC_COMPOSE | UTF8PROC_STABLE;
    utf8proc_ssize_t k = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                            buf, 256, opt);
    if (k < 0)
        return PARDO_ENOMEM; /* cannot happen: s is valid UTF-8 */
    if (k > 256) {
        buf = malloc((size_t)k * sizeof *buf);
        if (!buf)
            return PARDO_ENOMEM;
        k = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, buf, k, opt);
    }
    int rc = 0;
    if (k >= 0)
        k = utf8proc_normalize_utf32(buf, k, opt);
    if (k < 0 || text_buf_reserve(b, b->len + (size_t)k * 4) < 0) {
        rc = PARDO_ENOMEM;
    } else {
        for (utf8proc_ssize_t j = 0; j < k; j++)
            b->len += text__utf8_encode(buf[j], b->data + b->len);
    }
    if (buf != small)
        free(buf);
    return rc;
}

/* NFC of b->data[0..m), appended to b after it. */
static int nfc_pass(struct text_buf *b, size_t m)
{
    size_t i = 0, copied = 0, boundary = 0;
    b->len = m;
    while (i < m) {
        const unsigned char *t = (const unsigned char *)b->data;
        if (t[i] < 0x80) {
            boundary = i++;
            continue;
        }
        int32_t cp;
        size_t l = text__utf8_decode(t + i, m - i, &cp);
        if (cp >= 0 && nfc_inert(cp)) {
            boundary = i;
            i += l;
            continue;
        }
        /* A stretch from the last boundary to the next inert code point. */
        size_t j = i + l;
        while (j < m && t[j] >= 0x80) {
            l = text__utf8_decode(t + j, m - j, &cp);
            if (cp >= 0 && nfc_inert(cp))
                break;
            j += l;
        }
        if (text_buf_reserve(b, b->len + (boundary - copied)) < 0)
            return PARDO_ENOMEM;
        memcpy(b->data + b->len, b->data + copied, boundary - copied);
        b->len += boundary - copied;
        if (nfc_stretch(b, b->data + boundary, j - boundary) < 0)
            return PARDO_ENOMEM;
        copied = boundary = i = j;
    }
    if (text_buf_reserve(b, b->len + (m - copied)) < 0)
        return PARDO_ENOMEM;
    memcpy(b->data + b->len, b->data + copied, m - copied);
    b->len += m - copied;
    return 0;
}

/* ---- boilerplate ------------------------------------------------------ */

static int has_ci(const char *s, size_t n, const char *pat)
{
    size_t k = strlen(pat);
    for (size_t i = 0; i + k <= n; i++)
        if (ascii_caseeq(s + i, pat, k))
            return 1;
    return 0;
}

/* Finds, from `from` on, the first line of t[0..n) that is a marker with
 * `what` ("START OF" or "END OF"); returns its start, or n when none.  *next
 * gets the start of the line after it (n when it is the last line). */
static size_t find_marker(const char *t, size_t n, size_t from, const char *what, size_t *next)
{
    size_t wl = strlen(what);
    while (from < n) {
        const char *hit = memchr(t + from, '*', n - from);
        if (!hit)
            break;
        size_t p = (size_t)(hit - t);
        if (n - p < 3 || hit[1] != '*' || hit[2] != '*') {
            from = p + 1;
            continue;
        }
        size_t ls = p;
        while (ls > 0 && (t[ls - 1] == ' ' || t[ls - 1] == '\t'))
            ls--;
        const char *nl = memchr(t + p, '\n', n - p);
        size_t le = nl ? (size_t)(nl - t) : n;
        if (ls == 0 || t[ls - 1] == '\n') {
            size_t q = p + 3;
            while (q < le && (t[q] == ' ' || t[q] == '\t'))
                q++;
            if (le - q >= wl && ascii_caseeq(t + q, what, wl) &&
                has_ci(t + ls, le - ls, "PROJECT GUTENBERG")) {
                *next = nl ? le + 1 : n;
                return ls;
            }
        }
        from = nl ? le + 1 : n;
    }
    *next = n;
    return n;
}

static void strip_boilerplate(const char *t, size_t n, struct text_clean *out)
{
    size_t body, end_next;
    if (find_marker(t, n, 0, "START OF", &body) == n)
        return;
    size_t end = find_marker(t, n, body, "END OF", &end_next);
    out->boilerplate = 1;
    out->body = t + body;
    out->body_len = end - body;
}

/* ---- the clean step --------------------------------------------------- */

int text_clean(struct text_buf *scratch, const unsigned char *in, size_t n,
               enum text_encoding mode, int keep_boilerplate, struct text_clean *out)
{
    int rc = text__decode(scratch, in, n, mode, out);
    if (rc < 0)
        return rc;
    if (!scratch->data && text_buf_reserve(scratch, 16) < 0)
        return PARDO_ENOMEM;
    size_t start = 0, m = scratch->len;
    if (rc == 1) {
        if (nfc_pass(scratch, m) < 0)
            return PARDO_ENOMEM;
        start = m;
        m = scratch->len - start;
    }
    out->body = scratch->data + start;
    out->body_len = m;
    if (!keep_boilerplate)
        strip_boilerplate(scratch->data + start, m, out);
    return 0;
}
