/*
 * fuzz_diff.c - libFuzzer target: the scanner (spec sections 2 and 3)
 * against the plain reference of tests/ref_text.c.
 *
 * The first byte of the input chooses how the rest becomes a text: bit 0
 * set, each byte picks a piece (ref_text_gen(): scripts, marks, APOS,
 * digit joins, abbreviations, spaces, line ends, invalid bytes); clear, the
 * bytes are the text.  Bit 1 set, the text goes through text_clean() first
 * (NFC, LF line ends), as every body does in the tool.  Tokens, sentence
 * changes and sentence lengths must be the same at every scanner level, or
 * at the one that FUZZ_SCAN_LEVEL names (-1 the best this CPU has, 1 at most
 * AVX2, 0 the portable one); a difference prints the text and aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pardo.h"
#include "../../cli/text.h"
#include "../ref_text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int levels[3] = {-1, 0, 1}, n_levels = 3;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *l = getenv("FUZZ_SCAN_LEVEL");
    if (l && *l) {
        levels[0] = atoi(l);
        n_levels = 1;
    }
    return 0;
}

static void check(const char *s, size_t n)
{
    for (int i = 0; i < n_levels; i++) {
        char why[1024];
        int rc = ref_diff(s, n, levels[i], why, sizeof why);
        if (rc == 0)
            continue;
        static char text[1 << 16];
        ref_escape(s, n, text, sizeof text);
        fprintf(stderr, "scan level %d: %s\ntext: \"%s\"\n", levels[i],
                rc < 0 ? "out of memory" : why, text);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    static char gen[1 << 20];
    const char *s = (const char *)data;
    size_t n = size;
    if (mode & 1) {
        n = ref_text_gen(data, size, gen, sizeof gen);
        s = gen;
    }
    if (mode & 2) {
        struct text_buf b = {0};
        struct text_clean c;
        if (text_clean(&b, (const unsigned char *)s, n, TEXT_ENC_AUTO, 1, &c) != 0)
            abort();
        check(c.body, c.body_len);
        text_buf_free(&b);
    } else {
        check(s, n);
    }
    return 0;
}
