/*  test_stream: the reliable stream between two services in one process.

    "up" produces its log (a submit command emits one event per report);
    "down" consumes it, recording every applied sequence in its own store
    together with how many arrived twice or out of order. Both are turned
    from the test thread, so the test decides who runs when.

    What users rely on: every event is applied exactly once and in order,
    the backlog included; the consumer's cursor survives a restart of either
    side; the producer never sends more than the credit granted; duplicates
    are dropped and a gap makes the consumer subscribe again from its cursor;
    the producer's pong says how far each consumer is, also once it stopped.
*/
#include "bs_test.h"
#include "bs_test_keys.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_proto.h"
#include "bs_schemas.h"
#include "bs_service.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_stream.h"

#define S_WAIT_MS 10000 /* longest wait for the stream to catch up */

static const char *const s_up_databases[] = {"counters", NULL};
static const char *const s_down_databases[] = {"seen", "counters", NULL};

typedef struct {
    char *folder;        /* private temporary folder, removed afterwards */
    bs_config_t *config; /* from folder/baosong.conf */
    bs_service_t *up;    /* producer, NULL while stopped */
    bs_service_t *down;  /* consumer, NULL while stopped */
    zsock_t *commands;   /* DEALER to up's command socket */
    int submitted;       /* submits sent so far (their ids) */
} fixture_t;

static bool
s_quick (void)
{
    const char *quick = getenv ("BAOSONG_TEST_QUICK");
    return quick && *quick && strcmp (quick, "0") != 0;
}

/* The two services                                                       */

static int
s_submit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_submit_t *submit = (const bs_submit_t *) request->message->data;
    uint64_t report_id;
    int rc = bs_store_next_counter (request->txn, bs_service_dbi (request->service, "counters"),
                                    "report", &report_id);
    if (rc != BS_OK)
        return rc;
    bs_report_t report = {.report_id = report_id,
                          .reg_no = (char *) "R",
                          .unit = submit->unit,
                          .title = submit->title,
                          .body = submit->body,
                          .kind = (char *) "info",
                          .channel = (char *) "test",
                          .received_at = request->now};
    rc = bs_service_emit (request->service, request->txn, &bs_report_schema, &report, request->now);
    if (rc != BS_OK)
        return rc;
    bs_submitted_t reply = {.report_id = report_id, .reg_no = (char *) "R"};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

/* Applies one event: marks its sequence seen, and counts what arrives
   twice ("again") or not right after the last one ("disorder"). */
static int
s_apply (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    MDB_dbi seen = bs_service_dbi (service, "seen");
    MDB_dbi counters = bs_service_dbi (service, "counters");
    uint64_t last, count;
    int rc = bs_store_get_u64 (txn, counters, "last", &last);
    if (rc == BS_OK && event->seq != last + 1)
        rc = bs_store_next_counter (txn, counters, "disorder", &count);
    unsigned char key_bytes[8];
    bs_store_key (event->seq, key_bytes);
    MDB_val key = {8, key_bytes}, value;
    if (rc == BS_OK && mdb_get (txn, seen, &key, &value) == 0)
        rc = bs_store_next_counter (txn, counters, "again", &count);
    if (rc == BS_OK)
        rc = bs_store_put_record (txn, seen, event->seq, &bs_report_schema, event->data);
    if (rc == BS_OK)
        rc = bs_store_put_u64 (txn, counters, "last", event->seq);
    if (rc == BS_OK)
        rc = bs_store_next_counter (txn, counters, "applied", &count);
    return rc;
}

/* The message in frame, decoded (the test fails if it does not decode). */
static void
s_decode (zframe_t *frame, bs_message_t *message)
{
    bs_error_t error;
    assert_int_equal (bs_message_decode (zframe_data (frame), zframe_size (frame),
                                         &bs_codec_default_limits, message, &error),
                      BS_OK);
}

