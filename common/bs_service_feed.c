/*  bs_service_feed: the service's PUB feed. A turn queues its feed
    messages (bs_service_publish, in the writer's thread); they leave once
    the turn has committed (bs_service_feed_send, in the loop's thread), or
    are dropped with a turn that does not commit as it is.
*/
#include "bs_service.h"

#include "bs_socket.h"
#include "bs_service_state.h"

int
bs_service_feed_bind (bs_service_t *self)
{
    const char *endpoint = bs_config_bind_endpoint (self->config, self->name, "feed");
    self->feed = bs_socket_new (ZMQ_PUB, self->name, endpoint, BS_SOCKET_BIND, self->config);
    return self->feed ? BS_OK : BS_E_UNAVAILABLE;
}

/* The feed message of record (or of its packed bytes), queued. */
static int
s_publish (bs_service_t *self, const bs_schema_t *schema, const void *record, const void *packed,
           size_t size)
{
    if (!self->feeds)
        return BS_OK; /* (not self->feed: the loop's, which a keyring reload binds anew) */
    msgpack_sbuffer *buffer = bs_service_writer_buffer (&self->published);
    int rc = packed ? bs_codec_encode_message_packed (buffer, schema, packed, size, NULL,
                                                      self->name, self->now, 0)
                    : bs_codec_encode_message (buffer, schema, record, NULL, self->name,
                                               self->now, 0);
    if (rc == BS_OK)
        zlist_append (self->feed_queue, zframe_new (buffer->data, buffer->size));
    return rc;
}

int
bs_service_publish (bs_service_t *self, const bs_schema_t *schema, const void *record)
{
    return s_publish (self, schema, record, NULL, 0);
}

int
bs_service_publish_packed (bs_service_t *self, const bs_schema_t *schema, const void *packed,
                           size_t size)
{
    return s_publish (self, schema, NULL, packed, size);
}

/* Feed messages queued by a turn that will not commit (as it is). */
void
bs_service_feed_drop (bs_service_t *self)
{
    zframe_t *frame;
    while ((frame = zlist_pop (self->feed_queue)))
        zframe_destroy (&frame);
}

void
bs_service_feed_send (bs_service_t *self)
{
    zframe_t *frame;
    while ((frame = zlist_pop (self->feed_queue))) {
        if (self->feed)
            zframe_send (&frame, self->feed, ZFRAME_DONTWAIT);
        zframe_destroy (&frame);
    }
}
