/*
 * text_scan.c - tokens and sentences (spec sections 2 and 3) in one pass.
 *
 * DESIGN
 * The scanner walks the body once in blocks of 64 bytes.  classify64()
 * (SSE2 on x86-64, 64-bit words elsewhere) turns a block into bit masks:
 * ASCII letters and digits, "events" (LF, . ! ?, bytes >= 0x80), and what
 * could continue a token (bytes >= 0x80, APOS, . or , after a digit).
 * Token starts and events are then taken in order from the masks, so the
 * next token is found with a few bit operations rather than by a chain of
 * loads and compares that each token waits on.  A plain token (under 16
 * ASCII letters and digits, with nothing after it that could continue it:
 * 98.6% of the tokens of the first 40 Gutenberg books) costs one 16-byte
 * load to lowercase and two stores.  Everything else (non-ASCII letters,
 * marks, APOS and digit joins, long tokens) goes through read_token(), one
 * code point at a time, with a 128-entry class table for ASCII; only bytes
 * >= 0x80 are decoded and looked up in utf8proc.
 *
 * Tokens are handed out in batches (text__scan_batch()): the consumer runs
 * one call per batch rather than an indirect call per token, and its loops
 * stay small enough for the compiler to keep in registers.  Each token's
 * lowercased text sits in the caller's buffer, followed by 16 zero bytes
 * for the word table's loads; records hold offsets, as the buffer may move
 * while a batch fills.  text__scan() hands the same tokens to a callback
 * one by one.  Nothing else is allocated, so a worker reusing its buffer
 * scans file after file without calling malloc.
 *
 * Sentence ends are found where they happen: at a run of terminators the
 * scanner looks ahead over closers, white space and openers (a region that no
 * other look-ahead visits, so the pass stays linear) for an uppercase letter
 * or a digit.  One rule needs the next token itself ("No. 5": not an end when
 * the next token is a NUM): it leaves a pending boundary that the next token
 * settles before it is handed out.  A blank line is seen at its first LF,
 * by looking past spaces and tabs for a second one.
 *
 * Input need not be valid UTF-8 (fuzzers call this directly): an invalid
 * byte is one separator.
 */
#include <string.h>

#include <utf8proc.h>

#include "pardo.h"
#include "text.h"

#define L  TEXT_C_LETTER
#define U  (TEXT_C_LETTER | TEXT_C_UPPER)
#define D  TEXT_C_DIGIT
#define S  TEXT_C_SPACE
#define T  TEXT_C_TERM
#define J  TEXT_C_JOIN
#define JT (TEXT_C_JOIN | TEXT_C_TERM)
#define O  TEXT_C_OPEN
#define C  TEXT_C_CLOSE
#define CO (TEXT_C_CLOSE | TEXT_C_OPEN)
#define AP (TEXT_C_APOS | TEXT_C_CLOSE | TEXT_C_OPEN)

static const unsigned short ascii_cls[128] = {
    /* 00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, S, S, S, S, S, 0, 0,
    /* 10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 20 */ S, T, CO, 0, 0, 0, 0, AP, O, C, 0, 0, J, 0, JT, 0,
    /* 30 */ D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, T,
    /* 40 */ 0, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,
    /* 50 */ U, U, U, U, U, U, U, U, U, U, U, O, 0, C, 0, CO,
    /* 60 */ 0, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
    /* 70 */ L, L, L, L, L, L, L, L, L, L, L, 0, 0, 0, 0, 0,
};

#undef L
#undef U
#undef D
#undef S
#undef T
#undef J
#undef JT
#undef O
#undef C
#undef CO
#undef AP

enum {
    LD = TEXT_C_LETTER | TEXT_C_DIGIT,
    LDM = TEXT_C_LETTER | TEXT_C_DIGIT | TEXT_C_MARK
};

unsigned text__class(int32_t cp)
{
    if (cp < 0)
        return 0;
    if (cp < 0x80)
        return ascii_cls[cp];
    switch (cp) {
    case 0x2019: /* ’ is an apostrophe and a closer */
        return TEXT_C_APOS | TEXT_C_CLOSE;
    case 0x02BC: /* ʼ is Lm, but APOS takes precedence */
        return TEXT_C_APOS;
    case 0x2018: /* ‘ */
    case 0x201C: /* “ */
        return TEXT_C_OPEN;
    case 0x201D: /* ” */
        return TEXT_C_CLOSE;
    case 0x2026: /* … */
        return TEXT_C_TERM;
    case 0x0085: /* NEL: White_Space, though a control (Cc) */
        return TEXT_C_SPACE;
    default:
        break;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
        return TEXT_C_LETTER | TEXT_C_UPPER;
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return TEXT_C_LETTER;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return TEXT_C_MARK;
    case UTF8PROC_CATEGORY_ND:
        return TEXT_C_DIGIT;
    /* White_Space outside ASCII is exactly Zs, Zl, Zp and U+0085. */
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return TEXT_C_SPACE;
    default:
        return 0;
    }
}

