/*  bs_toy_service: a toy intake over bs_service, run in the test's own
    process on ipc:// sockets in a private folder and driven turn by turn
    with bs_service_turn, for the unit tests of the service loop
    (tests/common/test_service_*.c).

    Its handlers: intake.submit counts the call, stores and emits a report
    (title "refuse": writes, emits, then refuses; "big": also writes
    fixture->big); intake.list answers without an id (not mutating);
    intake.get answers later from deferred work, which records when it
    started and what the store held then; publication.issue_get does the
    same but is registered as mutating, so it may not defer.
    review.claim answers with a stored report, its stored reply leaving
    out the title and body (bs_request_store_without); review.edit gives a
    report a new body and version, the earlier one kept in versions
    (bs_service_keep_version).

    The clients are plain DEALER sockets (bs_toy_dealer), so a test decides
    what lands in which turn. Each cmocka test gets a fresh service from
    bs_toy_setup (or a variant) and gives it back with bs_toy_teardown.
*/
#ifndef BS_TOY_SERVICE_H_INCLUDED
#define BS_TOY_SERVICE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_service.h"

#define BS_TOY_CALLS_MAX 256
#define BS_TOY_WAIT_MS 5000 /* longest wait for a reply */

/* One toy service and what its handlers saw. */
typedef struct {
    char *folder;                     /* private temporary folder, removed afterwards */
    bs_config_t *config;              /* from folder/baosong.conf */
    bs_service_t *service;            /* "svc" */
    int turn;                         /* the turn the test is running (set by the test) */
    int calls;                        /* submit handler invocations, aborted ones included */
    int call_turns[BS_TOY_CALLS_MAX]; /* the turn of each invocation */
    int delay_ms;                     /* the submit handler sleeps this long */
    unsigned char *big;               /* what a "big" submit writes */
    size_t big_size;                  /* its size */
    int ticks;                        /* runs of the counting timer */
    int refused_ticks;                /* runs of the failing timer */
    int deferrals;                    /* runs of the deferring handler */
    int dropped;                      /* deferred work dropped */
    int started;                      /* deferred work started */
    size_t reports_at_start;          /* reports committed when the last work started */
    uint64_t report_commits[BS_TOY_CALLS_MAX]; /* the store's commit (LMDB txn id) of each
                                                  report id, by the submit that stored it */
    int texts_given;                           /* texts a stored claim reply got back */
    bool texts_wrong; /* give the current version's texts whatever was asked */
} bs_toy_t;

/* cmocka setup (czmq initialized, its log off): a fresh toy service in *state; _small_map with a
   map of 1 MiB; _expiring sweeping idempotency keys every 20 ms; _journaled with the store's
   journal on and no checkpoint while the test runs; _unjournaled with the journal off, whatever
   the default (LMDB's own flushes make each commit durable). */
int bs_toy_setup (void **state);
int bs_toy_setup_small_map (void **state);
int bs_toy_setup_expiring (void **state);
int bs_toy_setup_journaled (void **state);
int bs_toy_setup_unjournaled (void **state);

/* cmocka teardown: destroy the service and remove its folder. */
int bs_toy_teardown (void **state);

/* Open fixture->service on fixture->config with the toy handlers (again,
   after a test destroyed it: a restart on the same store). */
void bs_toy_open (bs_toy_t *fixture);

/* A DEALER connected to the service's command socket; the caller destroys
   it. */
zsock_t *bs_toy_dealer (bs_toy_t *fixture);

/* Send bytes as one frame; a record of schema as a message with id; an
   intake.submit of title (unit 县农业局) with id; a ping. */
void bs_toy_send_bytes (zsock_t *dealer, const void *bytes, size_t size);
void bs_toy_send (zsock_t *dealer, const bs_schema_t *schema, const void *record, const char *id);
void bs_toy_send_submit (zsock_t *dealer, const char *id, const char *title);
void bs_toy_send_ping (zsock_t *dealer);

/* The next reply on dealer, turning the service while waiting (the
   caller destroys it). Fails after BS_TOY_WAIT_MS. */
zframe_t *bs_toy_reply (bs_toy_t *fixture, zsock_t *dealer);

/* The next reply on dealer without turning (the service already did). */
zframe_t *bs_toy_reply_waiting (zsock_t *dealer);

/* Decode a reply frame into *message (bs_message_clear it); fails the
   test if it does not decode. */
void bs_toy_decode (zframe_t *frame, bs_message_t *message);

/* Assert frame is an intake.submitted reply; its report id. */
uint64_t bs_toy_assert_submitted (zframe_t *frame);

/* Assert *frame_p is an error reply with code and field, whose text holds
   says unless says is NULL; destroys the frame. */
void bs_toy_assert_error (zframe_t **frame_p, const char *code, const char *field,
                          const char *says);

/* A ping on each dealer, and its pong awaited: every connection is up
   before the test times anything. */
void bs_toy_connect (bs_toy_t *fixture, zsock_t **dealers, size_t count);

/* Entries in database of the service's store; the value of a counter in
   "counters" (99 when absent). */
size_t bs_toy_entries (bs_toy_t *fixture, const char *database);
uint64_t bs_toy_counter (bs_toy_t *fixture, const char *key);

/* Assert no stored report has title. */
void bs_toy_assert_no_report_titled (bs_toy_t *fixture, const char *title);

#endif
