/*  bs_service: the service loop with group commit, idempotent commands and
    reliable streams; see bs_service.h.
*/
#include "bs_service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_keyring.h"
#include "bs_keys.h"
#include "bs_latency.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_socket.h"
#include "bs_stream.h"
#include "bs_writer.h"
#include "bs_zap.h"

#define S_HANDLERS_MAX 64
#define S_CONSUMERS_MAX 4
#define S_TIMERS_MAX 8
#define S_DATABASES_MAX 32
#define S_KEYRING_RELOADERS "admin,service" /* who may send keyring.reload */

typedef struct {
    const bs_schema_t *schema; /* request type */
    bs_command_fn *fn;         /* handler */
    void *argument;            /* its argument */
    bool mutates;              /* idempotency applies */
    const char *roles;         /* a principal needs one of these (comma list), NULL: any */
} s_handler_t;

typedef struct {
    bs_consumer_t *consumer; /* the stream */
    bs_consume_fn *fn;       /* applies one event */
    void *argument;          /* its argument */
} s_consumption_t;

typedef struct {
    uint64_t interval; /* ms */
    uint64_t due;      /* monotonic ms of the next run, 0 before the first turn */
    bs_timer_fn *fn;   /* the work */
    void *argument;    /* its argument */
    bool running;      /* due in this turn */
} s_timer_t;

typedef struct {
    zframe_t *identity;         /* ROUTER identity of the client */
    bs_message_t message;       /* decoded request */
    bs_peer_t peer;             /* its sender */
    const s_handler_t *handler; /* NULL when the reply is already made */
    bs_request_t request;       /* reply buffer and code */
} s_pending_t;

typedef struct {
    s_pending_t *pending; /* batch_max requests */
    size_t count;         /* taken */
} s_batch_t;

struct bs_service {
    char name[32];                        /* "intake", ... */
    bs_config_t *config;                  /* not owned */
    bs_store_t *store;                    /* owned */
    bs_store_t *kept;                     /* owned: bs_service_open_kept, or NULL */
    bs_keyring_t *keyring;                /* owned: the certificates admitted */
    bool serving_zap;                     /* the ZAP handler admits to our domain */
    bs_codec_limits_t limits;             /* for requests */
    zsock_t *commands;                    /* ROUTER */
    bs_producer_t *producer;              /* NULL unless bs_service_produce */
    zsock_t *feed;                        /* PUB, NULL unless bs_service_feed */
    bool feeds;                           /* bs_service_feed was called */
    s_handler_t handlers[S_HANDLERS_MAX]; /* registered commands */
    size_t handler_count;
    s_consumption_t consumptions[S_CONSUMERS_MAX];
    size_t consumption_count;
    s_timer_t timers[S_TIMERS_MAX];
    size_t timer_count;
    s_batch_t batches[2];       /* the two below */
    s_batch_t *taking;          /* the loop receives and checks commands into it */
    s_batch_t *applying;        /* the writer's turn (or its last, answered) */
    size_t batch_max;           /* commands in one turn at most */
    bs_writer_t *writer;        /* the thread that applies and commits turns */
    uint64_t applying_since;    /* monotonic ms when the writer got its turn */
    zsock_t *deferred_inbox;    /* PULL: replies of deferred requests, from threads */
    char deferred_endpoint[64]; /* its inproc endpoint */
    zlist_t *feed_queue;        /* zframe_t *, sent after commit */
    bool emitted;               /* this turn appended events */
    bool careful;               /* this turn runs each step in a nested transaction */
    MDB_dbi idempotency;        /* (type, id) -> stored reply */
    MDB_dbi idempotency_expiry; /* (time, type, id) -> nothing, for the sweep */
    uint64_t now;               /* the applying turn's time */
    uint64_t started_at;        /* ms since epoch */
    uint64_t heartbeat;         /* ms */
    uint64_t next_tick;         /* monotonic ms */
    uint64_t next_reader_check; /* monotonic ms */
    uint64_t oversize_dropped;  /* commands over twice the limit, dropped unread */
    uint64_t turn_us;           /* the writer's last turn took (s_write_turn) */
    bs_latency_t commits;       /* every committed turn's turn_us (service.pong) */
};

static int s_idempotency_sweep (bs_service_t *self, MDB_txn *txn, uint64_t now, void *argument);
static int s_write_turn (void *argument);
static void s_batch_free (s_batch_t *batch);

/* The keyring from the keys folder, and the ZAP handler admitting what it
   admits to this service's sockets. */
static int
s_keyring_open (bs_service_t *self, bs_error_t *error)
{
    self->keyring = bs_keyring_open (self->config, self->store, error);
    if (!self->keyring)
        return error->code;
    int rc = bs_zap_serve (self->name, self->keyring);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "cannot admit clients to %s: %s", self->name,
                             rc == BS_E_CONFLICT ? "it already runs in this process"
                                                 : "no ZAP handler");
    self->serving_zap = true;
    return BS_OK;
}

static bs_store_options_t
s_store_options (bs_config_t *config)
{
    return (bs_store_options_t){
        .map_size = (size_t) bs_config_get_number (config, "map_size_mb") << 20,
        .map_size_max = (size_t) bs_config_get_number (config, "map_size_max_mb") << 20,
        .no_sync = bs_config_get_number (config, "no_sync") != 0,
    };
}

