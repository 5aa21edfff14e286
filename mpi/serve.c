/*
 * serve.c - what ranks other than 0 do: run batches until END.
 *
 * DESIGN
 * A rank waits for a message from rank 0 (WORK or END), runs a WORK batch
 * with its pool (batch.c) and sends the RESULT with MPI_Isend, so that it
 * goes straight on to the next batch, which rank 0 has usually sent already
 * (it keeps PARDO_MPI_OUTSTANDING batches at every rank).  A rank has at
 * most PARDO_MPI_OUTSTANDING results that rank 0 has not received (rank 0
 * sends a batch only for a result it received), so a few send slots
 * suffice; each keeps its message until MPI says the send is complete.
 *
 * Waiting polls MPI_Improbe with a backoff (pardo__mpi_backoff_us) instead of
 * a blocking receive, which Open MPI would spin in: ranks often share cores
 * with each other and with their pools' workers.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SLOTS (PARDO_MPI_OUTSTANDING + 1)

struct send_slot {
    MPI_Request req;
    struct pardo__mpi_buf msg;
};

/* A free slot, waiting for a send to complete if none is.  NULL on an MPI
 * error. */
static struct send_slot *free_slot(struct send_slot *s)
{
    for (int i = 0; i < SLOTS; i++) {
        int done = 1;
        if (s[i].req != MPI_REQUEST_NULL &&
            MPI_Test(&s[i].req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return NULL;
        if (done)
            return &s[i];
    }
    MPI_Request reqs[SLOTS];
    for (int i = 0; i < SLOTS; i++)
        reqs[i] = s[i].req;
    int k;
    if (MPI_Waitany(SLOTS, reqs, &k, MPI_STATUS_IGNORE) != MPI_SUCCESS || k == MPI_UNDEFINED)
        return NULL;
    s[k].req = MPI_REQUEST_NULL;
    return &s[k];
}

/* Runs one WORK message and sends its RESULT; *ns: how long it ran (as
 * its RESULT tells rank 0; 0 for a failed batch). */
static int serve_work(pardo_mpi_iter *it, const char *msg, size_t len, struct send_slot *slots,
                      double *ns)
{
    struct pardo__mpi_work h;
    if (len < sizeof h)
        return PARDO_ESYS;
    memcpy(&h, msg, sizeof h);
    if (h.n > PARDO_MPI_BATCH_MAX ||
        (it->run.in_size && (len - sizeof h) / it->run.in_size < h.n))
        return PARDO_ESYS;
    struct send_slot *s = free_slot(slots);
    if (!s)
        return PARDO_ESYS;
    int rc = pardo__mpi_run_batch(&it->run, h.id, msg + sizeof h, h.n, &s->msg);
    struct pardo__mpi_result res = { 0 };
    if (rc == PARDO_OK && s->msg.len >= sizeof res)
        memcpy(&res, s->msg.p, sizeof res);
    *ns = (double)res.ns;
    if (rc != PARDO_OK)     /* rank 0 waits for this batch: fail its items */
        rc = pardo__mpi_failed_batch(&it->run, h.id, h.n, rc, &s->msg);
    if (rc != PARDO_OK)
        return rc;
    if (MPI_Isend(s->msg.p, (int)s->msg.len, MPI_BYTE, 0, PARDO__TAG_RESULT, it->comm,
                  &s->req) != MPI_SUCCESS)
        return PARDO_ESYS;
    return PARDO_OK;
}

int pardo__mpi_serve(pardo_mpi_iter *it)
{
    struct send_slot slots[SLOTS];
    for (int i = 0; i < SLOTS; i++)
        slots[i] = (struct send_slot){ MPI_REQUEST_NULL, { 0 } };
    struct pardo__mpi_buf in = { 0 };
    unsigned idle = 0;
    double batch_ns = 0;        /* the last batch's time: how long to wait at most */
    int rc = PARDO_OK;
    while (rc == PARDO_OK && !it->ended) {
        MPI_Message m;
        MPI_Status st;
        int flag = 0, count = 0;
        if (MPI_Improbe(0, MPI_ANY_TAG, it->comm, &flag, &m, &st) != MPI_SUCCESS) {
            rc = PARDO_ESYS;
            break;
        }
        if (!flag) {
            pardo__mpi_sleep_us(pardo__mpi_backoff_us(&idle, pardo__mpi_wait_cap_us(batch_ns)));
            continue;
        }
        idle = 0;
        MPI_Get_count(&st, MPI_BYTE, &count);
        if (pardo__mpi_buf_reserve(&in, count > 0 ? (size_t)count : 1) != PARDO_OK) {
            rc = PARDO_ENOMEM;
            break;
        }
        if (MPI_Mrecv(in.p, count, MPI_BYTE, &m, &st) != MPI_SUCCESS) {
            rc = PARDO_ESYS;
            break;
        }
        if (st.MPI_TAG == PARDO__TAG_END) {
            struct pardo__mpi_end e = { PARDO_ESYS, 0 };
            if ((size_t)count >= sizeof e)
                memcpy(&e, in.p, sizeof e);
            it->ended = 1;
            it->rc = e.rc;
            it->failed = e.failed;
        } else if (st.MPI_TAG == PARDO__TAG_WORK) {
            rc = serve_work(it, in.p, (size_t)count, slots, &batch_ns);
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].req != MPI_REQUEST_NULL)
            MPI_Wait(&slots[i].req, MPI_STATUS_IGNORE);
        free(slots[i].msg.p);
    }
    free(in.p);
    if (rc != PARDO_OK) {       /* rank 0 will not hear from us again */
        it->ended = 1;
        it->rc = rc;
    }
    return it->rc;
}
