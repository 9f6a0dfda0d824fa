/*  test_feed_ring: the live feed's changes, read once for every page.

    What pages rely on: the events after their last one, in order, each
    once; told "missed" (so they read statistics' log themselves) when the
    ring no longer holds what follows their last event, or when they are
    past the end of the log as statistics told it after they came; woken
    when events come; and a gateway that stops without waiting out its
    follower's pause.
*/
#include "bs_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feed_ring.h"

static int
s_never (gateway_feed_ring_t *ring, void *argument)
{
    (void) ring;
    (void) argument;
    return 1000;
}

/* Put the events first..last as "<seq>;" texts. */
static void
s_put (gateway_feed_ring_t *ring, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        char text[32];
        int length = snprintf (text, sizeof text, "%llu;", (unsigned long long) seq);
        assert_true (gateway_feed_ring_put (ring, seq, text, (size_t) length));
    }
}

/* Read after *last with no wait; the text read ("" when none). */
static gateway_feed_ring_found_t
s_read (gateway_feed_ring_t *ring, uint64_t *last, size_t max, char *out, size_t size)
{
    char *text = NULL;
    size_t length = 0;
    gateway_feed_ring_found_t found = gateway_feed_ring_read (ring, last, max, 0, &text, &length);
    snprintf (out, size, "%.*s", (int) length, text ? text : "");
    free (text);
    return found;
}

static void
test_a_page_gets_what_follows_its_last_event (void **state)
{
    (void) state;
    gateway_feed_ring_t *ring = gateway_feed_ring_new (100, 1 << 20, s_never, NULL);
    gateway_feed_ring_restart (ring, 0);
    s_put (ring, 1, 5);
    gateway_feed_ring_answered (ring, 5);
    char out[256];
    uint64_t last = 2;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "3;4;5;");
    assert_int_equal (last, 5);
    /* Nothing more: nothing, and the page's place stays. */
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_NOTHING);
    assert_int_equal (last, 5);
    /* A page takes at most max bytes at once, but always one event. */
    last = 0;
    assert_int_equal (s_read (ring, &last, 4, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "1;2;");
    assert_int_equal (s_read (ring, &last, 1, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "3;");
    assert_int_equal (last, 3);
    /* An event not after the newest held is not put twice. */
    s_put (ring, 4, 5);
    last = 3;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "4;5;");
    gateway_feed_ring_destroy (&ring);
    assert_null (ring);
    gateway_feed_ring_destroy (&ring);
}

static void
test_a_page_behind_the_ring_is_told_it_missed (void **state)
{
    (void) state;
    /* At most three events: the oldest go, and a page that needed them
       reads the log itself. */
    gateway_feed_ring_t *ring = gateway_feed_ring_new (3, 1 << 20, s_never, NULL);
    gateway_feed_ring_restart (ring, 10);
    char out[256];
    uint64_t last = 9;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_MISSED);
    s_put (ring, 11, 15);
    gateway_feed_ring_answered (ring, 15);
    last = 11;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_MISSED);
    last = 12;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "13;14;15;");

    /* Bytes count as well: three bytes of room hold one "16;" or "17;". */
    gateway_feed_ring_destroy (&ring);
    ring = gateway_feed_ring_new (100, 3, s_never, NULL);
    gateway_feed_ring_restart (ring, 15);
    s_put (ring, 16, 17);
    last = 15;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_MISSED);
    last = 16;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_EVENTS);
    assert_string_equal (out, "17;");

    /* Started over (a rebuilt log): what came before is missed. */
    gateway_feed_ring_restart (ring, 20);
    last = 17;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_MISSED);
    last = 20;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_NOTHING);
    gateway_feed_ring_destroy (&ring);
}

/* A page waiting in another thread. */
typedef struct {
    gateway_feed_ring_t *ring;
    uint64_t last;
    gateway_feed_ring_found_t found;
    char *text;
    size_t length;
    atomic_bool done;
} s_waiter_t;

static void *
s_wait (void *argument)
{
    s_waiter_t *waiter = argument;
    waiter->found = gateway_feed_ring_read (waiter->ring, &waiter->last, 1 << 20, 60000,
                                            &waiter->text, &waiter->length);
    atomic_store (&waiter->done, true);
    return NULL;
}

