/*
 * glob.c - the -g/--glob rules of a directory walk, as ripgrep applies them.
 *
 * DESIGN
 * A rule is one -g argument.  Its meaning is ripgrep's (the `ignore`
 * crate's overrides, which read each glob as a line of a .gitignore):
 *   - a leading `!` makes it an exclusion; any other rule is an inclusion;
 *   - a trailing `/` makes it match directories only;
 *   - a glob without any other `/` matches the entry's name at any depth
 *     (`*.txt` matches a/b/c.txt); one with a `/` matches the path relative
 *     to the walked directory from its start (a leading `/` is dropped);
 *   - `*` and `?` never match `/`; `[...]` is a class (`[!...]` or `[^...]`
 *     its complement, ranges a-z); `{a,b}` is either; `\` quotes; `**` as a
 *     whole path component matches any number of components (a trailing one
 *     matches all that is inside the directory before it, not the directory
 *     itself); elsewhere `**` is `*`.
 * The last rule that matches an entry decides: an exclusion skips it (a
 * directory is then not entered), an inclusion takes it, even when its
 * name is hidden.  An entry that no rule matches is taken as usual, except
 * that a file is skipped when there is at least one inclusion.  Matching is
 * case-sensitive.  Braces are expanded when the rules are built, so a rule
 * is a list of plain alternatives.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct glob_rule {
    int exclude, dir_only, whole_path;
    char **alt;                 /* alternatives, braces expanded */
    size_t n_alt;
};

struct globs {
    struct glob_rule *rule;
    size_t n, n_include;
};

/* ---- matching ------------------------------------------------------------ */

/* A class at p (just after '['): whether c is in it, and *end past its ']'.
 * Returns -1 when the class has no closing ']' (then '[' is literal). */
static int in_class(const char *p, char c, const char **end)
{
    int neg = *p == '!' || *p == '^';
    if (neg)
        p++;
    int hit = 0;
    const char *q = p;
    for (;;) {
        if (*q == '\0')
            return -1;
        if (*q == ']' && q != p)
            break;
        char lo = *q;
        if (lo == '\\' && q[1])
            lo = *++q;
        char hi = lo;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            q += 2;
            hi = *q;
            if (hi == '\\' && q[1])
                hi = *++q;
        }
        if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
            hit = 1;
        q++;
    }
    *end = q + 1;
    return c != '/' && hit != neg;
}

/* Whether path s matches pattern p; p0 is the pattern's start (a `**` is
 * special only as a whole component). */
static int match(const char *p0, const char *p, const char *s)
{
    for (;;) {
        switch (*p) {
        case '\0':
            return *s == '\0';
        case '*':
            if (p[1] == '*' && (p == p0 || p[-1] == '/') && (p[2] == '/' || p[2] == '\0')) {
                if (p[2] == '\0')
                    return 1;                   /* a trailing `**`: the rest */
                if (match(p0, p + 3, s))        /* no component at all */
                    return 1;
                for (const char *t = s; *t; t++)
                    if (*t == '/' && match(p0, p + 3, t + 1))
                        return 1;
                return 0;
            }
            while (*p == '*')
                p++;
            for (const char *t = s;; t++) {
                if (match(p0, p, t))
                    return 1;
                if (*t == '\0' || *t == '/')
                    return 0;
            }
        case '?':
            if (*s == '\0' || *s == '/')
                return 0;
            p++, s++;
            break;
        case '[': {
            const char *end;
            int in = *s ? in_class(p + 1, *s, &end) : 0;
            if (in < 0)
                goto literal;
            if (!in)
                return 0;
            p = end, s++;
            break;
        }
        case '\\':
            if (p[1])
                p++;
            /* fall through */
        default:
        literal:
            if (*p != *s)
                return 0;
            p++, s++;
        }
    }
}

/* ---- building -------------------------------------------------------------- */

