/*
 * json.c - a minimal recursive-descent JSON reader for the tests.
 *
 * DESIGN
 * Enough of RFC 8259 for shared/spec/examples.jsonl: every value type,
 * \u escapes with surrogate pairs, numbers through strtod.  No main() and
 * only json_ names, because every tests/ file that is not a test_ program is
 * linked into every test program.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "../cli/text.h"  /* text__utf8_encode: the one UTF-8 encoder */

struct json_cursor {
    const char *s, *end;
    int         depth;
};

static void json_ws(struct json_cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

static struct json *json_new(enum json_type t)
{
    struct json *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

static int json_hex4(struct json_cursor *c, unsigned *out)
{
    unsigned v = 0;
    if (c->end - c->s < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char h = *c->s++;
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Parses a string at c->s (at its opening quote) into a new buffer. */
static char *json_string(struct json_cursor *c, size_t *len)
{
    c->s++;
    /* Escapes never make a string longer than its source. */
    char *out = malloc((size_t)(c->end - c->s) + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    while (c->s < c->end && *c->s != '"') {
        unsigned char ch = (unsigned char)*c->s++;
        if (ch < 0x20)
            goto fail;
        if (ch != '\\') {
            out[o++] = (char)ch;
            continue;
        }
        if (c->s >= c->end)
            goto fail;
        char e = *c->s++;
        unsigned u, lo;
        switch (e) {
        case '"': out[o++] = '"'; break;
        case '\\': out[o++] = '\\'; break;
        case '/': out[o++] = '/'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u':
            if (json_hex4(c, &u) < 0)
                goto fail;
            if (u >= 0xD800 && u <= 0xDBFF && c->end - c->s >= 6 && c->s[0] == '\\' &&
                c->s[1] == 'u') {
                c->s += 2;
                if (json_hex4(c, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                    goto fail;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            }
            o += text__utf8_encode((int32_t)(u), out + o);
            break;
        default:
            goto fail;
        }
    }
    if (c->s >= c->end)
        goto fail;
    c->s++;
    out[o] = '\0';
    *len = o;
    return out;
fail:
    free(out);
    return NULL;
}

static struct json *json_value(struct json_cursor *c);

static int json_push(struct json *v, struct json *item, char *key)
{
    struct json **items = realloc(v->items, (v->n + 1) * sizeof *items);
    if (!items)
        return -1;
    v->items = items;
    if (v->type == JSON_OBJECT) {
        char **keys = realloc(v->keys, (v->n + 1) * sizeof *keys);
        if (!keys)
            return -1;
        v->keys = keys;
        keys[v->n] = key;
    }
    items[v->n++] = item;
    return 0;
}

static struct json *json_container(struct json_cursor *c, enum json_type t)
{
    char close = t == JSON_ARRAY ? ']' : '}';
    struct json *v = json_new(t);
    if (!v || ++c->depth > 200)
        goto fail;
    c->s++;
    json_ws(c);
    if (c->s < c->end && *c->s == close) {
        c->s++;
        c->depth--;
        return v;
    }
    for (;;) {
        char *key = NULL;
        size_t klen;
        json_ws(c);
        if (t == JSON_OBJECT) {
            if (c->s >= c->end || *c->s != '"' || !(key = json_string(c, &klen)))
                goto fail;
            json_ws(c);
            if (c->s >= c->end || *c->s != ':') {
                free(key);
                goto fail;
            }
            c->s++;
        }
        struct json *item = json_value(c);
        if (!item || json_push(v, item, key) < 0) {
            free(key);
            json_free(item);
            goto fail;
        }
        json_ws(c);
        if (c->s < c->end && *c->s == ',') {
            c->s++;
            continue;
        }
        if (c->s < c->end && *c->s == close) {
            c->s++;
            c->depth--;
            return v;
        }
        goto fail;
    }
fail:
    json_free(v);
    return NULL;
}

static struct json *json_value(struct json_cursor *c)
{
    json_ws(c);
    if (c->s >= c->end)
        return NULL;
    size_t rest = (size_t)(c->end - c->s);
    switch (*c->s) {
    case '{':
        return json_container(c, JSON_OBJECT);
    case '[':
        return json_container(c, JSON_ARRAY);
    case '"': {
        struct json *v = json_new(JSON_STRING);
        if (v && !(v->str = json_string(c, &v->len))) {
            free(v);
            v = NULL;
        }
        return v;
    }
    case 't':
        if (rest >= 4 && memcmp(c->s, "true", 4) == 0) {
            c->s += 4;
            return json_new(JSON_TRUE);
        }
        return NULL;
    case 'f':
        if (rest >= 5 && memcmp(c->s, "false", 5) == 0) {
            c->s += 5;
            return json_new(JSON_FALSE);
        }
        return NULL;
    case 'n':
        if (rest >= 4 && memcmp(c->s, "null", 4) == 0) {
            c->s += 4;
            return json_new(JSON_NULL);
        }
        return NULL;
    default: {
        char buf[64];
        size_t k = 0;
        while (k < rest && k < sizeof buf - 1 && strchr("+-0123456789.eE", c->s[k]))
            k++;
        if (!k)
            return NULL;
        memcpy(buf, c->s, k);
        buf[k] = '\0';
        char *e;
        double d = strtod(buf, &e);
        if (e != buf + k)
            return NULL;
        c->s += k;
        struct json *v = json_new(JSON_NUMBER);
        if (v)
            v->num = d;
        return v;
    }
    }
}

struct json *json_parse(const char *s, size_t n)
{
    struct json_cursor c = {s, s + n, 0};
    struct json *v = json_value(&c);
    json_ws(&c);
    if (v && c.s != c.end) {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(struct json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

const struct json *json_get(const struct json *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return v->items[i];
    return NULL;
}
