/*  bench_limit: the minimal servers of limit.h, one role per process, and
    a program that measures them.

        bench_limit server FOLDER ENDPOINT   the same-shape server
        bench_limit server FOLDER ENDPOINT KEYS
                                             the same with CurveZMQ (see below)
        bench_limit journal-server FOLDER ENDPOINT [KEYS]
                                             the same, its commits made durable
                                             by a journal (limit_journal.h)
        bench_limit stage FOLDER IN OUT      one stage of the 4-stage chain
        bench_limit intake FOLDER ENDPOINT REVIEW STATISTICS KEYS|-
        bench_limit review FOLDER IN ENDPOINT PUBLICATION STATISTICS KEYS|-
        bench_limit publication FOLDER IN STATISTICS KEYS|-
        bench_limit statistics FOLDER IN SINK KEYS|-
                                             the stages of the chain of measure
                                             2's shape (limit.h; "-": plain)
        bench_limit [--quick] [--clients N] [--editors N] [--duration S]
                    [--reports M] [--only server,journal,chain,flow,flow-plain]
                    [--dir FOLDER]
                                             the measures, printed

    A role opens its LMDB environment in FOLDER with LMDB's default flags
    (every commit fsync'ed; the journal-server's MDB_NOSYNC, its journal
    flushed instead), binds its sockets, creates FOLDER/ready and runs
    until SIGTERM (or until the process that started it dies). Nothing here
    is baosong's code: plain libzmq, msgpack-c and LMDB, the least a server
    of this shape must do, so the figure is this machine's and not a
    design's.

    With KEYS, a file whose first line is the server's secret key and the
    others its clients' public keys (Z85), the server does what CurveZMQ
    costs baosong's services and nothing more: its ROUTER is a CURVE server
    (secret and public key, a ZAP domain), a ZAP handler thread
    admits the keys listed (once per connection, as bs_zap does) with the
    key as User-Id, and every request's User-Id is read (as
    bs_socket_receive_from does); a request without one is refused. The
    stages of measure 2's shape bind every socket so and connect to the
    next with the same keys (limit_role.h).
*/
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_system.h"
#include "limit.h"
#include "limit_journal.h"
#include "limit_role.h"

/* The same-shape server                                                   */

enum { S_REPORTS, S_LOG, S_COUNTERS, S_REGISTRY, S_FINGERPRINTS, S_IDEMPOTENCY };
static const char *const s_server_databases[] = {"reports",  "log",          "counters",
                                                 "registry", "fingerprints", "idempotency"};

typedef struct {
    zmq_msg_t identity;      /* the client's, from the ROUTER */
    zmq_msg_t payload;       /* the request */
    msgpack_sbuffer reply;   /* the reply, sent after the commit */
    msgpack_sbuffer event;   /* measure 2's shape: the report's event, streamed after it */
    msgpack_object_str type; /* fields of the request, into unpacked */
    msgpack_object_str id;
    msgpack_object_str unit;
    msgpack_object_str title;
    msgpack_object_str body;
    msgpack_unpacked unpacked; /* the decoded map */
    bool valid;                /* decoded with every field */
} s_request_t;

/* Decode the request's map and point its fields into it. */
static bool
s_decode (s_request_t *request)
{
    const limit_field_t fields[] = {{"type", &request->type},
                                    {"id", &request->id},
                                    {"unit", &request->unit},
                                    {"title", &request->title},
                                    {"body", &request->body}};
    size_t count = sizeof fields / sizeof fields[0];
    return limit_decode_fields (&request->unpacked, zmq_msg_data (&request->payload),
                                zmq_msg_size (&request->payload), fields, count)
               == (int) count
           && request->id.size > 0 && request->unit.size > 0 && request->unit.size < 200;
}

/* The report's event, as intake logs and streams it: its type, its id
   and the report (the request's bytes, a msgpack map, as they came). */
static void
s_event (s_request_t *request, uint64_t id)
{
    msgpack_sbuffer_clear (&request->event);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &request->event, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 3);
    limit_pack_text (&packer, "type");
    limit_pack_text (&packer, LIMIT_RECEIVED);
    limit_pack_text (&packer, "report_id");
    msgpack_pack_uint64 (&packer, id);
    limit_pack_text (&packer, "report");
    msgpack_sbuffer_write (&request->event, zmq_msg_data (&request->payload),
                           zmq_msg_size (&request->payload));
}

