/*  bs_stream: producer and consumer of the reliable event streams; see
    bs_stream.h for the protocol.
*/
#include "bs_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_socket.h"

#define S_CONSUMERS_MAX 64 /* subscriptions one producer keeps */
#define S_SILENCE_BEATS 3  /* heartbeats of silence before giving up a peer */
#define S_FRAME_BYTES 65536 /* events sent in one frame, at most (but one) */
#define S_VIEWS_MAX 16      /* views one subscription gives (stream.subscribe's limit) */

/* Producer                                                               */

typedef struct {
    zframe_t *identity;  /* ROUTER identity of the consumer's socket */
    char key[BS_PEER_KEY_SIZE]; /* its certificate's public key */
    uint64_t next;       /* next sequence to send */
    uint64_t credit;     /* events it may still receive */
    uint64_t last_heard; /* monotonic ms of its last message */
    uint64_t last_sent;  /* monotonic ms of our last message to it */
    size_t figures;      /* its entry in the producer's consumers */
    bs_codec_cut_t *cuts[S_VIEWS_MAX]; /* what it reads of some types of event (its views) */
    size_t cut_count;         /* entries of cuts */
} s_subscription_t;

/* What the producer knows of one consumer, by the name it subscribed
   with; kept after its subscription is forgotten, so a consumer that
   stopped still shows how far behind it is (service.pong's consumers). */
typedef struct {
    bs_stream_consumer_t figures; /* name (owned), sent, committed; silent_ms when asked */
    uint64_t last_heard;          /* monotonic ms of its last message */
} s_consumer_t;

struct bs_producer {
    bs_config_t *config;                             /* not owned */
    bs_store_t *store;                               /* not owned */
    bs_keyring_t *keyring;                           /* not owned: who may subscribe */
    zsock_t *socket;                                 /* ROUTER, bound */
    bs_codec_limits_t limits;                        /* for control messages */
    uint64_t heartbeat;                              /* ms */
    uint64_t last;                                   /* last committed sequence */
    s_subscription_t subscriptions[S_CONSUMERS_MAX]; /* active consumers */
    size_t subscription_count;                       /* entries used */
    s_consumer_t consumers[S_CONSUMERS_MAX];         /* every consumer heard of, by name */
    bs_stream_consumer_t figures[S_CONSUMERS_MAX];   /* bs_producer_consumers' answer */
    size_t consumer_count;                           /* entries used */
    msgpack_sbuffer frame;                           /* the events of one frame */
};

bs_producer_t *
bs_producer_new (bs_config_t *config, const char *name, const char *endpoint, bs_store_t *store,
                 bs_keyring_t *keyring)
{
    bs_producer_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    self->store = store;
    self->keyring = keyring;
    self->limits = bs_codec_default_limits;
    self->limits.max_frame = 20480; /* a subscription with 16 views of 1 KiB, at most */
    self->heartbeat = bs_config_get_number (config, "heartbeat_ms");
    msgpack_sbuffer_init (&self->frame);
    self->socket = bs_socket_new (ZMQ_ROUTER, name, endpoint, BS_SOCKET_BIND, config);
    if (!self->socket) {
        free (self);
        return NULL;
    }
    MDB_txn *txn;
    bs_store_read_lock (store);
    if (bs_store_read_begin (store, &txn) == BS_OK) {
        bs_eventlog_last (store, txn, &self->last);
        mdb_txn_abort (txn);
    }
    bs_store_read_unlock (store);
    return self;
}

/* Drop the cuts of a subscription. */
static void
s_subscription_uncut (s_subscription_t *subscription)
{
    for (size_t i = 0; i < subscription->cut_count; i++)
        bs_codec_cut_destroy (&subscription->cuts[i]);
    subscription->cut_count = 0;
}

/* The cuts of a subscription from the views it subscribed with (each a
   type and the keys of its data the consumer reads); a view that cannot
   be made (memory short) is left out: its events come whole, which the
   consumer reads as well. */
static void
s_subscription_cut (s_subscription_t *subscription, const bs_list_t *views)
{
    s_subscription_uncut (subscription);
    const bs_stream_view_t *view = views->items;
    for (size_t i = 0; i < views->count && i < S_VIEWS_MAX; i++) {
        bs_codec_cut_t *cut = bs_codec_cut_new (view[i].type, view[i].fields);
        if (cut)
            subscription->cuts[subscription->cut_count++] = cut;
    }
}