static void
s_up_start (fixture_t *fixture)
{
    bs_error_t error;
    fixture->up = bs_service_new ("up", fixture->config, s_up_databases, &error);
    if (!fixture->up)
        fail_msg ("bs_service_new (up): %s", error.text);
    assert_int_equal (bs_service_on (fixture->up, &bs_submit_schema, s_submit, NULL, true), BS_OK);
    assert_int_equal (bs_service_produce (fixture->up), BS_OK);
    fixture->commands =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (fixture->config, "up", "command"),
                       BS_SOCKET_CONNECT, fixture->config);
    assert_non_null (fixture->commands);
}

static void
s_up_stop (fixture_t *fixture)
{
    zsock_destroy (&fixture->commands);
    bs_service_destroy (&fixture->up);
}

static void
s_down_start (fixture_t *fixture)
{
    bs_error_t error;
    fixture->down = bs_service_new ("down", fixture->config, s_down_databases, &error);
    if (!fixture->down)
        fail_msg ("bs_service_new (down): %s", error.text);
    assert_int_equal (bs_service_consume (fixture->down, "up", s_apply, NULL), BS_OK);
}

static void
s_turn_both (fixture_t *fixture, int timeout_ms)
{
    if (fixture->up)
        assert_int_equal (bs_service_turn (fixture->up, timeout_ms), BS_OK);
    if (fixture->down)
        assert_int_equal (bs_service_turn (fixture->down, timeout_ms), BS_OK);
}

static void
s_run_for (fixture_t *fixture, int milliseconds)
{
    int64_t until = zclock_mono () + milliseconds;
    while (zclock_mono () < until)
        s_turn_both (fixture, 5);
}

/* Submits count reports to up (one event each) and waits for the replies,
   turning both services meanwhile. */
static void
s_submit_events (fixture_t *fixture, int count)
{
    for (int i = 0; i < count; i++) {
        char id[32], title[32];
        snprintf (id, sizeof id, "submit-%d", ++fixture->submitted);
        snprintf (title, sizeof title, "报告 %d", fixture->submitted);
        bs_submit_t submit = {.unit = (char *) "县农业局", .title = title, .body = (char *) "正文"};
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (
            bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, id, "test", 1, 0), BS_OK);
        assert_int_equal (zmq_send (zsock_resolve (fixture->commands), buffer.data, buffer.size, 0),
                          (int) buffer.size);
        msgpack_sbuffer_destroy (&buffer);
    }
    int replies = 0;
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (replies < count && zclock_mono () < deadline) {
        s_turn_both (fixture, 5);
        zmsg_t *message;
        while ((message = bs_socket_receive (fixture->commands))) {
            zframe_t *frame = zmsg_first (message);
            bs_message_t reply;
            s_decode (frame, &reply);
            assert_ptr_equal (reply.schema, &bs_submitted_schema);
            bs_message_clear (&reply);
            zmsg_destroy (&message);
            replies++;
        }
    }
    assert_int_equal (replies, count);
}

/* A u64 from down's store: a counter, or with database "cursors" the
   cursor of upstream "up". */
static uint64_t
s_down_value (fixture_t *fixture, const char *database, const char *key)
{
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->down), &txn), BS_OK);
    uint64_t value = 0;
    assert_int_equal (bs_store_get_u64 (txn, bs_service_dbi (fixture->down, database), key, &value),
                      BS_OK);
    mdb_txn_abort (txn);
    return value;
}

static uint64_t
s_applied (fixture_t *fixture)
{
    return s_down_value (fixture, "counters", "applied");
}

static void
s_run_until_applied (fixture_t *fixture, uint64_t count)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (s_applied (fixture) < count && zclock_mono () < deadline)
        s_turn_both (fixture, 5);
    assert_int_equal (s_applied (fixture), count);
}

/* Lets the stream run a little longer (a late duplicate would show), then
   asserts sequences 1..count were each applied once, in order. */
