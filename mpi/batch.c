/*
 * batch.c - running one batch on a rank and packing its RESULT message.
 *
 * DESIGN
 * Every rank, rank 0 included, runs a batch the same way: one pardo_map
 * call with the rank's own pool over the batch's inputs, timed, then the
 * results packed into a RESULT message (see internal.h).  Rank 0 parses its
 * own batches' messages like anyone else's, so there is one path from a
 * result to the caller, and a codec's encode and decode run for every item
 * wherever it ran.
 *
 * Raw results cost no copy: pardo_map writes them straight into the
 * message.  With a codec, the out structs go to a scratch array (zeroed
 * first, so that release() on an item that never wrote its out sees zeros),
 * each status-0 one is encoded into the message and then released.
 * A message must fit an MPI count (int); a batch whose encodings do not is
 * sent back with those items failed (PARDO_ENOMEM) rather than not at all,
 * since rank 0 waits for every batch.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define HDR sizeof(struct pardo__mpi_result)

static size_t align8(size_t x)
{
    return (x + 7) & ~(size_t)7;
}

/* Raw results start 16-aligned, as malloc's blocks do: pardo_map writes the
 * item function's out structs there, and rank 0 reads them in place. */
static size_t raw_results_at(uint32_t n)
{
    return (HDR + (size_t)n * sizeof(int) + 15) & ~(size_t)15;
}

int pardo__mpi_buf_reserve(struct pardo__mpi_buf *b, size_t cap)
{
    if (cap <= b->cap)
        return PARDO_OK;
    size_t c = b->cap ? b->cap : 256;
    while (c < cap)
        c = c > SIZE_MAX / 2 ? cap : c * 2;
    char *p = realloc(b->p, c);
    if (!p)
        return PARDO_ENOMEM;
    b->p = p;
    b->cap = c;
    return PARDO_OK;
}

uint64_t pardo__mpi_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* pardo_map's statuses are only meaningful when it ran the batch. */
static void map_level_error(int rc, int *status, uint32_t n)
{
    if (rc == PARDO_OK || rc == PARDO_EITEM || rc == PARDO_ECANCELED)
        return;
    for (uint32_t i = 0; i < n; i++)
        status[i] = rc;
}

/* Appends a failure record for every failed item; msg->len is where the
 * results part ends. */
static int add_failures(struct pardo__mpi_runner *r, uint32_t n, struct pardo__mpi_buf *msg)
{
    size_t status_off = HDR;
    uint32_t nfail = 0;
    for (uint32_t i = 0; i < n; i++)
        nfail += ((const int *)(msg->p + status_off))[i] != 0;
    size_t at = align8(msg->len);
    if (pardo__mpi_buf_reserve(msg, at + (size_t)nfail * sizeof(struct pardo__mpi_fail)) != PARDO_OK)
        return PARDO_ENOMEM;
    const int *status = (const int *)(msg->p + status_off);
    struct pardo__mpi_fail *f = (struct pardo__mpi_fail *)(msg->p + at);
    for (uint32_t i = 0; i < n; i++) {
        if (status[i] == 0)
            continue;
        pardo_failure pf;
        memset(f, 0, sizeof *f);
        f->index = i;
        if (r->pool && pardo_map_error(r->pool, i, &pf) == PARDO_OK) {
            f->signal = pf.signal;
            f->seconds = pf.seconds;
            memcpy(f->stage, pf.stage, sizeof f->stage);
            f->stage[sizeof f->stage - 1] = '\0';
        }
        f++;
    }
    ((struct pardo__mpi_result *)msg->p)->nfail = nfail;
    msg->len = at + (size_t)nfail * sizeof(struct pardo__mpi_fail);
    return PARDO_OK;
}

static int run_raw(struct pardo__mpi_runner *r, const char *in, uint32_t n,
                   struct pardo__mpi_buf *msg)
{
    size_t bytes = (size_t)n * r->out_size, at = raw_results_at(n);
    if (pardo__mpi_buf_reserve(msg, at + bytes) != PARDO_OK)
        return PARDO_ENOMEM;
    int *status = (int *)(msg->p + HDR);
    int rc = pardo_map(r->pool, r->fn, r->arg, in, r->in_size, msg->p + at, r->out_size, n,
                       status);
    map_level_error(rc, status, n);
    ((struct pardo__mpi_result *)msg->p)->bytes = bytes;
    msg->len = at + bytes;
    return PARDO_OK;
}

/* Encodes item i's out at msg->len; 0 and *len, or the item's new status. */
static int encode_one(struct pardo__mpi_runner *r, const void *out, struct pardo__mpi_buf *msg,
                      size_t *len)
{
    const pardo_mpi_codec *c = r->codec;
    *len = 0;
    int rc = c->encode(c->arg, out, msg->p + msg->len, msg->cap - msg->len, len);
    if (rc == 0 && *len > msg->cap - msg->len) {
        if (pardo__mpi_buf_reserve(msg, msg->len + *len) != PARDO_OK)
            return PARDO_ENOMEM;
        size_t cap = msg->cap - msg->len;
        rc = c->encode(c->arg, out, msg->p + msg->len, cap, len);
        if (rc == 0 && *len > cap)
            rc = PARDO_EINVAL;          /* it changed its mind */
    }
    if (rc == 0 && *len > UINT32_MAX)
        rc = PARDO_ENOMEM;
    return rc;
}

