/*
 * test_text.c - unit tests of the text steps (cli/text_*.c).
 *
 * First every worked example of shared/spec/examples.jsonl, one test case
 * each, named after the example; then the edge cases of each rule, one
 * function per rule, most of them as tables of input and expected output.
 * Tokens are compared through a one-line rendering: lowercased tokens
 * separated by spaces, a NUM prefixed with '#', and " /" where a new
 * sentence starts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "check.h"
#include "json.h"
#include "pardo.h"
#include "../cli/text.h"

/* ---- helpers ----------------------------------------------------------- */

struct strlist {
    char  **v;
    size_t *len;
    size_t *sent;
    size_t  n;
};

static void strlist_push(struct strlist *l, const char *s, size_t len, size_t sent)
{
    l->v = realloc(l->v, (l->n + 1) * sizeof *l->v);
    l->len = realloc(l->len, (l->n + 1) * sizeof *l->len);
    l->sent = realloc(l->sent, (l->n + 1) * sizeof *l->sent);
    if (!l->v || !l->len || !l->sent)
        abort();
    l->v[l->n] = malloc(len + 1);
    if (!l->v[l->n])
        abort();
    memcpy(l->v[l->n], s, len);
    l->v[l->n][len] = '\0';
    l->len[l->n] = len;
    l->sent[l->n] = sent;
    l->n++;
}

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    free(l->len);
    free(l->sent);
    memset(l, 0, sizeof *l);
}

struct tokens {
    struct strlist words, nums;
    char           render[4096];
    size_t         rlen;
    size_t         last_sent;
    int            any;
    struct text_token first; /* flags of the first token */
};

static int collect(void *ctx, const struct text_token *tok)
{
    struct tokens *t = ctx;
    strlist_push(tok->is_word ? &t->words : &t->nums, tok->text, tok->len, tok->sentence);
    if (!t->any)
        t->first = *tok;
    char piece[512];
    int k = snprintf(piece, sizeof piece, "%s%s%s%.*s", t->any ? " " : "",
                     t->any && tok->sentence != t->last_sent ? "/ " : "",
                     tok->is_word ? "" : "#", (int)tok->len, tok->text);
    if (k > 0 && t->rlen + (size_t)k < sizeof t->render) {
        memcpy(t->render + t->rlen, piece, (size_t)k + 1);
        t->rlen += (size_t)k;
    }
    t->any = 1;
    t->last_sent = tok->sentence;
    return 0;
}

static void tokens_free(struct tokens *t)
{
    strlist_free(&t->words);
    strlist_free(&t->nums);
}

/* The rendering of text_scan(s): "tok tok / tok #num". */
static const char *render(const char *s)
{
    static struct tokens t;
    tokens_free(&t);
    memset(&t, 0, sizeof t);
    CHECK(text_scan(s, strlen(s), collect, &t) == 0);
    return t.render;
}

static size_t unhex(const char *hex, unsigned char *out)
{
    size_t n = 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (unsigned char)v;
    }
    return n;
}

static char *fmt4(char *buf, double d)
{
    snprintf(buf, 32, "%.4f", d);
    return buf;
}

/* ---- the spec examples ------------------------------------------------- */

static const char *shared_dir(void)
{
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

static void check_list(const char *what, const struct strlist *got, const struct json *want)
{
    int same = want && want->type == JSON_ARRAY && want->n == got->n;
    for (size_t i = 0; same && i < got->n; i++)
        same = want->items[i]->len == got->len[i] &&
               memcmp(want->items[i]->str, got->v[i], got->len[i]) == 0;
    if (!same) {
        CHECK(!"token list differs");
        fprintf(stderr, "    %s: got", what);
        for (size_t i = 0; i < got->n; i++)
            fprintf(stderr, " [%s]", got->v[i]);
        fprintf(stderr, "\n    %s: want", what);
        for (size_t i = 0; want && i < want->n; i++)
            fprintf(stderr, " [%s]", want->items[i]->str);
        fprintf(stderr, "\n");
    }
}

/* The WORDs of each sentence that has one, as the examples list them. */
static void check_sentences(const struct strlist *words, const struct json *want)
{
    REQUIRE(want && want->type == JSON_ARRAY);
    size_t s = 0, i = 0;
    int same = 1;
    while (i < words->n && same) {
        size_t j = i;
        while (j < words->n && words->sent[j] == words->sent[i])
            j++;
        const struct json *w = s < want->n ? want->items[s] : NULL;
        same = w && w->n == j - i;
        for (size_t k = 0; same && k < j - i; k++)
            same = strcmp(w->items[k]->str, words->v[i + k]) == 0;
        if (!same)
            fprintf(stderr, "    sentence %zu differs (starts with [%s])\n", s, words->v[i]);
        s++;
        i = j;
    }
    CHECK(same);
    CHECK_EQ_INT(s, want->n);
}

static void check_rate(const char *name, const struct json *want, int null, double got)
{
    char a[32], b[32];
    if (!want) {
        fprintf(stderr, "    stats.%s missing\n", name);
        CHECK(!"field missing");
        return;
    }
    if (want->type == JSON_NULL) {
        CHECK(null);
        return;
    }
    CHECK(!null);
    if (strcmp(fmt4(a, got), fmt4(b, want->num)) != 0) {
        fprintf(stderr, "    stats.%s = %s, expected %s\n", name, a, b);
        CHECK(!"rate differs");
    }
}

static void check_count(const char *name, const struct json *want, uint64_t got)
{
    if (!want || want->type != JSON_NUMBER || (uint64_t)want->num != got) {
        fprintf(stderr, "    %s = %llu, expected %g\n", name, (unsigned long long)got,
                want ? want->num : -1.0);
        CHECK(!"count differs");
    }
}

static void run_example(const struct json *ex)
{
    const struct json *hex = json_get(ex, "hex"), *opt = json_get(ex, "options");
    REQUIRE(hex && hex->type == JSON_STRING && opt);
    unsigned char *in = malloc(hex->len / 2 + 1);
    REQUIRE(in);
    size_t n = unhex(hex->str, in);
    const struct json *text = json_get(ex, "text");
    if (text)
        CHECK(text->len == n && memcmp(text->str, in, n) == 0);

    const struct json *err = json_get(ex, "error");
    if (err) {
        /* The only error the text steps give; I/O errors are main.c's. */
        CHECK_EQ_STR(err->str, "binary file");
        CHECK(text_is_binary(in, n));
        free(in);
        return;
    }
    CHECK(!text_is_binary(in, n));

    enum text_encoding mode = TEXT_ENC_AUTO;
    const struct json *enc = json_get(opt, "encoding"), *keep = json_get(opt, "keep_boilerplate");
    REQUIRE(enc && text_encoding_parse(enc->str, &mode) == 0);
    struct text_buf scratch = {0};
    struct text_clean c;
    REQUIRE(text_clean(&scratch, in, n, mode, keep && keep->type == JSON_TRUE, &c) == 0);
    CHECK_EQ_STR(c.encoding, json_get(ex, "encoding")->str);
    check_count("bad_bytes", json_get(ex, "bad_bytes"), c.bad_bytes);
    CHECK_EQ_INT(c.boilerplate, json_get(ex, "boilerplate")->type == JSON_TRUE);
    const struct json *body = json_get(ex, "body");
    if (!(body->len == c.body_len && memcmp(body->str, c.body, c.body_len) == 0)) {
        CHECK(!"body differs");
        fprintf(stderr, "    body: got [%.*s]\n    want [%s]\n", (int)c.body_len, c.body, body->str);
    }

    struct tokens t;
    memset(&t, 0, sizeof t);
    CHECK(text_scan(c.body, c.body_len, collect, &t) == 0);
    check_list("words", &t.words, json_get(ex, "words"));
    check_list("nums", &t.nums, json_get(ex, "nums"));
    check_sentences(&t.words, json_get(ex, "sentences"));

    struct wordtab *wt = wordtab_new();
    struct text_stats st;
    REQUIRE(wt);
    CHECK(text_analyze(c.body, c.body_len, wt, &st) == 0);
    const struct json *js = json_get(ex, "stats");
    check_count("words", json_get(js, "words"), st.words);
    check_count("nums", json_get(js, "nums"), st.nums);
    check_count("types", json_get(js, "types"), st.types);
    check_count("hapax", json_get(js, "hapax"), st.hapax);
    check_count("sentences", json_get(js, "sentences"), st.sentences);
    CHECK_EQ_INT(st.words, t.words.n);
    CHECK_EQ_INT(st.nums, t.nums.n);
    CHECK_EQ_INT(wordtab_size(wt), st.types);
    int null = st.words == 0;
    check_rate("ttr", json_get(js, "ttr"), null, st.ttr);
    check_rate("sentence_mean", json_get(js, "sentence_mean"), null, st.sentence_mean);
    check_rate("sentence_sd", json_get(js, "sentence_sd"), null, st.sentence_sd);
    check_rate("ly_per_10k", json_get(js, "ly_per_10k"), null, st.ly_per_10k);
    check_rate("exclam_per_100k", json_get(js, "exclam_per_100k"), null, st.exclam_per_100k);

    /* Without a table the numbers are the same. */
    struct text_stats st2;
    CHECK(text_analyze(c.body, c.body_len, NULL, &st2) == 0);
    CHECK(memcmp(&st, &st2, sizeof st) == 0);

    const struct json *counts = json_get(ex, "counts");
    REQUIRE(counts && counts->type == JSON_OBJECT);
    struct text_terms *terms;
    REQUIRE(text_terms_new(&terms, (const char *const *)counts->keys, counts->n) == 0);
    CHECK_EQ_INT(text_terms_len(terms), counts->n);
    uint64_t got[16] = {0};
    REQUIRE(counts->n <= 16);
    CHECK(text_count(terms, c.body, c.body_len, got) == 0);
    for (size_t i = 0; i < counts->n; i++) {
        CHECK_EQ_STR(text_terms_name(terms, i), counts->keys[i]);
        char name[64];
        snprintf(name, sizeof name, "counts[%s]", counts->keys[i]);
        check_count(name, counts->items[i], got[i]);
    }
    text_terms_free(terms);
    wordtab_free(wt);
    tokens_free(&t);
    text_buf_free(&scratch);
    free(in);
}

static int run_examples(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/spec/examples.jsonl", shared_dir());
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("not ok - spec_examples_found (%s)\n", path);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int cases = 0, bad = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (len <= 1)
            continue;
        struct json *ex = json_parse(line, (size_t)len);
        const struct json *name = json_get(ex, "name");
        if (!ex || !name) {
            printf("not ok - spec_example_line_%d_parses\n", cases + 1);
            bad++;
        } else {
            RUN_CASE(name->str, run_example, ex);
        }
        json_free(ex);
        cases++;
    }
    free(line);
    fclose(f);
    if (cases < 29) /* the file had 29 when these tests were written */
        printf("not ok - spec_examples_all_read (%d)\n", cases);
    return bad;
}