/* ---- 64 bytes at a time ---------------------------------------------
 * classify64() sorts 64 bytes into bit masks, bit k for byte k: with SSE2
 * (every x86-64) in four rounds of about twenty instructions without a
 * branch; on other little-endian machines eight bytes at a time in a
 * 64-bit word (SWAR); elsewhere byte by byte.  Define TEXT_NO_SIMD to test
 * the SWAR one on x86, and TEXT_NO_SWAR as well for the last.  (Forced on
 * the x86 machine this was measured on, text_speed over the Gutenberg
 * corpus ran at 240 MB/s with SSE2, 130-140 with SWAR and 115-120 byte by
 * byte, against 175 for the scanner before blocks, which did SWAR: an ARM
 * build would want a NEON classify64().) */
#if defined(__SSE2__) && !defined(TEXT_NO_SIMD)
#define TEXT_SSE2 1
#include <emmintrin.h>
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(TEXT_NO_SWAR)
#define TEXT_SWAR 1
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* 0x80 in each byte of v that equals c (exact: no carry crosses a byte). */
static inline uint64_t swar_eq(uint64_t v, unsigned char c)
{
    uint64_t y = v ^ (c * ONES);
    return ~(((y & ~HIGHS) + ~HIGHS) | y) & HIGHS;
}

/* The top bits of the eight bytes of m (a byte is 0x80 or 0) as eight
 * bits, the first byte in memory lowest: each byte's bit lands in the top
 * byte of the product, at a place of its own, without carries. */
static inline uint64_t gather8(uint64_t m)
{
    return ((m >> 7) * 0x0102040810204080ull) >> 56;
}
#endif

struct block {
    uint64_t alnum;   /* ASCII letters and digits */
    uint64_t letters; /* ASCII letters */
    uint64_t events;  /* what the scan must look at apart from tokens: LF,
                         . ! ?, and bytes >= 0x80 */
    uint64_t more;    /* what may continue a token that ends before it:
                         bytes >= 0x80 (a mark, a letter, U+2019), ', and
                         . or , right after a digit */
    uint64_t high_apos, dot_comma; /* parts of more, for classify_chunk() */
};

#ifdef TEXT_SSE2
static inline __m128i byte_is(__m128i v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}

/* Bytes of v in [lo, lo + n), n < 128: as signed bytes, x + (0x80 - lo)
 * lies below -128 + n exactly then (bytes >= 0x80 never do). */
static inline __m128i byte_in(__m128i v, int lo, int n)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(-128 + n)));
}

static inline __m128i letters16(__m128i v)
{
    return byte_in(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
}
#endif

static inline uint64_t mask16(unsigned m, unsigned at)
{
    return (uint64_t)m << at;
}

static inline void classify64(const unsigned char *p, struct block *b)
{
    uint64_t alnum = 0, letters = 0, events = 0, high_apos = 0, dot_comma = 0;
#ifdef TEXT_SSE2
    for (unsigned at = 0; at < 64; at += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + at));
        __m128i letter = letters16(v), alnum16 = _mm_or_si128(letter, byte_in(v, '0', 10));
        __m128i dot = byte_is(v, '.');
        __m128i ev = _mm_or_si128(_mm_or_si128(byte_is(v, '\n'), dot),
                                  _mm_or_si128(byte_is(v, '!'), byte_is(v, '?')));
        /* movemask takes the top bit of each byte: or-ing in v adds >= 0x80 */
        alnum |= mask16((unsigned)_mm_movemask_epi8(alnum16), at);
        letters |= mask16((unsigned)_mm_movemask_epi8(letter), at);
        events |= mask16((unsigned)_mm_movemask_epi8(_mm_or_si128(ev, v)), at);
        high_apos |= mask16((unsigned)_mm_movemask_epi8(_mm_or_si128(v, byte_is(v, '\''))), at);
        dot_comma |= mask16((unsigned)_mm_movemask_epi8(_mm_or_si128(dot, byte_is(v, ','))), at);
    }
