/*  limit_run: the two limit measures of limit.h, run from a benchmark:
    start bench_limit's roles in a temporary folder, put the load on them,
    stop them and remove the folder.
*/
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_system.h"
#include "bs_folder.h"
#include "limit.h"
#include "limit_run.h"

#define S_PROGRAM "bench_limit"

void
bench_limit_encode (msgpack_sbuffer *buffer, const bench_report_t *report, const char *id)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    const char *fields[][2] = {{"type", "intake.submit"},
                               {"id", id},
                               {"unit", report->unit},
                               {"title", report->title},
                               {"body", report->body}};
    msgpack_pack_map (&packer, sizeof fields / sizeof fields[0]);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        for (int part = 0; part < 2; part++) {
            msgpack_pack_str (&packer, strlen (fields[i][part]));
            msgpack_pack_str_body (&packer, fields[i][part], strlen (fields[i][part]));
        }
}

int
limit_run_folder (const char *base, char *folder, size_t size)
{
    snprintf (folder, size, "%s/baosong-limit-XXXXXX", base);
    if (!mkdtemp (folder)) {
        fprintf (stderr, "bench_limit: cannot make a folder under %s: %s\n", base,
                 strerror (errno));
        return -1;
    }
    return 0;
}

pid_t
limit_run_start_role (const char *folder, const char *name, const char *const *arguments)
{
    char own[PATH_MAX], log_path[PATH_MAX + 16], ready[PATH_MAX + 16];
    snprintf (own, sizeof own, "%s/%s", folder, name);
    snprintf (log_path, sizeof log_path, "%s.log", own);
    snprintf (ready, sizeof ready, "%s/ready", own);
    mkdir (own, 0700);
    const char *all[8] = {arguments[0], own};
    for (size_t i = 1; arguments[i] && i < 6; i++)
        all[i + 1] = arguments[i];
    pid_t pid = bench_system_spawn_program (S_PROGRAM, all, log_path);
    for (int waited = 0; pid > 0 && access (ready, F_OK) != 0; waited++) {
        if (waited == 1000 || bench_interrupted) {
            fprintf (stderr, "bench_limit: %s did not start (see %s)\n", name, log_path);
            bench_system_stop_program (pid);
            return -1;
        }
        bench_sleep_ms (10);
    }
    return pid;
}

/* The same-shape server                                                   */

typedef struct {
    void *socket;   /* DEALER to the server */
    int client;     /* for the request ids */
    uint64_t count; /* requests sent */
} s_connection_t;

static int
s_submit (void *argument, const bench_report_t *report, char *error, size_t error_size)
{
    s_connection_t *connection = argument;
    char id[64];
    snprintf (id, sizeof id, "limit-%d-%" PRIu64, connection->client, ++connection->count);
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    bench_limit_encode (&request, report, id);
    int sent = zmq_send (connection->socket, request.data, request.size, 0);
    msgpack_sbuffer_destroy (&request);
    char reply[512];
    int size = sent == -1 ? -1 : zmq_recv (connection->socket, reply, sizeof reply, 0);
    if (size == -1) {
        snprintf (error, error_size, "no reply: %s", zmq_strerror (errno));
        return BENCH_LOAD_GONE;
    }
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    bool ok = msgpack_unpack_next (&unpacked, reply, (size_t) size < sizeof reply ? (size_t) size
                                                                                   : sizeof reply,
                                   &offset)
                  == MSGPACK_UNPACK_SUCCESS
              && unpacked.data.type == MSGPACK_OBJECT_MAP && unpacked.data.via.map.size == 2;
    msgpack_unpacked_destroy (&unpacked);
    if (!ok) {
        snprintf (error, error_size, "the server refused: %.*s", size < 200 ? size : 200, reply);
        return BENCH_LOAD_FAILED;
    }
    return BENCH_LOAD_OK;
}

int
limit_run_curve_keys (const char *path, int clients, bool admit_server, char server_public[41],
                      char (*client_publics)[41], char (*client_secrets)[41])
{
    char server_secret[41];
    FILE *file = NULL;
    int rc = zmq_has ("curve") ? zmq_curve_keypair (server_public, server_secret) : -1;
    if (rc == 0)
        file = fopen (path, "w");
    if (file) {
        fprintf (file, "%s\n", server_secret);
        for (int i = 0; i < clients && rc == 0; i++) {
            rc = zmq_curve_keypair (client_publics[i], client_secrets[i]);
            fprintf (file, "%s\n", client_publics[i]);
        }
        if (admit_server)
            fprintf (file, "%s\n", server_public);
        rc = fclose (file) == 0 ? rc : -1;
    } else
        rc = -1;
    if (rc != 0)
        fprintf (stderr, "bench_limit: no CurveZMQ keys (libzmq %s CurveZMQ; %s)\n",
                 zmq_has ("curve") ? "has" : "lacks", path);
    return rc;
}

