/*
 * attrib.c - authorship attribution and favourite words (see attrib.h).
 *
 * DESIGN
 * Words are interned into one vocabulary (an open-addressing hash table of
 * ids into a string arena); a text is an array of (word, count) entries plus
 * a parallel array of (inner, inner_caps) that only favourites read.
 *
 * attrib_corpus_freeze() ranks every word by its summed count over the known
 * texts (ties in byte order) and rewrites every text's entries as (rank,
 * count) sorted by rank.  A model then only looks at a prefix of the ranks:
 * holding one text out can only lower counts, so when the mfw-th best count
 * inside the prefix is still above the total count of the first word outside
 * it, no word outside can get in, and the choice is exact; otherwise the
 * prefix grows and the choice is made again (in the end it is every word).
 * Each fold then reads, per text, only its entries inside the prefix.
 *
 * Determinism: every floating-point sum runs over texts in text order and
 * over features in feature order, and every sort either compares keys that
 * no two elements share (ties end on the word's or the label's bytes) or only
 * brings equal words together to add integers; so a fold gives the same bits
 * on any thread, in any order of the folds.
 *
 * Ownership: the corpus owns the word strings and labels that models,
 * results and favourites point to; a model only reads its corpus.
 */
#include "attrib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pardo.h"

/* ---- corpus -------------------------------------------------------------- */

/* malloc / calloc of n elements; never size 0 (so NULL means out of memory),
 * NULL when n * size overflows. */
static void *alloc_n(size_t n, size_t size)
{
    return n > SIZE_MAX / size ? NULL : malloc(n ? n * size : 1);
}

static void *zalloc_n(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static void *alloc_n2(size_t a, size_t b, size_t size)
{
    return b && a > SIZE_MAX / b ? NULL : alloc_n(a * b, size);
}

static void *zalloc_n2(size_t a, size_t b, size_t size)
{
    return b && a > SIZE_MAX / b ? NULL : zalloc_n(a * b, size);
}

struct entry {              /* one word of one text */
    uint32_t w;             /* word id; its rank once the corpus is frozen */
    uint64_t count;
};

struct entry_caps {         /* parallel to struct entry */
    uint64_t inner;
    uint64_t inner_caps;
};

struct text {
    char   *label_str;      /* owned; NULL for an unknown text */
    size_t  label;          /* label number once frozen, else ATTRIB_NONE */
    size_t  file;           /* its file (several texts: samples) */
    uint64_t total;         /* N */
    size_t  n;
    struct entry      *e;   /* sorted by w */
    struct entry_caps *caps;/* NULL when every inner count is 0 (n-grams) */
};

struct attrib_corpus {
    /* vocabulary: word id -> str + off[id], len[id] (NUL-terminated) */
    char     *str;
    size_t    str_len, str_cap;
    size_t   *off;
    uint32_t *len;
    size_t    nwords, wcap;
    uint32_t *slot;         /* hash table of ids; UINT32_MAX is empty */
    size_t    nslots;       /* a power of two, or 0 */

    struct text *texts;
    size_t ntexts, tcap, nknown;
    size_t *file_first;     /* by file: its first text; tcap of them */
    size_t nfiles;
    int    frozen;

    /* set by attrib_corpus_freeze(); arrays "by rank" have nwords entries */
    const char **labels;    /* in byte order; point into texts' label_str */
    size_t    nlabels;
    size_t    vknown;       /* words used by a known text: ranks [0, vknown) */
    uint32_t *word;         /* by rank: word id */
    uint64_t *total;        /* by rank: summed count over the known texts */
    size_t   *df;           /* by rank: known texts that use it */
    uint32_t *lex;          /* by rank: position of the word in byte order */
    unsigned char *pronoun; /* by rank: 1 if attrib_is_pronoun() */
    uint64_t  known_words;  /* sum of N over the known texts */
};

#define EMPTY_SLOT UINT32_MAX

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;            /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static const char *word_str(const struct attrib_corpus *c, uint32_t id)
{
    return c->str + c->off[id];
}

/* Byte order, as strcmp() for words without NUL. */
static int bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int r = memcmp(a, b, na < nb ? na : nb);
    if (r)
        return r;
    return (na > nb) - (na < nb);
}

int attrib_corpus_new(struct attrib_corpus **c)
{
    if (!c)
        return PARDO_EINVAL;
    *c = calloc(1, sizeof **c);
    return *c ? 0 : PARDO_ENOMEM;
}

void attrib_corpus_free(struct attrib_corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ntexts; i++) {
        free(c->texts[i].label_str);
        free(c->texts[i].e);
        free(c->texts[i].caps);
    }
    free(c->texts);
    free(c->file_first);
    free(c->str);
    free(c->off);
    free(c->len);
    free(c->slot);
    free(c->labels);
    free(c->word);
    free(c->total);
    free(c->df);
    free(c->lex);
    free(c->pronoun);
    free(c);
}

/* The capacity to grow cap to so that it holds need elements of size bytes:
 * doubling, from 16; 0 when that would overflow. */
static size_t grown(size_t cap, size_t need, size_t size)
{
    size_t n = cap ? cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return 0;
        n *= 2;
    }
    return n;
}

static int rehash(struct attrib_corpus *c, size_t nslots)
{
    uint32_t *s = malloc(nslots * sizeof *s);
    if (!s)
        return PARDO_ENOMEM;
    for (size_t i = 0; i < nslots; i++)
        s[i] = EMPTY_SLOT;
    for (uint32_t id = 0; id < c->nwords; id++) {
        size_t i = hash_bytes(word_str(c, id), c->len[id]) & (nslots - 1);
        while (s[i] != EMPTY_SLOT)
            i = (i + 1) & (nslots - 1);
        s[i] = id;
    }
    free(c->slot);
    c->slot = s;
    c->nslots = nslots;
    return 0;
}