/* The first top-level {...} of s: its '{' and matching '}', or 0. */
static int find_braces(const char *s, const char **open, const char **close)
{
    int depth = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '{' && depth++ == 0)
            *open = p;
        else if (*p == '}' && depth > 0 && --depth == 0) {
            *close = p;
            return 1;
        }
    }
    return 0;
}

static int add_alt(struct glob_rule *r, char *s)
{
    char **a = realloc(r->alt, (r->n_alt + 1) * sizeof *a);
    if (!a) {
        free(s);
        return PARDO_ENOMEM;
    }
    r->alt = a;
    r->alt[r->n_alt++] = s;
    return 0;
}

/* Expands the braces of s[0..n) into r's alternatives. */
static int expand(struct glob_rule *r, const char *s, size_t n)
{
    char *copy = strndup(s, n);
    if (!copy)
        return PARDO_ENOMEM;
    const char *open = NULL, *close = NULL;
    if (!find_braces(copy, &open, &close))
        return add_alt(r, copy);
    int rc = 0;
    const char *part = open + 1;
    int depth = 0;
    for (const char *p = open + 1; rc == 0 && p <= close; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '{')
            depth++;
        else if (*p == '}' && p != close)
            depth--;
        else if ((*p == ',' && depth == 0) || p == close) {
            size_t pre = (size_t)(open - copy), mid = (size_t)(p - part);
            size_t post = strlen(close + 1);
            char *t = malloc(pre + mid + post + 1);
            if (!t) {
                rc = PARDO_ENOMEM;
                break;
            }
            memcpy(t, copy, pre);
            memcpy(t + pre, part, mid);
            memcpy(t + pre + mid, close + 1, post + 1);
            rc = expand(r, t, pre + mid + post);
            free(t);
            part = p + 1;
        }
    }
    free(copy);
    return rc;
}

static int add_rule(struct globs *g, const char *arg)
{
    struct glob_rule r = { 0 };
    if (*arg == '!') {
        r.exclude = 1;
        arg++;
    }
    size_t n = strlen(arg);
    if (n > 1 && arg[n - 1] == '/' && arg[n - 2] != '\\') {
        r.dir_only = 1;
        n--;
    }
    r.whole_path = memchr(arg, '/', n) != NULL;
    if (*arg == '/') {
        arg++;
        n--;
    }
    int rc = expand(&r, arg, n);
    struct glob_rule *rules = rc ? NULL : realloc(g->rule, (g->n + 1) * sizeof *rules);
    if (!rules) {
        for (size_t i = 0; i < r.n_alt; i++)
            free(r.alt[i]);
        free(r.alt);
        return PARDO_ENOMEM;
    }
    g->rule = rules;
    g->rule[g->n++] = r;
    g->n_include += !r.exclude;
    return 0;
}

int globs_new(struct globs **out, const char *const *args, size_t n)
{
    *out = NULL;
    if (n == 0)
        return 0;
    struct globs *g = calloc(1, sizeof *g);
    if (!g)
        return PARDO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (add_rule(g, args[i]) != 0) {
            globs_free(g);
            return PARDO_ENOMEM;
        }
    }
    *out = g;
    return 0;
}

void globs_free(struct globs *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        for (size_t k = 0; k < g->rule[i].n_alt; k++)
            free(g->rule[i].alt[k]);
        free(g->rule[i].alt);
    }
    free(g->rule);
    free(g);
}

int globs_match(const struct globs *g, const char *rel, int is_dir)
{
    if (!g)
        return GLOB_NONE;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    for (size_t i = g->n; i-- > 0;) {
        const struct glob_rule *r = &g->rule[i];
        if (r->dir_only && !is_dir)
            continue;
        const char *s = r->whole_path ? rel : base;
        for (size_t k = 0; k < r->n_alt; k++)
            if (match(r->alt[k], r->alt[k], s))
                return r->exclude ? GLOB_EXCLUDE : GLOB_INCLUDE;
    }
    return g->n_include && !is_dir ? GLOB_EXCLUDE : GLOB_NONE;
}
