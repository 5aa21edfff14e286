/*
 * test_text_diff.c - the scanner against the reference tokeniser and
 * sentence splitter of tests/ref_text.c.
 *
 * First the reference itself is held to the spec: every worked example of
 * shared/spec/examples.jsonl, and the cases of section 2 and 3 written out.
 * Then the real scanner, at every scanner level (the best this CPU has, at
 * most AVX2, the portable one), must give the same tokens and sentences as
 * the reference on those cases and on a fixed number of generated texts
 * (a fixed seed: every run checks the same texts), each as written and as
 * text_clean() leaves it.  tests/fuzz/fuzz_diff.c runs the same comparison
 * on texts that libFuzzer makes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "pardo.h"
#include "ref_text.h"
#include "../cli/text.h"

static const int levels[] = {-1, 0, 1};

/* "tok tok / tok #num", as test_text.c renders the scanner's tokens. */
static const char *ref_render(const char *s)
{
    static char out[4096];
    struct ref_result r;
    size_t o = 0;
    out[0] = '\0';
    if (ref_scan(s, strlen(s), &r) != 0)
        return "(out of memory)";
    for (size_t k = 0; k < r.n && o < sizeof out; k++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s%s%s", k ? " " : "",
                              k && r.tok[k].sentence != r.tok[k - 1].sentence ? "/ " : "",
                              r.tok[k].is_word ? "" : "#", r.tok[k].text);
    ref_result_free(&r);
    return out;
}

/* ---- the reference against the spec ------------------------------------ */

static const char *shared_dir(void)
{
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

/* The example's words, nums and sentences, as lists of strings. */
static void check_example(const struct json *ex)
{
    const struct json *body = json_get(ex, "body");
    if (!body)
        return; /* an error case: nothing to scan */
    struct ref_result r;
    REQUIRE(ref_scan(body->str, body->len, &r) == 0);
    const struct json *words = json_get(ex, "words"), *nums = json_get(ex, "nums");
    const struct json *sent = json_get(ex, "sentences");
    REQUIRE(words && nums && sent);
    size_t w = 0, m = 0, s = 0, in_s = 0;
    for (size_t k = 0; k < r.n; k++) {
        const struct json *want = r.tok[k].is_word ? (w < words->n ? words->items[w] : NULL)
                                                   : (m < nums->n ? nums->items[m] : NULL);
        if (!want || strcmp(want->str, r.tok[k].text) != 0) {
            CHECK(!"token differs");
            fprintf(stderr, "    token %zu: reference [%s], expected [%s]\n", k, r.tok[k].text,
                    want ? want->str : "(none)");
        }
        if (r.tok[k].is_word)
            w++;
        else
            m++;
    }
    CHECK_EQ_INT(w, words->n);
    CHECK_EQ_INT(m, nums->n);
    for (s = 0; s < r.n_sent && s < sent->n; s++) {
        in_s = sent->items[s]->n;
        if (r.sent_len[s] != in_s) {
            CHECK(!"sentence length differs");
            fprintf(stderr, "    sentence %zu: reference %zu WORDs, expected %zu\n", s,
                    r.sent_len[s], in_s);
        }
    }
    CHECK_EQ_INT(r.n_sent, sent->n);
    /* and the scanner, at every level, agrees with the reference */
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char why[512];
        int rc = ref_diff(body->str, body->len, levels[i], why, sizeof why);
        if (rc != 0)
            fprintf(stderr, "    scan level %d: %s\n", levels[i], why);
        CHECK_EQ_INT(rc, 0);
    }
    ref_result_free(&r);
}

static void test_ref_examples(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/spec/examples.jsonl", shared_dir());
    FILE *f = fopen(path, "r");
    if (!f)
        fprintf(stderr, "  cannot open %s (set SHARED)\n", path);
    REQUIRE(f);
    char *line = NULL;
    size_t cap = 0, cases = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (len <= 1)
            continue;
        struct json *ex = json_parse(line, (size_t)len);
        CHECK(ex != NULL);
        if (ex) {
            int before = check_fails_;
            check_example(ex);
            if (check_fails_ != before)
                fprintf(stderr, "    (in example %s)\n", json_get(ex, "name")->str);
        }
        json_free(ex);
        cases++;
    }
    free(line);
    fclose(f);
    CHECK(cases >= 29);
}

struct ref_case {
    const char *in, *want;
};

#define DEVA "\xE0\xA4\xA8\xE0\xA4\xAE\xE0\xA4\xB8\xE0\xA5\x8D\xE0\xA4\xA4\xE0\xA5\x87"
#define QDOT "q\xCC\x87"