static void
s_assert_exactly_once (fixture_t *fixture, uint64_t count)
{
    s_run_for (fixture, 300);
    assert_int_equal (s_applied (fixture), count);
    assert_int_equal (s_down_value (fixture, "counters", "again"), 0);
    assert_int_equal (s_down_value (fixture, "counters", "disorder"), 0);
    assert_int_equal (s_down_value (fixture, "counters", "last"), count);
    assert_int_equal (s_down_value (fixture, "cursors", "up"), count);

    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->down), &txn), BS_OK);
    MDB_cursor *cursor;
    assert_int_equal (mdb_cursor_open (txn, bs_service_dbi (fixture->down, "seen"), &cursor), 0);
    MDB_val key, value;
    uint64_t seq = 0;
    int rc = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        seq++;
        assert_int_equal (bs_store_key_value (key.mv_data), seq);
        bs_report_t report;
        bs_error_t error;
        assert_int_equal (bs_codec_decode_record (value.mv_data, value.mv_size, &bs_report_schema,
                                                  &bs_codec_default_limits, &report, &error),
                          BS_OK);
        assert_int_equal (report.report_id, seq); /* the event of that sequence */
        bs_codec_record_free (&bs_report_schema, &report);
    }
    assert_int_equal (rc, MDB_NOTFOUND);
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    assert_int_equal (seq, count);
}

/* Fixture                                                                */

