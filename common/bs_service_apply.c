/*  bs_service_apply: the turn's transaction, in the writer's thread: the
    consumers' events, the due timers and the batch's commands applied in
    one write transaction, with idempotency for commands that mutate.
*/
#include "bs_service.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_latency.h"
#include "bs_log.h"
#include "bs_service_state.h"
#include "bs_stream.h"
#include "bs_text.h"

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
bs_service_emit_packed (bs_service_t *self, MDB_txn *txn, const bs_schema_t *schema,
                        const void *packed, size_t size, uint64_t at, uint64_t *seq_p)
{
    uint64_t seq;
    int rc = bs_eventlog_append_packed (self->store, txn, schema, packed, size, self->name, at,
                                        &seq);
    if (rc == BS_OK)
        self->emitted = true;
    if (seq_p)
        *seq_p = seq;
    return rc;
}

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
    int rc = bs_store_child_begin (txn, &child);
    if (rc)
        return bs_store_error (rc, "begin a nested transaction");
    rc = fn (child, argument);
    if (rc != BS_OK) {
        bs_store_child_abort (child);
        return rc == S_APPLY_CAREFULLY ? BS_E_SYSTEM : rc; /* not ours: a step's own -1 */
    }
    rc = bs_store_child_commit (child);
    return rc ? bs_store_error (rc, "commit a nested transaction") : BS_OK;
}

typedef struct {
    bs_service_t *service;
    bs_service_consumption_t *consumption;
    const bs_message_t *event;
} s_event_step_t;

/* What the consume functions hold (bs_service_hold): forgotten, or
   written into txn. */
static void
s_held_forget (bs_service_t *self)
{
    if (self->held.forget)
        self->held.forget (self->held.state);
}

static int
s_held_write (bs_service_t *self, MDB_txn *txn)
{
    return self->held.write ? self->held.write (self, txn, self->held.state) : BS_OK;
}

/* One event; carefully, with what it held written in its own nested
   transaction (or forgotten with it), so each event starts holding
   nothing. */
static int
s_event_apply (MDB_txn *txn, void *argument)
{
    s_event_step_t *step = argument;
    bs_service_t *self = step->service;
    int rc = step->consumption->fn (self, txn, step->event, step->consumption->argument);
    if (self->careful && rc == BS_OK)
        rc = s_held_write (self, txn);
    if (self->careful && rc != BS_OK)
        s_held_forget (self);
    return rc;
}