/* The 6 puts of one request, and its reply. With streamed, the log holds
   the report's event (made here), else the request as it came. */
static int
s_register (limit_store_t *store, MDB_txn *txn, s_request_t *request, uint64_t *counter,
            bool streamed)
{
    uint64_t id = ++*counter;
    unsigned char key[8];
    limit_key (id, key);
    char reg_no[32];
    int reg_size = snprintf (reg_no, sizeof reg_no, "2026-%06" PRIu64, id);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &request->reply, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 2);
    limit_pack_text (&packer, "report_id");
    msgpack_pack_uint64 (&packer, id);
    limit_pack_text (&packer, "reg_no");
    limit_pack_text (&packer, reg_no);

    /* The fingerprint: FNV-1a of title and body under the unit. */
    uint64_t hash = 14695981039346656037u;
    for (uint32_t i = 0; i < request->title.size; i++)
        hash = (hash ^ (unsigned char) request->title.ptr[i]) * 1099511628211u;
    for (uint32_t i = 0; i < request->body.size; i++)
        hash = (hash ^ (unsigned char) request->body.ptr[i]) * 1099511628211u;
    char fingerprint[256];
    int fingerprint_size = snprintf (fingerprint, sizeof fingerprint, "%.*s\x1f%016" PRIx64,
                                     (int) request->unit.size, request->unit.ptr, hash);
    char idempotency[256];
    int idempotency_size =
        snprintf (idempotency, sizeof idempotency, "%.*s\x1f%.*s", (int) request->type.size,
                  request->type.ptr, (int) request->id.size, request->id.ptr);
    const void *payload = zmq_msg_data (&request->payload);
    size_t payload_size = zmq_msg_size (&request->payload);
    const void *entry = payload;
    size_t entry_size = payload_size;
    if (streamed) {
        s_event (request, id);
        entry = request->event.data;
        entry_size = request->event.size;
    }

    int rc = limit_put (txn, store->dbis[S_COUNTERS], "report", 6, key, 8, 0);
    if (!rc)
        rc = limit_put (txn, store->dbis[S_REPORTS], key, 8, payload, payload_size, MDB_APPEND);
    if (!rc)
        rc = limit_put (txn, store->dbis[S_LOG], key, 8, entry, entry_size, MDB_APPEND);
    if (!rc)
        rc = limit_put (txn, store->dbis[S_REGISTRY], reg_no, (size_t) reg_size, key, 8, 0);
    if (!rc)
        rc = limit_put (txn, store->dbis[S_FINGERPRINTS], fingerprint, (size_t) fingerprint_size,
                        key, 8, 0);
    if (!rc)
        rc = limit_put (txn, store->dbis[S_IDEMPOTENCY], idempotency, (size_t) idempotency_size,
                        request->reply.data, request->reply.size, 0);
    return rc;
}

/* The server's sockets: its ROUTER, and in measure 2's shape the streams
   to review and statistics (else NULL). */
typedef struct {
    void *router;
    void *streams[2];
    bool curve; /* each request's User-Id is read */
} s_server_sockets_t;

/* With a journal (limit_journal.h), the turn's valid requests appended
   and flushed; the lock stays held until limit_journal_done. 0 or -1. */
static int
s_journal_turn (limit_journal_t *journal, s_request_t *requests, size_t count)
{
    struct iovec payloads[LIMIT_BATCH_MAX];
    size_t valid = 0;
    for (size_t i = 0; i < count; i++)
        if (requests[i].valid)
            payloads[valid++] = (struct iovec){zmq_msg_data (&requests[i].payload),
                                               zmq_msg_size (&requests[i].payload)};
    return limit_journal_append (journal, payloads, valid);
}

/* One turn: take what waits, store it in one transaction, reply, then
   stream the reports' events (as intake streams its log after the commit
   that holds it). With a journal, the requests are on disk once it is
   flushed, and the store's commit that follows is not flushed. */
