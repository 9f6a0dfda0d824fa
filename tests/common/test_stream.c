/*  test_stream: the reliable stream between two services in one process
    (tests/support/bs_stream_pair), as services use it.

    What users rely on: every event is applied exactly once and in order,
    the backlog included; the consumer's cursor survives a restart of either
    side; the producer's pong says how far each consumer is, also once it
    stopped; what a consumer holds in memory over a turn's events
    (bs_service_hold) is written once a turn with its cursor, and a run
    that did not commit leaves nothing of it; with consume_linger_ms,
    events alone wait for it and are still applied once; with
    consume_gather_ms, a turn of events alone applies the events that come
    next in its own transaction as they come, and a command, or a batch
    full for a turn, ends it. The producer at protocol level
   is test_stream_producer's, the consumer against a fake producer test_stream_consumer's.
*/
#include "bs_test.h"
#include "bs_stream_pair.h"
#include "bs_test_keys.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_proto.h"
#include "bs_socket.h"

static void
test_every_event_once_in_order (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    int backlog = bs_test_quick () ? 20 : 40; /* several windows of 8 */
    bs_pair_up_start (pair);
    bs_pair_submit (pair, backlog);
    bs_pair_down_start (pair);
    bs_pair_run_until_applied (pair, backlog);
    /* The live tail: a few at a time while the stream runs. */
    for (int i = 0; i < 5; i++)
        bs_pair_submit (pair, 3);
    bs_pair_run_until_applied (pair, backlog + 15);
    bs_pair_assert_exactly_once (pair, backlog + 15);
}

static void
test_cursor_survives_a_consumer_restart (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    int total = bs_test_quick () ? 30 : 60;
    bs_pair_up_start (pair);
    bs_pair_submit (pair, total);
    bs_pair_down_start (pair);
    /* Stop it mid-stream, with events in flight. */
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (bs_pair_applied (pair) < 10 && zclock_mono () < deadline)
        bs_pair_turn_both (pair, 5);
    uint64_t applied = bs_pair_applied (pair);
    assert_in_range (applied, 10, total - 1);
    assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), applied);
    bs_service_destroy (&pair->down);

    bs_pair_submit (pair, 10); /* more while it is away */
    bs_pair_down_start (pair);
    assert_int_equal (bs_pair_applied (pair), applied); /* nothing lost with the old process */
    bs_pair_run_until_applied (pair, total + 10);
    bs_pair_assert_exactly_once (pair, total + 10);

    /* And once more after it has caught up. */
    bs_service_destroy (&pair->down);
    bs_pair_down_start (pair);
    bs_pair_submit (pair, 5);
    bs_pair_run_until_applied (pair, total + 15);
    bs_pair_assert_exactly_once (pair, total + 15);
}

static void
test_consumer_follows_a_restarted_producer (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_pair_up_start (pair);
    bs_pair_down_start (pair);
    bs_pair_submit (pair, 10);
    bs_pair_run_until_applied (pair, 10);

    /* A quick restart: the new producer does not know the consumer. */
    bs_pair_up_stop (pair);
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 10);
    bs_pair_run_until_applied (pair, 20);

    /* A slow one: the consumer hears nothing for many heartbeats. */
    bs_pair_up_stop (pair);
    bs_pair_run_for (pair, 600);
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 10);
    bs_pair_run_until_applied (pair, 30);
    bs_pair_assert_exactly_once (pair, 30);

    /* The producer's log survived its restarts: it says where it is. */
    MDB_txn *txn;
    assert_int_equal (bs_store_read_begin (bs_service_store (pair->up), &txn), BS_OK);
    uint64_t last;
    assert_int_equal (bs_eventlog_last (bs_service_store (pair->up), txn, &last), BS_OK);
    mdb_txn_abort (txn);
    assert_int_equal (last, 30);
}

