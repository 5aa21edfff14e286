/*
 * cli.h - what the parts of the pardo tool share.  Not installed.
 *
 * DESIGN
 * The tool is a thin shell around libpardo: opts.c turns argv into a
 * struct opts (one table of options yields the parser, --help and the man
 * page), walk.c turns PATHs and path lists into a lazy stream of file names,
 * run.c feeds that stream to pardo_imap (under mpirun: pardo_mpi_imap over
 * the ranks, mpi_run.c) with a four-stage pipeline (read, clean, process,
 * output) per file, and the main thread only writes the
 * finished record bytes (output.c), draws the progress line (progress.c)
 * and reports errors.  emit.c formats records (JSON Lines, CSV, TSV) into
 * growable buffers.  Every fallible function returns 0 or a negative code
 * (PARDO_E* or CLI_E* below); only the functions that say so print.
 */
#ifndef PARDO_CLI_H
#define PARDO_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pardo.h"
#include "text.h"

/* ---- exit statuses (ripgrep's, plus 130 for an interrupt) ------------------ */

enum {
    EXIT_ALL_OK = 0,        /* every file processed (or stdout was closed) */
    EXIT_SOME_FAILED = 1,   /* at least one file gave an error record */
    EXIT_FATAL = 2,         /* usage error, cannot write, out of memory */
    EXIT_INTERRUPTED = 130  /* SIGINT, SIGTERM or SIGHUP */
};

/* The tool's own error codes, beside libpardo's PARDO_E* (-1 .. -7). */
enum {
    CLI_EUSAGE = -100,      /* bad command line; the message is printed */
    CLI_EPIPE = -101,       /* the reader of the output went away */
    CLI_EWRITE = -102,      /* writing the output failed (errno tells why) */
    CLI_EOPEN = -103,       /* the output or a path list cannot be opened */
    CLI_EFATAL = -104       /* the run cannot go on; run_fail() holds why */
};

/* Per-file failure reasons that are not an errno value (spec section 1.5). */
enum {
    FILE_ENOTREG = -201,    /* "not a regular file" */
    FILE_EBINARY = -202,    /* "binary file" */
    FILE_ECHANGED = -203,   /* "file changed while reading" */
    FILE_ENOMEM = -204,     /* "out of memory": this file alone */
    FILE_ESELF = -205,      /* the output itself: skipped, no record */
    FILE_EDAMAGED = -206,   /* "damaged compressed data" (compressed.c) */
    FILE_EARCHIVE = -207,   /* "damaged archive" (the archive itself) */
    FILE_EMEMBER = -208,    /* "damaged archive member" */
    FILE_EMETHOD = -209     /* "archive not read by this command" */
};

/* The words for a per-file failure: an errno value (> 0) or FILE_E*.
 * Writes into buf (at least 64 bytes) and returns buf. */
const char *cli_file_reason(int err, char *buf, size_t size);

/* ---- growable byte buffer (emit.c) ---------------------------------------- */

/* Appends never fail: on out of memory the buffer keeps what it had and
 * sets `oom`, which the owner checks once the record is complete. */
struct ebuf {
    char  *data;
    size_t len, cap;
    int    oom;
};

void ebuf_free(struct ebuf *b);
int  ebuf_reserve(struct ebuf *b, size_t more);   /* 0 or PARDO_ENOMEM */
void ebuf_put(struct ebuf *b, const void *p, size_t n);
void ebuf_puts(struct ebuf *b, const char *s);
void ebuf_putc(struct ebuf *b, char c);
void ebuf_u64(struct ebuf *b, uint64_t v);
/* printf("%.4f", v) into out (FIXED4_MAX bytes, no NUL): the same bytes
 * for every double (the exact value rounded half to even, "-0.0000", nan,
 * inf), without printf's arbitrary precision below 1e15.  Its length. */
#define FIXED4_MAX 320
size_t fmt_fixed4(char *out, double v);
void ebuf_fixed4(struct ebuf *b, double v);
/* Keeps data NUL-terminated after len (for paths). */
void ebuf_set(struct ebuf *b, const char *s, size_t n);

/* Writes a file name for a person on stderr: as it is, unless it holds a
 * control character (a newline would split the message, an escape would
 * reach the terminal); then quoted as $'...' with C escapes, as GNU ls
 * and bash write it.  Records keep the exact bytes. */
void cli_fput_name(FILE *to, const char *name);

/* ---- records (emit.c) ----------------------------------------------------- */

enum format { FMT_JSONL = 0, FMT_CSV, FMT_TSV };

/* Escapes s[0..n) as one JSON string (with its quotes).  Invalid UTF-8
 * bytes become U+FFFD, so the output is always valid UTF-8 JSON. */
