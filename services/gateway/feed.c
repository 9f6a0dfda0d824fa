/*  feed: GET /api/v1/statistics/feed, the live statistics for browsers as
    Server-Sent Events.

    The stream opens with a snapshot (event "snapshot": every unit's
    current month, basis decided, and the sequence it holds up to), then
    each change (event "changed": statistics.changed; "escalated":
    review.escalated) with its sequence in statistics' log as the event's
    id. A browser's EventSource reconnects by itself with Last-Event-ID
    (or a page passes ?last_event_id=N): it then gets exactly the changes
    after N, none missed, none twice, because they are read from
    statistics' durable log (statistics.changes), whichever gateway or
    statistics process serves it. When N is past the log's end (the
    statistics store was rebuilt) a fresh snapshot comes instead, and so
    it does when the changes after N were pruned from the log.

    The changes are read from the log once for every page: one follower
    thread per gateway asks statistics for the changes after the last it
    read (at once while there are more, otherwise as soon as statistics'
    PUB feed says something changed, and every gateway.feed_poll_ms when
    it says nothing), formats each as its event once and keeps the
    latest in a ring (feed_ring.h); each page copies what follows its last
    event from there. A page the ring cannot serve (it resumes from
    further back than the ring holds, or reads so slowly that the ring
    moved on) reads statistics' log itself, a page of changes at a time,
    until it has caught up, then takes from the ring again: a slow page
    costs its own reads and delays no other page. The snapshot is read by
    each page itself.

    Each connection holds a thread of the gateway (gateway.threads = 0, a
    thread per connection). A page writes a comment line when nothing
    happened for GATEWAY_FEED_KEEPALIVE_MS, so that proxies and the
    connection timeout keep it open. statistics not answering never ends a
    page: it says so in that comment and goes on when statistics is back.
    A page ends when its browser goes, or when the gateway runs out of
    memory for it (logged).
*/
#include "gateway.h"
#include "feed_ring.h"
#include "server.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_socket.h"

#define GATEWAY_FEED_POLL_MS 100 /* a page that reads the log itself, between reads */
#define GATEWAY_FEED_KEEPALIVE_MS 5000
#define GATEWAY_FEED_PAGE 500        /* changes asked of statistics at once */
#define GATEWAY_FEED_RING_MOST 20000 /* four seconds at 5,000 changes a second */
#define GATEWAY_FEED_RING_BYTES (64u << 20)
#define GATEWAY_FEED_READ_BYTES (256u << 10) /* what a page takes from the ring at once */

struct gateway_feed {
    gateway_t *gateway;        /* not owned */
    zsock_t *doorbell;         /* SUB to statistics' feed, the follower's thread's */
    bool doorbell_tried;       /* made once, on the follower's first call */
    int poll_ms;               /* gateway.feed_poll_ms: the longest wait for the doorbell */
    gateway_feed_ring_t *ring; /* the changes, formatted once */
    uint64_t after;            /* the follower's place: the last sequence read */
    bool started;              /* the follower knows where the log ends */
};

/* One open page. */
typedef struct {
    gateway_t *gateway;
    gateway_feed_ring_t *ring; /* NULL: no follower (read the log directly) */
    uint64_t last;             /* sequence of the last change sent */
    bool snapshot;             /* a snapshot is owed before any change */
    bool direct;               /* the ring cannot serve it: read the log */
    char *text;                /* formatted events not yet handed to MHD */
    size_t size, sent;         /* bytes in text, bytes already handed over */
    size_t capacity;
    uint64_t spoke_at; /* monotonic ms of the last bytes formatted */
} s_page_t;

static bool
s_append (s_page_t *page, const char *bytes, size_t length)
{
    if (page->size + length + 1 > page->capacity) {
        size_t capacity = (page->size + length + 1) * 2;
        char *grown = realloc (page->text, capacity);
        if (!grown)
            return false;
        page->text = grown;
        page->capacity = capacity;
    }
    memcpy (page->text + page->size, bytes, length);
    page->size += length;
    page->text[page->size] = 0;
    page->spoke_at = bs_clock_monotonic ();
    return true;
}