bs_service_t *
bs_service_new (const char *name, bs_config_t *config, const char *const *databases,
                bs_error_t *error)
{
    bs_service_t *self = calloc (1, sizeof *self);
    if (!self) {
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
        return NULL;
    }
    snprintf (self->name, sizeof self->name, "%s", name);
    self->config = config;
    self->limits = bs_config_codec_limits (config);
    /* A service may take bigger commands than the common bound (intake:
       batches and attachments): <name>.message_max_bytes. */
    char own_limit[96];
    snprintf (own_limit, sizeof own_limit, "%s.message_max_bytes", name);
    if (bs_config_get_number (config, own_limit) > 0)
        self->limits.max_frame = (size_t) bs_config_get_number (config, own_limit);
    self->heartbeat = bs_config_get_number (config, "heartbeat_ms");
    self->batch_max = bs_config_get_number (config, "batch_max");
    if (self->batch_max == 0)
        self->batch_max = 1;
    for (int i = 0; i < 2; i++)
        self->batches[i].pending = calloc (self->batch_max, sizeof (s_pending_t));
    self->taking = &self->batches[0];
    self->applying = &self->batches[1];
    self->feed_queue = zlist_new ();
    self->started_at = bs_clock_now ();

    const char *names[S_DATABASES_MAX + 5];
    size_t count = 0;
    for (; databases && databases[count] && count < S_DATABASES_MAX; count++)
        names[count] = databases[count];
    names[count++] = "cursors";
    names[count++] = "idempotency";
    names[count++] = "idempotency_expiry";
    names[count++] = "keyring";
    names[count] = NULL;
    bs_store_options_t options = s_store_options (config);
    char *path = bs_config_store_path (config, name);
    if (path)
        self->store = bs_store_new (path, names, &options, error);
    free (path);
    if (!self->batches[0].pending || !self->batches[1].pending || !self->feed_queue
        || !self->store) {
        bs_service_destroy (&self);
        return NULL;
    }
    self->idempotency = bs_store_dbi (self->store, "idempotency");
    self->idempotency_expiry = bs_store_dbi (self->store, "idempotency_expiry");
    bs_service_every (self, bs_config_get_number (config, "idempotency_sweep_ms"),
                      s_idempotency_sweep, NULL);
    if (s_keyring_open (self, error) != BS_OK) {
        bs_service_destroy (&self);
        return NULL;
    }
    self->writer = bs_writer_new (s_write_turn, self);
    if (!self->writer) {
        bs_error_set (error, BS_E_SYSTEM, "", "cannot start the writer thread");
        bs_service_destroy (&self);
        return NULL;
    }
    const char *endpoint = bs_config_bind_endpoint (config, name, "command");
    /* libzmq cuts the connection of a peer whose frame is over the
       socket's maximum, with no reply. So the socket takes up to twice the
       limit (and 64 KiB more): a frame between the limit and twice it gets
       a clear error reply from the codec; a larger one is dropped unread,
       logged and counted (service.pong's oversize_dropped), and one over
       the socket's maximum is cut off by libzmq, to bound memory.
       baosong's own clients refuse a frame over the limit before they send
       it (bs_client). */
    self->commands = bs_socket_new_sized (ZMQ_ROUTER, name, endpoint, BS_SOCKET_BIND, config,
                                          2 * self->limits.max_frame + 64 * 1024);
    if (!self->commands) {
        bs_error_set (error, BS_E_UNAVAILABLE, "command", "cannot bind %s", endpoint);
        bs_service_destroy (&self);
        return NULL;
    }
    self->deferred_inbox =
        bs_deferred_inbox_new (self->deferred_endpoint, sizeof self->deferred_endpoint);
    if (!self->deferred_inbox) {
        bs_error_set (error, BS_E_SYSTEM, "", "cannot bind an inbox for deferred replies");
        bs_service_destroy (&self);
        return NULL;
    }
    return self;
}

void
bs_service_destroy (bs_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bs_service_t *self = *self_p;
    bs_writer_destroy (&self->writer); /* first: it may be applying a turn */
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_destroy (&self->consumptions[i].consumer);
    bs_producer_destroy (&self->producer);
    zsock_destroy (&self->feed);
    zsock_destroy (&self->commands);
    zsock_destroy (&self->deferred_inbox);
    if (self->serving_zap)
        bs_zap_forget (self->name);
    bs_keyring_destroy (&self->keyring);
    if (self->feed_queue) {
        zframe_t *frame;
        while ((frame = zlist_pop (self->feed_queue)))
            zframe_destroy (&frame);
        zlist_destroy (&self->feed_queue);
    }
    for (int i = 0; i < 2; i++)
        s_batch_free (&self->batches[i]);
    bs_store_destroy (&self->store);
    bs_store_destroy (&self->kept);
    free (self);
    *self_p = NULL;
}

bs_store_t *
bs_service_open_kept (bs_service_t *self, const char *name, const char *const *databases,
                      bs_error_t *error)
{
    if (self->kept) {
        bs_error_set (error, BS_E_CONFLICT, "", "%s has its kept store already", self->name);
        return NULL;
    }
    bs_store_options_t options = s_store_options (self->config);
    char *path = bs_config_store_path (self->config, name);
    if (path)
        self->kept = bs_store_new (path, databases, &options, error);
    else
        bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    free (path);
    return self->kept;
}

int
bs_service_on (bs_service_t *self, const bs_schema_t *request, bs_command_fn *fn, void *argument,
               bool mutates)
{
    if (self->handler_count == S_HANDLERS_MAX)
        return BS_E_LIMIT;
    self->handlers[self->handler_count++] =
        (s_handler_t){.schema = request, .fn = fn, .argument = argument, .mutates = mutates};
    return BS_OK;
}

int
bs_service_allow (bs_service_t *self, const bs_schema_t *request, const char *roles)
{
    for (size_t i = 0; i < self->handler_count; i++)
        if (self->handlers[i].schema == request) {
            self->handlers[i].roles = roles;
            return BS_OK;
        }
    return BS_E_NOT_FOUND;
}

int
bs_service_produce (bs_service_t *self)
{
    const char *endpoint = bs_config_bind_endpoint (self->config, self->name, "stream");
    self->producer =
        bs_producer_new (self->config, self->name, endpoint, self->store, self->keyring);
    return self->producer ? BS_OK : BS_E_UNAVAILABLE;
}