/* The role's log, onto stderr (its folder is removed next). */
static void
s_copy_log (const char *folder, const char *role)
{
    char path[PATH_MAX + 64], line[512];
    snprintf (path, sizeof path, "%s/%s.log", folder, role);
    FILE *file = fopen (path, "r");
    while (file && fgets (line, sizeof line, file))
        fputs (line, stderr);
    if (file)
        fclose (file);
}

/* The requests a role stored, from its counts (limit_write_counts); 0
   when it wrote none (a journal-server whose journals disagreed). */
static uint64_t
s_stored (const char *folder, const char *role)
{
    char path[PATH_MAX + 64];
    snprintf (path, sizeof path, "%s/%s/commits", folder, role);
    FILE *file = fopen (path, "r");
    uint64_t stored = 0, commits = 0;
    if (file && fscanf (file, "%" SCNu64 " %" SCNu64, &stored, &commits) != 2)
        stored = 0;
    if (file)
        fclose (file);
    return stored;
}

int
bench_limit_submits (const char *base, int clients, double warmup, double duration,
                     bench_limit_security_t security, bench_limit_commit_t commit,
                     bench_load_result_t *result)
{
    memset (result, 0, sizeof *result);
    char folder[PATH_MAX - 64], endpoint[PATH_MAX], keys[PATH_MAX];
    if (limit_run_folder (base, folder, sizeof folder) != 0)
        return -1;
    snprintf (endpoint, sizeof endpoint, "ipc://%s/server.ipc", folder);
    snprintf (keys, sizeof keys, "%s/curve-keys", folder);
    bool curve = security == BENCH_LIMIT_CURVE;
    char server_public[41];
    char (*publics)[41] = curve ? calloc ((size_t) clients, sizeof *publics) : NULL;
    char (*secrets)[41] = curve ? calloc ((size_t) clients, sizeof *secrets) : NULL;
    bool journaled = commit == BENCH_LIMIT_JOURNALED;
    const char *role = journaled ? "journal-server" : "server";
    const char *arguments[] = {role, endpoint, curve ? keys : NULL, NULL};
    pid_t server = -1;
    if (!curve
        || (publics && secrets
            && limit_run_curve_keys (keys, clients, false, server_public, publics, secrets) == 0))
        server = limit_run_start_role (folder, role, arguments);
    int rc = -1;
    if (server > 0) {
        fprintf (stderr, "limit: %d clients submit to the same-shape server%s%s for %.0f s\n",
                 clients, curve ? " (CurveZMQ)" : "", journaled ? " (journal)" : "", duration);
        void *context = zmq_ctx_new ();
        s_connection_t *connections = calloc ((size_t) clients, sizeof *connections);
        void **pointers = calloc ((size_t) clients, sizeof *pointers);
        int patience = 30000, linger = 0;
        for (int i = 0; i < clients; i++) {
            connections[i] = (s_connection_t){zmq_socket (context, ZMQ_DEALER), i, 0};
            zmq_setsockopt (connections[i].socket, ZMQ_RCVTIMEO, &patience, sizeof patience);
            zmq_setsockopt (connections[i].socket, ZMQ_LINGER, &linger, sizeof linger);
            if (curve) { /* as a baosong client: its own key pair, the server's public key */
                zmq_setsockopt (connections[i].socket, ZMQ_CURVE_SERVERKEY, server_public, 41);
                zmq_setsockopt (connections[i].socket, ZMQ_CURVE_PUBLICKEY, publics[i], 41);
                zmq_setsockopt (connections[i].socket, ZMQ_CURVE_SECRETKEY, secrets[i], 41);
            }
            zmq_connect (connections[i].socket, endpoint);
            pointers[i] = &connections[i];
        }
        bench_load_t load = {.name = journaled ? (curve ? "limit, journal, CurveZMQ" : "limit, journal")
                                 : curve      ? "limit, CurveZMQ"
                                              : "limit",
                             .clients = clients,
                             .warmup = warmup,
                             .duration = duration,
                             .connections = pointers,
                             .submit = s_submit};
        rc = bench_load_run (&load, result);
        for (int i = 0; i < clients; i++)
            zmq_close (connections[i].socket);
        zmq_ctx_term (context);
        free (connections);
        free (pointers);
    }
    bench_system_stop_program (server);
    if (journaled && rc == 0 && s_stored (folder, role) < result->acknowledged) {
        fprintf (stderr, "limit: the journal-server holds fewer requests than it acknowledged; "
                         "its log:\n");
        s_copy_log (folder, role);
        rc = -1;
    }
    free (publics);
    free (secrets);
    bs_folder_remove (folder);
    return rc;
}

