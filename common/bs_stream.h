/*  bs_stream: a service's event log served to its consumers, and the
    consumer side that applies another service's log exactly once.

    Protocol (every message one msgpack envelope, see bs_proto.def):
      consumer -> producer  stream.subscribe {from, credit,   start at seq from
                                              views}
      consumer -> producer  stream.credit {credit, cursor}    more credit; 0 = heartbeat
      producer -> consumer  <event envelopes with seq>        one per credit, several
                                                              to a frame
      producer -> consumer  stream.heartbeat {last, unknown}  when idle, or for an
                                                              unknown consumer
    A consumer that never reads some long fields of some events (its views,
    bs_consumer_views) names, for each such type, the keys of the data it
    reads; the producer sends it those events with their data cut to
    those keys (bs_codec_envelope_cut), every other byte as stored: less to
    box, send and open (CurveZMQ boxes every byte once a consumer). The cut
    is made from the stored event each time it is sent, so a replay sends
    the same bytes.
    The producer (a ROUTER) sends the backlog from `from`, then the live tail
    as transactions commit, never more events than the credit granted, so no
    high-water mark can drop one. Events go several to a frame, their
    stored envelopes one after another (up to 64 KiB, or one larger event
    alone): a consumer catching up gets one CurveZMQ message, one receive
    and one wake-up per frame, not per event. The consumer takes each as
    if it came alone. The consumer (a DEALER) takes a batch of
    the events received to apply, and the producer sends the next batch
    while this one is applied (the consumer may receive and decode it
    meanwhile); it applies the batch and stores its cursor in the same
    LMDB transaction, then grants the batch's credit back with the new
    cursor, one message a turn. When the producer holds credit for less
    than half the window (catching up), the credit goes back at once when
    the batch is taken, so the producer is not stalled while it is
    applied. It holds at most a
    window of events received beside the batch (the rest wait in its
    socket), and the credit it grants bounds what is in flight to another
    window. Duplicates (seq below the expected one) are dropped; a gap,
    silence for three heartbeats, or an `unknown` heartbeat make the
    consumer open a new socket and subscribe again from the sequence after
    its batch (with none, after its cursor), dropping only the events
    received and not taken.
    The producer serves only certificates that hold the role "stream"; a
    service's own certificate has it (bs_keys_ensure). It asks the keyring
    again before each batch and each heartbeat it sends, so a subscription
    whose key was revoked (keyring.reload) ends with an error message at
    the next event or heartbeat (within heartbeat_ms), however much credit
    it had, and is sent nothing after.
*/
#ifndef BS_STREAM_H_INCLUDED
#define BS_STREAM_H_INCLUDED

#include <czmq.h>
#include <lmdb.h>

#include "bs_codec.h"
#include "bs_config.h"
#include "bs_keyring.h"
#include "bs_store.h"

typedef struct bs_producer bs_producer_t;
typedef struct bs_consumer bs_consumer_t;

/* Serve store's log on endpoint (bound), the stream socket of service
   name (bs_socket.h). Only keys that keyring admits with the role "stream"
   may subscribe; any other control message gets an error reply ("denied")
   and no event. NULL if the bind fails. */
bs_producer_t *bs_producer_new (bs_config_t *config, const char *name, const char *endpoint,
                                bs_store_t *store, bs_keyring_t *keyring);
void bs_producer_destroy (bs_producer_t **self_p);
zsock_t *bs_producer_socket (bs_producer_t *self);

/* Read every waiting control message from consumers; how many came. */
size_t bs_producer_receive (bs_producer_t *self);

/* Whether a consumer has no credit left: its credit, when it comes, lets
   events wait no longer (a credit to a consumer with credit left changes
   nothing the next pump does not do). */
bool bs_producer_starved (bs_producer_t *self);

/* Send what consumers have credit for, up to the last committed sequence.
   Call after each commit that appended events, and from the timer. */
void bs_producer_pump (bs_producer_t *self);

/* Heartbeats to idle consumers; forget consumers silent for too long. */
void bs_producer_tick (bs_producer_t *self);

