/*  bs_service_loop: the service's loop, in the loop's thread (see the
    comment below); bs_service_turn and bs_service_run.
*/
#include "bs_service.h"

#include <errno.h>
#include <unistd.h>

#include "bs_clock.h"
#include "bs_latency.h"
#include "bs_log.h"
#include "bs_socket.h"
#include "bs_stream.h"
#include "bs_writer.h"
#include "bs_service_state.h"

/* The loop

   Two threads share the work of a turn. The loop's thread owns every
   socket but the feed's: it receives, decodes and checks commands, and
   sends replies and stream events. The writer's thread applies a turn,
   sends its feed as the commit begins (bs_service_feed.c) and commits it
   (bs_writer.h). While the writer holds turn N, the loop has
   sent the replies of turn N-1 and streams committed events to the
   consumers; the commands of turn N+1 wait in the socket meanwhile and
   are all taken at once when turn N is collected (waking the loop for
   each command as it arrived cost a thread switch and a dozen system
   calls a command: bench/README.md). A consumer catching up (its batch
   in turn N is large) is the exception: the loop receives and decodes
   its next events meanwhile (bs_consumer_ahead). Turn N's replies leave only after
   its commit has returned, so nothing is acknowledged before it is on
   disk, and turns commit one after another in the order they were
   taken. A turn of upstream events alone may wait a little for more
   (s_lingering). What the writer reads besides its batch (the consumers'
   batches taken, the timers, the feed queue, the turn's time) the
   loop leaves alone until the turn is collected. */

