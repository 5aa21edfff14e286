/*
 * emit.c - growable buffers, escaping, and one record writer for three formats.
 *
 * DESIGN
 * Records are built by workers into buffers they own (the main thread only
 * writes the bytes), so nothing here locks or prints.  Appends do not return
 * errors: a failed growth sets the buffer's sticky `oom` flag and drops the
 * append, and the owner checks the flag once per record.  That keeps the
 * formatting code a straight list of fields.
 *
 * JSON strings must be valid UTF-8 but file names are bytes: an invalid
 * byte becomes U+FFFD (lossy, documented in the man page).  CSV follows
 * RFC 4180.  TSV has no quoting, so \, TAB, LF and CR are backslash-escaped
 * (the "linear TSV" convention that PostgreSQL's COPY and many readers use).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- buffers --------------------------------------------------------------- */

void ebuf_free(struct ebuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

int ebuf_reserve(struct ebuf *b, size_t more)
{
    if (b->cap - b->len > more)             /* keep a byte for a NUL */
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= more) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return PARDO_ENOMEM;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return PARDO_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void ebuf_put(struct ebuf *b, const void *p, size_t n)
{
    if (n == 0 || ebuf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void ebuf_puts(struct ebuf *b, const char *s)
{
    ebuf_put(b, s, strlen(s));
}

void ebuf_putc(struct ebuf *b, char c)
{
    if (ebuf_reserve(b, 1) == 0)
        b->data[b->len++] = c;
}

void ebuf_u64(struct ebuf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ebuf_put(b, tmp + i, sizeof tmp - i);
}

/* Below 1e15 the value is m 2^e with m < 2^53 and e < 0, and v 10^4 =
 * m 625 / 2^(-e-4) with m 625 < 2^63: one shift gives the integer part,
 * the bits shifted out the exact remainder to round half to even with, as
 * glibc does in the default rounding mode.  The rest goes to printf. */
size_t fmt_fixed4(char *out, double v)
{
    if (!(fabs(v) < 1e15)) {
        int n = snprintf(out, FIXED4_MAX, "%.4f", v);
        return n > 0 && n < FIXED4_MAX ? (size_t)n : 0;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int ex = (int)(bits >> 52 & 0x7FF);
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    if (ex)
        m |= (uint64_t)1 << 52;
    int s = (ex ? 1075 - ex : 1074) - 4;    /* v 10^4 = m 625 / 2^s */
    uint64_t M = m * 625, q;
    if (s <= 0) {
        q = M << -s;
    } else if (s >= 64) {
        q = 0;                              /* M / 2^s < 1/2 */
    } else {
        q = M >> s;
        uint64_t rem = M & (((uint64_t)1 << s) - 1), half = (uint64_t)1 << (s - 1);
        q += rem > half || (rem == half && (q & 1));
    }
    char tmp[32];
    size_t i = sizeof tmp;
    uint64_t ip = q / 10000;
    unsigned fp = (unsigned)(q % 10000);
    for (int d = 0; d < 4; d++, fp /= 10)
        tmp[--i] = (char)('0' + fp % 10);
    tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    if (bits >> 63)
        tmp[--i] = '-';
    memcpy(out, tmp + i, sizeof tmp - i);
    return sizeof tmp - i;
}

void ebuf_fixed4(struct ebuf *b, double v)
{
    if (ebuf_reserve(b, FIXED4_MAX) != 0)
        return;
    b->len += fmt_fixed4(b->data + b->len, v);
}

void ebuf_set(struct ebuf *b, const char *s, size_t n)
{
    b->len = 0;
    if (ebuf_reserve(b, n) != 0)
        return;
    memcpy(b->data, s, n);
    b->len = n;
    b->data[n] = '\0';
}

/* ---- escaping -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n) (1-4), or 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;                      /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

void emit_json_string(struct ebuf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    ebuf_reserve(b, n + 2);
    ebuf_putc(b, '"');
    size_t run = 0;                         /* bytes copied as they are */
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            run++;
            continue;
        }
        size_t len = c >= 0x80 ? utf8_valid_len(s + i, n - i) : 0;
        if (len) {
            i += len;
            run += len;
            continue;
        }
        ebuf_put(b, s + i - run, run);
        run = 0;
        switch (c) {
        case '"':  ebuf_put(b, "\\\"", 2); break;
        case '\\': ebuf_put(b, "\\\\", 2); break;
        case '\n': ebuf_put(b, "\\n", 2); break;
        case '\r': ebuf_put(b, "\\r", 2); break;
        case '\t': ebuf_put(b, "\\t", 2); break;
        case '\b': ebuf_put(b, "\\b", 2); break;
        case '\f': ebuf_put(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                ebuf_put(b, u, 6);
            } else {
                ebuf_put(b, "\xEF\xBF\xBD", 3);     /* U+FFFD */
            }
        }
        i++;
    }
    ebuf_put(b, s + n - run, run);
    ebuf_putc(b, '"');
}

void emit_csv_field(struct ebuf *b, const char *s, size_t n)
{
    int quote = n > 0 && s[0] == ' ';
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        ebuf_put(b, s, n);
        return;
    }
    ebuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            ebuf_putc(b, '"');
        ebuf_putc(b, s[i]);
    }
    ebuf_putc(b, '"');
}