static int
s_serve_turn (const s_server_sockets_t *sockets, limit_store_t *store, limit_journal_t *journal,
              s_request_t *requests, uint64_t *counter)
{
    void *router = sockets->router;
    bool streamed = sockets->streams[0] != NULL;
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, 1000) <= 0)
        return 0;
    size_t count = 0;
    while (count < LIMIT_BATCH_MAX) {
        s_request_t *request = &requests[count];
        zmq_msg_init (&request->identity);
        zmq_msg_init (&request->payload);
        if (zmq_msg_recv (&request->identity, router, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (&request->identity);
            zmq_msg_close (&request->payload);
            break;
        }
        zmq_msg_recv (&request->payload, router, 0); /* the rest of a message is there */
        msgpack_sbuffer_clear (&request->reply);
        request->valid = s_decode (request);
        if (!request->valid)
            limit_error_reply (&request->reply, "not a submit");
        else if (sockets->curve && !zmq_msg_gets (&request->payload, "User-Id")) {
            request->valid = false; /* the client's key, as the ZAP handler admitted it */
            limit_error_reply (&request->reply, "no key");
        }
        count++;
    }
    MDB_txn *txn;
    uint64_t counter_before = *counter;
    int rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++)
        if (requests[i].valid)
            rc = s_register (store, txn, &requests[i], counter, streamed);
    if (!rc && journal && s_journal_turn (journal, requests, count) != 0)
        rc = EIO;
    if (!rc)
        rc = mdb_txn_commit (txn); /* fsync, unless journaled */
    else if (txn)
        mdb_txn_abort (txn);
    if (journal)
        limit_journal_done (journal);
    if (rc) {
        fprintf (stderr, "bench_limit server: %s\n", mdb_strerror (rc));
        *counter = counter_before;
    }
    for (size_t i = 0; i < count; i++) {
        s_request_t *request = &requests[i];
        if (rc)
            limit_error_reply (&request->reply, mdb_strerror (rc));
        zmq_msg_send (&request->identity, router, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (router, request->reply.data, request->reply.size, ZMQ_DONTWAIT);
    }
    for (size_t i = 0; i < count; i++) {
        s_request_t *request = &requests[i];
        for (int s = 0; streamed && !rc && request->valid && s < 2; s++)
            zmq_send (sockets->streams[s], request->event.data, request->event.size, 0);
        zmq_msg_close (&request->identity);
        zmq_msg_close (&request->payload);
        msgpack_unpacked_destroy (&request->unpacked);
    }
    return rc ? -1 : 0;
}

/* A socket made with the role's high-water marks (and no linger: what a
   stopped role has not sent is not waited for). */
static void *
s_socket (void *context, int type)
{
    void *socket = zmq_socket (context, type);
    int high_water = LIMIT_HIGH_WATER, linger = 0;
    zmq_setsockopt (socket, ZMQ_SNDHWM, &high_water, sizeof high_water);
    zmq_setsockopt (socket, ZMQ_RCVHWM, &high_water, sizeof high_water);
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    return socket;
}

/* The keys (NULL or "-": plain sockets) and the ZAP handler. 0, or -1
   with a line on stderr. */
static int
s_security (limit_curve_t *curve, const char *keys, void *context)
{
    if (!keys || strcmp (keys, "-") == 0)
        return 0;
    return limit_curve_read (curve, keys) == 0 ? limit_curve_start (curve, context) : -1;
}

/* The same-shape server; with streams (measure 2's shape), its reports'
   events streamed to those two endpoints; journaled, its commits made
   durable by a journal (limit_journal.h). */
