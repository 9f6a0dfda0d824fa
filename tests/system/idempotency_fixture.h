/*  idempotency_fixture: what the idempotency system tests of each service
    (tests/system/test_idempotency_*.c) share: the system they start, a
    command sent on a raw socket whose reply is lost, idempotency keys, a
    service's last event, a submit, and statistics' figures of a unit.

    A lost reply is made honestly: the envelope goes out on a raw DEALER
    socket that is closed without reading, either after the reply has
    arrived on it (the service did answer) or at once (the reply finds no
    peer).
*/
#ifndef IDEMPOTENCY_FIXTURE_H_INCLUDED
#define IDEMPOTENCY_FIXTURE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_schemas.h"
#include "bs_system.h"

#define IDEMPOTENCY_REPLY_TIMEOUT_MS 5000

/* The system the tests of a program run against (idempotency_start). */
extern bs_system_t *idempotency_system;

/* Start every service of a system of this name and register units
   (count of them); 0 when done, -1 otherwise (a cmocka group setup's). */
int idempotency_start (const char *name, const char *const *units, size_t count);

/* Stop and remove the system (a cmocka group teardown's). */
int idempotency_stop (void **state);

typedef enum {
    LOSE_AFTER_ARRIVAL, /* wait until the reply is on the socket, then close unread */
    LOSE_AT_ONCE        /* close right after sending (linger delivers the request) */
} lose_t;

/* A raw DEALER socket to service's command endpoint, the command (schema,
   record) sent on it with key id. The caller destroys it. */
zsock_t *idempotency_raw_send (const char *service, const bs_schema_t *schema, const void *record,
                               const char *id);

/* Send a command with key id whose reply is lost. */
void idempotency_send_and_lose_reply (const char *service, const bs_schema_t *schema,
                                      const void *record, const char *id, lose_t how);

/* A new idempotency key into key. */
void idempotency_new_key (char *key, size_t size);

/* The sequence number of service's last event. */
uint64_t idempotency_last_seq (const char *service);

/* intake.submit with key; fails the test if refused. */
int idempotency_submit (const char *key, const bs_submit_t *submit, bs_submitted_t *submitted);

/* Statistics' all-time figures of one unit (zero if it has none). */
bs_stats_row_t idempotency_unit_figures (const char *unit);

#endif