void emit_json_string(struct ebuf *b, const char *s, size_t n);
/* RFC 4180: quoted when it holds , " CR or LF (or starts with a space). */
void emit_csv_field(struct ebuf *b, const char *s, size_t n);
/* TSV cannot quote: \ TAB LF CR are written as \\ \t \n \r. */
void emit_tsv_field(struct ebuf *b, const char *s, size_t n);

/* A record writer: the same calls give a JSON object or a CSV/TSV row, so
 * that one function per command formats every format.  In CSV/TSV the keys
 * are ignored (the header row names the columns) and obj_begin/obj_end
 * vanish, so nested fields become further columns. */
struct rec {
    struct ebuf *b;
    enum format fmt;
    int fields;             /* fields written at the current level */
    int depth;
};

void rec_begin(struct rec *r, struct ebuf *b, enum format fmt);
void rec_str(struct rec *r, const char *key, const char *s, size_t n);
void rec_cstr(struct rec *r, const char *key, const char *s);
void rec_u64(struct rec *r, const char *key, uint64_t v);
void rec_bool(struct rec *r, const char *key, int v);
/* "%.4f", or null / an empty field when !valid. */
void rec_rate(struct rec *r, const char *key, double v, int valid);
void rec_null(struct rec *r, const char *key);      /* null / empty field */
void rec_obj_begin(struct rec *r, const char *key);
void rec_obj_end(struct rec *r);
void rec_end(struct rec *r);                        /* "}\n" or "\n" */

/* A header row for CSV/TSV from column names; nothing for JSON Lines. */
void rec_header(struct ebuf *b, enum format fmt, const char *const *names, size_t n);

/* ---- options (opts.c) ----------------------------------------------------- */

enum command { CMD_NONE = 0, CMD_COUNT, CMD_STATS, CMD_WORDS, CMD_ATTRIBUTE, CMD_CLUSTER,
                   CMD_REPORT };

#define OPTS_MAX_DELTAS 5
enum linkage { LINK_WARD = 0, LINK_AVERAGE, LINK_COMPLETE, LINK_SINGLE };

enum { HALT_NEVER = 0, HALT_SOON, HALT_NOW };

struct opts {
    enum command cmd;
    int    jobs;
    enum format format;
    int    unordered;
    const char *output;         /* -o FILE, or NULL for stdout */
    int    keep_boilerplate;
    enum text_encoding encoding;
    int    profile;
    int    quiet;
    int    follow;              /* -L */
    int    hidden;              /* --hidden: walk entries whose name starts with '.' */
    int    max_depth;           /* --max-depth N; -1 = no limit */
    int    no_archives;         /* --no-archives: a zip or tar is a plain file */
    int    verbose;             /* --verbose: name the files a walk skips */
    int    halt;                /* --halt: HALT_NEVER, HALT_SOON or HALT_NOW */
    long   halt_fail;           /* --halt WHEN,fail=N: N; 0 with a percentage */
    double halt_pct;            /* --halt WHEN,fail=P%: P/100; 0 with a count */
    int    null_sep;            /* -0 */
    int    top;
    int    corpus, corpus_only;
    int    isolate;             /* --isolate: worker processes */
    double timeout;             /* --timeout SEC; 0 = none */
    const char *known;          /* --known LABELS (attribute, words --favorites) */
    int    mfw;                 /* --mfw N: the first (or only) value */
    size_t *mfws; size_t n_mfws;/* --mfw N,N or FROM:TO:STEP: ascending, owned */
    int    delta;               /* --delta: an enum attrib_delta, the first */
    int    deltas[OPTS_MAX_DELTAS]; size_t n_deltas;   /* --delta D,D: as given */
    int    chars;               /* --features chars (else words) */
    int    ngram;               /* --ngram N, 1..8 */
    int    sample_size;         /* --sample-size N; 0 = whole files */
    int    linkage;             /* --linkage: an enum linkage */
    int    matrix;              /* cluster --matrix */
    int    loo;                 /* --loo */
    double culling;             /* --culling PERCENT; 0 = off */
    int    no_pronouns;         /* --no-pronouns */
    int    favorites;           /* words --favorites K; 0 = off (report: 10) */
    int    lexdiv;              /* stats --lexdiv */
    int    mattr_window;        /* --mattr-window L */
    int    help, version, man, debug_rss;
    char **terms;   size_t n_terms;     /* -t pieces, owned */
    const char **paths; size_t n_paths; /* PATH operands (argv strings) */
    const char **lists; size_t n_lists; /* --files-from (argv strings) */
    const char **globs; size_t n_globs; /* -g (argv strings), in order */
};

