/*  test_stream_consumer: a bs_consumer against a fake producer (a bound
    ROUTER on up's stream endpoint, in the folder and with the keys of
    tests/support/bs_stream_pair), so the test says exactly what arrives.

    What users rely on: duplicates are dropped, credit comes back for every
    message (with the cursor after the commit, one message a turn, or at
    once when the producer runs low), a gap makes the consumer subscribe again from its durable
    cursor, or from after the batch it is applying; events received while a
    batch is applied wait apart from it; a subscription the producer does
    not know, or three heartbeats of silence, make it subscribe again on a
    new socket; views that leave keys out go with its subscription.
*/
#include "bs_test.h"
#include "bs_stream_pair.h"
#include "bs_test_keys.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_proto.h"
#include "bs_socket.h"

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
    bs_pair_decode (payload, control);
    if (identity_p)
        *identity_p = identity;
    else
        zframe_destroy (&identity);
    zmsg_destroy (&message);
}

/* Append the envelope of event seq to buffer. */
static void
s_event_encode (msgpack_sbuffer *buffer, uint64_t seq)
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
    assert_int_equal (
        bs_codec_encode_message (buffer, &bs_report_schema, &report, id, "up", 1, seq), BS_OK);
}

/* One frame holding the events seqs, one after another, and then tail
   (tail_size bytes: none when 0). */
static void
s_send_events (zsock_t *router, zframe_t *identity, const uint64_t *seqs, size_t count,
               const char *tail, size_t tail_size)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    for (size_t i = 0; i < count; i++)
        s_event_encode (&buffer, seqs[i]);
    if (tail_size)
        msgpack_sbuffer_write (&buffer, tail, tail_size);
    assert_int_equal (bs_socket_send (router, identity, buffer.data, buffer.size), BS_OK);
    msgpack_sbuffer_destroy (&buffer);
}

static void
s_send_event (zsock_t *router, zframe_t *identity, uint64_t seq)
{
    s_send_events (router, identity, &seq, 1, NULL, 0);
}

