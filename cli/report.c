/*
 * report.c - pardo report: one HTML page of charts over a corpus.
 *
 * DESIGN
 * The report is a command like the others, whose only record is the page.
 * Every text is read once: its workers measure a file as stats does and
 * format its stats record (stats_format), and pack its features (words, or
 * the n-grams and samples of --features, --ngram and --sample-size) as
 * attribute's workers do; with --known the run is also attribute's run
 * (its setup, take and state in run->state), so that the same reading gives
 * the tables of the attribution.  The take hook keeps each file's stats
 * record (or its error record) in input order, gives the file to attribute
 * and adds it to a clustering of its own (cluster.c's, which copies the
 * packed features); a PATH that is one of the known texts is taken once,
 * as known.
 *
 * The finish hook asks attribute.c for the records that words --favorites,
 * attribute --loo (the grid of the default MFW values and --mfw by the five
 * deltas, from one run of the folds, and the per-text records of --mfw and
 * --delta from the same folds) and attribute PATH... print, cluster.c for
 * what cluster and cluster --matrix print, and writes the page: the style, the chart libraries and the
 * page's script (all linked into the binary by report_assets.S), and the
 * records, each set as JSON Lines in a <script> element of its own, byte
 * for byte as pardo prints them but for "<", written \u003c (which only
 * occurs inside JSON strings) so that no record can end the element.  The
 * page's script (cli/report/report.js) draws every chart from those
 * elements with vega-embed; nothing is drawn here.
 *
 * Ownership: struct report (and its clustering) hangs from run->report and
 * is freed by the free hook with attribute's state.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib.h"
#include "run.h"

/* The page's parts, linked in by report_assets.S: each from its first byte
 * to the byte before its _end. */
#define ASSET(name) extern const char name[], name##_end[]
ASSET(report_asset_css);
ASSET(report_asset_vega);
ASSET(report_asset_vega_lite);
ASSET(report_asset_vega_embed);
ASSET(report_asset_js);

/* The leave-one-out grid: these MFW values (and --mfw) by these deltas. */
static const size_t grid_mfw[] = { 50, 100, 200, 500, 1000 };
#define N_GRID_MFW (sizeof grid_mfw / sizeof grid_mfw[0])
static const enum attrib_delta grid_delta[] = { ATTRIB_BURROWS, ATTRIB_ARGAMON, ATTRIB_EDER,
                                                ATTRIB_COSINE, ATTRIB_MINMAX };
#define N_GRID_DELTA (sizeof grid_delta / sizeof grid_delta[0])

enum { FAVORITES_DEFAULT = 10 };

struct report {
    struct ebuf stats;          /* every file's stats or error record, input order */
    struct clu *clu;            /* every text read well, clustered at the end */
    char why[128];              /* why the clustering is left out */
};

/* ---- the run's hooks ---------------------------------------------------------- */

static int report_setup(struct run *r)
{
    struct report *rp = calloc(1, sizeof *rp);
    if (!rp)
        return PARDO_ENOMEM;
    r->report = rp;
    r->pack_words = 1;
    int rc = cluster_open(r->o, &rp->clu);
    if (rc == 0 && r->o->known)
        rc = attribute_ops(r->o)->setup(r);
    return rc;
}

/* stats' measures, then the features where they are not the words. */
static int report_process(const struct run *r, struct worker *w)
{
    int rc = stats_process(r, w);
    if (rc == 0 && !features_plain(r->o))
        rc = features_scan(w, w->clean.body, w->clean.body_len);
    return rc;
}

/* A PATH (not a LABELS line) that names one of the known texts. */
static int known_again(const struct run *r, const struct job *j)
{
    struct stat st;
    if (!r->o->known || j->seq < r->n_first || stat(j->path.data, &st) != 0)
        return 0;
    return attribute_report_is_known(r, st.st_dev, st.st_ino);
}

static int report_take(struct run *r, const struct job *j, const struct item_out *out,
                       const char *why)
{
    struct report *rp = r->report;
    if (known_again(r, j))
        return 0;
    if (why) {                          /* stats' error record */
        struct rec rec;
        rec_begin(&rec, &rp->stats, FMT_JSONL);
        rec_str(&rec, "path", j->path.data, j->path.len);
        rec_cstr(&rec, "error", why);
        rec_end(&rec);
    } else {
        ebuf_put(&rp->stats, out->rec, out->rec_len);
    }
    if (rp->stats.oom)
        return PARDO_ENOMEM;
    int rc = r->o->known ? attribute_ops(r->o)->take(r, j, out, why) : 0;
    char buf[128];
    const char *left_out;               /* as cluster says on stderr */
    if (rc == 0 && !why)
        rc = cluster_add(r, rp->clu, j->path.data, out->words, &left_out, buf, sizeof buf);
    return rc;
}