/* up's pong, asked with id (waits, turning both, until it comes). */
static bs_ping_reply_t
s_pong (bs_pair_t *pair, const char *id, int64_t deadline)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_ping_t ping = {0};
    assert_int_equal (bs_codec_encode_message (&buffer, &bs_ping_schema, &ping, id, "test", 1, 0),
                      BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (pair->commands), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zmsg_t *message = NULL;
    while (!message && zclock_mono () < deadline) {
        bs_pair_turn_both (pair, 5);
        message = bs_socket_receive (pair->commands);
    }
    assert_non_null (message);
    bs_message_t reply;
    bs_pair_decode (zmsg_first (message), &reply);
    zmsg_destroy (&message);
    assert_ptr_equal (reply.schema, &bs_ping_reply_schema);
    bs_ping_reply_t pong = *(bs_ping_reply_t *) reply.data;
    memset (reply.data, 0, sizeof pong); /* pong owns what it held now */
    bs_message_clear (&reply);
    assert_int_equal (pong.consumers.count, 1);
    return pong;
}

/* What up's pong says of its consumer "down" once its figures are
   sent, committed and last: waits (turning both) until they are, then
   asserts them. */
static void
s_assert_down_figures (bs_pair_t *pair, uint64_t sent, uint64_t committed, uint64_t last)
{
    bs_ping_reply_t pong = {0};
    const bs_stream_consumer_t *down = NULL;
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    for (int ask = 0; zclock_mono () < deadline; ask++) {
        char id[32];
        snprintf (id, sizeof id, "ping-%d", ask);
        bs_codec_record_free (&bs_ping_reply_schema, &pong);
        pong = s_pong (pair, id, deadline);
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

/* Wait (turning both) until up has given up its stopped consumer "down".
   Until then up may still send it events: ZeroMQ tells up's ROUTER that
   down's socket closed only some time after it did, and what goes into
   the closing pipe counts as sent. up forgets a consumer silent for five
   heartbeats (BS_STREAM_SILENCE_BEATS + 2 in bs_stream_producer.c) at
   its next tick, and ticks a heartbeat apart; so once a pong says down
   was silent for six, every later turn of up runs with down forgotten. */
static void
s_wait_until_down_forgotten (bs_pair_t *pair)
{
    uint64_t forgotten_ms = 6 * bs_config_get_number (pair->config, "heartbeat_ms");
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    uint64_t silent_ms = 0;
    for (int ask = 0; silent_ms <= forgotten_ms && zclock_mono () < deadline; ask++) {
        char id[32];
        snprintf (id, sizeof id, "silence-%d", ask);
        bs_ping_reply_t pong = s_pong (pair, id, deadline);
        silent_ms = ((const bs_stream_consumer_t *) pong.consumers.items)->silent_ms;
        bs_codec_record_free (&bs_ping_reply_schema, &pong);
    }
    assert_true (silent_ms > forgotten_ms);
}

static void
test_pong_says_how_far_each_consumer_is (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 5);
    bs_pair_down_start (pair);
    bs_pair_run_until_applied (pair, 5);
    s_assert_down_figures (pair, 5, 5, 5);
    /* Stopped, it falls behind: once up has given it up, nothing more
       is sent to it, and the producer still names it. */
    bs_service_destroy (&pair->down);
    s_wait_until_down_forgotten (pair);
    bs_pair_submit (pair, 3);
    s_assert_down_figures (pair, 5, 5, 8);
    /* Back, it catches up by itself. */
    bs_pair_down_start (pair);
    bs_pair_run_until_applied (pair, 8);
    s_assert_down_figures (pair, 8, 8, 8);
}

/* A consumer that holds what it counts over a turn (bs_service_hold):
   the events it counted, written to its counter "applied" once a turn,
   with "writes" counting the writes. It refuses the event of sequence 4. */
typedef struct {
    uint64_t events; /* counted, not written yet */
} s_held_t;

static int
s_held_apply (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) txn;
    (void) argument;
    if (event->seq == 4)
        return BS_E_INVALID;
    ((s_held_t *) bs_service_held (service))->events++;
    return BS_OK;
}

static int
s_held_write (bs_service_t *service, MDB_txn *txn, void *held)
{
    MDB_dbi counters = bs_service_dbi (service, "counters");
    uint64_t applied = 0, writes;
    int rc = bs_store_get_u64 (txn, counters, "applied", &applied);
    if (rc == BS_OK || rc == BS_E_NOT_FOUND)
        rc = bs_store_put_u64 (txn, counters, "applied", applied + ((s_held_t *) held)->events);
    if (rc == BS_OK)
        rc = bs_store_next_counter (txn, counters, "writes", &writes);
    ((s_held_t *) held)->events = 0;
    return rc;
}

