/*
 * text_words.c - the word table: WORD type -> counts.
 *
 * DESIGN
 * Two parts.  The public entries (struct word_entry, in the order the words
 * were first added, their words in an arena of 64 KiB chunks so pointers
 * never move) are what callers see.  Lookups go through an open-addressing
 * array of 32-byte cells, linear probing, at most 70% full, 2 cells to a
 * cache line.  A cell holds the first 16 bytes of its word, zero-padded,
 * the entry's index and the counts of the file being analysed.  A word of
 * 1 to 16 bytes without NUL (all but 0.01% of the tokens of Emma) is told
 * apart by those 16 bytes alone, in one compare, so counting one
 * occurrence, sentence-initial and capitalised ones included, touches a
 * single cache line and takes no branch on the kind of occurrence: on the
 * machine this was written on, a lookup that misses the 1 MiB L2 cache
 * costs about 120 ns, and an earlier layout (slot array + 64-byte entries)
 * spent 45% of text_analyze() waiting on memory.  Longer words are marked
 * in their cell and checked against the entry's word.
 *
 * text__wordtab_count(), the per-batch path of text_analyze(), counts only
 * in the cells; text__wordtab_sync() then folds those counts into the
 * entries.  (Prefetching the cells of the words a few tokens ahead was
 * tried, twice, and measured no faster.)  A large cell array lives in
 * transparent huge pages where the system allows: in a virtual machine a
 * TLB miss costs a nested page walk, and random loads over 512 KiB measured
 * 14 ns with 4 KiB pages against 7 ns with 2 MiB ones.  The public
 * functions keep the entries exact and leave the cell counts at zero.
 *
 * With keep_order, the counting path also writes each WORD's entry index
 * (its type id) to `order`, whose room for a batch is made before the
 * batch, as the cells' is: one store per WORD, in a loop of its own
 * compiled apart, so the plain path is not slowed by a test per token.
 *
 * wordtab_clear() empties cells, entries and arena and keeps all memory, so
 * a worker reusing one table stops allocating once it has seen its largest
 * file.  Not thread-safe: one table per worker, merged afterwards.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pardo.h"
#include "text.h"

struct cell {
    uint64_t w0, w1;  /* the word's first 16 bytes, zero-padded */
    uint32_t ref;     /* entry index + 1, | LONG_WORD; 0 = empty */
    uint32_t count;   /* occurrences not yet folded into the entry */
    uint32_t starts;  /*   of them sentence-initial */
    uint32_t caps;    /*   of them inner and capitalised */
};

/* A word that its 16 bytes do not tell apart: longer than 16 bytes, empty,
 * or holding a NUL (which zero padding would hide); such a word is compared
 * with its entry. */
#define LONG_WORD 0x80000000u

struct chunk {
    char  *mem;
    size_t cap;
};

struct wordtab {
    struct cell       *cells;
    size_t             mask;   /* cell count - 1; 0 before the first add */
    unsigned           shift;  /* 64 - log2(cell count) */
    size_t             limit;  /* entries allowed before the cells grow */
    struct word_entry *ents;
    uint64_t          *keys;   /* each entry's hash key, for regrowth */
    uint32_t          *where;  /* each entry's cell */
    size_t             n, cap;
    int                dirty;  /* cells hold counts to fold */
    uint64_t           unsynced; /* occurrences counted in cells since the
                                    last fold: no cell count can overflow
                                    while it stays <= UINT32_MAX */
    struct chunk      *chunks; /* the arena */
    size_t             nchunks, cur, used;
    struct word_entry *sorted;
    size_t             sorted_cap;
    struct text_buf    scratch; /* lent to text_analyze() for tokens */
    int                keep_order;
    uint32_t          *order;  /* the WORDs counted since the last clear, */
    size_t             order_len, order_cap; /* as entry indexes */
};

enum { CHUNK = 64 * 1024, MIN_CELLS = 1024 };

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* ---- keys ---------------------------------------------------------------- */

static inline int is_long_word(const char *w, size_t len)
{
    return len - 1 >= 16 || memchr(w, 0, len) != NULL;
}

/* The first 16 bytes of w[0..len), zero-padded. */
static inline void load_words(const char *w, size_t len, uint64_t *w0, uint64_t *w1)
{
    char b[16] = {0};
    memcpy(b, w, len < 16 ? len : 16);
    memcpy(w0, b, 8);
    memcpy(w1, b + 8, 8);
}