/* The id of word w (len bytes), interning it if new.  0 or PARDO_ENOMEM. */
static int intern(struct attrib_corpus *c, const char *w, uint32_t len, uint32_t *id)
{
    if (c->nwords * 2 >= c->nslots) {
        int rc = rehash(c, c->nslots ? c->nslots * 2 : 1024);
        if (rc)
            return rc;
    }
    size_t i = hash_bytes(w, len) & (c->nslots - 1);
    for (; c->slot[i] != EMPTY_SLOT; i = (i + 1) & (c->nslots - 1)) {
        uint32_t k = c->slot[i];
        if (c->len[k] == len && memcmp(word_str(c, k), w, len) == 0) {
            *id = k;
            return 0;
        }
    }
    if (c->nwords >= UINT32_MAX - 1)
        return PARDO_ENOMEM;
    if (c->nwords == c->wcap) {
        size_t n = grown(c->wcap, c->nwords + 1, sizeof *c->off);
        size_t *off = n ? realloc(c->off, n * sizeof *off) : NULL;
        if (!off)
            return PARDO_ENOMEM;
        c->off = off;       /* grown alone, it is only bigger than wcap says */
        uint32_t *lens = realloc(c->len, n * sizeof *lens);
        if (!lens)
            return PARDO_ENOMEM;
        c->len = lens;
        c->wcap = n;
    }
    if (c->str_cap - c->str_len < (size_t)len + 1) {
        size_t n = grown(c->str_cap, c->str_len + len + 1, 1);
        char *str = n ? realloc(c->str, n) : NULL;
        if (!str)
            return PARDO_ENOMEM;
        c->str = str;
        c->str_cap = n;
    }
    memcpy(c->str + c->str_len, w, len);
    c->str[c->str_len + len] = '\0';
    c->off[c->nwords] = c->str_len;
    c->len[c->nwords] = len;
    c->str_len += (size_t)len + 1;
    *id = (uint32_t)c->nwords;
    c->slot[i] = *id;
    c->nwords++;
    return 0;
}

/* The full record of one entry while a text is built or re-sorted. */
struct row {
    uint32_t w;
    uint64_t count, inner, inner_caps;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    return (x->w > y->w) - (x->w < y->w);
}

/* Sorts rows[0..n) by w, every w below bound: a radix sort of 11-bit
 * digits through tmp (room for n rows), as qsort by row_cmp would but in
 * linear time (a text of samples or n-grams is added and re-ranked
 * thousands of times); two digits for a vocabulary of up to 4 million
 * words, so the rows move twice and end where they began. */
static void sort_rows(struct row *rows, size_t n, struct row *tmp, size_t bound)
{
    if (n < 64) {
        qsort(rows, n, sizeof *rows, row_cmp);
        return;
    }
    int bits = 0;
    while (bits < 33 && (bound - 1) >> bits)
        bits++;
    size_t count[2048];
    struct row *from = rows, *to = tmp;
    for (int shift = 0; shift < bits; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(from[i].w >> shift) & 0x7FF]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].w >> shift) & 0x7FF]++] = from[i];
        struct row *t = from;
        from = to;
        to = t;
    }
    if (from != rows)
        memcpy(rows, from, n * sizeof *rows);
}

static int check_entries(const struct word_entry *words, size_t n, uint64_t total)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct word_entry *e = &words[i];
        if (!e->word || e->len == 0 || e->inner > e->count || e->inner_caps > e->inner)
            return PARDO_EINVAL;
        if (e->count > total - sum)
            return PARDO_EINVAL;
        sum += e->count;
    }
    return 0;
}

static int same_label(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

int attrib_corpus_add(struct attrib_corpus *c, const char *label,
                      const struct word_entry *words, size_t n, uint64_t total,
                      size_t *index)
{
    return attrib_corpus_add_part(c, label, words, n, total, 0, index);
}

int attrib_corpus_add_part(struct attrib_corpus *c, const char *label,
                           const struct word_entry *words, size_t n, uint64_t total,
                           int same_file, size_t *index)
{
    if (!c || c->frozen || (n && !words) || (label && !*label) || (label && total == 0))
        return PARDO_EINVAL;
    if (same_file && (c->ntexts == 0 || !same_label(c->texts[c->ntexts - 1].label_str, label)))
        return PARDO_EINVAL;
    int rc = check_entries(words, n, total);
    if (rc)
        return rc;
    if (c->ntexts == c->tcap) {
        size_t cap = grown(c->tcap, c->ntexts + 1, sizeof *c->texts);
        struct text *texts = cap ? realloc(c->texts, cap * sizeof *texts) : NULL;
        if (!texts)
            return PARDO_ENOMEM;
        c->texts = texts;
        size_t *ff = realloc(c->file_first, cap * sizeof *ff);
        if (!ff)
            return PARDO_ENOMEM;    /* texts is only bigger than tcap says */
        c->file_first = ff;
        c->tcap = cap;
    }

    struct text t = { .label = ATTRIB_NONE, .total = total,
                      .file = same_file ? c->nfiles - 1 : c->nfiles };
    struct row *rows = alloc_n2(n, 2, sizeof *rows);     /* and the sort's room */
    if (!rows)
        return PARDO_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (words[i].count == 0)
            continue;
        /* A word that interns but whose text then fails to be added stays
         * in the vocabulary with no count: it can never be a feature. */
        rc = intern(c, words[i].word, words[i].len, &rows[m].w);
        if (rc)
            goto fail;
        rows[m].count = words[i].count;
        rows[m].inner = words[i].inner;
        rows[m].inner_caps = words[i].inner_caps;
        m++;
    }
    sort_rows(rows, m, rows + n, c->nwords);
    size_t k = 0;                   /* merge a word given twice */
    for (size_t i = 0; i < m; i++) {
        if (k && rows[k - 1].w == rows[i].w) {
            rows[k - 1].count += rows[i].count;
            rows[k - 1].inner += rows[i].inner;
            rows[k - 1].inner_caps += rows[i].inner_caps;
        } else {
            rows[k++] = rows[i];
        }
    }
    rc = PARDO_ENOMEM;
    int caps = 0;
    for (size_t i = 0; i < k && !caps; i++)
        caps = rows[i].inner != 0;
    t.n = k;
    t.e = alloc_n(k, sizeof *t.e);
    t.caps = caps ? alloc_n(k, sizeof *t.caps) : NULL;
    if (!t.e || (caps && !t.caps))
        goto fail;
    if (label && !(t.label_str = strdup(label)))
        goto fail;
    for (size_t i = 0; i < k; i++) {
        t.e[i] = (struct entry){ rows[i].w, rows[i].count };
        if (caps)
            t.caps[i] = (struct entry_caps){ rows[i].inner, rows[i].inner_caps };
    }
    free(rows);
    if (index)
        *index = c->ntexts;
    if (!same_file)
        c->file_first[c->nfiles++] = c->ntexts;
    c->texts[c->ntexts++] = t;
    if (label)
        c->nknown++;
    return 0;
fail:
    free(rows);
    free(t.e);
    free(t.caps);
    free(t.label_str);
    return rc;
}

/* ---- freezing: labels and ranks ------------------------------------------ */

