/*
 * json.h - a minimal JSON reader, only for the tests (spec examples).
 *
 * json_parse() builds a tree that json_free() releases.  Strings are UTF-8,
 * NUL-terminated, and keep their length (they may hold U+0000).  Objects
 * keep their keys in the order written.  Every global name starts json_.
 */
#ifndef PARDO_TESTS_JSON_H
#define PARDO_TESTS_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
                 JSON_OBJECT };

struct json {
    enum json_type type;
    double         num;   /* JSON_NUMBER */
    char          *str;   /* JSON_STRING */
    size_t         len;
    size_t         n;     /* JSON_ARRAY, JSON_OBJECT: items */
    struct json  **items;
    char         **keys;  /* JSON_OBJECT: n keys, NUL-terminated */
};

/* Parses s[0..n); NULL on a syntax error or out of memory. */
struct json *json_parse(const char *s, size_t n);
void json_free(struct json *v);             /* NULL is a no-op */
/* The member of an object, NULL when absent or v is not an object. */
const struct json *json_get(const struct json *v, const char *key);

#endif
