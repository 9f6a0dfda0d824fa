/*  limit_review: the review stage of the chain of measure 2's shape
    (limit.h): intake's events in, synchronous deciders answered, the
    decisions streamed on. The least measure 2 asks of review:

      - each report's event from intake (a PULL) is put under its report
        id, in the turn's one transaction with the stream's cursor, and
        its id queued (in memory: a restart could queue again the cases
        stored and not decided);
      - a decider's request (a ROUTER; a msgpack map: type, id, critique)
        asks for the next queued case and decides it: the case read, then
        6 puts (the decided case, the decision in the log, its audit entry,
        the decisions' counter, the index of decisions, the stored reply
        under the request's idempotency key), in the turn's transaction;
        a request that finds no case queued waits, unanswered, for one;
      - one commit a turn (fsync), then the replies, then each decision
        streamed to publication and to statistics (PUSH).
*/
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "limit.h"
#include "limit_role.h"

enum { S_CASES, S_LOG, S_COUNTERS, S_AUDIT, S_DECIDED, S_IDEMPOTENCY };
static const char *const s_databases[] = {"cases", "log",     "counters",
                                          "audit", "decided", "idempotency"};

/* A decider's request, from its arrival to its reply. */
typedef struct {
    zmq_msg_t identity, payload;
    msgpack_unpacked unpacked;
    msgpack_object_str type, id, critique; /* into unpacked */
    bool valid;                            /* decoded with every field (and a key) */
    uint64_t report_id;                    /* the case decided this turn, 0 while it waits */
    msgpack_sbuffer reply, event;
} s_ask_t;

typedef struct {
    void *in, *router, *streams[2];
    bool curve;
    limit_store_t store;
    zmq_msg_t items[LIMIT_BATCH_MAX];
    s_ask_t asks[LIMIT_BATCH_MAX]; /* slots */
    size_t order[LIMIT_BATCH_MAX]; /* the asks held, by arrival: slot numbers */
    size_t held;                   /* in order */
    size_t free[LIMIT_BATCH_MAX];  /* slots not held */
    size_t free_count;
    uint64_t *queue; /* report ids waiting for a decision */
    size_t head, tail, capacity;
    uint64_t items_stored, decisions, commits;
} s_review_t;

/* Decode the request's map and point its fields into it. */
static bool
s_decode (s_ask_t *ask)
{
    const limit_field_t fields[] = {
        {"type", &ask->type}, {"id", &ask->id}, {"critique", &ask->critique}};
    return limit_decode_fields (&ask->unpacked, zmq_msg_data (&ask->payload),
                                zmq_msg_size (&ask->payload), fields, 3)
               == 3
           && ask->id.size > 0 && ask->id.size < 200 && ask->type.size < 50;
}

/* Take the deciders' requests waiting on the router into free slots. */
static void
s_take_asks (s_review_t *review)
{
    while (review->free_count > 0) {
        s_ask_t *ask = &review->asks[review->free[review->free_count - 1]];
        zmq_msg_init (&ask->identity);
        zmq_msg_init (&ask->payload);
        if (zmq_msg_recv (&ask->identity, review->router, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (&ask->identity);
            zmq_msg_close (&ask->payload);
            return;
        }
        zmq_msg_recv (&ask->payload, review->router, 0); /* the rest of a message is there */
        ask->report_id = 0;
        ask->valid = s_decode (ask);
        if (!ask->valid)
            limit_error_reply (&ask->reply, "not a decision");
        else if (review->curve && !zmq_msg_gets (&ask->payload, "User-Id")) {
            ask->valid = false; /* the client's key, as the ZAP handler admitted it */
            limit_error_reply (&ask->reply, "no key");
        }
        review->order[review->held++] = review->free[--review->free_count];
    }
}

static int
s_queue_push (s_review_t *review, uint64_t report_id)
{
    if (review->tail == review->capacity) {
        if (review->head > 0) { /* slide the waiting ones to the front */
            memmove (review->queue, review->queue + review->head,
                     (review->tail - review->head) * sizeof *review->queue);
            review->tail -= review->head;
            review->head = 0;
        } else {
            size_t capacity = review->capacity ? review->capacity * 2 : 4096;
            uint64_t *queue = realloc (review->queue, capacity * sizeof *queue);
            if (!queue)
                return ENOMEM;
            review->queue = queue;
            review->capacity = capacity;
        }
    }
    review->queue[review->tail++] = report_id;
    return 0;
}

/* intake's events: each stored under its report id and queued. */
static int
s_store_items (s_review_t *review, MDB_txn *txn, size_t count)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < count; i++) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t offset = 0;
        msgpack_object_str type;
        uint64_t report_id = 0;
        bool received = msgpack_unpack_next (&unpacked, zmq_msg_data (&review->items[i]),
                                             zmq_msg_size (&review->items[i]), &offset)
                            == MSGPACK_UNPACK_SUCCESS
                        && limit_item_head (&unpacked.data, &type, &report_id)
                        && limit_item_kind (&type) == LIMIT_KIND_RECEIVED;
        msgpack_unpacked_destroy (&unpacked);
        if (!received)
            continue;
        unsigned char key[8];
        limit_key (report_id, key);
        rc = limit_put (txn, review->store.dbis[S_CASES], key, 8, zmq_msg_data (&review->items[i]),
                        zmq_msg_size (&review->items[i]), 0);
        if (!rc)
            rc = s_queue_push (review, report_id);
        review->items_stored++;
    }
    unsigned char cursor[8];
    limit_key (review->items_stored, cursor);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_COUNTERS], "upstream", 8, cursor, 8, 0);
    return rc;
}

