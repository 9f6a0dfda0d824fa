/*  bench_limit: the minimal servers of limit.h, one role per process, and
    a program that measures both.

        bench_limit server FOLDER ENDPOINT   the same-shape server
        bench_limit server FOLDER ENDPOINT KEYS
                                             the same with CurveZMQ (see below)
        bench_limit stage FOLDER IN OUT      one stage of the chain
        bench_limit [--quick] [--clients N] [--duration S] [--reports M] [--dir FOLDER]
                                             both measures, printed

    A role opens its LMDB environment in FOLDER with LMDB's default flags
    (every commit fsync'ed), binds its socket, creates FOLDER/ready and runs
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
    bs_socket_receive_from does); a request without one is refused.
*/
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <msgpack.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_system.h"
#include "limit.h"

#define S_BATCH_MAX 1000                /* requests per turn, as intake's batch_max */
#define S_MAP_SIZE ((size_t) 16 << 30)  /* sparse: only what is written takes disk */
#define S_HIGH_WATER 10000              /* messages queued per pipe */

static volatile sig_atomic_t s_stopping;

static void
s_on_signal (int signal)
{
    (void) signal;
    s_stopping = 1;
}

/* SIGTERM stops the loop (no SA_RESTART: a blocked call returns EINTR);
   the role also ends when the program that started it dies. */
static void
s_role_signals (void)
{
    struct sigaction action = {.sa_handler = s_on_signal};
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGINT, &action, NULL);
    prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The store                                                               */

typedef struct {
    MDB_env *env;
    MDB_dbi dbis[6];
} s_store_t;

static int
s_store_open (s_store_t *store, const char *folder, const char *const *names, size_t count)
{
    MDB_txn *txn;
    int rc = mdb_env_create (&store->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (store->env, (MDB_dbi) count);
    if (!rc)
        rc = mdb_env_set_mapsize (store->env, S_MAP_SIZE);
    if (!rc)
        rc = mdb_env_open (store->env, folder, 0, 0600);
    if (!rc)
        rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++)
        rc = mdb_dbi_open (txn, names[i], MDB_CREATE, &store->dbis[i]);
    if (!rc)
        rc = mdb_txn_commit (txn);
    if (rc)
        fprintf (stderr, "bench_limit: store %s: %s\n", folder, mdb_strerror (rc));
    return rc;
}

static void
s_key (uint64_t value, unsigned char key[8])
{
    for (int i = 7; i >= 0; i--, value >>= 8)
        key[i] = (unsigned char) value;
}

static int
s_put (MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_size, const void *value,
       size_t value_size, unsigned flags)
{
    MDB_val k = {key_size, (void *) key}, v = {value_size, (void *) value};
    return mdb_put (txn, dbi, &k, &v, flags);
}

static void
s_ready (const char *folder)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/ready", folder);
    FILE *file = fopen (path, "w");
    if (file)
        fclose (file);
}

/* The same-shape server                                                   */

enum { S_REPORTS, S_LOG, S_COUNTERS, S_REGISTRY, S_FINGERPRINTS, S_IDEMPOTENCY };
static const char *const s_server_databases[] = {"reports",  "log",          "counters",
                                                 "registry", "fingerprints", "idempotency"};

typedef struct {
    zmq_msg_t identity;      /* the client's, from the ROUTER */
    zmq_msg_t payload;       /* the request */
    msgpack_sbuffer reply;   /* the reply, sent after the commit */
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
    msgpack_unpacked_init (&request->unpacked);
    size_t offset = 0;
    if (msgpack_unpack_next (&request->unpacked, zmq_msg_data (&request->payload),
                             zmq_msg_size (&request->payload), &offset)
            != MSGPACK_UNPACK_SUCCESS
        || request->unpacked.data.type != MSGPACK_OBJECT_MAP)
        return false;
    struct {
        const char *name;
        msgpack_object_str *field;
    } fields[] = {{"type", &request->type},
                  {"id", &request->id},
                  {"unit", &request->unit},
                  {"title", &request->title},
                  {"body", &request->body}};
    size_t found = 0;
    msgpack_object_map *map = &request->unpacked.data.via.map;
    for (uint32_t i = 0; i < map->size; i++) {
        msgpack_object *key = &map->ptr[i].key, *value = &map->ptr[i].val;
        if (key->type != MSGPACK_OBJECT_STR || value->type != MSGPACK_OBJECT_STR)
            continue;
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
            if (key->via.str.size == strlen (fields[f].name)
                && memcmp (key->via.str.ptr, fields[f].name, key->via.str.size) == 0) {
                *fields[f].field = value->via.str;
                found++;
            }
    }
    return found == sizeof fields / sizeof fields[0] && request->id.size > 0
           && request->unit.size > 0 && request->unit.size < 200;
}