static void
s_send_replies (bs_service_t *self, bs_service_batch_t *batch)
{
    for (size_t i = 0; i < batch->count; i++) {
        bs_service_pending_t *pending = &batch->pending[i];
        if (pending->request.reply.size
            && bs_socket_send (self->commands, pending->identity, pending->request.reply.data,
                               pending->request.reply.size)
                   != BS_OK)
            bs_log_debug ("a client left before its reply (it will retry)");
        else if (pending->request.reply.size == 0 && pending->request.deferral.start)
            bs_service_deferral_start (self, pending->identity, &pending->request);
        bs_service_pending_clear (pending);
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

/* Whether a turn now would hold the consumers' events only and come
   less than linger ms after the last one was handed over: then it waits,
   and the events of several upstream turns are applied and committed
   together (a commit costs the same for a few events as for many). */
static bool
s_lingering (bs_service_t *self, uint64_t monotonic)
{
    if (!self->linger || monotonic >= self->applying_since + self->linger
        || bs_service_batch_has_commands (self->taking))
        return false;
    for (size_t i = 0; i < self->timer_count; i++)
        if (self->timers[i].due && self->timers[i].due <= monotonic)
            return false;
    return true;
}

/* Which of the loop's sockets may hold input after s_wait: one it polled
   and found with none (bs_socket_poll) is not received from, so that
   receive's system calls (libzmq looks for its threads' signals before it
   says there is nothing) are not made. A socket not polled may hold
   input, and so may one a send has used since (a send takes libzmq's
   signals too, and with them the news of a message). */
typedef struct {
    bool commands;                                /* the command socket */
    bool producer;                                /* the stream's socket */
    bool consumers[BS_SERVICE_CONSUMERS_MAX];     /* each consumption's socket */
} s_input_t;

/* Every socket may hold input (before a wait, or after sends on them). */
static void
s_input_any (s_input_t *input)
{
    input->commands = input->producer = true;
    for (size_t i = 0; i < BS_SERVICE_CONSUMERS_MAX; i++)
        input->consumers[i] = true;
}

/* Wait for any socket or a due timer, at most timeout_ms. While the
   writer has a turn, the wait is for its end, for deferred replies, for
   the credit of a consumer that has none left and for the events of a
   consumer that is catching up: commands, other events, other credit
   and timers wait for the writer. A credit to a consumer with credit left
   changes nothing before the turn is collected (the turn's events are
   pumped then, and the credit read then), and each one that woke the
   loop during a commit cost a wake-up, a receive and a pump (about one
   and a half a turn at 50 clients: bench/README.md). The deferred inbox is polled
   only while a deferred reply is awaited: each ZeroMQ socket in a poll
   costs system calls (its mailbox is polled too), and most turns defer
   nothing. While the next turn lingers (s_lingering), the consumers'
   sockets wait unpolled until the linger ends or a command comes.
   input says which sockets may hold input. BS_E_UNAVAILABLE when
   interrupted (a signal, or the context ends): no turn then. */
static int
s_wait (bs_service_t *self, int timeout_ms, s_input_t *input)
{
    s_input_any (input);
    bool writing = bs_writer_busy (self->writer);
    uint64_t monotonic = bs_clock_monotonic ();
    bool lingering = !writing && s_lingering (self, monotonic);
    zmq_pollitem_t items[4 + BS_SERVICE_CONSUMERS_MAX];
    bool *flags[4 + BS_SERVICE_CONSUMERS_MAX]; /* the input flag of each item, or NULL */
    size_t count = 0;
    /* A gathering turn ends for the first command (s_turn): listened for. */
    bool gathering = writing && self->gathering && !self->gather_stopped;
    if ((!writing || gathering) && self->taking->count < self->batch_max) {
        flags[count] = &input->commands;
        items[count++] = (zmq_pollitem_t){zsock_resolve (self->commands), 0, ZMQ_POLLIN, 0};
    }
    if (self->deferred_waiting) {
        flags[count] = NULL;
        items[count++] = (zmq_pollitem_t){zsock_resolve (self->deferred_inbox), 0, ZMQ_POLLIN, 0};
    }
    if (self->producer && (!writing || bs_producer_starved (self->producer))) {
        flags[count] = &input->producer;
        items[count++] =
            (zmq_pollitem_t){zsock_resolve (bs_producer_socket (self->producer)), 0, ZMQ_POLLIN, 0};
    }
    if (writing) {
        flags[count] = NULL;
        items[count++] = (zmq_pollitem_t){NULL, bs_writer_fd (self->writer), ZMQ_POLLIN, 0};
    }
    for (size_t i = 0; i < self->consumption_count && !(writing && self->gathering); i++) {
        bs_consumer_t *consumer = self->consumptions[i].consumer;
        zsock_t *socket = bs_consumer_socket (consumer);
        if (socket && (writing ? bs_consumer_ahead (consumer) : !lingering)) {
            flags[count] = &input->consumers[i];
            items[count++] = (zmq_pollitem_t){zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        }
    }
    int timeout = writing ? timeout_ms : s_poll_timeout (self, timeout_ms);
    if (lingering && (int) (self->applying_since + self->linger - monotonic) < timeout)
        timeout = (int) (self->applying_since + self->linger - monotonic);
    if (bs_socket_poll (items, (int) count, timeout) == -1) {
        s_input_any (input);
        if (errno == EINTR || errno == ETERM)
            return BS_E_UNAVAILABLE;
        bs_log_error ("poll failed: %s", zmq_strerror (errno));
        return BS_E_SYSTEM;
    }
    for (size_t i = 0; i < count; i++)
        if (flags[i])
            *flags[i] = items[i].revents != 0;
    return BS_OK;
}

/* Take every command that has arrived, up to batch_max in the taking
   batch, received, decoded and checked at time now. What is answered
   already (a ping, a refusal) leaves at once: it waits for no commit. */
static void
s_take_commands (bs_service_t *self, uint64_t now)
{
    bs_service_batch_t *batch = self->taking;
    while (batch->count < self->batch_max) {
        char key[BS_PEER_KEY_SIZE];
        zframe_t *identity;
        zmq_msg_t payload; /* decoded where libzmq received it */
        size_t frames;
        if (!bs_socket_receive_command (self->commands, &identity, &payload, &frames, key))
            break;
        size_t before = batch->count;
        bs_service_take_request (self, batch, identity, zmq_msg_data (&payload),
                                 zmq_msg_size (&payload), frames, key, now);
        zmq_msg_close (&payload);
        if (batch->count > before && !batch->pending[before].handler) {
            bs_service_batch_t answered = {.pending = &batch->pending[before], .count = 1};
            s_send_replies (self, &answered);
            batch->count = before;
        }
    }
}

/* While the writer applies a turn: the next events of the consumers
   catching up, received and decoded meanwhile. */
static void
s_receive_ahead (bs_service_t *self, const s_input_t *input)
{
    for (size_t i = 0; i < self->consumption_count && !self->gathering; i++)
        if (input->consumers[i] && bs_consumer_ahead (self->consumptions[i].consumer))
            bs_consumer_receive (self->consumptions[i].consumer);
}

/* With the writer idle: every event the consumers have received (from
   the sockets that may hold input), and the due timers. Whether the turn, with the commands taken, has anything to
   commit. */
static bool
s_take_events (bs_service_t *self, uint64_t monotonic, const s_input_t *input)
{
    bool has_work = bs_service_batch_has_commands (self->taking);
    for (size_t i = 0; i < self->consumption_count; i++) {
        bs_consumer_t *consumer = self->consumptions[i].consumer;
        if (input->consumers[i])
            bs_consumer_receive (consumer);
        if (bs_consumer_take (consumer)) /* the next events come while these are applied */
            has_work = true;
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
   the timers' next times. (The feed left as the turn began its commit:
   bs_service_feed.c.) */
static void
s_after_commit (bs_service_t *self, uint64_t monotonic)
{
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_committed (self->consumptions[i].consumer);
    for (size_t i = 0; i < self->timer_count; i++)
        if (self->timers[i].running)
            self->timers[i].due = monotonic + self->timers[i].interval;
}

/* The turn could not commit: every command of it is answered with the
   error, nothing of it leaves. */
static void
s_after_failure (bs_service_t *self, int rc)
{
    bs_log_error ("the turn could not commit: %s; replying with the error", bs_error_name (rc));
    bs_service_batch_t *batch = self->applying;
    for (size_t i = 0; i < batch->count; i++)
        if (batch->pending[i].handler)
            bs_service_request_fail_text (&batch->pending[i].request, rc, "",
                                          rc == BS_E_DISK_FULL
                                              ? "the disk is full: nothing was stored"
                                              : "the store failed: nothing was stored");
    bs_service_feed_drop (self);
    if (bs_store_broken (self->store) || (self->kept && bs_store_broken (self->kept))) {
        /* Its journal failed to flush: nothing more can be acknowledged
           until the store is opened again. Ending like a kill -9 (no
           reply leaves) lets the supervisor start it again, which replays
           what reached the disk. */
        bs_log_error ("%s: its store's journal failed to flush: ending to be started again",
                      self->name);
        _exit (70);
    }
    zclock_sleep (100); /* do not spin on a failing disk */
}

/* Whether the turn about to be handed over may gather (bs_service_apply.c,
   s_gather): consume_gather_ms is set, it holds the consumers' events
   alone (no command waits for its reply, no timer runs) and every
   consumer is subscribed and live (one catching up sends its large batch
   as it is, the loop receiving the next meanwhile: bs_consumer_ahead). */
static bool
s_may_gather (bs_service_t *self)
{
    if (!self->gather || bs_service_batch_has_commands (self->taking))
        return false;
    for (size_t i = 0; i < self->timer_count; i++)
        if (self->timers[i].running)
            return false;
    for (size_t i = 0; i < self->consumption_count; i++)
        if (!bs_consumer_live (self->consumptions[i].consumer))
            return false;
    return true;
}

/* Give the taking batch, with the events and timers taken, to the
   writer; the other batch, answered, takes the next commands. */
static int
s_hand_over (bs_service_t *self, uint64_t monotonic)
{
    self->gathering = s_may_gather (self);
    self->gather_stopped = false;
    uint64_t told;
    if (self->gathering && read (self->gather_stop, &told, sizeof told) < 0)
        told = 0; /* none: the last gathering turn ended before it was told */
    bs_service_batch_t *answered = self->applying;
    self->applying = self->taking;
    self->taking = answered;
    self->now = bs_clock_now ();
    self->applying_since = monotonic;
    return bs_writer_start (self->writer);
}

/* Collect the writer's turn once it has committed (waiting for it when
   wait is true): what waited for the commit leaves, or the error replies
   when it failed. The turn's events are streamed before its replies:
   libzmq's I/O thread sends what it is given in order, one connection
   after the other, so a stream frame given after a turn's replies waited
   for each of them to be boxed and written, and, on a busy machine, for
   each client woken by its reply to run first (bench/README.md, "The
   stream hop"). A frame costs a reply a few microseconds; both are sent
   only after the commit has returned. True when it pumped. */
static bool
s_collect (bs_service_t *self, bool wait)
{
    int rc;
    if (bs_writer_finish (self->writer, wait, &rc) != BS_OK)
        return false;
    if (rc == BS_OK) {
        bs_latency_add (&self->commits, self->turn_us);
        s_after_commit (self, self->applying_since);
        if (self->producer)
            bs_producer_pump (self->producer); /* the turn's events, to consumers with credit */
    } else
        s_after_failure (self, rc);
    s_send_replies (self, self->applying);
    for (size_t i = 0; i < self->consumption_count; i++)
        bs_consumer_grant (self->consumptions[i].consumer); /* credit used by duplicates */
    return rc == BS_OK && self->producer;
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
    s_input_t input;
    int rc = s_wait (self, timeout_ms, &input);
    if (rc != BS_OK)
        return rc == BS_E_UNAVAILABLE ? BS_OK : rc;
    if (self->deferred_waiting) {
        size_t forwarded = bs_deferred_forward (self->deferred_inbox, self->commands);
        self->deferred_waiting -=
            forwarded < self->deferred_waiting ? forwarded : self->deferred_waiting;
        input.commands = true; /* sent on */
    }
    bool pumped = false; /* the collected turn's events were streamed */
    if (bs_writer_busy (self->writer)) {
        pumped = s_collect (self, false);
        if (!bs_writer_busy (self->writer)) { /* collected: replies and credit sent */
            bool producer = input.producer;
            s_input_any (&input);
            input.producer = producer; /* pumped only below */
        }
    }
    if (bs_writer_busy (self->writer))
        s_receive_ahead (self, &input);
    if (input.commands)
        s_take_commands (self, bs_clock_now ());
    if (bs_writer_busy (self->writer) && self->gathering && !self->gather_stopped
        && bs_service_batch_has_commands (self->taking)) {
        uint64_t one = 1; /* the gathering turn commits now: the command is the next turn's */
        self->gather_stopped = write (self->gather_stop, &one, sizeof one) == sizeof one;
    }
    if (self->producer && input.producer && bs_producer_receive (self->producer))
        pumped = false; /* a consumer's credit or subscription: pumped again below */
    if (!bs_writer_busy (self->writer)) {
        uint64_t monotonic = bs_clock_monotonic ();
        bool has_work = !s_lingering (self, monotonic) && s_take_events (self, monotonic, &input);
        s_tick (self, monotonic); /* after receiving: silence counts from what arrived */
        if (has_work)
            rc = s_hand_over (self, monotonic);
        else {
            s_send_replies (self, self->taking); /* pings and refusals: nothing to commit */
            for (size_t i = 0; i < self->consumption_count; i++)
                bs_consumer_grant (self->consumptions[i].consumer);
        }
        if (rc == BS_OK && until_committed && bs_writer_busy (self->writer))
            pumped = s_collect (self, true);
    } /* else a later turn hands the commands taken over */
    /* What has committed, to consumers with credit: pumped already when a
       turn was collected, unless a consumer's credit or subscription came
       since (nothing else commits meanwhile: the next turn has just begun). */
    if (self->producer && !pumped)
        bs_producer_pump (self->producer);
    return rc;
}

int
bs_service_turn (bs_service_t *self, int timeout_ms)
{
    return s_turn (self, timeout_ms, true);
}

int
bs_service_turn_running (bs_service_t *self, int timeout_ms)
{
    return s_turn (self, timeout_ms, false);
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
