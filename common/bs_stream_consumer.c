/*  bs_stream_consumer: the consumer of a reliable event stream: another
    service's event log received, taken in batches the service applies
    with its cursor in one transaction, and the credit granted back; see
    bs_stream.h for the protocol, bs_stream_producer.c for the other side.
*/
#include "bs_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_socket.h"
#include "bs_stream_state.h"

struct bs_consumer {
    bs_config_t *config;      /* not owned */
    bs_store_t *store;        /* not owned */
    MDB_dbi cursors;          /* database of cursors */
    char name[32];            /* this consumer's service, for the producer's log */
    char upstream[32];        /* upstream service name, the cursor's key */
    char endpoint[512];       /* upstream stream endpoint */
    zsock_t *socket;          /* DEALER, connected */
    bs_codec_limits_t limits; /* for events */
    const bs_schema_t *const *views; /* the events decoded by a view, or NULL */
    uint64_t window;          /* credit granted in all */
    uint64_t heartbeat;       /* ms */
    uint64_t cursor;          /* last applied sequence (durable) */
    uint64_t expected;        /* next sequence expected */
    uint64_t credit_owed;     /* credit to grant back (bs_consumer_grant) */
    uint64_t credit_left;     /* granted and not yet used by an event received: at
                                 least what the producer holds (some may be in flight) */
    uint64_t last_heard;      /* monotonic ms */
    uint64_t last_sent;       /* monotonic ms */
    bs_message_t *received;   /* received, not yet taken: window entries */
    size_t received_count;    /* entries used */
    bs_message_t *batch;      /* taken, applied until committed: window entries */
    size_t batch_count;       /* entries used; their credit was granted when taken */
};

static void
s_consumer_send (bs_consumer_t *self, const bs_schema_t *schema, const void *record)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (bs_codec_encode_message (&buffer, schema, record, NULL, "stream", bs_clock_now (), 0)
        == BS_OK)
        bs_socket_send (self->socket, NULL, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    self->last_sent = bs_clock_monotonic ();
}

static void
s_clear (bs_message_t *events, size_t *count)
{
    for (size_t i = 0; i < *count; i++)
        bs_message_clear (&events[i]);
    *count = 0;
}

/* The longest keys of one view a subscription tells (stream.view's
   limit, bs_proto.def). */
#define S_VIEW_BYTES 1024

/* A string this long at most is cut out of an event for less than the
   cut costs the producer (a walk of the event's keys: about what CurveZMQ
   takes to box and open a few hundred bytes). */
#define S_TEXT_SHORT 255

/* Whether view leaves out a field of its type's schema whole that may be
   long: a string longer than S_TEXT_SHORT, or bytes. */
static bool
s_view_leaves_text (const bs_schema_t *view, const bs_schema_t *whole)
{
    for (size_t i = 0; i < whole->field_count; i++) {
        const bs_field_t *field = &whole->fields[i];
        bool text = (field->type == BS_FIELD_STR && field->max > S_TEXT_SHORT)
                    || field->type == BS_FIELD_BIN;
        if (text && !bs_schema_field (view, field->name))
            return true;
    }
    return false;
}

/* What the consumer's views (bs_consumer_views) leave out, as a
   subscription tells it: for each view that leaves out a text
   (s_view_leaves_text), the type and the keys it reads (views[i].fields
   allocated). Returns the number of views filled; a view whose keys could
   not be put together is not told (its events then come whole). */