static int
s_server (const char *folder, const char *endpoint, const char *keys, const char *const *streams,
          bool journaled)
{
    limit_store_t store;
    limit_curve_t curve = {0};
    limit_journal_t journal;
    if (limit_store_open (&store, folder, s_server_databases, 6, journaled ? MDB_NOSYNC : 0) != 0)
        return 1;
    if (journaled && limit_journal_open (&journal, folder, store.env) != 0) {
        limit_journal_close (&journal); /* what it started */
        mdb_env_close (store.env);
        return 1;
    }
    void *context = zmq_ctx_new ();
    s_server_sockets_t sockets = {.router = s_socket (context, ZMQ_ROUTER)};
    int rc = s_security (&curve, keys, context);
    sockets.curve = curve.running;
    if (sockets.curve)
        limit_curve_serve (&curve, sockets.router);
    if (rc == 0 && zmq_bind (sockets.router, endpoint) != 0) {
        fprintf (stderr, "bench_limit server: cannot bind %s: %s\n", endpoint,
                 zmq_strerror (errno));
        rc = -1;
    }
    for (int s = 0; rc == 0 && streams && s < 2; s++) {
        sockets.streams[s] = s_socket (context, ZMQ_PUSH);
        if (sockets.curve)
            limit_curve_connect_as_server (&curve, sockets.streams[s]);
        rc = zmq_connect (sockets.streams[s], streams[s]);
    }
    s_request_t *requests = calloc (LIMIT_BATCH_MAX, sizeof *requests);
    for (size_t i = 0; i < LIMIT_BATCH_MAX; i++) {
        msgpack_sbuffer_init (&requests[i].reply);
        msgpack_sbuffer_init (&requests[i].event);
    }
    uint64_t counter = 0, turns = 0;
    if (rc == 0)
        limit_ready (folder);
    while (rc == 0 && !limit_stopping) {
        uint64_t before = counter;
        rc = s_serve_turn (&sockets, &store, journaled ? &journal : NULL, requests, &counter);
        turns += counter > before;
    }
    /* Journaled, every request stored must be in the journals, read back. */
    if (journaled && limit_journal_close (&journal) != (int64_t) counter) {
        fprintf (stderr, "bench_limit server: the journals do not hold the %" PRIu64
                         " requests stored\n", counter);
        rc = -1;
    } else
        limit_write_counts (folder, counter, turns);
    for (size_t i = 0; i < LIMIT_BATCH_MAX; i++) {
        msgpack_sbuffer_destroy (&requests[i].reply);
        msgpack_sbuffer_destroy (&requests[i].event);
    }
    free (requests);
    zmq_close (sockets.router);
    for (int s = 0; s < 2; s++)
        if (sockets.streams[s])
            zmq_close (sockets.streams[s]);
    limit_curve_stop (&curve, context);
    zmq_ctx_term (context);
    mdb_env_close (store.env);
    return rc ? 1 : 0;
}

/* A stage: the 4-stage chain's, or publication and statistics in measure
   2's shape                                                               */

static const char *const s_stage_databases[] = {"log", "cursors"};

typedef enum {
    S_CHAIN,       /* every message passed on, as it came */
    S_PUBLICATION, /* each adopted decision passed on as its publication */
    S_STATISTICS,  /* a notice a commit: what it counted (limit.h) */
} s_stage_kind_t;

typedef struct {
    s_stage_kind_t kind;
    void *in, *out;
    limit_store_t store;
    zmq_msg_t messages[LIMIT_BATCH_MAX];
    uint64_t entries[LIMIT_BATCH_MAX]; /* each message's kind and report id (limit.h) */
    msgpack_sbuffer buffer;            /* a publication, or the notice */
    uint64_t seq, commits;
} s_stage_t;

/* The message's kind and report id as one entry (LIMIT_ENTRY), 0 when it
   is not an item of measure 2's shape. */
static uint64_t
s_entry (const msgpack_object *item)
{
    msgpack_object_str type;
    uint64_t report_id;
    if (!limit_item_head (item, &type, &report_id))
        return 0;
    int kind = limit_item_kind (&type);
    return kind ? LIMIT_ENTRY (kind, report_id) : 0;
}

