/*
 * features.c - the features of spec section 10 on a worker: word and
 * character n-grams of a file, or of each of its samples, packed for the
 * main thread (attribute, words --favorites, cluster).
 *
 * DESIGN
 * features_scan() keeps the file's lowercased WORDs in order, joined by one
 * space, in one buffer, with the offset of each WORD: then a word n-gram is
 * the bytes from the start of its first WORD to the end of its last, and a
 * sample's string S (section 10) is the bytes from its first WORD to the end
 * of its last, so neither is ever built.  features_pack() counts the n-grams
 * of the file (or of each sample) in the worker's word table, then packs the
 * table (each sample's in turn) into one block made with pardo_result_alloc,
 * so that it comes back from a worker process or another rank as a file's
 * words do (struct packed_words, run.h).  Plain word counts (words, --ngram
 * 1, no samples) never come here: text_analyze() makes them, with the
 * sentence-start counts that favourites need.
 *
 * Ownership: the scratch hangs from the worker (w->feat) and is reused from
 * file to file; features_scratch_free() releases it with the worker.
 */
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* A character n-gram of at most 8 bytes (most of them: 3 or 4 code points
 * of a Latin script) is counted in a table of its own, 16 bytes a slot, with
 * its bytes, zero-padded, as the key (no gram holds a zero byte): the word
 * table's 32-byte cells for 20,000 grams outgrow the L2 cache, and a
 * lookup that misses it is most of a character n-gram run. */
struct slot {
    uint64_t key;
    uint64_t count;
};

struct feat_scratch {
    struct text_buf words;      /* WORD, ' ', WORD, ' ', ... (a space after each) */
    size_t *off;                /* off[k]: WORD k's start; off[n] = words.len */
    size_t n, cap;
    struct text_buf tb;         /* text__scan_batch's */
    struct text_buf gram;       /* one n-gram, then 16 zero bytes */
    size_t cps[16];             /* ring of code point starts (chars) */
    struct slot *slots;         /* short grams: open addressing, key 0 empty */
    size_t mask, used;          /* slots - 1; slots in use */
    struct text_buf pack;       /* packed entries while samples are counted */
    struct text_buf bytes;      /*   and their words' bytes */
};

void features_scratch_free(struct feat_scratch *s)
{
    if (!s)
        return;
    text_buf_free(&s->words);
    text_buf_free(&s->tb);
    text_buf_free(&s->gram);
    text_buf_free(&s->pack);
    text_buf_free(&s->bytes);
    free(s->off);
    free(s->slots);
    free(s);
}

int features_plain(const struct opts *o)
{
    return !o->chars && o->ngram <= 1 && o->sample_size == 0;
}

static int push_word(struct feat_scratch *s, const char *w, size_t len)
{
    if (s->n + 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        size_t *off = realloc(s->off, cap * sizeof *off);
        if (!off)
            return PARDO_ENOMEM;
        s->off = off;
        s->cap = cap;
    }
    if (text_buf_reserve(&s->words, s->words.len + len + 1 + 8))   /* 8: see short_key */
        return PARDO_ENOMEM;
    s->off[s->n++] = s->words.len;
    memcpy(s->words.data + s->words.len, w, len);
    s->words.data[s->words.len + len] = ' ';
    s->words.len += len + 1;
    s->off[s->n] = s->words.len;
    return 0;
}

static int take_batch(void *ctx, const char *base, struct text__tok *t, size_t n)
{
    struct feat_scratch *s = ctx;
    for (size_t k = 0; k < n; k++)
        if ((t[k].flags & TEXT__T_WORD) && push_word(s, base + t[k].off, t[k].len))
            return PARDO_ENOMEM;
    return 0;
}

int features_scan(struct worker *w, const char *body, size_t len)
{
    if (!w->feat && !(w->feat = calloc(1, sizeof *w->feat)))
        return PARDO_ENOMEM;
    struct feat_scratch *s = w->feat;
    s->words.len = 0;
    s->n = 0;
    if (!s->off && !(s->off = malloc(4096 * sizeof *s->off)))
        return PARDO_ENOMEM;
    if (!s->cap)
        s->cap = 4096;
    s->off[0] = 0;
    return text__scan_batch(body, len, &s->tb, take_batch, s);
}