struct wkey {               /* a word while the vocabulary is sorted */
    const char *s;
    uint32_t len, id;
    uint64_t total;
    uint64_t head;          /* its first 8 bytes, big-endian, zero-padded */
    uint32_t lex;
};

/* Two heads that differ order their words as bytes_cmp does: at the first
 * byte that differs both words have a byte, or the shorter has ended
 * (padding 0, below any byte but 0, and a word with a 0 byte there has the
 * same head and goes to bytes_cmp). */
static uint64_t big_endian_head(const char *s, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++)
        h = h << 8 | (i < n ? (unsigned char)s[i] : 0);
    return h;
}

static int wkey_bytes_cmp(const void *a, const void *b)
{
    const struct wkey *x = a, *y = b;
    if (x->head != y->head)
        return x->head < y->head ? -1 : 1;
    return bytes_cmp(x->s, x->len, y->s, y->len);
}

static int wkey_rank_cmp(const void *a, const void *b)
{
    const struct wkey *x = a, *y = b;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return (x->lex > y->lex) - (x->lex < y->lex);
}

static int str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The label names of the known texts, sorted and unique; *n gets their number. */
static const char **collect_labels(const struct attrib_corpus *c, size_t *n)
{
    const char **l = alloc_n(c->nknown, sizeof *l);
    if (!l)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < c->ntexts; i++)
        if (c->texts[i].label_str)
            l[k++] = c->texts[i].label_str;
    qsort(l, k, sizeof *l, str_ptr_cmp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || strcmp(l[u - 1], l[i]) != 0)
            l[u++] = l[i];
    *n = u;
    return l;
}

static size_t find_label(const char *const *labels, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(labels[mid], s);
        if (r == 0)
            return mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return ATTRIB_NONE;
}

int attrib_corpus_freeze(struct attrib_corpus *c)
{
    if (!c)
        return PARDO_EINVAL;
    if (c->frozen)
        return 0;
    size_t V = c->nwords, maxn = 0, nlabels = 0;
    for (size_t i = 0; i < c->ntexts; i++)
        if (c->texts[i].n > maxn)
            maxn = c->texts[i].n;

    const char **labels = collect_labels(c, &nlabels);
    struct wkey *k = alloc_n(V, sizeof *k);
    uint32_t *rank_of = alloc_n(V, sizeof *rank_of);
    size_t *df_id = zalloc_n(V, sizeof *df_id);
    struct row *rows = alloc_n2(maxn, 2, sizeof *rows);     /* and the sort's room */
    uint32_t *word = alloc_n(V, sizeof *word);
    uint64_t *total = alloc_n(V, sizeof *total);
    size_t *df = alloc_n(V, sizeof *df);
    uint32_t *lex = alloc_n(V, sizeof *lex);
    unsigned char *pron = alloc_n(V, 1);
    if (!labels || !k || !rank_of || !df_id || !rows || !word || !total || !df || !lex
        || !pron) {
        free(labels);
        free(word);
        free(total);
        free(df);
        free(lex);
        free(pron);
        free(k);
        free(rank_of);
        free(df_id);
        free(rows);
        return PARDO_ENOMEM;
    }

    /* Nothing below can fail: commit. */
    uint64_t known_words = 0;
    for (uint32_t id = 0; id < V; id++)
        k[id] = (struct wkey){ word_str(c, id), c->len[id], id, 0,
                               big_endian_head(word_str(c, id), c->len[id]), 0 };
    for (size_t i = 0; i < c->ntexts; i++) {
        struct text *t = &c->texts[i];
        if (!t->label_str)
            continue;
        t->label = find_label(labels, nlabels, t->label_str);
        known_words += t->total;
        for (size_t j = 0; j < t->n; j++) {
            k[t->e[j].w].total += t->e[j].count;
            df_id[t->e[j].w]++;
        }
    }
    qsort(k, V, sizeof *k, wkey_bytes_cmp);
    for (uint32_t i = 0; i < V; i++)
        k[i].lex = i;
    qsort(k, V, sizeof *k, wkey_rank_cmp);  /* count desc, bytes; 0 last */
    size_t vknown = 0;
    for (uint32_t r = 0; r < V; r++) {
        rank_of[k[r].id] = r;
        word[r] = k[r].id;
        total[r] = k[r].total;
        df[r] = df_id[k[r].id];
        lex[r] = k[r].lex;
        pron[r] = (unsigned char)attrib_is_pronoun(k[r].s, k[r].len);
        if (k[r].total)
            vknown = (size_t)r + 1;
    }
    for (size_t i = 0; i < c->ntexts; i++) {
        struct text *t = &c->texts[i];
        for (size_t j = 0; j < t->n; j++)
            rows[j] = (struct row){ rank_of[t->e[j].w], t->e[j].count,
                                    t->caps ? t->caps[j].inner : 0,
                                    t->caps ? t->caps[j].inner_caps : 0 };
        sort_rows(rows, t->n, rows + t->n, V);
        for (size_t j = 0; j < t->n; j++) {
            t->e[j] = (struct entry){ rows[j].w, rows[j].count };
            if (t->caps)
                t->caps[j] = (struct entry_caps){ rows[j].inner, rows[j].inner_caps };
        }
    }
    free(k);
    free(rank_of);
    free(df_id);
    free(rows);
    c->labels = labels;
    c->nlabels = nlabels;
    c->vknown = vknown;
    c->word = word;
    c->total = total;
    c->df = df;
    c->lex = lex;
    c->pronoun = pron;
    c->known_words = known_words;
    c->frozen = 1;
    /* The hash table is only needed to add texts. */
    free(c->slot);
    c->slot = NULL;
    c->nslots = 0;
    return 0;
}

size_t attrib_corpus_texts(const struct attrib_corpus *c) { return c ? c->ntexts : 0; }
size_t attrib_corpus_known(const struct attrib_corpus *c) { return c ? c->nknown : 0; }
size_t attrib_corpus_labels(const struct attrib_corpus *c) { return c ? c->nlabels : 0; }

const char *attrib_corpus_label(const struct attrib_corpus *c, size_t label)
{
    return c && label < c->nlabels ? c->labels[label] : NULL;
}

size_t attrib_corpus_text_label(const struct attrib_corpus *c, size_t text)
{
    return c && text < c->ntexts ? c->texts[text].label : ATTRIB_NONE;
}

uint64_t attrib_corpus_text_words(const struct attrib_corpus *c, size_t text)
{
    return c && text < c->ntexts ? c->texts[text].total : 0;
}

size_t attrib_corpus_files(const struct attrib_corpus *c) { return c ? c->nfiles : 0; }