/* Parses argv into *o (which it initialises).  Prints the reason and
 * returns CLI_EUSAGE on a bad command line, PARDO_ENOMEM, or 0. */
int  opts_parse(struct opts *o, int argc, char **argv);
void opts_free(struct opts *o);
/* Help for o->cmd (all commands for CMD_NONE), the man page, the version. */
void opts_help(const struct opts *o, FILE *to);
void opts_man(FILE *to);
void opts_usage(FILE *to);

/* ---- compressed files (compressed.c) ---------------------------------------- */

/* "gzip", "bzip2", "xz" or "zstd" when p[0..n) starts as such a stream
 * does, else NULL. */
const char *compressed_kind(const unsigned char *p, size_t n);
/* Decompresses the stream p[0..n) into *out (grown with realloc, *cap its
 * size), *len bytes.  0, ENOMEM, or FILE_EDAMAGED (truncated, corrupt). */
int decompress(const unsigned char *p, size_t n, unsigned char **out, size_t *len,
               size_t *cap);
/* 1 when p[0..n), the first bytes of the file at path, start a zip or a
 * tar archive (a tar possibly compressed by one of the four: then the
 * file's first block is decompressed to see), else 0. */
int archive_probe(const unsigned char *p, size_t n, const char *path);

/* ---- archives, member by member (archive.c) -------------------------------- */

struct arc;
enum { ARC_REG = 1, ARC_DIR, ARC_LINK, ARC_OTHER };   /* ARC_LINK: symbolic or hard */
/* Opens the archive at path (*c to arc_close() whatever the result).  0,
 * an errno value, or FILE_EARCHIVE. */
int  arc_open(struct arc **c, const char *path);
/* The next member: its name, type (ARC_*) and size (0 when unknown).  1,
 * 0 at the end, or FILE_EARCHIVE when the archive is damaged there. */
int  arc_next(struct arc *c, const char **name, int *type, uint64_t *size);
/* The current member's next bytes: how many, 0 at its end, -1 when damaged. */
long arc_read(struct arc *c, void *buf, size_t n);
void arc_close(struct arc *c);

/* ---- -g/--glob rules (glob.c) ---------------------------------------------- */

struct globs;

enum { GLOB_NONE = 0, GLOB_INCLUDE, GLOB_EXCLUDE };

/* The rules of args[0..n) (-g arguments, in order); *g = NULL when n is 0.
 * 0 or PARDO_ENOMEM. */
int  globs_new(struct globs **g, const char *const *args, size_t n);
void globs_free(struct globs *g);
/* What the rules say of an entry met in a walk: rel is its path relative
 * to the walked directory ("a/b.txt"), is_dir whether it is a directory.
 * GLOB_EXCLUDE: skip it (a directory: do not enter it); GLOB_INCLUDE:
 * take it even if hidden; GLOB_NONE: the usual rules.  NULL g: GLOB_NONE. */
int  globs_match(const struct globs *g, const char *rel, int is_dir);

/* ---- lazy walk over PATHs (walk.c) ---------------------------------------- */

struct walk;

/* Called for problems that are no file's record (a loop, an unreadable
 * list entry); ctx is walk_new's. */
typedef void walk_warn_fn(void *ctx, const char *path, const char *msg);

/* A walk over o's paths and lists.  0 or PARDO_ENOMEM / CLI_EOPEN (a path
 * list cannot be opened: printed). */
int  walk_new(struct walk **w, const struct opts *o, walk_warn_fn *warn, void *ctx);
void walk_free(struct walk *w);
/* The next file: its path into *path (NUL-terminated) and, when the walk
 * itself already failed on it (a directory that cannot be read), that errno
 * into *err (else 0).  Returns 1, 0 at the end, PARDO_ENOMEM, or CLI_EOPEN
 * (a path list could not be read: printed). */
int  walk_next(struct walk *w, struct ebuf *path, int *err);
/* Whether the last file walk_next gave was found inside a directory (not
 * named as an operand or in a list): such a file is skipped when binary. */
int  walk_walked(const struct walk *w);
/* Leaves out the file at path (the temporary output file, which a walk of
 * its directory would meet) when met inside a directory.  path must
 * outlive the walk; NULL or a missing file is a no-op. */
void walk_skip(struct walk *w, const char *path);
/* Where the last file came from: its depth below the walked operand (0
 * for one named) and the offset in its path of the part that the globs
 * see (its length + 1 for one named). */
void walk_where(const struct walk *w, size_t path_len, int *depth, size_t *rel_off);
/* The walk's rules for an entry: hidden names (unless --hidden) and the
 * globs g (its path rel relative to the walk, its name, is_dir).  1 when
 * it is taken (a directory: entered). */
