/*
 * test_fixed4.c - fmt_fixed4 (cli/emit.c), the "%.4f" that every rate and
 * distance is printed with, must give printf's bytes for every double: the
 * exact binary value rounded half to even, the sign of a negative zero or of
 * a negative value that rounds to zero, nan, inf and 300-digit values.  Each
 * case is checked against snprintf; a mismatch prints the value's bits.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../cli/cli.h"

static unsigned long long mismatches;

/* One value: fmt_fixed4 against snprintf. */
static void same(double v)
{
    char want[FIXED4_MAX], got[FIXED4_MAX + 8];
    memset(got, 'x', sizeof got);
    int n = snprintf(want, sizeof want, "%.4f", v);
    size_t k = fmt_fixed4(got, v);
    if (n >= 0 && k == (size_t)n && memcmp(got, want, k) == 0)
        return;
    if (mismatches++ < 10) {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        fprintf(stderr, "  fmt_fixed4(%a, bits %016llx): got \"%.*s\", printf gives \"%s\"\n",
                v, (unsigned long long)bits, (int)(k < sizeof got ? k : sizeof got), got, want);
    }
    check_fails_++;
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint64_t next(void)        /* xorshift64* */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717u;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static void test_special_values(void)
{
    static const double v[] = { 0.0, 1.0, -1.0, 0.5, 0.00005, 0.00015, 0.99995, 9.99995,
                                1e-5, 5e-5, 4.9999e-5, 1e-300, 4.9e-324, DBL_MIN, DBL_MAX,
                                1e14, 1e15, 999999999999999.9, 1e16, 1e19, 1.8446744073709552e19,
                                1e22, 1e300, 0.12345, 0.1, 0.2, 0.3, 2.0 / 3, 123456.78905 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        same(v[i]);
        same(-v[i]);
        same(nextafter(v[i], 0));
        same(nextafter(v[i], INFINITY));
        same(-nextafter(v[i], INFINITY));
    }
    same(-0.0);
    same(INFINITY);
    same(-INFINITY);
    same(NAN);
    same(-NAN);
}

/* Values that lie exactly half way between two outputs, (2j+1)/32 plus
 * 0 or a power of two, and their neighbours either side. */
static void test_halfway(void)
{
    for (int j = 0; j < 50000; j++)
        for (int s = 0; s <= 40; s += 8) {
            double h = (double)(2 * j + 1) / 32 + (double)(s ? (uint64_t)1 << s : 0);
            same(h);
            same(-h);
            same(nextafter(h, 0));
            same(nextafter(h, INFINITY));
        }
}

/* Decimals with four places and a fifth digit 5, the usual ties in text. */
static void test_decimal_ties(void)
{
    for (int i = 0; i < 1000000; i++) {
        double v = ((double)i + 0.5) / 10000;
        same(v);
        same(-v);
    }
}

/* Every exponent: random bit patterns. */
static void test_random_bits(void)
{
    for (int i = 0; i < 1000000; i++)
        same(from_bits(next()));
}

/* The range distances and rates live in. */
static void test_random_small(void)
{
    for (int i = 0; i < 1000000; i++) {
        double u = (double)(next() >> 11) / 9007199254740992.0;
        same(u * 4 - 2);
        same(u * 1e6);
        same(ldexp(u, (int)(next() % 120) - 100));
    }
}

int main(void)
{
    RUN(test_special_values);
    RUN(test_halfway);
    RUN(test_decimal_ties);
    RUN(test_random_bits);
    RUN(test_random_small);
    return CHECK_EXIT();
}