/* The events of one consumer's batch from index from, and its cursor. */
static int
s_apply_consumer (bs_service_t *self, MDB_txn *txn, bs_service_consumption_t *consumption,
                  size_t from)
{
    size_t count = bs_consumer_pending (consumption->consumer);
    for (size_t i = from; i < count; i++) {
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
    return bs_consumer_store_cursor (consumption->consumer, txn);
}

/* What the events held, written after the last (straight). */
static int
s_apply_held (bs_service_t *self, MDB_txn *txn)
{
    if (self->careful)
        return BS_OK;
    int rc = s_held_write (self, txn);
    return rc == BS_OK || s_is_storage_failure (rc) ? rc : S_APPLY_CAREFULLY;
}

/* Every consumer's events and cursor; straight, what the events held is
   written once, after the last. */
static int
s_apply_events (bs_service_t *self, MDB_txn *txn)
{
    s_held_forget (self); /* an earlier run of this turn did not commit */
    for (size_t c = 0; c < self->consumption_count; c++) {
        int rc = s_apply_consumer (self, txn, &self->consumptions[c], 0);
        if (rc != BS_OK)
            return rc;
    }
    return s_apply_held (self, txn);
}

/* A gathering turn (consume_gather_ms; the loop says so: s_may_gather in
   bs_service_loop.c): a turn of upstream events alone that, once they
   are applied, applies the events that come next in the same
   transaction, as they come, until consume_gather_ms after the turn was
   handed over; then it commits once. What each round publishes leaves at
   once (bs_service_feed_send), as a turn's feed leaves as its commit
   begins (bs_service_feed.c): a round's notices say what the upstream
   logs have committed, counted in a transaction that will commit with
   the consumers' cursors, or, lost with it in a crash, be counted again
   from those cursors. So the feed does not wait for a commit in
   progress, and statistics commits about a tenth as often at 5,000
   reports a second, leaving the disk's flushes to intake's
   acknowledgements (bench/README.md, "The feed: statistics' turn
   gathers"). The consumers' sockets are the writer's meanwhile: the
   loop leaves them alone while the writer has a gathering turn, and
   answers the commands that arrive once it is committed. A batch grows
   while it stays live (bs_consumer_live); a run of the turn again (the
   map grown, or carefully) applies it whole and gathers on. */
static int
s_gather (bs_service_t *self, MDB_txn *txn)
{
    uint64_t until = self->applying_since + self->gather;
    while (true) {
        bs_service_feed_send (self);
        uint64_t now = bs_clock_monotonic ();
        if (now >= until)
            return BS_OK;
        zmq_pollitem_t items[BS_SERVICE_CONSUMERS_MAX + 1];
        size_t index[BS_SERVICE_CONSUMERS_MAX], count = 0;
        for (size_t c = 0; c < self->consumption_count; c++) {
            bs_consumer_t *consumer = self->consumptions[c].consumer;
            if (bs_consumer_live (consumer)) {
                index[count] = c;
                items[count++] = (zmq_pollitem_t){zsock_resolve (bs_consumer_socket (consumer)), 0,
                                                  ZMQ_POLLIN, 0};
            }
        }
        if (count == 0)
            return BS_OK;
        items[count] = (zmq_pollitem_t){NULL, self->gather_stop, ZMQ_POLLIN, 0};
        if (zmq_poll (items, (int) count + 1, (long) (until - now)) <= 0 || items[count].revents)
            return BS_OK; /* the time is up, a command waits (or interrupted): commit */
        bool applied = false;
        for (size_t k = 0; k < count; k++) {
            if (!items[k].revents)
                continue;
            bs_service_consumption_t *consumption = &self->consumptions[index[k]];
            bs_consumer_receive (consumption->consumer);
            size_t from = bs_consumer_pending (consumption->consumer);
            if (bs_consumer_take_more (consumption->consumer) == 0)
                continue; /* a heartbeat, or no room: the next turn's */
            int rc = s_apply_consumer (self, txn, consumption, from);
            if (rc != BS_OK)
                return rc;
            applied = true;
        }
        if (applied) {
            int rc = s_apply_held (self, txn);
            if (rc != BS_OK)
                return rc;
        }
    }
}

typedef struct {
    bs_service_t *service;
    bs_service_timer_t *timer;
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

/* A stored reply is stored in its compact form (bs_service_compact.c:
   without the names of its fields, 0xc1 'c' first), and without the
   texts it leaves out (bs_request_store_without), if any. Read too: a
   reply stored whole (its msgpack map first), as a reply of another
   shape still is and as every reply was before the compact form, with
   or without texts.

   Without texts: a byte no msgpack object starts with (BS_STORED_FORM),
   0, then (numbers as LEB128 varints) how many texts the reference gives
   back, the reference (its size first), how many texts were left out,
   the FNV-1a hash of their bytes one after the other (8 bytes,
   big-endian), for each text left out its index among those given back
   (less the index after the one before) and the bytes of the reply (or
   of its compact form) kept between it and the one before, then the
   reply (or its compact form) without them.

   Read too (written by 9e1973c, while at most 4 texts were given back):
   that byte, how many texts the reference gives back (1 to 4, never 0),
   how many were left out, the reference (its size first), for each text
   left out its index among those given back, its offset and size in the
   reply and the hash of its bytes (big-endian), then the reply without
   them. */
#define S_STORED_WITHOUT BS_STORED_FORM
#define S_OLD_LEFT_OUT_SIZE 17
#define S_OLD_TEXTS_MAX 4

static uint64_t
s_be_get (const unsigned char *at, size_t size)
{
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++)
        value = value << 8 | at[i];
    return value;
}

/* The reply as stored, without the texts it leaves out: reply (size
   bytes) is the reply or its compact form, offsets where the texts are
   in it. */
static int
s_stored_form (const bs_request_t *request, const char *reply, size_t size, const uint32_t *offsets,
               msgpack_sbuffer *stored)
{
    size_t count = request->left_out.count;
    uint64_t hash = BS_TEXT_HASH;
    for (size_t i = 0; i < count; i++)
        hash = bs_text_hash (hash, reply + offsets[i], request->left_out.texts[i].size);
    unsigned char head[2 + 8] = {S_STORED_WITHOUT, 0};
    int failed = msgpack_sbuffer_write (stored, (const char *) head, 2)
                 || bs_service_varint_put (stored, request->left_out.asked)
                 || bs_service_varint_put (stored, request->left_out.reference_size)
                 || msgpack_sbuffer_write (stored, (const char *) request->left_out.reference,
                                           request->left_out.reference_size)
                 || bs_service_varint_put (stored, count);
    for (size_t i = 0; i < 8; i++)
        head[2 + i] = (unsigned char) (hash >> (8 * (7 - i)));
    if (!failed)
        failed = msgpack_sbuffer_write (stored, (const char *) head + 2, 8);
    size_t next_index = 0, kept = 0;
    for (size_t i = 0; i < count && !failed; i++) {
        failed = bs_service_varint_put (stored, request->left_out.texts[i].index - next_index)
                 || bs_service_varint_put (stored, offsets[i] - kept);
        next_index = request->left_out.texts[i].index + 1;
        kept = offsets[i] + request->left_out.texts[i].size;
    }
    kept = 0;
    for (size_t i = 0; i < count && !failed; i++) {
        failed = msgpack_sbuffer_write (stored, reply + kept, offsets[i] - kept);
        kept = offsets[i] + request->left_out.texts[i].size;
    }
    if (!failed)
        failed = msgpack_sbuffer_write (stored, reply + kept, size - kept);
    return failed ? BS_E_SYSTEM : BS_OK;
}

/* Put text (given back for a stored reply) into reply as a packed string;
   its bytes' size to *size. */
static int
s_text_put (msgpack_sbuffer *reply, const char *text, size_t *size)
{
    size_t before = reply->size;
    msgpack_packer packer;
    msgpack_packer_init (&packer, reply, msgpack_sbuffer_write);
    if (!text || msgpack_pack_str_with_body (&packer, text, strlen (text)) != 0)
        return BS_E_SYSTEM;
    *size = reply->size - before;
    return BS_OK;
}

/* The texts the reference gives back (count of them, malloc'ed into
   *texts, each to be freed). */
static int
s_texts_given (bs_service_t *self, MDB_txn *txn, const void *reference, size_t reference_size,
               size_t count, char ***texts)
{
    *texts = calloc (count ? count : 1, sizeof **texts);
    if (!*texts)
        return BS_E_SYSTEM;
    return self->reply_texts (self, txn, reference, reference_size, *texts, count);
}

static void
s_texts_free (char **texts, size_t count)
{
    for (size_t i = 0; texts && i < count; i++)
        free (texts[i]);
    free (texts);
}

/* The whole reply back from a stored form of 9e1973c. */
static int
s_stored_rebuild_old (bs_service_t *self, MDB_txn *txn, const unsigned char *stored, size_t size,
                      msgpack_sbuffer *reply)
{
    if (size < 4)
        return BS_E_SYSTEM;
    size_t asked = stored[1], count = stored[2], reference_size = stored[3];
    size_t head = 4 + reference_size + count * S_OLD_LEFT_OUT_SIZE;
    if (asked > S_OLD_TEXTS_MAX || count > asked || head > size)
        return BS_E_SYSTEM;
    char **texts;
    int rc = s_texts_given (self, txn, stored + 4, reference_size, asked, &texts);
    const unsigned char *rest = stored + head;
    size_t rest_size = size - head, used = 0, made = 0;
    for (size_t i = 0; i < count && rc == BS_OK; i++) {
        const unsigned char *entry = stored + 4 + reference_size + i * S_OLD_LEFT_OUT_SIZE;
        size_t index = entry[0], offset = s_be_get (entry + 1, 4), length = s_be_get (entry + 5, 4);
        if (index >= asked || offset < made || offset - made > rest_size - used) {
            rc = BS_E_SYSTEM;
            break;
        }
        if (msgpack_sbuffer_write (reply, (const char *) rest + used, offset - made) != 0) {
            rc = BS_E_SYSTEM; /* out of memory */
            break;
        }
        used += offset - made;
        size_t before = reply->size, put = 0;
        rc = s_text_put (reply, texts[index], &put);
        if (rc == BS_OK
            && (put != length
                || bs_text_hash (BS_TEXT_HASH, reply->data + before, length)
                       != s_be_get (entry + 9, 8)))
            rc = BS_E_SYSTEM;
        made = offset + length;
    }
    if (rc == BS_OK
        && msgpack_sbuffer_write (reply, (const char *) rest + used, rest_size - used) != 0)
        rc = BS_E_SYSTEM;
    s_texts_free (texts, asked);
    return rc;
}

/* The whole reply back from its stored form into reply: the texts left
   out given back by the service and checked against their hash. */
static int
s_stored_rebuild (bs_service_t *self, MDB_txn *txn, const unsigned char *stored, size_t size,
                  msgpack_sbuffer *reply)
{
    if (size < 2 || !self->reply_texts)
        return BS_E_SYSTEM;
    if (stored[1] != 0)
        return s_stored_rebuild_old (self, txn, stored, size, reply);
    const unsigned char *at = stored + 2, *end = stored + size;
    uint64_t asked, reference_size, count;
    if (!bs_service_varint_get (&at, end, &asked) || asked > BS_REPLY_TEXTS_MAX
        || !bs_service_varint_get (&at, end, &reference_size)
        || reference_size > BS_REPLY_REFERENCE_MAX || reference_size > (size_t) (end - at))
        return BS_E_SYSTEM;
    const unsigned char *reference = at;
    at += reference_size;
    if (!bs_service_varint_get (&at, end, &count) || count > asked || end - at < 8)
        return BS_E_SYSTEM;
    uint64_t hash = s_be_get (at, 8);
    at += 8;
    const unsigned char *entries = at; /* then the kept bytes, once the entries are read */
    for (uint64_t i = 0, value; i < 2 * count; i++)
        if (!bs_service_varint_get (&at, end, &value))
            return BS_E_SYSTEM;
    const unsigned char *rest = at;
    char **texts;
    int rc = s_texts_given (self, txn, reference, reference_size, asked, &texts);
    uint64_t made = BS_TEXT_HASH, index = 0;
    for (uint64_t i = 0, skip, gap; i < count && rc == BS_OK; i++) {
        bs_service_varint_get (&entries, rest, &skip);
        bs_service_varint_get (&entries, rest, &gap);
        index += skip;
        if (index >= asked || gap > (size_t) (end - at)) {
            rc = BS_E_SYSTEM;
            break;
        }
        if (msgpack_sbuffer_write (reply, (const char *) at, gap) != 0) {
            rc = BS_E_SYSTEM; /* out of memory */
            break;
        }
        at += gap;
        size_t before = reply->size, put = 0;
        rc = s_text_put (reply, texts[index], &put);
        if (rc == BS_OK)
            made = bs_text_hash (made, reply->data + before, put);
        index++;
    }
    if (rc == BS_OK && made != hash)
        rc = BS_E_SYSTEM;
    if (rc == BS_OK && msgpack_sbuffer_write (reply, (const char *) at, (size_t) (end - at)) != 0)
        rc = BS_E_SYSTEM;
    s_texts_free (texts, asked);
    return rc;
}

/* The whole reply back from a stored form (BS_STORED_FORM) into reply:
   the reply to command id made again from its compact form, or from a
   form without texts (of the reply or of its compact form). */
static int
s_stored_reply (bs_service_t *self, MDB_txn *txn, const char *id, const unsigned char *stored,
                size_t size, msgpack_sbuffer *reply)
{
    if (bs_service_is_compact (stored, size))
        return bs_service_expand (self, id, stored, size, reply);
    msgpack_sbuffer rebuilt;
    msgpack_sbuffer_init (&rebuilt);
    int rc = s_stored_rebuild (self, txn, stored, size, &rebuilt);
    if (rc == BS_OK && bs_service_is_compact (rebuilt.data, rebuilt.size))
        rc = bs_service_expand (self, id, rebuilt.data, rebuilt.size, reply);
    else if (rc == BS_OK && msgpack_sbuffer_write (reply, rebuilt.data, rebuilt.size) != 0)
        rc = BS_E_SYSTEM;
    msgpack_sbuffer_destroy (&rebuilt);
    return rc;
}

/* The expiry index of the idempotency keys lives in the idempotency
   tree itself, under a 0 byte, the time (8 bytes, big-endian), then the
   key: a key starts with its type's name, never with 0, so the index
   sorts before every stored reply and lookups never meet it, and a
   commit that stores replies writes one tree's path rather than two.
   A store of an older build keeps its index in idempotency_expiry
   (the time, then the key): swept as well, until it is empty. Whether
   it holds any is read once, as the service starts (expiry_apart,
   bs_store_entries, as review reads its older audit trail): the sweep
   of a store that had none never opens it. */
#define S_EXPIRY_PREFIX 0
#define S_EXPIRY_HEAD 9

/* Texts left out at most for which the offsets in the compact form are
   kept on the stack. */
#define S_OFFSETS_ON_STACK 16

/* The reply as it is stored: its compact form (when it has that shape),
   without the texts it leaves out (when the service gives them back); or
   as it is. *stored is the bytes to store: the writer's self->compact or
   self->stored, or the reply's own. */
static int
s_stored_put (bs_service_t *self, const bs_request_t *request, const msgpack_sbuffer **stored)
{
    size_t count = self->reply_texts ? request->left_out.count : 0;
    uint32_t on_stack[S_OFFSETS_ON_STACK], *offsets = on_stack;
    if (request->left_out.count > S_OFFSETS_ON_STACK
        && !(offsets = malloc (request->left_out.count * sizeof *offsets)))
        return BS_E_SYSTEM;
    msgpack_sbuffer *compact = bs_service_writer_buffer (&self->compact);
    int rc = bs_service_compact (request, compact, offsets);
    if (rc == BS_OK && count) {
        *stored = bs_service_writer_buffer (&self->stored);
        rc = s_stored_form (request, compact->data, compact->size, offsets, &self->stored);
    } else if (rc == BS_OK)
        *stored = compact;
    else if (rc == BS_E_INVALID && count) {
        for (size_t i = 0; i < count; i++)
            offsets[i] = request->left_out.texts[i].offset;
        *stored = bs_service_writer_buffer (&self->stored);
        rc = s_stored_form (request, request->reply.data, request->reply.size, offsets,
                            &self->stored);
    } else if (rc == BS_E_INVALID) {
        *stored = &request->reply; /* stored as it is */
        rc = BS_OK;
    }
    if (offsets != on_stack)
        free (offsets);
    return rc;
}

/* Store the reply under its key (s_stored_put), and the key in the
   expiry index, so old keys can be swept in time order. */
static int
s_idempotency_put (bs_service_t *self, MDB_txn *txn, const char *key, bs_request_t *request)
{
    const msgpack_sbuffer *stored = NULL;
    int rc = s_stored_put (self, request, &stored);
    if (rc == BS_OK)
        rc = bs_store_put_bytes (txn, self->idempotency, key, stored->data, stored->size);
    if (rc != BS_OK)
        return rc;
    size_t length = strlen (key);
    unsigned char index[S_EXPIRY_HEAD + BS_TYPE_MAX + BS_ID_MAX + 2];
    index[0] = S_EXPIRY_PREFIX;
    bs_store_key (request->now, index + 1);
    memcpy (index + S_EXPIRY_HEAD, key, length);
    MDB_val index_key = {S_EXPIRY_HEAD + length, index}, empty = {0, ""};
    rc = bs_store_put (txn, self->idempotency, &index_key, &empty, 0);
    return rc ? bs_store_error (rc, "index an idempotency key") : BS_OK;
}

/* versions_expiry holds, for each copy bs_service_keep_version kept,
   'k' and its key -> the time it is kept from (8 bytes, big-endian), and
   't', that time and its key -> nothing: the sweep's order. */
#define S_VERSION_AT 'k'
#define S_SWEEP_MAX 10000 /* entries a sweep forgets (or adopts) at most */
#define S_VERSION_ORDER 't'
#define S_VERSION_KEY_MAX 256

/* The versions_expiry key of kind for a version's key (and time). */
static MDB_val
s_version_index (char kind, uint64_t at, const void *key, size_t length, unsigned char *index)
{
    size_t head = kind == S_VERSION_ORDER ? 9 : 1;
    index[0] = (unsigned char) kind;
    if (kind == S_VERSION_ORDER)
        bs_store_key (at, index + 1);
    memcpy (index + head, key, length);
    return (MDB_val){head + length, index};
}

/* Put the copy under key (length bytes) in the sweep's order from at, or
   from the later time it was already there from. */
static int
s_version_expire (bs_service_t *self, MDB_txn *txn, const void *key, size_t length, uint64_t at)
{
    unsigned char by_key[1 + S_VERSION_KEY_MAX], by_time[9 + S_VERSION_KEY_MAX], time[8];
    if (length > S_VERSION_KEY_MAX)
        return BS_E_LIMIT;
    MDB_val index = s_version_index (S_VERSION_AT, 0, key, length, by_key), value;
    int rc = mdb_get (txn, self->versions_expiry, &index, &value);
    if (rc == 0 && value.mv_size == 8) {
        uint64_t before = bs_store_key_value (value.mv_data);
        if (before >= at)
            return BS_OK;
        MDB_val order = s_version_index (S_VERSION_ORDER, before, key, length, by_time);
        rc = bs_store_del (txn, self->versions_expiry, &order);
    }
    if (rc && rc != MDB_NOTFOUND)
        return bs_store_error (rc, "refresh a kept version");
    bs_store_key (at, time);
    value = (MDB_val){8, time};
    rc = bs_store_put (txn, self->versions_expiry, &index, &value, 0);
    MDB_val order = s_version_index (S_VERSION_ORDER, at, key, length, by_time), empty = {0, ""};
    if (rc == 0)
        rc = bs_store_put (txn, self->versions_expiry, &order, &empty, 0);
    return rc ? bs_store_error (rc, "index a kept version") : BS_OK;
}

void
bs_service_version_key (uint64_t id, uint64_t version, char *key, size_t size)
{
    snprintf (key, size, "%" PRIu64 ".%" PRIu64, id, version);
}

int
bs_service_keep_version (bs_service_t *self, MDB_txn *txn, const char *key,
                         const bs_schema_t *schema, const void *record, uint64_t at)
{
    if (!self->keeps_versions)
        return BS_E_SYSTEM; /* a defect: its databases do not name versions_expiry */
    if (strlen (key) > S_VERSION_KEY_MAX)
        return BS_E_LIMIT;
    int rc = bs_store_put_record_by_name (txn, self->versions, key, schema, record);
    if (rc == BS_OK)
        rc = s_version_expire (self, txn, key, strlen (key), at ? at : self->now);
    return rc;
}

/* Copies kept before versions_expiry existed (or by an older build) have
   no time: they get now, so they outlive every reply stored by then
   (none is older than idempotency_days) and then go. At most *budget
   of them, the rest at the next sweep; none to look for while each copy
   has its two entries. */
static int
s_versions_adopt (bs_service_t *self, MDB_txn *txn, uint64_t now, size_t *budget)
{
    MDB_stat versions, expiry;
    int rc = mdb_stat (txn, self->versions, &versions);
    if (rc == 0)
        rc = mdb_stat (txn, self->versions_expiry, &expiry);
    if (rc)
        return bs_store_error (rc, "count kept versions");
    if (2 * versions.ms_entries <= expiry.ms_entries)
        return BS_OK;
    MDB_cursor *cursor;
    rc = mdb_cursor_open (txn, self->versions, &cursor);
    if (rc)
        return bs_store_error (rc, "adopt kept versions");
    MDB_val key, value;
    size_t adopted = 0;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    for (; found == 0 && rc == BS_OK && adopted < *budget;
         found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT)) {
        unsigned char by_key[1 + S_VERSION_KEY_MAX];
        if (key.mv_size > S_VERSION_KEY_MAX)
            continue; /* never kept by bs_service_keep_version */
        MDB_val index = s_version_index (S_VERSION_AT, 0, key.mv_data, key.mv_size, by_key), at;
        found = mdb_get (txn, self->versions_expiry, &index, &at);
        if (found == MDB_NOTFOUND) {
            rc = s_version_expire (self, txn, key.mv_data, key.mv_size, now);
            adopted++;
        } else if (found)
            rc = bs_store_error (found, "adopt kept versions");
    }
    mdb_cursor_close (cursor);
    *budget -= adopted;
    if (adopted)
        bs_log_info ("kept versions: %zu copies from before their expiry, forgotten in %" PRIu64
                     " days",
                     adopted, bs_config_get_number (self->config, "idempotency_days"));
    return rc;
}