/* ---- the clustering section's inputs -------------------------------------------- */

/*
 * Section 5's two inputs for the report's texts: into tree the Newick line
 * that `pardo cluster` prints (without its newline), into matrix the JSON
 * Lines of `pardo cluster --matrix`, with the report's options, for every
 * file read well in the report's order (the known texts, then the PATHs).
 * Returns 1 when both are there, 0 when the report has no clustering
 * (*why says why), or an error.
 */
static int report_cluster(struct run *r, struct ebuf *tree, struct ebuf *matrix,
                          const char **why)
{
    struct report *rp = r->report;
    size_t texts;
    int rc = cluster_write(r, rp->clu, tree, matrix, &texts);
    if (rc)
        return rc;
    if (texts < 2) {
        snprintf(rp->why, sizeof rp->why, "clustering needs two texts or more, and "
                 "there %s %zu.", texts == 1 ? "is" : "are", texts);
        *why = rp->why;
        return 0;
    }
    while (tree->len && tree->data[tree->len - 1] == '\n')
        tree->len--;
    return 1;
}

/* ---- the page ------------------------------------------------------------------- */

static void put_asset(struct ebuf *b, const char *start, const char *end)
{
    ebuf_put(b, start, (size_t)(end - start));
}

/* JSON text inside a <script> element: "<" as \u003c, which JSON allows
 * only inside strings, where it means the same. */
static void put_json(struct ebuf *b, const char *s, size_t n)
{
    for (const char *lt; n && (lt = memchr(s, '<', n)); n -= (size_t)(lt - s) + 1, s = lt + 1) {
        ebuf_put(b, s, (size_t)(lt - s));
        ebuf_puts(b, "\\u003c");
    }
    ebuf_put(b, s, n);
}

static void data_block(struct ebuf *b, const char *id, const char *type,
                       const struct ebuf *data)
{
    ebuf_puts(b, "<script type=\"");
    ebuf_puts(b, type);
    ebuf_puts(b, "\" id=\"");
    ebuf_puts(b, id);
    ebuf_puts(b, "\">\n");
    put_json(b, data->data, data->len);
    ebuf_puts(b, "</script>\n");
}

static void jsonl_block(struct ebuf *b, const char *id, const struct ebuf *data)
{
    data_block(b, id, "application/x-ndjson", data);
}

static const char *const linkage_name[] = { "ward", "average", "complete", "single" };

/* The report's settings and what it left out, for the page's script. */
static void meta_record(struct ebuf *m, const struct run *r, size_t favorites,
                        const char *cluster_why, const struct ebuf *tree)
{
    const struct opts *o = r->o;
    struct rec rec;
    rec_begin(&rec, m, FMT_JSONL);
    rec_cstr(&rec, "pardo", PARDO_VERSION);
    if (o->known)
        rec_cstr(&rec, "known", o->known);
    else
        rec_null(&rec, "known");
    rec_u64(&rec, "favorites", favorites);
    rec_u64(&rec, "mfw", (uint64_t)o->mfw);
    rec_cstr(&rec, "delta", attrib_delta_name((enum attrib_delta)o->delta));
    rec_cstr(&rec, "features", o->chars ? "chars" : "words");
    rec_u64(&rec, "ngram", (uint64_t)o->ngram);
    if (o->sample_size)
        rec_u64(&rec, "sample_size", (uint64_t)o->sample_size);
    else
        rec_null(&rec, "sample_size");
    rec_cstr(&rec, "linkage", linkage_name[o->linkage]);
    if (cluster_why) {
        rec_null(&rec, "tree");
        rec_cstr(&rec, "cluster_missing", cluster_why);
    } else {
        rec_str(&rec, "tree", tree->data, tree->len);
        rec_null(&rec, "cluster_missing");
    }
    rec_end(&rec);
}

/* The grid's MFW values: grid_mfw and --mfw, ascending, each once. */
static size_t grid_values(const struct opts *o, size_t *v)
{
    size_t n = 0, mine = (size_t)o->mfw;
    int placed = 0;
    for (size_t i = 0; i < N_GRID_MFW; i++) {
        if (!placed && mine <= grid_mfw[i]) {
            v[n++] = mine;
            placed = 1;
        }
        if (grid_mfw[i] != mine)
            v[n++] = grid_mfw[i];
    }
    if (!placed)
        v[n++] = mine;
    return n;
}

struct attribution {
    struct ebuf labels, favorites, loo, grid, unknown;
};

