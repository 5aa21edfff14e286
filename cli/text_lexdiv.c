/*
 * text_lexdiv.c - lexical diversity that does not fall with length (spec
 * section 9): MATTR, MTLD, HD-D and Yule's K.
 *
 * DESIGN
 * Pure functions over one text's WORDs, given as type ids in text order
 * (text_analyze() records them in the word table, so no word is hashed
 * twice) or as the count of each type.  No I/O, no threads, no allocation
 * but text_lexdiv()'s scratch, which a worker reuses from file to file.
 *
 * MATTR and MTLD are passes over the ids with one counter per type;
 * HD-D and Yule's K need only the count of each type, which the word
 * table already has (wordtab_counts()), so they cost no pass over the
 * WORDs at all:
 *   MATTR  one pass with a sliding window: a WORD comes in, the one L
 *          places back goes out, and the count of distinct WORDs in the
 *          window changes by at most one each way; never L steps a window.
 *   MTLD   a forward and a backward pass; a type's counter holds the
 *          number of the segment that last saw it, so a new segment costs
 *          nothing to start.  The TTR test distinct / length <= 0.72 is
 *          made in integers (100 distinct <= 72 length), which is the same
 *          as comparing the correctly rounded double with 0.72.
 *   HD-D   depends only on how many types have each count: a histogram of
 *          the small counts, so the chance for a count is worked out once.
 *   Yule's K  the sum of the squared counts, in integers.
 * Every ratio is formed from exact integers where they fit a double, so a
 * value is rounded once or twice, not once per step.
 *
 * HD-D's chance that a draw of D misses a type of count f is
 * P = C(N - f, D) / C(N, D), in logarithms of the gamma function
 * [lnG(N-f+1) - lnG(N-f-D+1)] - [lnG(N+1) - lnG(N-D+1)], where each bracket
 * is the logarithm of a product of D consecutive integers: P is the product
 * over k < D of (1 - f / (N - k)), D ratios in [0, 1] that neither overflow
 * nor need a factorial.  lgamma itself is no good here: lgamma(N) is about
 * N ln N, so the four values carry absolute errors of a few units in their
 * last place (3e-8 each at N = 10^7), while log P for a word seen once is
 * about -D / N (-4.2e-6); through lgamma, a text of 10^7 distinct words
 * gets 0.9934 for its exact HD-D of 1.  The code keeps P - 1 rather than P
 * (see hit_chance()), so 1 - P has every digit (doc/text.md).
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pardo.h"
#include "text.h"

/* ---- MATTR ----------------------------------------------------------------- */

int text_mattr(const uint32_t *ids, size_t n, size_t window, uint32_t *work, double *out)
{
    if (window == 0 || n < window)
        return 0;
    assert(n <= TEXT_LEXDIV_MAX);
    uint64_t distinct = 0, sum;
    for (size_t i = 0; i < window; i++)
        distinct += work[ids[i]]++ == 0;
    sum = distinct;
    for (size_t i = window; i < n; i++) {
        distinct += work[ids[i]]++ == 0;
        distinct -= --work[ids[i - window]] == 0;
        sum += distinct;
    }
    for (size_t i = n - window; i < n; i++)     /* what the last window left */
        work[ids[i]] = 0;
    /* sum <= n L and L (n - L + 1): exact in a double for any real text */
    *out = (double)sum / ((double)window * (double)(n - window + 1));
    return 1;
}

/* ---- MTLD ------------------------------------------------------------------ */

/* One pass over ids, forward or backward.  work[id] is the number of the
 * last segment that held the type; segments are numbered from *seg on, and
 * *seg gets the next free number.  *factors gets the full factors, *len and
 * *distinct the WORDs and types of the last, unfinished segment. */
static void mtld_pass(const uint32_t *ids, size_t n, int backward, uint32_t *work,
                      uint32_t *seg, uint64_t *factors, uint64_t *len, uint64_t *distinct)
{
    uint32_t s = *seg;
    uint64_t f = 0, l = 0, d = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t id = ids[backward ? n - 1 - k : k];
        d += work[id] != s;
        work[id] = s;
        l++;
        if (100 * d <= 72 * l) {        /* TTR <= 0.72: a factor */
            f++;
            s++;
            l = d = 0;
        }
    }
    *seg = s + 1;
    *factors = f;
    *len = l;
    *distinct = d;
}

/* N / (factors + (1 - d / l) / (1 - 0.72)), with the partial factor as
 * 25 (l - d) / (7 l): one rounding.  0 when there are no factors. */
static double mtld_value(uint64_t n, uint64_t factors, uint64_t len, uint64_t distinct)
{
    if (len == 0)
        return factors ? (double)n / (double)factors : 0;
    double num = 7.0 * (double)len * (double)n;
    double den = 7.0 * (double)len * (double)factors + 25.0 * (double)(len - distinct);
    return den > 0 ? num / den : 0;
}

