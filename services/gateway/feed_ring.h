/*  feed_ring: the changes of statistics' log, formatted once for every
    open page of the live feed (feed.c).

    One follower thread per gateway, started by the first page, reads
    statistics' log of changes and puts each change here as the text of
    its Server-Sent Event, in the order of the log. Every page copies from
    the ring the events after the last one it sent. So statistics answers
    one reader however many pages are open, and the gateway formats a
    change once, not once per page: the work of a change no longer grows
    with the pages.

    The ring holds every event of the log above sequence `base` that the
    follower has read. When it holds more than
    events_max events or bytes_max bytes, the oldest go and base moves up
    to the last one gone. A page the ring cannot serve is told so
    (GATEWAY_FEED_RING_MISSED) and reads statistics' log itself until it
    has caught up (feed.c); that is
      - a page whose last sequence is below base: it came back from far
        behind, or it read so slowly that the ring moved on without it;
      - a page past the end of the log as statistics told the follower in
        an answer asked after the page came (a rebuilt statistics store):
        reading the log itself, it finds that out and takes a snapshot.

    The follower is a function of the ring's owner (follow_fn), called in
    a loop on a thread of the ring's own from the first
    gateway_feed_ring_start until the ring is destroyed; it says after how
    many milliseconds to call it again, and a destroy does not wait for
    that pause to end.

    Threads: every function may be called from any thread (the ring has
    its own lock); texts handed out are the caller's.
*/
#ifndef GATEWAY_FEED_RING_H_INCLUDED
#define GATEWAY_FEED_RING_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gateway_feed_ring gateway_feed_ring_t;

/* The follower: read the log and put what it holds into ring; returns the
   milliseconds to wait before the next call (0: at once). */
typedef int (gateway_feed_follow_fn) (gateway_feed_ring_t *ring, void *argument);

/* What gateway_feed_ring_read found. */
typedef enum {
    GATEWAY_FEED_RING_EVENTS,  /* events after the page's last, copied out */
    GATEWAY_FEED_RING_NOTHING, /* none came within the wait */
    GATEWAY_FEED_RING_MISSED,  /* the ring cannot serve the page: read the log */
} gateway_feed_ring_found_t;

/* A ring of at most events_max events and bytes_max bytes of text, whose
   follower is follow (with argument, not owned). NULL without memory. */
gateway_feed_ring_t *gateway_feed_ring_new (size_t events_max, size_t bytes_max,
                                            gateway_feed_follow_fn *follow, void *argument);

/* Stop the follower (waiting for a call under way to return), free the
   ring, and null the pointer; nothing if it is NULL. */
void gateway_feed_ring_destroy (gateway_feed_ring_t **self_p);

/* Start the follower thread, once (later calls do nothing). Returns false
   if the thread cannot be made. */
bool gateway_feed_ring_start (gateway_feed_ring_t *self);

/*  The follower's side */

/* Hold nothing and start over at base: every sequence up to base is
   behind the ring (the log's end when the follower starts, or after the
   log was rebuilt or pruned past the follower). */
void gateway_feed_ring_restart (gateway_feed_ring_t *self, uint64_t base);

/* Put the event of sequence seq (above every one held and above base),
   text of length bytes, copied. False without memory (then the ring
   restarts at seq: pages behind it read the log). */
bool gateway_feed_ring_put (gateway_feed_ring_t *self, uint64_t seq, const char *text,
                            size_t length);

/* statistics answered the follower, and its log ends at log_last (the
   events the answer held are put). Wakes the pages that wait. */
void gateway_feed_ring_answered (gateway_feed_ring_t *self, uint64_t log_last);

/* statistics did not answer (gateway_feed_ring_available says so until it
   answers again). */
void gateway_feed_ring_unavailable (gateway_feed_ring_t *self);

/*  The pages' side */

/* The events after *last, at most max bytes of them (but at least one),
   waiting up to wait_ms for one to come. On GATEWAY_FEED_RING_EVENTS,
   *text (malloc'd, the caller's) holds *length bytes and *last is the
   sequence of the last event in it. */
gateway_feed_ring_found_t gateway_feed_ring_read (gateway_feed_ring_t *self, uint64_t *last,
                                                  size_t max, int wait_ms, char **text,
                                                  size_t *length);

/* Whether statistics answered the follower's last call. */
bool gateway_feed_ring_available (gateway_feed_ring_t *self);

#endif
