/*  test_stream_order: what a service's loop sends first once a turn has
    committed: the turn's events to the stream's consumers, then the
    turn's replies (bs_service_loop.c, s_collect). libzmq's I/O thread
    sends what it is given in order, so an event given after the replies
    waited for each of them (bench/README.md, "The stream hop").

    Every bs_socket_send of the program is seen (the link wraps it:
    tests/CMakeLists.txt): for each reply to a submit, the report's event
    has already been given to the stream (report id r is up's log
    sequence r: up emits one event a submit, in order). And nothing is
    lost by the loop pumping once a turn is collected rather than at the
    end of each of its rounds: every event reaches the subscriber once,
    in order. (Credit that comes back while turns commit is the stream's
    other tests': test_stream.c, test_stream_producer.c.)
*/
#include "bs_test.h"
#include "bs_stream_pair.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_proto.h"
#include "bs_socket.h"
#include "bs_stream.h"

/* What the wrapped sends saw (the loop's thread sends; the lock is for
   the writer's, which sends nothing through bs_socket_send today). */
static struct {
    pthread_mutex_t lock;
    uint64_t streamed;    /* the highest sequence given to the stream */
    uint64_t replies;     /* replies to submits seen */
    uint64_t early;       /* replies that left before their report's event */
    uint64_t first_early; /* the report id of the first of them */
} s_seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

int __real_bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size);
int __wrap_bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size);

static bool
s_ends_with (const char *text, const char *end)
{
    size_t length = strlen (text), end_length = strlen (end);
    return length >= end_length && strcmp (text + length - end_length, end) == 0;
}

/* The highest sequence of a stream frame (one envelope, or several events
   one after another), 0 for a heartbeat or a refusal. */
static uint64_t
s_frame_last (const void *bytes, size_t size)
{
    uint64_t last = 0;
    size_t offset = 0;
    while (offset < size) {
        bs_message_t message;
        bs_error_t error;
        size_t length = 0;
        if (bs_message_decode_next ((const unsigned char *) bytes + offset, size - offset,
                                    &bs_codec_default_limits, NULL, &message, &length, &error)
                != BS_OK
            || length == 0) {
            bs_message_clear (&message);
            break;
        }
        if (message.seq > last && message.schema == &bs_report_schema)
            last = message.seq;
        bs_message_clear (&message);
        offset += length;
    }
    return last;
}

int
__wrap_bs_socket_send (zsock_t *socket, zframe_t *identity, const void *bytes, size_t size)
{
    char *endpoint = zsock_last_endpoint (socket);
    pthread_mutex_lock (&s_seen.lock);
    if (endpoint && s_ends_with (endpoint, "up-stream.sock")) {
        uint64_t last = s_frame_last (bytes, size);
        if (last > s_seen.streamed)
            s_seen.streamed = last;
    } else if (endpoint && s_ends_with (endpoint, "up-command.sock")) {
        bs_message_t reply;
        bs_error_t error;
        if (bs_message_decode (bytes, size, &bs_codec_default_limits, &reply, &error) == BS_OK
            && reply.schema == &bs_submitted_schema) {
            uint64_t report_id = ((const bs_submitted_t *) reply.data)->report_id;
            s_seen.replies++;
            if (report_id > s_seen.streamed && s_seen.early++ == 0)
                s_seen.first_early = report_id;
        }
        bs_message_clear (&reply);
    }
    pthread_mutex_unlock (&s_seen.lock);
    free (endpoint);
    return __real_bs_socket_send (socket, identity, bytes, size);
}

/* Receive what has come to dealer: the events' sequences appended to
   seqs (count of them in *count). */
static void
s_drain (zsock_t *dealer, uint64_t *seqs, size_t max, size_t *count)
{
    zmsg_t *message;
    while ((message = bs_socket_receive (dealer))) {
        zframe_t *frame = zmsg_first (message);
        const unsigned char *bytes = zframe_data (frame);
        size_t size = zframe_size (frame), offset = 0;
        while (offset < size) {
            bs_message_t event;
            bs_error_t error;
            size_t length = 0;
            assert_int_equal (bs_message_decode_next (bytes + offset, size - offset,
                                                      &bs_codec_default_limits, NULL, &event,
                                                      &length, &error),
                              BS_OK);
            if (event.schema == &bs_report_schema) {
                assert_true (*count < max);
                seqs[(*count)++] = event.seq;
            }
            bs_message_clear (&event);
            offset += length;
        }
        zmsg_destroy (&message);
    }
}

