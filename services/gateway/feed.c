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
    statistics store was rebuilt) a fresh snapshot comes instead.

    Each connection holds a thread of the gateway (gateway.threads = 0, a
    thread per connection); it asks statistics for changes after the last
    one it sent, at once while there are more, otherwise every
    GATEWAY_FEED_POLL_MS, and writes a comment line when nothing happened
    for GATEWAY_FEED_KEEPALIVE_MS so that proxies and the connection
    timeout keep it open.
*/
#include "gateway.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"

#define GATEWAY_FEED_POLL_MS 100
#define GATEWAY_FEED_KEEPALIVE_MS 5000
#define GATEWAY_FEED_PAGE 500

typedef struct {
    gateway_t *gateway;
    uint64_t last;     /* sequence of the last change sent */
    bool snapshot;     /* a snapshot is owed before any change */
    char *text;        /* formatted events not yet handed to MHD */
    size_t size, sent; /* bytes in text, bytes already handed over */
    size_t capacity;
    uint64_t spoke_at; /* monotonic ms of the last bytes formatted */
} s_feed_t;

static bool s_append (s_feed_t *feed, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static bool
s_append (s_feed_t *feed, const char *format, ...)
{
    va_list arguments;
    va_start (arguments, format);
    int length = vsnprintf (NULL, 0, format, arguments);
    va_end (arguments);
    if (length < 0)
        return false;
    if (feed->size + (size_t) length + 1 > feed->capacity) {
        size_t capacity = (feed->size + (size_t) length + 1) * 2;
        char *grown = realloc (feed->text, capacity);
        if (!grown)
            return false;
        feed->text = grown;
        feed->capacity = capacity;
    }
    va_start (arguments, format);
    vsnprintf (feed->text + feed->size, (size_t) length + 1, format, arguments);
    va_end (arguments);
    feed->size += (size_t) length;
    feed->spoke_at = bs_clock_monotonic ();
    return true;
}

/* One SSE event: its name, id and the record as one line of JSON. */
static bool
s_event (s_feed_t *feed, const char *name, uint64_t id, const bs_schema_t *schema,
         const void *record)
{
    json_t *object = bs_json_from_record (schema, record);
    char *data = object ? json_dumps (object, JSON_COMPACT) : NULL;
    json_decref (object);
    bool ok = data
              && s_append (feed, "event: %s\nid: %llu\ndata: %s\n\n", name, (unsigned long long) id,
                           data);
    free (data);
    return ok;
}

/* Ask statistics for the snapshot or the changes after feed->last and
   format them. BS_OK (perhaps with nothing new), or the call's error. */
static int
s_fill (s_feed_t *feed, bool *more)
{
    bs_changes_request_t ask = {
        .after = feed->last, .limit = GATEWAY_FEED_PAGE, .snapshot = feed->snapshot};
    bs_changes_page_t page;
    bs_error_t error;
    gateway_request_t caller = {.gateway = feed->gateway};
    int rc = gateway_call (&caller, "statistics", NULL, &bs_changes_request_schema, &ask,
                           &bs_changes_page_schema, &page, &error);
    if (rc != BS_OK)
        return rc;
    *more = false;
    if (!feed->snapshot && (page.last < feed->last || feed->last + 1 < page.first))
        feed->snapshot = true; /* the log is shorter than what was seen, or what
                                  follows was pruned: start over */
    else if (feed->snapshot) {
        bs_list_t items = page.items;
        page.items = (bs_list_t){0, NULL}; /* (none: read in the snapshot's transaction) */
        if (!s_event (feed, "snapshot", page.last, &bs_changes_page_schema, &page))
            rc = BS_E_SYSTEM;
        page.items = items;
        feed->last = page.last;
        feed->snapshot = false;
        *more = true;
    } else {
        const bs_feed_item_t *items = page.items.items;
        for (size_t i = 0; rc == BS_OK && i < page.items.count; i++) {
            const bs_feed_item_t *item = &items[i];
            bool changed = item->changed.count == 1;
            if (!changed && item->escalated.count != 1)
                continue;
            if (!s_event (feed, changed ? "changed" : "escalated", item->seq,
                          changed ? &bs_stats_changed_schema : &bs_escalated_schema,
                          changed ? item->changed.items : item->escalated.items))
                rc = BS_E_SYSTEM;
            feed->last = item->seq;
        }
        *more = page.items.count == GATEWAY_FEED_PAGE;
    }
    bs_codec_record_free (&bs_changes_page_schema, &page);
    return rc;
}

/* MHD asks for the next bytes: hand over what is formatted, else wait for
   changes (or a keepalive) without returning empty-handed. */
static ssize_t
s_read (void *closure, uint64_t position, char *buffer, size_t max)
{
    (void) position;
    s_feed_t *feed = closure;
    while (feed->sent == feed->size) {
        feed->size = feed->sent = 0;
        bool more = false;
        int rc = s_fill (feed, &more);
        if (rc == BS_E_SYSTEM)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (feed->size > 0)
            break;
        uint64_t now = bs_clock_monotonic ();
        if (now - feed->spoke_at >= GATEWAY_FEED_KEEPALIVE_MS) {
            if (!s_append (feed, rc == BS_OK ? ": keepalive\n\n" : ": statistics unavailable\n\n"))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
        if (!more)
            zclock_sleep (rc == BS_OK ? GATEWAY_FEED_POLL_MS : 1000);
    }
    size_t length = feed->size - feed->sent < max ? feed->size - feed->sent : max;
    memcpy (buffer, feed->text + feed->sent, length);
    feed->sent += length;
    return (ssize_t) length;
}

static void
s_free (void *closure)
{
    s_feed_t *feed = closure;
    free (feed->text);
    free (feed);
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
    s_feed_t *feed = calloc (1, sizeof *feed);
    if (!feed)
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    feed->gateway = request->gateway;
    feed->snapshot = !s_last_event_id (request, &feed->last);
    feed->spoke_at = bs_clock_monotonic ();
    /* Reconnect after 2 s when the connection drops. */
    if (!s_append (feed, "retry: 2000\n\n")) {
        s_free (feed);
        return gateway_reply_error (request, 500, "system", "", "out of memory");
    }
    struct MHD_Response *response =
        MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 16 * 1024, s_read, feed, s_free);
    if (!response) {
        s_free (feed);
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
