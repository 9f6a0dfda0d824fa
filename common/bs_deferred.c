/*  bs_deferred: replies a thread gives later; see bs_deferred.h. */
#include "bs_deferred.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bs_error.h"
#include "bs_log.h"
#include "bs_proto.h"
#include "bs_socket.h"

struct bs_deferred {
    char endpoint[64];  /* the loop's inbox */
    zframe_t *identity; /* the client's ROUTER identity */
    char id[BS_ID_MAX]; /* the request's envelope id */
    char service[32];   /* the service's name, the reply's src */
    uint64_t now;       /* the request's time */
};

/* The inbox and the threads' PUSH sockets are inproc, inside one process:
   no certificate applies to them, so they are bs_socket_new_plain's. */
zsock_t *
bs_deferred_inbox_new (char *endpoint, size_t size)
{
    static int count;
    snprintf (endpoint, size, "inproc://bs-deferred-%d",
              __atomic_add_fetch (&count, 1, __ATOMIC_SEQ_CST));
    zsock_t *inbox = bs_socket_new_plain (ZMQ_PULL, "deferred replies");
    if (inbox && zsock_bind (inbox, "%s", endpoint) != 0)
        zsock_destroy (&inbox);
    return inbox;
}

size_t
bs_deferred_forward (zsock_t *inbox, zsock_t *commands)
{
    size_t taken = 0;
    zmsg_t *message;
    while ((zsock_events (inbox) & ZMQ_POLLIN) && (message = zmsg_recv (inbox))) {
        taken++;
        zframe_t *identity = zmsg_pop (message);
        zframe_t *reply = zmsg_first (message);
        if (identity && reply
            && bs_socket_send (commands, identity, zframe_data (reply), zframe_size (reply))
                   != BS_OK)
            bs_log_debug ("a client left before its deferred reply (it will retry)");
        zframe_destroy (&identity);
        zmsg_destroy (&message);
    }
    return taken;
}

bs_deferred_t *
bs_deferred_new (const char *endpoint, zframe_t *identity, const char *id, const char *service,
                 uint64_t now)
{
    bs_deferred_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    snprintf (self->id, sizeof self->id, "%s", id);
    snprintf (self->service, sizeof self->service, "%s", service);
    self->now = now;
    self->identity = zframe_dup (identity);
    if (!self->identity)
        bs_deferred_destroy (&self);
    return self;
}

void
bs_deferred_destroy (bs_deferred_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zframe_destroy (&(*self_p)->identity);
    free (*self_p);
    *self_p = NULL;
}

/* Push the encoded reply with its identity to the inbox, and free *self_p. */
static int
s_send (bs_deferred_t **self_p, msgpack_sbuffer *reply)
{
    bs_deferred_t *self = *self_p;
    int rc = BS_E_SYSTEM;
    zsock_t *push = bs_socket_new_plain (ZMQ_PUSH, "a deferred reply");
    if (push) {
        /* czmq's linger is 0: keep the reply until the loop has it. */
        zsock_set_linger (push, 5000);
        zmsg_t *message = zmsg_new ();
        zmsg_append (message, &self->identity);
        zmsg_addmem (message, reply->data, reply->size);
        if (zsock_connect (push, "%s", self->endpoint) == 0 && zmsg_send (&message, push) == 0)
            rc = BS_OK;
        zmsg_destroy (&message);
        zsock_destroy (&push);
    }
    if (rc != BS_OK)
        bs_log_error ("could not hand a deferred reply to the loop");
    bs_deferred_destroy (self_p);
    return rc;
}

int
bs_deferred_reply (bs_deferred_t **self_p, const bs_schema_t *schema, const void *record)
{
    bs_deferred_t *self = *self_p;
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    int rc =
        bs_codec_encode_message (&reply, schema, record, self->id, self->service, self->now, 0);
    if (rc == BS_OK)
        rc = s_send (self_p, &reply);
    else
        rc = bs_deferred_fail (self_p, rc, "", "the reply could not be encoded");
    msgpack_sbuffer_destroy (&reply);
    return rc;
}

int
bs_deferred_fail (bs_deferred_t **self_p, int code, const char *field, const char *format, ...)
{
    char text[BS_ERROR_TEXT_MAX * 2];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    bs_deferred_t *self = *self_p;
    bs_error_reply_t error = {
        .code = (char *) bs_error_name (code), .field = (char *) field, .message = text};
    msgpack_sbuffer reply;
    msgpack_sbuffer_init (&reply);
    bs_codec_encode_message (&reply, &bs_error_reply_schema, &error, self->id, self->service,
                             self->now, 0);
    s_send (self_p, &reply);
    msgpack_sbuffer_destroy (&reply);
    return code;
}