/* What a stage sends on after its commit. */
static void
s_stage_pass_on (s_stage_t *stage, size_t count)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, &stage->buffer, msgpack_sbuffer_write);
    msgpack_sbuffer_clear (&stage->buffer);
    for (size_t i = 0; i < count; i++) {
        uint64_t entry = stage->entries[i];
        if (stage->kind == S_CHAIN) {
            if (zmq_msg_send (&stage->messages[i], stage->out, 0) != -1)
                continue;
        } else if (stage->kind == S_PUBLICATION && LIMIT_ENTRY_KIND (entry) == LIMIT_KIND_DECIDED
                   && limit_adopts (LIMIT_ENTRY_REPORT (entry))) {
            msgpack_sbuffer_clear (&stage->buffer);
            msgpack_pack_map (&packer, 2);
            limit_pack_text (&packer, "type");
            limit_pack_text (&packer, LIMIT_PUBLISHED);
            limit_pack_text (&packer, "report_id");
            msgpack_pack_uint64 (&packer, LIMIT_ENTRY_REPORT (entry));
            zmq_send (stage->out, stage->buffer.data, stage->buffer.size, 0);
        } else if (stage->kind == S_STATISTICS && entry) {
            unsigned char key[8];
            limit_key (entry, key);
            msgpack_sbuffer_write (&stage->buffer, (const char *) key, 8);
        }
        zmq_msg_close (&stage->messages[i]);
    }
    if (stage->kind == S_STATISTICS && stage->buffer.size)
        zmq_send (stage->out, stage->buffer.data, stage->buffer.size, 0);
}

/* One turn: take what arrived, store it in one transaction, pass it on.
   The messages are passed on after the commit, as a service streams its
   events after the commit that holds them. */
static int
s_stage_turn (s_stage_t *stage)
{
    zmq_pollitem_t item = {stage->in, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, 1000) <= 0)
        return 0;
    size_t count = limit_receive_waiting (stage->in, stage->messages, LIMIT_BATCH_MAX);
    if (count == 0)
        return 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin (stage->store.env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t offset = 0;
        bool decoded = msgpack_unpack_next (&unpacked, zmq_msg_data (&stage->messages[i]),
                                            zmq_msg_size (&stage->messages[i]), &offset)
                       == MSGPACK_UNPACK_SUCCESS;
        stage->entries[i] = decoded && stage->kind != S_CHAIN ? s_entry (&unpacked.data) : 0;
        msgpack_unpacked_destroy (&unpacked);
        if (!decoded)
            continue;
        unsigned char key[8];
        limit_key (++stage->seq, key);
        rc = limit_put (txn, stage->store.dbis[0], key, 8, zmq_msg_data (&stage->messages[i]),
                        zmq_msg_size (&stage->messages[i]), MDB_APPEND);
    }
    unsigned char cursor[8];
    limit_key (stage->seq, cursor);
    if (!rc)
        rc = limit_put (txn, stage->store.dbis[1], "upstream", 8, cursor, 8, 0);
    if (!rc)
        rc = mdb_txn_commit (txn); /* fsync */
    else if (txn)
        mdb_txn_abort (txn);
    if (rc) {
        fprintf (stderr, "bench_limit stage: %s\n", mdb_strerror (rc));
        for (size_t i = 0; i < count; i++)
            zmq_msg_close (&stage->messages[i]);
        return -1;
    }
    stage->commits++;
    s_stage_pass_on (stage, count);
    return 0;
}

/* A stage: PULL bound at in_endpoint, PUSH connected to out_endpoint
   (the sink, plain, for statistics); keys as s_security's. */
static int
s_stage (s_stage_kind_t kind, const char *folder, const char *in_endpoint, const char *out_endpoint,
         const char *keys)
{
    s_stage_t *stage = calloc (1, sizeof *stage);
    limit_curve_t curve = {0};
    stage->kind = kind;
    if (limit_store_open (&stage->store, folder, s_stage_databases, 2, 0) != 0) {
        free (stage);
        return 1;
    }
    void *context = zmq_ctx_new ();
    stage->in = s_socket (context, ZMQ_PULL);
    stage->out = s_socket (context, ZMQ_PUSH);
    int rc = s_security (&curve, keys, context);
    if (curve.running) {
        limit_curve_serve (&curve, stage->in);
        if (kind != S_STATISTICS) /* the sink is the runner's, outside the system */
            limit_curve_connect_as_server (&curve, stage->out);
    }
    if (rc == 0
        && (zmq_bind (stage->in, in_endpoint) != 0
            || zmq_connect (stage->out, out_endpoint) != 0)) {
        fprintf (stderr, "bench_limit stage: cannot bind %s or connect %s: %s\n", in_endpoint,
                 out_endpoint, zmq_strerror (errno));
        rc = -1;
    }
    msgpack_sbuffer_init (&stage->buffer);
    if (rc == 0)
        limit_ready (folder);
    while (rc == 0 && !limit_stopping)
        rc = s_stage_turn (stage);
    limit_write_counts (folder, stage->seq, stage->commits);
    msgpack_sbuffer_destroy (&stage->buffer);
    zmq_close (stage->in);
    zmq_close (stage->out);
    limit_curve_stop (&curve, context);
    zmq_ctx_term (context);
    mdb_env_close (stage->store.env);
    free (stage);
    return rc ? 1 : 0;
}