int
bs_service_consume (bs_service_t *self, const char *upstream, bs_consume_fn *fn, void *argument)
{
    if (self->consumption_count == S_CONSUMERS_MAX)
        return BS_E_LIMIT;
    bs_consumer_t *consumer = bs_consumer_new (
        self->config, self->name, upstream, bs_config_endpoint (self->config, upstream, "stream"),
        self->store, bs_store_dbi (self->store, "cursors"));
    if (!consumer)
        return BS_E_STORAGE;
    self->consumptions[self->consumption_count++] =
        (s_consumption_t){.consumer = consumer, .fn = fn, .argument = argument};
    return BS_OK;
}

static int
s_feed_bind (bs_service_t *self)
{
    const char *endpoint = bs_config_bind_endpoint (self->config, self->name, "feed");
    self->feed = bs_socket_new (ZMQ_PUB, self->name, endpoint, BS_SOCKET_BIND, self->config);
    return self->feed ? BS_OK : BS_E_UNAVAILABLE;
}

int
bs_service_feed (bs_service_t *self)
{
    self->feeds = true;
    return s_feed_bind (self);
}

int
bs_service_every (bs_service_t *self, uint64_t interval_ms, bs_timer_fn *fn, void *argument)
{
    if (self->timer_count == S_TIMERS_MAX)
        return BS_E_LIMIT;
    /* due 0: the next turn sets it, so timers set up together keep one
       phase and run in the same turns however slow the setup was. */
    self->timers[self->timer_count++] =
        (s_timer_t){.interval = interval_ms, .due = 0, .fn = fn, .argument = argument};
    return BS_OK;
}

const char *
bs_service_name (bs_service_t *self)
{
    return self->name;
}

bs_config_t *
bs_service_config (bs_service_t *self)
{
    return self->config;
}

bs_store_t *
bs_service_store (bs_service_t *self)
{
    return self->store;
}

MDB_dbi
bs_service_dbi (bs_service_t *self, const char *name)
{
    return bs_store_dbi (self->store, name);
}

int
bs_service_emit (bs_service_t *self, MDB_txn *txn, const bs_schema_t *schema, const void *record,
                 uint64_t at)
{
    uint64_t seq;
    int rc = bs_eventlog_append (self->store, txn, schema, record, self->name, at, &seq);
    if (rc == BS_OK)
        self->emitted = true;
    return rc;
}