size_t attrib_corpus_text_file(const struct attrib_corpus *c, size_t text)
{
    return c && text < c->ntexts ? c->texts[text].file : ATTRIB_NONE;
}

size_t attrib_corpus_file_texts(const struct attrib_corpus *c, size_t file, size_t *first)
{
    if (!c || file >= c->nfiles)
        return 0;
    size_t end = file + 1 < c->nfiles ? c->file_first[file + 1] : c->ntexts;
    if (first)
        *first = c->file_first[file];
    return end - c->file_first[file];
}

/* ---- options ---------------------------------------------------------------- */

static const char *const delta_names[] = { "burrows", "cosine", "eder", "argamon",
                                           "minmax" };

int attrib_delta_parse(const char *name, enum attrib_delta *d)
{
    for (size_t i = 0; name && i < sizeof delta_names / sizeof *delta_names; i++)
        if (strcmp(name, delta_names[i]) == 0) {
            *d = (enum attrib_delta)i;
            return 0;
        }
    return PARDO_EINVAL;
}

const char *attrib_delta_name(enum attrib_delta d)
{
    return (unsigned)d < sizeof delta_names / sizeof *delta_names ? delta_names[d] : "?";
}

void attrib_options_init(struct attrib_options *o)
{
    *o = (struct attrib_options){ .mfw = 100, .delta = ATTRIB_BURROWS };
}

/* stylo's stylo.pronouns("English"), in byte order for bsearch. */
static const char *const pronouns[] = {
    "he",   "her",  "hers", "herself", "him",  "himself", "his",        "i",
    "me",   "mine", "my",   "myself",  "our",  "ours",    "ourselves",  "she",
    "thee", "their", "them", "themselves", "they", "thou", "thy", "thyself",
    "us",   "we",   "ye",   "you",     "your", "yours",   "yourself",
};

int attrib_is_pronoun(const char *w, size_t len)
{
    size_t lo = 0, hi = sizeof pronouns / sizeof *pronouns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = bytes_cmp(pronouns[mid], strlen(pronouns[mid]), w, len);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int options_ok(const struct attrib_options *o)
{
    return o && o->mfw >= 1 && (unsigned)o->delta < ATTRIB_NDELTAS && o->culling >= 0
           && o->culling <= 100 && (o->no_pronouns == 0 || o->no_pronouns == 1);
}

/* ---- model ----------------------------------------------------------------- */

struct attrib_model {
    const struct attrib_corpus *c;
    enum attrib_delta delta;
    size_t    nf;           /* features */
    uint32_t *rank;         /* by feature: its word's rank */
    uint32_t *pos;          /* by feature: its place among the chosen words,
                               before the constant ones were dropped */
    double   *mean, *sd;    /* by feature */
    size_t    bound;        /* every feature has rank < bound */
    int32_t  *feat;         /* by rank < bound: feature number or -1 */
    size_t    ncand;        /* candidate authors, in label order */
    size_t   *cand_label;
    size_t   *cand_of;      /* by label number: candidate index or ATTRIB_NONE */
    double   *profile;      /* ncand x nf: mean z-scores */
    double   *pvalue;       /* ncand x nf: mean values (minmax's profile) */
};

void attrib_model_free(struct attrib_model *m)
{
    if (!m)
        return;
    free(m->rank);
    free(m->pos);
    free(m->mean);
    free(m->sd);
    free(m->feat);
    free(m->cand_label);
    free(m->cand_of);
    free(m->profile);
    free(m->pvalue);
    free(m);
}

struct cand {               /* a possible feature in one fold */
    uint64_t count;         /* its count without the held-out file */
    uint32_t lex, rank;
};

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return (x->lex > y->lex) - (x->lex < y->lex);
}

/* May rank r be a feature, with count n and df texts using it out of nfold? */
static int eligible(const struct attrib_corpus *c, const struct attrib_options *opt, size_t r,
                    uint64_t n, size_t df, size_t nfold)
{
    if (n == 0 || (opt->no_pronouns && c->pronoun[r]))
        return 0;
    return !(opt->culling > 0 && (double)df * 100.0 < opt->culling * (double)nfold);
}

size_t attrib_features_available(const struct attrib_corpus *c,
                                 const struct attrib_options *opt)
{
    size_t n = 0;
    for (size_t r = 0; c && c->frozen && opt && r < c->vknown; r++)
        n += eligible(c, opt, r, c->total[r], c->df[r], c->nknown);
    return n;
}

/* Chooses up to opt->mfw features without file `held` (or ATTRIB_NONE):
 * *out gets their ranks, best first (*nf of them), and *bound the prefix of
 * ranks they were chosen from.  0 or PARDO_ENOMEM. */
static int choose_features(const struct attrib_corpus *c, const struct attrib_options *opt,
                           size_t held, uint32_t **out, size_t *nf, size_t *bound)
{
    size_t first = 0, nheld = held == ATTRIB_NONE ? 0 : attrib_corpus_file_texts(c, held, &first);
    size_t nfold = c->nknown - nheld;
    size_t K = opt->mfw;
    /* A first prefix with room for the features and for words that drop
     * out of them; measured: enough for every fold of 124 novels. */
    size_t M = K < (SIZE_MAX - 256) / 2 && 2 * K + 256 < c->vknown ? 2 * K + 256 : c->vknown;
    uint64_t *hc = NULL;
    size_t *hd = NULL;
    struct cand *cd = NULL;
    size_t ncd;
    for (;;) {
        free(hc);
        free(hd);
        free(cd);
        hc = zalloc_n(M, sizeof *hc);
        hd = zalloc_n(M, sizeof *hd);
        cd = alloc_n(M, sizeof *cd);
        if (!hc || !hd || !cd) {
            free(hc);
            free(hd);
            free(cd);
            return PARDO_ENOMEM;
        }
        for (size_t i = first; i < first + nheld; i++) {
            const struct text *h = &c->texts[i];
            for (size_t j = 0; j < h->n && h->e[j].w < M; j++) {
                hc[h->e[j].w] += h->e[j].count;
                hd[h->e[j].w]++;
            }
        }
        ncd = 0;
        for (size_t r = 0; r < M; r++) {
            uint64_t n = c->total[r] - hc[r];
            if (eligible(c, opt, r, n, c->df[r] - hd[r], nfold))
                cd[ncd++] = (struct cand){ n, c->lex[r], (uint32_t)r };
        }
        qsort(cd, ncd, sizeof *cd, cand_cmp);
        if (M == c->vknown || (ncd >= K && cd[K - 1].count > c->total[M]))
            break;
        M = M > c->vknown / 4 ? c->vknown : M * 4;
    }
    free(hc);
    free(hd);
    *nf = ncd < K ? ncd : K;
    *bound = M;
    *out = alloc_n(*nf, sizeof **out);
    if (!*out) {
        free(cd);
        return PARDO_ENOMEM;
    }
    for (size_t f = 0; f < *nf; f++)
        (*out)[f] = cd[f].rank;
    free(cd);
    return 0;
}

