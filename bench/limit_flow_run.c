/*  limit_flow_run: the chain of measure 2's shape (limit.h), run from a
    benchmark: its four roles of bench_limit started in a temporary folder,
    `clients` submitting and `editors` deciding threads, each a DEALER
    waiting for its durable reply before its next request, and a sink
    reading statistics' notices until every item is counted; then the roles
    stopped and the folder removed.
*/
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "bench_system.h"
#include "bs_folder.h"
#include "limit.h"
#include "limit_run.h"

#define S_PATIENCE_MS 60000       /* a reply, or a case to decide, may take this long */
#define S_SILENCE_NS 10000000000u /* no notice for 10 s: the chain lost something */

enum { S_INTAKE, S_REVIEW, S_PUBLICATION, S_STATISTICS };
static const char *const s_roles[BENCH_LIMIT_STAGES] = {"intake", "review", "publication",
                                                        "statistics"};

typedef struct {
    int reports;
    atomic_int next_submit, next_decide; /* requests handed out */
    atomic_bool failed;
    atomic_uint_fast64_t submitted_at, decided_at; /* ns of the last reply */
    pthread_mutex_t lock;                          /* guards error */
    char error[256];                               /* the first failure */
} s_flow_t;

typedef struct {
    s_flow_t *flow;
    void *socket; /* DEALER to intake or review */
    int index;
    bool decides;
    bench_samples_t samples; /* round trips */
} s_client_t;

static void
s_fail (s_flow_t *flow, const char *what, const char *detail)
{
    pthread_mutex_lock (&flow->lock);
    if (!atomic_load (&flow->failed))
        snprintf (flow->error, sizeof flow->error, "%s: %s", what, detail);
    atomic_store (&flow->failed, true);
    pthread_mutex_unlock (&flow->lock);
}

static void
s_atomic_max (atomic_uint_fast64_t *target, uint64_t value)
{
    uint_fast64_t seen = atomic_load (target);
    while (seen < value && !atomic_compare_exchange_weak (target, &seen, value))
        ;
}

/* A decider's request: the next queued case, decided with a critique. */
static void
s_encode_decide (msgpack_sbuffer *buffer, const char *id)
{
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    const char *fields[][2] = {
        {"type", "review.decide"}, {"id", id}, {"critique", "講評：材料翔實，做法可借鑒。"}};
    msgpack_pack_map (&packer, 3);
    for (size_t i = 0; i < 3; i++)
        for (int part = 0; part < 2; part++)
            msgpack_pack_str_with_body (&packer, fields[i][part], strlen (fields[i][part]));
}

/* Send request, wait for its reply: true when it is a map of 2 (no error). */
static bool
s_call (s_client_t *client, const msgpack_sbuffer *request, char *reply, size_t size)
{
    int got = -1;
    if (zmq_send (client->socket, request->data, request->size, 0) != -1)
        while ((got = zmq_recv (client->socket, reply, size, 0)) == -1 && errno == EINTR
               && !bench_interrupted)
            ;
    if (got == -1) {
        s_fail (client->flow, client->decides ? "a decision" : "a submit", zmq_strerror (errno));
        return false;
    }
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    size_t offset = 0;
    bool ok =
        msgpack_unpack_next (&unpacked, reply, (size_t) got < size ? (size_t) got : size, &offset)
            == MSGPACK_UNPACK_SUCCESS
        && unpacked.data.type == MSGPACK_OBJECT_MAP && unpacked.data.via.map.size == 2;
    msgpack_unpacked_destroy (&unpacked);
    if (!ok)
        s_fail (client->flow, client->decides ? "a decision refused" : "a submit refused",
                "not a map of 2");
    return ok;
}

static void *
s_client_run (void *argument)
{
    s_client_t *client = argument;
    s_flow_t *flow = client->flow;
    atomic_int *next = client->decides ? &flow->next_decide : &flow->next_submit;
    msgpack_sbuffer request;
    msgpack_sbuffer_init (&request);
    char reply[512];
    int number;
    while (!atomic_load (&flow->failed) && !bench_interrupted
           && (number = atomic_fetch_add (next, 1)) < flow->reports) {
        char id[64];
        snprintf (id, sizeof id, "%s-%d-%d", client->decides ? "decide" : "submit", client->index,
                  number);
        msgpack_sbuffer_clear (&request);
        if (client->decides)
            s_encode_decide (&request, id);
        else {
            bench_report_t report;
            bench_report_fill (&report, client->index, (uint64_t) number, NULL);
            bench_limit_encode (&request, &report, id);
        }
        uint64_t sent = bench_now_ns ();
        if (!s_call (client, &request, reply, sizeof reply))
            break;
        uint64_t now = bench_now_ns ();
        bench_samples_push (&client->samples, now - sent);
        s_atomic_max (client->decides ? &flow->decided_at : &flow->submitted_at, now);
    }
    msgpack_sbuffer_destroy (&request);
    return NULL;
}