static int
s_setup_window (void **state, int window)
{
    fixture_t *fixture = (fixture_t *) calloc (1, sizeof *fixture);
    assert_non_null (fixture);
    *state = fixture;
    fixture->folder = bs_test_temp_dir ("test-stream");
    assert_non_null (fixture->folder);
    char *path = NULL;
    assert_true (asprintf (&path, "%s/baosong.conf", fixture->folder) > 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fprintf (file,
             "data_dir = %s/data\nheartbeat_ms = 100\nlog_level = warning\nstream_window = %d\n",
             fixture->folder, window);
    fclose (file);
    bs_error_t error;
    fixture->config = bs_config_load (path, &error);
    free (path);
    if (!fixture->config)
        fail_msg ("bs_config_load: %s", error.text);
    /* Both services run here, and present down's certificate as clients:
       down reads up's stream. */
    bs_test_keys (fixture->config, (const char *const[]){"up", "down", NULL});
    bs_config_set (fixture->config, "certificate", "down", &error);
    return 0;
}

static int
s_setup (void **state)
{
    return s_setup_window (state, 8);
}

static int
s_setup_window_5 (void **state)
{
    return s_setup_window (state, 5);
}

static int
s_teardown (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    bs_service_destroy (&fixture->down);
    s_up_stop (fixture);
    bs_config_destroy (&fixture->config);
    bs_test_remove_tree (fixture->folder);
    free (fixture->folder);
    free (fixture);
    return 0;
}

/* Tests                                                                  */

static void
test_every_event_once_in_order (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int backlog = s_quick () ? 20 : 40; /* several windows of 8 */
    s_up_start (fixture);
    s_submit_events (fixture, backlog);
    s_down_start (fixture);
    s_run_until_applied (fixture, backlog);
    /* The live tail: a few at a time while the stream runs. */
    for (int i = 0; i < 5; i++)
        s_submit_events (fixture, 3);
    s_run_until_applied (fixture, backlog + 15);
    s_assert_exactly_once (fixture, backlog + 15);
}

static void
test_cursor_survives_a_consumer_restart (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    int total = s_quick () ? 30 : 60;
    s_up_start (fixture);
    s_submit_events (fixture, total);
    s_down_start (fixture);
    /* Stop it mid-stream, with events in flight. */
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (s_applied (fixture) < 10 && zclock_mono () < deadline)
        s_turn_both (fixture, 5);
    uint64_t applied = s_applied (fixture);
    assert_in_range (applied, 10, total - 1);
    assert_int_equal (s_down_value (fixture, "cursors", "up"), applied);
    bs_service_destroy (&fixture->down);

    s_submit_events (fixture, 10); /* more while it is away */
    s_down_start (fixture);
    assert_int_equal (s_applied (fixture), applied); /* nothing lost with the old process */
    s_run_until_applied (fixture, total + 10);
    s_assert_exactly_once (fixture, total + 10);

    /* And once more after it has caught up. */
    bs_service_destroy (&fixture->down);
    s_down_start (fixture);
    s_submit_events (fixture, 5);
    s_run_until_applied (fixture, total + 15);
    s_assert_exactly_once (fixture, total + 15);
}

/* Raw stream control from a test DEALER. */
static void
s_send_control (zsock_t *dealer, const bs_schema_t *schema, const void *record)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (bs_codec_encode_message (&buffer, schema, record, NULL, "test", 1, 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

/* Turns up until dealer has received expected events (or S_WAIT_MS
   pass), then 250 ms more, so that one too many would show; returns the
   sequences received (heartbeats are skipped). Waiting for the count, not
   for a fixed time, keeps a slow run (valgrind) from failing falsely. */
static size_t
s_collect_events (fixture_t *fixture, zsock_t *dealer, size_t expected, uint64_t *seqs, size_t max)
{
    size_t count = 0;
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    int64_t until = deadline;
    while (zclock_mono () < until) {
        if (count >= expected && until == deadline)
            until = zclock_mono () + 250;
        assert_int_equal (bs_service_turn (fixture->up, 5), BS_OK);
        zmsg_t *message;
        while ((message = bs_socket_receive (dealer))) {
            zframe_t *frame = zmsg_first (message);
            bs_message_t event;
            s_decode (frame, &event);
            if (event.schema != &bs_stream_heartbeat_schema) {
                assert_ptr_equal (event.schema, &bs_report_schema);
                if (count < max)
                    seqs[count] = event.seq;
                count++;
            }
            bs_message_clear (&event);
            zmsg_destroy (&message);
        }
    }
    return count;
}

static void
test_producer_respects_credit (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_up_start (fixture);
    s_submit_events (fixture, 20);

    /* Protocol level: exactly the credit, then exactly the new credit. */
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (fixture->config, "up", "stream"),
                       BS_SOCKET_CONNECT, fixture->config);
    assert_non_null (dealer);
    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 3};
    s_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    uint64_t seqs[32];
    assert_int_equal (s_collect_events (fixture, dealer, 3, seqs, 32), 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal (seqs[i], i + 1);
    bs_stream_credit_t credit = {.credit = 2};
    s_send_control (dealer, &bs_stream_credit_schema, &credit);
    assert_int_equal (s_collect_events (fixture, dealer, 2, seqs, 32), 2);
    assert_int_equal (seqs[0], 4);
    assert_int_equal (seqs[1], 5);
    /* A subscription near the end gets the rest, and no more. */
    subscribe = (bs_stream_subscribe_t){.from = 18, .credit = 100};
    s_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    assert_int_equal (s_collect_events (fixture, dealer, 3, seqs, 32), 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal (seqs[i], 18 + i);
    zsock_destroy (&dealer);

    /* Service level, window 5: while down does not turn, up may send it
       only 5 events; more in its socket would make down subscribe again
       and apply nothing in its next turn. */
    s_down_start (fixture);
    for (uint64_t round = 1; round <= 3; round++) {
        for (int attempt = 1;; attempt++) {
            int64_t until = zclock_mono () + 250;
            while (zclock_mono () < until)
                assert_int_equal (bs_service_turn (fixture->up, 5), BS_OK);
            assert_int_equal (bs_service_turn (fixture->down, 1000), BS_OK);
            /* Down's first subscription may not have reached up yet (a
               CurveZMQ handshake, slow under valgrind): the first round
               may take a few tries. Later rounds only move credit. */
            if (round > 1 || s_applied (fixture) > 0 || attempt == 20)
                break;
        }
        assert_int_equal (s_applied (fixture), 5 * round);
    }
    s_run_until_applied (fixture, 20);
    s_assert_exactly_once (fixture, 20);
}

static void
test_consumer_follows_a_restarted_producer (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_up_start (fixture);
    s_down_start (fixture);
    s_submit_events (fixture, 10);
    s_run_until_applied (fixture, 10);

    /* A quick restart: the new producer does not know the consumer. */
    s_up_stop (fixture);
    s_up_start (fixture);
    s_submit_events (fixture, 10);
    s_run_until_applied (fixture, 20);

    /* A slow one: the consumer hears nothing for many heartbeats. */
    s_up_stop (fixture);
    s_run_for (fixture, 600);
    s_up_start (fixture);
    s_submit_events (fixture, 10);
    s_run_until_applied (fixture, 30);
    s_assert_exactly_once (fixture, 30);

    /* The producer's log survived its restarts: it says where it is. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (fixture->up), &txn), BS_OK);
    uint64_t last;
    assert_int_equal (bs_eventlog_last (bs_service_store (fixture->up), txn, &last), BS_OK);
    mdb_txn_abort (txn);
    assert_int_equal (last, 30);
}

/* A fake producer (a bound ROUTER) and a bs_consumer on its own store. */

static zmsg_t *
s_router_receive (zsock_t *router)
{
    int64_t deadline = zclock_mono () + 5000;
    while (zclock_mono () < deadline) {
        zmsg_t *message = bs_socket_receive (router);
        if (message)
            return message;
        zclock_sleep (5);
    }
    fail_msg ("the consumer sent nothing");
    return NULL;
}

/* The next control message from the consumer, decoded; its identity goes
   to *identity_p when that is not NULL. */
static void
s_control_receive (zsock_t *router, bs_message_t *control, zframe_t **identity_p)
{
    zmsg_t *message = s_router_receive (router);
    assert_int_equal (zmsg_size (message), 2);
    zframe_t *identity = zmsg_pop (message);
    zframe_t *payload = zmsg_first (message);
    s_decode (payload, control);
    if (identity_p)
        *identity_p = identity;
    else
        zframe_destroy (&identity);
    zmsg_destroy (&message);
}

static void
s_send_event (zsock_t *router, zframe_t *identity, uint64_t seq)
{
    bs_report_t report = {.report_id = seq,
                          .reg_no = (char *) "R",
                          .unit = (char *) "unit",
                          .title = (char *) "title",
                          .body = (char *) "body",
                          .kind = (char *) "info",
                          .channel = (char *) "test"};
    char id[32];
    snprintf (id, sizeof id, "up:%" PRIu64, seq);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_report_schema, &report, id, "up", 1, seq), BS_OK);
    assert_int_equal (bs_socket_send (router, identity, buffer.data, buffer.size), BS_OK);
    msgpack_sbuffer_destroy (&buffer);
}

/* Receives until consumer holds count pending events (or 5 s pass). */
static void
s_consumer_wait (bs_consumer_t *consumer, size_t count)
{
    int64_t deadline = zclock_mono () + 5000;
    while (zclock_mono () < deadline) {
        bs_consumer_receive (consumer);
        if (bs_consumer_pending (consumer) >= count)
            break;
        zclock_sleep (5);
    }
    zclock_sleep (50); /* anything beyond count would be here by now */
    bs_consumer_receive (consumer);
}

static int
s_store_cursor (MDB_txn *txn, void *argument)
{
    return bs_consumer_store_cursor ((bs_consumer_t *) argument, txn);
}

typedef struct {
    bs_store_t *store;       /* the consumer's own store */
    zsock_t *router;         /* the fake producer, bound on up's stream endpoint */
    bs_keyring_t *keyring;   /* admitting clients to it */
    bs_consumer_t *consumer; /* consuming "up" */
} fake_t;

static void
s_fake_start (fixture_t *fixture, fake_t *fake)
{
    char *path = bs_config_store_path (fixture->config, "down");
    const char *const names[] = {"cursors", NULL};
    bs_error_t error;
    fake->store = bs_store_new (path, names, NULL, &error);
    free (path);
    assert_non_null (fake->store);
    char endpoint[600];
    snprintf (endpoint, sizeof endpoint, "%s",
              bs_config_endpoint (fixture->config, "up", "stream"));
    fake->keyring = bs_test_keys_serve (fixture->config, "up");
    fake->router = bs_socket_new (ZMQ_ROUTER, "up", endpoint, BS_SOCKET_BIND, fixture->config);
    assert_non_null (fake->router);
    fake->consumer = bs_consumer_new (fixture->config, "down", "up", endpoint, fake->store,
                                      bs_store_dbi (fake->store, "cursors"));
    assert_non_null (fake->consumer);
}

static void
s_fake_stop (fake_t *fake)
{
    bs_consumer_destroy (&fake->consumer);
    assert_null (fake->consumer);
    zsock_destroy (&fake->router);
    bs_test_keys_unserve ("up", &fake->keyring);
    bs_store_destroy (&fake->store);
}

/* Runs the consumer (receive, and tick when tick is set) until the fake
   producer gets a subscribe; returns its sequence `from`, its identity in
   *identity_p, and in *credits the heartbeats seen before it. */
static uint64_t
s_fake_await_subscribe (fake_t *fake, bool tick, zframe_t **identity_p, int *credits)
{
    *credits = 0;
    int64_t deadline = zclock_mono () + 5000;
    while (zclock_mono () < deadline) {
        bs_consumer_receive (fake->consumer);
        if (tick)
            bs_consumer_tick (fake->consumer);
        zmsg_t *message = bs_socket_receive (fake->router);
        if (!message) {
            zclock_sleep (5);
            continue;
        }
        assert_int_equal (zmsg_size (message), 2);
        zframe_t *identity = zmsg_pop (message);
        zframe_t *payload = zmsg_first (message);
        bs_message_t control;
        s_decode (payload, &control);
        zmsg_destroy (&message);
        if (control.schema == &bs_stream_subscribe_schema) {
            uint64_t from = ((bs_stream_subscribe_t *) control.data)->from;
            bs_message_clear (&control);
            *identity_p = identity;
            return from;
        }
        assert_ptr_equal (control.schema, &bs_stream_credit_schema);
        assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 0);
        (*credits)++;
        bs_message_clear (&control);
        zframe_destroy (&identity);
    }
    fail_msg ("the consumer did not subscribe again");
    return 0;
}

static void
s_send_heartbeat (zsock_t *router, zframe_t *identity, bool unknown)
{
    bs_stream_heartbeat_t beat = {.last = 0, .unknown = unknown};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_stream_heartbeat_schema, &beat, NULL, "up", 1, 0),
        BS_OK);
    assert_int_equal (bs_socket_send (router, identity, buffer.data, buffer.size), BS_OK);
    msgpack_sbuffer_destroy (&buffer);
}

