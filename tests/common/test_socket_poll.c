/*  test_socket_poll: bs_socket_poll waits as zmq_poll does, with fewer
    system calls.

    What the service loop relies on: with nothing to read the wait lasts
    its time and says so (revents 0: the loop skips that socket's
    receive); a message that arrives during the wait ends it; a socket
    that holds a message is seen at once even when a send on the same
    socket took libzmq's signal of it first (ZeroMQ's descriptor signals
    only news: a wait on the descriptor alone would sleep beside the
    message); a readable descriptor is seen too, and one not looked at
    because a socket held input is reported as maybe readable.
*/
#include "bs_test.h"

#include <czmq.h>
#include <errno.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bs_socket.h"

typedef struct {
    zsock_t *one; /* PAIR, bound */
    zsock_t *two; /* PAIR, connected */
} pair_t;

/* Until libzmq's news of the connection has been taken: a socket's
   descriptor signals it as it would a message (revents: maybe), and
   receiving finds nothing. */
static void
s_settle (zsock_t *socket)
{
    for (int tries = 0; tries < 100; tries++) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (bs_socket_poll (&item, 1, 10) == 0)
            return;
        zmq_msg_t message;
        zmq_msg_init (&message);
        assert_int_equal (zmq_msg_recv (&message, zsock_resolve (socket), ZMQ_DONTWAIT), -1);
        zmq_msg_close (&message); /* none was sent */
    }
    fail_msg ("the socket's descriptor never went quiet");
}

static void
s_pair (pair_t *pair)
{
    pair->one = zsock_new_pair ("@tcp://127.0.0.1:*");
    assert_non_null (pair->one);
    pair->two = zsock_new_pair (zsock_endpoint (pair->one));
    assert_non_null (pair->two);
    zsock_set_rcvtimeo (pair->one, 5000);
    zsock_set_rcvtimeo (pair->two, 5000);
    s_settle (pair->one);
}

static void
s_pair_destroy (pair_t *pair)
{
    zsock_destroy (&pair->two);
    zsock_destroy (&pair->one);
}

/* bs_socket_poll of socket alone; its revents into *revents. */
static int
s_poll_one (zsock_t *socket, long timeout_ms, short *revents)
{
    zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    int rc = bs_socket_poll (&item, 1, timeout_ms);
    *revents = item.revents;
    return rc;
}

static void
test_nothing_waits_out_the_time (void **state)
{
    (void) state;
    pair_t pair;
    s_pair (&pair);
    short revents = -1;
    int64_t start = zclock_mono ();
    /* A wake before the time is a "maybe" (libzmq's news of the
       connection, which a slow run, valgrind's, can still bring after
       s_settle's quiet 10 ms): it finds no message, and the wait goes on
       for what is left of the time. */
    int rc, wakes = 0;
    int64_t left = 100;
    while ((rc = s_poll_one (pair.one, (long) left, &revents)) == 1) {
        assert_int_equal (revents, ZMQ_POLLIN);
        zmq_msg_t message;
        zmq_msg_init (&message);
        assert_int_equal (zmq_msg_recv (&message, zsock_resolve (pair.one), ZMQ_DONTWAIT), -1);
        zmq_msg_close (&message);
        assert_true (++wakes < 20);
        left = 100 - (zclock_mono () - start);
        if (left < 1)
            left = 1;
    }
    assert_int_equal (rc, 0);
    assert_int_equal (revents, 0);
    assert_true (zclock_mono () - start >= 90);
    s_pair_destroy (&pair);
}

static void *
s_send_later (void *argument)
{
    zclock_sleep (100);
    zstr_send (argument, "later");
    return NULL;
}

static void
test_a_message_during_the_wait_ends_it (void **state)
{
    (void) state;
    pair_t pair;
    s_pair (&pair);
    pthread_t sender;
    assert_int_equal (pthread_create (&sender, NULL, s_send_later, pair.two), 0);
    short revents = 0;
    int64_t start = zclock_mono ();
    assert_int_equal (s_poll_one (pair.one, 5000, &revents), 1);
    assert_int_equal (revents, ZMQ_POLLIN);
    assert_true (zclock_mono () - start < 4000);
    pthread_join (sender, NULL);
    char *text = zstr_recv (pair.one);
    assert_string_equal (text, "later");
    zstr_free (&text);
    s_pair_destroy (&pair);
}

static void
test_a_message_whose_signal_a_send_took_is_seen (void **state)
{
    (void) state;
    pair_t pair;
    s_pair (&pair);
    assert_int_equal (zstr_send (pair.two, "waiting"), 0);
    zclock_sleep (200); /* it is in one's pipe, its signal in one's mailbox */
    /* a send on one takes the signal: one's descriptor is quiet now */
    assert_int_equal (zstr_send (pair.one, "answer"), 0);
    short revents = 0;
    int64_t start = zclock_mono ();
    assert_int_equal (s_poll_one (pair.one, 2000, &revents), 1);
    assert_int_equal (revents, ZMQ_POLLIN);
    assert_true (zclock_mono () - start < 1000); /* at once, not at the time's end */
    char *text = zstr_recv (pair.one);
    assert_string_equal (text, "waiting");
    zstr_free (&text);
    s_pair_destroy (&pair);
}

static void
test_descriptors_beside_sockets (void **state)
{
    (void) state;
    pair_t pair;
    s_pair (&pair);
    int fd = eventfd (0, EFD_CLOEXEC);
    assert_true (fd >= 0);
    zmq_pollitem_t items[2] = {{zsock_resolve (pair.one), 0, ZMQ_POLLIN, 0},
                               {NULL, fd, ZMQ_POLLIN, 0}};
    assert_int_equal (bs_socket_poll (items, 2, 50), 0);
    assert_int_equal (items[0].revents, 0);
    assert_int_equal (items[1].revents, 0);

    uint64_t one = 1;
    assert_int_equal (write (fd, &one, sizeof one), (ssize_t) sizeof one);
    assert_int_equal (bs_socket_poll (items, 2, 5000), 1); /* the descriptor */
    assert_int_equal (items[0].revents, 0);
    assert_int_equal (items[1].revents, ZMQ_POLLIN);
    uint64_t count;
    assert_int_equal (read (fd, &count, sizeof count), (ssize_t) sizeof count);

    assert_int_equal (zstr_send (pair.two, "here"), 0);
    assert_int_equal (s_poll_one (pair.one, 5000, &(short){0}), 1);
    /* the socket holds input: the descriptor is not looked at, maybe readable */
    assert_int_equal (bs_socket_poll (items, 2, 5000), 2);
    assert_int_equal (items[0].revents, ZMQ_POLLIN);
    assert_int_equal (items[1].revents, ZMQ_POLLIN);
    close (fd);
    s_pair_destroy (&pair);
}

static void
test_at_most_sixteen_items (void **state)
{
    (void) state;
    zmq_pollitem_t items[17] = {{0}};
    for (int i = 0; i < 17; i++)
        items[i] = (zmq_pollitem_t){NULL, 0, ZMQ_POLLIN, 0};
    errno = 0;
    assert_int_equal (bs_socket_poll (items, 17, 0), -1);
    assert_int_equal (errno, EINVAL);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_nothing_waits_out_the_time),
        cmocka_unit_test (test_a_message_during_the_wait_ends_it),
        cmocka_unit_test (test_a_message_whose_signal_a_send_took_is_seen),
        cmocka_unit_test (test_descriptors_beside_sockets),
        cmocka_unit_test (test_at_most_sixteen_items),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
