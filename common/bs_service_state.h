/*  bs_service_state: what the files of bs_service share, private to them
    (no other file includes it): the service's state, and the functions
    by which they hand work to each other. Who calls whom, with no loop:
    bs_service.c (the wiring) and bs_service_loop.c (the loop's thread)
    call bs_service_take.c (taking commands), bs_service_apply.c (the
    writer's thread's turn), bs_service_request.c (replies) and
    bs_service_feed.c (the feed); take and apply call request and feed;
    request and feed call none of them. Apply calls
    bs_service_idempotency.c (the replies stored under idempotency keys,
    and their sweep), which calls bs_service_compact.c (a stored reply's
    compact form) and bs_service_versions.c (the copies kept for stored
    replies); compact and versions call none of them.

    Which thread owns which fields is the loop's comment
    (bs_service_loop.c): the loop's thread owns the sockets; the writer's
    thread reads the applying batch, the consumers' received events, the
    timers, the feed queue and the turn's time while the writer is busy.
*/
#ifndef BS_SERVICE_STATE_H_INCLUDED
#define BS_SERVICE_STATE_H_INCLUDED

#include <czmq.h>
#include <pthread.h>

#include "bs_keyring.h"
#include "bs_latency.h"
#include "bs_service.h"
#include "bs_stream.h"
#include "bs_writer.h"

#define BS_SERVICE_HANDLERS_MAX 64
#define BS_SERVICE_CONSUMERS_MAX 4
#define BS_SERVICE_TIMERS_MAX 8

typedef struct {
    const bs_schema_t *schema; /* request type */
    bs_command_fn *fn;         /* handler */
    void *argument;            /* its argument */
    bool mutates;              /* idempotency applies */
    const char *roles;         /* a principal needs one of these (comma list), NULL: any */
} bs_service_handler_t;

typedef struct {
    bs_consumer_t *consumer; /* the stream */
    bs_consume_fn *fn;       /* applies one event */
    void *argument;          /* its argument */
} bs_service_consumption_t;

typedef struct {
    uint64_t interval; /* ms */
    uint64_t due;      /* monotonic ms of the next run, 0 before the first turn */
    bs_timer_fn *fn;   /* the work */
    void *argument;    /* its argument */
    bool running;      /* due in this turn */
} bs_service_timer_t;

typedef struct {
    zframe_t *identity;                  /* ROUTER identity of the client */
    bs_message_t message;                /* decoded request */
    bs_peer_t peer;                      /* its sender */
    const bs_service_handler_t *handler; /* NULL when the reply is already made */
    bs_request_t request;                /* reply buffer and code */
} bs_service_pending_t;

typedef struct {
    bs_service_pending_t *pending; /* batch_max requests; each slot keeps its reply's
                                      buffer from command to command */
    size_t slots;                  /* batch_max: the slots allocated */
    size_t count;                  /* taken */
} bs_service_batch_t;

