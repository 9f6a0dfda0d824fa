/*  What one turn of the service loop commits: a refused command leaves
    nothing behind while the others of its turn commit; concurrent
    requests from client threads share turns (group commit); a command
    that outgrows the map still succeeds; timers write in a transaction of
    their own, a failing one leaves nothing, and the writes survive a
    restart. (tests/support/bs_toy_service: a toy intake driven turn by
    turn.)
*/
#include "bs_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_schemas.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_toy_service.h"

#define MIB ((size_t) 1 << 20)

static int
s_tick (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) now;
    bs_toy_t *fixture = (bs_toy_t *) argument;
    fixture->ticks++;
    uint64_t value;
    return bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "ticks", &value);
}

static int
s_tick_refused (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) now;
    bs_toy_t *fixture = (bs_toy_t *) argument;
    fixture->refused_ticks++;
    int rc = bs_store_put_u64 (txn, bs_service_dbi (service, "counters"), "doomed", 1);
    return rc != BS_OK ? rc : BS_E_CONFLICT;
}

static void
test_refused_command_leaves_nothing_while_its_turn_commits (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    zsock_t *dealers[3] = {bs_toy_dealer (fixture), bs_toy_dealer (fixture),
                           bs_toy_dealer (fixture)};
    bs_toy_connect (fixture, dealers, 3);

    bs_toy_send_submit (dealers[0], "good-1", "春耕");
    bs_toy_send_submit (dealers[1], "bad-1", "refuse");
    bs_toy_send_submit (dealers[2], "good-2", "夏收");
    zclock_sleep (300); /* all three wait in the command socket */
    fixture->turn = 1;
    assert_int_equal (bs_service_turn (fixture->service, 1000), BS_OK);
    /* The turn runs straight until the refusal (2 calls), then again
       carefully, each command in a nested transaction (3 calls). */
    assert_int_equal (fixture->calls, 2 + 3);
    for (int i = 0; i < 5; i++)
        assert_int_equal (fixture->call_turns[i], 1); /* one turn, one transaction */

    zframe_t *first = bs_toy_reply_waiting (dealers[0]);
    zframe_t *refused = bs_toy_reply_waiting (dealers[1]);
    zframe_t *second = bs_toy_reply_waiting (dealers[2]);
    bs_toy_assert_error (&refused, "conflict", "title", "the title 'refuse' is refused");
    uint64_t first_id = bs_toy_assert_submitted (first);
    uint64_t second_id = bs_toy_assert_submitted (second);
    /* The refused command's counter increment was rolled back too. */
    assert_int_equal (first_id + second_id, 1 + 2);
    assert_int_equal (bs_toy_counter (fixture, "report"), 2);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 2);
    bs_toy_assert_no_report_titled (fixture, "refuse");
    assert_int_equal (bs_toy_entries (fixture, "log"), 2);
    assert_int_equal (bs_toy_entries (fixture, "idempotency"), 2 * 2); /* replies, expiries */

    /* Refused is not remembered: the same id runs again. */
    bs_toy_send_submit (dealers[1], "bad-1", "refuse");
    refused = bs_toy_reply (fixture, dealers[1]);
    bs_toy_assert_error (&refused, "conflict", "title", NULL);
    assert_int_equal (fixture->calls, 5 + 2);

    zframe_destroy (&first);
    zframe_destroy (&second);
    for (int i = 0; i < 3; i++)
        zsock_destroy (&dealers[i]);
}

/* Group commit: clients in threads, the service turned by the test. */

#define S_GROUP_CLIENTS 8

typedef struct {
    bs_client_t *client;
    atomic_int *ready; /* clients connected */
    atomic_bool *go;   /* all may submit */
    atomic_int *done;  /* clients finished */
    int index;
    int rc;             /* the submit's result */
    uint64_t report_id; /* its report */
} group_client_t;

static void *
s_group_client (void *argument)
{
    group_client_t *self = (group_client_t *) argument;
    bs_error_t error;
    bs_ping_t ping = {0};
    bs_ping_reply_t pong;
    self->rc =
        bs_client_call (self->client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong, &error);
    if (self->rc == BS_OK)
        bs_codec_record_free (&bs_ping_reply_schema, &pong);
    atomic_fetch_add (self->ready, 1);
    while (!atomic_load (self->go))
        zclock_sleep (1);
    if (self->rc == BS_OK) {
        char title[32];
        snprintf (title, sizeof title, "group %d", self->index);
        bs_submit_t submit = {.unit = (char *) "unit", .title = title, .body = (char *) "body"};
        bs_submitted_t submitted;
        self->rc = bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema,
                                   &submitted, &error);
        if (self->rc == BS_OK) {
            self->report_id = submitted.report_id;
            bs_codec_record_free (&bs_submitted_schema, &submitted);
        }
    }
    atomic_fetch_add (self->done, 1);
    return NULL;
}