static void
test_lost_subscription_and_silence_resubscribe (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;

    /* The producer tells a consumer it does not know so. */
    s_up_start (fixture);
    s_submit_events (fixture, 2);
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (fixture->config, "up", "stream"),
                       BS_SOCKET_CONNECT, fixture->config);
    assert_non_null (dealer);
    bs_stream_credit_t credit = {.credit = 1};
    s_send_control (dealer, &bs_stream_credit_schema, &credit);
    int unknown = 0, known = 0;
    int64_t until = zclock_mono () + S_WAIT_MS; /* or until a known heartbeat came */
    bool subscribed = false;
    while (zclock_mono () < until && known == 0) {
        assert_int_equal (bs_service_turn (fixture->up, 5), BS_OK);
        zmsg_t *message = bs_socket_receive (dealer);
        if (!message)
            continue;
        zframe_t *frame = zmsg_first (message);
        bs_message_t beat;
        s_decode (frame, &beat);
        assert_ptr_equal (beat.schema, &bs_stream_heartbeat_schema);
        const bs_stream_heartbeat_t *heartbeat = (const bs_stream_heartbeat_t *) beat.data;
        assert_int_equal (heartbeat->last, 2);
        if (heartbeat->unknown)
            unknown++;
        else
            known++;
        assert_true (heartbeat->unknown != subscribed);
        bs_message_clear (&beat);
        zmsg_destroy (&message);
        if (!subscribed) {
            /* Now subscribed, with no credit: heartbeats only, known. */
            bs_stream_subscribe_t subscribe = {.from = 3, .credit = 0};
            s_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
            subscribed = true;
        }
    }
    assert_int_equal (unknown, 1);
    assert_true (known >= 1);
    zsock_destroy (&dealer);
    s_up_stop (fixture);

    /* The consumer subscribes again, on a new socket, when told its
       subscription is unknown. */
    fake_t fake;
    s_fake_start (fixture, &fake);
    zframe_t *first, *second, *third;
    int credits;
    assert_int_equal (s_fake_await_subscribe (&fake, false, &first, &credits), 1);
    s_send_heartbeat (fake.router, first, true);
    assert_int_equal (s_fake_await_subscribe (&fake, false, &second, &credits), 1);
    assert_false (zframe_eq (first, second));

    /* Heartbeats keep it where it is... */
    until = zclock_mono () + 600;
    while (zclock_mono () < until) {
        s_send_heartbeat (fake.router, second, false);
        zclock_sleep (50);
        bs_consumer_receive (fake.consumer);
        bs_consumer_tick (fake.consumer);
    }
    /* ...and silence for three of them makes it subscribe again. */
    int64_t silent_since = zclock_mono ();
    assert_int_equal (s_fake_await_subscribe (&fake, true, &third, &credits), 1);
    int64_t silence = zclock_mono () - silent_since;
    assert_false (zframe_eq (second, third));
    assert_true (credits >= 2); /* its own heartbeats, from the quiet time before */
    if (silence < 250 || silence > 1500)
        fail_msg ("subscribed again after %" PRId64 " ms of silence, expected about 300", silence);
    zframe_destroy (&first);
    zframe_destroy (&second);
    zframe_destroy (&third);
    s_fake_stop (&fake);
}