static void
s_subscription_remove (bs_producer_t *self, size_t index)
{
    zframe_destroy (&self->subscriptions[index].identity);
    s_subscription_uncut (&self->subscriptions[index]);
    self->subscriptions[index] = self->subscriptions[--self->subscription_count];
}

void
bs_producer_destroy (bs_producer_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_producer_t *self = *self_p;
    while (self->subscription_count)
        s_subscription_remove (self, 0);
    for (size_t i = 0; i < self->consumer_count; i++)
        free (self->consumers[i].figures.name);
    zsock_destroy (&self->socket);
    msgpack_sbuffer_destroy (&self->frame);
    free (self);
    *self_p = NULL;
}

zsock_t *
bs_producer_socket (bs_producer_t *self)
{
    return self->socket;
}

uint64_t
bs_producer_last (bs_producer_t *self)
{
    return self->last;
}

bool
bs_producer_starved (bs_producer_t *self)
{
    for (size_t i = 0; i < self->subscription_count; i++)
        if (self->subscriptions[i].credit == 0)
            return true;
    return false;
}

bs_list_t
bs_producer_consumers (bs_producer_t *self)
{
    uint64_t now = bs_clock_monotonic ();
    for (size_t i = 0; i < self->consumer_count; i++) {
        self->figures[i] = self->consumers[i].figures;
        self->figures[i].silent_ms = now - self->consumers[i].last_heard;
    }
    return (bs_list_t){.count = self->consumer_count, .items = self->figures};
}

/* The entry of the consumer called name, made if new; S_CONSUMERS_MAX
   when the table is full (its figures are then not kept). */
static size_t
s_consumer_entry (bs_producer_t *self, const char *name)
{
    size_t i = 0;
    while (i < self->consumer_count && strcmp (self->consumers[i].figures.name, name) != 0)
        i++;
    if (i == self->consumer_count && i < S_CONSUMERS_MAX) {
        char *copy = strdup (name);
        if (!copy)
            return S_CONSUMERS_MAX;
        self->consumers[i] = (s_consumer_t){.figures = {.name = copy}};
        self->consumer_count++;
    }
    return i;
}

/* The figures of a subscription's consumer; NULL when the table was full. */
static s_consumer_t *
s_consumer_of (bs_producer_t *self, s_subscription_t *subscription)
{
    return subscription->figures < S_CONSUMERS_MAX ? &self->consumers[subscription->figures]
                                                    : NULL;
}

static s_subscription_t *
s_subscription_find (bs_producer_t *self, zframe_t *identity)
{
    for (size_t i = 0; i < self->subscription_count; i++)
        if (zframe_eq (self->subscriptions[i].identity, identity))
            return &self->subscriptions[i];
    return NULL;
}

