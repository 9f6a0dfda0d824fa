/*  intake_fixture: intake run in the test's own process for the tests of
    tests/services/intake (bs_service driven turn by turn, a DEALER as the
    client), and the calls they all make: a command and its reply, a
    command that must be refused, a unit, an officer, the reports one may
    read, a token of a unit's direct channel, a batch.

    Who a call sends as: every command acts as the certificate that sends
    it (bs_principal.h). By default the admin CLI's; with acting set, an
    officer named in the envelope, through the gateway's certificate (the
    one that may vouch for people); with as_gateway set, the next call is
    the gateway itself (password hashes, sessions and tokens are its
    business).
*/
#ifndef INTAKE_FIXTURE_H_INCLUDED
#define INTAKE_FIXTURE_H_INCLUDED

#include "bs_test.h"

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_store.h"

typedef struct {
    char *folder;
    bs_config_t *config;
    bs_service_t *service;
    bs_store_t *store;            /* the service's, for a test that writes or reads it directly */
    zsock_t *admin;               /* DEALER presenting the admin certificate */
    zsock_t *gateway;             /* DEALER presenting the gateway certificate */
    const bs_principal_t *acting; /* the officer calls act as; NULL: the admin CLI */
    bool as_gateway;              /* the next call only: as the gateway itself */
    const char *call_id;          /* the next call only: its envelope's id (NULL: a new one) */
    msgpack_sbuffer reply;        /* the last reply's bytes, as they came */
} intake_fixture_t;

/* cmocka set-up and tear-down: a fresh intake (passwords hashed at the
   least cost) in *state, acting as the admin CLI. */
int intake_fixture_setup (void **state);
int intake_fixture_teardown (void **state);

/* Close intake and open it again on the same store and configuration
   (what it holds in memory made again, as after a crash); the clients
   reconnect by themselves. */
void intake_fixture_restart (intake_fixture_t *fixture);

/* Send a command, turn the service until the reply is back, decode it into
   reply (reply_schema) or, on an error reply, return its code with error
   filled. */
int intake_fixture_call (intake_fixture_t *fixture, const bs_schema_t *schema, const void *record,
                         const bs_schema_t *reply_schema, void *reply, bs_error_t *error);

/* A call that must be refused with code, naming field. */
void intake_fixture_refused (intake_fixture_t *fixture, const bs_schema_t *schema,
                             const void *record, const bs_schema_t *reply_schema, int code,
                             const char *field);

/* As intake_fixture_refused, saying what is wrong in the word reason
   (docs/API.md, "Reasons"). */
void intake_fixture_refused_because (intake_fixture_t *fixture, const bs_schema_t *schema,
                                     const void *record, const bs_schema_t *reply_schema, int code,
                                     const char *field, const char *reason);

/* Puts a unit (level, under parent or NULL) and expects it accepted. */
void intake_fixture_unit (intake_fixture_t *fixture, const char *name, const char *level,
                          const char *parent);

/* Puts an officer (as whoever acting says, the admin CLI by default) and
   expects it accepted. */
void intake_fixture_officer (intake_fixture_t *fixture, const bs_officer_t *officer);

/* The first 1000 reports that acting may read, into page (free it with
   bs_codec_record_free), and how many there are. */
void intake_fixture_report_page (intake_fixture_t *fixture, bs_report_page_t *page);
size_t intake_fixture_report_count (intake_fixture_t *fixture);

/* The unit 滑縣 and a token of its direct channel, city-system, into
   secret. */
void intake_fixture_city_system (intake_fixture_t *fixture, char *secret, size_t size);

/* A batch of count items with token, expected answered item by item: the
   results, in page (free it with bs_codec_record_free). */
bs_submitted_t *intake_fixture_batch (intake_fixture_t *fixture, const char *token,
                                      bs_submit_t *items, size_t count, bs_batch_page_t *page);

#endif