static void
s_held_forget (void *held)
{
    ((s_held_t *) held)->events = 0;
}

static void
s_held_start (bs_pair_t *pair)
{
    static const char *const databases[] = {"counters", NULL};
    bs_error_t error;
    pair->down = bs_service_new ("down", pair->config, databases, &error);
    assert_non_null (pair->down);
    assert_int_equal (bs_service_consume (pair->down, "up", s_held_apply, NULL), BS_OK);
    s_held_t *held = calloc (1, sizeof *held);
    assert_int_equal (bs_service_hold (pair->down, held, s_held_write, s_held_forget, free), BS_OK);
}

static void
s_held_run_until (bs_pair_t *pair, uint64_t cursor)
{
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (bs_pair_down_value (pair, "cursors", "up") < cursor && zclock_mono () < deadline)
        bs_pair_turn_both (pair, 5);
    assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), cursor);
}

static void
test_what_a_turn_holds_is_written_once_with_its_cursor (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_pair_up_start (pair);
    bs_pair_submit (pair, 8);
    s_held_start (pair);
    s_held_run_until (pair, 8);
    /* The refused event counts nothing; the turn that met it ran again
       carefully, and what its first run held was forgotten, not written
       twice. */
    assert_int_equal (bs_pair_down_value (pair, "counters", "applied"), 7);

    /* A backlog of a window's events, in down's socket before down takes
       any (up alone turned meanwhile), applied in one turn: written once
       a turn, not once an event. */
    bs_service_destroy (&pair->down);
    bs_pair_submit (pair, 8);
    s_held_start (pair);
    uint64_t writes = bs_pair_down_value (pair, "counters", "writes");
    int64_t until = zclock_mono () + 300;
    while (zclock_mono () < until)
        assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
    s_held_run_until (pair, 16);
    assert_int_equal (bs_pair_down_value (pair, "counters", "applied"), 15);
    assert_true (bs_pair_down_value (pair, "counters", "writes") - writes < 8);
}

/* consume_linger_ms: a turn that would hold only the consumers' events
   waits until that long after the last turn was handed over, so the
   events of several upstream commits share one commit downstream. None
   is lost or doubled by the wait. */
static void
test_events_alone_wait_for_the_linger (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_error_t error;
    /* A linger is at most half a heartbeat (the pair's is 100 ms). */
    assert_int_equal (bs_config_set (pair->config, "heartbeat_ms", "1000", &error), BS_OK);
    assert_int_equal (bs_config_set (pair->config, "consume_linger_ms", "450", &error), BS_OK);
    bs_pair_up_start (pair);
    bs_pair_down_start (pair);
    int64_t start = zclock_mono (); /* before down's first turn is handed over */
    bs_pair_submit (pair, 1);
    bs_pair_run_until_applied (pair, 1);
    bs_pair_submit (pair, 3); /* up commits them; they reach down at once */
    bs_pair_run_for (pair, 100);
    /* The first turn was handed over after start, so until start + 450
       ms the next one may not be (a slow commit moves no bound). */
    if (zclock_mono () - start < 400)
        assert_int_equal (bs_pair_applied (pair), 1);
    bs_pair_run_until_applied (pair, 4);
    /* The second turn was handed over 450 ms after the first at the
       earliest, and the first after start. */
    assert_true (zclock_mono () - start >= 450);
    bs_pair_assert_exactly_once (pair, 4);
}

/* consume_gather_ms: the consumer "down" of a gathering test, turned by
   a thread of its own while the test thread turns up. Each event applied
   is noted with the transaction it was applied in and when. */
#define S_GATHER_EVENTS 8

typedef struct {
    bs_pair_t *pair;
    pthread_t thread; /* turning down, while running */
    bool running;
    atomic_bool stop;
    atomic_size_t txn[S_GATHER_EVENTS + 1]; /* by sequence: its transaction's id, 0 if not yet */
    atomic_llong at[S_GATHER_EVENTS + 1];   /* when it was applied (zclock_mono) */
} s_gather_t;

static s_gather_t s_gather;