/* One SSE event: its name, id and the record as one line of JSON
   (malloc'd, the caller's; NULL without memory). */
static char *
s_event_text (const char *name, uint64_t id, const bs_schema_t *schema, const void *record)
{
    json_t *object = bs_json_from_record (schema, record);
    char *data = object ? json_dumps (object, JSON_COMPACT) : NULL;
    json_decref (object);
    char *text = NULL;
    if (data
        && asprintf (&text, "event: %s\nid: %llu\ndata: %s\n\n", name, (unsigned long long) id,
                     data)
               < 0)
        text = NULL;
    free (data);
    return text;
}

/* The event of a change in the log; NULL when it is neither a change nor
   an escalation (*skip) or without memory. */
static char *
s_item_text (const bs_feed_item_t *item, bool *skip)
{
    bool changed = item->changed.count == 1;
    *skip = !changed && item->escalated.count != 1;
    if (*skip)
        return NULL;
    return s_event_text (changed ? "changed" : "escalated", item->seq,
                         changed ? &bs_stats_changed_schema : &bs_escalated_schema,
                         changed ? item->changed.items : item->escalated.items);
}

static bool
s_append_event (s_page_t *page, char *text)
{
    bool ok = text && s_append (page, text, strlen (text));
    free (text);
    return ok;
}

/*  -------------------------------------------------------------------------- */
/*  The follower: statistics' log into the ring, for every page */

/* The doorbell: a SUB to statistics' PUB feed, made on the follower's
   first call (its thread's socket), before its first read of the log. */
static void
s_doorbell_open (gateway_feed_t *self)
{
    self->doorbell_tried = true;
    bs_config_t *config = gateway_config (self->gateway);
    self->poll_ms = (int) bs_config_get_number (config, "gateway.feed_poll_ms");
    self->doorbell =
        bs_socket_new (ZMQ_SUB, "statistics", bs_config_endpoint (config, "statistics", "feed"),
                       BS_SOCKET_CONNECT, config);
    if (self->doorbell)
        zsock_set_subscribe (self->doorbell, "");
    else
        bs_log_warning ("the live feed reads statistics' log every %d ms: its PUB feed cannot "
                        "be subscribed to",
                        self->poll_ms);
}

/* Wait until statistics' PUB feed says something changed, at most
   poll_ms, and take every message that came: a turn's messages leave as
   its commit begins, and the log holds them once it is committed, which a
   command sent now waits for (statistics applies commands in its turns,
   one after another). The messages themselves are not the pages' events:
   the log is, with its sequence and nothing missed. The pause is for what
   the doorbell may miss (sent while its connection was down: statistics
   restarting), and is all there is without it. */
static void
s_doorbell_wait (gateway_feed_t *self)
{
    if (!self->doorbell) {
        zclock_sleep (self->poll_ms);
        return;
    }
    zmq_pollitem_t item = {zsock_resolve (self->doorbell), 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, self->poll_ms) < 1)
        return;
    zmq_msg_t message;
    zmq_msg_init (&message);
    while (zmq_msg_recv (&message, zsock_resolve (self->doorbell), ZMQ_DONTWAIT) >= 0)
        ; /* every message that came: one read of the log answers them all */
    zmq_msg_close (&message);
}