#elif defined(TEXT_SWAR)
    for (unsigned at = 0; at < 64; at += 8) {
        uint64_t v;
        memcpy(&v, p + at, 8);
        /* 0x80 in each byte with the property (no carry crosses a byte:
         * every addend keeps the byte below 0x100) */
        uint64_t high = v & HIGHS, ascii = ~v & HIGHS, x = v & ~HIGHS, t = x | (0x20 * ONES);
        uint64_t letter = (t + (0x80 - 'a') * ONES) & ~(t + (0x80 - 'z' - 1) * ONES) & ascii;
        uint64_t digit = (x + (0x80 - '0') * ONES) & ~(x + (0x80 - '9' - 1) * ONES) & ascii;
        uint64_t dot = swar_eq(v, '.');
        alnum |= gather8(letter | digit) << at;
        letters |= gather8(letter) << at;
        events |= gather8(high | swar_eq(v, '\n') | dot | swar_eq(v, '!') | swar_eq(v, '?')) << at;
        high_apos |= gather8(high | swar_eq(v, '\'')) << at;
        dot_comma |= gather8(dot | swar_eq(v, ',')) << at;
    }
#else
    for (unsigned k = 0; k < 64; k++) {
        unsigned c = p[k], cl = c < 0x80 ? ascii_cls[c] : 0;
        uint64_t bit = (uint64_t)1 << k;
        alnum |= (cl & LD) ? bit : 0;
        letters |= (cl & TEXT_C_LETTER) ? bit : 0;
        events |= (c >= 0x80 || c == '\n' || (cl & TEXT_C_TERM)) ? bit : 0;
        high_apos |= (c >= 0x80 || c == '\'') ? bit : 0;
        dot_comma |= (c == '.' || c == ',') ? bit : 0;
    }
#endif
    b->alnum = alnum;
    b->letters = letters;
    b->events = events;
    b->more = high_apos | (dot_comma & ((alnum & ~letters) << 1));
    b->high_apos = high_apos;
    b->dot_comma = dot_comma;
}

/* ---- a chunk of blocks at a time ---------------------------------------
 * The scan reads its 64-byte windows at any offset, but classifies the text
 * once, in aligned blocks of 64 bytes, a chunk of CHUNK_BLOCKS blocks (and
 * the one after) at a time: a window is then two shifts per mask.  Every
 * byte is classified once instead of 4/3 times (windows overlap by 16
 * bytes), and the classifier may use wider vectors, chosen at run time:
 * AVX-512BW and AVX2 where the CPU has them (pick_classify()), SSE2 or the
 * portable classify64() elsewhere. */
enum { CHUNK_BLOCKS = 32 };

struct chunk {
    size_t   first; /* block index (offset / 64) of element 0 */
    uint64_t alnum[CHUNK_BLOCKS + 1], letters[CHUNK_BLOCKS + 1];
    uint64_t events[CHUNK_BLOCKS + 1], more[CHUNK_BLOCKS + 1];
};

/* The masks of one block, but `more` without the digit-before-dot bit
 * (which needs the block before): the classifiers' common output. */
#define CHUNK_STORE(ch, i, al, le, ev, ha, dc, carry)                                  \
    do {                                                                              \
        uint64_t digit_ = (al) & ~(le);                                               \
        (ch)->alnum[i] = (al);                                                        \
        (ch)->letters[i] = (le);                                                      \
        (ch)->events[i] = (ev);                                                       \
        (ch)->more[i] = (ha) | ((dc) & ((digit_ << 1) | (carry)));                    \
        (carry) = digit_ >> 63;                                                       \
    } while (0)

/* The bytes of block `blk` of s[0..len), in buf zero-padded when the block
 * runs past len (zero bytes are neither tokens nor events). */
static inline const unsigned char *block_bytes(const unsigned char *s, size_t len, size_t blk,
                                               unsigned char buf[64])
{
    size_t off = blk * 64;
    if (off < len && len - off >= 64)
        return s + off;
    memset(buf, 0, 64);
    if (off < len)
        memcpy(buf, s + off, len - off);
    return buf;
}

/* 1 when the byte before block `first` is an ASCII digit (for `more`). */
static inline uint64_t digit_before(const unsigned char *s, size_t first)
{
    return first && s[first * 64 - 1] - (unsigned)'0' < 10u;
}

typedef void classify_chunk_fn(const unsigned char *s, size_t len, struct chunk *ch);

/* Fills ch for blocks ch->first .. ch->first + CHUNK_BLOCKS with classify64(). */
static void classify_chunk(const unsigned char *s, size_t len, struct chunk *ch)
{
    uint64_t carry = digit_before(s, ch->first);
    for (unsigned i = 0; i <= CHUNK_BLOCKS; i++) {
        unsigned char buf[64];
        struct block b;
        classify64(block_bytes(s, len, ch->first + i, buf), &b);
        CHUNK_STORE(ch, i, b.alnum, b.letters, b.events, b.high_apos, b.dot_comma, carry);
    }
}

#if defined(TEXT_SSE2) && (defined(__GNUC__) || defined(__clang__))
#define TEXT_WIDE 1
#include <immintrin.h>