/* What statistics counted, by kind and report id. */
typedef struct {
    unsigned char *seen[LIMIT_KIND_PUBLISHED + 1]; /* [kind][report id]: times counted */
    size_t counted, expected, doubled, stray;
} s_tally_t;

static void
s_tally_entry (s_tally_t *tally, uint64_t entry, int reports)
{
    int kind = LIMIT_ENTRY_KIND (entry);
    uint64_t report_id = LIMIT_ENTRY_REPORT (entry);
    bool expected = kind >= LIMIT_KIND_RECEIVED && kind <= LIMIT_KIND_PUBLISHED && report_id >= 1
                    && report_id <= (uint64_t) reports
                    && (kind != LIMIT_KIND_PUBLISHED || limit_adopts (report_id));
    if (!expected) {
        tally->stray++;
        return;
    }
    if (tally->seen[kind][report_id]++)
        tally->doubled++;
    else
        tally->counted++;
}

/* One of statistics' notices tallied. */
static void
s_tally_notice (s_tally_t *tally, zmq_msg_t *notice, int reports)
{
    const unsigned char *bytes = zmq_msg_data (notice);
    for (size_t at = 0; at + 8 <= zmq_msg_size (notice); at += 8) {
        uint64_t entry = 0;
        for (int b = 0; b < 8; b++)
            entry = entry << 8 | bytes[at + (size_t) b];
        s_tally_entry (tally, entry, reports);
    }
}

/* Statistics' notices until every item is counted, the clients failed, or
   none came for S_SILENCE_NS (with drain: for 200 ms more, to see an item
   counted twice after the last). The time of the last. */
static uint64_t
s_sink (void *sink, s_flow_t *flow, s_tally_t *tally, bool drain)
{
    uint64_t last = bench_now_ns (), until = last + 200000000u;
    zmq_msg_t notice;
    zmq_msg_init (&notice);
    int patience = drain ? 20 : 100;
    zmq_setsockopt (sink, ZMQ_RCVTIMEO, &patience, sizeof patience);
    while (!bench_interrupted
           && (drain ? bench_now_ns () < until
                     : tally->counted < tally->expected && !atomic_load (&flow->failed))) {
        if (zmq_msg_recv (&notice, sink, 0) >= 0) {
            s_tally_notice (tally, &notice, flow->reports);
            last = bench_now_ns ();
        } else if (bench_now_ns () - last > S_SILENCE_NS)
            break;
    }
    zmq_msg_close (&notice);
    return last;
}

/* The CPU each role and this program have used. */
static void
s_cpu_read (const pid_t *pids, uint64_t *cpu_us)
{
    for (int i = 0; i < BENCH_LIMIT_STAGES; i++)
        cpu_us[i] = bench_system_cpu_us (pids[i]);
    struct timespec cpu;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu);
    cpu_us[BENCH_LIMIT_STAGES] = (uint64_t) cpu.tv_sec * 1000000u + (uint64_t) cpu.tv_nsec / 1000u;
}

/* The roles, statistics first so that each finds the next bound. */
static int
s_start_roles (const char *folder, const char *keys, pid_t *pids)
{
    char endpoints[6][PATH_MAX];
    const char *names[] = {"intake", "review-in", "review", "publication", "statistics", "sink"};
    for (int i = 0; i < 6; i++)
        snprintf (endpoints[i], sizeof endpoints[i], "ipc://%s/%s.ipc", folder, names[i]);
    const char *arguments[BENCH_LIMIT_STAGES][7] = {
        {"intake", endpoints[0], endpoints[1], endpoints[4], keys, NULL},
        {"review", endpoints[1], endpoints[2], endpoints[3], endpoints[4], keys, NULL},
        {"publication", endpoints[3], endpoints[4], keys, NULL},
        {"statistics", endpoints[4], endpoints[5], keys, NULL}};
    for (int i = BENCH_LIMIT_STAGES - 1; i >= 0; i--) {
        pids[i] = limit_run_start_role (folder, s_roles[i], arguments[i]);
        if (pids[i] <= 0)
            return -1;
    }
    return 0;
}