static void
s_pack_text (msgpack_packer *packer, const char *text)
{
    msgpack_pack_str (packer, strlen (text));
    msgpack_pack_str_body (packer, text, strlen (text));
}

/* The 6 puts of one request, and its reply. */
static int
s_register (s_store_t *store, MDB_txn *txn, s_request_t *request, uint64_t *counter)
{
    uint64_t id = ++*counter;
    unsigned char key[8];
    s_key (id, key);
    char reg_no[32];
    int reg_size = snprintf (reg_no, sizeof reg_no, "2026-%06" PRIu64, id);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &request->reply, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 2);
    s_pack_text (&packer, "report_id");
    msgpack_pack_uint64 (&packer, id);
    s_pack_text (&packer, "reg_no");
    s_pack_text (&packer, reg_no);

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

    int rc = s_put (txn, store->dbis[S_COUNTERS], "report", 6, key, 8, 0);
    if (!rc)
        rc = s_put (txn, store->dbis[S_REPORTS], key, 8, payload, payload_size, MDB_APPEND);
    if (!rc)
        rc = s_put (txn, store->dbis[S_LOG], key, 8, payload, payload_size, MDB_APPEND);
    if (!rc)
        rc = s_put (txn, store->dbis[S_REGISTRY], reg_no, (size_t) reg_size, key, 8, 0);
    if (!rc)
        rc = s_put (txn, store->dbis[S_FINGERPRINTS], fingerprint, (size_t) fingerprint_size, key,
                    8, 0);
    if (!rc)
        rc = s_put (txn, store->dbis[S_IDEMPOTENCY], idempotency, (size_t) idempotency_size,
                    request->reply.data, request->reply.size, 0);
    return rc;
}

static void
s_fail (s_request_t *request, const char *text)
{
    msgpack_sbuffer_clear (&request->reply);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &request->reply, msgpack_sbuffer_write);
    msgpack_pack_map (&packer, 1);
    s_pack_text (&packer, "error");
    s_pack_text (&packer, text);
}

/* One turn: take what waits, store it in one transaction, reply. */
static int
s_serve_turn (void *router, s_store_t *store, s_request_t *requests, uint64_t *counter, bool curve)
{
    zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, 1000) <= 0)
        return 0;
    size_t count = 0;
    while (count < S_BATCH_MAX) {
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
            s_fail (request, "not a submit");
        else if (curve && !zmq_msg_gets (&request->payload, "User-Id")) {
            request->valid = false; /* the client's key, as the ZAP handler admitted it */
            s_fail (request, "no key");
        }
        count++;
    }
    MDB_txn *txn;
    uint64_t counter_before = *counter;
    int rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++)
        if (requests[i].valid)
            rc = s_register (store, txn, &requests[i], counter);
    if (!rc)
        rc = mdb_txn_commit (txn); /* fsync */
    else if (txn)
        mdb_txn_abort (txn);
    if (rc) {
        fprintf (stderr, "bench_limit server: %s\n", mdb_strerror (rc));
        *counter = counter_before;
    }
    for (size_t i = 0; i < count; i++) {
        s_request_t *request = &requests[i];
        if (rc)
            s_fail (request, mdb_strerror (rc));
        zmq_msg_send (&request->identity, router, ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (router, request->reply.data, request->reply.size, ZMQ_DONTWAIT);
        zmq_msg_close (&request->identity);
        zmq_msg_close (&request->payload);
        msgpack_unpacked_destroy (&request->unpacked);
    }
    return rc ? -1 : 0;
}

/* CurveZMQ: the keys and the ZAP handler                                 */

#define S_KEY_Z85 41 /* 40 characters and a null */
#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

typedef struct {
    char secret[S_KEY_Z85];     /* the server's */
    char public[S_KEY_Z85];     /* derived from it */
    char (*clients)[S_KEY_Z85]; /* the public keys admitted */
    size_t count;
    void *handler; /* REP on S_ZAP_ENDPOINT */
} s_curve_t;

