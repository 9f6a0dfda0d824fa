/*  bs_service_feed: the service's PUB feed. A turn queues its feed
    messages (bs_service_publish, in the writer's thread); they leave once
    the turn's transaction is whole, just before its commit is written and
    flushed (bs_service_feed_send, in the writer's thread, through
    bs_store_write_then), or are dropped with a turn that does not commit
    as it is.

    Why before the flush: the feed is for live displays, and the flush of
    the commit (two of the device, 2 to 3 ms, and the disk's stalls of 10
    to 17 ms on a shared one) was a third of a report's way from its submit
    to the feed (bench/README.md, "The feed before statistics' flush").
    What a turn publishes is absolute figures of events that stay
    unacknowledged upstream until its commit: a crash before that commit
    loses the turn, its events come again and are counted again once, and
    the figures published then are the right ones. A reader may see a
    figure twice, or (events of several logs counted in another order) an
    intermediate one the durable log never holds; the durable log of
    changes (statistics.changes) is written in the turn's transaction and
    read only once committed.

    The feed's socket is the loop's to bind and the writer's to send on:
    feed_lock keeps them apart (a keyring reload binds it anew while the
    writer may be sending).
*/
#include "bs_service.h"

#include "bs_socket.h"
#include "bs_service_state.h"

static zsock_t *
s_feed_socket (bs_service_t *self)
{
    const char *endpoint = bs_config_bind_endpoint (self->config, self->name, "feed");
    return bs_socket_new (ZMQ_PUB, self->name, endpoint, BS_SOCKET_BIND, self->config);
}

int
bs_service_feed_bind (bs_service_t *self)
{
    zsock_t *feed = s_feed_socket (self);
    pthread_mutex_lock (&self->feed_lock);
    self->feed = feed;
    pthread_mutex_unlock (&self->feed_lock);
    return feed ? BS_OK : BS_E_UNAVAILABLE;
}

void
bs_service_feed_rebind (bs_service_t *self)
{
    pthread_mutex_lock (&self->feed_lock);
    bool bound = self->feed != NULL;
    zsock_destroy (&self->feed);
    pthread_mutex_unlock (&self->feed_lock);
    if (!bound)
        return;
    zsock_t *feed = NULL;
    for (int try = 0; try < 20 && !(feed = s_feed_socket (self)); try++)
        zclock_sleep (50); /* the old listener closes in libzmq's own time */
    pthread_mutex_lock (&self->feed_lock);
    self->feed = feed;
    pthread_mutex_unlock (&self->feed_lock);
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
bs_service_feed_send (void *argument)
{
    bs_service_t *self = argument;
    if (zlist_size (self->feed_queue) == 0)
        return;
    pthread_mutex_lock (&self->feed_lock);
    zframe_t *frame;
    while ((frame = zlist_pop (self->feed_queue))) {
        if (self->feed)
            zframe_send (&frame, self->feed, ZFRAME_DONTWAIT);
        zframe_destroy (&frame);
    }
    pthread_mutex_unlock (&self->feed_lock);
}