/* v[0..nf) gets text t's feature values count / N (zeros when N = 0). */
static void text_values(const struct attrib_model *m, const struct text *t, double *v)
{
    for (size_t f = 0; f < m->nf; f++)
        v[f] = 0;
    if (t->total == 0)
        return;
    for (size_t j = 0; j < t->n && t->e[j].w < m->bound; j++) {
        int32_t f = m->feat[t->e[j].w];
        if (f >= 0)
            v[f] = (double)t->e[j].count / (double)t->total;
    }
}

static void values_to_z(const struct attrib_model *m, double *v)
{
    for (size_t f = 0; f < m->nf; f++)
        v[f] = (v[f] - m->mean[f]) / m->sd[f];
}

/* Means and sample sds of the columns of val (nk rows x nf); the features
 * whose values are all equal are dropped from m and from val's columns. */
static void fit_features(struct attrib_model *m, double *val, size_t nk)
{
    size_t nf = m->nf, kept = 0;
    for (size_t f = 0; f < nf; f++) {
        int varies = 0;
        for (size_t j = 1; j < nk && !varies; j++)
            varies = val[j * nf + f] != val[f];
        m->feat[m->rank[f]] = -1;
        if (!varies)
            continue;
        double sum = 0, ss = 0;
        for (size_t j = 0; j < nk; j++)
            sum += val[j * nf + f];
        double mean = sum / (double)nk;
        for (size_t j = 0; j < nk; j++) {
            double d = val[j * nf + f] - mean;
            ss += d * d;
        }
        m->rank[kept] = m->rank[f];
        m->pos[kept] = (uint32_t)f;
        m->mean[kept] = mean;
        m->sd[kept] = sqrt(ss / (double)(nk - 1));
        for (size_t j = 0; j < nk; j++)      /* kept <= f: moves left only */
            val[j * nf + kept] = val[j * nf + f];
        m->feat[m->rank[kept]] = (int32_t)kept;
        kept++;
    }
    m->nf = kept;
}

/* Profiles: the mean values and the mean z-scores of each label's texts
 * among known[0..nk); val holds their values, rows of stride `stride`. */
static int fit_profiles(struct attrib_model *m, const size_t *known, size_t nk,
                        double *val, size_t stride)
{
    const struct attrib_corpus *c = m->c;
    size_t nf = m->nf, L = c->nlabels;
    size_t *ntexts = zalloc_n(L, sizeof *ntexts);
    m->cand_of = alloc_n(L, sizeof *m->cand_of);
    m->cand_label = alloc_n(L, sizeof *m->cand_label);
    if (!ntexts || !m->cand_of || !m->cand_label) {
        free(ntexts);
        return PARDO_ENOMEM;
    }
    for (size_t j = 0; j < nk; j++)
        ntexts[c->texts[known[j]].label]++;
    for (size_t l = 0; l < L; l++) {
        m->cand_of[l] = ntexts[l] ? m->ncand : ATTRIB_NONE;
        if (ntexts[l])
            m->cand_label[m->ncand++] = l;
    }
    m->profile = zalloc_n2(m->ncand, nf, sizeof *m->profile);
    m->pvalue = zalloc_n2(m->ncand, nf, sizeof *m->pvalue);
    if (!m->profile || !m->pvalue) {
        free(ntexts);
        return PARDO_ENOMEM;
    }
    for (size_t j = 0; j < nk; j++) {           /* text order */
        double *z = val + j * stride;
        size_t a = m->cand_of[c->texts[known[j]].label];
        double *pv = m->pvalue + a * nf, *p = m->profile + a * nf;
        for (size_t f = 0; f < nf; f++)
            pv[f] += z[f];
        values_to_z(m, z);
        for (size_t f = 0; f < nf; f++)
            p[f] += z[f];
    }
    for (size_t a = 0; a < m->ncand; a++)
        for (size_t f = 0; f < nf; f++) {
            m->profile[a * nf + f] /= (double)ntexts[m->cand_label[a]];
            m->pvalue[a * nf + f] /= (double)ntexts[m->cand_label[a]];
        }
    free(ntexts);
    return 0;
}

/* The model without file `held` (ATTRIB_NONE: every known text). */
static int model_build(struct attrib_model **out, const struct attrib_corpus *c,
                       const struct attrib_options *opt, size_t held)
{
    struct attrib_model *m = calloc(1, sizeof *m);
    if (!m)
        return PARDO_ENOMEM;
    m->c = c;
    m->delta = opt->delta;
    size_t nk = 0, *known = NULL;
    double *val = NULL;
    int rc = choose_features(c, opt, held, &m->rank, &m->nf, &m->bound);
    if (rc)
        goto fail;
    rc = PARDO_ENOMEM;
    size_t nf = m->nf;
    m->pos = alloc_n(nf, sizeof *m->pos);
    m->mean = alloc_n(nf, sizeof *m->mean);
    m->sd = alloc_n(nf, sizeof *m->sd);
    m->feat = alloc_n(m->bound, sizeof *m->feat);
    known = alloc_n(c->nknown, sizeof *known);
    if (!m->pos || !m->mean || !m->sd || !m->feat || !known)
        goto fail;
    for (size_t r = 0; r < m->bound; r++)
        m->feat[r] = -1;
    for (size_t f = 0; f < nf; f++)
        m->feat[m->rank[f]] = (int32_t)f;
    for (size_t i = 0; i < c->ntexts; i++)
        if (c->texts[i].label_str && (held == ATTRIB_NONE || c->texts[i].file != held))
            known[nk++] = i;
    val = alloc_n2(nk, nf, sizeof *val);
    if (!val)
        goto fail;
    for (size_t j = 0; j < nk; j++)
        text_values(m, &c->texts[known[j]], val + j * nf);
    fit_features(m, val, nk);
    rc = fit_profiles(m, known, nk, val, nf);
    if (rc)
        goto fail;
    free(val);
    free(known);
    *out = m;
    return 0;
fail:
    free(val);
    free(known);
    attrib_model_free(m);
    return rc;
}