/* Read KEYS (see above). 0, or -1 with a line on stderr. */
static int
s_curve_read (s_curve_t *curve, const char *path)
{
    FILE *file = fopen (path, "r");
    char line[128];
    size_t capacity = 0;
    bool ok = file && fgets (line, sizeof line, file) && strlen (line) >= 40;
    if (ok) {
        snprintf (curve->secret, sizeof curve->secret, "%.40s", line);
        ok = zmq_curve_public (curve->public, curve->secret) == 0;
    }
    while (ok && fgets (line, sizeof line, file)) {
        if (strlen (line) < 40)
            continue;
        if (curve->count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char (*clients)[S_KEY_Z85] = realloc (curve->clients, capacity * sizeof *clients);
            if (!clients) {
                ok = false;
                break;
            }
            curve->clients = clients;
        }
        snprintf (curve->clients[curve->count++], S_KEY_Z85, "%.40s", line);
    }
    if (file)
        fclose (file);
    if (!ok)
        fprintf (stderr, "bench_limit server: cannot read the keys in %s\n", path);
    return ok ? 0 : -1;
}

/* Answer ZAP requests (RFC 27) until the context is shut: 200 with the
   key as User-Id for a CURVE client whose key is listed, 400 otherwise. */
static void *
s_zap_run (void *argument)
{
    s_curve_t *curve = argument;
    while (true) {
        zmq_msg_t frames[8];
        size_t count = 0;
        int more = 1, error = 0;
        while (more) {
            zmq_msg_t frame;
            zmq_msg_init (&frame);
            if (zmq_msg_recv (&frame, curve->handler, 0) == -1) {
                zmq_msg_close (&frame);
                if (errno == EINTR)
                    continue;
                error = errno;
                break;
            }
            more = zmq_msg_more (&frame);
            if (count < 8) { /* no ZAP request has more */
                zmq_msg_init (&frames[count]);
                zmq_msg_move (&frames[count++], &frame);
            }
            zmq_msg_close (&frame);
        }
        if (error) {
            for (size_t i = 0; i < count; i++)
                zmq_msg_close (&frames[i]);
            break; /* ETERM: the server stops */
        }
        /* version, request id, domain, address, identity, mechanism, key */
        char key[S_KEY_Z85] = "";
        bool admitted = false;
        if (count == 7 && zmq_msg_size (&frames[5]) == 5
            && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0
            && zmq_msg_size (&frames[6]) == 32
            && zmq_z85_encode (key, zmq_msg_data (&frames[6]), 32))
            for (size_t i = 0; i < curve->count && !admitted; i++)
                admitted = strcmp (curve->clients[i], key) == 0;
        const char *reply[] = {"1.0",
                               NULL,
                               admitted ? "200" : "400",
                               admitted ? "OK" : "not admitted",
                               admitted ? key : "",
                               ""};
        for (size_t i = 0; i < 6; i++) {
            int flags = i < 5 ? ZMQ_SNDMORE : 0;
            if (i == 1 && count > 1)
                zmq_send (curve->handler, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                          flags);
            else
                zmq_send (curve->handler, reply[i] ? reply[i] : "",
                          reply[i] ? strlen (reply[i]) : 0, flags);
        }
        for (size_t i = 0; i < count; i++)
            zmq_msg_close (&frames[i]);
    }
    zmq_close (curve->handler);
    return NULL;
}

/* CurveZMQ on the server's router, the handler bound and running first
   (libzmq asks it about every connection to a socket with a ZAP domain;
   with none bound it would admit every client unasked). */
static int
s_curve_start (s_curve_t *curve, void *context, void *router, pthread_t *thread)
{
    curve->handler = zmq_socket (context, ZMQ_REP);
    if (!curve->handler || zmq_bind (curve->handler, S_ZAP_ENDPOINT) != 0) {
        fprintf (stderr, "bench_limit server: no ZAP handler: %s\n", zmq_strerror (errno));
        return -1;
    }
    if (pthread_create (thread, NULL, s_zap_run, curve) != 0) {
        zmq_close (curve->handler);
        return -1;
    }
    int on = 1;
    zmq_setsockopt (router, ZMQ_CURVE_SERVER, &on, sizeof on);
    zmq_setsockopt (router, ZMQ_CURVE_SECRETKEY, curve->secret, S_KEY_Z85);
    zmq_setsockopt (router, ZMQ_CURVE_PUBLICKEY, curve->public, S_KEY_Z85);
    zmq_setsockopt (router, ZMQ_ZAP_DOMAIN, "intake", 6);
    return 0;
}