static void
s_send_heartbeat (bs_producer_t *self, zframe_t *identity, bool unknown)
{
    bs_stream_heartbeat_t beat = {.last = self->last, .unknown = unknown};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (bs_codec_encode_message (&buffer, &bs_stream_heartbeat_schema, &beat, NULL, "stream",
                                 bs_clock_now (), 0)
        == BS_OK)
        bs_socket_send (self->socket, identity, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

/* Tell a consumer it may not read this stream. */
static void
s_send_refusal (bs_producer_t *self, zframe_t *identity, const char *why)
{
    bs_error_reply_t reply = {
        .code = (char *) bs_error_name (BS_E_DENIED), .field = "", .message = (char *) why};
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (bs_codec_encode_message (&buffer, &bs_error_reply_schema, &reply, NULL, "stream",
                                 bs_clock_now (), 0)
        == BS_OK)
        bs_socket_send (self->socket, identity, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

/* Whether the holder of key may read the stream: its certificate is still
   admitted and holds the role "stream". */
static bool
s_may_read (bs_producer_t *self, const char *key)
{
    bs_peer_t peer;
    return bs_keyring_find (self->keyring, key, &peer) == BS_OK
           && bs_peer_has_role (&peer, "stream");
}

/* End subscription i when its certificate is no longer admitted (revoked
   since it subscribed): a refusal, then nothing more, not even a
   heartbeat. True when it was ended. */
static bool
s_end_if_revoked (bs_producer_t *self, size_t i)
{
    s_subscription_t *subscription = &self->subscriptions[i];
    if (s_may_read (self, subscription->key))
        return false;
    bs_log_info ("stream: ended the subscription of key %s: no longer admitted",
                 subscription->key);
    s_send_refusal (self, subscription->identity, "this certificate was revoked");
    s_subscription_remove (self, i);
    return true;
}

static void
s_producer_handle (bs_producer_t *self, zmsg_t *message, const char *key)
{
    if (zmsg_size (message) != 2) {
        bs_log_warning ("stream: dropped a message of %zu frames (expected 2)",
                        zmsg_size (message));
        return;
    }
    zframe_t *identity = zmsg_first (message);
    zframe_t *payload = zmsg_next (message);
    bs_message_t control;
    bs_error_t error;
    if (bs_message_decode (zframe_data (payload), zframe_size (payload), &self->limits, &control,
                           &error)
        != BS_OK) {
        bs_log_warning ("stream: dropped a bad control message: %s", error.text);
        bs_message_clear (&control);
        return;
    }
    s_subscription_t *subscription = s_subscription_find (self, identity);
    uint64_t now = bs_clock_monotonic ();
    if (!s_may_read (self, key)) {
        bs_log_info ("stream: refused %s to key %s: its certificate has no role stream (or was "
                     "revoked)",
                     control.type, key);
        if (subscription)
            s_subscription_remove (self, (size_t) (subscription - self->subscriptions));
        s_send_refusal (self, identity, "this certificate may not read the stream");
    } else if (control.schema == &bs_stream_subscribe_schema) {
        const bs_stream_subscribe_t *subscribe = control.data;
        if (!subscription) {
            if (self->subscription_count == S_CONSUMERS_MAX) {
                bs_log_warning ("stream: refused a subscription: %d consumers already",
                                S_CONSUMERS_MAX);
                bs_message_clear (&control);
                return;
            }
            subscription = &self->subscriptions[self->subscription_count++];
            *subscription = (s_subscription_t){.identity = zframe_dup (identity)};
            snprintf (subscription->key, sizeof subscription->key, "%s", key);
        }
        subscription->next = subscribe->from;
        subscription->credit = subscribe->credit;
        s_subscription_cut (subscription, &subscribe->views);
        subscription->last_heard = now;
        subscription->last_sent = 0;
        subscription->figures =
            s_consumer_entry (self, subscribe->consumer && subscribe->consumer[0]
                                        ? subscribe->consumer
                                        : "unnamed");
        s_consumer_t *consumer = s_consumer_of (self, subscription);
        if (consumer) {
            consumer->figures.committed = subscribe->from - 1;
            consumer->last_heard = now;
        }
        bs_log_info ("stream: %s subscribed from %" PRIu64 " (last is %" PRIu64 ")",
                     subscribe->consumer ? subscribe->consumer : "a consumer", subscribe->from,
                     self->last);
    } else if (control.schema == &bs_stream_credit_schema) {
        const bs_stream_credit_t *credit = control.data;
        if (subscription) {
            subscription->credit += credit->credit;
            subscription->last_heard = now;
            s_consumer_t *consumer = s_consumer_of (self, subscription);
            if (consumer) {
                consumer->last_heard = now;
                if (credit->cursor) /* 0: it applied nothing yet, or it does not say */
                    consumer->figures.committed = credit->cursor;
            }
        } else
            s_send_heartbeat (self, identity, true);
    } else
        bs_log_warning ("stream: dropped an unexpected '%s' message", control.type);
    bs_message_clear (&control);
}

void
bs_producer_receive (bs_producer_t *self)
{
    for (int i = 0; i < 1000; i++) {
        char key[BS_PEER_KEY_SIZE];
        zmsg_t *message = bs_socket_receive_from (self->socket, key);
        if (!message)
            break;
        s_producer_handle (self, message, key);
        zmsg_destroy (&message);
    }
}

/* Append the stored event value to the frame of subscription: cut to
   what it reads when it said (bs_codec_envelope_cut), else whole. */
static int
s_frame_add (bs_producer_t *self, const s_subscription_t *subscription, const MDB_val *value)
{
    if (subscription->cut_count) {
        int rc = bs_codec_envelope_cut (value->mv_data, value->mv_size, subscription->cuts,
                                        subscription->cut_count, &self->frame);
        if (rc != BS_E_MALFORMED)
            return rc;
    }
    return msgpack_sbuffer_write (&self->frame, value->mv_data, value->mv_size) == 0
               ? BS_OK
               : BS_E_SYSTEM;
}

/* The pump proper, in a read transaction of the log. */
static void
s_pump (bs_producer_t *self, MDB_txn *txn)
{
    bs_eventlog_last (self->store, txn, &self->last);
    MDB_dbi log = bs_store_dbi (self->store, "log");
    MDB_cursor *cursor = NULL;
    if (mdb_cursor_open (txn, log, &cursor) != 0)
        return;
    uint64_t now = bs_clock_monotonic ();
    for (size_t i = 0; i < self->subscription_count; i++) {
        s_subscription_t *subscription = &self->subscriptions[i];
        if (subscription->credit == 0 || subscription->next > self->last)
            continue;
        if (s_end_if_revoked (self, i)) {
            i--; /* the next one moved into place i */
            continue;
        }
        unsigned char key_bytes[8];
        bs_store_key (subscription->next, key_bytes);
        MDB_val key = {8, key_bytes}, value;
        int rc = mdb_cursor_get (cursor, &key, &value, MDB_SET_RANGE);
        while (rc == 0 && subscription->credit > 0) {
            /* Events one after another into one frame, up to the credit
               and S_FRAME_BYTES (an event larger than that goes alone). */
            self->frame.size = 0;
            uint64_t count = 0, seq = 0;
            while (rc == 0 && count < subscription->credit) {
                size_t before = self->frame.size;
                if (s_frame_add (self, subscription, &value) != BS_OK)
                    break; /* out of memory: what fits goes, the rest at the next pump */
                if (count > 0 && self->frame.size > S_FRAME_BYTES) {
                    self->frame.size = before; /* it opens the next frame */
                    break;
                }
                seq = bs_store_key_value (key.mv_data);
                count++;
                rc = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
            }
            if (count == 0
                || bs_socket_send (self->socket, subscription->identity, self->frame.data,
                                   self->frame.size)
                       != BS_OK)
                break; /* pipe full or peer gone: credit and heartbeats sort it out */
            subscription->next = seq + 1;
            subscription->credit -= count;
            subscription->last_sent = now;
            s_consumer_t *consumer = s_consumer_of (self, subscription);
            if (consumer)
                consumer->figures.sent = seq;
        }
    }
    mdb_cursor_close (cursor);
    if (self->frame.alloc > 4 * S_FRAME_BYTES) {
        msgpack_sbuffer_destroy (&self->frame); /* one large event's: not kept */
        msgpack_sbuffer_init (&self->frame);
    }
}

/* The loop's thread reads the log while the service's writer thread may
   write it: the read lock keeps the map from being grown (remapped) under
   the cursor (bs_store_read_lock). */
void
bs_producer_pump (bs_producer_t *self)
{
    MDB_txn *txn = NULL;
    bs_store_read_lock (self->store);
    if (bs_store_read_begin (self->store, &txn) == BS_OK) {
        s_pump (self, txn);
        mdb_txn_abort (txn);
    }
    bs_store_read_unlock (self->store);
}

void
bs_producer_tick (bs_producer_t *self)
{
    uint64_t now = bs_clock_monotonic ();
    for (size_t i = 0; i < self->subscription_count;) {
        s_subscription_t *subscription = &self->subscriptions[i];
        if (now - subscription->last_heard > self->heartbeat * (S_SILENCE_BEATS + 2)) {
            bs_log_info ("stream: forgot a consumer silent for %" PRIu64 " ms",
                         now - subscription->last_heard);
            s_subscription_remove (self, i);
            continue;
        }
        if (now - subscription->last_sent >= self->heartbeat) {
            if (s_end_if_revoked (self, i))
                continue; /* a quiet stream tells a revoked reader nothing either */
            s_send_heartbeat (self, subscription->identity, false);
            subscription->last_sent = now;
        }
        i++;
    }
}

/* Consumer                                                               */

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
s_views_said (bs_consumer_t *self, bs_stream_view_t views[S_VIEWS_MAX])
{
    size_t count = 0;
    for (size_t i = 0; self->views && self->views[i] && count < S_VIEWS_MAX; i++) {
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
    bs_stream_view_t views[S_VIEWS_MAX];
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
    if (!self->socket || now - self->last_heard > self->heartbeat * S_SILENCE_BEATS) {
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