/* The measures, printed                                                   */

/* measure 2's shape: the rate, then each process's commits and CPU a report. */
static void
s_print_flow (const char *name, const bench_limit_flow_result_t *flow, int reports)
{
    char number[32];
    if (!flow->done) {
        printf ("%-44s %14s\n", name, "FAILED");
        return;
    }
    printf ("%-44s %9s /s   (submits to %.2f s, decisions to %.2f s, all counted at %.2f s)\n",
            name, bench_thousands (flow->rate, number, sizeof number), flow->submitted_s,
            flow->decided_s, flow->seconds);
    bench_limit_flow_print_stages (flow, reports, "   ");
}

/* --only LIST: the measures named (server, journal, chain, flow,
   flow-plain), comma-separated. 0, or -1 with a line on stderr. */
static int
s_only (const char *list, bool *server, bool *journal, bool *chain, bool *flow, bool *flow_plain)
{
    *server = *journal = *chain = *flow = *flow_plain = false;
    char copy[256];
    snprintf (copy, sizeof copy, "%s", list);
    char *rest = copy;
    for (char *name; (name = strsep (&rest, ","));) {
        bool *run = strcmp (name, "server") == 0       ? server
                    : strcmp (name, "journal") == 0    ? journal
                    : strcmp (name, "chain") == 0      ? chain
                    : strcmp (name, "flow") == 0       ? flow
                    : strcmp (name, "flow-plain") == 0 ? flow_plain
                                                       : NULL;
        if (!run) {
            fprintf (stderr, "bench_limit: --only takes server, journal, chain, flow, flow-plain\n");
            return -1;
        }
        *run = true;
    }
    return 0;
}