static int
s_server (const char *folder, const char *endpoint, const char *keys)
{
    s_store_t store;
    s_curve_t curve = {0};
    if ((keys && s_curve_read (&curve, keys) != 0)
        || s_store_open (&store, folder, s_server_databases, 6) != 0) {
        free (curve.clients);
        return 1;
    }
    void *context = zmq_ctx_new ();
    void *router = zmq_socket (context, ZMQ_ROUTER);
    int high_water = S_HIGH_WATER;
    zmq_setsockopt (router, ZMQ_SNDHWM, &high_water, sizeof high_water);
    zmq_setsockopt (router, ZMQ_RCVHWM, &high_water, sizeof high_water);
    pthread_t handler;
    bool curve_on = keys && s_curve_start (&curve, context, router, &handler) == 0;
    if ((keys && !curve_on) || zmq_bind (router, endpoint) != 0) {
        fprintf (stderr, "bench_limit server: cannot bind %s: %s\n", endpoint,
                 zmq_strerror (errno));
        return 1;
    }
    s_request_t *requests = calloc (S_BATCH_MAX, sizeof *requests);
    for (size_t i = 0; i < S_BATCH_MAX; i++)
        msgpack_sbuffer_init (&requests[i].reply);
    s_ready (folder);
    uint64_t counter = 0;
    int failed = 0;
    while (!s_stopping && !failed)
        failed = s_serve_turn (router, &store, requests, &counter, curve_on);
    for (size_t i = 0; i < S_BATCH_MAX; i++)
        msgpack_sbuffer_destroy (&requests[i].reply);
    free (requests);
    zmq_close (router);
    if (curve_on) {
        zmq_ctx_shutdown (context); /* the handler's receive ends (ETERM) */
        pthread_join (handler, NULL);
    }
    free (curve.clients);
    zmq_ctx_term (context);
    mdb_env_close (store.env);
    return failed ? 1 : 0;
}

/* A stage of the chain                                                    */

static const char *const s_stage_databases[] = {"log", "cursors"};

/* One turn: take what arrived, store it in one transaction, pass it on.
   The messages are passed on after the commit, as a service streams its
   events after the commit that holds them. */
static int
s_stage_turn (void *in, void *out, s_store_t *store, zmq_msg_t *messages, uint64_t *seq,
              uint64_t *commits)
{
    zmq_pollitem_t item = {in, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, 1000) <= 0)
        return 0;
    size_t count = 0;
    for (; count < S_BATCH_MAX; count++) {
        zmq_msg_init (&messages[count]);
        if (zmq_msg_recv (&messages[count], in, ZMQ_DONTWAIT) == -1) {
            zmq_msg_close (&messages[count]);
            break;
        }
    }
    if (count == 0)
        return 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin (store->env, NULL, 0, &txn);
    for (size_t i = 0; !rc && i < count; i++) {
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        size_t offset = 0;
        bool decoded = msgpack_unpack_next (&unpacked, zmq_msg_data (&messages[i]),
                                            zmq_msg_size (&messages[i]), &offset)
                       == MSGPACK_UNPACK_SUCCESS;
        msgpack_unpacked_destroy (&unpacked);
        if (!decoded)
            continue;
        unsigned char key[8];
        s_key (++*seq, key);
        rc = s_put (txn, store->dbis[0], key, 8, zmq_msg_data (&messages[i]),
                    zmq_msg_size (&messages[i]), MDB_APPEND);
    }
    unsigned char cursor[8];
    s_key (*seq, cursor);
    if (!rc)
        rc = s_put (txn, store->dbis[1], "upstream", 8, cursor, 8, 0);
    if (!rc)
        rc = mdb_txn_commit (txn); /* fsync */
    else if (txn)
        mdb_txn_abort (txn);
    if (rc) {
        fprintf (stderr, "bench_limit stage: %s\n", mdb_strerror (rc));
        return -1;
    }
    ++*commits;
    for (size_t i = 0; i < count; i++)
        if (zmq_msg_send (&messages[i], out, 0) == -1)
            zmq_msg_close (&messages[i]);
    return 0;
}