/* Each role's commits, from the file it leaves as it stops. */
static void
s_read_commits (const char *folder, bench_limit_flow_result_t *result)
{
    for (int i = 0; i < BENCH_LIMIT_STAGES; i++) {
        char path[PATH_MAX + 32];
        snprintf (path, sizeof path, "%s/%s/commits", folder, s_roles[i]);
        FILE *file = fopen (path, "r");
        uint64_t items = 0, commits = 0;
        if (file && fscanf (file, "%" SCNu64 " %" SCNu64, &items, &commits) == 2)
            result->commits[i] = commits;
        if (file)
            fclose (file);
    }
}

/* The clients' DEALERs, connected: submitters to intake, then deciders to
   review; with keys, each with a key pair of its own. */
static void
s_clients_connect (s_client_t *clients, int count, int submitters, void *context,
                   const char *folder, const char *server_public, char (*publics)[41],
                   char (*secrets)[41])
{
    int patience = S_PATIENCE_MS, linger = 0;
    for (int i = 0; i < count; i++) {
        clients[i].decides = i >= submitters;
        clients[i].index = i;
        clients[i].socket = zmq_socket (context, ZMQ_DEALER);
        zmq_setsockopt (clients[i].socket, ZMQ_RCVTIMEO, &patience, sizeof patience);
        zmq_setsockopt (clients[i].socket, ZMQ_LINGER, &linger, sizeof linger);
        if (server_public) {
            zmq_setsockopt (clients[i].socket, ZMQ_CURVE_SERVERKEY, server_public, 41);
            zmq_setsockopt (clients[i].socket, ZMQ_CURVE_PUBLICKEY, publics[i], 41);
            zmq_setsockopt (clients[i].socket, ZMQ_CURVE_SECRETKEY, secrets[i], 41);
        }
        char endpoint[PATH_MAX + 16];
        snprintf (endpoint, sizeof endpoint, "ipc://%s/%s.ipc", folder,
                  clients[i].decides ? "review" : "intake");
        zmq_connect (clients[i].socket, endpoint);
    }
}

/* Run the clients and the sink; fill result. */
static void
s_run (s_flow_t *flow, s_client_t *clients, int count, void *sink, const pid_t *pids,
       bench_limit_flow_result_t *result)
{
    s_tally_t tally = {.expected = (size_t) flow->reports * 2 + (size_t) flow->reports / 2};
    for (int kind = LIMIT_KIND_RECEIVED; kind <= LIMIT_KIND_PUBLISHED; kind++)
        tally.seen[kind] = calloc ((size_t) flow->reports + 1, 1);
    pthread_t *threads = calloc ((size_t) count, sizeof *threads);
    uint64_t before[BENCH_LIMIT_STAGES + 1], after[BENCH_LIMIT_STAGES + 1];
    s_cpu_read (pids, before);
    uint64_t begin = bench_now_ns ();
    int started = 0;
    for (; started < count; started++)
        if (pthread_create (&threads[started], NULL, s_client_run, &clients[started]) != 0) {
            s_fail (flow, "the clients", "cannot start a thread");
            break;
        }
    uint64_t last = s_sink (sink, flow, &tally, false);
    s_cpu_read (pids, after);
    if (tally.counted == tally.expected)
        s_sink (sink, flow, &tally, true);
    if (tally.counted < tally.expected)
        atomic_store (&flow->failed, true); /* deciders waiting for cases that never come */
    for (int i = 0; i < started; i++)
        pthread_join (threads[i], NULL);
    result->missing = tally.expected - tally.counted;
    result->doubled = tally.doubled + tally.stray;
    result->done = !atomic_load (&flow->failed) && result->missing == 0 && result->doubled == 0;
    result->seconds = (double) (last - begin) / 1e9;
    result->rate = result->seconds > 0 ? flow->reports / result->seconds : 0;
    result->submitted_s = (double) (atomic_load (&flow->submitted_at) - begin) / 1e9;
    result->decided_s = (double) (atomic_load (&flow->decided_at) - begin) / 1e9;
    for (int i = 0; i <= BENCH_LIMIT_STAGES; i++)
        result->cpu_us[i] = after[i] - before[i];
    for (int kind = LIMIT_KIND_RECEIVED; kind <= LIMIT_KIND_PUBLISHED; kind++)
        free (tally.seen[kind]);
    free (threads);
}