__attribute__((target("avx2"))) static void classify_chunk_avx2(const unsigned char *s,
                                                                 size_t len, struct chunk *ch)
{
    uint64_t carry = digit_before(s, ch->first);
    for (unsigned i = 0; i <= CHUNK_BLOCKS; i++) {
        unsigned char buf[64];
        const unsigned char *p = block_bytes(s, len, ch->first + i, buf);
        uint64_t m[5] = {0};
        for (unsigned h = 0; h < 2; h++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * h));
            __m256i top = _mm256_set1_epi8((char)0x80);
            /* unsigned x - lo < n, as signed compares of x - lo + 0x80 */
            __m256i t = _mm256_xor_si256(_mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)),
                                                         _mm256_set1_epi8('a')),
                                         top);
            __m256i letter = _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(-128 + 26)), t);
            __m256i d = _mm256_xor_si256(_mm256_sub_epi8(v, _mm256_set1_epi8('0')), top);
            __m256i digit = _mm256_cmpgt_epi8(_mm256_set1_epi8((char)(-128 + 10)), d);
            __m256i dot = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'));
            __m256i ev = _mm256_or_si256(
                _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')), dot),
                _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('!')),
                                _mm256_cmpeq_epi8(v, _mm256_set1_epi8('?'))));
            __m256i ap = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\''));
            __m256i cm = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(','));
            unsigned sh = 32 * h;
            m[0] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(letter, digit)) << sh;
            m[1] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(letter) << sh;
            m[2] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(ev, v)) << sh;
            m[3] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(ap, v)) << sh;
            m[4] |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(dot, cm)) << sh;
        }
        CHUNK_STORE(ch, i, m[0], m[1], m[2], m[3], m[4], carry);
    }
}

__attribute__((target("avx512f,avx512bw"))) static void
classify_chunk_avx512(const unsigned char *s, size_t len, struct chunk *ch)
{
    uint64_t carry = digit_before(s, ch->first);
    for (unsigned i = 0; i <= CHUNK_BLOCKS; i++) {
        unsigned char buf[64];
        __m512i v = _mm512_loadu_si512((const void *)block_bytes(s, len, ch->first + i, buf));
        uint64_t letter = _mm512_cmplt_epu8_mask(
            _mm512_sub_epi8(_mm512_or_si512(v, _mm512_set1_epi8(0x20)), _mm512_set1_epi8('a')),
            _mm512_set1_epi8(26));
        uint64_t digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')),
                                                _mm512_set1_epi8(10));
        uint64_t high = _mm512_movepi8_mask(v);
        uint64_t dot = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.'));
        uint64_t ev = high | dot | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n')) |
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('!')) |
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('?'));
        uint64_t ha = high | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\''));
        uint64_t dc = dot | _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(','));
        CHUNK_STORE(ch, i, letter | digit, letter, ev, ha, dc, carry);
    }
}
#endif

/* The classifier for this CPU; text__scan_level() can force a plainer one
 * (for tests). */
static int scan_level = -1; /* -1: the best the CPU has */

int text__scan_level(int level)
{
    int old = scan_level;
    scan_level = level;
    return old;
}

static classify_chunk_fn *pick_classify(void)
{
#ifdef TEXT_WIDE
    if (scan_level != 0 && scan_level != 1 && __builtin_cpu_supports("avx512bw"))
        return classify_chunk_avx512;
    if (scan_level != 0 && __builtin_cpu_supports("avx2"))
        return classify_chunk_avx2;
#endif
    return classify_chunk;
}

/* Bits sh.. of the mask array m[0], m[1] (sh < 64): a window's mask. */
static inline uint64_t window(const uint64_t *m, unsigned sh)
{
    return (m[0] >> sh) | (m[1] << 1 << (63 - sh));
}

#ifdef TEXT_SSE2
/* 16 bytes of 0xFF, then 16 of 0: its 16 bytes from 16 - k keep k bytes. */
static const unsigned char keep_bytes[32] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};
#endif

/* Writes the k (< 16) ASCII letters and digits at p (16 readable),
 * lowercased, to d, then zeros up to d + 32.  Setting bit 0x20 lowercases
 * a letter and leaves a digit as it is. */
static inline void store_lower(const unsigned char *p, unsigned k, char *d)
{
#ifdef TEXT_SSE2
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i keep = _mm_loadu_si128((const __m128i *)(const void *)(keep_bytes + 16 - k));
    _mm_storeu_si128((__m128i *)(void *)d,
                     _mm_and_si128(_mm_or_si128(v, _mm_set1_epi8(0x20)), keep));
    _mm_storeu_si128((__m128i *)(void *)(d + 16), _mm_setzero_si128());
#else
    for (unsigned q = 0; q < k; q++)
        d[q] = (char)(p[q] | 0x20);
    memset(d + k, 0, 32 - k);
#endif
}

