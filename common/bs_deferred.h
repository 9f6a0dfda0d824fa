/*  bs_deferred: replies that a thread gives after the service's loop has
    moved on (bs_request_defer in bs_service.h is how a handler asks for
    one).

    The loop owns an inbox (a PULL socket on an inproc endpoint of its
    own) and polls it beside its command socket. When a turn that deferred
    a request has committed, the loop makes a bs_deferred_t for it (the
    client's ROUTER identity, the request's envelope id, the inbox's
    endpoint) and hands it to the work. The work's thread, when done,
    encodes the reply and pushes it with the identity to the inbox
    (bs_deferred_reply, bs_deferred_fail); the loop then sends it on to
    the client from its own thread (bs_deferred_forward), since a ZeroMQ
    socket is used by one thread only.

    Ownership: a bs_deferred_t belongs to whoever holds it until
    bs_deferred_reply or bs_deferred_fail frees it (exactly one of them is
    called, once); bs_deferred_destroy frees one without a reply (the
    client then times out and asks again). The inbox belongs to the loop.
*/
#ifndef BS_DEFERRED_H_INCLUDED
#define BS_DEFERRED_H_INCLUDED

#include <czmq.h>
#include <stdint.h>

#include "bs_codec.h"

typedef struct bs_deferred bs_deferred_t;

/* The loop's inbox, bound to a new inproc endpoint (written to endpoint,
   of size bytes). NULL when it cannot be bound. */
zsock_t *bs_deferred_inbox_new (char *endpoint, size_t size);

/* Send each reply waiting in inbox on to its client through commands (the
   loop's ROUTER); never blocks. Returns how many it took from the inbox. */
size_t bs_deferred_forward (zsock_t *inbox, zsock_t *commands);

/* A reply owed to the client identity (copied) for the request with
   envelope id, from service, pushed to the inbox at endpoint. NULL when
   out of memory. */
bs_deferred_t *bs_deferred_new (const char *endpoint, zframe_t *identity, const char *id,
                                const char *service, uint64_t now);

/* Send the reply (record of schema) and free *self_p (nulled); from any
   thread. BS_OK, or BS_E_SYSTEM (logged) when it could not be handed to
   the loop: the client then times out and asks again. */
int bs_deferred_reply (bs_deferred_t **self_p, const bs_schema_t *schema, const void *record);

/* The same with an error reply (as bs_request_fail). Returns code. */
int bs_deferred_fail (bs_deferred_t **self_p, int code, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Free *self_p (nulled) without a reply. */
void bs_deferred_destroy (bs_deferred_t **self_p);

#endif