/* Decide case report_id for ask: the case read, the decision's event and
   reply made, the 6 puts. */
static int
s_decide (s_review_t *review, MDB_txn *txn, s_ask_t *ask, uint64_t report_id)
{
    unsigned char key[8], seq[8];
    limit_key (report_id, key);
    MDB_val case_key = {8, key}, stored;
    int rc = mdb_get (txn, review->store.dbis[S_CASES], &case_key, &stored);
    if (rc)
        return rc;
    const char *decision = limit_adopts (report_id) ? "adopt" : "decline";
    msgpack_packer packer;
    msgpack_sbuffer_clear (&ask->event);
    msgpack_packer_init (&packer, &ask->event, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 5);
    limit_pack_text (&packer, "type");
    limit_pack_text (&packer, LIMIT_DECIDED);
    limit_pack_text (&packer, "report_id");
    msgpack_pack_uint64 (&packer, report_id);
    limit_pack_text (&packer, "decision");
    limit_pack_text (&packer, decision);
    limit_pack_text (&packer, "critique");
    msgpack_pack_str_with_body (&packer, ask->critique.ptr, ask->critique.size);
    limit_pack_text (&packer, "case"); /* the event intake streamed, as stored */
    msgpack_sbuffer_write (&ask->event, stored.mv_data, stored.mv_size);
    msgpack_sbuffer_clear (&ask->reply);
    msgpack_packer_init (&packer, &ask->reply, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 2);
    limit_pack_text (&packer, "report_id");
    msgpack_pack_uint64 (&packer, report_id);
    limit_pack_text (&packer, "decision");
    limit_pack_text (&packer, decision);

    uint64_t number = ++review->decisions;
    limit_key (number, seq);
    char audit[64], idempotency[256];
    int audit_size = snprintf (audit, sizeof audit, "%" PRIu64 " %s", report_id, decision);
    int idempotency_size =
        snprintf (idempotency, sizeof idempotency, "%.*s\x1f%.*s", (int) ask->type.size,
                  ask->type.ptr, (int) ask->id.size, ask->id.ptr);
    rc = limit_put (txn, review->store.dbis[S_CASES], key, 8, ask->event.data, ask->event.size, 0);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_LOG], seq, 8, ask->event.data, ask->event.size,
                        MDB_APPEND);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_AUDIT], seq, 8, audit, (size_t) audit_size,
                        MDB_APPEND);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_COUNTERS], "decisions", 9, seq, 8, 0);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_DECIDED], key, 8, seq, 8, 0);
    if (!rc)
        rc = limit_put (txn, review->store.dbis[S_IDEMPOTENCY], idempotency,
                        (size_t) idempotency_size, ask->reply.data, ask->reply.size, 0);
    if (!rc)
        ask->report_id = report_id;
    return rc;
}

/* After the commit: every ask decided or refused answered, its decision
   streamed, its slot freed; the asks still waiting kept in order. */
