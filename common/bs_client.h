/*  bs_client: send a command to a service and wait for its reply, with
    retries that cannot apply a command twice.

    Each call gets a fresh random id, its idempotency key. When no reply
    comes within request_timeout_ms the client closes its socket, opens a new
    one (Lazy Pirate: the old one may hold a half-dead connection) and sends
    the same message again, with the same id, up to request_retries times.
    The service answers a repeated id with its first reply, so a retried
    submit never registers a report twice. When every try times out the
    call returns BS_E_UNAVAILABLE with a sentence saying which service did
    not answer where.

    Each try carries a deadline (now + the per-try timeout) in its
    envelope: a service that takes the command after it drops it, so a
    command whose client gave up is never executed late.
*/
#ifndef BS_CLIENT_H_INCLUDED
#define BS_CLIENT_H_INCLUDED

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_error.h"

typedef struct bs_client bs_client_t;

/* A client of service's command socket (endpoint from config). The name
   `source` goes into each envelope's src ("cli", "bench", ...). */
bs_client_t *bs_client_new (bs_config_t *config, const char *service, const char *source);
void bs_client_destroy (bs_client_t **self_p);

/* Call: send request (record of request_schema), wait for the reply and
   decode it into reply (a record of reply_schema, to be freed with
   bs_codec_record_free). An error reply returns its code with error filled
   (error->field names the field at fault). reply_schema may be a view of
   the reply's schema (bs_schema_view): a caller that reads a few fields
   of a long reply (a batch's results) has only those checked and copied,
   and frees the reply with either schema. */
int bs_client_call (bs_client_t *self, const bs_schema_t *request_schema, const void *request,
                    const bs_schema_t *reply_schema, void *reply, bs_error_t *error);

/* The same with a given idempotency key instead of a fresh one. */
int bs_client_call_with_id (bs_client_t *self, const char *id, const bs_schema_t *request_schema,
                            const void *request, const bs_schema_t *reply_schema, void *reply,
                            bs_error_t *error);

/* Send principal (copied; NULL: none) with every later call: who acts
   (bs_principal.h). */
void bs_client_set_principal (bs_client_t *self, const bs_principal_t *principal);

/* Override the per-try timeout and the number of tries (tests, `up`). */
void bs_client_set_patience (bs_client_t *self, int timeout_ms, int tries);

#endif