/* ---- section 1: encodings, BOM, line ends ------------------------------ */

struct clean_case {
    const char *in;
    size_t      n;      /* 0: strlen(in) */
    enum text_encoding mode;
    const char *body;
    const char *enc;
    size_t      bad;
};

static void check_clean(const struct clean_case *k, int keep, int boiler)
{
    struct text_buf b = {0};
    struct text_clean c;
    size_t n = k->n ? k->n : strlen(k->in);
    REQUIRE(text_clean(&b, (const unsigned char *)k->in, n, k->mode, keep, &c) == 0);
    if (!(c.body_len == strlen(k->body) && memcmp(c.body, k->body, c.body_len) == 0)) {
        CHECK(!"body differs");
        fprintf(stderr, "    input [%s]: body [%.*s], expected [%s]\n", k->in, (int)c.body_len,
                c.body, k->body);
    }
    CHECK_EQ_STR(c.encoding, k->enc);
    CHECK_EQ_INT(c.bad_bytes, k->bad);
    CHECK_EQ_INT(c.boilerplate, boiler);
    text_buf_free(&b);
}

static void test_encoding_parse(void)
{
    enum text_encoding e = TEXT_ENC_UTF8;
    CHECK(text_encoding_parse("auto", &e) == 0 && e == TEXT_ENC_AUTO);
    CHECK(text_encoding_parse("utf-8", &e) == 0 && e == TEXT_ENC_UTF8);
    CHECK(text_encoding_parse("utf8", &e) == 0 && e == TEXT_ENC_UTF8);
    CHECK(text_encoding_parse("UTF-8", &e) == 0 && e == TEXT_ENC_UTF8);
    CHECK(text_encoding_parse("latin-1", &e) == 0 && e == TEXT_ENC_LATIN1);
    CHECK(text_encoding_parse("latin1", &e) == 0 && e == TEXT_ENC_LATIN1);
    CHECK(text_encoding_parse("iso-8859-1", &e) == 0 && e == TEXT_ENC_LATIN1);
    CHECK(text_encoding_parse("utf-16", &e) == -1);
    CHECK(text_encoding_parse("", &e) == -1);
    CHECK(text_encoding_parse("utf-8 ", &e) == -1);
    CHECK(text_encoding_parse(NULL, &e) == -1);
}

static void test_binary(void)
{
    static unsigned char buf[9000];
    memset(buf, 'a', sizeof buf);
    CHECK(!text_is_binary(buf, sizeof buf));
    CHECK(!text_is_binary(buf, 0));
    buf[8191] = 0;
    CHECK(text_is_binary(buf, sizeof buf));
    CHECK(text_is_binary(buf, 8192));
    CHECK(!text_is_binary(buf, 8191));
    buf[8191] = 'a';
    buf[8192] = 0;
    CHECK(!text_is_binary(buf, sizeof buf));
    buf[0] = 0;
    CHECK(text_is_binary(buf, 1));
}

