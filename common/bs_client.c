/*  bs_client: request/reply with idempotent retries; see bs_client.h. */
#include "bs_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_keys.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_socket.h"

struct bs_client {
    bs_config_t *config;      /* not owned */
    char service[32];         /* service name, for messages */
    char source[32];          /* envelope src */
    char endpoint[512];       /* its command endpoint */
    zsock_t *socket;          /* DEALER, NULL until first use */
    bs_codec_limits_t limits; /* for replies */
    int timeout;              /* ms per try */
    int tries;                /* tries in all */
    bs_principal_t principal; /* who acts, sent with every call; who "" = none */
    size_t request_max;       /* bytes of the largest command the service takes */
    bs_clock_id_pool_t ids;   /* random bits of the calls' ids */
};

bs_client_t *
bs_client_new (bs_config_t *config, const char *service, const char *source)
{
    bs_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = config;
    snprintf (self->service, sizeof self->service, "%s", service);
    snprintf (self->source, sizeof self->source, "%s", source);
    snprintf (self->endpoint, sizeof self->endpoint, "%s",
              bs_config_endpoint (config, service, "command"));
    self->limits = bs_config_codec_limits (config);
    self->limits.max_frame = 64 << 20; /* replies come from our own services */
    /* The largest command the service takes (as bs_service_new reads it):
       a larger one is refused here, with a clear error, before it is sent
       to a socket that would cut the connection. */
    char own_limit[96];
    snprintf (own_limit, sizeof own_limit, "%s.message_max_bytes", service);
    self->request_max = (size_t) bs_config_get_number (config, own_limit);
    if (self->request_max == 0)
        self->request_max = (size_t) bs_config_get_number (config, "max_message_bytes");
    self->timeout = (int) bs_config_get_number (config, "request_timeout_ms");
    self->tries = 1 + (int) bs_config_get_number (config, "request_retries");
    return self;
}

void
bs_client_destroy (bs_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy (&(*self_p)->socket);
    free (*self_p);
    *self_p = NULL;
}

void
bs_client_set_principal (bs_client_t *self, const bs_principal_t *principal)
{
    if (principal)
        self->principal = *principal;
    else
        memset (&self->principal, 0, sizeof self->principal);
}

void
bs_client_set_patience (bs_client_t *self, int timeout_ms, int tries)
{
    self->timeout = timeout_ms;
    self->tries = tries < 1 ? 1 : tries;
}

/* Wait for the reply whose id is id; replies to earlier tries are dropped.
   A blocking receive with the time left as its timeout, not a poll and
   then a receive: libzmq's poll of one socket costs three more system
   calls a reply, and the reply is decoded from the message as received
   (no copy into a zmsg). A reply has one frame; more are dropped. The
   data of view's type (the reply schema the caller gave, which may be a
   bs_schema_view) is decoded by it. */
static int
s_wait_reply (bs_client_t *self, const char *id, int timeout, const bs_schema_t *view,
              bs_message_t *reply, bs_error_t *error)
{
    const bs_schema_t *const views[] = {view, NULL};
    void *handle = zsock_resolve (self->socket);
    uint64_t deadline = bs_clock_monotonic () + (uint64_t) timeout;
    while (true) {
        uint64_t now = bs_clock_monotonic ();
        if (now >= deadline)
            return BS_E_TIMEOUT;
        int wait = (int) (deadline - now);
        zmq_setsockopt (handle, ZMQ_RCVTIMEO, &wait, sizeof wait);
        zmq_msg_t message;
        zmq_msg_init (&message);
        if (zmq_msg_recv (&message, handle, 0) == -1) {
            zmq_msg_close (&message);
            if (errno == EAGAIN)
                continue;
            return bs_error_set (error, BS_E_SYSTEM, "", "interrupted");
        }
        bool more = zmq_msg_more (&message);
        int rc = bs_message_decode_view (zmq_msg_data (&message), zmq_msg_size (&message),
                                         &self->limits, views, reply, error);
        zmq_msg_close (&message);
        while (more) { /* the rest of a message arrives with its first frame */
            zmq_msg_t rest;
            zmq_msg_init (&rest);
            more = zmq_msg_recv (&rest, handle, ZMQ_DONTWAIT) != -1 && zmq_msg_more (&rest);
            zmq_msg_close (&rest);
        }
        if (rc == BS_OK && strcmp (reply->id, id) == 0)
            return BS_OK;
        bs_message_clear (reply);
        if (rc != BS_OK && rc != BS_E_UNKNOWN_TYPE) {
            bs_error_t cause = *error; /* bs_error_set must not read what it writes */
            return bs_error_set (error, rc, cause.field, "%s sent a bad reply: %s", self->service,
                                 cause.text);
        }
    }
}