int
bench_limit_flow (const char *base, int reports, int clients, int editors,
                  bench_limit_security_t security, bench_limit_flow_result_t *result)
{
    memset (result, 0, sizeof *result);
    char folder[PATH_MAX - 64], keys[PATH_MAX], sink_endpoint[PATH_MAX];
    if (limit_run_folder (base, folder, sizeof folder) != 0)
        return -1;
    bool curve = security == BENCH_LIMIT_CURVE;
    int count = clients + editors;
    char server_public[41];
    char (*publics)[41] = calloc ((size_t) count, sizeof *publics);
    char (*secrets)[41] = calloc ((size_t) count, sizeof *secrets);
    snprintf (keys, sizeof keys, "%s/curve-keys", folder);
    snprintf (sink_endpoint, sizeof sink_endpoint, "ipc://%s/sink.ipc", folder);
    s_flow_t flow = {.reports = reports};
    pthread_mutex_init (&flow.lock, NULL);
    void *context = zmq_ctx_new ();
    void *sink = zmq_socket (context, ZMQ_PULL);
    int high_water = 100000;
    zmq_setsockopt (sink, ZMQ_RCVHWM, &high_water, sizeof high_water);
    pid_t pids[BENCH_LIMIT_STAGES] = {0};
    int rc = publics && secrets && zmq_bind (sink, sink_endpoint) == 0 ? 0 : -1;
    if (rc == 0 && curve)
        rc = limit_run_curve_keys (keys, count, true, server_public, publics, secrets);
    if (rc == 0)
        rc = s_start_roles (folder, curve ? keys : "-", pids);
    s_client_t *all = calloc ((size_t) count, sizeof *all);
    if (rc == 0) {
        fprintf (stderr,
                 "limit: %d reports through the chain of measure 2's shape%s, %d submitting and "
                 "%d deciding clients\n",
                 reports, curve ? " (CurveZMQ)" : "", clients, editors);
        for (int i = 0; i < count; i++)
            all[i].flow = &flow;
        s_clients_connect (all, count, clients, context, folder, curve ? server_public : NULL,
                           publics, secrets);
        s_run (&flow, all, count, sink, pids, result);
        bench_samples_t submit = {0}, decide = {0};
        for (int i = 0; i < count; i++) {
            bench_samples_t *samples = all[i].decides ? &decide : &submit;
            for (size_t s = 0; s < all[i].samples.count; s++)
                bench_samples_push (samples, all[i].samples.items[s]);
            bench_samples_free (&all[i].samples);
            zmq_close (all[i].socket);
        }
        result->submit = bench_samples_percentiles (&submit);
        result->decide = bench_samples_percentiles (&decide);
        bench_samples_free (&submit);
        bench_samples_free (&decide);
        if (!result->done)
            fprintf (stderr,
                     "limit: the chain of measure 2's shape failed: %s; %zu items not counted, "
                     "%zu counted twice or unknown\n",
                     flow.error[0]     ? flow.error
                     : result->missing ? "statistics stopped counting"
                                       : "statistics counted an item twice",
                     result->missing, result->doubled);
    }
    zmq_close (sink);
    zmq_ctx_term (context);
    for (int i = 0; i < BENCH_LIMIT_STAGES; i++)
        bench_system_stop_program (pids[i]);
    s_read_commits (folder, result);
    free (all);
    free (publics);
    free (secrets);
    pthread_mutex_destroy (&flow.lock);
    bs_folder_remove (folder);
    return result->done ? 0 : -1;
}

void
bench_limit_flow_print_stages (const bench_limit_flow_result_t *flow, int reports,
                               const char *indent)
{
    uint64_t all = 0;
    for (int i = 0; i <= BENCH_LIMIT_STAGES; i++)
        all += flow->cpu_us[i];
    for (int i = 0; i < BENCH_LIMIT_STAGES; i++)
        printf ("%s%-12s %7" PRIu64 " commits (%6.1f)  CPU %5.0f us\n", indent, s_roles[i],
                flow->commits[i],
                flow->commits[i] ? (double) reports / (double) flow->commits[i] : 0.0,
                (double) flow->cpu_us[i] / reports);
    printf ("%s%-12s %24s  CPU %5.0f us   (submit p50 %.2f ms, decide p50 %.2f ms)\n", indent,
            "clients", "", (double) flow->cpu_us[BENCH_LIMIT_STAGES] / reports, flow->submit.p50,
            flow->decide.p50);
    printf ("%s%-12s %24s  CPU %5.0f us\n", indent, "all", "", (double) all / reports);
}