/* Forget the kept copies older than before, oldest first, at most
 *budget of them. */
static int
s_versions_sweep (bs_service_t *self, MDB_txn *txn, uint64_t before, size_t *budget)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, self->versions_expiry, &cursor);
    if (rc)
        return bs_store_error (rc, "sweep kept versions");
    for (; *budget && rc == 0; (*budget)--) {
        unsigned char start = S_VERSION_ORDER, key[S_VERSION_KEY_MAX],
                      by_key[1 + S_VERSION_KEY_MAX];
        MDB_val index = {1, &start}, value;
        if (mdb_cursor_get (cursor, &index, &value, MDB_SET_RANGE) != 0 || index.mv_size <= 9
            || index.mv_size > 9 + S_VERSION_KEY_MAX
            || *(const unsigned char *) index.mv_data != S_VERSION_ORDER
            || bs_store_key_value ((const unsigned char *) index.mv_data + 1) >= before)
            break;
        size_t length = index.mv_size - 9;
        memcpy (key, (const unsigned char *) index.mv_data + 9, length);
        rc = bs_store_cursor_del (cursor);
        MDB_val version = {length, key};
        if (rc == 0)
            rc = bs_store_del (txn, self->versions, &version);
        MDB_val at = s_version_index (S_VERSION_AT, 0, key, length, by_key);
        if (rc == 0 || rc == MDB_NOTFOUND)
            rc = bs_store_del (txn, self->versions_expiry, &at);
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "forget a kept version") : BS_OK;
}