static int run_codec(struct pardo__mpi_runner *r, const char *in, uint32_t n,
                     struct pardo__mpi_buf *msg)
{
    size_t outs = (size_t)n * r->out_size;
    if (pardo__mpi_buf_reserve(&r->outs, outs ? outs : 1) != PARDO_OK)
        return PARDO_ENOMEM;
    if (r->status_cap < n) {
        int *s = realloc(r->status, n * sizeof *s);
        if (!s)
            return PARDO_ENOMEM;
        r->status = s;
        r->status_cap = n;
    }
    memset(r->outs.p, 0, outs);
    int rc = pardo_map(r->pool, r->fn, r->arg, in, r->in_size, r->outs.p, r->out_size, n,
                       r->status);
    map_level_error(rc, r->status, n);

    size_t lens_off = HDR + (size_t)n * sizeof(int);
    msg->len = lens_off + (size_t)n * sizeof(uint32_t);
    if (pardo__mpi_buf_reserve(msg, msg->len + outs + 64) != PARDO_OK)
        return PARDO_ENOMEM;
    size_t start = msg->len;
    for (uint32_t i = 0; i < n; i++) {
        char *out = r->outs.p + (size_t)i * r->out_size;
        size_t len = 0;
        if (r->status[i] == 0) {
            int e = encode_one(r, out, msg, &len);
            if (e != 0) {
                r->status[i] = e;
                len = 0;
            }
        }
        ((uint32_t *)(msg->p + lens_off))[i] = (uint32_t)len;
        msg->len += len;
        if (r->codec->release)
            r->codec->release(r->codec->arg, out);
    }
    if (msg->len + (size_t)n * sizeof(struct pardo__mpi_fail) + 8 > INT_MAX) {
        /* too big for one message: fail them */
        for (uint32_t i = 0; i < n; i++) {
            if (r->status[i] == 0)
                r->status[i] = PARDO_ENOMEM;
            ((uint32_t *)(msg->p + lens_off))[i] = 0;
        }
        msg->len = start;
    }
    memcpy(msg->p + HDR, r->status, n * sizeof(int));
    ((struct pardo__mpi_result *)msg->p)->bytes = msg->len - start;
    return PARDO_OK;
}

int pardo__mpi_run_batch(struct pardo__mpi_runner *r, uint64_t id, const char *in,
                         uint32_t n, struct pardo__mpi_buf *msg)
{
    msg->len = 0;
    if (pardo__mpi_buf_reserve(msg, HDR) != PARDO_OK)
        return PARDO_ENOMEM;
    uint64_t t0 = pardo__mpi_now_ns();
    int rc = r->codec ? run_codec(r, in, n, msg) : run_raw(r, in, n, msg);
    if (rc == PARDO_OK)
        rc = add_failures(r, n, msg);
    if (rc != PARDO_OK)
        return rc;
    struct pardo__mpi_result *h = (struct pardo__mpi_result *)msg->p;
    h->id = id;
    h->n = n;
    h->ns = pardo__mpi_now_ns() - t0;
    return PARDO_OK;
}

int pardo__mpi_failed_batch(const struct pardo__mpi_runner *r, uint64_t id, uint32_t n,
                            int status, struct pardo__mpi_buf *msg)
{
    size_t len = r->codec ? align8(HDR + (size_t)n * (sizeof(int) + sizeof(uint32_t)))
                          : raw_results_at(n);
    if (pardo__mpi_buf_reserve(msg, len) != PARDO_OK)
        return PARDO_ENOMEM;
    memset(msg->p, 0, len);
    struct pardo__mpi_result *h = (struct pardo__mpi_result *)msg->p;
    h->id = id;
    h->n = n;
    for (uint32_t i = 0; i < n; i++)
        ((int *)(msg->p + HDR))[i] = status;
    msg->len = len;
    return PARDO_OK;
}

void pardo__mpi_runner_free(struct pardo__mpi_runner *r)
{
    free(r->outs.p);
    free(r->status);
    r->outs = (struct pardo__mpi_buf){ 0 };
    r->status = NULL;
    r->status_cap = 0;
}

int pardo__mpi_parse(const char *msg, size_t len, uint32_t n, int codec, size_t out_size,
                     struct pardo__mpi_view *v)
{
    if (len < HDR)
        return PARDO_ESYS;
    const struct pardo__mpi_result *h = (const struct pardo__mpi_result *)msg;
    if (h->n != n)
        return PARDO_ESYS;
    size_t at = HDR + (size_t)n * sizeof(int);
    v->h = h;
    v->status = (const int *)(msg + HDR);
    v->len = NULL;
    if (codec) {
        v->len = (const uint32_t *)(msg + at);
        at += (size_t)n * sizeof(uint32_t);
    } else {
        at = raw_results_at(n);
    }
    if (!codec && h->bytes != (uint64_t)n * out_size) {
        if (h->bytes != 0)
            return PARDO_ESYS;
        for (uint32_t i = 0; i < n; i++)        /* a failed batch */
            if (v->status[i] == 0 && out_size)
                return PARDO_ESYS;
    }
    if (at > len || h->bytes > len - at)
        return PARDO_ESYS;
    v->bytes = msg + at;
    at = align8(at + h->bytes);
    v->fail = NULL;
    if (h->nfail) {
        if (at > len || h->nfail > (len - at) / sizeof(struct pardo__mpi_fail))
            return PARDO_ESYS;
        v->fail = (const struct pardo__mpi_fail *)(msg + at);
    }
    return PARDO_OK;
}