static int
s_gather_apply (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    uint64_t count;
    int rc = bs_store_next_counter (txn, bs_service_dbi (service, "counters"), "applied", &count);
    if (rc == BS_OK && event->seq <= S_GATHER_EVENTS) {
        atomic_store (&s_gather.at[event->seq], zclock_mono ());
        atomic_store (&s_gather.txn[event->seq], mdb_txn_id (txn));
    }
    return rc;
}

/* A command down answers in its writer's turn (not at once, as a ping). */
static int
s_gather_command (bs_request_t *request, void *argument)
{
    (void) argument;
    bs_submitted_t reply = {.report_id = 1, .reg_no = (char *) "R"};
    return bs_request_reply (request, &bs_submitted_schema, &reply);
}

static void *
s_gather_turns (void *argument)
{
    s_gather_t *gather = argument;
    while (!atomic_load (&gather->stop)) /* as it runs: the loop turns while its writer gathers */
        if (bs_service_turn_running (gather->pair->down, 5) != BS_OK)
            break;
    return NULL;
}

/* Send a submit on dealer and turn up (when turn_up) until its reply;
   returns when it came (zclock_mono). */
static int64_t
s_gather_call (bs_pair_t *pair, zsock_t *dealer, const char *id, bool turn_up)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_submit_t submit = {.unit = (char *) "u", .title = (char *) "t", .body = (char *) "b"};
    assert_int_equal (
        bs_codec_encode_message (&buffer, &bs_submit_schema, &submit, id, "test", 1, 0), BS_OK);
    assert_int_equal (zmq_send (zsock_resolve (dealer), buffer.data, buffer.size, 0),
                      (int) buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    zmsg_t *message = NULL;
    while (!message && zclock_mono () < deadline) {
        if (turn_up)
            assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
        else
            zclock_sleep (1);
        message = bs_socket_receive (dealer);
    }
    assert_non_null (message);
    zmsg_destroy (&message);
    return zclock_mono ();
}

/* Turn up until down has applied the event of sequence seq. */
static void
s_gather_wait_applied (bs_pair_t *pair, uint64_t seq)
{
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (!atomic_load (&s_gather.txn[seq]) && zclock_mono () < deadline)
        assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
    assert_true (atomic_load (&s_gather.txn[seq]) != 0);
}

/* Up started; down gathering for 1.5 s (gather_ms), window events a
   window, consuming up and, when quiet, a stream that sends nothing,
   answering submits in its writer's turn, turned by a thread of its own. */
static const int gather_ms = 1500; /* long beside what a loaded machine takes for a hop */

static void
s_gather_start (bs_pair_t *pair, const char *window, bool quiet)
{
    bs_error_t error;
    assert_int_equal (bs_config_set (pair->config, "heartbeat_ms", "4000", &error), BS_OK);
    assert_int_equal (bs_config_set (pair->config, "consume_gather_ms", "1500", &error), BS_OK);
    assert_int_equal (bs_config_set (pair->config, "stream_window", window, &error), BS_OK);
    if (quiet)
        bs_test_keys (pair->config, (const char *const[]){"quiet", NULL}); /* its server's key */
    bs_pair_up_start (pair);
    static const char *const databases[] = {"counters", NULL};
    pair->down = bs_service_new ("down", pair->config, databases, &error);
    assert_non_null (pair->down);
    assert_int_equal (bs_service_consume (pair->down, "up", s_gather_apply, NULL), BS_OK);
    if (quiet)
        assert_int_equal (bs_service_consume (pair->down, "quiet", s_gather_apply, NULL), BS_OK);
    assert_int_equal (bs_service_on (pair->down, &bs_submit_schema, s_gather_command, NULL, false),
                      BS_OK);
    memset (&s_gather, 0, sizeof s_gather);
    s_gather.pair = pair;
    assert_int_equal (pthread_create (&s_gather.thread, NULL, s_gather_turns, &s_gather), 0);
    s_gather.running = true;
}

/* Two submits to up, the second once down's turn gathers: both events
   applied in down's one transaction. *began: the first applied, *replied:
   the second's reply from up, *applied: the second applied. */