static inline uint64_t short_key(uint64_t w0, uint64_t w1)
{
    return w0 ^ (w1 * 0xbf58476d1ce4e5b9ull);
}

/* The hash key of a long word. */
static uint64_t long_key(const char *w, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull ^ len;
    for (size_t off = 0; off < len; off += 8) {
        uint64_t v = 0;
        memcpy(&v, w + off, len - off < 8 ? len - off : 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return h;
}

static inline size_t home(const struct wordtab *t, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> t->shift);
}

/* ---- life cycle ---------------------------------------------------------- */

struct wordtab *wordtab_new(void)
{
    return calloc(1, sizeof(struct wordtab));
}

/* n zeroed cells; from 128 KiB on, their own anonymous memory, which the
 * kernel hands out zeroed, in huge pages where the system has them (see
 * DESIGN).  Not cleared again: a memset of fresh huge pages zeroed them
 * twice, 2% of a `pardo stats` run.  Freed with free_cells(). */
#define CELLS_MAPPED (128 * 1024)
#define HUGE_PAGE ((size_t)2 * 1024 * 1024)

static size_t cells_span(size_t n)
{
    return (n * sizeof(struct cell) + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

static struct cell *alloc_cells(size_t n)
{
    if (n * sizeof(struct cell) < CELLS_MAPPED)
        return calloc(n, sizeof(struct cell));
    void *p = mmap(NULL, cells_span(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, cells_span(n), MADV_HUGEPAGE);  /* a hint: failure is fine */
#endif
    return p;
}

static void free_cells(struct cell *c, size_t n)
{
    if (!c)
        return;
    if (n * sizeof(struct cell) < CELLS_MAPPED)
        free(c);
    else
        munmap(c, cells_span(n));
}

void wordtab_free(struct wordtab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i].mem);
    free(t->chunks);
    free_cells(t->cells, t->mask ? t->mask + 1 : 0);
    free(t->ents);
    free(t->keys);
    free(t->where);
    free(t->sorted);
    free(t->order);
    text_buf_free(&t->scratch);
    free(t);
}

void wordtab_clear(struct wordtab *t)
{
    if (!t || !t->n)
        return;
    t->order_len = 0;   /* a WORD makes an entry: no entries, no order */
    if (t->n * 8 < t->mask)
        for (size_t i = 0; i < t->n; i++)
            memset(&t->cells[t->where[i]], 0, sizeof(struct cell));
    else
        memset(t->cells, 0, (t->mask + 1) * sizeof *t->cells);
    t->n = 0;
    t->dirty = 0;
    t->unsynced = 0;
    t->cur = t->used = 0;
}

size_t wordtab_size(const struct wordtab *t)
{
    return t ? t->n : 0;
}

struct text_buf *text__wordtab_scratch(struct wordtab *t)
{
    return &t->scratch;
}

/* ---- growth ----------------------------------------------------------- */

/* A copy of w[0..len) plus NUL in the arena, or NULL. */
static char *arena_copy(struct wordtab *t, const char *w, size_t len)
{
    size_t need = len + 1;
    while (t->cur < t->nchunks && t->chunks[t->cur].cap - t->used < need) {
        t->cur++;
        t->used = 0;
    }
    if (t->cur == t->nchunks) {
        struct chunk *c = realloc(t->chunks, (t->nchunks + 1) * sizeof *c);
        if (!c)
            return NULL;
        t->chunks = c;
        size_t cap = need > CHUNK ? need : CHUNK;
        c[t->nchunks].mem = malloc(cap);
        if (!c[t->nchunks].mem)
            return NULL;
        c[t->nchunks].cap = cap;
        t->nchunks++;
        t->used = 0;
    }
    char *p = t->chunks[t->cur].mem + t->used;
    memcpy(p, w, len);
    p[len] = '\0';
    t->used += need;
    return p;
}

static int grow_cells(struct wordtab *t)
{
    size_t ncells = t->mask ? (t->mask + 1) * 2 : MIN_CELLS;
    struct cell *c = alloc_cells(ncells);
    if (!c)
        return PARDO_ENOMEM;
    unsigned shift = 64;
    for (size_t k = ncells; k > 1; k >>= 1)
        shift--;
    struct wordtab old = *t;
    t->cells = c;
    t->mask = ncells - 1;
    t->shift = shift;
    t->limit = ncells / 10 * 7;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = home(t, t->keys[i]);
        while (c[j].ref)
            j = (j + 1) & t->mask;
        c[j] = old.cells[old.where[i]];
        t->where[i] = (uint32_t)j;
    }
    free_cells(old.cells, old.mask ? old.mask + 1 : 0);
    return 0;
}

static int grow_ents(struct wordtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 512;
    if (cap >= LONG_WORD)
        return PARDO_ENOMEM;
    struct word_entry *e = realloc(t->ents, cap * sizeof *e);
    if (!e)
        return PARDO_ENOMEM;
    t->ents = e;
    uint64_t *k = realloc(t->keys, cap * sizeof *k);
    if (!k)
        return PARDO_ENOMEM;
    t->keys = k;
    uint32_t *w = realloc(t->where, cap * sizeof *w);
    if (!w)
        return PARDO_ENOMEM;
    t->where = w;
    t->cap = cap;
    return 0;
}

/* ---- lookup ------------------------------------------------------------ */

/* The cell of a word that is not long (w0 != 0, as its first byte is not
 * NUL), or NULL; *slot gets where the probe ended (an empty cell where the
 * word would go).  One compare per cell: an empty cell has w0 == 0. */
static inline struct cell *probe_short(const struct wordtab *t, uint64_t w0, uint64_t w1,
                                       uint64_t key, size_t *slot)
{
    size_t j = home(t, key);
    for (;; j = (j + 1) & t->mask) {
        struct cell *c = &t->cells[j];
        if (((c->w0 ^ w0) | (c->w1 ^ w1) | (c->ref & LONG_WORD)) == 0)
            return c;
        if (!c->ref)
            break;
    }
    *slot = j;
    return NULL;
}

/* probe_short() for a long word. */
static struct cell *probe_long(const struct wordtab *t, const char *w, size_t len,
                               uint64_t w0, uint64_t w1, uint64_t key, size_t *slot)
{
    size_t j = home(t, key);
    for (;; j = (j + 1) & t->mask) {
        struct cell *c = &t->cells[j];
        if (!c->ref)
            break;
        if ((c->ref & LONG_WORD) && c->w0 == w0 && c->w1 == w1) {
            const struct word_entry *e = &t->ents[(c->ref & ~LONG_WORD) - 1];
            if (e->len == len && memcmp(e->word, w, len) == 0)
                return c;
        }
    }
    *slot = j;
    return NULL;
}

/* A new entry for w (not in t) with zero counts; its cell, or NULL. */
static struct cell *insert(struct wordtab *t, const char *w, size_t len, uint64_t w0,
                           uint64_t w1, uint64_t key, int is_long, size_t slot)
{
    if (len >= UINT32_MAX)
        return NULL;
    if (t->n >= t->limit) {
        if (grow_cells(t) < 0)
            return NULL;
        slot = home(t, key);
        while (t->cells[slot].ref)
            slot = (slot + 1) & t->mask;
    }
    if (t->n == t->cap && grow_ents(t) < 0)
        return NULL;
    char *copy = arena_copy(t, w, len);
    if (!copy)
        return NULL;
    size_t i = t->n++;
    t->ents[i] = (struct word_entry){copy, (uint32_t)len, 0, 0, 0};
    t->keys[i] = key;
    t->where[i] = (uint32_t)slot;
    struct cell *c = &t->cells[slot];
    *c = (struct cell){w0, w1, (uint32_t)(i + 1) | (is_long ? LONG_WORD : 0), 0, 0, 0};
    return c;
}

/* The cell of any word w, created when absent; NULL when out of memory. */
static struct cell *find_or_insert(struct wordtab *t, const char *w, size_t len)
{
    int is_long = is_long_word(w, len);
    uint64_t w0, w1;
    load_words(w, len, &w0, &w1);
    uint64_t key = is_long ? long_key(w, len) : short_key(w0, w1);
    size_t slot = 0;
    struct cell *c = NULL;
    if (t->mask)
        c = is_long ? probe_long(t, w, len, w0, w1, key, &slot)
                    : probe_short(t, w0, w1, key, &slot);
    return c ? c : insert(t, w, len, w0, w1, key, is_long, slot);
}

static inline size_t entry_of(const struct cell *c)
{
    return (c->ref & ~LONG_WORD) - 1;
}

/* ---- counting ------------------------------------------------------------ */

/* Folds a cell's counts into its entry.  starts and caps never exceed
 * count in a cell (each comes with an occurrence, and all three are
 * folded together), so inner = count - starts is exact. */
static inline void fold(struct wordtab *t, struct cell *c)
{
    struct word_entry *e = &t->ents[entry_of(c)];
    e->count += c->count;
    e->inner += c->count - c->starts;
    e->inner_caps += c->caps;
    c->count = c->starts = c->caps = 0;
}

/* Counts one occurrence of a token's word (non-empty, no NUL, followed by
 * 16 zero bytes); start: it begins a sentence, caps: it is inner and
 * capitalised.  Its cell, or NULL when out of memory. */
static ALWAYS_INLINE struct cell *count_token(struct wordtab *t, const char *w, size_t len,
                                              unsigned start, unsigned caps)
{
    struct cell *c;
    if (len <= 16) {
        uint64_t w0, w1, key;
        size_t slot = 0;
        memcpy(&w0, w, 8);
        memcpy(&w1, w + 8, 8);
        key = short_key(w0, w1);
        c = probe_short(t, w0, w1, key, &slot);
        if (!c && !(c = insert(t, w, len, w0, w1, key, 0, slot)))
            return NULL;
    } else if (!(c = find_or_insert(t, w, len))) {
        return NULL;
    }
    c->count++;
    c->starts += start;
    c->caps += caps;
    return c;
}

/* Makes room in the cells' counts for n more occurrences (see `unsynced`),
 * and in the order for n more WORDs when it is kept, and gives t its first
 * cells, so that the counting loops need not check any of it.  0 or
 * PARDO_ENOMEM. */
static int ready_for(struct wordtab *t, size_t n)
{
    if (t->keep_order && t->order_cap - t->order_len < n) {
        size_t cap = t->order_cap ? t->order_cap : 4096;
        while (cap - t->order_len < n)
            cap *= 2;
        uint32_t *o = realloc(t->order, cap * sizeof *o);
        if (!o)
            return PARDO_ENOMEM;
        t->order = o;
        t->order_cap = cap;
    }
    if (t->unsynced + n > UINT32_MAX)
        text__wordtab_sync(t);
    t->unsynced += n;
    t->dirty = 1;
    return t->mask ? 0 : grow_cells(t);
}

int text__wordtab_bump(struct wordtab *t, const char *w, size_t len, int inner, int inner_caps)
{
    if (ready_for(t, 1) < 0)
        return PARDO_ENOMEM;
    struct cell *c = count_token(t, w, len, !inner, inner && inner_caps);
    if (!c)
        return PARDO_ENOMEM;
    if (t->keep_order)
        t->order[t->order_len++] = (uint32_t)entry_of(c);
    return 0;
}

void wordtab_keep_order(struct wordtab *t, int on)
{
    t->keep_order = on != 0;
}

const uint32_t *wordtab_order(const struct wordtab *t, size_t *n)
{
    *n = t->order_len;
    return t->order;
}

void wordtab_counts(const struct wordtab *t, uint32_t *counts)
{
    for (size_t i = 0; i < t->n; i++)
        counts[i] = t->ents[i].count > UINT32_MAX ? UINT32_MAX : (uint32_t)t->ents[i].count;
}

/* text__wordtab_count()'s loop; order is NULL, or where each WORD's entry
 * index goes (room for n), and *ordered gets how many went there.  Inlined
 * twice, so that the plain loop has no store and no test for the order. */
static ALWAYS_INLINE int count_batch(struct wordtab *t, const char *base,
                                     const struct text__tok *tok, size_t n,
                                     struct text__tally *y, uint32_t *order,
                                     size_t *ordered)
{
    /* The sums live in locals: stores into the cells could alias y. */
    uint64_t words = y->words, nums = y->nums, ly = y->ly, sl = y->sent_len;
    uint64_t n_sent = y->n_sent, sum = y->sum, sumsq = y->sumsq;
    size_t sent = y->sent, o = 0;
    uint16_t tail_ly;
    memcpy(&tail_ly, "ly", 2);
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned f = tok[k].flags;
        if (!(f & TEXT__T_WORD)) {
            nums++;
            continue;
        }
        words++;
        if (tok[k].sentence != sent) {
            /* close the current sentence (it has WORDs unless sl is 0); a
             * new sentence, one token in 20, is cheaper as a branch */
            n_sent += sl != 0;
            sum += sl;
            sumsq += sl * sl;
            sl = 0;
            sent = tok[k].sentence;
        }
        unsigned start = sl == 0;
        sl++;
        const char *w = base + tok[k].off;
        size_t len = tok[k].len;
        /* -ly: the last two bytes (the text has 16 zero bytes after it),
         * without a branch on the length, which no predictor guesses */
        uint16_t tail;
        memcpy(&tail, w + (len >= 2 ? len - 2 : 0), 2);
        if ((len >= 4) & (tail == tail_ly))
            ly += (uint64_t)text__ly_adverb16(w, len, tok[k].cps, (f & TEXT__T_LETTERS) != 0);
        struct cell *c = count_token(t, w, len, start, (start ^ 1) & (f / TEXT__T_CAPS));
        if (!c) {
            rc = PARDO_ENOMEM;
            break;
        }
        if (order)
            order[o++] = (uint32_t)entry_of(c);
    }
    *ordered = o;
    y->words = words;
    y->nums = nums;
    y->ly = ly;
    y->sent_len = sl;
    y->n_sent = n_sent;
    y->sum = sum;
    y->sumsq = sumsq;
    y->sent = sent;
    return rc;
}