int attrib_model_new(struct attrib_model **out, const struct attrib_corpus *c,
                     const struct attrib_options *opt, size_t held)
{
    if (!out)
        return PARDO_EINVAL;
    *out = NULL;
    if (!c || !c->frozen || !options_ok(opt)
        || (held != ATTRIB_NONE && (held >= c->ntexts || !c->texts[held].label_str)))
        return PARDO_EINVAL;
    return model_build(out, c, opt, held == ATTRIB_NONE ? held : c->texts[held].file);
}

size_t attrib_model_features(const struct attrib_model *m) { return m ? m->nf : 0; }

const char *attrib_model_feature(const struct attrib_model *m, size_t i)
{
    if (!m || i >= m->nf)
        return NULL;
    return word_str(m->c, m->c->word[m->rank[i]]);
}

int attrib_model_stats(const struct attrib_model *m, size_t i, double *mean, double *sd)
{
    if (!m || i >= m->nf)
        return PARDO_EINVAL;
    if (mean)
        *mean = m->mean[i];
    if (sd)
        *sd = m->sd[i];
    return 0;
}

int attrib_model_values(const struct attrib_model *m, size_t text, double *v)
{
    if (!m || text >= m->c->ntexts || (!v && m->nf))
        return PARDO_EINVAL;
    text_values(m, &m->c->texts[text], v);
    return 0;
}

int attrib_model_zscores(const struct attrib_model *m, size_t text, double *z)
{
    if (!m || text >= m->c->ntexts || (!z && m->nf))
        return PARDO_EINVAL;
    const struct text *t = &m->c->texts[text];
    text_values(m, t, z);
    if (t->total)        /* no rates: leave it at the mean, z = 0 */
        values_to_z(m, z);
    return 0;
}

int attrib_model_profile(const struct attrib_model *m, size_t label, double *z)
{
    if (!m || label >= m->c->nlabels || m->cand_of[label] == ATTRIB_NONE || (!z && m->nf))
        return PARDO_EINVAL;
    if (m->nf)
        memcpy(z, m->profile + m->cand_of[label] * m->nf, m->nf * sizeof *z);
    return 0;
}

/* The sums below run in four lanes, feature f in lane f % 4, added up as
 * (l0 + l1) + (l2 + l3): four chains of additions instead of one, in an
 * order fixed by the features alone, so the bits never depend on a thread
 * or on -j (the T x T matrix of cluster is most of its time). */
#define LANES(out, f, expr)                                                     \
    do {                                                                        \
        double l_[4] = { 0, 0, 0, 0 };                                          \
        size_t f;                                                               \
        for (size_t q_ = 0; q_ + 4 <= nf; q_ += 4)                              \
            for (size_t k_ = 0; k_ < 4; k_++) {                                 \
                f = q_ + k_;                                                    \
                l_[k_] += (expr);                                               \
            }                                                                   \
        for (f = nf & ~(size_t)3; f < nf; f++)                                  \
            l_[0] += (expr);                                                    \
        (out) = (l_[0] + l_[1]) + (l_[2] + l_[3]);                              \
    } while (0)

double attrib_distance(enum attrib_delta d, const double *a, const double *b, size_t nf)
{
    double sum = 0;
    switch (d) {
    case ATTRIB_COSINE: {
        double dot, na, nb;
        LANES(dot, f, a[f] * b[f]);
        LANES(na, f, a[f] * a[f]);
        LANES(nb, f, b[f] * b[f]);
        if (na == 0 || nb == 0)
            return 1;
        /* sqrt(x * x) == x exactly, so a vector is at distance 0 from itself. */
        double cs = dot / sqrt(na * nb);
        /* Rounding can push |cos| a hair past 1; keep the distance in [0, 2]. */
        return 1 - (cs > 1 ? 1 : cs < -1 ? -1 : cs);
    }
    case ATTRIB_EDER:
        LANES(sum, f, fabs(a[f] - b[f]) * (double)(nf - f + 1) / (double)nf);
        return sum;
    case ATTRIB_ARGAMON:
        LANES(sum, f, (a[f] - b[f]) * (a[f] - b[f]));
        return nf ? sqrt(sum) / (double)nf : 0;
    case ATTRIB_MINMAX: {
        double lo, hi;
        LANES(lo, f, a[f] < b[f] ? a[f] : b[f]);
        LANES(hi, f, a[f] < b[f] ? b[f] : a[f]);
        return hi > 0 ? 1 - lo / hi : 0;
    }
    case ATTRIB_BURROWS:
    default:
        LANES(sum, f, fabs(a[f] - b[f]));
        return nf ? sum / (double)nf : 0;
    }
}

/* LANES for four vectors B = b[0..3] at once: out[p] gets LANES(expr) of
 * b[p], the same additions in the same order, sixteen chains in flight. */
#define LANE_STEP_(l, B0, f, B, expr)                                           \
    for (size_t k_ = 0; k_ < 4; k_++) {                                         \
        const double *B = (B0);                                                 \
        f = q_ + k_;                                                            \
        l[k_] += (expr);                                                        \
    }
#define LANES4(out, f, B, expr)                                                 \
    do {                                                                        \
        double l0_[4] = { 0, 0, 0, 0 }, l1_[4] = { 0, 0, 0, 0 };                \
        double l2_[4] = { 0, 0, 0, 0 }, l3_[4] = { 0, 0, 0, 0 };                \
        size_t f, q_;                                                           \
        for (q_ = 0; q_ + 4 <= nf; q_ += 4) {                                   \
            LANE_STEP_(l0_, b[0], f, B, expr)                                   \
            LANE_STEP_(l1_, b[1], f, B, expr)                                   \
            LANE_STEP_(l2_, b[2], f, B, expr)                                   \
            LANE_STEP_(l3_, b[3], f, B, expr)                                   \
        }                                                                       \
        for (f = nf & ~(size_t)3; f < nf; f++) {                                \
            const double *B;                                                    \
            B = b[0]; l0_[0] += (expr);                                         \
            B = b[1]; l1_[0] += (expr);                                         \
            B = b[2]; l2_[0] += (expr);                                         \
            B = b[3]; l3_[0] += (expr);                                         \
        }                                                                       \
        (out)[0] = (l0_[0] + l0_[1]) + (l0_[2] + l0_[3]);                       \
        (out)[1] = (l1_[0] + l1_[1]) + (l1_[2] + l1_[3]);                       \
        (out)[2] = (l2_[0] + l2_[1]) + (l2_[2] + l2_[3]);                       \
        (out)[3] = (l3_[0] + l3_[1]) + (l3_[2] + l3_[3]);                       \
    } while (0)

