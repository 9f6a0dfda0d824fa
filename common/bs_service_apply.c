/*  bs_service_apply: the turn's transaction, in the writer's thread: the
    consumers' events, the due timers and the batch's commands applied in
    one write transaction, with idempotency for commands that mutate (the
    replies stored under their keys: bs_service_idempotency.c).
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
   while it stays live (bs_consumer_live); once one is not, the turn
   commits (the others' gathering on held its consumer's next events
   unreceived: at 5,000 reports a second a gather of 50 ms filled
   intake's batch and held the rest until it ended). A run of the turn
   again (the map grown, or carefully) applies it whole and gathers on. */
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
            /* A batch full for a turn commits it: its consumer's next
               events would wait unreceived until the gather ends, the
               others' gathering on. */
            if (!bs_consumer_live (consumer))
                return BS_OK;
            index[count] = c;
            items[count++] =
                (zmq_pollitem_t){zsock_resolve (bs_consumer_socket (consumer)), 0, ZMQ_POLLIN, 0};
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
        rc = bs_service_idempotency_put (request->service, txn, step->key, request);
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
        bs_service_idempotency_key (&pending->message, key, sizeof key);
        const void *stored;
        size_t size;
        int rc = bs_store_get_bytes (txn, self->idempotency, key, &stored, &size);
        if (rc == BS_OK && size && *(const unsigned char *) stored == BS_STORED_FORM) {
            rc = bs_service_stored_reply (self, txn, pending->message.id, stored, size,
                                          &request->reply);
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