struct bs_service {
    char name[32];            /* "intake", ... */
    bs_config_t *config;      /* not owned */
    bs_store_t *store;        /* owned */
    bs_store_t *kept;         /* owned: bs_service_open_kept, or NULL */
    bs_keyring_t *keyring;    /* owned: the certificates admitted */
    bool serving_zap;         /* the ZAP handler admits to our domain */
    bs_codec_limits_t limits; /* for requests */
    zsock_t *commands;        /* ROUTER */
    bs_producer_t *producer;  /* NULL unless bs_service_produce */
    zsock_t *feed;            /* PUB, NULL unless bs_service_feed; used under feed_lock */
    pthread_mutex_t feed_lock; /* the writer sends on feed, the loop binds it anew */
    bool feeds;               /* bs_service_feed was called */
    bs_service_handler_t handlers[BS_SERVICE_HANDLERS_MAX]; /* registered commands */
    size_t handler_count;
    bs_reply_texts_fn *reply_texts; /* bs_service_reply_texts, or NULL */
    bs_service_consumption_t consumptions[BS_SERVICE_CONSUMERS_MAX];
    size_t consumption_count;
    const bs_schema_t *const *consume_views; /* bs_service_consume_views, or NULL */
    struct {         /* bs_service_hold */
        void *state; /* owned: destroy frees it */
        bs_held_write_fn *write;
        bs_held_fn *forget;
        bs_held_fn *destroy;
    } held;
    bs_service_timer_t timers[BS_SERVICE_TIMERS_MAX];
    size_t timer_count;
    bs_service_batch_t batches[2]; /* the two below */
    bs_service_batch_t *taking;    /* the loop receives and checks commands into it */
    bs_service_batch_t *applying;  /* the writer's turn (or its last, answered) */
    size_t batch_max;              /* commands in one turn at most */
    bs_writer_t *writer;           /* the thread that applies and commits turns */
    uint64_t applying_since;       /* monotonic ms when the writer got its turn */
    uint64_t linger;               /* ms: a turn of events only waits this long after the last */
    uint64_t gather;               /* ms: a turn of events only gathers the next this long */
    bool gathering;                /* the writer's turn gathers: the consumers' sockets are
                                      its until it ends (set by the loop at the hand-over) */
    bool gather_stopped;           /* the loop told this gathering turn to end */
    int gather_stop;               /* eventfd: the loop tells a gathering turn that a
                                      command waits (-1 without gather) */
    zsock_t *deferred_inbox;       /* PULL: replies of deferred requests, from threads */
    size_t deferred_waiting;       /* deferrals started, replies not forwarded yet (s_wait) */
    char deferred_endpoint[64];    /* its inproc endpoint */
    zlist_t *feed_queue;           /* zframe_t *, sent as the turn commits */
    bool emitted;                  /* this turn appended events */
    bool careful;                  /* this turn runs each step in a nested transaction */
    MDB_dbi idempotency;           /* (type, id) -> stored reply; (0, time, type, id) ->
                                      nothing, the sweep's order */
    MDB_dbi idempotency_expiry;    /* (time, type, id) -> nothing: an older store's order */
    bool expiry_apart;             /* idempotency_expiry held entries as the service
                                      started, and the sweep has not found it empty */
    bool keeps_versions;           /* its databases name versions_expiry */
    MDB_dbi versions;              /* key -> a copy stored replies refer to */
    MDB_dbi versions_expiry;       /* 'k' key -> time; 't' time key -> nothing */
    uint64_t now;                  /* the applying turn's time */
    uint64_t started_at;           /* ms since epoch */
    uint64_t heartbeat;            /* ms */
    uint64_t next_tick;            /* monotonic ms */
    uint64_t next_reader_check;    /* monotonic ms */
    uint64_t oversize_refused;     /* commands over the limit, refused unread */
    uint64_t turn_us;              /* the writer's last turn took (bs_service_write_turn) */
    bs_latency_t commits;          /* every committed turn's turn_us (service.pong) */
    msgpack_sbuffer compact;       /* the writer's: a stored reply's compact form */
    msgpack_sbuffer stored;        /* the writer's: a stored reply without its texts */
    msgpack_sbuffer published;     /* the writer's: a feed message (s_publish) */
    msgpack_sbuffer encoding;      /* the writer's: bs_service_encoding's */
};

/* Buffers kept from use to use, emptied before each, rather than a
   fresh msgpack_sbuffer each time: that was an 8 KiB malloc (and free),
   too large for glibc's per-thread cache, for each reply, stored reply,
   feed message and record encoded once. One that grew past its bound is
   given back, so what is kept stays small; the bounds differ by how many
   buffers there are:

   - a reply's, one in each slot of the two batches (bs_service_request.c:
     2 x batch_max, 2,000 by default): 8 KiB, so they keep 16 MB at most;
     most replies fit in 1 KiB, a larger one (a list, a stored record)
     seldom comes twice to the same slot;
   - the writer's (the four above): 64 KiB, 256 KiB in all, so the records
     a service encodes again and again keep their buffer (a report with
     long texts, a stored reply's compact form); one that grew past it (a
     whole issue) is given back. */
#define BS_SERVICE_REPLY_KEPT_MAX (8 * 1024)
#define BS_SERVICE_WRITER_KEPT_MAX (64 * 1024)

/* buffer emptied for its next use, given back first when it grew past
   kept_max (BS_SERVICE_REPLY_KEPT_MAX or BS_SERVICE_WRITER_KEPT_MAX). */
static inline msgpack_sbuffer *
bs_service_buffer_empty (msgpack_sbuffer *buffer, size_t kept_max)
{
    if (buffer->alloc > kept_max) {
        msgpack_sbuffer_destroy (buffer);
        msgpack_sbuffer_init (buffer);
    }
    buffer->size = 0;
    return buffer;
}

/* buffer, one of the writer's, emptied for its next use. */
static inline msgpack_sbuffer *
bs_service_writer_buffer (msgpack_sbuffer *buffer)
{
    return bs_service_buffer_empty (buffer, BS_SERVICE_WRITER_KEPT_MAX);
}

/* bs_service_request.c */

/* Forget a reply (or deferral) an earlier run of the handler made. */
void bs_service_reply_reset (bs_request_t *request);

/* Make the request's reply an error reply (code, field, text); returns
   code. */
int bs_service_request_fail_text (bs_request_t *request, int code, const char *field,
                                  const char *text);

/* After the turn: start a request's deferred work with the reply it owes
   the client at identity. */
void bs_service_deferral_start (bs_service_t *self, zframe_t *identity, bs_request_t *request);