static int
s_measure (int argc, char **argv)
{
    const char *base = getenv ("TMPDIR");
    base = base && *base ? base : "/tmp";
    int clients = 50, editors = 0, reports = 20000;
    double duration = 10, warmup = 2;
    bool run_server = true, run_journal = true, run_chain = true, run_flow = true,
         run_flow_plain = true;
    static const struct option options[] = {
        {"clients", required_argument, 0, 'c'}, {"duration", required_argument, 0, 'd'},
        {"reports", required_argument, 0, 'r'}, {"dir", required_argument, 0, 'D'},
        {"editors", required_argument, 0, 'e'}, {"only", required_argument, 0, 'o'},
        {"quick", no_argument, 0, 'q'},         {0, 0, 0, 0}};
    int option;
    while ((option = getopt_long (argc, argv, "", options, NULL)) != -1) {
        if (option == 'c')
            clients = atoi (optarg);
        else if (option == 'd')
            duration = atof (optarg);
        else if (option == 'r')
            reports = atoi (optarg);
        else if (option == 'e')
            editors = atoi (optarg);
        else if (option == 'D')
            base = optarg;
        else if (option == 'o') {
            if (s_only (optarg, &run_server, &run_journal, &run_chain, &run_flow, &run_flow_plain)
                != 0)
                return 2;
        } else if (option == 'q') {
            clients = 10, reports = 2000, duration = 2, warmup = 0.5;
        } else {
            fprintf (stderr, "usage: bench_limit [--quick] [--clients N] [--editors N] "
                             "[--duration S] [--reports M] "
                             "[--only server,journal,chain,flow,flow-plain] "
                             "[--dir FOLDER]\n");
            return 2;
        }
    }
    editors = editors ? editors : clients;
    if (clients < 1 || editors < 1 || reports < 1 || duration <= 0) {
        fprintf (stderr, "bench_limit: numbers must be positive\n");
        return 2;
    }
    bench_system_handle_signals ();
    bench_load_result_t submits = {0}, curve = {0}, journal = {0};
    bench_limit_chain_result_t chain = {0};
    bench_limit_flow_result_t flow = {0}, flow_curve = {0};
    int failures = 0;
    if (run_server) {
        failures += bench_limit_submits (base, clients, warmup, duration, BENCH_LIMIT_PLAIN,
                                         BENCH_LIMIT_SYNCED, &submits)
                    != 0;
        failures += bench_limit_submits (base, clients, warmup, duration, BENCH_LIMIT_CURVE,
                                         BENCH_LIMIT_SYNCED, &curve)
                    != 0;
    }
    if (run_journal)
        failures += bench_limit_submits (base, clients, warmup, duration, BENCH_LIMIT_PLAIN,
                                         BENCH_LIMIT_JOURNALED, &journal)
                    != 0;
    if (run_chain)
        failures += bench_limit_chain (base, reports, &chain) != 0;
    if (run_flow)
        failures +=
            bench_limit_flow (base, reports, clients, editors, BENCH_LIMIT_CURVE, &flow_curve) != 0;
    if (run_flow_plain)
        failures +=
            bench_limit_flow (base, reports, clients, editors, BENCH_LIMIT_PLAIN, &flow) != 0;
    char number[32];
    printf ("%-44s %14s %9s %9s %9s %9s\n", "limit", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    const char *names[] = {"same-shape server (ROUTER, LMDB)", "same-shape server, CurveZMQ",
                           "same-shape server, journal"};
    const bench_load_result_t *rows[] = {&submits, &curve, &journal};
    const bool ran[] = {run_server, run_server, run_journal};
    for (int i = 0; i < 3; i++)
        if (!ran[i])
            continue;
        else if (rows[i]->done)
            printf ("%-44s %9s /s   %9.2f %9.2f %9.2f %9.2f\n", names[i],
                    bench_thousands (rows[i]->rate, number, sizeof number), rows[i]->latency.p50,
                    rows[i]->latency.p90, rows[i]->latency.p99, rows[i]->latency.max);
        else
            printf ("%-44s %14s\n", names[i], "FAILED");
    if (run_chain && chain.done)
        printf ("%-44s %9s /s   (%zu commits in stage 1)\n", "4-stage chain (PULL, LMDB, PUSH)",
                bench_thousands (chain.rate, number, sizeof number), chain.batches);
    else if (run_chain)
        printf ("%-44s %14s\n", "4-stage chain (PULL, LMDB, PUSH)", "FAILED");
    if (run_flow)
        s_print_flow ("measure 2's shape, CurveZMQ", &flow_curve, reports);
    if (run_flow_plain)
        s_print_flow ("measure 2's shape, plain", &flow, reports);
    if (run_flow || run_flow_plain)
        printf ("measure 2's shape: %d reports, %d submitting and %d deciding clients, each "
                "waiting for its durable reply; reports/s from the first submit to the last "
                "item committed by statistics\n",
                reports, clients, editors);
    return failures ? 1 : 0;
}

int
main (int argc, char **argv)
{
    const char *role = argc > 1 ? argv[1] : "";
    if ((argc == 4 || argc == 5)
        && (strcmp (role, "server") == 0 || strcmp (role, "journal-server") == 0)) {
        limit_role_signals ();
        return s_server (argv[2], argv[3], argc == 5 ? argv[4] : NULL, NULL,
                         strcmp (role, "journal-server") == 0);
    }
    if (argc == 5 && strcmp (role, "stage") == 0) {
        limit_role_signals ();
        return s_stage (S_CHAIN, argv[2], argv[3], argv[4], NULL);
    }
    if (argc == 7 && strcmp (role, "intake") == 0) {
        limit_role_signals ();
        const char *streams[] = {argv[4], argv[5]};
        return s_server (argv[2], argv[3], argv[6], streams, false);
    }
    if (argc == 8 && strcmp (role, "review") == 0) {
        limit_role_signals ();
        return limit_review (argv[2], argv[3], argv[4], argv[5], argv[6], argv[7]);
    }
    if (argc == 6 && (strcmp (role, "publication") == 0 || strcmp (role, "statistics") == 0)) {
        limit_role_signals ();
        return s_stage (strcmp (role, "publication") == 0 ? S_PUBLICATION : S_STATISTICS, argv[2],
                        argv[3], argv[4], argv[5]);
    }
    return s_measure (argc, argv);
}