/* The index of the lowest set bit of m != 0. */
static inline unsigned lowest(uint64_t m)
{
#if defined(__GNUC__) || defined(__clang__)
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned k = 0;
    while (!(m & 1)) {
        m >>= 1;
        k++;
    }
    return k;
#endif
}

/* The class and length of the non-ASCII code point at s[i]; out of line,
 * so that class_at() stays small enough to inline. */
static unsigned class_at_slow(const unsigned char *s, size_t n, size_t i, int32_t *cp, size_t *l)
{
    *l = text__utf8_decode(s + i, n - i, cp);
    return text__class(*cp);
}

/* Class and length of the code point at s[i] (i < n). */
static inline unsigned class_at(const unsigned char *s, size_t n, size_t i, int32_t *cp, size_t *l)
{
    if (s[i] < 0x80) {
        *cp = s[i];
        *l = 1;
        return ascii_cls[s[i]];
    }
    return class_at_slow(s, n, i, cp, l);
}

/* ---- tokens ----------------------------------------------------------- */

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* The scan takes TEXT__T_CAPS from bit 0x20 of a byte. */
_Static_assert(TEXT__T_CAPS == 0x20 >> 3, "TEXT__T_CAPS is bit 2");

/* Token slots in the batch buffer: a plain token always takes 32 bytes. */
enum { SLOT = 32 };

/* Reads the token that starts at s[i] (a LETTER or DIGIT) into tb from
 * offset o and into tok (but for off and sentence); *end gets the offset
 * after it.  0 or PARDO_ENOMEM.  Out of line: it is the rare case, and the
 * scanning loop keeps its registers. */
static NOINLINE int read_token(const unsigned char *s, size_t n, size_t i, struct text_buf *tb,
                               size_t o, struct text__tok *tok, size_t *end)
{
    int32_t cp;
    size_t l, o0 = o, cps = 0;
    unsigned cls = class_at(s, n, i, &cp, &l), all = 0, prev = cls;
    int caps = (cls & TEXT_C_UPPER) != 0;
    for (;;) {
        /* Invariant: the code point at s[i] (cp, cls, l) is in the token. */
        if (cp < 0x80) {
            size_t i0 = i;
            /* The run of ASCII letters and digits, 64 bytes at a time. */
            size_t k = i;
            while (n - k >= 64) {
                struct block b;
                classify64(s + k, &b);
                if (~b.alnum) {
                    k += lowest(~b.alnum);
                    break;
                }
                k += 64;
            }
            if (n - k < 64)
                while (k < n && s[k] < 0x80 && (ascii_cls[s[k]] & LD))
                    k++;
            if (tb->cap - o < k - i + 16 && text_buf_reserve(tb, o + (k - i) + 16) < 0)
                return PARDO_ENOMEM;
            char *d = tb->data + o;
            for (size_t q = i; q < k; q++) {
                unsigned c = s[q];
                all |= ascii_cls[c];
                d[q - i] = (char)(c + ((c - 'A' < 26u) << 5));
            }
            o += k - i;
            i = k;
            cps += i - i0;
            prev = ascii_cls[s[i - 1]];
        } else {
            if (tb->cap - o < 8 && text_buf_reserve(tb, o + 8) < 0)
                return PARDO_ENOMEM;
            o += text__utf8_encode(utf8proc_tolower(cp), tb->data + o);
            all |= cls;
            /* A mark here follows a LETTER or DIGIT, so it is a LETTER
             * (an APOS after it joins). */
            prev = (cls & TEXT_C_MARK) ? TEXT_C_LETTER : cls;
            cps++;
            i += l;
        }
        if (i >= n || s[i] == ' ')
            break;
        cls = class_at(s, n, i, &cp, &l);
        if (cls & LDM)          /* a mark here follows a LETTER or DIGIT */
            continue;
        if (!(cls & (TEXT_C_APOS | TEXT_C_JOIN)))
            break;
        /* An APOS between LETTERs/DIGITs, or . , between DIGITs, joins. */
        unsigned need = (cls & TEXT_C_APOS) ? LD : TEXT_C_DIGIT;
        if (!(prev & need) || i + l >= n)
            break;
        int32_t cp2;
        size_t l2;
        unsigned cls2 = class_at(s, n, i + l, &cp2, &l2);
        if (!(cls2 & need))
            break;
        if (tb->cap - o < 8 && text_buf_reserve(tb, o + 8) < 0)
            return PARDO_ENOMEM;
        tb->data[o++] = (cls & TEXT_C_APOS) ? '\'' : (char)cp;
        all |= (cls & TEXT_C_APOS) ? TEXT_C_APOS : TEXT_C_JOIN;
        cps++;
        i += l;
        cp = cp2;
        cls = cls2;
        l = l2;
    }
    if (tb->cap - o < 16 && text_buf_reserve(tb, o + 16) < 0)
        return PARDO_ENOMEM;
    memset(tb->data + o, 0, 16);
    tok->len = o - o0;
    tok->cps = cps;
    tok->flags = ((all & (TEXT_C_LETTER | TEXT_C_MARK)) ? TEXT__T_WORD : 0) |
                 ((all & (TEXT_C_DIGIT | TEXT_C_APOS | TEXT_C_JOIN)) ? 0 : TEXT__T_LETTERS) |
                 (caps ? TEXT__T_CAPS : 0);
    *end = i;
    return 0;
}