/* The rules of sections 2 and 3, one or two cases each. */
static const struct ref_case cases[] = {
    {"Don't stop\xE2\x80\x94it's well-known that Mr. O\xE2\x80\x99" "Brien's co-op paid 1,000 "
     "for 3.5 acres in 1815; caf\xC3\xA9!",
     "don't stop it's well known that mr o'brien's co op paid #1,000 for #3.5 acres in #1815 "
     "caf\xC3\xA9"},
    {"'tis dogs' a''b rock\xCA\xBCn\xCA\xBCroll \xE2\x80\x98q\xE2\x80\x99", "tis dogs a b rock'n'roll q"},
    {"1,000.5 1,,2 x1,2 1,a 5.a", "#1,000.5 #1 #2 x1,2 #1 a #5 a"},
    {"snake_case _it_ \xC3\x9F \xCE\xA3", "snake case it \xC3\x9F \xCF\x83"},
    /* marks: after a LETTER or DIGIT a LETTER (and an APOS after it joins) */
    {"A " DEVA "'s word, and " QDOT "'s too.", "a " DEVA "'s word and " QDOT "'s too"},
    {DEVA "'80s " QDOT "'" DEVA " e\xCC\x81\xCC\x82's", DEVA "'80s " QDOT "'" DEVA " e\xCC\x81\xCC\x82's"},
    {"5\xCC\x81's 5\xCC\x81.5 \xCC\x81" "a a'\xCC\x81" "b", "5\xCC\x81's 5\xCC\x81 #5 a a b"},
    /* sentences */
    {"Hello. World. hello. \xC2\xA0(World", "hello / world hello / world"},
    {"Hello.\xE2\x80\x8BWorld Hi!\xE1\xA0\x8EYes", "hello world hi yes"},
    {"end._ _Then \"Go.\" Then a.- Then", "end / then go / then a then"},
    {"J. Smith I. Then \xC7\x85. Then AB. Then", "j smith i / then \xC7\x86 then ab / then"},
    {"Mr. Smith Mrs'. Smith Mr . Smith", "mr smith mrs / smith mr / smith"},
    {"No. 5 No. Then No. (5) No.\n\n5 No. 5th", "no #5 no / then no #5 no / #5 no / 5th"},
    {"a\n \t\nb\n\xC2\xA0\nc\r\n\r\nd", "a / b c d"},
    {"1. 2. 3. Go", "#1 / #2 / #3 / go"},
};

static void test_ref_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = ref_render(cases[i].in);
        if (strcmp(got, cases[i].want) != 0) {
            CHECK(!"reference differs");
            fprintf(stderr, "    [%s]: reference [%s], expected [%s]\n", cases[i].in, got,
                    cases[i].want);
        }
    }
}

/* ---- the scanner against the reference ---------------------------------- */

/* 0 when the scanner agrees with the reference on s at every level, on the
 * text as it is and after text_clean(); else prints why (up to `quota`
 * texts) and returns 1. */
static int diff_everywhere(const char *s, size_t n, int *quota)
{
    struct text_buf b = {0};
    struct text_clean c;
    int bad = 0;
    if (text_clean(&b, (const unsigned char *)s, n, TEXT_ENC_AUTO, 1, &c) != 0)
        abort();
    for (int clean = 0; clean < 2 && !bad; clean++) {
        const char *t = clean ? c.body : s;
        size_t tn = clean ? c.body_len : n;
        for (size_t i = 0; i < sizeof levels / sizeof levels[0] && !bad; i++) {
            char why[1024], text[2048];
            int rc = ref_diff(t, tn, levels[i], why, sizeof why);
            if (rc < 0)
                abort();
            if (rc == 0)
                continue;
            bad = 1;
            if (*quota > 0) {
                --*quota;
                ref_escape(t, tn, text, sizeof text);
                fprintf(stderr, "    scan level %d%s, text \"%s\":\n      %s\n", levels[i],
                        clean ? " (after text_clean)" : "", text, why);
            }
        }
    }
    text_buf_free(&b);
    return bad;
}

static void test_diff_cases(void)
{
    int quota = 20, bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bad += diff_everywhere(cases[i].in, strlen(cases[i].in), &quota);
    CHECK_EQ_INT(bad, 0);
}

/* Generated texts from a fixed seed: up to 300 pieces each, and every
 * hundredth 2000 to 4000 (tens of KB: many of the scanner's chunks and
 * token batches). */
static void test_diff_generated(void)
{
    enum { TEXTS = 3000, SHORT = 300, LONG = 4000 };
    uint64_t seed = 19;
    static uint8_t pick[LONG];
    static char text[LONG * 48];
    int quota = 5, bad = 0;
    for (int t = 0; t < TEXTS; t++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t n = t % 100 == 99 ? LONG / 2 + (seed >> 33) % (LONG / 2) : 1 + (seed >> 33) % SHORT;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            pick[i] = (uint8_t)(seed >> 56);
        }
        size_t len = ref_text_gen(pick, n, text, sizeof text);
        bad += diff_everywhere(text, len, &quota);
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    RUN(test_ref_examples);
    RUN(test_ref_cases);
    RUN(test_diff_cases);
    RUN(test_diff_generated);
    return CHECK_EXIT();
}