int
bs_service_publish (bs_service_t *self, const bs_schema_t *schema, const void *record)
{
    if (!self->feeds)
        return BS_OK; /* (not self->feed: the loop's, which a keyring reload binds anew) */
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    int rc = bs_codec_encode_message (&buffer, schema, record, NULL, self->name, self->now, 0);
    if (rc == BS_OK)
        zlist_append (self->feed_queue, zframe_new (buffer.data, buffer.size));
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

/* Replies                                                                */

/* Free the work a request deferred, if any: it will not start. */
static void
s_deferral_drop (bs_request_t *request)
{
    if (request->deferral.start && request->deferral.drop)
        request->deferral.drop (request->deferral.work);
    memset (&request->deferral, 0, sizeof request->deferral);
}

/* A reply (or a deferral) made by an earlier run of the handler in this
   turn is forgotten: each run starts afresh. */
static void
s_reply_reset (bs_request_t *request)
{
    s_deferral_drop (request);
    msgpack_sbuffer_destroy (&request->reply);
    msgpack_sbuffer_init (&request->reply);
    request->code = BS_OK;
}

int
bs_request_reply (bs_request_t *request, const bs_schema_t *schema, const void *record)
{
    s_reply_reset (request);
    return bs_codec_encode_message (&request->reply, schema, record, request->message->id,
                                    bs_service_name (request->service), request->now, 0);
}

static int
s_request_fail_text (bs_request_t *request, int code, const char *field, const char *text)
{
    s_reply_reset (request);
    bs_error_reply_t reply = {
        .code = (char *) bs_error_name (code), .field = (char *) field, .message = (char *) text};
    bs_codec_encode_message (&request->reply, &bs_error_reply_schema, &reply,
                             request->message ? request->message->id : "",
                             bs_service_name (request->service), request->now, 0);
    request->code = code;
    return code;
}

int
bs_request_defer (bs_request_t *request, bs_deferred_start_fn *start, bs_deferred_drop_fn *drop,
                  void *work)
{
    s_reply_reset (request);
    request->deferral.start = start;
    request->deferral.drop = drop;
    request->deferral.work = work;
    return BS_OK;
}

/* After the turn: start the deferred work of a request that has no reply
   of its own, with the reply it owes. */
static void
s_deferral_start (bs_service_t *self, zframe_t *identity, bs_request_t *request)
{
    bs_deferred_t *deferred = bs_deferred_new (self->deferred_endpoint, identity,
                                               request->message->id, self->name, request->now);
    if (!deferred) {
        bs_log_error ("out of memory: %s %s gets no reply (its client will ask again)",
                      request->message->type, request->message->id);
        s_deferral_drop (request);
        return;
    }
    request->deferral.start (deferred, request->deferral.work);
    memset (&request->deferral, 0, sizeof request->deferral);
}

int
bs_request_fail (bs_request_t *request, int code, const char *field, const char *format, ...)
{
    char text[BS_ERROR_TEXT_MAX * 2];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    return s_request_fail_text (request, code, field, text);
}

/* Taking requests                                                        */

static const s_handler_t *
s_handler_find (bs_service_t *self, const bs_schema_t *schema)
{
    for (size_t i = 0; i < self->handler_count; i++)
        if (self->handlers[i].schema == schema)
            return &self->handlers[i];
    return NULL;
}

static void
s_pending_clear (s_pending_t *pending)
{
    s_deferral_drop (&pending->request);
    zframe_destroy (&pending->identity);
    bs_message_clear (&pending->message);
    msgpack_sbuffer_destroy (&pending->request.reply);
    memset (pending, 0, sizeof *pending);
}

/* Whether the batch holds a command to apply (not only replies made). */
static bool
s_batch_has_commands (const s_batch_t *batch)
{
    for (size_t i = 0; i < batch->count; i++)
        if (batch->pending[i].handler)
            return true;
    return false;
}

static void
s_batch_free (s_batch_t *batch)
{
    for (size_t i = 0; batch->pending && i < batch->count; i++)
        s_pending_clear (&batch->pending[i]);
    free (batch->pending);
    batch->pending = NULL;
    batch->count = 0;
}

/* keyring.reload: read the keys folder again. A feed subscriber whose key
   is no longer admitted keeps its session on the PUB socket, which cannot
   refuse single messages, so the feed is bound anew: every subscriber
   connects again through the ZAP handler. */
static void
s_reload_keyring (bs_service_t *self, bs_request_t *request)
{
    const bs_keyring_reload_t *reload = request->message->data;
    char *folder = bs_keys_folder (self->config);
    size_t dropped = 0;
    bs_error_t error;
    int rc = folder ? bs_keyring_load (self->keyring, folder, &dropped, &error)
                    : bs_error_set (&error, BS_E_SYSTEM, "", "out of memory");
    free (folder);
    if (rc != BS_OK) {
        s_request_fail_text (request, rc, error.field, error.text);
        return;
    }
    bs_log_info ("reloaded the keyring (%s): %zu keys admitted, %zu revoked, %zu dropped",
                 reload->reason ? reload->reason : "asked", bs_keyring_admitted (self->keyring),
                 bs_keyring_revoked (self->keyring), dropped);
    if (dropped && self->feed) {
        zsock_destroy (&self->feed);
        for (int try = 0; try < 20 && s_feed_bind (self) != BS_OK; try++)
            zclock_sleep (50); /* the old listener closes in libzmq's own time */
    }
    bs_keyring_reloaded_t reply = {.admitted = bs_keyring_admitted (self->keyring),
                                   .revoked = bs_keyring_revoked (self->keyring)};
    bs_request_reply (request, &bs_keyring_reloaded_schema, &reply);
}

/* Decode one request into the batch, at time now. Bad ones get their
   error reply now and no handler; so does one whose sender's key is no
   longer admitted (revoked while connected). key is the sender's, from
   the ZAP handler. */
static void
s_take_request (bs_service_t *self, s_batch_t *batch, zmsg_t *message, const char *key,
                uint64_t now)
{
    if (zmsg_size (message) < 2) {
        bs_log_warning ("dropped a command with no payload frame");
        return;
    }
    /* Over twice the limit is no mistake of a client of ours (they refuse
       to send over the limit): it is not read, and gets no reply. */
    zmsg_first (message); /* the client's identity */
    for (zframe_t *frame = zmsg_next (message); frame; frame = zmsg_next (message))
        if (zframe_size (frame) > 2 * self->limits.max_frame) {
            self->oversize_dropped++;
            bs_log_warning ("dropped a command frame of %zu bytes unread (over twice the "
                            "limit of %zu; %" PRIu64 " dropped so far)",
                            zframe_size (frame), self->limits.max_frame, self->oversize_dropped);
            return;
        }
    s_pending_t *pending = &batch->pending[batch->count++];
    memset (pending, 0, sizeof *pending);
    pending->identity = zmsg_pop (message);
    zframe_t *payload = zmsg_first (message);
    bs_request_t *request = &pending->request;
    request->service = self;
    request->message = &pending->message;
    request->peer = &pending->peer;
    request->now = now;
    msgpack_sbuffer_init (&request->reply);
    if (zmsg_size (message) != 1) {
        bs_log_info ("refused a command of %zu frames: a client sends exactly one",
                     zmsg_size (message));
        s_request_fail_text (request, BS_E_MALFORMED, "",
                             "a command is exactly one frame holding one msgpack map");
        return;
    }
    bs_error_t error;
    if (bs_keyring_find (self->keyring, key, &pending->peer) != BS_OK) {
        bs_log_info ("refused a command from key %s: no longer in the keyring", key);
        s_request_fail_text (request, BS_E_DENIED, "",
                             "this connection's certificate is no longer admitted");
        return;
    }
    int rc = bs_message_decode (zframe_data (payload), zframe_size (payload), &self->limits,
                                &pending->message, &error);
    if (rc == BS_OK && pending->message.deadline && pending->message.deadline < now) {
        /* Its client has stopped waiting: acting now would act for nobody
           (and a retry, if any, carries the same id and a new deadline). */
        bs_log_info ("dropped %s %s: its client gave up %" PRIu64 " ms ago", pending->message.type,
                     pending->message.id, now - pending->message.deadline);
        s_pending_clear (pending);
        batch->count--;
        return;
    }
    if (rc == BS_OK)
        rc = bs_principal_acting (request->peer, &pending->message.principal, &request->principal,
                                  &error);
    if (rc == BS_E_UNKNOWN_TYPE)
        bs_error_set (&error, rc, "type", "%s has no command '%s'", self->name,
                      pending->message.type);
    /* A later envelope version may mean something else by the same
       fields: refuse it rather than guess. */
    if ((rc == BS_OK || rc == BS_E_UNKNOWN_TYPE) && pending->message.version != BS_ENVELOPE_VERSION)
        rc = bs_error_set (&error, BS_E_MALFORMED, "v",
                           "envelope version %u is not known here: %s speaks version %d",
                           pending->message.version, self->name, BS_ENVELOPE_VERSION);
    if (rc == BS_OK && pending->message.schema != &bs_ping_schema
        && pending->message.schema != &bs_keyring_reload_schema) {
        pending->handler = s_handler_find (self, pending->message.schema);
        if (!pending->handler)
            rc = bs_error_set (&error, BS_E_UNKNOWN_TYPE, "type", "%s has no command '%s'",
                               self->name, pending->message.type);
        else if (pending->handler->mutates && pending->message.id[0] == 0)
            rc = bs_error_set (&error, BS_E_INVALID, "id",
                               "'%s' changes state, so it needs an id (its idempotency key)",
                               pending->message.type);
        else if (pending->handler->roles
                 && !bs_principal_allowed (&request->principal, pending->handler->roles))
            rc = bs_error_set (&error, BS_E_DENIED, "principal", "%s '%s' may not %s: only %s may",
                               request->principal.kind, request->principal.who,
                               pending->message.type, pending->handler->roles);
    }
    /* Reading the keys folder again is for whoever manages the keys: an
       admin (`baosong cert`) or a service. */
    if (rc == BS_OK && pending->message.schema == &bs_keyring_reload_schema
        && !bs_principal_allowed (&request->principal, S_KEYRING_RELOADERS))
        rc = bs_error_set (&error, BS_E_DENIED, "principal", "%s '%s' may not %s: only %s may",
                           request->principal.kind, request->principal.who, pending->message.type,
                           S_KEYRING_RELOADERS);
    if (rc != BS_OK) {
        bs_log_info ("refused a command: %s (%s)", error.text, bs_error_name (rc));
        pending->handler = NULL;
        s_request_fail_text (request, rc, error.field, error.text);
    } else if (pending->message.schema == &bs_keyring_reload_schema)
        s_reload_keyring (self, request);
    else if (!pending->handler) { /* service.ping */
        uint64_t last = self->producer ? bs_producer_last (self->producer) : 0;
        bs_ping_reply_t pong = {
            .service = self->name,
            .pid = (uint64_t) getpid (),
            .started_at = self->started_at,
            .last_seq = last,
            .oversize_dropped = self->oversize_dropped,
            .commit_bounds_us = {BS_LATENCY_BOUNDS, (uint64_t *) bs_latency_bounds_us},
            .commit_counts = {BS_LATENCY_BOUNDS + 1, self->commits.counts},
            .commit_sum_us = self->commits.sum_us};
        bs_store_map_use (self->store, &pong.map_size, &pong.map_used);
        if (self->producer)
            pong.consumers = bs_producer_consumers (self->producer);
        bs_request_reply (request, &bs_ping_reply_schema, &pong);
    }
}

/* Feed messages queued by a turn that will not commit (as it is). */
static void
s_drop_feed (bs_service_t *self)
{
    zframe_t *frame;
    while ((frame = zlist_pop (self->feed_queue)))
        zframe_destroy (&frame);
}

/* The turn's transaction                                                 */

static bool
s_is_storage_failure (int code)
{
    return code == BS_E_MAP_FULL || code == BS_E_STORAGE || code == BS_E_DISK_FULL;
}

/* Returned by a step of a turn applied without a nested transaction
   when it failed: the turn is aborted and applied again, carefully. */
#define S_APPLY_CAREFULLY (-1)

/* Run one step of the turn (an event, a timer, a command) in txn.

   Carefully, each step runs in a nested transaction of its own,
   committed when it returns BS_OK and aborted otherwise, so a refused
   step leaves nothing behind while the others commit. That costs LMDB
   a nested transaction per step (a 2 MiB dirty list allocated and
   freed, the parent's dirty pages merged back): the most expensive
   thing a turn of small commands did. So a turn first runs its steps
   straight in the turn's transaction; when one of them fails, the whole
   turn is aborted and run again carefully (S_APPLY_CAREFULLY). Steps
   keep no state outside the transaction (bs_store_write runs them again
   after growing the map for the same reason), so the careful run is the
   one that would have run without this shortcut. Returns fn's code: a
   storage failure aborts the turn; another failure, carefully, is the
   step's alone. */
static int
s_step (bs_service_t *self, MDB_txn *txn, bs_store_write_fn *fn, void *argument)
{
    if (!self->careful) {
        int rc = fn (txn, argument);
        return rc == BS_OK || s_is_storage_failure (rc) ? rc : S_APPLY_CAREFULLY;
    }
    MDB_txn *child;
    int rc = mdb_txn_begin (mdb_txn_env (txn), txn, 0, &child);
    if (rc)
        return bs_store_error (rc, "begin a nested transaction");
    rc = fn (child, argument);
    if (rc != BS_OK) {
        mdb_txn_abort (child);
        return rc == S_APPLY_CAREFULLY ? BS_E_SYSTEM : rc; /* not ours: a step's own -1 */
    }
    rc = mdb_txn_commit (child);
    return rc ? bs_store_error (rc, "commit a nested transaction") : BS_OK;
}

typedef struct {
    bs_service_t *service;
    s_consumption_t *consumption;
    const bs_message_t *event;
} s_event_step_t;

static int
s_event_apply (MDB_txn *txn, void *argument)
{
    s_event_step_t *step = argument;
    return step->consumption->fn (step->service, txn, step->event, step->consumption->argument);
}

static int
s_apply_events (bs_service_t *self, MDB_txn *txn)
{
    for (size_t c = 0; c < self->consumption_count; c++) {
        s_consumption_t *consumption = &self->consumptions[c];
        size_t count = bs_consumer_pending (consumption->consumer);
        for (size_t i = 0; i < count; i++) {
            s_event_step_t step = {self, consumption, bs_consumer_event (consumption->consumer, i)};
            if (!step.event->schema)
                continue; /* a newer upstream's event type: not ours to apply */
            int rc = s_step (self, txn, s_event_apply, &step);
            if (rc == BS_OK)
                continue;
            if (s_is_storage_failure (rc) || rc == S_APPLY_CAREFULLY)
                return rc;
            /* An event our apply refuses is a defect upstream or here; it
               is logged loudly and passed over rather than stopping the
               stream for every later report. */
            bs_log_error ("skipped %s event %" PRIu64 " (%s): %s",
                          bs_consumer_upstream (consumption->consumer), step.event->seq,
                          step.event->type, bs_error_name (rc));
        }
        int rc = bs_consumer_store_cursor (consumption->consumer, txn);
        if (rc != BS_OK)
            return rc;
    }
    return BS_OK;
}

typedef struct {
    bs_service_t *service;
    s_timer_t *timer;
} s_timer_step_t;

static int
s_timer_apply (MDB_txn *txn, void *argument)
{
    s_timer_step_t *step = argument;
    return step->timer->fn (step->service, txn, step->service->now, step->timer->argument);
}

static int
s_apply_timers (bs_service_t *self, MDB_txn *txn)
{
    for (size_t i = 0; i < self->timer_count; i++) {
        s_timer_step_t step = {self, &self->timers[i]};
        if (!step.timer->running)
            continue;
        int rc = s_step (self, txn, s_timer_apply, &step);
        if (s_is_storage_failure (rc) || rc == S_APPLY_CAREFULLY)
            return rc;
        if (rc != BS_OK)
            bs_log_error ("timer failed: %s", bs_error_name (rc));
    }
    return BS_OK;
}

/* Store the reply under its key, and the key in the expiry index
   (8-byte big-endian time, then the key) so old keys can be swept in
   time order. */
static int
s_idempotency_put (bs_service_t *self, MDB_txn *txn, const char *key, bs_request_t *request)
{
    int rc =
        bs_store_put_bytes (txn, self->idempotency, key, request->reply.data, request->reply.size);
    if (rc != BS_OK)
        return rc;
    size_t length = strlen (key);
    unsigned char index[8 + BS_TYPE_MAX + BS_ID_MAX + 2];
    bs_store_key (request->now, index);
    memcpy (index + 8, key, length);
    MDB_val index_key = {8 + length, index}, empty = {0, ""};
    rc = mdb_put (txn, self->idempotency_expiry, &index_key, &empty, 0);
    return rc ? bs_store_error (rc, "index an idempotency key") : BS_OK;
}

/* The built-in timer: forget idempotency keys older than idempotency_days,
   oldest first, a bounded number per run so a turn stays short. A client
   retrying a command after that long gets it applied again. */
static int
s_idempotency_sweep (bs_service_t *self, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) argument;
    uint64_t keep = bs_config_get_number (self->config, "idempotency_days") * 24 * 3600 * 1000;
    if (keep == 0 || now < keep)
        return BS_OK;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->idempotency_expiry, &cursor);
    if (rc)
        return bs_store_error (rc, "sweep idempotency keys");
    MDB_val index, value;
    size_t swept = 0;
    int found = mdb_cursor_get (cursor, &index, &value, MDB_FIRST);
    while (found == 0 && swept < 10000 && index.mv_size > 8
           && bs_store_key_value (index.mv_data) < now - keep) {
        MDB_val key = {index.mv_size - 8, (unsigned char *) index.mv_data + 8};
        rc = mdb_del (txn, self->idempotency, &key, NULL);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = mdb_cursor_del (cursor, 0);
        if (rc) {
            mdb_cursor_close (cursor);
            return bs_store_error (rc, "forget an idempotency key");
        }
        swept++;
        found = mdb_cursor_get (cursor, &index, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    if (swept)
        bs_log_info ("forgot %zu idempotency keys older than %" PRIu64 " days", swept,
                     bs_config_get_number (self->config, "idempotency_days"));
    return BS_OK;
}

static int
s_idempotency_key (const bs_message_t *message, char *key, size_t size)
{
    return snprintf (key, size, "%s\x1f%s", message->type, message->id) < (int) size ? BS_OK
                                                                                     : BS_E_LIMIT;
}

typedef struct {
    s_pending_t *pending;
    const char *key; /* idempotency key, NULL when the command does not mutate */
} s_command_step_t;

/* The handler, and the reply stored under the idempotency key. */
static int
s_command_apply (MDB_txn *txn, void *argument)
{
    s_command_step_t *step = argument;
    bs_request_t *request = &step->pending->request;
    const s_handler_t *handler = step->pending->handler;
    s_reply_reset (request);
    request->txn = txn;
    int rc = handler->fn (request, handler->argument);
    if (rc == BS_OK && request->deferral.start && step->key)
        rc = bs_request_fail (request, BS_E_SYSTEM, "",
                              "a command that changes state cannot answer later");
    if (rc == BS_OK && request->reply.size == 0 && !request->deferral.start)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "the command gave no reply");
    if (rc == BS_OK && step->key)
        rc = s_idempotency_put (request->service, txn, step->key, request);
    return rc;
}

