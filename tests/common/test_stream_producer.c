/*  test_stream_producer: the producer of the reliable stream at protocol
    level, seen from a raw DEALER (tests/support/bs_stream_pair's "up").

    What users rely on: the producer never sends more than the credit
    granted, neither to a raw subscriber nor to a service that does not
    turn; a backlog comes several events to a frame; its heartbeats tell a
    subscriber it does not know so; a subscriber that said which keys of
    an event's data it reads gets those events cut to them, and still
    every event once.
*/
#include "bs_test.h"
#include "bs_stream_pair.h"
#include "bs_test_codec.h"
#include "bs_test_keys.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_proto.h"
#include "bs_socket.h"
#include "bs_store.h"
#include "bs_stream.h"

/* What the collection does with one event of a frame (bytes, length):
   true when it counts (a heartbeat does not). */
typedef bool s_event_fn (const unsigned char *bytes, size_t length, void *collected);

/* Turns up until dealer has received expected events that fn counts (or
   BS_PAIR_WAIT_MS pass), then 250 ms more, so that one too many would
   show; returns how many came, and in *frames (may be NULL) the frames
   that held them: a frame holds one envelope or several events one after
   another. Waiting for the count, not for a fixed time, keeps a slow run
   (valgrind) from failing falsely. */
static size_t
s_collect (bs_pair_t *pair, zsock_t *dealer, size_t expected, s_event_fn *fn, void *collected,
           size_t *frames)
{
    size_t count = 0;
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    int64_t until = deadline;
    if (frames)
        *frames = 0;
    while (zclock_mono () < until) {
        if (count >= expected && until == deadline)
            until = zclock_mono () + 250;
        assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
        zmsg_t *message;
        while ((message = bs_socket_receive (dealer))) {
            zframe_t *frame = zmsg_first (message);
            const unsigned char *bytes = zframe_data (frame);
            size_t size = zframe_size (frame), offset = 0, events = 0;
            while (offset < size) {
                size_t length;
                bs_error_t error;
                assert_int_equal (bs_codec_object_size (bytes + offset, size - offset,
                                                        &bs_codec_default_limits, &length, &error),
                                  BS_OK);
                if (fn (bytes + offset, length, collected)) {
                    count++;
                    events++;
                }
                offset += length;
            }
            if (frames && events)
                (*frames)++;
            zmsg_destroy (&message);
        }
    }
    return count;
}

typedef struct {
    uint64_t *seqs;    /* the sequences of the events collected */
    size_t count;      /* collected so far */
    size_t max;        /* room in seqs */
    char (*keys)[256]; /* s_report_keys: the data's keys of each (bs_test_data_keys) */
} s_collected_t;

/* A whole report event (decoded by its schema), or a heartbeat. */
static bool
s_report (const unsigned char *bytes, size_t length, void *collected)
{
    s_collected_t *reports = collected;
    bs_message_t event;
    bs_error_t error;
    assert_int_equal (bs_message_decode (bytes, length, &bs_codec_default_limits, &event, &error),
                      BS_OK);
    bool counted = event.schema != &bs_stream_heartbeat_schema;
    if (counted) {
        assert_ptr_equal (event.schema, &bs_report_schema);
        if (reports->count < reports->max)
            reports->seqs[reports->count] = event.seq;
        reports->count++;
    }
    bs_message_clear (&event);
    return counted;
}

/* The sequences received (heartbeats are skipped) by s_collect. */
static size_t
s_collect_events (bs_pair_t *pair, zsock_t *dealer, size_t expected, uint64_t *seqs, size_t max,
                  size_t *frames)
{
    s_collected_t collected = {.seqs = seqs, .max = max};
    return s_collect (pair, dealer, expected, s_report, &collected, frames);
}

/* The up service started with events submitted, and a DEALER of the
   test's own connected to its stream, as a subscriber would be. */
static zsock_t *
s_dealer_after (bs_pair_t *pair, int events)
{
    bs_pair_up_start (pair);
    bs_pair_submit (pair, events);
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (pair->config, "up", "stream"),
                       BS_SOCKET_CONNECT, pair->config);
    assert_non_null (dealer);
    return dealer;
}

