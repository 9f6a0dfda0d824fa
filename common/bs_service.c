/*  bs_service: a service's parts and their wiring: its store, sockets,
    keyring, writer thread, and what it registers (commands, streams,
    timers, the feed); see bs_service.h. The loop that runs them is
    bs_service_loop.c, the turn's transaction bs_service_apply.c, taking
    commands bs_service_take.c, replies bs_service_request.c, the feed
    bs_service_feed.c, the replies stored under idempotency keys
    bs_service_idempotency.c (their compact form bs_service_compact.c),
    the versions kept for them bs_service_versions.c; what they share is
    bs_service_state.h.
*/
#include "bs_service.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_keyring.h"
#include "bs_socket.h"
#include "bs_stream.h"
#include "bs_writer.h"
#include "bs_zap.h"
#include "bs_service_state.h"

#define S_DATABASES_MAX 32

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
        .journal = bs_config_get_number (config, "store.journal") != 0,
        .journal_checkpoint_ms = (int) bs_config_get_number (config, "store.journal_checkpoint_ms"),
        .fill_from = (size_t) bs_config_get_number (config, "store.fill_from_kb") << 10,
        .fill_from_set = true,
    };
}

/* <name>.key when it is set, or known and key is not set; else key. */
static uint64_t
s_own_number (bs_config_t *config, const char *name, const char *key)
{
    char own[96];
    snprintf (own, sizeof own, "%s.%s", name, key);
    bool set = bs_config_get (config, own)
               && (bs_config_is_set (config, own) || !bs_config_is_set (config, key));
    return bs_config_get_number (config, set ? own : key);
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
    pthread_mutex_init (&self->feed_lock, NULL);
    self->gather_stop = -1;
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
    /* <name>.consume_linger_ms, or consume_linger_ms for every service;
       the same for consume_gather_ms. */
    self->linger = s_own_number (config, name, "consume_linger_ms");
    if (self->linger > self->heartbeat / 2)
        self->linger = self->heartbeat / 2; /* the streams' sockets wait unread meanwhile */
    self->gather = s_own_number (config, name, "consume_gather_ms");
    if (self->gather > self->heartbeat / 2)
        self->gather = self->heartbeat / 2;
    if (self->gather)
        self->gather_stop = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (self->gather_stop < 0)
        self->gather = 0; /* no way to end a gather for a command: none */
    if (self->batch_max == 0)
        self->batch_max = 1;
    for (int i = 0; i < 2; i++) {
        self->batches[i].pending = calloc (self->batch_max, sizeof (bs_service_pending_t));
        self->batches[i].slots = self->batches[i].pending ? self->batch_max : 0;
    }
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
    size_t expiry_entries;
    if (bs_store_entries (self->store, "idempotency_expiry", &expiry_entries) != BS_OK) {
        bs_error_set (error, BS_E_STORAGE, "", "cannot read the idempotency keys' older index");
        bs_service_destroy (&self);
        return NULL;
    }
    self->expiry_apart = expiry_entries > 0;
    for (size_t i = 0; databases && databases[i]; i++)
        if (strcmp (databases[i], "versions_expiry") == 0) {
            self->versions = bs_store_dbi (self->store, "versions");
            self->versions_expiry = bs_store_dbi (self->store, "versions_expiry");
            self->keeps_versions = true;
        }
    bs_service_every (self, bs_config_get_number (config, "idempotency_sweep_ms"),
                      bs_service_idempotency_sweep, NULL);
    if (s_keyring_open (self, error) != BS_OK) {
        bs_service_destroy (&self);
        return NULL;
    }
    self->writer = bs_writer_new (bs_service_write_turn, self);
    if (!self->writer) {
        bs_error_set (error, BS_E_SYSTEM, "", "cannot start the writer thread");
        bs_service_destroy (&self);
        return NULL;
    }
    const char *endpoint = bs_config_bind_endpoint (config, name, "command");
    /* A command over the limit gets a `limit` error reply under its own
       id (bs_service_take), so its client's call ends at once rather than
       waiting out its timeout. To read it at all the socket must take it,
       so it takes up to four times the limit: libzmq holds a frame whole
       before handing it over, and cuts the connection of a peer whose
       frame is over the socket's maximum, with no reply, so the maximum
       bounds what one connection can make the service hold. baosong's own
       clients refuse a frame over the limit before they send it
       (bs_client). */
    self->commands = bs_socket_new_sized (ZMQ_ROUTER, name, endpoint, BS_SOCKET_BIND, config,
                                          4 * self->limits.max_frame);
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
    if (self->held.destroy)
        self->held.destroy (self->held.state);
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
        bs_service_batch_free (&self->batches[i]);
    msgpack_sbuffer_destroy (&self->compact);
    msgpack_sbuffer_destroy (&self->stored);
    msgpack_sbuffer_destroy (&self->published);
    msgpack_sbuffer_destroy (&self->encoding);
    bs_store_destroy (&self->store);
    bs_store_destroy (&self->kept);
    pthread_mutex_destroy (&self->feed_lock);
    if (self->gather_stop >= 0)
        close (self->gather_stop);
    free (self);
    *self_p = NULL;
}