static void
test_duplicates_dropped_and_gaps_resubscribe (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    fake_t fake;
    s_fake_start (fixture, &fake);
    zsock_t *router = fake.router;
    bs_consumer_t *consumer = fake.consumer;
    bs_store_t *store = fake.store;

    bs_message_t control;
    zframe_t *identity;
    s_control_receive (router, &control, &identity);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_int_equal (((bs_stream_subscribe_t *) control.data)->from, 1);
    assert_int_equal (((bs_stream_subscribe_t *) control.data)->credit, 8);
    bs_message_clear (&control);

    /* 1, 2, 1 again, 3: the second 1 is dropped. */
    uint64_t sent[] = {1, 2, 1, 3};
    for (size_t i = 0; i < 4; i++)
        s_send_event (router, identity, sent[i]);
    s_consumer_wait (consumer, 3);
    assert_int_equal (bs_consumer_pending (consumer), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal (bs_consumer_event (consumer, i)->seq, i + 1);
    assert_null (bs_consumer_event (consumer, 3));

    /* Applied: the cursor is stored, and the credit comes back for all
       four messages, the duplicate included. */
    assert_int_equal (bs_store_write (store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    assert_int_equal (bs_consumer_cursor (consumer), 3);
    assert_int_equal (bs_consumer_pending (consumer), 0);
    s_control_receive (router, &control, NULL);
    assert_ptr_equal (control.schema, &bs_stream_credit_schema);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 4);
    bs_message_clear (&control);
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (store, &txn), BS_OK);
    uint64_t stored = 0;
    assert_int_equal (bs_store_get_u64 (txn, bs_store_dbi (store, "cursors"), "up", &stored),
                      BS_OK);
    mdb_txn_abort (txn);
    assert_int_equal (stored, 3);

    /* 2 again (below the cursor), then 4: only 4 waits. */
    s_send_event (router, identity, 2);
    s_send_event (router, identity, 4);
    s_consumer_wait (consumer, 1);
    assert_int_equal (bs_consumer_pending (consumer), 1);
    assert_int_equal (bs_consumer_event (consumer, 0)->seq, 4);

    /* A gap (6 after 4): the consumer drops what it has not applied and
       subscribes again from its durable cursor, on a new socket. */
    s_send_event (router, identity, 6);
    zmsg_t *message = NULL;
    int64_t deadline = zclock_mono () + 5000;
    while (!message && zclock_mono () < deadline) {
        bs_consumer_receive (consumer);
        message = bs_socket_receive (router);
        if (!message)
            zclock_sleep (5);
    }
    assert_non_null (message);
    assert_int_equal (bs_consumer_pending (consumer), 0);
    assert_int_equal (zmsg_size (message), 2);
    zframe_t *new_identity = zmsg_pop (message);
    zframe_t *payload = zmsg_first (message);
    s_decode (payload, &control);
    zmsg_destroy (&message);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_int_equal (((bs_stream_subscribe_t *) control.data)->from, 4);
    assert_false (zframe_eq (identity, new_identity));
    bs_message_clear (&control);

    zframe_destroy (&identity);
    zframe_destroy (&new_identity);
    s_fake_stop (&fake);
}

/* What up's pong says of its consumer "down" once its figures are
   sent, committed and last: waits (turning both) until they are, then
   asserts them. */
static void
s_assert_down_figures (fixture_t *fixture, uint64_t sent, uint64_t committed, uint64_t last)
{
    bs_ping_reply_t pong = {0};
    const bs_stream_consumer_t *down = NULL;
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    for (int ask = 0; zclock_mono () < deadline; ask++) {
        char id[32];
        snprintf (id, sizeof id, "ping-%d", ask);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        bs_ping_t ping = {0};
        assert_int_equal (bs_codec_encode_message (&buffer, &bs_ping_schema, &ping, id, "test", 1, 0),
                          BS_OK);
        assert_int_equal (zmq_send (zsock_resolve (fixture->commands), buffer.data, buffer.size, 0),
                          (int) buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        zmsg_t *message = NULL;
        while (!message && zclock_mono () < deadline) {
            s_turn_both (fixture, 5);
            message = bs_socket_receive (fixture->commands);
        }
        assert_non_null (message);
        zframe_t *frame = zmsg_first (message);
        bs_message_t reply;
        s_decode (frame, &reply);
        zmsg_destroy (&message);
        assert_ptr_equal (reply.schema, &bs_ping_reply_schema);
        bs_codec_record_free (&bs_ping_reply_schema, &pong);
        pong = *(bs_ping_reply_t *) reply.data;
        memset (reply.data, 0, sizeof pong); /* pong owns what it held now */
        bs_message_clear (&reply);
        assert_int_equal (pong.consumers.count, 1);
        down = pong.consumers.items;
        if (down->sent == sent && down->committed == committed && pong.last_seq == last)
            break;
    }
    assert_non_null (down);
    assert_string_equal (down->name, "down");
    assert_int_equal (down->sent, sent);
    assert_int_equal (down->committed, committed);
    assert_int_equal (pong.last_seq, last);
    bs_codec_record_free (&bs_ping_reply_schema, &pong);
}

static void
test_pong_says_how_far_each_consumer_is (void **state)
{
    fixture_t *fixture = (fixture_t *) *state;
    s_up_start (fixture);
    s_submit_events (fixture, 5);
    s_down_start (fixture);
    s_run_until_applied (fixture, 5);
    s_assert_down_figures (fixture, 5, 5, 5);
    /* Stopped, it falls behind: the producer still names it. */
    bs_service_destroy (&fixture->down);
    s_submit_events (fixture, 3);
    s_assert_down_figures (fixture, 5, 5, 8);
    /* Back, it catches up by itself. */
    s_down_start (fixture);
    s_run_until_applied (fixture, 8);
    s_assert_down_figures (fixture, 8, 8, 8);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_every_event_once_in_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cursor_survives_a_consumer_restart, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_producer_respects_credit, s_setup_window_5,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_consumer_follows_a_restarted_producer, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_lost_subscription_and_silence_resubscribe, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicates_dropped_and_gaps_resubscribe, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_pong_says_how_far_each_consumer_is, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