/* The built-in timer: forget idempotency keys older than idempotency_days,
   oldest first, a bounded number per run so a turn stays short, and the
   copies kept for them (bs_service_keep_version) at the same age. A
   client retrying a command after that long gets it applied again. */
/* Forget the idempotency keys indexed in dbi (the idempotency tree, or
   an older store's idempotency_expiry) under head bytes (the prefix,
   none in the older index) before time before, oldest first, while
   *swept < S_SWEEP_MAX. */
static int
s_keys_sweep (bs_service_t *self, MDB_txn *txn, MDB_dbi dbi, size_t head, uint64_t before,
              size_t *swept)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open (txn, dbi, &cursor);
    if (rc)
        return bs_store_error (rc, "sweep idempotency keys");
    unsigned char first = S_EXPIRY_PREFIX, key[BS_TYPE_MAX + BS_ID_MAX + 2];
    while (rc == 0 && *swept < S_SWEEP_MAX) {
        /* The oldest entry left: the first under the prefix (a key
           deleted below may have moved the cursor). */
        MDB_val index = {head - 8, &first}, value;
        int found = mdb_cursor_get (cursor, &index, &value, head > 8 ? MDB_SET_RANGE : MDB_FIRST);
        const unsigned char *at = index.mv_data;
        if (found || index.mv_size <= head || index.mv_size - head > sizeof key
            || (head > 8 && at[0] != S_EXPIRY_PREFIX)
            || bs_store_key_value (at + head - 8) >= before)
            break;
        size_t length = index.mv_size - head;
        memcpy (key, at + head, length);
        rc = bs_store_cursor_del (cursor);
        MDB_val stored = {length, key};
        if (rc == 0)
            rc = bs_store_del (txn, self->idempotency, &stored);
        if (rc == MDB_NOTFOUND)
            rc = 0;
        *swept += rc == 0;
    }
    mdb_cursor_close (cursor);
    return rc ? bs_store_error (rc, "forget an idempotency key") : BS_OK;
}