/* ---- sentences -------------------------------------------------------- */

/* 1 when a run of terminators that ends before s[j] ends a sentence by its
 * context: closers, then the end of the text, or white space, openers and
 * an uppercase letter or a digit. */
static int ends_sentence(const unsigned char *s, size_t n, size_t j)
{
    int32_t cp;
    size_t l;
    unsigned cls = 0;
    while (j < n && ((cls = class_at(s, n, j, &cp, &l)) & TEXT_C_CLOSE))
        j += l;
    if (j >= n)
        return 1;
    if (!(cls & TEXT_C_SPACE))
        return 0;
    while (j < n && ((cls = class_at(s, n, j, &cp, &l)) & TEXT_C_SPACE))
        j += l;
    while (j < n && (cls & TEXT_C_OPEN)) {
        j += l;
        if (j < n)
            cls = class_at(s, n, j, &cp, &l);
    }
    return j < n && (cls & (TEXT_C_UPPER | TEXT_C_DIGIT));
}

static inline uint64_t head_of(const char w[8])
{
    uint64_t h;
    memcpy(&h, w, 8);
    return h;
}

/* 1 when a token (its first 8 bytes, zero-padded, and its length) is one
 * of the section 3 abbreviations.  Tokens hold no NUL, so equal heads mean
 * equal words. */
static int is_abbrev(uint64_t head, size_t len)
{
    static const char abbr[][8] = {
        "mr", "ms", "dr", "st", "jr", "sr", "mt", "vs", "lt",           /* 2 */
        "mrs", "etc", "vol", "viz", "esq", "rev", "col", "gen", "sgt", "hon", /* 3 */
        "capt", "prof",                                                 /* 4 */
    };
    static const unsigned char first[] = {0, 0, 0, 9, 19, 21}; /* by length */
    if (len < 2 || len > 4)
        return 0;
    for (unsigned i = first[len]; i < first[len + 1]; i++)
        if (head_of(abbr[i]) == head)
            return 1;
    return 0;
}

/* What a '.' that ends a sentence by its context does right after the
 * token t (its text at w, the last byte of its source last): 0 nothing
 * (an initial or an abbreviation), 1 ends the sentence, 2 ends it only if
 * the next token is a WORD ("No. 5"). */
static int after_dot(const struct text__tok *t, const char *w, unsigned last)
{
    uint64_t head = head_of(w); /* zero-padded */
    /* An initial: one code point, Lu or Lt, not I (a code point of more
     * than one byte never ends in 'I'). */
    if (t->cps == 1 && (t->flags & TEXT__T_CAPS) && last != 'I')
        return 0;
    if (is_abbrev(head, t->len))
        return 0;
    return t->len == 2 && head == head_of((const char[8]){"no"}) ? 2 : 1;
}

/* ---- the scan ----------------------------------------------------------- */

/* What text__scan_batch() shares with its slow paths, which take it in
 * sync and leave it so. */
struct scan {
    const unsigned char *s;
    size_t               len;
    struct text_buf     *tb;
    text__batch_fn      *fn;
    void                *ctx;
    struct text__tok    *toks;
    size_t nt, o;           /* tokens in toks, bytes of their texts in tb */
    size_t sentence;
    int    pending_no;      /* a boundary, unless the next token is a NUM */
};

/* Room in tb for the texts of a batch of plain tokens (SLOT bytes each). */
enum { ROOM = (TEXT__BATCH + 2) * SLOT };

/* Reads the token at s[i] with read_token(); *end gets where it ends.  0,
 * fn's return or PARDO_ENOMEM.  Leaves room in tb for the rest of the
 * batch to be plain tokens. */
