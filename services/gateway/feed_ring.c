/*  feed_ring: the feed's events read once for every page; see feed_ring.h. */
#include "feed_ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    uint64_t seq; /* the event's sequence in statistics' log */
    char *text;   /* its Server-Sent Event, owned */
    size_t length;
} s_event_t;

struct gateway_feed_ring {
    pthread_mutex_t lock;
    pthread_cond_t arrived;         /* events came, or the ring goes: pages wait on it */
    pthread_cond_t stop;            /* the ring goes: the follower pauses on it */
    s_event_t *events;              /* a circle of events_max slots */
    size_t events_max, bytes_max;   /* what the ring holds at most */
    size_t oldest, count, bytes;    /* the slot of the oldest; events and bytes held */
    uint64_t base;                  /* every event up to base is behind the ring */
    uint64_t log_last;              /* the log's end in statistics' last answer */
    uint64_t answers;               /* answers so far (a page waits for a fresh one) */
    bool available;                 /* statistics answered the last call */
    bool stopping;                  /* destroy has begun */
    gateway_feed_follow_fn *follow; /* the follower, and its argument */
    void *argument;
    pthread_t thread;
    bool started;
};

gateway_feed_ring_t *
gateway_feed_ring_new (size_t events_max, size_t bytes_max, gateway_feed_follow_fn *follow,
                       void *argument)
{
    gateway_feed_ring_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->events = calloc (events_max ? events_max : 1, sizeof *self->events);
    if (!self->events) {
        free (self);
        return NULL;
    }
    self->events_max = events_max ? events_max : 1;
    self->bytes_max = bytes_max;
    self->follow = follow;
    self->argument = argument;
    pthread_condattr_t attributes;
    pthread_condattr_init (&attributes);
    pthread_condattr_setclock (&attributes, CLOCK_MONOTONIC);
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->arrived, &attributes);
    pthread_cond_init (&self->stop, &attributes);
    pthread_condattr_destroy (&attributes);
    return self;
}

/* Drop the oldest event; base moves up to it. Under the lock. */
static void
s_drop_oldest (gateway_feed_ring_t *self)
{
    s_event_t *event = &self->events[self->oldest];
    self->base = event->seq;
    self->bytes -= event->length;
    free (event->text);
    *event = (s_event_t){0};
    self->oldest = (self->oldest + 1) % self->events_max;
    self->count--;
}

static void
s_clear (gateway_feed_ring_t *self)
{
    while (self->count > 0)
        s_drop_oldest (self);
}