static size_t
s_views_said (bs_consumer_t *self, bs_stream_view_t views[BS_STREAM_VIEWS_MAX])
{
    size_t count = 0;
    for (size_t i = 0; self->views && self->views[i] && count < BS_STREAM_VIEWS_MAX; i++) {
        const bs_schema_t *view = self->views[i];
        const bs_schema_t *whole = bs_schema_lookup (view->type);
        if (!whole || !s_view_leaves_text (view, whole))
            continue; /* the cut would cost more than it saves */
        size_t size = 1;
        for (size_t j = 0; j < view->field_count; j++)
            size += view->fields[j].name_size + 1;
        char *fields = size <= S_VIEW_BYTES ? malloc (size) : NULL, *next = fields;
        if (!fields)
            continue;
        for (size_t j = 0; j < view->field_count; j++) {
            if (j)
                *next++ = ' ';
            memcpy (next, view->fields[j].name, view->fields[j].name_size);
            next += view->fields[j].name_size;
        }
        *next = 0;
        views[count++] = (bs_stream_view_t){.type = (char *) view->type, .fields = fields};
    }
    return count;
}

/* A new socket and a subscription from after the batch taken (being
   applied: it commits, or a later turn takes it again), or from the
   durable cursor. Events received but not taken are dropped: they will
   come again. */
static void
s_subscribe (bs_consumer_t *self)
{
    zsock_destroy (&self->socket);
    s_clear (self->received, &self->received_count);
    self->socket = bs_socket_new (ZMQ_DEALER, self->upstream, self->endpoint, BS_SOCKET_CONNECT,
                                  self->config);
    self->expected =
        (self->batch_count ? self->batch[self->batch_count - 1].seq : self->cursor) + 1;
    self->credit_owed = 0;
    self->credit_left = self->window;
    self->last_heard = bs_clock_monotonic ();
    if (!self->socket)
        return;
    bs_stream_view_t views[BS_STREAM_VIEWS_MAX];
    bs_stream_subscribe_t subscribe = {
        .from = self->expected,
        .credit = self->window,
        .consumer = (char *) self->name,
        .views = {s_views_said (self, views), views},
    };
    s_consumer_send (self, &bs_stream_subscribe_schema, &subscribe);
    for (size_t i = 0; i < subscribe.views.count; i++)
        free (views[i].fields);
}

bs_consumer_t *
bs_consumer_new (bs_config_t *config, const char *name, const char *upstream,
                 const char *endpoint, bs_store_t *store, MDB_dbi cursors_dbi)
{
    bs_consumer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->store = store;
    self->cursors = cursors_dbi;
    snprintf (self->name, sizeof self->name, "%s", name);
    snprintf (self->upstream, sizeof self->upstream, "%s", upstream);
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->limits = bs_config_codec_limits (config);
    self->window = bs_config_get_number (config, "stream_window");
    if (self->window == 0)
        self->window = 1;
    self->heartbeat = bs_config_get_number (config, "heartbeat_ms");
    self->received = calloc (self->window, sizeof *self->received);
    self->batch = calloc (self->window, sizeof *self->batch);
    MDB_txn *txn;
    bool read = false;
    bs_store_read_lock (store);
    if (self->received && self->batch && bs_store_read_begin (store, &txn) == BS_OK) {
        bs_store_get_u64 (txn, cursors_dbi, upstream, &self->cursor);
        mdb_txn_abort (txn);
        read = true;
    }
    bs_store_read_unlock (store);
    if (!read) {
        free (self->received);
        free (self->batch);
        free (self);
        return NULL;
    }
    bs_log_info ("stream: consuming %s from %" PRIu64, upstream, self->cursor + 1);
    s_subscribe (self);
    return self;
}

void
bs_consumer_destroy (bs_consumer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_consumer_t *self = *self_p;
    s_clear (self->received, &self->received_count);
    s_clear (self->batch, &self->batch_count);
    free (self->received);
    free (self->batch);
    zsock_destroy (&self->socket);
    free (self);
    *self_p = NULL;
}

zsock_t *
bs_consumer_socket (bs_consumer_t *self)
{
    return self->socket;
}

const char *
bs_consumer_upstream (bs_consumer_t *self)
{
    return self->upstream;
}

void
bs_consumer_views (bs_consumer_t *self, const bs_schema_t *const *views)
{
    if (views == self->views)
        return;
    self->views = views;
    /* The producer cuts what it sends by the views of the subscription:
       subscribe again with these, as after a gap (a new socket; nothing
       is lost: the events received and not taken come again). */
    s_subscribe (self);
}