static void
test_group_commit (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    fixture->delay_ms = 20; /* requests arrive while a turn is busy */
    atomic_int ready = 0, done = 0;
    atomic_bool go = false;
    group_client_t clients[S_GROUP_CLIENTS];
    pthread_t threads[S_GROUP_CLIENTS];
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        clients[i] = (group_client_t){.client = bs_client_new (fixture->config, "svc", "test"),
                                      .ready = &ready,
                                      .go = &go,
                                      .done = &done,
                                      .index = i};
        assert_non_null (clients[i].client);
        assert_int_equal (pthread_create (&threads[i], NULL, s_group_client, &clients[i]), 0);
    }
    int64_t deadline = zclock_mono () + 10000;
    while (atomic_load (&ready) < S_GROUP_CLIENTS && zclock_mono () < deadline)
        bs_service_turn (fixture->service, 5);
    assert_int_equal (fixture->calls, 0); /* pings are not commands */
    atomic_store (&go, true);

    int turns_with_writes = 0, largest_turn = 0;
    while (atomic_load (&done) < S_GROUP_CLIENTS && zclock_mono () < deadline) {
        int before = fixture->calls;
        fixture->turn++;
        assert_int_equal (bs_service_turn (fixture->service, 5), BS_OK);
        int applied = fixture->calls - before;
        if (applied > 0)
            turns_with_writes++;
        if (applied > largest_turn)
            largest_turn = applied;
    }
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        pthread_join (threads[i], NULL);
        bs_client_destroy (&clients[i].client);
    }
    bool seen[S_GROUP_CLIENTS + 1] = {false};
    for (int i = 0; i < S_GROUP_CLIENTS; i++) {
        assert_int_equal (clients[i].rc, BS_OK);
        assert_in_range (clients[i].report_id, 1, S_GROUP_CLIENTS);
        assert_false (seen[clients[i].report_id]);
        seen[clients[i].report_id] = true;
    }
    assert_int_equal (fixture->calls, S_GROUP_CLIENTS);
    assert_int_equal (bs_toy_entries (fixture, "reports"), S_GROUP_CLIENTS);
    assert_true (turns_with_writes >= 1);
    if (turns_with_writes >= S_GROUP_CLIENTS)
        fail_msg ("%d requests took %d write turns: no group commit", S_GROUP_CLIENTS,
                  turns_with_writes);
    assert_true (largest_turn > 1);
}

static void
test_map_grows_inside_a_command (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    size_t map_before = bs_store_map_size (bs_service_store (fixture->service));
    assert_true (map_before <= 2 * MIB);
    fixture->big_size = (bs_test_quick () ? 3 : 6) * MIB;
    fixture->big = (unsigned char *) malloc (fixture->big_size);
    assert_non_null (fixture->big);
    for (size_t i = 0; i < fixture->big_size; i++)
        fixture->big[i] = (unsigned char) (i * 31 + i / 4099);

    zsock_t *dealer = bs_toy_dealer (fixture);
    bs_toy_send_submit (dealer, "big-1", "big");
    zframe_t *reply = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (reply), 1);
    zframe_destroy (&reply);
    assert_true (fixture->calls > 1); /* the turn was retried on a grown map */
    assert_true (bs_store_map_size (bs_service_store (fixture->service)) > fixture->big_size);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->service), &txn), BS_OK);
    const void *bytes;
    size_t size;
    assert_int_equal (
        bs_store_get_bytes (txn, bs_service_dbi (fixture->service, "blobs"), "big", &bytes, &size),
        BS_OK);
    assert_int_equal (size, fixture->big_size);
    assert_memory_equal (bytes, fixture->big, size);
    mdb_txn_abort (txn);
    /* The attempts that ran out of room left nothing behind. */
    assert_int_equal (bs_toy_counter (fixture, "report"), 1);
    assert_int_equal (bs_toy_entries (fixture, "reports"), 1);
    assert_int_equal (bs_toy_entries (fixture, "log"), 1);

    /* Later commands go on as usual. */
    bs_toy_send_submit (dealer, "small-1", "小");
    reply = bs_toy_reply (fixture, dealer);
    assert_int_equal (bs_toy_assert_submitted (reply), 2);
    zframe_destroy (&reply);
    zsock_destroy (&dealer);
}

static void
test_timers_write_in_a_transaction (void **state)
{
    bs_toy_t *fixture = (bs_toy_t *) *state;
    assert_int_equal (bs_service_every (fixture->service, 40, s_tick, fixture), BS_OK);
    assert_int_equal (bs_service_every (fixture->service, 40, s_tick_refused, fixture), BS_OK);
    int64_t until = zclock_mono () + 500;
    while (zclock_mono () < until)
        assert_int_equal (bs_service_turn (fixture->service, 20), BS_OK);
    /* A turn whose timer fails runs again carefully, so each due tick is
       called twice and committed once. */
    int ticks = (int) bs_toy_counter (fixture, "ticks");
    assert_in_range (ticks, 3, 13); /* about every 40 ms, not every turn */
    assert_int_equal (fixture->ticks, 2 * ticks);
    assert_true (fixture->refused_ticks >= 3);
    assert_int_equal (bs_toy_counter (fixture, "doomed"), 0); /* a failing timer leaves nothing */

    /* The writes are durable: a new service on the same folder sees them. */
    bs_service_destroy (&fixture->service);
    bs_toy_open (fixture);
    assert_int_equal (bs_toy_counter (fixture, "ticks"), ticks);
    assert_int_equal (bs_toy_counter (fixture, "doomed"), 0);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_refused_command_leaves_nothing_while_its_turn_commits,
                                         bs_toy_setup, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_group_commit, bs_toy_setup, bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_map_grows_inside_a_command, bs_toy_setup_small_map,
                                         bs_toy_teardown),
        cmocka_unit_test_setup_teardown (test_timers_write_in_a_transaction, bs_toy_setup,
                                         bs_toy_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