static void test_bom_and_line_ends(void)
{
    static const struct clean_case k[] = {
        {"\xEF\xBB\xBF" "abc", 0, TEXT_ENC_AUTO, "abc", "utf-8", 0},
        {"\xEF\xBB\xBF" "abc", 0, TEXT_ENC_UTF8, "abc", "utf-8", 0},
        {"\xEF\xBB\xBF" "abc", 0, TEXT_ENC_LATIN1, "abc", "latin-1", 0},
        {"\xEF\xBB\xBF" "caf\xE9", 0, TEXT_ENC_AUTO, "caf\xC3\xA9", "latin-1", 0},
        {"\xEF\xBB\xBF", 0, TEXT_ENC_AUTO, "", "utf-8", 0},
        {"\xEF\xBB\xBF\xEF\xBB\xBF" "a", 0, TEXT_ENC_AUTO, "\xEF\xBB\xBF" "a", "utf-8", 0},
        {"a\xEF\xBB\xBF", 0, TEXT_ENC_AUTO, "a\xEF\xBB\xBF", "utf-8", 0},
        {"\xEF\xBB" "a", 0, TEXT_ENC_AUTO, "\xC3\xAF\xC2\xBB" "a", "latin-1", 0},
        {"a\r\r\nb\rc\r", 0, TEXT_ENC_AUTO, "a\n\nb\nc\n", "utf-8", 0},
        {"\r\n\r\n\n\r", 0, TEXT_ENC_UTF8, "\n\n\n\n", "utf-8", 0},
        {"a\r\nb\xE9\r\n", 0, TEXT_ENC_AUTO, "a\nb\xC3\xA9\n", "latin-1", 0},
        {"\r", 0, TEXT_ENC_LATIN1, "\n", "latin-1", 0},
        {"", 0, TEXT_ENC_LATIN1, "", "latin-1", 0},
        {"", 0, TEXT_ENC_UTF8, "", "utf-8", 0},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        check_clean(&k[i], 1, 0);
}

static void test_utf8_invalid_runs(void)
{
    static const struct clean_case k[] = {
        /* truncated sequence: two invalid bytes, one U+FFFD */
        {"\xE2\x82.", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD.", "utf-8", 2},
        {"\xC0\xAF", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD", "utf-8", 2},       /* overlong */
        {"\xED\xA0\x80x", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBDx", "utf-8", 3}, /* surrogate */
        {"\xF4\x90\x80\x80", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD", "utf-8", 4}, /* > U+10FFFF */
        {"\xF5", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD", "utf-8", 1},
        {"a\xFF" "b\xFE" "c", 0, TEXT_ENC_UTF8, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c", "utf-8", 2},
        {"\xFF\r\n\xFF", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD\n\xEF\xBF\xBD", "utf-8", 2},
        /* invalid, then a valid multi-byte character, then invalid */
        {"\x80\xC3\xA9\x80\x80", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD", "utf-8", 3},
        {"\xE9t\xE9", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBDt\xEF\xBF\xBD", "utf-8", 2},
        {"\xE9t\xE9", 0, TEXT_ENC_AUTO, "\xC3\xA9t\xC3\xA9", "latin-1", 0},
        {"\xE9t\xE9", 0, TEXT_ENC_LATIN1, "\xC3\xA9t\xC3\xA9", "latin-1", 0},
        /* valid UTF-8 forced to latin-1 */
        {"\xC3\xA9", 0, TEXT_ENC_LATIN1, "\xC3\x83\xC2\xA9", "latin-1", 0},
        /* a whole file of valid UTF-8 with every length of sequence */
        {"\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", 0,
         TEXT_ENC_AUTO, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
         "utf-8", 0},
        /* one bad byte at the very end turns the whole file to latin-1 */
        {"caf\xC3\xA9 \xC3", 0, TEXT_ENC_AUTO, "caf\xC3\x83\xC2\xA9 \xC3\x83", "latin-1", 0},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        check_clean(&k[i], 1, 0);
    /* NUL bytes are decoded like any other (binary is checked apart) */
    struct text_buf b = {0};
    struct text_clean c;
    CHECK(text_clean(&b, (const unsigned char *)"a\0b", 3, TEXT_ENC_AUTO, 1, &c) == 0);
    CHECK(c.body_len == 3 && memcmp(c.body, "a\0b", 3) == 0);
    text_buf_free(&b);
}

/* Long inputs: the eight-at-a-time copy, growth of the buffer. */
static void test_clean_long(void)
{
    size_t n = 100003;
    unsigned char *in = malloc(n);
    REQUIRE(in);
    for (size_t i = 0; i < n; i++)
        in[i] = (i % 97 == 0) ? 0xFF : (i % 13 == 0) ? '\r' : (unsigned char)('a' + i % 26);
    struct text_buf b = {0};
    struct text_clean c;
    REQUIRE(text_clean(&b, in, n, TEXT_ENC_UTF8, 1, &c) == 0);
    size_t bad = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == 0xFF) {
            bad++;
            len += 3;
        } else {
            len++;
        }
    }
    CHECK_EQ_INT(c.bad_bytes, bad);
    CHECK_EQ_INT(c.body_len, len);
    REQUIRE(text_clean(&b, in, n, TEXT_ENC_LATIN1, 1, &c) == 0);
    CHECK_EQ_INT(c.body_len, n + bad);
    REQUIRE(text_clean(&b, in, n, TEXT_ENC_AUTO, 1, &c) == 0);
    CHECK_EQ_STR(c.encoding, "latin-1");
    text_buf_free(&b);
    free(in);
}

/* ---- section 1.3: NFC --------------------------------------------------- */

/* text_clean(keep) of s must equal utf8proc's NFC of the decoded text. */
static int nfc_agrees(const char *s, size_t n)
{
    struct text_buf b = {0}, d = {0};
    struct text_clean c, dc;
    int ok = 0;
    if (text_clean(&b, (const unsigned char *)s, n, TEXT_ENC_UTF8, 1, &c) == 0 &&
        text__decode(&d, (const unsigned char *)s, n, TEXT_ENC_UTF8, &dc) >= 0) {
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)dc.body, (utf8proc_ssize_t)dc.body_len,
                                          &want, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        ok = k >= 0 && (size_t)k == c.body_len && memcmp(want, c.body, c.body_len) == 0;
        free(want);
    }
    text_buf_free(&b);
    text_buf_free(&d);
    return ok;
}

static void test_nfc_cases(void)
{
    static const struct clean_case k[] = {
        {"cafe\xCC\x81", 0, TEXT_ENC_AUTO, "caf\xC3\xA9", "utf-8", 0},
        {"\xE2\x84\xAB", 0, TEXT_ENC_AUTO, "\xC3\x85", "utf-8", 0},              /* U+212B */
        {"\xE0\xA5\x98", 0, TEXT_ENC_AUTO, "\xE0\xA4\x95\xE0\xA4\xBC", "utf-8", 0}, /* U+0958 */
        {"\xE1\x84\x80\xE1\x85\xA1", 0, TEXT_ENC_AUTO, "\xEA\xB0\x80", "utf-8", 0}, /* jamo */
        {"a\xCC\xA3\xCC\x82", 0, TEXT_ENC_AUTO, "\xE1\xBA\xAD", "utf-8", 0},        /* U+1EAD */
        {"a\xCC\x82\xCC\xA3", 0, TEXT_ENC_AUTO, "\xE1\xBA\xAD", "utf-8", 0},
        {"\xCC\x81" "a", 0, TEXT_ENC_AUTO, "\xCC\x81" "a", "utf-8", 0},
        {"\xE2\x80\x99tis", 0, TEXT_ENC_AUTO, "\xE2\x80\x99tis", "utf-8", 0},
        {"x\nA\xCC\x8A", 0, TEXT_ENC_UTF8, "x\n\xC3\x85", "utf-8", 0},
        /* decomposed in latin-1 mode: bytes, not characters */
        {"e\xCC\x81", 0, TEXT_ENC_LATIN1, "e\xC3\x8C\xC2\x81", "latin-1", 0},
        /* the replacement character does not compose */
        {"\xFF\xCC\x81", 0, TEXT_ENC_UTF8, "\xEF\xBF\xBD\xCC\x81", "utf-8", 1},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        check_clean(&k[i], 1, 0);
    static const char *diff[] = {
        "e\xCC\x81\xCC\x81\xCC\xA3 \xC3\xA9\xCC\x81x\xE2\x84\xAB\xCC\x81",
        "\xE0\xAF\x86\xE0\xAE\xBE",             /* Tamil o: two ccc=0 marks compose */
        "\xE0\xA7\x87\xE0\xA6\xBE",             /* Bengali o */
        "\xEA\xB0\x80\xE1\x86\xA8",             /* LV + T */
        "\xCD\x84\xE0\xBD\xB3\xE0\xBD\xB5",     /* non-starter decompositions */
        "\xEF\xAC\xAA\xEF\xAC\xAB abc",          /* excluded Hebrew */
    };
    for (size_t i = 0; i < sizeof diff / sizeof diff[0]; i++)
        CHECK(nfc_agrees(diff[i], strlen(diff[i])));
}

/* Every code point between letters and marks, and every composite in its
 * decomposed form: the fast path must agree with utf8proc everywhere. */
static void test_nfc_every_code_point(void)
{
    int bad = 0;
    for (int32_t cp = 0x80; cp <= 0x10FFFF && bad < 5; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        char s[32];
        size_t n = 0;
        s[n++] = 'A';
        n += text__utf8_encode(cp, s + n);
        memcpy(s + n, "\xCC\x81" "a", 3);
        n += 3;
        n += text__utf8_encode(cp, s + n);
        if (!nfc_agrees(s, n)) {
            fprintf(stderr, "    U+%04X: NFC differs\n", (unsigned)cp);
            bad++;
        }
        utf8proc_int32_t dec[16];
        int bound = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char(cp, dec, 16, UTF8PROC_DECOMPOSE, &bound);
        if (k >= 2 && k <= 16) {
            n = 0;
            for (utf8proc_ssize_t j = 0; j < k; j++)
                n += text__utf8_encode(dec[j], s + n);
            if (!nfc_agrees(s, n)) {
                fprintf(stderr, "    decomposed U+%04X: NFC differs\n", (unsigned)cp);
                bad++;
            }
        }
    }
    CHECK(bad == 0);
}

/* Line ends at every offset of the 16-byte copy: CR LF, lone CRs, CR CR
 * LF, a CR last, among ASCII and a few 2-byte letters, against the rule
 * of spec 1.2 applied byte by byte. */
static void test_clean_line_ends_random(void)
{
    static const char *alpha[] = { "a", "b", " ", "\r\n", "\r", "\n", "\r\r\n", "\xC3\xA9" };
    uint32_t x = 777;
    int bad = 0;
    struct text_buf scratch = {0};
    for (int round = 0; round < 4000 && bad < 5; round++) {
        char in[256], want[256];
        size_t n = 0, m = 0;
        x = x * 1103515245u + 12345u;
        size_t len = (x >> 16) % 120;
        while (n < len) {
            x = x * 1103515245u + 12345u;
            const char *p = alpha[(x >> 16) % (sizeof alpha / sizeof alpha[0])];
            memcpy(in + n, p, strlen(p));
            n += strlen(p);
        }
        for (size_t i = 0; i < n; i++) {
            if (in[i] == '\r') {
                want[m++] = '\n';
                if (i + 1 < n && in[i + 1] == '\n')
                    i++;
            } else {
                want[m++] = in[i];
            }
        }
        struct text_clean c;
        REQUIRE(text_clean(&scratch, (const unsigned char *)in, n, TEXT_ENC_UTF8, 1, &c) == 0);
        if (c.body_len != m || memcmp(c.body, want, m) != 0) {
            CHECK(!"line ends differ");
            fprintf(stderr, "    %zu bytes in, %zu out, %zu expected\n", n, c.body_len, m);
            bad++;
        }
    }
    text_buf_free(&scratch);
}

/* A pseudo-random mix of the characters NFC cares about. */
static void test_nfc_random_mix(void)
{
    static const char *alpha[] = {
        "a", "e", "A", " ", "\n", "\xC3\xA9", "\xCC\x81", "\xCC\xA3", "\xCC\x82", "\xCC\x8A",
        "\xE2\x84\xAB", "\xE0\xA5\x98", "\xE1\x84\x80", "\xE1\x85\xA1", "\xE1\x86\xA8",
        "\xEA\xB0\x80", "\xE0\xAF\x86", "\xE0\xAE\xBE", "\xE2\x80\x99", "\xC3\x85", "\xCD\x84",
        "\xE0\xBD\xB3", "\xEF\xBF\xBD", "\xE3\x82\xAB", "\xE3\x82\x99", "\xF0\x9D\x85\x9E",
    };
    uint32_t x = 12345;
    int bad = 0;
    for (int round = 0; round < 20000 && bad < 5; round++) {
        char s[256];
        size_t n = 0;
        x = x * 1103515245u + 12345u;
        int len = (int)(x >> 16) % 12 + 1;
        for (int i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            const char *p = alpha[(x >> 16) % (sizeof alpha / sizeof alpha[0])];
            memcpy(s + n, p, strlen(p));
            n += strlen(p);
        }
        if (!nfc_agrees(s, n)) {
            fprintf(stderr, "    NFC differs on [%.*s]\n", (int)n, s);
            bad++;
        }
    }
    CHECK(bad == 0);
}

/* ---- section 1.4: boilerplate ----------------------------------------- */

struct bp_case {
    const char *in;
    const char *body;
    int         boiler;
};

static void test_boilerplate(void)
{
    static const struct bp_case k[] = {
        {"h\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\nbody\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\nf\n",
         "body\n", 1},
        /* no marker, only an end marker, a start without PROJECT GUTENBERG */
        {"just text\n", "just text\n", 0},
        {"a\n*** END OF THE PROJECT GUTENBERG EBOOK\nb", "a\n*** END OF THE PROJECT GUTENBERG EBOOK\nb", 0},
        {"*** START OF THE EBOOK\nb", "*** START OF THE EBOOK\nb", 0},
        /* start without end: to the end; start on the last line: empty */
        {"*** START OF PROJECT GUTENBERG\nb\nc", "b\nc", 1},
        {"x\n*** START OF PROJECT GUTENBERG", "", 1},
        {"x\n*** START OF PROJECT GUTENBERG\n", "", 1},
        /* case, spaces and tabs around ***, the marker on the first line */
        {" \t***\t start of the project gutenberg ebook\nb\n", "b\n", 1},
        {"***START OF Project Gutenberg's\nb\n", "b\n", 1},
        /* START  OF with two spaces, or text before ***: not markers */
        {"***  START  OF PROJECT GUTENBERG\nb\n", "***  START  OF PROJECT GUTENBERG\nb\n", 0},
        {"x *** START OF PROJECT GUTENBERG\nb\n", "x *** START OF PROJECT GUTENBERG\nb\n", 0},
        {"**** START OF PROJECT GUTENBERG\nb\n", "**** START OF PROJECT GUTENBERG\nb\n", 0},
        {"*** *** START OF PROJECT GUTENBERG\nb\n", "*** *** START OF PROJECT GUTENBERG\nb\n", 0},
        /* PROJECT GUTENBERG before START OF on the line cannot be: *** starts it;
         * but it may come anywhere after */
        {"*** START OF THIS EBOOK (PROJECT GUTENBERG)\nb\n", "b\n", 1},
        /* PROJECT GUTENBERG split over two lines is not on the marker line */
        {"*** START OF THE PROJECT\nGUTENBERG EBOOK\nb\n", "*** START OF THE PROJECT\nGUTENBERG EBOOK\nb\n", 0},
        /* the first start marker counts; a second one is body */
        {"*** START OF PG PROJECT GUTENBERG\nb\n*** START OF PROJECT GUTENBERG\nc\n",
         "b\n*** START OF PROJECT GUTENBERG\nc\n", 1},
        /* an end marker before the start marker is not an end */
        {"*** END OF PROJECT GUTENBERG\n*** START OF PROJECT GUTENBERG\nb\n*** END OF PROJECT GUTENBERG\n",
         "b\n", 1},
        /* the body ends where the end-marker line begins (its indent too) */
        {"*** START OF PROJECT GUTENBERG\nb\n  \t*** end of project gutenberg\nc", "b\n", 1},
        /* an end marker without PROJECT GUTENBERG is body */
        {"*** START OF PROJECT GUTENBERG\nb\n*** END OF CHAPTER\nc", "b\n*** END OF CHAPTER\nc", 1},
        /* end marker right after the start marker: empty body */
        {"*** START OF PROJECT GUTENBERG\n*** END OF PROJECT GUTENBERG\n", "", 1},
        /* CR LF line ends become LF first */
        {"h\r\n*** START OF PROJECT GUTENBERG\r\nb\r\n*** END OF PROJECT GUTENBERG\r\n", "b\n", 1},
        {"h\r*** START OF PROJECT GUTENBERG\rb\r*** END OF PROJECT GUTENBERG\r", "b\n", 1},
        /* the marker is found after NFC too */
        {"e\xCC\x81\n*** START OF PROJECT GUTENBERG\nb\xCC\x81\n", "b\xCC\x81\n", 1},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct clean_case c = {k[i].in, 0, TEXT_ENC_AUTO, k[i].body, "utf-8", 0};
        check_clean(&c, 0, k[i].boiler);
        /* --keep-boilerplate: the whole text, never boilerplate */
        struct text_buf b = {0};
        struct text_clean o;
        CHECK(text_clean(&b, (const unsigned char *)k[i].in, strlen(k[i].in), TEXT_ENC_AUTO, 1, &o) == 0);
        CHECK(o.boilerplate == 0);
        CHECK(!strchr(k[i].in, '\r') ? o.body_len >= strlen(k[i].in) - 2 : 1);
        text_buf_free(&b);
    }
}

/* ---- section 2: tokens -------------------------------------------------- */

struct tok_case {
    const char *in;
    const char *want;
};

/* s with lead spaces in front and each space stretched to r: spaces are
 * separators that no rule counts, so the tokens and sentences must stay the
 * same wherever the scanner's 16- and 64-byte windows now fall. */
static char *stretched(const char *s, size_t lead, size_t r)
{
    size_t n = strlen(s), sp = 0;
    for (size_t i = 0; i < n; i++)
        sp += s[i] == ' ';
    char *o = malloc(lead + n + sp * r + 1), *d = o;
    if (!o)
        abort();
    memset(d, ' ', lead);
    d += lead;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            memset(d, ' ', r);
            d += r;
        } else {
            *d++ = s[i];
        }
    }
    *d = '\0';
    return o;
}

static void check_renders(const struct tok_case *k, size_t n)
{
    static const size_t leads[] = {0, 1, 15, 16, 17, 47, 63, 64, 65, 79, 80};
    static const size_t runs[] = {1, 2, 7, 16};
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < sizeof leads / sizeof leads[0]; a++) {
            for (size_t b = 0; b < sizeof runs / sizeof runs[0]; b++) {
                char *in = stretched(k[i].in, leads[a], runs[b]);
                const char *got = render(in);
                if (strcmp(got, k[i].want) != 0) {
                    CHECK(!"tokens differ");
                    fprintf(stderr, "    [%s] (%zu spaces in front, spaces x%zu): got [%s], "
                            "expected [%s]\n", k[i].in, leads[a], runs[b], got, k[i].want);
                }
                free(in);
                if (strchr(k[i].in, ' ') == NULL)
                    break; /* nothing to stretch */
            }
        }
    }
}

static void test_tokens(void)
{
    static const struct tok_case k[] = {
        {"", ""},
        {"a", "a"},
        {"a'b a''b 'a' a' 'a", "a'b a b a a a"},
        {"a\xE2\x80\x99" "b a\xCA\xBC" "b a\xE2\x80\x98" "b", "a'b a'b a b"},
        {"\xCA\xBC" "tis", "tis"},
        {"rock'n'roll o'1 5'6", "rock'n'roll o'1 #5'6"},
        {"1,000.5 1,,2 1..2 .5 5. a.5 5.a x1,2 1.a", "#1,000.5 #1 #2 #1 #2 #5 #5 a #5 #5 a x1,2 #1 a"},
        {"1,a a,1 1.2.3.4", "#1 a a #1 #1.2.3.4"},
        {"well-known snake_case a\xE2\x80\x94" "b", "well known snake case a b"},
        {"ABC D\xC3\x89" "F \xC3\x9F \xCE\xA3\xCE\x91\xCE\xA3", "abc d\xC3\xA9" "f \xC3\x9F \xCF\x83\xCE\xB1\xCF\x83"},
        {"\xC4\xB0stanbul \xE1\xBA\x9E \xC7\x85", "istanbul \xC3\x9F \xC7\x86"},
        /* marks: after a letter or digit they are letters, else separators */
        {"e\xCC\x81 \xCC\x81" "a 5\xCC\x81 a'\xCC\x81" "b", "e\xCC\x81 a 5\xCC\x81 a b"},
        /* invalid bytes separate */
        {"a\xFF" "b c\xC3", "a b c"},
        /* U+0660 ARABIC-INDIC DIGIT ZERO is Nd; superscript two is No */
        {"\xD9\xA0\xD9\xA1 x\xC2\xB2", "#\xD9\xA0\xD9\xA1 x"},
        /* Lm and Lo letters, a Roman numeral (Nl) separates */
        {"\xCA\xB0" "a \xE4\xB8\xAD\xE6\x96\x87 a\xE2\x85\xAB" "b", "\xCA\xB0" "a \xE4\xB8\xAD\xE6\x96\x87 a b"},
    };
    check_renders(k, sizeof k / sizeof k[0]);
}

/* A mark that follows a LETTER or DIGIT is a LETTER, so an APOS
 * after it joins when a LETTER or DIGIT follows (a mark after the APOS is
 * a separator, and does not).  Every scanner level. */
#define DEVA "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87" /* ends in a mark */
#define QDOT "q\xCC\x87"                                                                 /* q, U+0307 */
static void test_mark_apos(void)
{
    static const struct tok_case k[] = {
        {"A " DEVA "'s word, and " QDOT "'s too.", "a " DEVA "'s word and " QDOT "'s too"},
        {DEVA "\xE2\x80\x99s " DEVA "\xCA\xBCs " QDOT "\xE2\x80\x99" "T", DEVA "'s " DEVA "'s " QDOT "'t"},
        /* then a DIGIT, another marked word */
        {DEVA "'80s " QDOT "'1", DEVA "'80s " QDOT "'1"},
        {DEVA "'" DEVA " " QDOT "'" QDOT "'" DEVA, DEVA "'" DEVA " " QDOT "'" QDOT "'" DEVA},
        /* two marks in a row, then three */
        {"e\xCC\x81\xCC\x82's q\xCC\x87\xCC\xA3\xCC\x88'9", "e\xCC\x81\xCC\x82's q\xCC\x87\xCC\xA3\xCC\x88'9"},
        /* a mark after a DIGIT is a LETTER: the token is a WORD, an APOS
         * after it joins, . and , do not (a LETTER is on their left) */
        {"5\xCC\x81's 5\xCC\x81'5 5\xCC\x81.5 5\xCC\x81,5 5\xCC\x81\xCC\x82's",
         "5\xCC\x81's 5\xCC\x81'5 5\xCC\x81 #5 5\xCC\x81 #5 5\xCC\x81\xCC\x82's"},
        /* an APOS that has no LETTER or DIGIT after it is dropped */
        {QDOT "' " QDOT "'' s " QDOT "'\xCC\x87s " QDOT "'-s " QDOT "'", QDOT " " QDOT " s " QDOT " s " QDOT " s " QDOT},
        /* sentences around them */
        {"Go " DEVA "'s. Then " QDOT "'s! 5\xCC\x81's", "go " DEVA "'s / then " QDOT "'s / 5\xCC\x81's"},
    };
    for (int level = -1; level <= 1; level++) {
        int old = text__scan_level(level), fails = check_fails_;
        check_renders(k, sizeof k / sizeof k[0]);
        text__scan_level(old);
        if (check_fails_ != fails)
            fprintf(stderr, "    (the failures above at scan level %d)\n", level);
    }
}

static void test_token_flags(void)
{
    static const struct {
        const char *in;
        int         is_word, letters_only, capitalised;
        size_t      cps;
    } k[] = {
        {"Don't", 1, 0, 1, 5},
        {"quickly", 1, 1, 0, 7},
        {"12ly", 1, 0, 0, 4},
        {"1,000", 0, 0, 0, 5},
        {"\xC3\x89t\xC3\xA9", 1, 1, 1, 3},
        {"\xC7\x85ungla", 1, 1, 1, 6},  /* Lt */
        {"e\xCC\x81", 1, 1, 0, 2},       /* a mark is a LETTER */
        {"5\xCC\x81", 1, 0, 0, 2},
        {"\xCA\xB0x", 1, 1, 0, 2},       /* Lm is not capitalised */
        {"'Tis", 1, 1, 1, 3},            /* the first code point in the token */
        {DEVA "'s", 1, 0, 0, 8},         /* a mark, an APOS: a WORD, not letters only */
        {"5\xCC\x81'5", 1, 0, 0, 4},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        struct tokens t;
        memset(&t, 0, sizeof t);
        CHECK(text_scan(k[i].in, strlen(k[i].in), collect, &t) == 0);
        CHECK(t.any);
        CHECK_EQ_INT(t.first.is_word, k[i].is_word);
        CHECK_EQ_INT(t.first.letters_only, k[i].letters_only);
        CHECK_EQ_INT(t.first.capitalised, k[i].capitalised);
        CHECK_EQ_INT(t.first.cps, k[i].cps);
        tokens_free(&t);
    }
}

static int stop_at_second(void *ctx, const struct text_token *tok)
{
    (void)tok;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_scan_stops(void)
{
    int n = 0;
    CHECK(text_scan("a b c d", 7, stop_at_second, &n) == 42);
    CHECK_EQ_INT(n, 2);
}

/* A token longer than any buffer guess. */
static void test_long_token(void)
{
    size_t n = 200000;
    char *s = malloc(n + 1);
    REQUIRE(s);
    /* "ÉA" repeated: É is two bytes (0xC3 0x89) */
    for (size_t i = 0; i + 3 <= n; i += 3) {
        s[i] = (char)0xC3;
        s[i + 1] = (char)0x89;
        s[i + 2] = 'A';
    }
    n -= n % 3;
    struct tokens t;
    memset(&t, 0, sizeof t);
    CHECK(text_scan(s, n, collect, &t) == 0);
    REQUIRE(t.words.n == 1);
    CHECK_EQ_INT(t.words.len[0], n);
    CHECK(memcmp(t.words.v[0], "\xC3\xA9" "a", 3) == 0);
    struct text_stats st;
    CHECK(text_analyze(s, n, NULL, &st) == 0);
    CHECK_EQ_INT(st.words, 1);
    tokens_free(&t);
    free(s);
}

/* Tokens of every length from 1 to 40, at every offset in a 16-byte
 * window, ended by each thing that may or may not continue them: the
 * scanner reads short plain tokens 16 bytes at a time and hands the rest
 * to its general path, and both must agree. */
static void test_token_lengths(void)
{
    static const struct {
        const char *after, *want; /* want: what follows the word in the rendering */
    } f[] = {
        {" z", " z"},
        {". z", " z"},
        {", z", " z"},
        {"'s z", "'s z"},
        {"\xE2\x80\x99s z", "'s z"},
        {"' z", " z"},
        {"-x z", " x z"},
        {"\xCC\x81 z", "\xCC\x81 z"},
        {"\xC3\x89 z", "\xC3\xA9 z"},
        {"\xE2\x80\x94z", " z"},
        {".5 z", " #5 z"},
        {",5 z", " #5 z"},
        {"_ z", " z"},
        {"", ""},
    };
    char in[512], want[512], word[64];
    for (size_t len = 1; len <= 40; len++) {
        for (size_t k = 0; k < len; k++)
            word[k] = (char)((k % 3 == 1 ? 'A' : 'a') + (int)(k % 26));
        word[len] = '\0';
        for (size_t lead = 0; lead < 17; lead++) {
            for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
                snprintf(in, sizeof in, "%*s%s%s", (int)lead, "", word, f[i].after);
                size_t w = 0;
                for (size_t k = 0; k < len; k++)
                    want[w++] = (char)(word[k] | 0x20);
                snprintf(want + w, sizeof want - w, "%s", f[i].want);
                const char *got = render(in);
                if (strcmp(got, want) != 0) {
                    CHECK(!"tokens differ");
                    fprintf(stderr, "    [%s]: got [%s], expected [%s]\n", in, got, want);
                }
            }
        }
    }
    /* digits: a joiner between two digits joins, else separates */
    for (size_t len = 1; len <= 40; len++) {
        char num[64];
        for (size_t k = 0; k < len; k++)
            num[k] = (char)('0' + (int)(k % 10));
        num[len] = '\0';
        snprintf(in, sizeof in, "x %s,5 %s.5 %s,a %s. A", num, num, num, num);
        snprintf(want, sizeof want, "x #%s,5 #%s.5 #%s a #%s / a", num, num, num, num);
        const char *got = render(in);
        if (strcmp(got, want) != 0) {
            CHECK(!"tokens differ");
            fprintf(stderr, "    [%s]: got [%s], expected [%s]\n", in, got, want);
        }
    }
}

static int stop_at_300(void *ctx, const struct text_token *tok)
{
    size_t *n = ctx;
    char want[16];
    snprintf(want, sizeof want, "w%zu", *n);
    if (tok->len != strlen(want) || memcmp(tok->text, want, tok->len) != 0)
        return -1;
    return ++*n == 300 ? 7 : 0;
}

/* Tokens go out in batches: the callback still sees them one by one, in
 * order, and a stop in the middle of a batch stops there. */
static void test_scan_batches(void)
{
    char *s = malloc(1000 * 8);
    REQUIRE(s);
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)sprintf(s + n, "W%d ", i);
    size_t seen = 0;
    CHECK(text_scan(s, n, stop_at_300, &seen) == 7);
    CHECK_EQ_INT(seen, 300);
    free(s);
    /* The sentence rules that look back at the last token or ahead to the
     * next, wherever a batch ends. */
    for (size_t before = TEXT__BATCH - 4; before <= TEXT__BATCH + 4; before++) {
        char in[2048], want[2048];
        size_t a = 0, b = 0;
        for (size_t i = 0; i < before; i++) {
            a += (size_t)snprintf(in + a, sizeof in - a, "x ");
            b += (size_t)snprintf(want + b, sizeof want - b, "x ");
        }
        snprintf(in + a, sizeof in - a, "Mr. Smith. No. 5 J. Doe. No. Then I. End");
        snprintf(want + b, sizeof want - b, "mr smith / no #5 j doe / no / then i / end");
        const char *got = render(in);
        if (strcmp(got, want) != 0) {
            CHECK(!"tokens differ");
            fprintf(stderr, "    %zu words before: got [%s]\n", before, got);
        }
    }
}

/* Every field of every token, folded into one number. */
static int digest_token(void *ctx, const struct text_token *tok)
{
    uint64_t *h = ctx;
    uint64_t v[] = {tok->len, (uint64_t)tok->is_word, (uint64_t)tok->letters_only, tok->cps,
                    (uint64_t)tok->capitalised, tok->sentence};
    for (size_t i = 0; i < tok->len; i++)
        *h = (*h ^ (unsigned char)tok->text[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *h = (*h ^ v[i]) * 0x100000001b3ull;
    return 0;
}

/* The classifiers (portable, AVX2, AVX-512BW where the CPU has them) give
 * the same tokens, on texts made of the pieces that stop a plain token,
 * put at every offset around the 64-byte blocks and their 48-byte windows. */
static void test_scan_levels(void)
{
    static const char *const piece[] = {
        "a", "Ab", " ", "  ", "\n", "\n \n", "\r\n", ".", "!", "?", ",", "'", "-", "_",
        "1", "9,5", "3.5", "x1,2", "No. 5", "Mr. X", "I. Then", "don't", "\xE2\x80\x99",
        "\xC3\xA9", "e\xCC\x81", "\xE2\x80\xA6", "\xFF", "\xC3", "abcdefghijklmno",
        "abcdefghijklmnop", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "Ly", "only", "happily",
    };
    enum { NP = sizeof piece / sizeof piece[0] };
    uint64_t seed = 1;
    char *s = malloc(70000);
    REQUIRE(s);
    int bad = 0;
    for (int round = 0; round < 400; round++) {
        size_t n = 0, want = round < 300 ? (size_t)round * 3 : 60000;
        while (n < want) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            const char *p = piece[(seed >> 33) % NP];
            size_t k = strlen(p);
            memcpy(s + n, p, k);
            n += k;
        }
        uint64_t h[3];
        for (int level = -1; level <= 1; level++) {
            int old = text__scan_level(level);
            h[level + 1] = 0xcbf29ce484222325ull;
            CHECK(text_scan(s, n, digest_token, &h[level + 1]) == 0);
            text__scan_level(old);
        }
        bad += h[0] != h[1] || h[0] != h[2];
    }
    CHECK_EQ_INT(bad, 0);
    free(s);
}

/* ---- section 3: sentences ------------------------------------------------ */

static void test_sentences(void)
{
    static const struct tok_case k[] = {
        {"Hello. world", "hello world"},
        {"Hello.World", "hello world"},
        {"Hello. World", "hello / world"},
        {"Hello.\xC2\xA0World", "hello / world"},             /* NBSP */
        {"Hello.\xE3\x80\x80World", "hello / world"},         /* ideographic space */
        {"Hello.\xE2\x80\xA8World", "hello / world"},         /* LINE SEPARATOR */
        {"Hello.\xC2\x85World", "hello / world"},             /* NEL */
        {"Hello.\xE2\x80\x8BWorld", "hello world"},           /* ZWSP is not White_Space */
        {"Hello.\x0BWorld", "hello / world"},                 /* VT */
        {"Hello. \xC7\x85x", "hello / \xC7\x86x"},            /* Lt starts one */
        {"Hello. \xCA\xB0x", "hello \xCA\xB0x"},              /* Lm does not */
        {"Hello. \xD9\xA1 x", "hello / #\xD9\xA1 x"},         /* any Nd */
        {"Wait\xE2\x80\xA6 Then", "wait / then"},
        {"Wait\xE2\x80\xA6. Then", "wait / then"},
        {"Ok... and", "ok and"},
        {"Yes?! 3 more", "yes / #3 more"},
        {"end._ _Then", "end / then"},
        {"He said \"Go.\" Then", "he said go / then"},
        {"(End.) [Next]", "end / next"},
        {"a.) \xE2\x80\x9C\xE2\x80\x98(Then", "a / then"},
        {"a.\xE2\x80\x9D Then", "a / then"},
        {"a. - Then", "a then"},                          /* a dash is no opener */
        {"a. \xC2\xA1Hola", "a hola"},
        {"a.- Then", "a then"},                           /* nor a closer */
        {"a. \n Then", "a / then"},
        {"a.", "a"},
        {"a.  ", "a"},
        /* blank lines */
        {"a\nb", "a b"},
        {"a\n\nb", "a / b"},
        {"a\n \t \nb", "a / b"},
        {"a\n\xC2\xA0\nb", "a b"},
        {"a \n\n\n\n b", "a / b"},
        {"a\n\x0B\nb", "a b"},
        /* initials */
        {"J. Smith", "j smith"},
        {"J.R.R. Tolkien", "j r r tolkien"},
        {"I. Then", "i / then"},
        {"It was I. Then", "it was i / then"},
        {"A. Then", "a then"},
        {"a. Then", "a / then"},
        {"\xC3\x89. Then", "\xC3\xA9 then"},
        {"\xC7\x85. Then", "\xC7\x86 then"},
        {"AB. Then", "ab / then"},
        {"J.. Smith", "j / smith"},
        {"J! Smith", "j / smith"},
        {"J . Smith", "j / smith"},
        {"5. Then", "#5 / then"},
        /* abbreviations */
        {"Mr. Smith", "mr smith"},
        {"MRS. Smith", "mrs smith"},
        {"etc. The", "etc the"},
        {"Capt. Hon. Prof. Sgt. Lt. Gen. Col. Rev. Esq. Viz. Vol. Vs. Mt. Sr. Jr. St. Dr. Ms. X",
         "capt hon prof sgt lt gen col rev esq viz vol vs mt sr jr st dr ms x"},
        {"Mr . Smith", "mr / smith"},
        {"Mr.. Smith", "mr / smith"},
        {"Mr? Smith", "mr / smith"},
        {"Mrs'. Smith", "mrs / smith"},
        {"Mister. Smith", "mister / smith"},
        {"Esq.\n\nSmith", "esq / smith"},                 /* a blank line still ends it */
        /* no + NUM */
        {"No. 5", "no #5"},
        {"no. 12 here", "no #12 here"},
        {"No. 5th", "no / 5th"},
        {"No. Then", "no / then"},
        {"No. (5) x", "no #5 x"},
        {"No.\n\n5 x", "no / #5 x"},
        {"No! 5", "no / #5"},
        {"Nos. 5", "nos / #5"},
        {"No. 5. Then", "no #5 / then"},
    };
    check_renders(k, sizeof k / sizeof k[0]);
}

/* Sentences without WORDs are dropped; lengths count WORDs only. */
static void test_sentence_stats(void)
{
    struct text_stats st;
    const char *s = "1. 2. 3. A b c. 4. D e.";
    CHECK(text_analyze(s, strlen(s), NULL, &st) == 0);
    CHECK_EQ_INT(st.sentences, 2);
    CHECK_EQ_INT(st.words, 5);
    CHECK_EQ_INT(st.nums, 4);
    char a[32];
    CHECK_EQ_STR(fmt4(a, st.sentence_mean), "2.5000");
    CHECK_EQ_STR(fmt4(a, st.sentence_sd), "0.5000");
    s = "One two three. Four. Five six seven eight nine ten.";
    CHECK(text_analyze(s, strlen(s), NULL, &st) == 0);
    CHECK_EQ_INT(st.sentences, 3);
    CHECK_EQ_STR(fmt4(a, st.sentence_mean), "3.3333");
    CHECK_EQ_STR(fmt4(a, st.sentence_sd), "2.0548");
    CHECK(text_analyze("", 0, NULL, &st) == 0);
    CHECK_EQ_INT(st.words, 0);
    CHECK_EQ_INT(st.sentences, 0);
    CHECK(st.ttr == 0 && st.sentence_mean == 0 && st.sentence_sd == 0);
}

/* ---- section 4: metrics -------------------------------------------------- */

static void test_ly(void)
{
    static const struct {
        const char *w;
        size_t      cps;
        int         letters_only, want;
    } k[] = {
        {"quickly", 7, 1, 1}, {"ably", 4, 1, 1},      {"idly", 4, 1, 1},
        {"fly", 3, 1, 0},     {"ly", 2, 1, 0},        {"only", 4, 1, 0},
        {"holy", 4, 1, 0},    {"o'reilly", 8, 0, 0},  {"12ly", 4, 0, 0},
        {"family", 6, 1, 0},  {"quick", 5, 1, 0},     {"\xC3\xA9\xC3\xA9ly", 4, 1, 1},
        {"lyly", 4, 1, 1},    {"reallyy", 7, 1, 0},   {"yearly", 6, 1, 0},
        {"ally", 4, 1, 0},    {"allyy", 5, 1, 0},     {"zzly", 4, 1, 1},
    };
    char pad[64];
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        CHECK_EQ_INT(text_is_ly_adverb(k[i].w, strlen(k[i].w), k[i].cps, k[i].letters_only),
                     k[i].want);
        memset(pad, 0, sizeof pad);
        memcpy(pad, k[i].w, strlen(k[i].w));
        CHECK_EQ_INT(text__ly_adverb16(pad, strlen(k[i].w), k[i].cps, k[i].letters_only),
                     k[i].want);
    }
    /* Every NON_LY word is found (this also proves the list is sorted). */
    static const char *non_ly =
        "ally anomaly apply assembly belly bully burly butterfly comely comply costly "
        "cowardly curly daily dally deadly disorderly dolly dragonfly early earthly elderly "
        "emily family fly folly friendly ghastly ghostly gully heavenly holly holy homely "
        "hourly imply italy jelly jolly july kelly kindly likely lily lively lonely lovely "
        "manly melancholy molly monopoly monthly multiply nelly nightly only orderly polly "
        "rally rely reply sally scholarly sickly silly sly stately sully supply surly tally "
        "ugly unfriendly unlikely weekly wily womanly worldly yearly";
    const char *p = non_ly;
    int words = 0;
    int differ = 0;
    while (*p) {
        size_t n = strcspn(p, " ");
        CHECK(!text_is_ly_adverb(p, n, n, 1));
        /* text__ly_adverb16 agrees on the word, on it with a letter more
         * before or after it, and on it cut short by its first letter */
        static const char *const around[][2] = {{"", ""}, {"a", ""}, {"z", ""}, {"", "ly"}};
        for (size_t a = 0; a < 4; a++) {
            memset(pad, 0, sizeof pad);
            int m = snprintf(pad, sizeof pad, "%s%.*s%s", around[a][0], (int)n, p, around[a][1]);
            differ += text__ly_adverb16(pad, (size_t)m, (size_t)m, 1) !=
                      text_is_ly_adverb(pad, (size_t)m, (size_t)m, 1);
            memset(pad, 0, sizeof pad);
            memcpy(pad, p + 1, n - 1);
            differ += text__ly_adverb16(pad, n - 1, n - 1, 1) !=
                      text_is_ly_adverb(pad, n - 1, n - 1, 1);
        }
        words++;
        p += n + (p[n] == ' ');
    }
    CHECK_EQ_INT(words, 79);
    CHECK_EQ_INT(differ, 0);
}

static void test_metrics(void)
{
    struct text_stats st;
    char a[32];
    const char *s = "Hi! \xC2\xA1Hola! Truly, truly, ably. She was lovely!!";
    CHECK(text_analyze(s, strlen(s), NULL, &st) == 0);
    CHECK_EQ_INT(st.words, 8);
    CHECK_EQ_INT(st.exclam, 4);
    CHECK_EQ_INT(st.ly, 3);
    CHECK_EQ_INT(st.types, 7);
    CHECK_EQ_INT(st.hapax, 6);
    CHECK_EQ_INT(st.sentences, 3);
    CHECK_EQ_STR(fmt4(a, st.ttr), "0.8750");
    CHECK_EQ_STR(fmt4(a, st.ly_per_10k), "3750.0000");
    CHECK_EQ_STR(fmt4(a, st.exclam_per_100k), "50000.0000");
    /* '!' counts even with no words */
    CHECK(text_analyze("!!", 2, NULL, &st) == 0);
    CHECK_EQ_INT(st.exclam, 2);
    CHECK_EQ_INT(st.words, 0);
}

/* inner = not the first WORD of its sentence; inner_caps = those capitalised. */
static void test_inner_counts(void)
{
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    struct text_stats st;
    const char *s = "The Cat saw Bob. Bob ran to the cat. 5 Bob! \xC3\x89mile met \xC3\x89mile.";
    CHECK(text_analyze(s, strlen(s), t, &st) == 0);
    const struct word_entry *e = wordtab_get(t, "bob", 3);
    REQUIRE(e);
    CHECK_EQ_INT(e->count, 3);
    CHECK_EQ_INT(e->inner, 1);      /* "5 Bob!": a NUM is not a WORD, so Bob is first */
    CHECK_EQ_INT(e->inner_caps, 1);
    e = wordtab_get(t, "the", 3);
    REQUIRE(e);
    CHECK(e->count == 2 && e->inner == 1 && e->inner_caps == 0);
    e = wordtab_get(t, "cat", 3);
    REQUIRE(e);
    CHECK(e->count == 2 && e->inner == 2 && e->inner_caps == 1);
    e = wordtab_get(t, "\xC3\xA9mile", 6);
    REQUIRE(e);
    CHECK(e->count == 2 && e->inner == 1 && e->inner_caps == 1);
    CHECK(wordtab_get(t, "Bob", 3) == NULL);
    /* text_analyze clears the table first */
    CHECK(text_analyze("x", 1, t, &st) == 0);
    CHECK_EQ_INT(wordtab_size(t), 1);
    CHECK(wordtab_get(t, "bob", 3) == NULL);
    wordtab_free(t);
}

/* ---- the word table -------------------------------------------------------- */

static void test_wordtab_basic(void)
{
    struct wordtab *t = wordtab_new(), *u = wordtab_new();
    REQUIRE(t && u);
    size_t n = 99;
    CHECK(wordtab_sorted(t, &n) == NULL && n == 0);
    CHECK(wordtab_get(t, "a", 1) == NULL);
    struct word_entry e = {"b", 1, 2, 1, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"a", 1, 2, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"ab", 2, 2, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"\xC3\xA9", 2, 2, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"z", 1, 5, 3, 2};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"b", 1, 1, 1, 1};
    CHECK(wordtab_add(t, &e) == 0);
    CHECK_EQ_INT(wordtab_size(t), 5);
    const struct word_entry *g = wordtab_get(t, "b", 1);
    REQUIRE(g);
    CHECK(g->count == 3 && g->inner == 2 && g->inner_caps == 1);
    CHECK_EQ_STR(g->word, "b");
    const struct word_entry *s = wordtab_sorted(t, &n);
    REQUIRE(s && n == 5);
    /* count descending, then bytes: "a" < "ab" < "é" (0xC3) */
    CHECK_EQ_STR(s[0].word, "z");
    CHECK_EQ_STR(s[1].word, "b");
    CHECK_EQ_STR(s[2].word, "a");
    CHECK_EQ_STR(s[3].word, "ab");
    CHECK_EQ_STR(s[4].word, "\xC3\xA9");
    CHECK_EQ_INT(text__wordtab_hapax(t), 0);
    /* merge */
    e = (struct word_entry){"a", 1, 10, 0, 0};
    CHECK(wordtab_add(u, &e) == 0);
    e = (struct word_entry){"new", 3, 1, 0, 0};
    CHECK(wordtab_add(u, &e) == 0);
    CHECK(wordtab_merge(t, u) == 0);
    CHECK_EQ_INT(wordtab_size(t), 6);
    CHECK_EQ_INT(wordtab_get(t, "a", 1)->count, 12);
    CHECK_EQ_INT(wordtab_get(t, "new", 3)->count, 1);
    CHECK_EQ_INT(wordtab_get(u, "a", 1)->count, 10);
    s = wordtab_sorted(t, &n);
    CHECK_EQ_STR(s[0].word, "a");
    /* merge into itself doubles */
    CHECK(wordtab_merge(u, u) == 0);
    CHECK_EQ_INT(wordtab_get(u, "a", 1)->count, 20);
    /* words with NUL bytes and empty words are words like others */
    e = (struct word_entry){"x\0y", 3, 1, 0, 0};
    CHECK(wordtab_add(u, &e) == 0);
    CHECK(wordtab_get(u, "x", 1) == NULL);
    CHECK(wordtab_get(u, "x\0y", 3) != NULL);
    wordtab_clear(t);
    CHECK_EQ_INT(wordtab_size(t), 0);
    CHECK(wordtab_get(t, "a", 1) == NULL);
    CHECK(wordtab_sorted(t, &n) == NULL && n == 0);
    e = (struct word_entry){"a", 1, 1, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    CHECK_EQ_INT(wordtab_get(t, "a", 1)->count, 1);
    wordtab_free(t);
    wordtab_free(u);
    wordtab_free(NULL);
    wordtab_clear(NULL);
    CHECK_EQ_INT(wordtab_size(NULL), 0);
}

/* Many types, several clears (both ways of clearing), long words. */
static void test_wordtab_many(void)
{
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    char w[300];
    for (int round = 0; round < 3; round++) {
        size_t types = round == 1 ? 50 : 200000;
        for (size_t i = 0; i < types; i++) {
            memset(w, 0, sizeof w); /* text__wordtab_bump wants zero padding */
            int n = snprintf(w, sizeof w, "w%zu", i);
            if (i % 1000 == 0) {
                memset(w + n, 'x', 250);
                n += 250;
            }
            for (int k = 0; k < 1 + (int)(i % 3); k++)
                CHECK(text__wordtab_bump(t, w, (size_t)n, k > 0, 0) == 0);
        }
        CHECK(text__wordtab_sync(t) == 0);
        CHECK_EQ_INT(wordtab_size(t), types);
        int bad = 0;
        for (size_t i = 0; i < types; i++) {
            int n = snprintf(w, sizeof w, "w%zu", i);
            if (i % 1000 == 0) {
                memset(w + n, 'x', 250);
                n += 250;
            }
            const struct word_entry *e = wordtab_get(t, w, (size_t)n);
            bad += !e || e->count != 1 + i % 3 || e->inner != i % 3 || e->len != (uint32_t)n;
        }
        CHECK_EQ_INT(bad, 0);
        size_t n;
        const struct word_entry *s = wordtab_sorted(t, &n);
        REQUIRE(s && n == types);
        for (size_t i = 1; i < n; i++)
            if (s[i - 1].count < s[i].count ||
                (s[i - 1].count == s[i].count && strcmp(s[i - 1].word, s[i].word) >= 0))
                bad++;
        CHECK_EQ_INT(bad, 0);
        wordtab_clear(t);
        CHECK(wordtab_get(t, "w1", 2) == NULL);
    }
    wordtab_free(t);
}

/* Words about 16 bytes long, which the table tells apart by their first
 * 16 bytes or by the whole word, and words it must never mix up: a prefix
 * and a NUL. */
static void test_wordtab_16(void)
{
    static const char *const w[] = {
        "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr",
        "abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz012345678",
        "abcdefgh", "abcdefghi", "a",
    };
    enum { N = sizeof w / sizeof w[0] };
    struct wordtab *t = wordtab_new();
    REQUIRE(t);
    char buf[80];
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < N; i++) {
            for (size_t k = 0; k <= i; k++) {
                memset(buf, 0, sizeof buf);
                memcpy(buf, w[i], strlen(w[i]));
                CHECK(text__wordtab_bump(t, buf, strlen(w[i]), k > 0, k == 1) == 0);
            }
        }
        CHECK(text__wordtab_sync(t) == 0);
        CHECK_EQ_INT(wordtab_size(t), N);
        for (size_t i = 0; i < N; i++) {
            const struct word_entry *e = wordtab_get(t, w[i], strlen(w[i]));
            REQUIRE(e);
            CHECK_EQ_INT(e->count, (uint64_t)(i + 1) * (uint64_t)(round + 1));
            CHECK_EQ_INT(e->inner, (uint64_t)i * (uint64_t)(round + 1));
            CHECK_EQ_INT(e->inner_caps, (uint64_t)(i > 0) * (uint64_t)(round + 1));
        }
    }
    /* Words only wordtab_add() can bring: a NUL inside or at the end, and
     * the empty word, each its own entry. */
    struct word_entry e = {"abcdefghijklmnop\0", 17, 1, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"abc\0", 4, 2, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    e = (struct word_entry){"", 0, 3, 0, 0};
    CHECK(wordtab_add(t, &e) == 0);
    CHECK_EQ_INT(wordtab_size(t), N + 3);
    CHECK_EQ_INT(wordtab_get(t, "abcdefghijklmnop\0", 17)->count, 1);
    CHECK_EQ_INT(wordtab_get(t, "abcdefghijklmnop", 16)->count, 4);
    CHECK_EQ_INT(wordtab_get(t, "abc\0", 4)->count, 2);
    CHECK(wordtab_get(t, "abc", 3) == NULL);
    CHECK_EQ_INT(wordtab_get(t, "", 0)->count, 3);
    /* and the same words through text_analyze() */
    const char *body = "Abcdefghijklmnopq abcdefghijklmnop. ABCDEFGHIJKLMNOPQ x";
    struct text_stats st;
    CHECK(text_analyze(body, strlen(body), t, &st) == 0);
    CHECK_EQ_INT(st.types, 3);
    CHECK_EQ_INT(wordtab_get(t, "abcdefghijklmnopq", 17)->count, 2);
    CHECK_EQ_INT(wordtab_get(t, "abcdefghijklmnopq", 17)->inner, 0);
    CHECK_EQ_INT(wordtab_get(t, "abcdefghijklmnop", 16)->inner, 1);
    wordtab_free(t);
}

/* ---- section 5: counting terms ----------------------------------------- */

struct count_case {
    const char *terms[6];
    const char *body;
    uint64_t    want[6];
};

static void test_count(void)
{
    static const struct count_case k[] = {
        {{"A", "B", "z"}, "A cat, a Bat.", {4, 1, 0}},
        {{"a"}, "\xC3\xA0 \xC3\x80 a", {1}},                     /* à is not a */
        /* İ lowercases to i; so does U+212A KELVIN SIGN to k (text_count
         * takes the body as given; text_clean's NFC would make it K) */
        {{"i", "\xC4\xB0", "k"}, "\xC4\xB0iI \xE2\x84\xAA", {3, 3, 1}},
        {{"\xC3\xA9", "e\xCC\x81", "\xC3\x89"}, "\xC3\xA9t\xC3\xA9 \xC3\x89T\xC3\x89", {4, 4, 4}},
        {{"\xCF\x83"}, "\xCE\xA3\xCF\x83\xCF\x82", {2}},          /* ς is not σ */
        {{"the", "The", "of the"}, "Of the of THE the", {3, 3, 2}},
        {{"the the", "a b"}, "the the the the the. A-b a_b a'b", {2, 2}},
        {{" a", "a ", "-"}, "a A -", {2, 2, 0}},
        {{"", "...", "1,000"}, "1,000 1 000 1,0000", {0, 0, 1}},
        {{"don't", "o\xE2\x80\x99" "brien"}, "Don\xE2\x80\x99t don't O'Brien", {2, 1}},
        {{"\xFF", "a\xFF" "b"}, "a b ab", {0, 1}},
        {{"5"}, "5 5th 55 5", {2}},
        {{"of the of"}, "of the of the of the of", {2}},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        size_t n = 0;
        while (n < 6 && k[i].terms[n])
            n++;
        struct text_terms *t;
        REQUIRE(text_terms_new(&t, k[i].terms, n) == 0);
        REQUIRE(text_terms_len(t) == n);
        uint64_t got[6] = {0};
        CHECK(text_count(t, k[i].body, strlen(k[i].body), got) == 0);
        for (size_t j = 0; j < n; j++) {
            if (got[j] != k[i].want[j]) {
                CHECK(!"count differs");
                fprintf(stderr, "    [%s] in [%s]: %llu, expected %llu\n", k[i].terms[j], k[i].body,
                        (unsigned long long)got[j], (unsigned long long)k[i].want[j]);
            }
        }
        text_terms_free(t);
    }
}

static void test_terms_dedup(void)
{
    const char *terms[] = {"the", "x", "the", "The", "x", "y"};
    struct text_terms *t;
    REQUIRE(text_terms_new(&t, terms, 6) == 0);
    REQUIRE(text_terms_len(t) == 4);
    CHECK_EQ_STR(text_terms_name(t, 0), "the");
    CHECK_EQ_STR(text_terms_name(t, 1), "x");
    CHECK_EQ_STR(text_terms_name(t, 2), "The");
    CHECK_EQ_STR(text_terms_name(t, 3), "y");
    CHECK(text_terms_name(t, 4) == NULL);
    uint64_t c[4];
    CHECK(text_count(t, "The x the", 9, c) == 0);
    CHECK(c[0] == 2 && c[1] == 1 && c[2] == 2 && c[3] == 0);
    text_terms_free(t);
    REQUIRE(text_terms_new(&t, NULL, 0) == 0);
    CHECK_EQ_INT(text_terms_len(t), 0);
    CHECK(text_count(t, "a", 1, c) == 0);
    text_terms_free(t);
    text_terms_free(NULL);
}

/* Letters 16 bytes at a time (up to four ASCII letters) against the byte
 * histogram, on random text of every length up to 600 bytes: ASCII
 * letters of both cases, line ends, and code points of 2, 3 and 4 bytes
 * that cross the 16-byte blocks, some of them lowercasing to ASCII (İ to
 * i, KELVIN SIGN to k), others to letters that are terms (É to é). */
static void test_count_letters_simd(void)
{
    static const char *alpha[] = {
        "a", "b", "A", "B", "i", "I", "k", "K", "z", " ", "\n", ".", "\xC3\xA9", "\xC3\x89",
        "\xC4\xB0", "\xE2\x84\xAA", "\xE2\x80\x99", "\xE2\x80\x9C", "\xC3\x9F",
        "\xF0\x9D\x90\x80", "\xE3\x82\xAB", "\xEF\xBF\xBD",
    };
    static const char *sets[][5] = {
        {"a"}, {"A", "b"}, {"a", "b", "i", "k"}, {"k", "i", "\xC3\xA9"},
        {"a", "b", "i", "k", "z"}, {"\xC3\xA9", "\xC3\x9F"}, {"the", "a", "I"},
    };
    uint32_t x = 4242;
    int bad = 0;
    for (size_t q = 0; q < sizeof sets / sizeof sets[0]; q++) {
        size_t nt = 0;
        while (nt < 5 && sets[q][nt])
            nt++;
        struct text_terms *t;
        REQUIRE(text_terms_new(&t, sets[q], nt) == 0);
        for (int round = 0; round < 600 && bad < 5; round++) {
            char s[600 + 4];
            size_t n = 0;
            while (n < (size_t)round) {
                x = x * 1103515245u + 12345u;
                const char *p = alpha[(x >> 16) % (sizeof alpha / sizeof alpha[0])];
                memcpy(s + n, p, strlen(p));
                n += strlen(p);
            }
            uint64_t fast[5] = {0}, plain[5] = {0};
            int old = text__count_simd(1);
            CHECK(text_count(t, s, n, fast) == 0);
            text__count_simd(0);
            CHECK(text_count(t, s, n, plain) == 0);
            text__count_simd(old);
            if (memcmp(fast, plain, sizeof fast) != 0) {
                CHECK(!"16 bytes at a time and the histogram differ");
                fprintf(stderr, "    set %zu, %zu bytes: [%.*s]\n", q, n, (int)n, s);
                bad++;
            }
        }
        text_terms_free(t);
    }
}

/* The whole pipeline on a small Gutenberg-like file. */
static void test_pipeline(void)
{
    const char *in = "\xEF\xBB\xBFThe Project Gutenberg eBook\r\n"
                     "*** START OF THE PROJECT GUTENBERG EBOOK ***\r\n"
                     "CHAPTER I.\r\n\r\nMr. Darcy was quickly gone! Cafe\xCC\x81 au lait.\r\n"
                     "*** END OF THE PROJECT GUTENBERG EBOOK ***\r\nLicense! License!\r\n";
    struct text_buf b = {0};
    struct text_clean c;
    REQUIRE(text_clean(&b, (const unsigned char *)in, strlen(in), TEXT_ENC_AUTO, 0, &c) == 0);
    CHECK(c.boilerplate == 1);
    CHECK(c.body_len == strlen("CHAPTER I.\n\nMr. Darcy was quickly gone! Caf\xC3\xA9 au lait.\n"));
    struct text_stats st;
    CHECK(text_analyze(c.body, c.body_len, NULL, &st) == 0);
    CHECK_EQ_INT(st.words, 10);
    CHECK_EQ_INT(st.sentences, 3);
    CHECK_EQ_INT(st.exclam, 1);
    CHECK_EQ_INT(st.ly, 1);
    const char *terms[] = {"café", "!"};
    struct text_terms *t;
    REQUIRE(text_terms_new(&t, terms, 2) == 0);
    uint64_t k[2];
    CHECK(text_count(t, c.body, c.body_len, k) == 0);
    CHECK(k[0] == 1 && k[1] == 0);
    text_terms_free(t);
    text_buf_free(&b);
}

int main(void)
{
    int bad = run_examples();
    RUN(test_encoding_parse);
    RUN(test_binary);
    RUN(test_bom_and_line_ends);
    RUN(test_utf8_invalid_runs);
    RUN(test_clean_long);
    RUN(test_nfc_cases);
    RUN(test_nfc_every_code_point);
    RUN(test_nfc_random_mix);
    RUN(test_clean_line_ends_random);
    RUN(test_boilerplate);
    RUN(test_tokens);
    RUN(test_mark_apos);
    RUN(test_token_flags);
    RUN(test_scan_stops);
    RUN(test_long_token);
    RUN(test_token_lengths);
    RUN(test_scan_batches);
    RUN(test_scan_levels);
    RUN(test_sentences);
    RUN(test_sentence_stats);
    RUN(test_ly);
    RUN(test_metrics);
    RUN(test_inner_counts);
    RUN(test_wordtab_basic);
    RUN(test_wordtab_many);
    RUN(test_wordtab_16);
    RUN(test_count);
    RUN(test_terms_dedup);
    RUN(test_count_letters_simd);
    RUN(test_pipeline);
    render("");
    return CHECK_EXIT() || bad;
}