void emit_tsv_field(struct ebuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t"
                        : s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" : NULL;
        if (!esc) {
            run++;
            continue;
        }
        ebuf_put(b, s + i - run, run);
        run = 0;
        ebuf_put(b, esc, 2);
    }
    ebuf_put(b, s + n - run, run);
}

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

void cli_fput_name(FILE *to, const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t i;
    for (i = 0; p[i] && !is_control(p[i]); i++)
        ;
    if (!p[i]) {
        fputs(name, to);
        return;
    }
    fputs("$'", to);
    for (i = 0; p[i]; i++) {
        unsigned char c = p[i];
        const char *esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                        : c == '\\' ? "\\\\" : c == '\'' ? "\\'" : NULL;
        if (esc)
            fputs(esc, to);
        else if (is_control(c))
            fprintf(to, "\\%03o", c);
        else
            fputc(c, to);
    }
    fputc('\'', to);
}

/* ---- records --------------------------------------------------------------- */

void rec_begin(struct rec *r, struct ebuf *b, enum format fmt)
{
    r->b = b;
    r->fmt = fmt;
    r->fields = 0;
    r->depth = 0;
    if (fmt == FMT_JSONL)
        ebuf_putc(b, '{');
}

/* The separator and, in JSON, the key of the next field. */
static void rec_key(struct rec *r, const char *key)
{
    if (r->fmt == FMT_JSONL) {
        if (r->fields++)
            ebuf_putc(r->b, ',');
        emit_json_string(r->b, key, strlen(key));
        ebuf_putc(r->b, ':');
    } else if (r->fields++) {
        ebuf_putc(r->b, r->fmt == FMT_CSV ? ',' : '\t');
    }
}

void rec_str(struct rec *r, const char *key, const char *s, size_t n)
{
    rec_key(r, key);
    if (r->fmt == FMT_JSONL)
        emit_json_string(r->b, s, n);
    else if (r->fmt == FMT_CSV)
        emit_csv_field(r->b, s, n);
    else
        emit_tsv_field(r->b, s, n);
}

void rec_cstr(struct rec *r, const char *key, const char *s)
{
    rec_str(r, key, s, strlen(s));
}

void rec_u64(struct rec *r, const char *key, uint64_t v)
{
    rec_key(r, key);
    ebuf_u64(r->b, v);
}

void rec_bool(struct rec *r, const char *key, int v)
{
    rec_key(r, key);
    ebuf_puts(r->b, v ? "true" : "false");
}

void rec_rate(struct rec *r, const char *key, double v, int valid)
{
    if (!valid) {
        rec_null(r, key);
        return;
    }
    char tmp[FIXED4_MAX];
    size_t n = fmt_fixed4(tmp, v);
    rec_key(r, key);
    ebuf_put(r->b, tmp, n < 64 ? n : 0);        /* as ever: none past 63 bytes */
}

void rec_null(struct rec *r, const char *key)
{
    rec_key(r, key);
    if (r->fmt == FMT_JSONL)
        ebuf_puts(r->b, "null");
}

void rec_obj_begin(struct rec *r, const char *key)
{
    if (r->fmt != FMT_JSONL)
        return;
    rec_key(r, key);
    ebuf_putc(r->b, '{');
    r->fields = 0;
    r->depth++;
}

void rec_obj_end(struct rec *r)
{
    if (r->fmt != FMT_JSONL)
        return;
    ebuf_putc(r->b, '}');
    r->fields = 1;              /* the object itself was a field */
    r->depth--;
}

void rec_end(struct rec *r)
{
    if (r->fmt == FMT_JSONL)
        ebuf_putc(r->b, '}');
    ebuf_putc(r->b, '\n');
}

void rec_header(struct ebuf *b, enum format fmt, const char *const *names, size_t n)
{
    if (fmt == FMT_JSONL)
        return;
    struct rec r;
    rec_begin(&r, b, fmt);
    for (size_t i = 0; i < n; i++)
        rec_cstr(&r, "", names[i]);
    rec_end(&r);
}