static size_t
s_receive_replies (bs_pair_t *pair)
{
    size_t replies = 0;
    zmsg_t *message;
    while ((message = bs_socket_receive (pair->commands))) {
        bs_message_t reply;
        bs_pair_decode (zmsg_first (message), &reply);
        assert_ptr_equal (reply.schema, &bs_submitted_schema);
        bs_message_clear (&reply);
        zmsg_destroy (&message);
        replies++;
    }
    return replies;
}

static void
test_a_turn_streams_its_events_before_its_replies (void **state)
{
    bs_pair_t *pair = (bs_pair_t *) *state;
    bs_pair_up_start (pair);
    zsock_t *dealer =
        bs_socket_new (ZMQ_DEALER, "up", bs_config_endpoint (pair->config, "up", "stream"),
                       BS_SOCKET_CONNECT, pair->config);
    assert_non_null (dealer);
    /* A subscriber with credit for every event of the test: what a
       turn's replies may wait for is its events' commit, never credit. */
    bs_stream_subscribe_t subscribe = {.from = 1, .credit = 1000};
    bs_pair_send_control (dealer, &bs_stream_subscribe_schema, &subscribe);
    /* Up must know the subscriber before the first turn commits, or the
       first events would wait for its subscription, not the order: a ping
       turns it until it has heard of a consumer. */
    int64_t deadline = zclock_mono () + BS_PAIR_WAIT_MS;
    bool known = false;
    while (!known && zclock_mono () < deadline) {
        bs_ping_t ping = {0};
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        assert_int_equal (
            bs_codec_encode_message (&buffer, &bs_ping_schema, &ping, "ping", "test", 1, 0), BS_OK);
        assert_int_equal (zmq_send (zsock_resolve (pair->commands), buffer.data, buffer.size, 0),
                          (int) buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        zmsg_t *message = NULL;
        while (!message && zclock_mono () < deadline) {
            assert_int_equal (bs_service_turn (pair->up, 5), BS_OK);
            message = bs_socket_receive (pair->commands);
        }
        if (!message)
            break;
        bs_message_t pong;
        bs_pair_decode (zmsg_first (message), &pong);
        assert_ptr_equal (pong.schema, &bs_ping_reply_schema);
        known = ((const bs_ping_reply_t *) pong.data)->consumers.count == 1;
        bs_message_clear (&pong);
        zmsg_destroy (&message);
    }
    assert_true (known);

    int rounds = bs_test_quick () ? 10 : 30, total = 0;
    uint64_t seqs[512];
    size_t count = 0, replies = 0;
    int64_t heard = 0; /* when the subscriber last spoke */
    for (int round = 1; round <= rounds; round++) {
        int submits = 1 + round % 5; /* one to five a turn */
        bs_pair_send_submits (pair, submits);
        total += submits;
        deadline = zclock_mono () + BS_PAIR_WAIT_MS;
        while ((replies < (size_t) total || count < (size_t) total) && zclock_mono () < deadline) {
            if (zclock_mono () - heard >= 50) {
                /* A subscriber silent for a few heartbeats (100 ms here) is
                   forgotten: it says it is there, as a consumer does. */
                bs_stream_credit_t beat = {.credit = 0};
                bs_pair_send_control (dealer, &bs_stream_credit_schema, &beat);
                heard = zclock_mono ();
            }
            assert_int_equal (bs_service_turn_running (pair->up, 5), BS_OK);
            replies += s_receive_replies (pair);
            s_drain (dealer, seqs, 512, &count);
        }
        assert_int_equal (replies, total);
        assert_int_equal (count, total);
    }
    /* Once each, in order. */
    for (size_t i = 0; i < count; i++)
        assert_int_equal (seqs[i], i + 1);
    pthread_mutex_lock (&s_seen.lock);
    uint64_t seen = s_seen.replies, early = s_seen.early, first_early = s_seen.first_early;
    pthread_mutex_unlock (&s_seen.lock);
    assert_int_equal (seen, total);
    if (early)
        fail_msg ("%" PRIu64 " of %" PRIu64 " replies left before their report's event "
                  "(the first: report %" PRIu64 ")",
                  early, seen, first_early);
    zsock_destroy (&dealer);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_a_turn_streams_its_events_before_its_replies,
                                         bs_pair_setup, bs_pair_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