int
bs_service_idempotency_sweep (bs_service_t *self, MDB_txn *txn, uint64_t now, void *argument)
{
    (void) argument;
    uint64_t keep = bs_config_get_number (self->config, "idempotency_days") * 24 * 3600 * 1000;
    if (keep == 0 || now < keep)
        return BS_OK;
    size_t swept = 0;
    int rc = BS_OK;
    if (self->expiry_apart) {
        /* Nothing writes to the older index: once it is empty in this
           transaction's view (before this sweep deleted anything, so an
           aborted turn cannot bring entries back), it stays empty. */
        MDB_stat older;
        rc = mdb_stat (txn, self->idempotency_expiry, &older);
        if (rc)
            return bs_store_error (rc, "count the idempotency keys' older index");
        self->expiry_apart = older.ms_entries > 0;
    }
    if (self->expiry_apart)
        rc = s_keys_sweep (self, txn, self->idempotency_expiry, 8, now - keep, &swept);
    if (rc == BS_OK)
        rc = s_keys_sweep (self, txn, self->idempotency, S_EXPIRY_HEAD, now - keep, &swept);
    if (rc != BS_OK)
        return rc;
    if (swept)
        bs_log_info ("forgot %zu idempotency keys older than %" PRIu64 " days", swept,
                     bs_config_get_number (self->config, "idempotency_days"));
    size_t budget = S_SWEEP_MAX - swept;
    if (self->keeps_versions)
        rc = s_versions_sweep (self, txn, now - keep, &budget);
    if (rc == BS_OK && self->keeps_versions)
        rc = s_versions_adopt (self, txn, now, &budget);
    return rc;
}