/* Counts one n-gram, p[0..len), in t. */
static int bump(struct feat_scratch *s, struct wordtab *t, const char *p, size_t len)
{
    if (text_buf_reserve(&s->gram, len + 16))
        return PARDO_ENOMEM;
    memcpy(s->gram.data, p, len);
    memset(s->gram.data + len, 0, 16);
    return text__wordtab_bump(t, s->gram.data, len, 0, 0);
}

static int slots_grow(struct feat_scratch *s)
{
    size_t n = s->slots ? 2 * (s->mask + 1) : 1 << 14;
    struct slot *old = s->slots, *nw = calloc(n, sizeof *nw);
    if (!nw)
        return PARDO_ENOMEM;
    size_t omask = s->mask;
    s->slots = nw;
    s->mask = n - 1;
    for (size_t i = 0; old && i <= omask; i++) {
        if (!old[i].key)
            continue;
        size_t h = (size_t)((old[i].key * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
        while (nw[h].key)
            h = (h + 1) & s->mask;
        nw[h] = old[i];
    }
    free(old);
    return 0;
}

/* The bytes p[0..len) (1 to 8; p has 8 readable bytes) as a key: the 8
 * bytes at p with those past len zeroed, by a mask of len 0xFF bytes. */
static inline uint64_t short_key(const char *p, size_t len)
{
    static const unsigned char keep[9][8] = {
        { 0 }, { 255 }, { 255, 255 }, { 255, 255, 255 }, { 255, 255, 255, 255 },
        { 255, 255, 255, 255, 255 }, { 255, 255, 255, 255, 255, 255 },
        { 255, 255, 255, 255, 255, 255, 255 }, { 255, 255, 255, 255, 255, 255, 255, 255 },
    };
    uint64_t k, m;
    memcpy(&k, p, 8);
    memcpy(&m, keep[len], 8);
    return k & m;
}

static int count_short(struct feat_scratch *s, uint64_t key)
{
    if (2 * (s->used + 1) > s->mask + 1 && slots_grow(s))
        return PARDO_ENOMEM;
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & s->mask;
    while (s->slots[h].key && s->slots[h].key != key)
        h = (h + 1) & s->mask;
    if (!s->slots[h].key) {
        s->slots[h].key = key;
        s->used++;
    }
    s->slots[h].count++;
    return 0;
}

/* Moves the short grams' counts into t and empties their table. */
static int flush_short(struct feat_scratch *s, struct wordtab *t)
{
    for (size_t i = 0; s->used && i <= s->mask; i++) {
        if (!s->slots[i].key)
            continue;
        char w[9];
        memcpy(w, &s->slots[i].key, 8);
        w[8] = '\0';
        struct word_entry e = { w, (uint32_t)strlen(w), s->slots[i].count, 0, 0 };
        s->slots[i] = (struct slot){ 0, 0 };
        if (wordtab_add(t, &e))
            return PARDO_ENOMEM;
    }
    s->used = 0;
    return 0;
}

/* The n-grams of WORDs [a, b) into t (cleared first); *total gets their
 * number.  0 or PARDO_ENOMEM. */
static int count_grams(struct feat_scratch *s, struct wordtab *t, const struct opts *o,
                       size_t a, size_t b, uint64_t *total)
{
    size_t N = (size_t)o->ngram;
    const char *d = s->words.data;
    wordtab_clear(t);
    *total = 0;
    if (!o->chars) {
        for (size_t i = a; i + N <= b; i++, ++*total)
            if (bump(s, t, d + s->off[i], s->off[i + N] - 1 - s->off[i]))
                return PARDO_ENOMEM;
        return text__wordtab_sync(t);
    }
    /* S is d[off[a], off[b] - 1); a ring of the last code point starts */
    size_t start = s->off[a], end = b > a ? s->off[b] - 1 : start, seen = 0;
    for (size_t p = start; p <= end; p++) {
        if (p < end && ((unsigned char)d[p] & 0xC0) == 0x80)
            continue;                   /* inside a code point */
        s->cps[seen & 15] = p;          /* p == end: the end of S */
        if (seen >= N) {
            size_t from = s->cps[(seen - N) & 15], len = p - from;
            int rc = len <= 8 ? count_short(s, short_key(d + from, len))
                              : bump(s, t, d + from, len);
            if (rc)
                return PARDO_ENOMEM;
            ++*total;
        }
        seen++;
    }
    if (text__wordtab_sync(t) || flush_short(s, t))
        return PARDO_ENOMEM;
    return 0;
}

/* Appends t's entries to the pack scratch, in the order they were first
 * met (the corpus ranks them itself).  *n gets their number. */
static int append_table(struct feat_scratch *s, struct wordtab *t, size_t *n)
{
    const struct word_entry *e = wordtab_entries(t, n);
    if (*n != wordtab_size(t))
        return PARDO_ENOMEM;
    if (text_buf_reserve(&s->pack, s->pack.len + *n * sizeof(struct packed_word)))
        return PARDO_ENOMEM;
    for (size_t i = 0; i < *n; i++) {
        if (text_buf_reserve(&s->bytes, s->bytes.len + e[i].len))
            return PARDO_ENOMEM;
        struct packed_word pw = { (uint32_t)s->bytes.len, e[i].len, e[i].count, 0, 0 };
        memcpy(s->pack.data + s->pack.len, &pw, sizeof pw);
        s->pack.len += sizeof pw;
        memcpy(s->bytes.data + s->bytes.len, e[i].word, e[i].len);
        s->bytes.len += e[i].len;
    }
    return 0;
}

/* The samples of the file: one head each (count: its n-grams; inner: its
 * entries), then every sample's entries in turn. */
static int pack_samples(struct feat_scratch *s, struct wordtab *t, const struct opts *o,
                        struct packed_words **out)
{
    size_t N = (size_t)o->sample_size, k = s->n / N;
    s->pack.len = 0;
    s->bytes.len = 0;
    if (text_buf_reserve(&s->pack, k * sizeof(struct packed_word)))
        return PARDO_ENOMEM;
    s->pack.len = k * sizeof(struct packed_word);
    for (size_t i = 0; i < k; i++) {
        uint64_t total;
        size_t n;
        int rc = count_grams(s, t, o, i * N, (i + 1) * N, &total);
        if (rc == 0)
            rc = append_table(s, t, &n);
        if (rc)
            return rc;
        struct packed_word head = { 0, 0, total, n, 0 };
        memcpy(s->pack.data + i * sizeof head, &head, sizeof head);
    }
    size_t n = s->pack.len / sizeof(struct packed_word);
    size_t head = sizeof(struct packed_words) + s->pack.len;
    struct packed_words *p = pardo_result_alloc((void **)out, head + s->bytes.len);
    if (!p)
        return PARDO_ENOMEM;
    p->n = n;
    p->total = s->n;
    p->words = s->n;
    p->samples = k;
    p->sampled = 1;
    if (s->pack.len)                    /* none: a file shorter than one sample */
        memcpy(p->w, s->pack.data, s->pack.len);
    for (size_t i = k; i < n; i++)
        p->w[i].off += (uint32_t)head;
    if (s->bytes.len)
        memcpy((char *)p + head, s->bytes.data, s->bytes.len);
    return 0;
}

int features_pack(const struct opts *o, struct worker *w, struct packed_words **out)
{
    struct feat_scratch *s = w->feat;
    if (o->sample_size)
        return pack_samples(s, w->words, o, out);
    uint64_t total;
    int rc = count_grams(s, w->words, o, 0, s->n, &total);
    if (rc == 0)
        rc = words_pack(w->words, total, out);
    if (rc == 0)
        (*out)->words = s->n;
    return rc;
}

int features_process(const struct run *r, struct worker *w)
{
    if (features_plain(r->o))
        return text_analyze(w->clean.body, w->clean.body_len, w->words, &w->st);
    return features_scan(w, w->clean.body, w->clean.body_len);
}

int features_pack_hook(const struct run *r, struct worker *w, struct packed_words **out)
{
    if (features_plain(r->o))
        return words_pack(w->words, w->st.words, out);
    return features_pack(r->o, w, out);
}