static void attribution_free(struct attribution *at)
{
    ebuf_free(&at->labels);
    ebuf_free(&at->favorites);
    ebuf_free(&at->loo);
    ebuf_free(&at->grid);
    ebuf_free(&at->unknown);
}

/* The attribution's records: the grid's cells are MFW ascending, then the
 * deltas in grid_delta's order (spec section 10), all from one run of the
 * folds, which also gives the records of --mfw and --delta. */
static int attribution_records(struct run *r, struct attribution *at, size_t favorites)
{
    size_t mfw[N_GRID_MFW + 1];
    struct attrib_cell cells[(N_GRID_MFW + 1) * N_GRID_DELTA];
    size_t nm = grid_values(r->o, mfw), n = 0;
    for (size_t i = 0; i < nm; i++)
        for (size_t d = 0; d < N_GRID_DELTA; d++)
            cells[n++] = (struct attrib_cell){ mfw[i], grid_delta[d] };
    int rc = attribute_report_freeze(r);
    if (rc == 0)
        rc = attribute_report_favorites(r, favorites, &at->favorites);
    if (rc == 0)
        rc = attribute_report_loo(r, cells, n, &at->grid, &at->loo);
    if (rc == 0)
        rc = attribute_report_unknowns(r, &at->unknown);
    if (rc == 0)
        attribute_report_labels(r, &at->labels);
    return rc ? rc : at->labels.oom ? PARDO_ENOMEM : 0;
}

static void page_head(struct ebuf *b)
{
    ebuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"generator\" content=\"pardo " PARDO_VERSION "\">\n"
                 "<title>pardo report</title>\n<style>\n");
    put_asset(b, report_asset_css, report_asset_css_end);
    ebuf_puts(b, "</style>\n<script>\n");
    put_asset(b, report_asset_vega, report_asset_vega_end);
    ebuf_puts(b, "\n</script>\n<script>\n");
    put_asset(b, report_asset_vega_lite, report_asset_vega_lite_end);
    ebuf_puts(b, "\n</script>\n<script>\n");
    put_asset(b, report_asset_vega_embed, report_asset_vega_embed_end);
    ebuf_puts(b, "\n</script>\n</head>\n<body>\n"
                 "<noscript>This report draws its charts with JavaScript.</noscript>\n"
                 "<main id=\"report\"></main>\n");
}

static int report_finish(struct run *r, struct ebuf *b)
{
    struct report *rp = r->report;
    struct attribution at = { 0 };
    struct ebuf tree = { 0 }, matrix = { 0 }, meta = { 0 };
    const char *cluster_why = NULL;
    size_t favorites = r->o->favorites ? (size_t)r->o->favorites : FAVORITES_DEFAULT;
    int rc = r->o->known ? attribution_records(r, &at, favorites) : 0;
    if (rc == 0)
        rc = report_cluster(r, &tree, &matrix, &cluster_why);
    if (rc >= 0) {
        rc = 0;
        meta_record(&meta, r, favorites, cluster_why, &tree);
        page_head(b);
        data_block(b, "pardo-meta", "application/json", &meta);
        jsonl_block(b, "pardo-stats", &rp->stats);
        jsonl_block(b, "pardo-labels", &at.labels);
        jsonl_block(b, "pardo-favorites", &at.favorites);
        jsonl_block(b, "pardo-loo", &at.loo);
        jsonl_block(b, "pardo-grid", &at.grid);
        jsonl_block(b, "pardo-unknown", &at.unknown);
        jsonl_block(b, "pardo-matrix", &matrix);
        ebuf_puts(b, "<script>\n");
        put_asset(b, report_asset_js, report_asset_js_end);
        ebuf_puts(b, "</script>\n</body>\n</html>\n");
    }
    int oom = b->oom || meta.oom || rp->stats.oom;
    attribution_free(&at);
    ebuf_free(&tree);
    ebuf_free(&matrix);
    ebuf_free(&meta);
    return rc ? rc : oom ? PARDO_ENOMEM : 0;
}

static void report_free(struct run *r)
{
    struct report *rp = r->report;
    if (r->o->known)
        attribute_ops(r->o)->free(r);
    if (!rp)
        return;
    cluster_close(rp->clu);
    ebuf_free(&rp->stats);
    free(rp);
    r->report = NULL;
}

static const struct command_ops ops = {
    .process = report_process,
    .pack = features_pack_hook,
    .format = stats_format,
    .setup = report_setup,
    .take = report_take,
    .finish = report_finish,
    .free = report_free,
};

const struct command_ops *report_ops(const struct opts *o)
{
    (void)o;
    return &ops;
}
