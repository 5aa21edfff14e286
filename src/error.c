/*
 * error.c - the words for every status code.
 *
 * DESIGN
 * One table, as libuv's uv_strerror: callers print pardo_strerror(rc)
 * whatever the call was.  An item's own non-zero return value is not ours
 * to name, so it reads "item failed".  PARDO_ESYS keeps which call
 * failed and its errno, per thread, for pardo_failed_call().
 */
#include <errno.h>

#include "internal.h"

static _Thread_local const char *failed_call;
static _Thread_local int failed_errno;

void pardo__sys_failed(const char *call)
{
    failed_call = call;
    failed_errno = errno;
}

const char *pardo_failed_call(int *err)
{
    if (err)
        *err = failed_call ? failed_errno : 0;
    return failed_call;
}

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
