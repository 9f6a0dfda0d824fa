/*  bs_stream_producer: the producer of a reliable event stream: a
    service's event log served to its consumers, within the credit they
    grant; see bs_stream.h for the protocol, bs_stream_consumer.c for the
    other side.
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

#define S_CONSUMERS_MAX 64 /* subscriptions one producer keeps */
#define S_FRAME_BYTES 65536 /* events sent in one frame, at most (but one) */

typedef struct {
    zframe_t *identity;  /* ROUTER identity of the consumer's socket */
    char key[BS_PEER_KEY_SIZE]; /* its certificate's public key */
    uint64_t next;       /* next sequence to send */
    uint64_t credit;     /* events it may still receive */
    uint64_t last_heard; /* monotonic ms of its last message */
    uint64_t last_sent;  /* monotonic ms of our last message to it */
    size_t figures;      /* its entry in the producer's consumers */
    bs_codec_cut_t *cuts[BS_STREAM_VIEWS_MAX]; /* what it reads of some types of event
                                                  (its views) */
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
    for (size_t i = 0; i < views->count && i < BS_STREAM_VIEWS_MAX; i++) {
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

size_t
bs_producer_receive (bs_producer_t *self)
{
    size_t count = 0;
    for (; count < 1000; count++) {
        char key[BS_PEER_KEY_SIZE];
        zmsg_t *message = bs_socket_receive_from (self->socket, key);
        if (!message)
            break;
        s_producer_handle (self, message, key);
        zmsg_destroy (&message);
    }
    return count;
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
        if (now - subscription->last_heard > self->heartbeat * (BS_STREAM_SILENCE_BEATS + 2)) {
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