uint64_t
bs_consumer_cursor (bs_consumer_t *self)
{
    return self->cursor;
}

size_t
bs_consumer_received (bs_consumer_t *self)
{
    return self->received_count;
}

bool
bs_consumer_ahead (bs_consumer_t *self)
{
    return self->socket && self->received_count < self->window
           && self->batch_count * 4 >= self->window;
}

size_t
bs_consumer_pending (bs_consumer_t *self)
{
    return self->batch_count;
}

const bs_message_t *
bs_consumer_event (bs_consumer_t *self, size_t index)
{
    return index < self->batch_count ? &self->batch[index] : NULL;
}

/* The envelope at the start of bytes, size bytes to the frame's end;
   *length its size. Returns false when the consumer had to subscribe
   again (the socket changed). */
static bool
s_consumer_handle (bs_consumer_t *self, const void *bytes, size_t size, size_t *length)
{
    bs_message_t message;
    bs_error_t error;
    int rc = bs_message_decode_next (bytes, size, &self->limits, self->views, &message, length,
                                     &error);
    if (rc != BS_OK && rc != BS_E_UNKNOWN_TYPE) {
        bs_log_error ("stream %s: undecodable message (%s); subscribing again", self->upstream,
                      error.text);
        bs_message_clear (&message);
        s_subscribe (self);
        return false;
    }
    if (message.schema == &bs_error_reply_schema) {
        bs_log_error ("stream %s refused us: %s", self->upstream,
                      ((bs_error_reply_t *) message.data)->message);
        bs_message_clear (&message);
        return true; /* silence follows: we ask again after three heartbeats */
    }
    if (message.schema == &bs_stream_heartbeat_schema) {
        bool unknown = ((bs_stream_heartbeat_t *) message.data)->unknown;
        bs_message_clear (&message);
        if (unknown) {
            bs_log_info ("stream %s: the producer lost our subscription; subscribing again",
                         self->upstream);
            s_subscribe (self);
            return false;
        }
        return true;
    }
    if (message.seq < self->expected) {
        self->credit_owed++; /* a duplicate still used a credit */
        self->credit_left -= self->credit_left > 0;
        bs_message_clear (&message);
        return true;
    }
    /* A gap, or more events than the window holds (more than the credit
       granted: a frame of events is not cut short to fit). */
    if (message.seq > self->expected || self->received_count == self->window) {
        bs_log_warning ("stream %s: expected %" PRIu64 ", got %" PRIu64
                        " with %zu events held; subscribing again",
                        self->upstream, self->expected, message.seq, self->received_count);
        bs_message_clear (&message);
        s_subscribe (self);
        return false;
    }
    self->received[self->received_count++] = message;
    self->expected++;
    self->credit_left -= self->credit_left > 0;
    return true;
}

/* A frame from the producer: one envelope, or several events one after
   another (bs_stream.h), each decoded in turn where it starts (no scan
   of each first to find its end: bs_message_decode_next). Returns false
   when the consumer had to subscribe again. */
static bool
s_consumer_frame (bs_consumer_t *self, zframe_t *frame)
{
    const unsigned char *bytes = zframe_data (frame);
    size_t size = zframe_size (frame), offset = 0;
    do {
        size_t length;
        if (!s_consumer_handle (self, bytes + offset, size - offset, &length))
            return false;
        offset += length;
    } while (offset < size);
    return true;
}

void
bs_consumer_receive (bs_consumer_t *self)
{
    /* Full, what is left waits in the socket: the credit granted when
       events are taken lets the producer send at most a window more. */
    while (self->socket && self->received_count < self->window) {
        zmsg_t *message = bs_socket_receive (self->socket);
        if (!message)
            break;
        if (zmsg_size (message) != 1) {
            bs_log_warning ("stream %s: dropped a message of %zu frames", self->upstream,
                            zmsg_size (message));
            zmsg_destroy (&message);
            continue;
        }
        self->last_heard = bs_clock_monotonic ();
        bool same_socket = s_consumer_frame (self, zmsg_first (message));
        zmsg_destroy (&message);
        if (!same_socket)
            break;
    }
}