static void
test_a_waiting_page_is_woken (void **state)
{
    (void) state;
    gateway_feed_ring_t *ring = gateway_feed_ring_new (100, 1 << 20, s_never, NULL);
    gateway_feed_ring_restart (ring, 7);
    gateway_feed_ring_answered (ring, 7);
    s_waiter_t waiter = {.ring = ring, .last = 7};
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_wait, &waiter), 0);
    s_put (ring, 8, 9);
    gateway_feed_ring_answered (ring, 9);
    pthread_join (thread, NULL);
    assert_int_equal (waiter.found, GATEWAY_FEED_RING_EVENTS);
    assert_int_equal (waiter.last, 9);
    assert_int_equal (waiter.length, 4);
    assert_memory_equal (waiter.text, "8;9;", 4);
    free (waiter.text);
    gateway_feed_ring_destroy (&ring);
}

static void
test_a_page_past_the_end_of_the_log_is_told_it_missed (void **state)
{
    (void) state;
    /* The page saw sequence 12 (its snapshot, from an earlier store);
       the log now ends at 5. An answer that may have been asked before
       the page came does not tell; the next one does. */
    gateway_feed_ring_t *ring = gateway_feed_ring_new (100, 1 << 20, s_never, NULL);
    gateway_feed_ring_restart (ring, 5);
    gateway_feed_ring_answered (ring, 5);
    char out[64];
    uint64_t last = 12;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_NOTHING);
    s_waiter_t waiter = {.ring = ring, .last = 12};
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_wait, &waiter), 0);
    /* Answers until the waiter is told (two after it began to wait). */
    for (int i = 0; i < 6000 && !atomic_load (&waiter.done); i++) {
        gateway_feed_ring_answered (ring, 5);
        struct timespec pause = {0, 10000000};
        nanosleep (&pause, NULL);
    }
    pthread_join (thread, NULL);
    assert_int_equal (waiter.found, GATEWAY_FEED_RING_MISSED);
    assert_int_equal (waiter.last, 12);
    /* A page at the end waits for what comes: not missed. */
    last = 5;
    assert_int_equal (s_read (ring, &last, 1 << 20, out, sizeof out), GATEWAY_FEED_RING_NOTHING);
    gateway_feed_ring_destroy (&ring);
}

/* A follower that asks for a long pause each time. */
static int
s_slow_follower (gateway_feed_ring_t *ring, void *argument)
{
    atomic_int *calls = argument;
    if (atomic_fetch_add (calls, 1) == 0) {
        gateway_feed_ring_restart (ring, 3);
        s_put (ring, 4, 4);
        gateway_feed_ring_answered (ring, 4);
    } else
        gateway_feed_ring_unavailable (ring);
    return 600000;
}

static void
test_the_follower_runs_once_and_stops_at_once (void **state)
{
    (void) state;
    atomic_int calls = 0;
    gateway_feed_ring_t *ring = gateway_feed_ring_new (100, 1 << 20, s_slow_follower, &calls);
    assert_false (gateway_feed_ring_available (ring));
    assert_true (gateway_feed_ring_start (ring));
    assert_true (gateway_feed_ring_start (ring)); /* the same thread */
    s_waiter_t waiter = {.ring = ring, .last = 3};
    s_wait (&waiter);
    assert_int_equal (waiter.found, GATEWAY_FEED_RING_EVENTS);
    assert_memory_equal (waiter.text, "4;", 2);
    free (waiter.text);
    assert_true (gateway_feed_ring_available (ring));
    /* It pauses ten minutes; destroying the ring ends the pause. */
    time_t began = time (NULL);
    gateway_feed_ring_destroy (&ring);
    assert_true (time (NULL) - began < 300);
    assert_int_equal (atomic_load (&calls), 1);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_a_page_gets_what_follows_its_last_event),
        cmocka_unit_test (test_a_page_behind_the_ring_is_told_it_missed),
        cmocka_unit_test (test_a_waiting_page_is_woken),
        cmocka_unit_test (test_a_page_past_the_end_of_the_log_is_told_it_missed),
        cmocka_unit_test (test_the_follower_runs_once_and_stops_at_once),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