/* Free what a taken request holds and zero it, but for its slot's
   buffers (its reply's, its texts left out), emptied and kept. */
void bs_service_pending_clear (bs_service_pending_t *pending);

/* Whether the batch holds a command to apply (not only replies made). */
bool bs_service_batch_has_commands (const bs_service_batch_t *batch);

/* Free the batch's requests, the buffers its slots keep, and its array. */
void bs_service_batch_free (bs_service_batch_t *batch);

/* bs_service_feed.c */

/* Bind the feed's PUB socket. */
int bs_service_feed_bind (bs_service_t *self);

/* Drop the feed messages a turn queued that will not commit (as it is). */
void bs_service_feed_drop (bs_service_t *self);

/* Send the feed messages of a turn about to commit (bs_store_then_fn, in
   the writer's thread). */
void bs_service_feed_send (void *self);

/* A keyring reload: bind the feed anew, so that every subscriber connects
   again through the ZAP handler. */
void bs_service_feed_rebind (bs_service_t *self);

/* bs_service_take.c */

/* Decode and check one received command into batch at time now: its
   client's identity (taken over), its payload's bytes, the frames its
   message had, key its sender's (from the ZAP handler). */
void bs_service_take_request (bs_service_t *self, bs_service_batch_t *batch, zframe_t *identity,
                              const void *bytes, size_t size, size_t frames, const char *key,
                              uint64_t now);

/* bs_service_apply.c */

/* The writer's job (bs_writer_fn): apply and commit the applying turn. */
int bs_service_write_turn (void *argument);

/* bs_service_idempotency.c */

/* The idempotency key of a command (type, 0x1f, id) into key (size
   bytes): BS_OK, or BS_E_LIMIT when it does not fit. */
int bs_service_idempotency_key (const bs_message_t *message, char *key, size_t size);

/* The whole reply to command id back from a stored form (its first byte
   BS_STORED_FORM), appended to reply: BS_OK, BS_E_MAP_FULL or
   BS_E_STORAGE (the texts given back could not be read), another code
   when it cannot be made again. */
int bs_service_stored_reply (bs_service_t *self, MDB_txn *txn, const char *id,
                             const unsigned char *stored, size_t size, msgpack_sbuffer *reply);

/* Store the request's reply under its idempotency key key (in its
   compact form, without its texts, when it can be), and the key in the
   expiry index the sweep reads. */
int bs_service_idempotency_put (bs_service_t *self, MDB_txn *txn, const char *key,
                                bs_request_t *request);

/* The built-in timer that forgets old idempotency keys (bs_timer_fn). */
int bs_service_idempotency_sweep (bs_service_t *self, MDB_txn *txn, uint64_t now, void *argument);

/* bs_service_compact.c */

/* A stored reply that is not the reply's msgpack as it is starts with
   this byte, which no msgpack object starts with (bs_service_idempotency.c:
   without texts the service keeps; bs_service_compact.c: without its
   names). */
#define BS_STORED_FORM 0xc1

/* The reply's (request->reply, as bs_request_reply made it) compact form
   appended to compact, without its field names and the envelope's id and
   src, to be stored under its idempotency key: BS_OK, BS_E_INVALID when
   the reply is of another shape (store it whole), BS_E_SYSTEM. The texts
   it leaves out (request->left_out) are where they were in the reply:
   their offsets in the compact form to offsets (count of them). */
int bs_service_compact (const bs_request_t *request, msgpack_sbuffer *compact, uint32_t *offsets);

/* Whether stored bytes are a compact form (bs_service_compact). */
bool bs_service_is_compact (const void *stored, size_t size);

/* The reply to command id again, from its compact form, appended to
   reply, byte for byte the first: BS_OK, or BS_E_INVALID when it cannot
   be made (the form is damaged, or the schema's names are no longer the
   ones left out), BS_E_SYSTEM. */
int bs_service_expand (bs_service_t *self, const char *id, const void *compact, size_t size,
                       msgpack_sbuffer *reply);

/* The LEB128 varints of the stored forms: put, and read from *at (before
   end, *at moved past it; false when there is none). */
int bs_service_varint_put (msgpack_sbuffer *buffer, uint64_t value);
bool bs_service_varint_get (const unsigned char **at, const unsigned char *end, uint64_t *value);

/* bs_service_versions.c */

/* Forget the kept copies (bs_service_keep_version) older than before,
   oldest first, at most *budget of them (less those forgotten). */
int bs_service_versions_sweep (bs_service_t *self, MDB_txn *txn, uint64_t before, size_t *budget);

/* Give now as their time to copies kept before their expiry index
   existed, at most *budget of them (less those given). */
int bs_service_versions_adopt (bs_service_t *self, MDB_txn *txn, uint64_t now, size_t *budget);

#endif