static int
s_follow (gateway_feed_ring_t *ring, void *argument)
{
    gateway_feed_t *self = argument;
    if (!self->doorbell_tried)
        s_doorbell_open (self);
    bs_changes_request_t ask = {.after = self->started ? self->after : 0,
                                .limit = self->started ? GATEWAY_FEED_PAGE : 1};
    bs_changes_page_t page;
    bs_error_t error;
    gateway_request_t caller = {.gateway = self->gateway};
    if (gateway_call (&caller, "statistics", NULL, &bs_changes_request_schema, &ask,
                      &bs_changes_page_schema, &page, &error)
        != BS_OK) {
        gateway_feed_ring_unavailable (ring);
        return 1000;
    }
    bool full = false;
    if (!self->started || page.last < self->after || self->after + 1 < page.first) {
        /* The first answer, a log shorter than what was read (a rebuilt
           store), or one pruned past the follower: start at its end. */
        gateway_feed_ring_restart (ring, page.last);
        self->after = page.last;
        self->started = true;
    } else {
        const bs_feed_item_t *items = page.items.items;
        for (size_t i = 0; i < page.items.count; i++) {
            bool skip;
            char *text = s_item_text (&items[i], &skip);
            if (!skip && !(text && gateway_feed_ring_put (ring, items[i].seq, text, strlen (text))))
                gateway_feed_ring_restart (ring, items[i].seq); /* pages behind read the log */
            free (text);
            self->after = items[i].seq;
        }
        full = page.items.count == GATEWAY_FEED_PAGE;
        if (!full)
            self->after = page.last; /* the answer held the log to its end */
    }
    gateway_feed_ring_answered (ring, page.last);
    bs_codec_record_free (&bs_changes_page_schema, &page);
    if (!full)
        s_doorbell_wait (self);
    return 0;
}

gateway_feed_t *
gateway_feed_new (gateway_t *gateway)
{
    gateway_feed_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->gateway = gateway;
    self->ring =
        gateway_feed_ring_new (GATEWAY_FEED_RING_MOST, GATEWAY_FEED_RING_BYTES, s_follow, self);
    if (!self->ring)
        gateway_feed_destroy (&self);
    return self;
}

void
gateway_feed_destroy (gateway_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    gateway_feed_ring_destroy (&(*self_p)->ring); /* the follower stops first */
    zsock_destroy (&(*self_p)->doorbell);          /* its thread has ended */
    free (*self_p);
    *self_p = NULL;
}

/*  -------------------------------------------------------------------------- */
/*  A page */

/* Ask statistics for the snapshot or the changes after page->last and
   format them (*more: there may be more at once). BS_OK (perhaps with
   nothing new), or the call's error; *broken when the gateway has no
   memory to format them. */
static int
s_fill (s_page_t *page, bool *more, bool *broken)
{
    bs_changes_request_t ask = {
        .after = page->last, .limit = GATEWAY_FEED_PAGE, .snapshot = page->snapshot};
    bs_changes_page_t answer;
    bs_error_t error;
    gateway_request_t caller = {.gateway = page->gateway};
    int rc = gateway_call (&caller, "statistics", NULL, &bs_changes_request_schema, &ask,
                           &bs_changes_page_schema, &answer, &error);
    *more = false;
    if (rc != BS_OK)
        return rc;
    if (!page->snapshot && (answer.last < page->last || page->last + 1 < answer.first))
        page->snapshot = true; /* the log is shorter than what was seen, or what
                                  follows was pruned: start over */
    else if (page->snapshot) {
        bs_list_t items = answer.items;
        answer.items = (bs_list_t){0, NULL}; /* (none: read in the snapshot's transaction) */
        *broken = !s_append_event (
            page, s_event_text ("snapshot", answer.last, &bs_changes_page_schema, &answer));
        answer.items = items;
        page->last = answer.last;
        page->snapshot = false;
        *more = true;
    } else {
        const bs_feed_item_t *items = answer.items.items;
        for (size_t i = 0; !*broken && i < answer.items.count; i++) {
            bool skip;
            char *text = s_item_text (&items[i], &skip);
            if (!skip)
                *broken = !s_append_event (page, text);
            page->last = items[i].seq;
        }
        *more = answer.items.count == GATEWAY_FEED_PAGE;
    }
    bs_codec_record_free (&bs_changes_page_schema, &answer);
    return BS_OK;
}

/* Take the changes after page->last from the ring, waiting up to wait_ms;
   false without memory. */
static bool
s_from_ring (s_page_t *page, int wait_ms)
{
    char *text = NULL;
    size_t length = 0;
    switch (gateway_feed_ring_read (page->ring, &page->last, GATEWAY_FEED_READ_BYTES, wait_ms,
                                    &text, &length)) {
    case GATEWAY_FEED_RING_EVENTS: {
        bool ok = s_append (page, text, length);
        free (text);
        return ok;
    }
    case GATEWAY_FEED_RING_MISSED:
        page->direct = true;
        return true;
    case GATEWAY_FEED_RING_NOTHING:
        return true;
    }
    return true;
}