void attrib_distance4(enum attrib_delta d, const double *a, const double *const b[4],
                      size_t nf, double out[4])
{
    double s[4];
    switch (d) {
    case ATTRIB_COSINE: {
        double dot[4], nb[4], na;
        LANES(na, f, a[f] * a[f]);
        LANES4(dot, f, B, a[f] * B[f]);
        LANES4(nb, f, B, B[f] * B[f]);
        for (int p = 0; p < 4; p++) {
            if (na == 0 || nb[p] == 0) {
                out[p] = 1;
                continue;
            }
            double cs = dot[p] / sqrt(na * nb[p]);
            out[p] = 1 - (cs > 1 ? 1 : cs < -1 ? -1 : cs);
        }
        return;
    }
    case ATTRIB_EDER:               /* a division per term: no faster four at once */
        for (int p = 0; p < 4; p++)
            out[p] = attrib_distance(d, a, b[p], nf);
        return;
    case ATTRIB_ARGAMON:
        LANES4(s, f, B, (a[f] - B[f]) * (a[f] - B[f]));
        for (int p = 0; p < 4; p++)
            out[p] = nf ? sqrt(s[p]) / (double)nf : 0;
        return;
    case ATTRIB_MINMAX: {
        double lo[4], hi[4];
        LANES4(lo, f, B, a[f] < B[f] ? a[f] : B[f]);
        LANES4(hi, f, B, a[f] < B[f] ? B[f] : a[f]);
        for (int p = 0; p < 4; p++)
            out[p] = hi[p] > 0 ? 1 - lo[p] / hi[p] : 0;
        return;
    }
    case ATTRIB_BURROWS:
    default:
        LANES4(s, f, B, fabs(a[f] - B[f]));
        for (int p = 0; p < 4; p++)
            out[p] = nf ? s[p] / (double)nf : 0;
        return;
    }
}

static int score_cmp(const void *a, const void *b)
{
    const struct attrib_score *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    return (x->label > y->label) - (x->label < y->label);
}

/* r's scores on the first nf features with distance d: z holds the text's
 * z-scores, v its values (r->text and r->label set). */
static int score(const struct attrib_model *m, const double *z, const double *v, size_t nf,
                 enum attrib_delta d, struct attrib_result *r)
{
    r->features = nf;
    r->scores = alloc_n(m->ncand, sizeof *r->scores);
    if (!r->scores)
        return PARDO_ENOMEM;
    const double *x = d == ATTRIB_MINMAX ? v : z;
    const double *prof = d == ATTRIB_MINMAX ? m->pvalue : m->profile;
    for (size_t a = 0; a < m->ncand; a++)
        r->scores[a] = (struct attrib_score){ m->cand_label[a],
                                              attrib_distance(d, x, prof + a * m->nf, nf) };
    r->nscores = m->ncand;
    qsort(r->scores, r->nscores, sizeof *r->scores, score_cmp);
    if (r->nscores)
        r->nearest = r->scores[0].label;
    return 0;
}

int attrib_model_classify(const struct attrib_model *m, size_t text, struct attrib_result *r)
{
    if (!r)
        return PARDO_EINVAL;
    *r = (struct attrib_result){ .text = text, .label = ATTRIB_NONE, .nearest = ATTRIB_NONE };
    if (!m || text >= m->c->ntexts)
        return PARDO_EINVAL;
    r->label = m->c->texts[text].label;
    double *z = alloc_n2(2, m->nf, sizeof *z);
    if (!z)
        return PARDO_ENOMEM;
    attrib_model_values(m, text, z + m->nf);
    attrib_model_zscores(m, text, z);
    int rc = score(m, z, z + m->nf, m->nf, m->delta, r);
    free(z);
    return rc;
}

void attrib_result_free(struct attrib_result *r)
{
    if (!r)
        return;
    free(r->scores);
    r->scores = NULL;
    r->nscores = 0;
}

/* ---- leave-one-out ---------------------------------------------------------- */

int attrib_loo_text(const struct attrib_corpus *c, const struct attrib_options *opt,
                    size_t text, struct attrib_result *r)
{
    if (!r)
        return PARDO_EINVAL;
    *r = (struct attrib_result){ .text = text, .label = ATTRIB_NONE, .nearest = ATTRIB_NONE };
    if (!c || text >= c->ntexts || !c->texts[text].label_str)
        return PARDO_EINVAL;
    struct attrib_model *m;
    int rc = attrib_model_new(&m, c, opt, text);
    if (rc)
        return rc;
    rc = attrib_model_classify(m, text, r);
    attrib_model_free(m);
    return rc;
}

int attrib_loo_file(const struct attrib_corpus *c, const struct attrib_options *opt,
                    const struct attrib_cell *cells, size_t ncells, size_t file,
                    struct attrib_result *r)
{
    size_t first = 0, nt = attrib_corpus_file_texts(c, file, &first);
    if (!c || !c->frozen || !options_ok(opt) || !cells || ncells == 0 || !r || nt == 0
        || !c->texts[first].label_str)
        return PARDO_EINVAL;
    struct attrib_options o = *opt;
    o.mfw = 0;
    for (size_t k = 0; k < ncells; k++) {
        if (cells[k].mfw == 0 || (unsigned)cells[k].delta >= ATTRIB_NDELTAS)
            return PARDO_EINVAL;
        if (cells[k].mfw > o.mfw)
            o.mfw = cells[k].mfw;
    }
    struct attrib_model *m;
    int rc = model_build(&m, c, &o, file);
    if (rc)
        return rc;
    double *z = alloc_n2(2, m->nf, sizeof *z);
    rc = z ? 0 : PARDO_ENOMEM;
    for (size_t t = 0; t < nt && rc == 0; t++) {
        attrib_model_values(m, first + t, z + m->nf);
        attrib_model_zscores(m, first + t, z);
        for (size_t k = 0; k < ncells && rc == 0; k++) {
            size_t nf = 0;          /* the features of a model with this mfw */
            while (nf < m->nf && m->pos[nf] < cells[k].mfw)
                nf++;
            struct attrib_result *res = &r[t * ncells + k];
            *res = (struct attrib_result){ .text = first + t, .label = c->texts[first + t].label,
                                           .nearest = ATTRIB_NONE };
            rc = score(m, z, z + m->nf, nf, cells[k].delta, res);
        }
    }
    free(z);
    attrib_model_free(m);
    return rc;
}
int attrib_summarize(const struct attrib_corpus *c, const struct attrib_result *r, size_t n,
                     struct attrib_summary *s)
{
    if (!s)
        return PARDO_EINVAL;
    *s = (struct attrib_summary){ 0 };
    if (!c || !c->frozen || (n && !r))
        return PARDO_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (r[i].label >= c->nlabels)
            return PARDO_EINVAL;
    s->labels = zalloc_n(c->nlabels, sizeof *s->labels);
    if (!s->labels)
        return PARDO_ENOMEM;
    s->nlabels = c->nlabels;
    for (size_t i = 0; i < n; i++) {
        int ok = r[i].nearest == r[i].label;
        s->labels[r[i].label].texts++;
        s->labels[r[i].label].correct += ok;
        s->all.texts++;
        s->all.correct += ok;
    }
    s->accuracy = s->all.texts ? (double)s->all.correct / (double)s->all.texts : 0;
    return 0;
}