int text_mtld(const uint32_t *ids, size_t n, uint32_t *work, double *out)
{
    if (n == 0)
        return 0;
    assert(n <= TEXT_LEXDIV_MAX);
    /* Numbers 1 .. at most n + 2 (a factor takes two WORDs or more): no
     * wrap to 0, which marks a type no segment holds. */
    uint32_t seg = 1;
    uint64_t f, l, d;
    mtld_pass(ids, n, 0, work, &seg, &f, &l, &d);
    double fwd = mtld_value(n, f, l, d);
    mtld_pass(ids, n, 1, work, &seg, &f, &l, &d);
    double bwd = mtld_value(n, f, l, d);
    for (size_t i = 0; i < n; i++)
        work[ids[i]] = 0;
    if (fwd == 0 || bwd == 0)
        return 0;
    *out = (fwd + bwd) / 2;
    return 1;
}

/* ---- HD-D ------------------------------------------------------------------ */

/* The chance that D WORDs drawn without replacement from n hold at least
 * one of the f of a type: 1 - C(n - f, D) / C(n, D) (see DESIGN). */
static double hit_chance(uint64_t n, uint64_t f)
{
    if (n - f < TEXT_HDD_DRAWS)         /* C(n - f, D) = 0 */
        return 1.0;
    /* q = P - 1 for the product P of the D ratios 1 + x_k, x_k = -f / (n - k):
     * q' = (1 + q)(1 + x) - 1 = q + x (1 + q), a sum of terms of one sign,
     * so nothing cancels and 1 - P = -q keeps every digit. */
    double q = 0;
    for (uint64_t k = 0; k < TEXT_HDD_DRAWS; k++)
        q += -(double)f / (double)(n - k) * (1 + q);
    return -q;
}

/* Counts below this share their chance through a histogram. */
enum { HDD_HIST = 1024 };

int text_hdd(const uint32_t *freq, size_t v, uint64_t n, double *out)
{
    if (n < TEXT_HDD_DRAWS)
        return 0;
    uint32_t hist[HDD_HIST] = {0};
    double big = 0;
    for (size_t i = 0; i < v; i++) {
        if (freq[i] < HDD_HIST)
            hist[freq[i]]++;
        else
            big += hit_chance(n, freq[i]);
    }
    double sum = 0;
    for (uint32_t f = 1; f < HDD_HIST; f++)
        if (hist[f])
            sum += (double)hist[f] * hit_chance(n, f);
    *out = (sum + big) / TEXT_HDD_DRAWS;
    return 1;
}

/* ---- Yule's K -------------------------------------------------------------- */

int text_yule_k(const uint32_t *freq, size_t v, uint64_t n, double *out)
{
    if (n == 0)
        return 0;
    /* sum of i^2 V_i = sum of the squared counts; at most n^2 */
    uint64_t sq = 0;
    for (size_t i = 0; i < v; i++)
        sq += (uint64_t)freq[i] * freq[i];
    assert(sq >= n);
    *out = 1e4 * (double)(sq - n) / ((double)n * (double)n);
    return 1;
}

/* ---- all four -------------------------------------------------------------- */

void text_lexdiv_scratch_free(struct text_lexdiv_scratch *s)
{
    free(s->work);
    free(s->freq);
    *s = (struct text_lexdiv_scratch){0};
}

/* Room for v counters at *p (capacity *cap), zeroed when new. */
static uint32_t *room(uint32_t **p, size_t *cap, size_t v)
{
    size_t need = v ? v : 1;
    if (*cap < need) {
        size_t c = need > 2 * *cap ? need : 2 * *cap;
        uint32_t *w = calloc(c, sizeof *w);
        if (!w)
            return NULL;
        free(*p);
        *p = w;
        *cap = c;
    }
    return *p;
}

uint32_t *text_lexdiv_freq(struct text_lexdiv_scratch *s, size_t v)
{
    return room(&s->freq, &s->freq_cap, v);
}

int text_lexdiv(const uint32_t *ids, size_t n, const uint32_t *freq, size_t v,
                size_t window, struct text_lexdiv_scratch *s, struct text_lexdiv *out)
{
    memset(out, 0, sizeof *out);
    if (n > TEXT_LEXDIV_MAX)
        return PARDO_ENOMEM;
    uint32_t *work = room(&s->work, &s->cap, v);        /* zero between uses */
    if (!work)
        return PARDO_ENOMEM;
    if (!freq) {
        uint32_t *f = text_lexdiv_freq(s, v);
        if (!f)
            return PARDO_ENOMEM;
        memset(f, 0, v * sizeof *f);
        for (size_t i = 0; i < n; i++)
            f[ids[i]]++;
        freq = f;
    }
    out->has_hdd = text_hdd(freq, v, n, &out->hdd);
    out->has_yule_k = text_yule_k(freq, v, n, &out->yule_k);
    out->has_mattr = text_mattr(ids, n, window, work, &out->mattr);
    out->has_mtld = text_mtld(ids, n, work, &out->mtld);
    return 0;
}