int text__wordtab_count(struct wordtab *t, const char *base, const struct text__tok *tok,
                        size_t n, struct text__tally *y)
{
    if (ready_for(t, n) < 0)
        return PARDO_ENOMEM;
    size_t ordered = 0;
    if (!t->keep_order)
        return count_batch(t, base, tok, n, y, NULL, &ordered);
    int rc = count_batch(t, base, tok, n, y, t->order + t->order_len, &ordered);
    t->order_len += ordered;
    return rc;
}

int text__wordtab_sync(struct wordtab *t)
{
    if (!t || !t->dirty)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        fold(t, &t->cells[t->where[i]]);
    t->dirty = 0;
    t->unsynced = 0;
    return 0;
}

int wordtab_add(struct wordtab *t, const struct word_entry *e)
{
    if (text__wordtab_sync(t) < 0)
        return PARDO_ENOMEM;
    struct cell *c = find_or_insert(t, e->word, e->len);
    if (!c)
        return PARDO_ENOMEM;
    struct word_entry *d = &t->ents[entry_of(c)];
    d->count += e->count;
    d->inner += e->inner;
    d->inner_caps += e->inner_caps;
    return 0;
}

int wordtab_merge(struct wordtab *dst, const struct wordtab *src)
{
    /* src is const: it must be in sync (text_analyze leaves it so).  src ==
     * dst adds no entry, so its array does not move under us. */
    for (size_t i = 0; i < src->n; i++)
        if (wordtab_add(dst, &src->ents[i]) < 0)
            return PARDO_ENOMEM;
    return 0;
}