static int
s_apply_request (bs_service_t *self, MDB_txn *txn, s_pending_t *pending)
{
    bs_request_t *request = &pending->request;
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    s_reply_reset (request);
    request->now = self->now;
    if (pending->handler->mutates) {
        s_idempotency_key (&pending->message, key, sizeof key);
        const void *stored;
        size_t size;
        int rc = bs_store_get_bytes (txn, self->idempotency, key, &stored, &size);
        if (rc == BS_OK) {
            msgpack_sbuffer_write (&request->reply, stored, size);
            return BS_OK;
        }
        if (rc != BS_E_NOT_FOUND)
            return rc;
    }
    s_command_step_t step = {pending, pending->handler->mutates ? key : NULL};
    int rc = s_step (self, txn, s_command_apply, &step);
    if (rc == BS_OK || s_is_storage_failure (rc) || rc == S_APPLY_CAREFULLY)
        return rc;
    if (request->code == BS_OK) /* the handler failed without saying why */
        s_request_fail_text (request, rc, "", "the command failed");
    return BS_OK;
}

static int
s_apply_turn (MDB_txn *txn, void *argument)
{
    bs_service_t *self = argument;
    s_batch_t *batch = self->applying;
    self->emitted = false;
    s_drop_feed (self);
    int rc = s_apply_events (self, txn);
    if (rc == BS_OK)
        rc = s_apply_timers (self, txn);
    for (size_t i = 0; rc == BS_OK && i < batch->count; i++)
        if (batch->pending[i].handler)
            rc = s_apply_request (self, txn, &batch->pending[i]);
    return rc;
}