/* MHD asks for the next bytes: hand over what is formatted, else wait for
   changes (or a keepalive) without returning empty-handed. */
static ssize_t
s_read (void *closure, uint64_t position, char *buffer, size_t max)
{
    (void) position;
    s_page_t *page = closure;
    while (page->sent == page->size) {
        page->size = page->sent = 0;
        bool answered = true, more = false, broken = false;
        uint64_t quiet = bs_clock_monotonic () - page->spoke_at;
        if (page->snapshot || page->direct || !page->ring) {
            answered = s_fill (page, &more, &broken) == BS_OK;
            if (answered && !more)
                page->direct = false; /* caught up: the ring again */
        } else {
            int wait_ms =
                quiet < GATEWAY_FEED_KEEPALIVE_MS ? (int) (GATEWAY_FEED_KEEPALIVE_MS - quiet) : 0;
            broken = !s_from_ring (page, wait_ms);
            answered = gateway_feed_ring_available (page->ring);
            more = page->direct;
        }
        if (broken) {
            bs_log_warning ("statistics feed: out of memory; a page is closed after change %llu",
                            (unsigned long long) page->last);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (page->size > 0)
            break;
        if (bs_clock_monotonic () - page->spoke_at >= GATEWAY_FEED_KEEPALIVE_MS) {
            const char *comment = answered ? ": keepalive\n\n" : ": statistics unavailable\n\n";
            if (!s_append (page, comment, strlen (comment)))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
        if (!more && (page->direct || !page->ring || !answered))
            zclock_sleep (answered ? GATEWAY_FEED_POLL_MS : 1000);
    }
    size_t length = page->size - page->sent < max ? page->size - page->sent : max;
    memcpy (buffer, page->text + page->sent, length);
    page->sent += length;
    return (ssize_t) length;
}

static void
s_free (void *closure)
{
    s_page_t *page = closure;
    free (page->text);
    free (page);
}

/* The sequence the browser has: Last-Event-ID, or ?last_event_id=. */
static bool
s_last_event_id (gateway_request_t *request, uint64_t *last)
{
    const char *text = gateway_header (request, "Last-Event-ID");
    if (!text || !*text)
        text = gateway_query (request, "last_event_id");
    if (!text || !*text)
        return false;
    char *end;
    errno = 0;
    unsigned long long value = strtoull (text, &end, 10);
    if (errno || *end || text[0] < '0' || text[0] > '9')
        return false;
    *last = value;
    return true;
}

enum MHD_Result
gateway_statistics_feed (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    if (bs_config_get_number (gateway_config (request->gateway), "gateway.threads") != 0)
        return gateway_reply_error (request, 503, "unavailable", "",
                                    "the live feed needs a thread per connection "
                                    "(gateway.threads = 0)");
    s_page_t *page = calloc (1, sizeof *page);
    if (!page)
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    page->gateway = request->gateway;
    gateway_feed_t *feed = request->gateway->feed;
    if (feed && gateway_feed_ring_start (feed->ring))
        page->ring = feed->ring;
    page->snapshot = !s_last_event_id (request, &page->last);
    page->spoke_at = bs_clock_monotonic ();
    /* Reconnect after 2 s when the connection drops. */
    static const char retry[] = "retry: 2000\n\n";
    if (!s_append (page, retry, strlen (retry))) {
        s_free (page);
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    }
    struct MHD_Response *response =
        MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 16 * 1024, s_read, page, s_free);
    if (!response) {
        s_free (page);
        return MHD_NO;
    }
    MHD_add_response_header (response, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header (response, "Cache-Control", "no-cache");
    MHD_add_response_header (response, "X-Accel-Buffering", "no");
    request->status = 200;
    enum MHD_Result result = MHD_queue_response (request->connection, 200, response);
    MHD_destroy_response (response);
    return result;
}