/* Receives until consumer holds count events received (or 5 s pass). */
static void
s_consumer_wait (bs_consumer_t *consumer, size_t count)
{
    int64_t deadline = zclock_mono () + 5000;
    while (zclock_mono () < deadline) {
        bs_consumer_receive (consumer);
        if (bs_consumer_received (consumer) >= count)
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
    bool running;            /* started and not yet stopped */
} fake_t;

/* The one fake of a test, outside its stack so that the teardown can
   stop it when a failed assertion left the test early. */
static fake_t s_fake;

static void
s_fake_start (bs_pair_t *pair, fake_t *fake)
{
    char *path = bs_config_store_path (pair->config, "down");
    const char *const names[] = {"cursors", NULL};
    bs_error_t error;
    *fake = (fake_t){0};
    fake->store = bs_store_new (path, names, NULL, &error);
    free (path);
    assert_non_null (fake->store);
    char endpoint[600];
    snprintf (endpoint, sizeof endpoint, "%s", bs_config_endpoint (pair->config, "up", "stream"));
    fake->keyring = bs_test_keys_serve (pair->config, "up");
    fake->router = bs_socket_new (ZMQ_ROUTER, "up", endpoint, BS_SOCKET_BIND, pair->config);
    assert_non_null (fake->router);
    fake->consumer = bs_consumer_new (pair->config, "down", "up", endpoint, fake->store,
                                      bs_store_dbi (fake->store, "cursors"));
    assert_non_null (fake->consumer);
    fake->running = true;
}

static void
s_fake_stop (fake_t *fake)
{
    fake->running = false;
    bs_consumer_destroy (&fake->consumer);
    assert_null (fake->consumer);
    zsock_destroy (&fake->router);
    bs_test_keys_unserve ("up", &fake->keyring);
    bs_store_destroy (&fake->store);
}

/* Starts the fake and takes the consumer's first control message, a
   subscribe: returns its identity, and the subscribe's from and credit in
   *from and *credit when they are not NULL. */
static zframe_t *
s_fake_subscribed (bs_pair_t *pair, fake_t *fake, uint64_t *from, uint64_t *credit)
{
    s_fake_start (pair, fake);
    bs_message_t control;
    zframe_t *identity;
    s_control_receive (fake->router, &control, &identity);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    const bs_stream_subscribe_t *subscribe = control.data;
    if (from)
        *from = subscribe->from;
    if (credit)
        *credit = subscribe->credit;
    bs_message_clear (&control);
    return identity;
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
        bs_pair_decode (payload, &control);
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
test_an_unknown_or_silent_subscription_is_made_again (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    /* The consumer subscribes again, on a new socket, when told its
       subscription is unknown. */
    fake_t *fake = &s_fake;
    s_fake_start (pair, fake);
    zframe_t *first, *second, *third;
    int credits;
    assert_int_equal (s_fake_await_subscribe (fake, false, &first, &credits), 1);
    s_send_heartbeat (fake->router, first, true);
    assert_int_equal (s_fake_await_subscribe (fake, false, &second, &credits), 1);
    assert_false (zframe_eq (first, second));

    /* Heartbeats keep it where it is... */
    int64_t until = zclock_mono () + 600;
    while (zclock_mono () < until) {
        s_send_heartbeat (fake->router, second, false);
        zclock_sleep (50);
        bs_consumer_receive (fake->consumer);
        bs_consumer_tick (fake->consumer);
    }
    /* ...and silence for three of them makes it subscribe again. */
    int64_t silent_since = zclock_mono ();
    assert_int_equal (s_fake_await_subscribe (fake, true, &third, &credits), 1);
    int64_t silence = zclock_mono () - silent_since;
    assert_false (zframe_eq (second, third));
    assert_true (credits >= 2); /* its own heartbeats, from the quiet time before */
    /* Not before three heartbeats (300 ms) of silence; not never (the
       wait above fails after 5 s). No upper bound nearer than that: a
       loaded machine or valgrind stretches every wait. */
    if (silence < 250)
        fail_msg ("subscribed again after %" PRId64 " ms of silence, not after 300", silence);
    zframe_destroy (&first);
    zframe_destroy (&second);
    zframe_destroy (&third);
    s_fake_stop (fake);
}

static void
test_duplicates_dropped_and_gaps_resubscribe (void **state)
{
    fake_t *fake = &s_fake;
    uint64_t from, credit;
    zframe_t *identity = s_fake_subscribed ((bs_pair_t *) *state, fake, &from, &credit);
    assert_int_equal (from, 1);
    assert_int_equal (credit, 8);
    zsock_t *router = fake->router;
    bs_consumer_t *consumer = fake->consumer;
    bs_store_t *store = fake->store;
    bs_message_t control;

    /* 1, 2, 1 again, 3: the second 1 is dropped. */
    uint64_t sent[] = {1, 2, 1, 3};
    for (size_t i = 0; i < 4; i++)
        s_send_event (router, identity, sent[i]);
    s_consumer_wait (consumer, 3);
    assert_int_equal (bs_consumer_received (consumer), 3);
    assert_int_equal (bs_consumer_pending (consumer), 0);

    /* Taken into a turn: the producer still holds credit for half the
       window (4 of 8), so the credit of all four messages, the duplicate
       included, waits for the commit, to go with the cursor in one
       message; taken again (a turn that did not commit), they are not
       granted twice. */
    assert_int_equal (bs_consumer_take (consumer), 3);
    assert_int_equal (bs_consumer_received (consumer), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal (bs_consumer_event (consumer, i)->seq, i + 1);
    assert_null (bs_consumer_event (consumer, 3));
    assert_int_equal (bs_consumer_take (consumer), 3);
    zclock_sleep (50);
    assert_null (bs_socket_receive (router)); /* no grant at the take */

    /* Applied: the cursor is stored, and the producer told it with the
       batch's credit. */
    assert_int_equal (bs_store_write (store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    assert_int_equal (bs_consumer_cursor (consumer), 3);
    assert_int_equal (bs_consumer_pending (consumer), 0);
    s_control_receive (router, &control, NULL);
    assert_ptr_equal (control.schema, &bs_stream_credit_schema);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 4);
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 3);
    bs_message_clear (&control);
    zclock_sleep (50);
    assert_null (bs_socket_receive (router)); /* one message a turn */
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
    assert_int_equal (bs_consumer_received (consumer), 1);
    assert_int_equal (bs_consumer_take (consumer), 1);
    assert_int_equal (bs_consumer_event (consumer, 0)->seq, 4);
    assert_int_equal (bs_store_write (store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    s_control_receive (router, &control, NULL);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 2); /* 2 and 4 */
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 4);
    bs_message_clear (&control);
    s_send_event (router, identity, 5);
    s_consumer_wait (consumer, 1);
    assert_int_equal (bs_consumer_received (consumer), 1);

    /* A gap (7 after 5): the consumer drops what it has not applied and
       subscribes again from its durable cursor, on a new socket. */
    s_send_event (router, identity, 7);
    zmsg_t *message = NULL;
    int64_t deadline = zclock_mono () + 5000;
    while (!message && zclock_mono () < deadline) {
        bs_consumer_receive (consumer);
        message = bs_socket_receive (router);
        if (!message)
            zclock_sleep (5);
    }
    assert_non_null (message);
    assert_int_equal (bs_consumer_received (consumer), 0);
    assert_int_equal (zmsg_size (message), 2);
    zframe_t *new_identity = zmsg_pop (message);
    zframe_t *payload = zmsg_first (message);
    bs_pair_decode (payload, &control);
    zmsg_destroy (&message);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_int_equal (((bs_stream_subscribe_t *) control.data)->from, 5);
    assert_false (zframe_eq (identity, new_identity));
    bs_message_clear (&control);

    zframe_destroy (&identity);
    zframe_destroy (&new_identity);
    s_fake_stop (fake);
}

/* The next message the fake producer gets, with a new identity: a
   subscription; its `from`. */
static uint64_t
s_resubscribed (fake_t *fake, zframe_t *old_identity, zframe_t **identity_p)
{
    zmsg_t *message = NULL;
    int64_t deadline = zclock_mono () + 5000;
    while (!message && zclock_mono () < deadline) {
        bs_consumer_receive (fake->consumer);
        message = bs_socket_receive (fake->router);
        if (!message)
            zclock_sleep (5);
    }
    assert_non_null (message);
    assert_int_equal (zmsg_size (message), 2);
    *identity_p = zmsg_pop (message);
    bs_message_t control;
    bs_pair_decode (zmsg_first (message), &control);
    zmsg_destroy (&message);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_false (zframe_eq (old_identity, *identity_p));
    uint64_t from = ((bs_stream_subscribe_t *) control.data)->from;
    bs_message_clear (&control);
    return from;
}

static void
test_events_received_during_a_batch_wait_apart (void **state)
{
    fake_t *fake = &s_fake;
    zframe_t *identity = s_fake_subscribed ((bs_pair_t *) *state, fake, NULL, NULL);
    bs_consumer_t *consumer = fake->consumer;
    bs_message_t control;

    /* 1 to 3 taken into a turn (their credit to go with its commit), then
       4 and 5 received while it applies them: the batch stays 1 to 3,
       taken again as it is by a turn that did not commit. */
    for (uint64_t seq = 1; seq <= 3; seq++)
        s_send_event (fake->router, identity, seq);
    s_consumer_wait (consumer, 3);
    assert_int_equal (bs_consumer_take (consumer), 3);
    assert_true (bs_consumer_ahead (consumer)); /* 3 of a window of 8: a large batch */
    s_send_event (fake->router, identity, 4);
    s_send_event (fake->router, identity, 5);
    s_consumer_wait (consumer, 2);
    assert_int_equal (bs_consumer_received (consumer), 2);
    assert_int_equal (bs_consumer_pending (consumer), 3);
    assert_int_equal (bs_consumer_take (consumer), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal (bs_consumer_event (consumer, i)->seq, i + 1);

    /* A gap (7 after 5) while the batch is applied: the consumer
       subscribes again from after the batch, not from its cursor (0),
       which would bring 1 to 3 a second time; 4 and 5 are dropped and
       come again. The batch is still there to commit. */
    s_send_event (fake->router, identity, 7);
    zframe_t *second;
    assert_int_equal (s_resubscribed (fake, identity, &second), 4);
    assert_int_equal (bs_consumer_received (consumer), 0);
    assert_int_equal (bs_consumer_pending (consumer), 3);
    assert_int_equal (bs_store_write (fake->store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    assert_int_equal (bs_consumer_cursor (consumer), 3);
    s_control_receive (fake->router, &control, NULL);
    assert_ptr_equal (control.schema, &bs_stream_credit_schema);
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 3);
    bs_message_clear (&control);

    /* The new subscription's 4 is the next batch. */
    s_send_event (fake->router, second, 4);
    s_consumer_wait (consumer, 1);
    assert_int_equal (bs_consumer_take (consumer), 1);
    assert_int_equal (bs_consumer_event (consumer, 0)->seq, 4);
    zframe_destroy (&identity);
    zframe_destroy (&second);
    s_fake_stop (fake);
}

/* Several events in one frame, as a producer sends a backlog: each is
   taken as if it came alone (a duplicate dropped, and its credit owed);
   a gap in the middle of a frame, or bytes after its last event that are
   not one, make the consumer subscribe again from after its batch. */
static void
test_several_events_to_a_frame (void **state)
{
    fake_t *fake = &s_fake;
    zframe_t *identity = s_fake_subscribed ((bs_pair_t *) *state, fake, NULL, NULL);
    bs_consumer_t *consumer = fake->consumer;

    const uint64_t first[] = {1, 2, 1, 3};
    s_send_events (fake->router, identity, first, 4, NULL, 0);
    s_consumer_wait (consumer, 3);
    assert_int_equal (bs_consumer_received (consumer), 3);
    assert_int_equal (bs_consumer_take (consumer), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal (bs_consumer_event (consumer, i)->seq, i + 1);

    /* 4, then 6: subscribed again from 4 (after the batch); 4 dropped. */
    const uint64_t gap[] = {4, 6, 5};
    s_send_events (fake->router, identity, gap, 3, NULL, 0);
    zframe_t *second;
    assert_int_equal (s_resubscribed (fake, identity, &second), 4);
    assert_int_equal (bs_consumer_received (consumer), 0);
    assert_int_equal (bs_consumer_pending (consumer), 3);

    /* 4 and 5, then a byte that is no envelope: subscribed again. */
    const uint64_t next[] = {4, 5};
    s_send_events (fake->router, second, next, 2, "\xc1", 1);
    zframe_t *third;
    assert_int_equal (s_resubscribed (fake, second, &third), 4);
    assert_int_equal (bs_consumer_received (consumer), 0);

    /* The next subscription's 4 to 6, in one frame, are received whole. */
    const uint64_t last[] = {4, 5, 6};
    s_send_events (fake->router, third, last, 3, NULL, 0);
    s_consumer_wait (consumer, 3);
    assert_int_equal (bs_consumer_received (consumer), 3);
    zframe_destroy (&identity);
    zframe_destroy (&second);
    zframe_destroy (&third);
    s_fake_stop (fake);
}

/* A batch's credit goes at once when the producer holds less than half
   the window, so it is not stalled while the batch is applied (a
   consumer catching up), and then the commit tells the cursor alone; a
   credit that waited for a commit that failed goes with the next grant,
   so none is lost. */
static void
test_credit_at_once_when_the_producer_runs_low (void **state)
{
    fake_t *fake = &s_fake;
    zframe_t *identity = s_fake_subscribed ((bs_pair_t *) *state, fake, NULL, NULL);
    bs_consumer_t *consumer = fake->consumer;
    bs_message_t control;

    /* 5 of a window of 8: the producer holds 3, less than half */
    const uint64_t five[] = {1, 2, 3, 4, 5};
    s_send_events (fake->router, identity, five, 5, NULL, 0);
    s_consumer_wait (consumer, 5);
    assert_int_equal (bs_consumer_take (consumer), 5);
    s_control_receive (fake->router, &control, NULL);
    assert_ptr_equal (control.schema, &bs_stream_credit_schema);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 5);
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 0);
    bs_message_clear (&control);
    assert_int_equal (bs_store_write (fake->store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    s_control_receive (fake->router, &control, NULL);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 0);
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 5);
    bs_message_clear (&control);

    /* 6 and 7 (the producer holds 6 of 8): their credit waits; the turn
       fails, and the grant after it sends the credit all the same */
    const uint64_t two[] = {6, 7};
    s_send_events (fake->router, identity, two, 2, NULL, 0);
    s_consumer_wait (consumer, 2);
    assert_int_equal (bs_consumer_take (consumer), 2);
    zclock_sleep (50);
    assert_null (bs_socket_receive (fake->router));
    bs_consumer_grant (consumer);
    s_control_receive (fake->router, &control, NULL);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 2);
    bs_message_clear (&control);
    /* taken again and committed: no credit granted twice */
    assert_int_equal (bs_consumer_take (consumer), 2);
    assert_int_equal (bs_store_write (fake->store, s_store_cursor, consumer), BS_OK);
    bs_consumer_committed (consumer);
    s_control_receive (fake->router, &control, NULL);
    assert_int_equal (((bs_stream_credit_t *) control.data)->credit, 0);
    assert_int_equal (((bs_stream_credit_t *) control.data)->cursor, 7);
    bs_message_clear (&control);
    zframe_destroy (&identity);
    s_fake_stop (fake);
}

/* Views given to a consumer (bs_consumer_views) go with a new
   subscription, on a new socket: for each view that leaves a text out,
   its type and the keys it reads; a view of every key, or one that leaves
   out only short fields (cutting them would cost the producer more than
   it saves), is not told. The same views again change nothing. */
static void
test_views_go_with_the_subscription (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    fake_t *fake = &s_fake;
    s_fake_start (pair, fake);
    bs_message_t control;
    zframe_t *first, *second;
    s_control_receive (fake->router, &control, &first);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_int_equal (((bs_stream_subscribe_t *) control.data)->views.count, 0);
    bs_message_clear (&control);

    static const char *const unread[] = {"title", "body", "provenances", NULL};
    static const char *const none[] = {NULL};
    static const char *const short_only[] = {"unknown", NULL};
    static bs_field_t fields[3][32];
    static bs_schema_t report, issue, beat;
    assert_int_equal (bs_schema_view (&bs_report_schema, unread, fields[0], 32, &report), BS_OK);
    assert_int_equal (bs_schema_view (&bs_issue_published_schema, none, fields[1], 32, &issue),
                      BS_OK);
    assert_int_equal (
        bs_schema_view (&bs_stream_heartbeat_schema, short_only, fields[2], 32, &beat), BS_OK);
    assert_int_equal (beat.field_count, 1);
    static const bs_schema_t *views[] = {&issue, &report, &beat, NULL};
    bs_consumer_views (fake->consumer, views);
    s_control_receive (fake->router, &control, &second);
    assert_ptr_equal (control.schema, &bs_stream_subscribe_schema);
    assert_false (zframe_eq (first, second));
    const bs_stream_subscribe_t *subscribe = control.data;
    assert_int_equal (subscribe->from, 1);
    assert_int_equal (subscribe->views.count, 1);
    const bs_stream_view_t *view = subscribe->views.items;
    assert_string_equal (view->type, "report.received");
    assert_string_equal (view->fields, "report_id reg_no unit kind urgent topic channel "
                                       "received_at version officer commission attachments");
    bs_message_clear (&control);

    bs_consumer_views (fake->consumer, views);
    zclock_sleep (100);
    zmsg_t *more = bs_socket_receive (fake->router);
    assert_null (more);
    zframe_destroy (&first);
    zframe_destroy (&second);
    s_fake_stop (fake);
}

/* bs_pair_teardown, after stopping a fake a failed test left running. */
static int
s_teardown (void **state)
{
    if (s_fake.running)
        s_fake_stop (&s_fake);
    return bs_pair_teardown (state);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_an_unknown_or_silent_subscription_is_made_again,
                                         bs_pair_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicates_dropped_and_gaps_resubscribe,
                                         bs_pair_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_events_received_during_a_batch_wait_apart,
                                         bs_pair_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_several_events_to_a_frame, bs_pair_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_credit_at_once_when_the_producer_runs_low,
                                         bs_pair_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_views_go_with_the_subscription, bs_pair_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