static void
s_gather_two (bs_pair_t *pair, int64_t *began, int64_t *replied, int64_t *applied)
{
    s_gather_call (pair, pair->commands, "first", true);
    s_gather_wait_applied (pair, 1); /* its turn began: it gathers now */
    *began = atomic_load (&s_gather.at[1]);
    *replied = s_gather_call (pair, pair->commands, "second", true);
    s_gather_wait_applied (pair, 2);
    *applied = atomic_load (&s_gather.at[2]);
    assert_int_equal (atomic_load (&s_gather.txn[2]), atomic_load (&s_gather.txn[1]));
}

/* A turn of events alone gathers: the event that comes after its turn
   began is applied in the same transaction, as it comes (not when the
   gather ends), and nothing is committed meanwhile; a command for down's
   writer ends the gather (the turn commits, the command is answered long
   before the gather would end); each event is applied once, its cursor
   committed with it. (Without the gather the second event is applied in
   a transaction of its own; without the command's end to it the reply
   waits the gather out.) */
static void
test_a_turn_of_events_gathers_the_next (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    s_gather_start (pair, "100", false);
    zsock_t *to_down =
        bs_socket_new (ZMQ_DEALER, "down", bs_config_endpoint (pair->config, "down", "command"),
                       BS_SOCKET_CONNECT, pair->config);
    assert_non_null (to_down);
    int64_t began, replied, applied;
    s_gather_two (pair, &began, &replied, &applied);
    if (applied - began < gather_ms / 2) /* (a machine this slow tells nothing of when) */
        assert_true (applied - replied < gather_ms / 2);
    bool gathering = zclock_mono () - began < gather_ms / 2;
    if (gathering) /* its turn has not committed: nothing of it is read */
        assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), 0);

    int64_t asked = zclock_mono ();
    int64_t answered = s_gather_call (pair, to_down, "command", false);
    if (gathering && asked - began < gather_ms / 3)
        assert_true (answered - began < gather_ms * 2 / 3);
    assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), 2);
    assert_int_equal (bs_pair_down_value (pair, "counters", "applied"), 2);

    zsock_destroy (&to_down);
}

/* A gathering turn commits as soon as a consumer's batch is full for a
   turn (no longer live: a quarter of the window), though another
   consumer, quiet, could still gather: the full one's next events wait
   unreceived meanwhile (the loop leaves the consumers' sockets to the
   gathering writer), so at 5,000 reports a second a gather of 50 ms (250
   events, a quarter of statistics' window) held intake's events until it
   ended (bench/README.md, "Statistics' gather at 25 and 50 ms"). Down
   consumes up and "quiet", a stream that sends nothing, with a window of
   8: the second event fills its batch (2 of 8), and the turn commits long
   before the gather would end. (With the gather going on while any
   consumer is live, the commit waits the gather out.) */
static void
test_a_gather_ends_when_a_batch_is_full (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    s_gather_start (pair, "8", true);
    int64_t began, replied, applied;
    s_gather_two (pair, &began, &replied, &applied);
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    while (bs_pair_down_value (pair, "cursors", "up") != 2 && zclock_mono () < deadline)
        assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
    int64_t committed = zclock_mono ();
    assert_int_equal (bs_pair_down_value (pair, "cursors", "up"), 2);
    if (applied - began < gather_ms / 3) /* (a machine this slow tells nothing of when) */
        assert_true (committed - began < gather_ms * 2 / 3);
    assert_int_equal (bs_pair_down_value (pair, "counters", "applied"), 2);
}

/* The thread turning down stopped before the pair goes (also when the
   test failed). */
static int
s_gather_teardown (void **state)
{
    if (s_gather.running) {
        atomic_store (&s_gather.stop, true);
        pthread_join (s_gather.thread, NULL);
        s_gather.running = false;
    }
    return bs_pair_teardown (state);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_every_event_once_in_order, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_cursor_survives_a_consumer_restart, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_consumer_follows_a_restarted_producer, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_pong_says_how_far_each_consumer_is, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_what_a_turn_holds_is_written_once_with_its_cursor,
                                         bs_pair_setup, bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_events_alone_wait_for_the_linger, bs_pair_setup,
                                         bs_pair_teardown),
        cmocka_unit_test_setup_teardown (test_a_turn_of_events_gathers_the_next, bs_pair_setup,
                                         s_gather_teardown),
        cmocka_unit_test_setup_teardown (test_a_gather_ends_when_a_batch_is_full, bs_pair_setup,
                                         s_gather_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