static void
test_producer_respects_credit (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;

    /* Protocol level: exactly the credit, then exactly the new credit. */
    zsock_t *dealer = s_dealer_after (pair, 20);
    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 3};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    uint64_t seqs[32];
    assert_int_equal (s_collect_events (pair, dealer, 3, seqs, 32, NULL), 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal (seqs[i], i + 1);
    bs_stream_credit_t credit = {.credit = 2};
    bs_pair_send_control (dealer, &bs_stream_credit_schema, &credit);
    assert_int_equal (s_collect_events (pair, dealer, 2, seqs, 32, NULL), 2);
    assert_int_equal (seqs[0], 4);
    assert_int_equal (seqs[1], 5);
    /* A subscription near the end gets the rest, and no more. */
    subscribe = (bs_stream_subscribe_t){.from = 18, .credit = 100};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    assert_int_equal (s_collect_events (pair, dealer, 3, seqs, 32, NULL), 3);
    for (uint64_t i = 0; i < 3; i++)
        assert_int_equal (seqs[i], 18 + i);
    zsock_destroy (&dealer);

    /* Service level, window 5: while down does not turn, up may send it
       only 5 events; more in its socket would make down subscribe again
       and apply nothing in its next turn. */
    bs_pair_down_start (pair);
    for (uint64_t round = 1; round <= 3; round++) {
        for (int attempt = 1;; attempt++) {
            int64_t until = zclock_mono () + 250;
            while (zclock_mono () < until)
                assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
            assert_int_equal (bs_service_turn (pair->down, 1000), BS_OK);
            /* Down's first subscription may not have reached up yet (a
               CurveZMQ handshake, slow under valgrind): the first round
               may take a few tries. Later rounds only move credit. */
            if (round > 1 || bs_pair_applied (pair) > 0 || attempt == 20)
                break;
        }
        assert_int_equal (bs_pair_applied (pair), 5 * round);
    }
    bs_pair_run_until_applied (pair, 20);
    bs_pair_assert_exactly_once (pair, 20);
}

/* A subscriber behind by many events gets them several to a frame, in
   order, none more than its credit: one CurveZMQ message and one receive
   per frame instead of per event (a consumer catching up). */
static void
test_a_backlog_comes_several_events_to_a_frame (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    zsock_t *dealer = s_dealer_after (pair, 40);
    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 30};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    uint64_t seqs[64];
    size_t frames;
    assert_int_equal (s_collect_events (pair, dealer, 30, seqs, 64, &frames), 30);
    for (uint64_t i = 0; i < 30; i++)
        assert_int_equal (seqs[i], i + 1);
    assert_true (frames >= 1 && frames < 30);
    bs_stream_credit_t credit = {.credit = 100};
    bs_pair_send_control (dealer, &bs_stream_credit_schema, &credit);
    assert_int_equal (s_collect_events (pair, dealer, 10, seqs, 64, &frames), 10);
    for (uint64_t i = 0; i < 10; i++)
        assert_int_equal (seqs[i], 31 + i);
    assert_true (frames >= 1 && frames < 10);
    zsock_destroy (&dealer);
}

static void
test_an_unknown_subscription_is_told_so (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    zsock_t *dealer = s_dealer_after (pair, 2);
    bs_stream_credit_t credit = {.credit = 1};
    bs_pair_send_control (dealer, &bs_stream_credit_schema, &credit);
    int unknown = 0, known = 0;
    int64_t until = zclock_mono () + BS_PAIR_WAIT_MS; /* or until a known heartbeat came */
    bool subscribed = false;
    while (zclock_mono () < until && known == 0) {
        assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
        zmsg_t *message = bs_socket_receive (dealer);
        if (!message)
            continue;
        zframe_t *frame = zmsg_first (message);
        bs_message_t beat;
        bs_pair_decode (frame, &beat);
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
            bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
            subscribed = true;
        }
    }
    assert_int_equal (unknown, 1);
    assert_true (known >= 1);
    zsock_destroy (&dealer);
}

/* Turns the producer (receive, pump) until its starved state is want, or
   BS_PAIR_WAIT_MS pass; whether it got there. */
static bool
s_starved_after (bs_producer_t *producer, bool want)
{
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (zclock_mono () < deadline) {
        bs_producer_receive (producer);
        if (bs_producer_starved (producer) == want)
            return true;
        bs_producer_pump (producer);
        zclock_sleep (5);
    }
    return bs_producer_starved (producer) == want;
}

/* While its writer commits, the service loop watches the consumers'
   credit only when one of them has none left (bs_producer_starved): a
   subscriber is starved once it has been sent its credit's worth, and no
   longer once more credit came; one with credit left never is. */
static void
test_a_subscriber_without_credit_is_starved (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 5);
    bs_pair_up_stop (pair);
    char *path = bs_config_store_path (pair->config, "up");
    const char *const names[] = {"log", NULL};
    bs_store_t *store = bs_store_new (path, names, NULL, NULL);
    free (path);
    assert_non_null (store);
    char endpoint[600];
    snprintf (endpoint, sizeof endpoint, "%s", bs_config_endpoint (pair->config, "up", "stream"));
    bs_keyring_t *keyring = bs_test_keys_serve (pair->config, "up");
    bs_producer_t *producer = bs_producer_new (pair->config, "up", endpoint, store, keyring);
    assert_non_null (producer);
    assert_false (bs_producer_starved (producer)); /* nobody has subscribed */
    zsock_t *dealer = bs_socket_new (ZMQ_DEALER, "up", endpoint, BS_SOCKET_CONNECT, pair->config);
    assert_non_null (dealer);

    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 2};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (bs_producer_consumers (producer).count == 0 && zclock_mono () < deadline) {
        bs_producer_receive (producer);
        zclock_sleep (5);
    }
    assert_int_equal (bs_producer_consumers (producer).count, 1);
    assert_false (bs_producer_starved (producer)); /* credit 2, nothing sent yet */
    bs_producer_pump (producer);
    assert_true (bs_producer_starved (producer)); /* events 1 and 2 sent: no credit left */

    bs_stream_credit_t credit = {.credit = 10};
    bs_pair_send_control (dealer, &bs_stream_credit_schema, &credit);
    assert_true (s_starved_after (producer, false));
    bs_producer_pump (producer); /* events 3 to 5: credit 7 left */
    assert_false (bs_producer_starved (producer));

    zsock_destroy (&dealer);
    bs_producer_destroy (&producer);
    bs_test_keys_unserve ("up", &keyring);
    bs_store_destroy (&store);
}