/* The chain                                                               */

typedef struct {
    void *socket; /* PUSH to stage 1 */
    int messages; /* to send */
    bool failed;  /* a send failed */
} s_source_t;

static void *
s_source_run (void *argument)
{
    s_source_t *source = argument;
    for (int i = 0; i < source->messages && !bench_interrupted; i++) {
        bench_report_t report;
        bench_report_fill (&report, i % 50, (uint64_t) i, NULL);
        char id[32];
        snprintf (id, sizeof id, "chain-%d", i);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        bench_limit_encode (&buffer, &report, id);
        int sent;
        while ((sent = zmq_send (source->socket, buffer.data, buffer.size, 0)) == -1
               && errno == EINTR && !bench_interrupted)
            ;
        msgpack_sbuffer_destroy (&buffer);
        if (sent == -1) {
            source->failed = true;
            break;
        }
    }
    return NULL;
}

/* Count messages out of the last stage until all are there, or none came
   for 10 s. Returns the time of the last. */
static uint64_t
s_sink (void *sink, int messages, int *received)
{
    uint64_t last = bench_now_ns ();
    char buffer[2048];
    int patience = 100;
    zmq_setsockopt (sink, ZMQ_RCVTIMEO, &patience, sizeof patience);
    while (*received < messages && !bench_interrupted) {
        if (zmq_recv (sink, buffer, sizeof buffer, 0) >= 0) {
            ++*received;
            last = bench_now_ns ();
        } else if (bench_now_ns () - last > 10000000000u)
            break;
    }
    return last;
}

int
bench_limit_chain (const char *base, int messages, bench_limit_chain_result_t *result)
{
    memset (result, 0, sizeof *result);
    char folder[PATH_MAX - 64];
    if (limit_run_folder (base, folder, sizeof folder) != 0)
        return -1;
    char endpoints[BENCH_LIMIT_STAGES + 1][PATH_MAX];
    for (int i = 0; i <= BENCH_LIMIT_STAGES; i++)
        snprintf (endpoints[i], sizeof endpoints[i], "ipc://%s/stage-%d.ipc", folder, i + 1);
    void *context = zmq_ctx_new ();
    void *sink = zmq_socket (context, ZMQ_PULL), *push = zmq_socket (context, ZMQ_PUSH);
    int high_water = 10000, linger = 0;
    zmq_setsockopt (sink, ZMQ_RCVHWM, &high_water, sizeof high_water);
    zmq_setsockopt (push, ZMQ_SNDHWM, &high_water, sizeof high_water);
    zmq_setsockopt (push, ZMQ_LINGER, &linger, sizeof linger);
    int rc = zmq_bind (sink, endpoints[BENCH_LIMIT_STAGES]);
    pid_t stages[BENCH_LIMIT_STAGES] = {0};
    for (int i = 0; rc == 0 && i < BENCH_LIMIT_STAGES; i++) {
        char name[16];
        snprintf (name, sizeof name, "stage-%d", i + 1);
        const char *arguments[] = {"stage", endpoints[i], endpoints[i + 1], NULL};
        stages[i] = limit_run_start_role (folder, name, arguments);
        rc = stages[i] > 0 ? 0 : -1;
    }
    if (rc == 0) {
        fprintf (stderr, "limit: %d messages through %d stages\n", messages, BENCH_LIMIT_STAGES);
        zmq_connect (push, endpoints[0]);
        s_source_t source = {push, messages, false};
        pthread_t thread;
        uint64_t start = bench_now_ns ();
        pthread_create (&thread, NULL, s_source_run, &source);
        int received = 0;
        uint64_t last = s_sink (sink, messages, &received);
        pthread_join (thread, NULL);
        result->done = received == messages && !source.failed;
        result->seconds = (double) (last - start) / 1e9;
        result->rate = result->seconds > 0 ? received / result->seconds : 0;
        if (!result->done)
            fprintf (stderr, "limit: only %d of %d messages came through the chain\n", received,
                     messages);
    }
    zmq_close (push);
    zmq_close (sink);
    zmq_ctx_term (context);
    for (int i = 0; i < BENCH_LIMIT_STAGES; i++)
        bench_system_stop_program (stages[i]);
    char path[PATH_MAX + 32];
    snprintf (path, sizeof path, "%s/stage-1/commits", folder);
    FILE *file = fopen (path, "r");
    if (file) {
        uint64_t stored = 0, commits = 0;
        if (fscanf (file, "%" SCNu64 " %" SCNu64, &stored, &commits) == 2)
            result->batches = (size_t) commits;
        fclose (file);
    }
    bs_folder_remove (folder);
    return result->done ? 0 : -1;
}