int
bs_consumer_store_cursor (bs_consumer_t *self, MDB_txn *txn)
{
    if (self->batch_count == 0)
        return BS_OK;
    return bs_store_put_u64 (txn, self->cursors, self->upstream,
                             self->batch[self->batch_count - 1].seq);
}

/* Grant the credit owed; with always, also none, to tell the cursor. */
static void
s_grant (bs_consumer_t *self, bool always)
{
    if ((self->credit_owed || always) && self->socket) {
        bs_stream_credit_t credit = {.credit = self->credit_owed, .cursor = self->cursor};
        s_consumer_send (self, &bs_stream_credit_schema, &credit);
        self->credit_left += self->credit_owed;
        self->credit_owed = 0;
    }
}

/* Whether the credit of a batch just taken may wait for its commit, to
   go with the cursor in one message: the producer still holds credit for
   half a window or more, so it sends the next events meanwhile all the
   same. Live, a turn's batch is a few dozen events of a window of a
   thousand, and each consumer sent two messages a turn, the grant when
   it took the batch and the cursor after the commit: each a CurveZMQ
   message, an I/O thread's wake-up and a dozen system calls on both
   sides (bench/README.md). Catching up (a batch of half a window or
   more), the grant leaves at once, so the producer is not stalled. */
static bool
s_grant_waits (const bs_consumer_t *self)
{
    return self->credit_left * 2 >= self->window;
}

/* count events taken into the batch: their credit is owed, granted now
   unless it may wait for the batch's commit. */
static void
s_credit_owe (bs_consumer_t *self, size_t count)
{
    self->credit_owed += count;
    if (!s_grant_waits (self))
        s_grant (self, false);
}

size_t
bs_consumer_take (bs_consumer_t *self)
{
    if (self->batch_count || self->received_count == 0)
        return self->batch_count; /* a turn that did not commit takes its batch again */
    bs_message_t *taken = self->received;
    self->received = self->batch;
    self->batch = taken;
    self->batch_count = self->received_count;
    self->received_count = 0;
    s_credit_owe (self, self->batch_count);
    return self->batch_count;
}

bool
bs_consumer_live (bs_consumer_t *self)
{
    return self->socket && self->batch_count * 4 < self->window;
}

size_t
bs_consumer_take_more (bs_consumer_t *self)
{
    size_t count = self->received_count;
    if (count == 0 || self->batch_count + count > self->window)
        return 0;
    memcpy (&self->batch[self->batch_count], self->received, count * sizeof *self->received);
    self->batch_count += count;
    self->received_count = 0;
    s_credit_owe (self, count);
    return count;
}

void
bs_consumer_committed (bs_consumer_t *self)
{
    if (self->batch_count == 0) {
        s_grant (self, false);
        return;
    }
    self->cursor = self->batch[self->batch_count - 1].seq;
    s_clear (self->batch, &self->batch_count);
    s_grant (self, true); /* the batch's credit, if it waited, and the new cursor: the
                             producer's figures know it at once */
}

void
bs_consumer_grant (bs_consumer_t *self)
{
    s_grant (self, false);
}

void
bs_consumer_tick (bs_consumer_t *self)
{
    uint64_t now = bs_clock_monotonic ();
    if (!self->socket || now - self->last_heard > self->heartbeat * BS_STREAM_SILENCE_BEATS) {
        if (self->socket)
            bs_log_info ("stream %s: no word from the producer for %" PRIu64
                         " ms; subscribing again",
                         self->upstream, now - self->last_heard);
        s_subscribe (self);
        return;
    }
    if (now - self->last_sent >= self->heartbeat) {
        bs_stream_credit_t beat = {.credit = 0, .cursor = self->cursor};
        s_consumer_send (self, &bs_stream_credit_schema, &beat);
    }
}