static int slow_token(struct scan *sc, size_t i, size_t *end)
{
    int rc;
    if (sc->nt == TEXT__BATCH) {
        if ((rc = sc->fn(sc->ctx, sc->tb->data, sc->toks, sc->nt)) != 0)
            return rc;
        sc->nt = sc->o = 0;
    }
    struct text__tok *tok = &sc->toks[sc->nt];
    if (read_token(sc->s, sc->len, i, sc->tb, sc->o, tok, end) < 0)
        return PARDO_ENOMEM;
    if (sc->pending_no) {
        sc->sentence += tok->flags & TEXT__T_WORD;
        sc->pending_no = 0;
    }
    tok->off = sc->o;
    tok->sentence = sc->sentence;
    tok->end = *end;
    sc->o += (tok->len + 16 + 7) & ~(size_t)7;
    sc->nt++;
    if (text_buf_reserve(sc->tb, sc->o + ROOM) < 0)
        return PARDO_ENOMEM;
    return 0;
}

/* What stands at s[i] when it is not an ASCII LETTER or DIGIT: an LF, a
 * run of terminators, a non-ASCII code point (perhaps a token), or a
 * separator.  *next gets where the scan goes on.  0, fn's return or
 * PARDO_ENOMEM. */
static int event(struct scan *sc, size_t i, size_t *next)
{
    const unsigned char *s = sc->s;
    size_t len = sc->len;
    unsigned c = s[i];
    if (c == '\n') {
        /* A blank line: this LF, spaces and tabs, and another LF. */
        size_t q = i + 1;
        while (q < len && (s[q] == ' ' || s[q] == '\t'))
            q++;
        if (q < len && s[q] == '\n') {
            sc->sentence++;
            sc->pending_no = 0;
        }
        *next = i + 1;
        return 0;
    }
    int32_t cp;
    size_t l;
    unsigned cls = class_at(s, len, i, &cp, &l);
    if (cls & LD)
        return slow_token(sc, i, next);
    if (!(cls & TEXT_C_TERM)) {
        *next = i + l;
        return 0;
    }
    /* A run of terminators. */
    size_t j = i + l, runs = 1;
    while (j < len && (class_at(s, len, j, &cp, &l) & TEXT_C_TERM)) {
        j += l;
        runs++;
    }
    if (ends_sentence(s, len, j)) {
        /* The batch goes out only when the next token comes, so the last
         * token is still toks[nt - 1]. */
        const struct text__tok *t = sc->nt ? &sc->toks[sc->nt - 1] : NULL;
        int end = runs == 1 && c == '.' && t && t->end == i
                      ? after_dot(t, sc->tb->data + t->off, s[i - 1])
                      : 1;
        if (end == 1) {
            sc->sentence++;
            sc->pending_no = 0;
        } else if (end == 2) {
            sc->pending_no = 1;
        }
    }
    *next = j;
    return 0;
}