msgpack_sbuffer *
bs_service_encoding (bs_service_t *self)
{
    return bs_service_writer_buffer (&self->encoding);
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
    if (self->handler_count == BS_SERVICE_HANDLERS_MAX)
        return BS_E_LIMIT;
    self->handlers[self->handler_count++] = (bs_service_handler_t){
        .schema = request, .fn = fn, .argument = argument, .mutates = mutates};
    return BS_OK;
}

void
bs_service_reply_texts (bs_service_t *self, bs_reply_texts_fn *fn)
{
    self->reply_texts = fn;
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
    if (self->consumption_count == BS_SERVICE_CONSUMERS_MAX)
        return BS_E_LIMIT;
    bs_consumer_t *consumer = bs_consumer_new (
        self->config, self->name, upstream, bs_config_endpoint (self->config, upstream, "stream"),
        self->store, bs_store_dbi (self->store, "cursors"));
    if (!consumer)
        return BS_E_STORAGE;
    bs_consumer_views (consumer, self->consume_views);
    self->consumptions[self->consumption_count++] =
        (bs_service_consumption_t){.consumer = consumer, .fn = fn, .argument = argument};
    return BS_OK;
}

void
bs_service_consume_views (bs_service_t *self, const bs_schema_t *const *views)
{
    self->consume_views = views;
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_views (self->consumptions[i].consumer, views);
}

int
bs_service_hold (bs_service_t *self, void *held, bs_held_write_fn *write, bs_held_fn *forget,
                 bs_held_fn *destroy)
{
    if (self->held.write)
        return BS_E_CONFLICT;
    self->held.state = held;
    self->held.write = write;
    self->held.forget = forget;
    self->held.destroy = destroy;
    return BS_OK;
}

void *
bs_service_held (bs_service_t *self)
{
    return self->held.state;
}

int
bs_service_feed (bs_service_t *self)
{
    self->feeds = true;
    return bs_service_feed_bind (self);
}

int
bs_service_every (bs_service_t *self, uint64_t interval_ms, bs_timer_fn *fn, void *argument)
{
    if (self->timer_count == BS_SERVICE_TIMERS_MAX)
        return BS_E_LIMIT;
    /* due 0: the next turn sets it, so timers set up together keep one
       phase and run in the same turns however slow the setup was. */
    self->timers[self->timer_count++] =
        (bs_service_timer_t){.interval = interval_ms, .due = 0, .fn = fn, .argument = argument};
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

MDB_dbi
bs_service_dbi_at (bs_service_t *self, size_t index)
{
    return bs_store_dbi_at (self->store, index);
}
