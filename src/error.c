/*
 * error.c - the words for every status code.
 *
 * DESIGN
 * One table, as libuv's uv_strerror: callers print pardo_strerror(rc)
 * whatever the call was.  An item's own non-zero return value is not ours
 * to name, so it reads "item failed".
 */
#include "pardo.h"

const char *pardo_strerror(int status)
{
    switch (status) {
    case PARDO_OK:        return "success";
    case PARDO_ENOMEM:    return "out of memory";
    case PARDO_EINVAL:    return "invalid argument";
    case PARDO_ESYS:      return "system call failed";
    case PARDO_ECANCELED: return "canceled";
    case PARDO_EITEM:     return "one or more items failed";
    case PARDO_ECRASH:    return "worker crashed";
    case PARDO_ETIMEDOUT: return "timed out";
    default:              return "item failed";
    }
}