int text__scan_batch(const char *body, size_t len, struct text_buf *tb, text__batch_fn *fn,
                     void *ctx)
{
    /* Blocks of 64 bytes, of which only tokens and events that start in the
     * first STEP bytes are read: a plain token (under 16 bytes) that starts
     * there ends inside the block, so its end and what follows it are in
     * the masks. */
    enum { STEP = 48 };
    struct text__tok toks[TEXT__BATCH];
    struct scan sc = {(const unsigned char *)body, len, tb, fn, ctx, toks, 0, 0, 0, 0};
    /* The loop keeps sc's counters in locals, in sync with sc around the
     * calls of the slow paths. */
    size_t nt = 0, o = 0, sentence = 0;
    int pending_no = 0, rc;
    if (text_buf_reserve(tb, ROOM) < 0)
        return PARDO_ENOMEM;
    char *texts = tb->data;
#define SYNC_OUT() (sc.nt = nt, sc.o = o, sc.sentence = sentence, sc.pending_no = pending_no)
#define SYNC_IN() \
    (nt = sc.nt, o = sc.o, sentence = sc.sentence, pending_no = sc.pending_no, texts = tb->data)
    classify_chunk_fn *classify = pick_classify();
    struct chunk ch;
    size_t chunk_end = 0; /* blocks [ch.first, chunk_end) have masks, and one more */
    for (size_t at = 0; at < len;) {
        const unsigned char *p = sc.s + at;
        unsigned char pad[64 + 16];
        if (len - at < sizeof pad) {
            /* Near the end: a copy with zero bytes after the text, for
             * store_lower()'s 16-byte loads. */
            memset(pad, 0, sizeof pad);
            memcpy(pad, p, len - at);
            p = pad;
        }
        size_t blk = at / 64;
        if (blk >= chunk_end) {
            ch.first = blk;
            chunk_end = blk + CHUNK_BLOCKS;
            classify(sc.s, len, &ch);
        }
        struct block b;
        unsigned sh = (unsigned)(at % 64);
        blk -= ch.first;
        b.alnum = window(&ch.alnum[blk], sh);
        b.letters = window(&ch.letters[blk], sh);
        b.events = window(&ch.events[blk], sh);
        b.more = window(&ch.more[blk], sh);
        /* Token starts and events.  No token runs on from the block
         * before (see below), so a LETTER or DIGIT at bit 0 starts one. */
        uint64_t todo = ((b.alnum & ~(b.alnum << 1)) | b.events) & (((uint64_t)1 << STEP) - 1);
        size_t next = at + STEP;
        while (todo) {
            unsigned q = lowest(todo);
            uint64_t bit = todo & (0 - todo); /* 1 << q */
            size_t x; /* where the scan goes on */
            if (b.events & bit) {
                SYNC_OUT();
                rc = event(&sc, at + q, &x);
                SYNC_IN();
                if (rc)
                    return rc;
            } else {
                /* The run of ASCII letters and digits at q, as bits of the
                 * block: `end` is the byte after it (bit 63 stops a run
                 * that fills the block: it is then 16 bytes or longer). */
                uint64_t after = (~b.alnum | (uint64_t)1 << 63) & (0 - bit);
                uint64_t end = after & (0 - after), in = end - bit;
                if ((b.more & end) | (end >= bit << 16)) {
                    /* 16 bytes or more, or something after it could
                     * continue it. */
                    SYNC_OUT();
                    rc = slow_token(&sc, at + q, &x);
                    SYNC_IN();
                    if (rc)
                        return rc;
                } else {
                    /* A plain token.  The batch goes out only when a token
                     * comes, so that the last one stays for event(). */
                    if (nt == TEXT__BATCH) {
                        if ((rc = fn(ctx, texts, toks, nt)) != 0)
                            return rc;
                        nt = o = 0;
                    }
                    struct text__tok *tok = &toks[nt++];
                    unsigned k = lowest(end) - q;
                    uint64_t lt = b.letters & in;
                    store_lower(p + q, k, texts + o);
                    tok->off = o;
                    o += SLOT;
                    tok->len = tok->cps = k;
                    /* a WORD when it has a letter, letters only when all
                     * its bytes are; capitalised when its first byte is
                     * an upper-case letter (bit 0x20 clear: not a digit) */
                    unsigned flags = lt == in ? TEXT__T_WORD | TEXT__T_LETTERS : lt != 0;
                    flags |= (~(unsigned)p[q] & 0x20) >> 3;
                    tok->flags = flags;
                    if (pending_no) {
                        sentence += flags & TEXT__T_WORD;
                        pending_no = 0;
                    }
                    tok->sentence = sentence;
                    tok->end = x = at + q + k;
                    if (q + k >= STEP) {
                        next = x;
                        break;
                    }
                    /* Nothing inside the token is in todo. */
                    todo ^= bit;
                    continue;
                }
            }
            /* A token or event that ran past the first STEP bytes: the
             * next block starts there, after a byte no token continues. */
            if (x - at >= STEP) {
                next = x;
                break;
            }
            todo &= ~(uint64_t)0 << (x - at);
        }
        /* Else every token that starts before at + STEP has been read, so
         * none runs on from there. */
        at = next;
    }
#undef SYNC_OUT
#undef SYNC_IN
    if (nt && (rc = fn(ctx, texts, toks, nt)) != 0)
        return rc;
    return 0;
}

struct each_token {
    text_token_fn *fn;
    void          *ctx;
};

/* Hands the tokens of a batch to a text_token_fn one by one. */
static int each_token(void *ctx, const char *base, struct text__tok *t, size_t n)
{
    const struct each_token *e = ctx;
    for (size_t k = 0; k < n; k++) {
        struct text_token tok = {
            .text = base + t[k].off,
            .len = t[k].len,
            .is_word = (t[k].flags & TEXT__T_WORD) != 0,
            .letters_only = (t[k].flags & TEXT__T_LETTERS) != 0,
            .cps = t[k].cps,
            .capitalised = (t[k].flags & TEXT__T_CAPS) != 0,
            .sentence = t[k].sentence,
        };
        int rc = e->fn(e->ctx, &tok);
        if (rc)
            return rc;
    }
    return 0;
}

int text__scan(const char *body, size_t len, struct text_buf *tb, text_token_fn *fn, void *ctx)
{
    struct each_token e = {fn, ctx};
    return text__scan_batch(body, len, tb, each_token, &e);
}

int text_scan(const char *body, size_t len, text_token_fn *fn, void *ctx)
{
    struct text_buf tb = {0};
    int rc = text__scan(body, len, &tb, fn, ctx);
    text_buf_free(&tb);
    return rc;
}