void attrib_summary_free(struct attrib_summary *s)
{
    if (!s)
        return;
    free(s->labels);
    *s = (struct attrib_summary){ 0 };
}

void attrib_results_free(struct attrib_result *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        attrib_result_free(&r[i]);
    free(r);
}

int attrib_loo(const struct attrib_corpus *c, const struct attrib_options *opt,
               struct attrib_result **results, size_t *n, struct attrib_summary *s)
{
    if (!results || !n || !s)
        return PARDO_EINVAL;
    *results = NULL;
    *n = 0;
    *s = (struct attrib_summary){ 0 };
    if (!c || !c->frozen || !options_ok(opt))
        return PARDO_EINVAL;
    struct attrib_result *r = zalloc_n(c->nknown, sizeof *r);
    if (!r)
        return PARDO_ENOMEM;
    size_t k = 0;
    int rc = 0;
    for (size_t i = 0; i < c->ntexts && !rc; i++)
        if (c->texts[i].label_str && !(rc = attrib_loo_text(c, opt, i, &r[k])))
            k++;
    if (!rc)
        rc = attrib_summarize(c, r, k, s);
    if (rc) {
        attrib_results_free(r, k);
        return rc;
    }
    *results = r;
    *n = k;
    return 0;
}

/* ---- favourite words ---------------------------------------------------------- */

struct fav_row {            /* one word of one label's texts */
    uint32_t rank;
    uint64_t count, inner, inner_caps;
    size_t   texts;
};

static int fav_row_cmp(const void *a, const void *b)
{
    const struct fav_row *x = a, *y = b;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

struct fav_key {
    struct attrib_favorite f;
    uint32_t lex;
};

static int fav_key_cmp(const void *a, const void *b)
{
    const struct fav_key *x = a, *y = b;
    if (x->f.ratio != y->f.ratio)
        return x->f.ratio > y->f.ratio ? -1 : 1;
    return (x->lex > y->lex) - (x->lex < y->lex);
}

/* inner_caps >= 0.9 * inner, exactly: 0.9 * (10q + r) rounds up to 9q + r. */
static int mostly_capitalised(uint64_t inner, uint64_t caps)
{
    return inner > 0 && caps >= 9 * (inner / 10) + inner % 10;
}

/* The label's words, one row each with its summed counts, sorted by rank;
 * *n gets their number, *nt the label's texts and *N their WORDs. */
static struct fav_row *label_rows(const struct attrib_corpus *c, size_t label, size_t *n,
                                  size_t *nt, uint64_t *N)
{
    size_t m = 0;
    *nt = 0;
    *N = 0;
    for (size_t i = 0; i < c->ntexts; i++)
        if (c->texts[i].label == label)
            m += c->texts[i].n;
    struct fav_row *rows = alloc_n(m, sizeof *rows);
    if (!rows)
        return NULL;
    m = 0;
    for (size_t i = 0; i < c->ntexts; i++) {
        const struct text *t = &c->texts[i];
        if (t->label != label)
            continue;
        ++*nt;
        *N += t->total;
        for (size_t j = 0; j < t->n; j++)
            rows[m++] = (struct fav_row){ t->e[j].w, t->e[j].count,
                                          t->caps ? t->caps[j].inner : 0,
                                          t->caps ? t->caps[j].inner_caps : 0, 1 };
    }
    qsort(rows, m, sizeof *rows, fav_row_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k && rows[k - 1].rank == rows[i].rank) {
            rows[k - 1].count += rows[i].count;
            rows[k - 1].inner += rows[i].inner;
            rows[k - 1].inner_caps += rows[i].inner_caps;
            rows[k - 1].texts++;
        } else {
            rows[k++] = rows[i];
        }
    }
    *n = k;
    return rows;
}

int attrib_favorites(const struct attrib_corpus *c, size_t label, size_t k,
                     struct attrib_favorite **out, size_t *n)
{
    if (!out || !n)
        return PARDO_EINVAL;
    *out = NULL;
    *n = 0;
    if (!c || !c->frozen || label >= c->nlabels)
        return PARDO_EINVAL;
    size_t nrows, nt;
    uint64_t N;
    struct fav_row *rows = label_rows(c, label, &nrows, &nt, &N);
    struct fav_key *keys = rows ? alloc_n(nrows, sizeof *keys) : NULL;
    if (!keys) {
        free(rows);
        return PARDO_ENOMEM;
    }
    uint64_t N_other = c->known_words - N;
    uint64_t min_count = N / 100000 + (N % 100000 != 0);  /* count * 1e5 >= N */
    size_t nk = 0;
    for (size_t i = 0; i < nrows; i++) {
        const struct fav_row *w = &rows[i];
        if (w->texts * 2 < nt || w->count < min_count
            || mostly_capitalised(w->inner, w->inner_caps))
            continue;
        uint64_t other = c->total[w->rank] - w->count;
        double ratio = ((double)w->count + 1) / ((double)N + 1)
                       / (((double)other + 1) / ((double)N_other + 1));
        keys[nk++] = (struct fav_key){
            { word_str(c, c->word[w->rank]), w->count, other, w->texts, ratio },
            c->lex[w->rank] };
    }
    free(rows);
    qsort(keys, nk, sizeof *keys, fav_key_cmp);
    if (nk > k)
        nk = k;
    if (nk) {
        *out = malloc(nk * sizeof **out);
        if (!*out) {
            free(keys);
            return PARDO_ENOMEM;
        }
        for (size_t i = 0; i < nk; i++)
            (*out)[i] = keys[i].f;
    }
    *n = nk;
    free(keys);
    return 0;
}