/* Last committed sequence the producer knows of. */
uint64_t bs_producer_last (bs_producer_t *self);

/* What the producer knows of each consumer that ever subscribed since it
   started, by the name it gave (bs_stream_consumer_t records: the last
   event sent to it, the last it said it committed (a consumer says so
   with each credit and heartbeat), ms since it last said anything). The
   list and its records belong to the producer; valid until its next
   call. */
bs_list_t bs_producer_consumers (bs_producer_t *self);

/* Consume the log of service `upstream` at endpoint, as the service
   `name` (which the producer's log names). The cursor is kept in database
   cursors_dbi of store under the key upstream. */
bs_consumer_t *bs_consumer_new (bs_config_t *config, const char *name, const char *upstream,
                                const char *endpoint, bs_store_t *store, MDB_dbi cursors_dbi);
void bs_consumer_destroy (bs_consumer_t **self_p);

/* Decode the events of the types views (NULL-terminated, not copied; NULL:
   none) has by those views (bs_schema_view), not by their whole schemas:
   the texts a consumer never reads are then neither checked nor copied.
   A view that leaves out a text (a string that may be longer than 255
   bytes, or bytes) is told to the producer, which then sends those events
   without what the view leaves out: new views make the consumer subscribe
   again (a new socket, as after a gap; nothing is lost). */
void bs_consumer_views (bs_consumer_t *self, const bs_schema_t *const *views);
zsock_t *bs_consumer_socket (bs_consumer_t *self);
const char *bs_consumer_upstream (bs_consumer_t *self);

/* Read every waiting message into the events received (at most the
   window; the rest stays in the socket). The owner's thread may do so
   while another thread applies the batch taken: the two are apart. */
void bs_consumer_receive (bs_consumer_t *self);

/* Number of events received and not yet taken. */
size_t bs_consumer_received (bs_consumer_t *self);

/* Whether to receive the next events while the batch is applied: the
   batch is large (a quarter of the window or more: catching up, when
   decoding beside the commit pays; live, the few events of a turn wait
   for its end, as waking for each would cost more than it saves) and
   the events received have room. */
bool bs_consumer_ahead (bs_consumer_t *self);

/* Take the events received into the batch a turn applies; their credit
   goes with the cursor after the commit (bs_consumer_committed), or at
   once when the producer holds credit for less than half the window. A
   batch not yet committed (its turn failed) is taken again as it is,
   with no credit granted twice. Returns the batch's size. */
size_t bs_consumer_take (bs_consumer_t *self);

/* Whether the batch taken is a live one (under a quarter of the window:
   not catching up) and the consumer is subscribed. */
bool bs_consumer_live (bs_consumer_t *self);

/* Take the events received into the end of the batch taken, while its
   turn is still being applied (a gathering turn: bs_service_state.h),
   when they fit in the window; credit as bs_consumer_take. Returns the
   number of events added (0 when none, or they do not fit). */
size_t bs_consumer_take_more (bs_consumer_t *self);

/* Number of events in the batch taken. */
size_t bs_consumer_pending (bs_consumer_t *self);

/* The i-th event of the batch (decoded; schema NULL for a type this
   service does not know, which is then skipped). */
const bs_message_t *bs_consumer_event (bs_consumer_t *self, size_t index);

/* Inside the apply transaction: store the cursor = last seq of the batch. */
int bs_consumer_store_cursor (bs_consumer_t *self, MDB_txn *txn);

/* After that transaction committed: drop the batch (the cursor is the
   last of it) and tell the producer the cursor, with the credit owed. */
void bs_consumer_committed (bs_consumer_t *self);

/* Grant the credit owed: for duplicates that were dropped, and a batch's
   that waited for a commit that failed. */
void bs_consumer_grant (bs_consumer_t *self);

/* Heartbeat, and reconnect after silence. */
void bs_consumer_tick (bs_consumer_t *self);

/* The durable cursor: last sequence applied. */
uint64_t bs_consumer_cursor (bs_consumer_t *self);

#endif