/* The writer's job (bs_writer.h): the applying turn in one write
   transaction, first straight, and carefully (a nested transaction per
   step) when a step failed (s_step). Runs in the writer's thread. */
static int
s_write_turn (void *argument)
{
    bs_service_t *self = argument;
    uint64_t began = bs_latency_clock ();
    self->careful = false;
    int rc = bs_store_write (self->store, s_apply_turn, self);
    if (rc == S_APPLY_CAREFULLY) {
        self->careful = true;
        rc = bs_store_write (self->store, s_apply_turn, self);
    }
    self->turn_us = bs_latency_clock () - began;
    return rc;
}

/* The loop

   Two threads share the work of a turn. The loop's thread owns every
   socket: it receives, decodes and checks commands, and sends replies,
   stream events and the feed. The writer's thread applies a turn and
   commits it (bs_writer.h). While the writer holds turn N, the loop takes
   the commands of turn N+1 and has sent the replies of turn N-1; turn N's
   replies leave only after its commit has returned, so nothing is
   acknowledged before it is on disk, and turns commit one after another
   in the order they were taken. What the writer reads besides its batch
   (the consumers' received events, the timers, the feed queue, the
   turn's time) the loop leaves alone until the turn is collected. */

static void
s_send_replies (bs_service_t *self, s_batch_t *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        s_pending_t *pending = &batch->pending[i];
        if (pending->request.reply.size
            && bs_socket_send (self->commands, pending->identity, pending->request.reply.data,
                               pending->request.reply.size)
                   != BS_OK)
            bs_log_debug ("a client left before its reply (it will retry)");
        else if (pending->request.reply.size == 0 && pending->request.deferral.start)
            s_deferral_start (self, pending->identity, &pending->request);
        s_pending_clear (pending);
    }
    batch->count = 0;
}