/* type, 0x1f, id: without printf (every command is looked up by it). */
static int
s_idempotency_key (const bs_message_t *message, char *key, size_t size)
{
    size_t type = strlen (message->type), id = strlen (message->id);
    if (type + 1 + id >= size)
        return BS_E_LIMIT;
    memcpy (key, message->type, type);
    key[type] = '\x1f';
    memcpy (key + type + 1, message->id, id + 1);
    return BS_OK;
}

typedef struct {
    bs_service_pending_t *pending;
    const char *key; /* idempotency key, NULL when the command does not mutate */
} s_command_step_t;

/* The handler, and the reply stored under the idempotency key. */
static int
s_command_apply (MDB_txn *txn, void *argument)
{
    s_command_step_t *step = argument;
    bs_request_t *request = &step->pending->request;
    const bs_service_handler_t *handler = step->pending->handler;
    bs_service_reply_reset (request);
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
s_apply_request (bs_service_t *self, MDB_txn *txn, bs_service_pending_t *pending)
{
    bs_request_t *request = &pending->request;
    char key[BS_TYPE_MAX + BS_ID_MAX + 2];
    bs_service_reply_reset (request);
    request->now = self->now;
    if (pending->handler->mutates) {
        s_idempotency_key (&pending->message, key, sizeof key);
        const void *stored;
        size_t size;
        int rc = bs_store_get_bytes (txn, self->idempotency, key, &stored, &size);
        if (rc == BS_OK && size && *(const unsigned char *) stored == BS_STORED_FORM) {
            rc = s_stored_reply (self, txn, pending->message.id, stored, size, &request->reply);
            if (rc == BS_E_MAP_FULL || rc == BS_E_STORAGE)
                return rc;
            if (rc != BS_OK) {
                bs_log_error ("the stored reply of %s %s cannot be made again",
                              pending->message.type, pending->message.id);
                bs_service_request_fail_text (request, BS_E_SYSTEM, "",
                                              "the reply stored for this id cannot be made again");
            }
            return BS_OK;
        }
        if (rc == BS_OK) {
            if (msgpack_sbuffer_write (&request->reply, stored, size) != 0)
                bs_service_request_fail_text (request, BS_E_SYSTEM, "", "out of memory");
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
        bs_service_request_fail_text (request, rc, "", "the command failed");
    return BS_OK;
}

static int
s_apply_turn (MDB_txn *txn, void *argument)
{
    bs_service_t *self = argument;
    bs_service_batch_t *batch = self->applying;
    self->emitted = false;
    bs_service_feed_drop (self);
    int rc = s_apply_events (self, txn);
    if (rc == BS_OK)
        rc = s_apply_timers (self, txn);
    for (size_t i = 0; rc == BS_OK && i < batch->count; i++)
        if (batch->pending[i].handler)
            rc = s_apply_request (self, txn, &batch->pending[i]);
    if (rc == BS_OK && self->gathering)
        rc = s_gather (self, txn);
    return rc;
}

/* The writer's job (bs_writer.h): the applying turn in one write
   transaction, first straight, and carefully (a nested transaction per
   step) when a step failed (s_step). Runs in the writer's thread. */
int
bs_service_write_turn (void *argument)
{
    bs_service_t *self = argument;
    uint64_t began = bs_latency_clock ();
    self->careful = false;
    int rc = bs_store_write_then (self->store, s_apply_turn, bs_service_feed_send, self);
    if (rc == S_APPLY_CAREFULLY) {
        self->careful = true;
        rc = bs_store_write_then (self->store, s_apply_turn, bs_service_feed_send, self);
    }
    self->turn_us = bs_latency_clock () - began;
    return rc;
}