static void
s_answer (s_review_t *review)
{
    size_t kept = 0;
    for (size_t i = 0; i < review->held; i++) {
        s_ask_t *ask = &review->asks[review->order[i]];
        if (ask->valid && ask->report_id == 0) {
            review->order[kept++] = review->order[i];
            continue;
        }
        zmq_msg_send (&ask->identity, review->router, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (review->router, ask->reply.data, ask->reply.size, ZMQ_DONTWAIT);
        for (int s = 0; ask->valid && s < 2; s++)
            zmq_send (review->streams[s], ask->event.data, ask->event.size, 0);
        zmq_msg_close (&ask->identity);
        zmq_msg_close (&ask->payload);
        msgpack_unpacked_destroy (&ask->unpacked);
        review->free[review->free_count++] = review->order[i];
    }
    review->held = kept;
}

/* One turn: what arrived from intake and the deciders' requests, one
   transaction, the commit, then the replies and the decisions streamed. */
static int
s_turn (s_review_t *review)
{
    zmq_pollitem_t items[] = {{review->in, 0, ZMQ_POLLIN, 0}, {review->router, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll (items, 2, 1000) <= 0)
        return 0;
    size_t count = limit_receive_waiting (review->in, review->items, LIMIT_BATCH_MAX);
    s_take_asks (review);
    if (count == 0 && (review->head == review->tail || review->held == 0)) {
        s_answer (review); /* nothing to store or decide: refusals alone, if any */
        return 0;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin (review->store.env, NULL, 0, &txn);
    if (!rc)
        rc = s_store_items (review, txn, count);
    for (size_t i = 0; !rc && i < review->held && review->head < review->tail; i++) {
        s_ask_t *ask = &review->asks[review->order[i]];
        if (ask->valid)
            rc = s_decide (review, txn, ask, review->queue[review->head++]);
    }
    if (!rc)
        rc = mdb_txn_commit (txn); /* fsync */
    else if (txn)
        mdb_txn_abort (txn);
    for (size_t i = 0; i < count; i++)
        zmq_msg_close (&review->items[i]);
    if (rc) {
        fprintf (stderr, "bench_limit review: %s\n", mdb_strerror (rc));
        return -1;
    }
    review->commits++;
    s_answer (review);
    return 0;
}

static int
s_review_open (s_review_t *review, limit_curve_t *curve, void *context, const char *in,
               const char *endpoint, const char *const *streams, const char *keys)
{
    int high_water = LIMIT_HIGH_WATER, linger = 0;
    review->in = zmq_socket (context, ZMQ_PULL);
    review->router = zmq_socket (context, ZMQ_ROUTER);
    for (int s = 0; s < 2; s++)
        review->streams[s] = zmq_socket (context, ZMQ_PUSH);
    void *sockets[] = {review->in, review->router, review->streams[0], review->streams[1]};
    for (size_t i = 0; i < 4; i++) {
        zmq_setsockopt (sockets[i], ZMQ_SNDHWM, &high_water, sizeof high_water);
        zmq_setsockopt (sockets[i], ZMQ_RCVHWM, &high_water, sizeof high_water);
        zmq_setsockopt (sockets[i], ZMQ_LINGER, &linger, sizeof linger);
    }
    if (strcmp (keys, "-") != 0) {
        if (limit_curve_read (curve, keys) != 0 || limit_curve_start (curve, context) != 0)
            return -1;
        review->curve = true;
        limit_curve_serve (curve, review->in);
        limit_curve_serve (curve, review->router);
        for (int s = 0; s < 2; s++)
            limit_curve_connect_as_server (curve, review->streams[s]);
    }
    if (zmq_bind (review->in, in) != 0 || zmq_bind (review->router, endpoint) != 0
        || zmq_connect (review->streams[0], streams[0]) != 0
        || zmq_connect (review->streams[1], streams[1]) != 0) {
        fprintf (stderr, "bench_limit review: cannot bind %s and %s or connect: %s\n", in, endpoint,
                 zmq_strerror (errno));
        return -1;
    }
    for (size_t i = 0; i < LIMIT_BATCH_MAX; i++) {
        msgpack_sbuffer_init (&review->asks[i].reply);
        msgpack_sbuffer_init (&review->asks[i].event);
        review->free[review->free_count++] = LIMIT_BATCH_MAX - 1 - i;
    }
    return 0;
}

int
limit_review (const char *folder, const char *in, const char *endpoint, const char *publication,
              const char *statistics, const char *keys)
{
    s_review_t *review = calloc (1, sizeof *review);
    limit_curve_t curve = {0};
    if (!review || limit_store_open (&review->store, folder, s_databases, 6, 0) != 0) {
        free (review);
        return 1;
    }
    void *context = zmq_ctx_new ();
    const char *streams[] = {publication, statistics};
    int rc = s_review_open (review, &curve, context, in, endpoint, streams, keys);
    if (rc == 0)
        limit_ready (folder);
    while (rc == 0 && !limit_stopping)
        rc = s_turn (review);
    limit_write_counts (folder, review->decisions, review->commits);
    for (size_t i = 0; i < review->held; i++) {
        s_ask_t *ask = &review->asks[review->order[i]];
        zmq_msg_close (&ask->identity);
        zmq_msg_close (&ask->payload);
        msgpack_unpacked_destroy (&ask->unpacked);
    }
    for (size_t i = 0; i < LIMIT_BATCH_MAX; i++) {
        msgpack_sbuffer_destroy (&review->asks[i].reply);
        msgpack_sbuffer_destroy (&review->asks[i].event);
    }
    zmq_close (review->in);
    zmq_close (review->router);
    for (int s = 0; s < 2; s++)
        zmq_close (review->streams[s]);
    limit_curve_stop (&curve, context);
    zmq_ctx_term (context);
    mdb_env_close (review->store.env);
    free (review->queue);
    free (review);
    return rc ? 1 : 0;
}