static int
s_poll_timeout (bs_service_t *self, int timeout_ms)
{
    uint64_t now = bs_clock_monotonic ();
    uint64_t next = self->next_tick;
    for (size_t i = 0; i < self->timer_count; i++)
        if (self->timers[i].due < next)
            next = self->timers[i].due;
    int until = next > now ? (int) (next - now) : 0;
    return until < timeout_ms ? until : timeout_ms;
}

/* Wait for any socket or a due timer, at most timeout_ms. While the
   writer has a turn, the wait is for its end, for commands while the
   next batch has room, and for the producer's consumers: the stream
   events and timers wait for the writer. BS_E_UNAVAILABLE when
   interrupted (a signal, or the context ends): no turn then. */
static int
s_wait (bs_service_t *self, int timeout_ms)
{
    bool writing = bs_writer_busy (self->writer);
    zmq_pollitem_t items[4 + S_CONSUMERS_MAX];
    size_t count = 0;
    if (self->taking->count < self->batch_max)
        items[count++] = (zmq_pollitem_t){zsock_resolve (self->commands), 0, ZMQ_POLLIN, 0};
    items[count++] = (zmq_pollitem_t){zsock_resolve (self->deferred_inbox), 0, ZMQ_POLLIN, 0};
    if (self->producer)
        items[count++] =
            (zmq_pollitem_t){zsock_resolve (bs_producer_socket (self->producer)), 0, ZMQ_POLLIN, 0};
    if (writing)
        items[count++] =
            (zmq_pollitem_t){zsock_resolve (bs_writer_socket (self->writer)), 0, ZMQ_POLLIN, 0};
    for (size_t i = 0; !writing && i < self->consumption_count; i++) {
        zsock_t *socket = bs_consumer_socket (self->consumptions[i].consumer);
        if (socket)
            items[count++] = (zmq_pollitem_t){zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
    }
    int timeout = writing ? timeout_ms : s_poll_timeout (self, timeout_ms);
    if (zmq_poll (items, (int) count, timeout) == -1) {
        if (errno == EINTR || errno == ETERM)
            return BS_E_UNAVAILABLE;
        bs_log_error ("poll failed: %s", zmq_strerror (errno));
        return BS_E_SYSTEM;
    }
    return BS_OK;
}

/* Take every command that has arrived, up to batch_max in the taking
   batch, received, decoded and checked at time now. What is answered
   already (a ping, a refusal) leaves at once: it waits for no commit. */
static void
s_take_commands (bs_service_t *self, uint64_t now)
{
    s_batch_t *batch = self->taking;
    while (batch->count < self->batch_max) {
        char key[BS_PEER_KEY_SIZE];
        zmsg_t *message = bs_socket_receive_from (self->commands, key);
        if (!message)
            break;
        size_t before = batch->count;
        s_take_request (self, batch, message, key, now);
        zmsg_destroy (&message);
        if (batch->count > before && !batch->pending[before].handler) {
            s_batch_t answered = {.pending = &batch->pending[before], .count = 1};
            s_send_replies (self, &answered);
            batch->count = before;
        }
    }
}

/* With the writer idle: every event the consumers have received, and the
   due timers. Whether the turn, with the commands taken, has anything to
   commit. */
static bool
s_take_events (bs_service_t *self, uint64_t monotonic)
{
    bool has_work = s_batch_has_commands (self->taking);
    for (size_t i = 0; i < self->consumption_count; i++) {
        bs_consumer_receive (self->consumptions[i].consumer);
        has_work |= bs_consumer_pending (self->consumptions[i].consumer) > 0;
    }
    for (size_t i = 0; i < self->timer_count; i++) {
        if (self->timers[i].due == 0)
            self->timers[i].due = monotonic + self->timers[i].interval;
        self->timers[i].running = self->timers[i].due <= monotonic;
        has_work |= self->timers[i].running;
    }
    return has_work;
}

/* What may leave only once the turn is on disk: the consumers' credit,
   the timers' next times, the feed. */
static void
s_after_commit (bs_service_t *self, uint64_t monotonic)
{
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_committed (self->consumptions[i].consumer);
    for (size_t i = 0; i < self->timer_count; i++)
        if (self->timers[i].running)
            self->timers[i].due = monotonic + self->timers[i].interval;
    zframe_t *frame;
    while ((frame = zlist_pop (self->feed_queue))) {
        if (self->feed)
            zframe_send (&frame, self->feed, ZFRAME_DONTWAIT);
        zframe_destroy (&frame);
    }
}

/* The turn could not commit: every command of it is answered with the
   error, nothing of it leaves. */
static void
s_after_failure (bs_service_t *self, int rc)
{
    bs_log_error ("the turn could not commit: %s; replying with the error", bs_error_name (rc));
    s_batch_t *batch = self->applying;
    for (size_t i = 0; i < batch->count; i++)
        if (batch->pending[i].handler)
            s_request_fail_text (&batch->pending[i].request, rc, "",
                                 rc == BS_E_DISK_FULL ? "the disk is full: nothing was stored"
                                                      : "the store failed: nothing was stored");
    s_drop_feed (self);
    zclock_sleep (100); /* do not spin on a failing disk */
}

/* Give the taking batch, with the events and timers taken, to the
   writer; the other batch, answered, takes the next commands. */
static int
s_hand_over (bs_service_t *self, uint64_t monotonic)
{
    s_batch_t *answered = self->applying;
    self->applying = self->taking;
    self->taking = answered;
    self->now = bs_clock_now ();
    self->applying_since = monotonic;
    return bs_writer_start (self->writer);
}

/* Collect the writer's turn once it has committed (waiting for it when
   wait is true): what waited for the commit leaves, or the error replies
   when it failed. */
static void
s_collect (bs_service_t *self, bool wait)
{
    int rc;
    if (bs_writer_finish (self->writer, wait, &rc) != BS_OK)
        return;
    if (rc == BS_OK) {
        bs_latency_add (&self->commits, self->turn_us);
        s_after_commit (self, self->applying_since);
    } else
        s_after_failure (self, rc);
    s_send_replies (self, self->applying);
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_grant (self->consumptions[i].consumer); /* credit used by duplicates */
}

/* Heartbeats on the streams and, now and then, stale reader slots. With
   the writer idle: a consumer may subscribe again (dropping the events it
   received; they come again). */
static void
s_tick (bs_service_t *self, uint64_t monotonic)
{
    if (monotonic < self->next_tick)
        return;
    self->next_tick = monotonic + self->heartbeat;
    if (self->producer)
        bs_producer_tick (self->producer);
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_tick (self->consumptions[i].consumer);
    if (monotonic >= self->next_reader_check) {
        self->next_reader_check =
            monotonic + bs_config_get_number (self->config, "reader_check_ms");
        bs_store_check_readers (self->store);
    }
}

/* One turn of the loop: collect the writer's turn if it has committed,
   take the commands that arrived, and, the writer idle, hand it the next
   turn. until_committed: return only once that turn is committed and
   answered. */
static int
s_turn (bs_service_t *self, int timeout_ms, bool until_committed)
{
    int rc = s_wait (self, timeout_ms);
    if (rc != BS_OK)
        return rc == BS_E_UNAVAILABLE ? BS_OK : rc;
    bs_deferred_forward (self->deferred_inbox, self->commands);
    if (bs_writer_busy (self->writer))
        s_collect (self, false);
    s_take_commands (self, bs_clock_now ());
    if (self->producer)
        bs_producer_receive (self->producer);
    if (!bs_writer_busy (self->writer)) {
        uint64_t monotonic = bs_clock_monotonic ();
        bool has_work = s_take_events (self, monotonic);
        s_tick (self, monotonic); /* after receiving: silence counts from what arrived */
        if (has_work)
            rc = s_hand_over (self, monotonic);
        else {
            s_send_replies (self, self->taking); /* pings and refusals: nothing to commit */
            for (size_t i = 0; i < self->consumption_count; i++)
                bs_consumer_grant (self->consumptions[i].consumer);
        }
        if (rc == BS_OK && until_committed && bs_writer_busy (self->writer))
            s_collect (self, true);
    } /* else a later turn hands the commands taken over */
    if (self->producer)
        bs_producer_pump (self->producer); /* what has committed, to consumers with credit */
    return rc;
}

int
bs_service_turn (bs_service_t *self, int timeout_ms)
{
    return s_turn (self, timeout_ms, true);
}

int
bs_service_run (bs_service_t *self)
{
    bs_log_info ("%s is serving on %s", self->name,
                 bs_config_bind_endpoint (self->config, self->name, "command"));
    self->next_reader_check =
        bs_clock_monotonic () + bs_config_get_number (self->config, "reader_check_ms");
    int rc = BS_OK;
    while (!zsys_interrupted && rc == BS_OK)
        rc = s_turn (self, (int) self->heartbeat, false);
    if (bs_writer_busy (self->writer))
        s_collect (self, true); /* its commit is done: answer it */
    if (rc == BS_OK)
        bs_log_info ("%s is stopping", self->name);
    return rc;
}