const struct word_entry *wordtab_get(const struct wordtab *t, const char *w, size_t len)
{
    if (!t || !t->n || len >= UINT32_MAX)
        return NULL;
    int is_long = is_long_word(w, len);
    uint64_t w0, w1;
    load_words(w, len, &w0, &w1);
    size_t slot;
    struct cell *c = is_long ? probe_long(t, w, len, w0, w1, long_key(w, len), &slot)
                             : probe_short(t, w0, w1, short_key(w0, w1), &slot);
    return c ? &t->ents[entry_of(c)] : NULL;
}

uint64_t text__wordtab_hapax(const struct wordtab *t)
{
    uint64_t k = 0;
    for (size_t i = 0; t && i < t->n; i++)
        k += t->ents[i].count == 1;
    return k;
}

/* Section 6 order: count descending, then the word's bytes ascending. */
static int by_count_then_bytes(const void *a, const void *b)
{
    const struct word_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->word, y->word, n);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

const struct word_entry *wordtab_entries(struct wordtab *t, size_t *n)
{
    *n = 0;
    if (!t || text__wordtab_sync(t) < 0 || !t->n)
        return NULL;
    *n = t->n;
    return t->ents;
}

const struct word_entry *wordtab_sorted(struct wordtab *t, size_t *n)
{
    *n = 0;
    if (!t || text__wordtab_sync(t) < 0 || !t->n)
        return NULL;
    if (t->sorted_cap < t->n) {
        struct word_entry *s = realloc(t->sorted, t->n * sizeof *s);
        if (!s)
            return NULL;
        t->sorted = s;
        t->sorted_cap = t->n;
    }
    memcpy(t->sorted, t->ents, t->n * sizeof *t->sorted);
    qsort(t->sorted, t->n, sizeof *t->sorted, by_count_then_bytes);
    *n = t->n;
    return t->sorted;
}