int
bs_client_call_with_id (bs_client_t *self, const char *id, const bs_schema_t *request_schema,
                        const void *request, const bs_schema_t *reply_schema, void *reply,
                        bs_error_t *error)
{
    bs_error_clear (error);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    bs_message_t answer = {0};
    int rc = BS_E_TIMEOUT;
    for (int try = 0; try < self->tries && rc == BS_E_TIMEOUT; try++) {
        /* Each try says when this client stops waiting for it: a service
           that takes it later drops it rather than act for nobody. */
        uint64_t now = bs_clock_now ();
        bs_envelope_t envelope = {.id = id,
                                  .src = self->source,
                                  .at = now,
                                  .deadline = now + (uint64_t) self->timeout,
                                  .principal = &self->principal};
        msgpack_sbuffer_clear (&buffer);
        rc = bs_codec_encode_command (&buffer, request_schema, request, &envelope);
        if (rc != BS_OK) {
            msgpack_sbuffer_destroy (&buffer);
            return bs_error_set (error, rc, "", "cannot encode the request");
        }
        if (buffer.size > self->request_max) {
            size_t size = buffer.size;
            msgpack_sbuffer_destroy (&buffer);
            return bs_error_set (error, BS_E_LIMIT, "",
                                 "the command has %zu bytes; %s takes at most %zu "
                                 "(max_message_bytes, %s.message_max_bytes)",
                                 size, self->service, self->request_max, self->service);
        }
        rc = BS_E_TIMEOUT;
        if (!self->socket)
            self->socket = bs_socket_new_sized (ZMQ_DEALER, self->service, self->endpoint,
                                                BS_SOCKET_CONNECT, self->config,
                                                self->limits.max_frame);
        if (!self->socket) {
            int cause = errno;
            msgpack_sbuffer_destroy (&buffer);
            if (cause == ENOENT)
                return bs_error_set (error, BS_E_UNAVAILABLE, "certificate",
                                     "%s is not answering at %s: a certificate it needs is "
                                     "missing from the keys folder (`baosong up` or `baosong "
                                     "init` makes them)",
                                     self->service, self->endpoint);
            return bs_error_set (error, BS_E_UNAVAILABLE, "",
                                 "%s cannot be called at %s now: %s", self->service,
                                 self->endpoint,
                                 cause == EMFILE ? "this process has as many ZeroMQ sockets as "
                                                   "it may open"
                                                 : strerror (cause));
        }
        zmq_send (zsock_resolve (self->socket), buffer.data, buffer.size, ZMQ_DONTWAIT);
        rc = s_wait_reply (self, id, self->timeout, reply_schema, &answer, error);
        if (rc == BS_E_TIMEOUT)
            zsock_destroy (&self->socket); /* Lazy Pirate: a fresh socket per try */
    }
    msgpack_sbuffer_destroy (&buffer);
    if (rc == BS_E_TIMEOUT || rc == BS_E_UNAVAILABLE)
        return bs_error_set (error, BS_E_UNAVAILABLE, "",
                             "%s is not answering at %s (is `baosong up` running? does its "
                             "keyring admit certificate %s?)",
                             self->service, self->endpoint, bs_keys_own_name (self->config));
    if (rc != BS_OK)
        return rc;
    if (answer.schema == &bs_error_reply_schema) {
        const bs_error_reply_t *failure = answer.data;
        rc = bs_error_set (error, bs_error_code (failure->code), failure->field, "%s",
                           failure->message);
        bs_error_reason (error, failure->reason, (unsigned) failure->line);
        if (rc == BS_OK)
            rc = BS_E_SYSTEM;
    } else if (answer.schema != reply_schema
               && strcmp (answer.schema->type, reply_schema->type) != 0)
        rc = bs_error_set (error, BS_E_MALFORMED, "type", "%s replied '%s', expected '%s'",
                           self->service, answer.type, reply_schema->type);
    else {
        memcpy (reply, answer.data, reply_schema->record_size);
        free (answer.data); /* the record's members now belong to reply */
        answer.data = NULL;
    }
    bs_message_clear (&answer);
    return rc;
}

int
bs_client_call (bs_client_t *self, const bs_schema_t *request_schema, const void *request,
                const bs_schema_t *reply_schema, void *reply, bs_error_t *error)
{
    char id[40];
    bs_clock_pooled_id (&self->ids, id, sizeof id);
    return bs_client_call_with_id (self, id, request_schema, request, reply_schema, reply, error);
}