/* A report event that may be cut (so not decoded by its schema: by a
   view of the keys it keeps), its data's keys, or a heartbeat. */
static bool
s_report_keys (const unsigned char *bytes, size_t length, void *collected)
{
    s_collected_t *reports = collected;
    bs_message_t envelope;
    bs_codec_envelope_peek (bytes, length, &envelope);
    if (strcmp (envelope.type, "report.received") != 0) {
        assert_string_equal (envelope.type, "stream.heartbeat");
        return false;
    }
    assert_true (reports->count < reports->max);
    bs_test_data_keys (bytes, length, reports->keys[reports->count], 256);
    /* the envelope's own fields are all there */
    static const char *const unread[] = {"reg_no", "title", "body", "channel", NULL};
    static bs_field_t fields[32];
    static bs_schema_t view;
    assert_int_equal (bs_schema_view (&bs_report_schema, unread, fields, 32, &view), BS_OK);
    const bs_schema_t *views[] = {&view, NULL};
    bs_message_t report;
    bs_error_t error;
    assert_int_equal (
        bs_message_decode_view (bytes, length, &bs_codec_default_limits, views, &report, &error),
        BS_OK);
    assert_string_equal (report.src, "up");
    assert_int_equal (((bs_report_t *) report.data)->report_id, report.seq);
    reports->seqs[reports->count++] = report.seq;
    bs_message_clear (&report);
    return true;
}

/* The sequences and data keys (keys[i]) of the report events received by
   s_collect. */
static size_t
s_collect_keys (bs_pair_t *pair, zsock_t *dealer, size_t expected, uint64_t *seqs,
                char (*keys)[256], size_t max)
{
    s_collected_t collected = {.seqs = seqs, .max = max, .keys = keys};
    return s_collect (pair, dealer, expected, s_report_keys, &collected, NULL);
}

/* A subscriber that gives views gets the events of their types with
   their data cut to the keys it reads, every other event whole; a new
   subscription without views gets them whole again. */
static void
test_a_subscriber_with_views_gets_events_cut (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    zsock_t *dealer = s_dealer_after (pair, 6);
    bs_stream_view_t views[] = {
        {.type = "review.decided", .fields = "report_id"},
        {.type = "report.received", .fields = "unit report_id kind  received_at"},
    };
    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 4, .views = {2, views}};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    uint64_t seqs[16];
    char keys[16][256];
    assert_int_equal (s_collect_keys (pair, dealer, 4, seqs, keys, 16), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal (seqs[i], i + 1);
        assert_string_equal (keys[i], "report_id unit kind received_at");
    }
    /* Subscribed again (from 3) without views: whole. */
    subscribe = (bs_stream_subscribe_t){.from = 3, .credit = 10};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    assert_int_equal (s_collect_keys (pair, dealer, 4, seqs, keys, 16), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal (seqs[i], i + 3);
        assert_string_equal (keys[i], "report_id reg_no unit title body kind urgent channel "
                                      "received_at provenances attachments");
    }
    zsock_destroy (&dealer);
}

/* Views the service's consumer gives (bs_service_consume_views) go with
   its subscription; with them it still applies every event once, across
   a restart of either side. (The view leaves out optional keys only: the
   pair's consumer stores what it applied, checked by the whole schema.) */
static void
test_a_consumer_with_views_applies_every_event_once (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    static const char *const unread[] = {"urgent", "provenances", "attachments", NULL};
    static bs_field_t fields[32];
    static bs_schema_t view;
    assert_int_equal (bs_schema_view (&bs_report_schema, unread, fields, 32, &view), BS_OK);
    static const bs_schema_t *views[] = {&view, NULL};
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 30);
    bs_pair_down_start (pair);
    bs_service_consume_views (pair->down, views);
    bs_pair_run_until_applied (pair, 30);
    bs_service_destroy (&pair->down);
    bs_pair_submit (pair, 20);
    bs_pair_down_start (pair);
    bs_service_consume_views (pair->down, views);
    bs_pair_run_until_applied (pair, 50);
    bs_pair_up_stop (pair);
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 10);
    bs_pair_run_until_applied (pair, 60);
    bs_pair_assert_exactly_once (pair, 60);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_producer_respects_credit, bs_pair_setup_window_5,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_a_backlog_comes_several_events_to_a_frame,
                                         bs_pair_setup, bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_an_unknown_subscription_is_told_so, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_a_subscriber_without_credit_is_starved, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_a_subscriber_with_views_gets_events_cut,
                                         bs_pair_setup, bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_a_consumer_with_views_applies_every_event_once,
                                         bs_pair_setup, bs_pair_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