int  walk_rules_take(const struct opts *o, const struct globs *g, const char *rel,
                     const char *name, int is_dir);
/* Files produced so far; 1 once the walk is at its end. */
size_t walk_count(const struct walk *w);
int  walk_done(const struct walk *w);
/* Called before the walk may block on a path list (a pipe or a terminal):
 * lets the caller flush what it holds.  Set by the run. */
void walk_on_block(struct walk *w, void (*fn)(void *), void *ctx);

/* ---- counting ahead for the progress bar (census.c) ------------------------ */

struct census;

/* Counts o's files in a thread of its own (a second walk), so that the
 * progress bar knows the total early.  NULL when o reads path lists (they
 * cannot be read twice) or when out of memory.  skip is as walk_skip's.
 * Start it with SIGINT and
 * SIGTERM blocked (signals_block). */
struct census *census_start(const struct opts *o, const char *skip);
size_t census_total(const struct census *c);     /* 0 until known; NULL gives 0 */
void   census_stop(struct census *c);            /* stops, joins, frees; NULL is a no-op */

/* ---- output (output.c) ---------------------------------------------------- */

struct output;

/* Opens stdout (path NULL) or a temporary file beside path, to be renamed
 * into place by output_commit.  0, or CLI_EOPEN (printed) / PARDO_ENOMEM. */
int  output_open(struct output **out, const char *path);
/* Buffers a whole record; flushes when the buffer is full or `every` ms
 * have passed.  0, CLI_EPIPE or CLI_EWRITE (errno set). */
int  output_write(struct output *out, const char *p, size_t n);
int  output_flush(struct output *out);
/* Whether the file of device dev and inode ino is the output itself
 * (standard output when it is a regular file, or -o's existing target):
 * such an input is skipped. */
int  output_is_self(const struct output *out, unsigned long long dev, unsigned long long ino);
/* Flushes, closes, renames the temporary file into place.  0, CLI_EPIPE
 * or CLI_EWRITE (errno set). */
int  output_commit(struct output *out);
/* Removes the temporary file (if any) and frees.  NULL is a no-op. */
void output_free(struct output *out);
/* From a signal handler, before _exit: writes the whole records still in
 * the buffer to stdout (nothing for a temporary file, which the handler
 * removes).  Async-signal-safe. */
void output_emergency(struct output *out);
/* The temporary file's path, or NULL for stdout: the signal handler
 * removes it at once. */
const char *output_temp_path(const struct output *out);

/* ---- signals (signals.c) -------------------------------------------------- */

/* Ignores SIGPIPE; on SIGINT, SIGTERM or SIGHUP (unless inherited as ignored):
 * cancels pool, removes temp (when not NULL), restores the default
 * handler so that a second signal kills at once.  Both strings and the
 * pool must outlive the run; call again to change them. */
int  signals_install(pardo_pool *pool, const char *temp);
int  signals_caught(void);          /* the signal number, or 0 */
/* After the first signal the run has GRACE seconds to end by itself;
 * then the alarm handler writes what out holds (output_emergency),
 * removes the temporary file and exits 130, even if a worker thread hangs
 * in a file.  NULL out: no output to save. */
void signals_set_output(struct output *out);
void signals_disarm(void);          /* the run ended: no alarm */
/* Blocks SIGINT and SIGTERM in the calling thread (before starting
 * workers, so that only the main thread takes them), or unblocks them. */
void signals_block(int block);

/* ---- progress and summary (progress.c) ------------------------------------ */

struct progress {
    int      bar;               /* draw the progress line (stderr is a tty) */
    int      quiet;
    int      drawn;             /* a line is on the screen */
    double   t0, last;
    uint64_t files, failed, bytes;
    uint64_t binary;            /* binary files a walk skipped */
    int      halted;            /* --halt stopped the run */
    size_t   total;             /* 0 while unknown */
    int      workers;           /* over MPI: of every rank */
    int      ranks;             /* 0: no MPI */
    int      per_rank;          /* workers on each rank; 0 when they differ */
};

void progress_init(struct progress *p, int quiet, int workers);
/* Over MPI: the summary says "W workers (R ranks x J)". */
void progress_ranks(struct progress *p, int ranks, int workers, int per_rank);
void progress_file(struct progress *p, uint64_t bytes, int failed, size_t total);
void progress_skip(struct progress *p);    /* a binary file skipped by the walk */
void progress_clear(struct progress *p);   /* before other stderr lines */
void progress_summary(struct progress *p);
double progress_now(void);                 /* monotonic seconds */

/* ---- the run (run.c, commands.c) ------------------------------------------ */

/* Runs o's command over its paths.  Returns an EXIT_* status. */
int cli_run(const struct opts *o);

#endif