void
gateway_feed_ring_destroy (gateway_feed_ring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_feed_ring_t *self = *self_p;
    pthread_mutex_lock (&self->lock);
    self->stopping = true;
    pthread_cond_broadcast (&self->stop);
    pthread_cond_broadcast (&self->arrived);
    bool started = self->started;
    pthread_mutex_unlock (&self->lock);
    if (started)
        pthread_join (self->thread, NULL);
    s_clear (self);
    free (self->events);
    pthread_cond_destroy (&self->arrived);
    pthread_cond_destroy (&self->stop);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

/* The deadline wait_ms from now, for pthread_cond_timedwait. */
static struct timespec
s_deadline (int wait_ms)
{
    struct timespec at;
    clock_gettime (CLOCK_MONOTONIC, &at);
    at.tv_sec += wait_ms / 1000;
    at.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

/* The follower's thread: call, pause as it asks, until the ring goes. */
static void *
s_follower (void *argument)
{
    gateway_feed_ring_t *self = argument;
    pthread_mutex_lock (&self->lock);
    while (!self->stopping) {
        pthread_mutex_unlock (&self->lock);
        int pause_ms = self->follow (self, self->argument);
        pthread_mutex_lock (&self->lock);
        if (pause_ms > 0 && !self->stopping) {
            struct timespec until = s_deadline (pause_ms);
            pthread_cond_timedwait (&self->stop, &self->lock, &until);
        }
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

bool
gateway_feed_ring_start (gateway_feed_ring_t *self)
{
    pthread_mutex_lock (&self->lock);
    if (!self->started && !self->stopping)
        self->started = pthread_create (&self->thread, NULL, s_follower, self) == 0;
    bool started = self->started;
    pthread_mutex_unlock (&self->lock);
    return started;
}

void
gateway_feed_ring_restart (gateway_feed_ring_t *self, uint64_t base)
{
    pthread_mutex_lock (&self->lock);
    s_clear (self);
    self->base = base;
    pthread_mutex_unlock (&self->lock);
}

bool
gateway_feed_ring_put (gateway_feed_ring_t *self, uint64_t seq, const char *text, size_t length)
{
    char *copy = malloc (length ? length : 1);
    bool out_of_memory = !copy;
    if (copy)
        memcpy (copy, text, length);
    pthread_mutex_lock (&self->lock);
    size_t newest = (self->oldest + self->count + self->events_max - 1) % self->events_max;
    bool behind = seq <= self->base || (self->count > 0 && seq <= self->events[newest].seq);
    if (out_of_memory) {
        s_clear (self);
        self->base = seq > self->base ? seq : self->base;
    } else if (!behind) {
        while (self->count > 0
               && (self->count == self->events_max || self->bytes + length > self->bytes_max))
            s_drop_oldest (self);
        size_t slot = (self->oldest + self->count) % self->events_max;
        self->events[slot] = (s_event_t){seq, copy, length};
        self->count++;
        self->bytes += length;
        copy = NULL;
    }
    pthread_mutex_unlock (&self->lock);
    free (copy); /* (an event behind the ring: not kept) */
    return !out_of_memory;
}

void
gateway_feed_ring_answered (gateway_feed_ring_t *self, uint64_t log_last)
{
    pthread_mutex_lock (&self->lock);
    self->log_last = log_last;
    self->answers++;
    self->available = true;
    pthread_cond_broadcast (&self->arrived);
    pthread_mutex_unlock (&self->lock);
}

void
gateway_feed_ring_unavailable (gateway_feed_ring_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->available = false;
    pthread_mutex_unlock (&self->lock);
}

bool
gateway_feed_ring_available (gateway_feed_ring_t *self)
{
    pthread_mutex_lock (&self->lock);
    bool available = self->available;
    pthread_mutex_unlock (&self->lock);
    return available;
}

/* The position (0: the oldest) of the first event held after last; count
   when there is none. Under the lock. */
static size_t
s_first_after (gateway_feed_ring_t *self, uint64_t last)
{
    size_t low = 0, high = self->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (self->events[(self->oldest + middle) % self->events_max].seq <= last)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

/* Copy the events from position first on, at most max bytes (at least
   one event). Under the lock. */
static bool
s_copy (gateway_feed_ring_t *self, size_t first, size_t max, uint64_t *last, char **text,
        size_t *length)
{
    size_t end = first, bytes = 0;
    while (end < self->count) {
        const s_event_t *event = &self->events[(self->oldest + end) % self->events_max];
        if (end > first && bytes + event->length > max)
            break;
        bytes += event->length;
        end++;
    }
    char *out = malloc (bytes ? bytes : 1);
    if (!out)
        return false;
    size_t at = 0;
    for (size_t position = first; position < end; position++) {
        const s_event_t *event = &self->events[(self->oldest + position) % self->events_max];
        memcpy (out + at, event->text, event->length);
        at += event->length;
        *last = event->seq;
    }
    *text = out;
    *length = bytes;
    return true;
}

gateway_feed_ring_found_t
gateway_feed_ring_read (gateway_feed_ring_t *self, uint64_t *last, size_t max, int wait_ms,
                        char **text, size_t *length)
{
    struct timespec until = s_deadline (wait_ms > 0 ? wait_ms : 0);
    gateway_feed_ring_found_t found = GATEWAY_FEED_RING_NOTHING;
    pthread_mutex_lock (&self->lock);
    /* Two answers after this point: the second was asked after the first
       came, so after the page learnt its last sequence. */
    uint64_t fresh = self->answers + 2;
    while (true) {
        if (*last < self->base) {
            found = GATEWAY_FEED_RING_MISSED;
            break;
        }
        size_t first = s_first_after (self, *last);
        if (first < self->count) {
            /* Without memory for the copy: say missed, and the page reads
               the log itself (it may have memory for that). */
            found = s_copy (self, first, max, last, text, length) ? GATEWAY_FEED_RING_EVENTS
                                                                  : GATEWAY_FEED_RING_MISSED;
            break;
        }
        if (*last > self->log_last && self->answers >= fresh) {
            found = GATEWAY_FEED_RING_MISSED;
            break;
        }
        if (self->stopping || wait_ms <= 0)
            break;
        if (pthread_cond_timedwait (&self->arrived, &self->lock, &until) == ETIMEDOUT)
            wait_ms = 0; /* one more look, then nothing */
    }
    pthread_mutex_unlock (&self->lock);
    return found;
}