static int
s_stage (const char *folder, const char *in_endpoint, const char *out_endpoint)
{
    s_store_t store;
    if (s_store_open (&store, folder, s_stage_databases, 2) != 0)
        return 1;
    void *context = zmq_ctx_new ();
    void *in = zmq_socket (context, ZMQ_PULL), *out = zmq_socket (context, ZMQ_PUSH);
    int high_water = S_HIGH_WATER, linger = 0;
    zmq_setsockopt (in, ZMQ_RCVHWM, &high_water, sizeof high_water);
    zmq_setsockopt (out, ZMQ_SNDHWM, &high_water, sizeof high_water);
    zmq_setsockopt (out, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind (in, in_endpoint) != 0 || zmq_connect (out, out_endpoint) != 0) {
        fprintf (stderr, "bench_limit stage: cannot bind %s or connect %s: %s\n", in_endpoint,
                 out_endpoint, zmq_strerror (errno));
        return 1;
    }
    zmq_msg_t *messages = calloc (S_BATCH_MAX, sizeof *messages);
    s_ready (folder);
    uint64_t seq = 0, commits = 0;
    int failed = 0;
    while (!s_stopping && !failed)
        failed = s_stage_turn (in, out, &store, messages, &seq, &commits);
    char path[4096];
    snprintf (path, sizeof path, "%s/commits", folder);
    FILE *file = fopen (path, "w");
    if (file) {
        fprintf (file, "%" PRIu64 " %" PRIu64 "\n", seq, commits);
        fclose (file);
    }
    free (messages);
    zmq_close (in);
    zmq_close (out);
    zmq_ctx_term (context);
    mdb_env_close (store.env);
    return failed ? 1 : 0;
}

/* Both measures, printed                                                  */

static int
s_measure (int argc, char **argv)
{
    const char *base = getenv ("TMPDIR");
    base = base && *base ? base : "/tmp";
    int clients = 50, reports = 20000;
    double duration = 10, warmup = 2;
    static const struct option options[] = {
        {"clients", required_argument, 0, 'c'}, {"duration", required_argument, 0, 'd'},
        {"reports", required_argument, 0, 'r'}, {"dir", required_argument, 0, 'D'},
        {"quick", no_argument, 0, 'q'},         {0, 0, 0, 0}};
    int option;
    while ((option = getopt_long (argc, argv, "", options, NULL)) != -1) {
        if (option == 'c')
            clients = atoi (optarg);
        else if (option == 'd')
            duration = atof (optarg);
        else if (option == 'r')
            reports = atoi (optarg);
        else if (option == 'D')
            base = optarg;
        else if (option == 'q') {
            clients = 10, reports = 2000, duration = 2, warmup = 0.5;
        } else {
            fprintf (stderr, "usage: bench_limit [--quick] [--clients N] [--duration S] "
                             "[--reports M] [--dir FOLDER]\n");
            return 2;
        }
    }
    if (clients < 1 || reports < 1 || duration <= 0) {
        fprintf (stderr, "bench_limit: numbers must be positive\n");
        return 2;
    }
    bench_system_handle_signals ();
    bench_load_result_t submits, curve;
    bench_limit_chain_result_t chain;
    int failures =
        bench_limit_submits (base, clients, warmup, duration, BENCH_LIMIT_PLAIN, &submits) != 0;
    failures +=
        bench_limit_submits (base, clients, warmup, duration, BENCH_LIMIT_CURVE, &curve) != 0;
    failures += bench_limit_chain (base, reports, &chain) != 0;
    char number[32];
    printf ("%-44s %14s %9s %9s %9s %9s\n", "limit", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    const char *names[] = {"same-shape server (ROUTER, LMDB)", "same-shape server, CurveZMQ"};
    const bench_load_result_t *rows[] = {&submits, &curve};
    for (int i = 0; i < 2; i++)
        if (rows[i]->done)
            printf ("%-44s %9s /s   %9.2f %9.2f %9.2f %9.2f\n", names[i],
                    bench_thousands (rows[i]->rate, number, sizeof number), rows[i]->latency.p50,
                    rows[i]->latency.p90, rows[i]->latency.p99, rows[i]->latency.max);
        else
            printf ("%-44s %14s\n", names[i], "FAILED");
    if (chain.done)
        printf ("%-44s %9s /s   (%zu commits in stage 1)\n", "4-stage chain (PULL, LMDB, PUSH)",
                bench_thousands (chain.rate, number, sizeof number), chain.batches);
    else
        printf ("%-44s %14s\n", "4-stage chain (PULL, LMDB, PUSH)", "FAILED");
    return failures ? 1 : 0;
}

int
main (int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp (argv[1], "server") == 0) {
        s_role_signals ();
        return s_server (argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    }
    if (argc == 5 && strcmp (argv[1], "stage") == 0) {
        s_role_signals ();
        return s_stage (argv[2], argv[3], argv[4]);
    }
    return s_measure (argc, argv);
}
