/*  bench_baseline: baosong's durable submits beside the same load on Redis
    Streams and on PostgreSQL, in one sitting on one machine, so that the
    ratios say what group commit buys against the obvious alternatives.

    The load is measure 1 of bench_throughput (bench_load_run): `clients`
    threads, each with a connection of its own, send reports (a Chinese
    title and body of about 340 bytes) back to back; after the warm-up, the
    acknowledgements that arrive within `duration` seconds are counted,
    with the latency each client saw. An acknowledgement is durable in all
    three:

      baosong     submit to intake: the reply leaves after the LMDB commit
                  holding the report is fsync'ed (a whole system is started,
                  as in bench_throughput);
      Redis       XADD reports * unit U title T body B, on a server with
                  appendonly yes and appendfsync always (the reply leaves
                  after the AOF write is fsync'ed);
      PostgreSQL  INSERT INTO reports (unit, title, body, received_at)
                  VALUES ($1, $2, $3, now ()) RETURNING id, prepared, each its
                  own transaction, with fsync and synchronous_commit on (the
                  commit returns after its WAL is flushed).

    The Redis and PostgreSQL servers are not started here: bench/run
    --baseline starts private ones (Unix sockets only, data beside
    baosong's) and gives their addresses. This program checks that they
    are durable as configured and empty (it refuses otherwise), and
    afterwards that each holds every acknowledged report.

    Beside them the limit (limit.h): the same load on a minimal server of
    intake.submit's shape, with plain sockets (`limit`) and with CurveZMQ
    as baosong's sockets have it (`limit-curve`); and `limit-journal`, the
    same server made durable by one append and one flush a turn of a
    journal (the store's commits unflushed), the commit path of Redis's
    AOF: it prints what that path would give this shape, beside Redis.

    With --rounds N the stores are measured in turn N times (baosong,
    Redis, PostgreSQL, the limit, the limit with CurveZMQ, then again), so that a machine whose load
    changes during the run weighs on every store alike; the table shows
    each store's median round and the ratios are the medians of each
    round's ratios. Round r writes to the stream or table reports_r.

        bench_baseline [--quick] [--duration S] [--clients N] [--dir FOLDER]
                       [--redis SOCKET] [--postgres CONNINFO] [--rounds N]
                       [--only baosong,redis,postgres,limit,limit-curve,limit-journal]
*/
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef BENCH_WITH_REDIS
#include <hiredis/hiredis.h>
#endif
#ifdef BENCH_WITH_POSTGRES
#include <libpq-fe.h>
#endif

#include "bs_client.h"

#include "bench_common.h"
#include "bench_load.h"
#include "bench_system.h"
#include "limit.h"

#define S_STORE_COUNT 6
#define S_ROUNDS_MAX 9
enum { S_BAOSONG, S_REDIS, S_POSTGRES, S_LIMIT, S_LIMIT_CURVE, S_LIMIT_JOURNAL };
static const char *const s_store_names[S_STORE_COUNT] = {"baosong", "redis",       "postgres",
                                                         "limit",   "limit-curve", "limit-journal"};

typedef struct {
    bench_common_t common;   /* duration, warm-up, clients, base, quick */
    const char *redis;       /* Redis server's Unix socket, or NULL */
    const char *postgres;    /* libpq connection string, or NULL */
    bool run[S_STORE_COUNT]; /* run[store]: measure it */
    int rounds;              /* times each store is measured, in turn */
} s_options_t;

/* The Redis stream and PostgreSQL table of the round being measured
   ("reports_1", ...): set before a store's load starts, read by its
   client threads. */
static char s_round_key[32] = "reports_1";

/* What one store did. */
typedef struct {
    bool ran;                 /* it was measured (done or failed) */
    bench_load_result_t load; /* the figures */
    char name[64];            /* the row's name, with the server version */
    char note[512];           /* one line below the table, or why it did not run */
    int64_t stored;           /* reports the store holds afterwards, -1 unknown */
} s_store_result_t;

/* baosong: measure 1 of bench_throughput */

static int
s_measure_baosong (const s_options_t *options, s_store_result_t *result)
{
    result->ran = true;
    result->stored = -1;
    snprintf (result->name, sizeof result->name, "baosong submit (LMDB, fsync)");
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0) {
        snprintf (result->note, sizeof result->note, "the system did not start");
        return -1;
    }
    fprintf (stderr, "baosong: %d clients submit for %.0f s after %.1f s of warm-up\n",
             options->common.clients, options->common.duration, options->common.warmup);
    void **clients = calloc ((size_t) options->common.clients, sizeof *clients);
    /* Made here, not in the threads: bs_client_new writes into the
       shared configuration. */
    for (int i = 0; i < options->common.clients; i++)
        clients[i] = bs_client_new (system.config, "intake", "bench");
    bench_load_t load = {.name = "baosong",
                         .clients = options->common.clients,
                         .warmup = options->common.warmup,
                         .duration = options->common.duration,
                         .connections = clients,
                         .submit = bench_system_submit};
    int rc = bench_load_run (&load, &result->load);
    for (int i = 0; i < options->common.clients; i++) {
        bs_client_t *client = clients[i];
        bs_client_destroy (&client);
    }
    free (clients);
    bench_system_stop (&system);
    snprintf (result->note, sizeof result->note,
              "submit to intake, 4 services running; every LMDB commit fsync'ed, replies after "
              "it (group commit)");
    return rc;
}

/* The limit: the same load on a minimal server of intake.submit's shape
   (limit.h), this machine's ceiling for baosong's design; with
   BENCH_LIMIT_CURVE, its sockets encrypted as baosong's are; with
   BENCH_LIMIT_JOURNALED, each turn made durable by a journal instead of
   LMDB's flushes (limit_journal.h). */
static int
s_measure_limit (const s_options_t *options, bench_limit_security_t security,
                 bench_limit_commit_t commit, s_store_result_t *result)
{
    result->ran = true;
    result->stored = -1;
    int rc =
        bench_limit_submits (options->common.base, options->common.clients, options->common.warmup,
                             options->common.duration, security, commit, &result->load);
    snprintf (result->note, sizeof result->note,
              "bench_limit's server: ROUTER, msgpack decode, 6 LMDB puts per request in one "
              "transaction per turn, %s, then the replies%s",
              commit == BENCH_LIMIT_JOURNALED
                  ? "the turn's requests appended to a journal and fdatasync'ed, the commit "
                    "not flushed (MDB_NOSYNC; the store flushed once a second)"
                  : "fsync",
              security == BENCH_LIMIT_CURVE
                  ? "; CurveZMQ: a CURVE server socket, each client its own key pair, a ZAP "
                    "handler, each request's User-Id read"
                  : "");
    return rc;
}

/* Redis Streams */

#ifdef BENCH_WITH_REDIS
static int
s_redis_submit (void *connection, const bench_report_t *report, char *error, size_t error_size)
{
    redisContext *context = connection;
    /* Each %s is one argument, spaces and all. */
    redisReply *reply = redisCommand (context, "XADD %s * unit %s title %s body %s", s_round_key,
                                      report->unit, report->title, report->body);
    if (!reply) {
        snprintf (error, error_size, "XADD: %s", context->errstr);
        return BENCH_LOAD_GONE;
    }
    int rc = BENCH_LOAD_OK;
    if (reply->type != REDIS_REPLY_STRING) {
        snprintf (error, error_size, "XADD: %s",
                  reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        rc = BENCH_LOAD_FAILED;
    }
    freeReplyObject (reply);
    return rc;
}

/* The reply to a command as a string in value ("" if none); 0 if it came.
   A %s in command is the round's key. */
static int
s_redis_ask (redisContext *context, const char *command, char *value, size_t size)
{
    redisReply *reply = redisCommand (context, command, s_round_key);
    value[0] = 0;
    if (!reply)
        return -1;
    if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS)
        snprintf (value, size, "%s", reply->str);
    else if (reply->type == REDIS_REPLY_INTEGER)
        snprintf (value, size, "%lld", reply->integer);
    else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
             && reply->element[1]->type == REDIS_REPLY_STRING)
        snprintf (value, size, "%s", reply->element[1]->str); /* CONFIG GET: name, value */
    freeReplyObject (reply);
    return 0;
}

static int
s_measure_redis (const s_options_t *options, s_store_result_t *result)
{
    result->ran = true;
    result->stored = -1;
    snprintf (result->name, sizeof result->name, "Redis XADD (appendfsync always)");
    redisContext **contexts = calloc ((size_t) options->common.clients, sizeof *contexts);
    int rc = -1;
    for (int i = 0; i < options->common.clients; i++) {
        contexts[i] = redisConnectUnix (options->redis);
        if (!contexts[i] || contexts[i]->err) {
            snprintf (result->note, sizeof result->note, "cannot connect to %s: %s", options->redis,
                      contexts[i] ? contexts[i]->errstr : "out of memory");
            goto cleanup;
        }
    }
    char appendonly[32], appendfsync[32], existing[32], info[4096];
    if (s_redis_ask (contexts[0], "CONFIG GET appendonly", appendonly, sizeof appendonly) != 0
        || s_redis_ask (contexts[0], "CONFIG GET appendfsync", appendfsync, sizeof appendfsync) != 0
        || s_redis_ask (contexts[0], "EXISTS %s", existing, sizeof existing) != 0
        || s_redis_ask (contexts[0], "INFO server", info, sizeof info) != 0) {
        snprintf (result->note, sizeof result->note, "%s does not answer", options->redis);
        goto cleanup;
    }
    if (strcmp (appendonly, "yes") != 0 || strcmp (appendfsync, "always") != 0) {
        snprintf (result->note, sizeof result->note,
                  "refused: appendonly %s, appendfsync %s; a durable XADD needs yes and always",
                  appendonly, appendfsync);
        goto cleanup;
    }
    if (strcmp (existing, "0") != 0) {
        snprintf (result->note, sizeof result->note,
                  "refused: the key %s exists; give a private, empty server", s_round_key);
        goto cleanup;
    }
    const char *version = strstr (info, "redis_version:");
    if (version) {
        version += strlen ("redis_version:");
        snprintf (result->name, sizeof result->name, "Redis %.*s XADD (appendfsync always)",
                  (int) strcspn (version, "\r\n"), version);
    }
    fprintf (stderr, "redis: %d clients XADD for %.0f s after %.1f s of warm-up\n",
             options->common.clients, options->common.duration, options->common.warmup);
    bench_load_t load = {.name = "redis",
                         .clients = options->common.clients,
                         .warmup = options->common.warmup,
                         .duration = options->common.duration,
                         .connections = (void **) contexts,
                         .submit = s_redis_submit};
    rc = bench_load_run (&load, &result->load);
    char length[32];
    if (s_redis_ask (contexts[0], "XLEN %s", length, sizeof length) == 0 && length[0])
        result->stored = strtoll (length, NULL, 10);
    snprintf (result->note, sizeof result->note,
              "XADD reports_R * unit U title T body B; appendonly yes, appendfsync always: the "
              "reply leaves after the AOF is fsync'ed");
cleanup:
    for (int i = 0; i < options->common.clients; i++)
        if (contexts[i])
            redisFree (contexts[i]);
    free (contexts);
    return rc;
}
#endif

/* PostgreSQL */

#ifdef BENCH_WITH_POSTGRES
#define S_INSERT                                                                                   \
    "INSERT INTO %s (unit, title, body, received_at) VALUES ($1, $2, $3, now ()) RETURNING id"

static int
s_postgres_submit (void *connection, const bench_report_t *report, char *error, size_t error_size)
{
    PGconn *postgres = connection;
    const char *values[3] = {report->unit, report->title, report->body};
    PGresult *reply = PQexecPrepared (postgres, "submit", 3, values, NULL, NULL, 0);
    int rc = BENCH_LOAD_OK;
    if (PQresultStatus (reply) != PGRES_TUPLES_OK || PQntuples (reply) != 1) {
        snprintf (error, error_size, "INSERT: %s", PQerrorMessage (postgres));
        error[strcspn (error, "\n")] = 0;
        rc = PQstatus (postgres) == CONNECTION_BAD ? BENCH_LOAD_GONE : BENCH_LOAD_FAILED;
    }
    PQclear (reply);
    return rc;
}

/* Run a statement; the first value of its first row into value ("" if
   none). 0 if it succeeded, else -1 with the server's message in value. */
static int
s_postgres_ask (PGconn *postgres, const char *statement, char *value, size_t size)
{
    PGresult *reply = PQexec (postgres, statement);
    ExecStatusType status = PQresultStatus (reply);
    int rc = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK ? 0 : -1;
    value[0] = 0;
    if (rc != 0) {
        snprintf (value, size, "%s", PQerrorMessage (postgres));
        value[strcspn (value, "\n")] = 0;
    } else if (status == PGRES_TUPLES_OK && PQntuples (reply) > 0)
        snprintf (value, size, "%s", PQgetvalue (reply, 0, 0));
    PQclear (reply);
    return rc;
}

static int
s_measure_postgres (const s_options_t *options, s_store_result_t *result)
{
    result->ran = true;
    result->stored = -1;
    snprintf (result->name, sizeof result->name, "PostgreSQL INSERT (synchronous_commit)");
    PGconn **connections = calloc ((size_t) options->common.clients, sizeof *connections);
    int rc = -1;
    char value[512];
    for (int i = 0; i < options->common.clients; i++) {
        connections[i] = PQconnectdb (options->postgres);
        if (PQstatus (connections[i]) != CONNECTION_OK) {
            snprintf (result->note, sizeof result->note, "cannot connect (%s): %s",
                      options->postgres, PQerrorMessage (connections[i]));
            result->note[strcspn (result->note, "\n")] = 0;
            goto cleanup;
        }
    }
    char fsync_setting[32], commit_setting[32];
    if (s_postgres_ask (connections[0], "SHOW fsync", fsync_setting, sizeof fsync_setting) != 0
        || s_postgres_ask (connections[0], "SHOW synchronous_commit", commit_setting,
                           sizeof commit_setting)
               != 0) {
        snprintf (result->note, sizeof result->note, "cannot read the settings: %s",
                  fsync_setting[0] ? fsync_setting : commit_setting);
        goto cleanup;
    }
    if (strcmp (fsync_setting, "on") != 0 || strcmp (commit_setting, "on") != 0) {
        snprintf (result->note, sizeof result->note,
                  "refused: fsync %s, synchronous_commit %s; a durable INSERT needs both on",
                  fsync_setting, commit_setting);
        goto cleanup;
    }
    /* A table of its own: an existing one means a server that is not
       private to this run. */
    char statement[512];
    snprintf (statement, sizeof statement,
              "CREATE TABLE %s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
              "unit text NOT NULL, title text NOT NULL, body text NOT NULL, "
              "received_at timestamptz NOT NULL)",
              s_round_key);
    if (s_postgres_ask (connections[0], statement, value, sizeof value) != 0) {
        snprintf (result->note, sizeof result->note,
                  "refused: cannot create the table %s (%s); give a private, empty server",
                  s_round_key, value);
        goto cleanup;
    }
    snprintf (statement, sizeof statement, S_INSERT, s_round_key);
    for (int i = 0; i < options->common.clients; i++) {
        PGresult *prepared = PQprepare (connections[i], "submit", statement, 3, NULL);
        bool ok = PQresultStatus (prepared) == PGRES_COMMAND_OK;
        PQclear (prepared);
        if (!ok) {
            snprintf (result->note, sizeof result->note, "cannot prepare the INSERT: %s",
                      PQerrorMessage (connections[i]));
            result->note[strcspn (result->note, "\n")] = 0;
            goto cleanup;
        }
    }
    int version = PQserverVersion (connections[0]);
    snprintf (result->name, sizeof result->name, "PostgreSQL %d.%d INSERT (synchronous_commit)",
              version / 10000, version % 10000);
    fprintf (stderr, "postgres: %d clients INSERT for %.0f s after %.1f s of warm-up\n",
             options->common.clients, options->common.duration, options->common.warmup);
    bench_load_t load = {.name = "postgres",
                         .clients = options->common.clients,
                         .warmup = options->common.warmup,
                         .duration = options->common.duration,
                         .connections = (void **) connections,
                         .submit = s_postgres_submit};
    rc = bench_load_run (&load, &result->load);
    snprintf (statement, sizeof statement, "SELECT count(*) FROM %s", s_round_key);
    if (s_postgres_ask (connections[0], statement, value, sizeof value) == 0)
        result->stored = strtoll (value, NULL, 10);
    char sync_method[32];
    if (s_postgres_ask (connections[0], "SHOW wal_sync_method", sync_method, sizeof sync_method)
        != 0)
        snprintf (sync_method, sizeof sync_method, "?");
    snprintf (result->note, sizeof result->note,
              "prepared INSERT ... RETURNING id, one transaction each (autocommit); fsync on, "
              "synchronous_commit on, wal_sync_method %s: the commit returns after its WAL is "
              "flushed",
              sync_method);
cleanup:
    for (int i = 0; i < options->common.clients; i++)
        if (connections[i])
            PQfinish (connections[i]);
    free (connections);
    return rc;
}
#endif

/* The table */

static void
s_print_row (const s_store_result_t *store, const char *why_not)
{
    char number[32];
    if (!store->ran)
        printf ("%-44s %14s   %s\n", store->name, "-", why_not);
    else if (!store->load.done)
        printf ("%-44s %14s\n", store->name, "FAILED");
    else
        printf ("%-44s %9s /s   %9.2f %9.2f %9.2f %9.2f\n", store->name,
                bench_thousands (store->load.rate, number, sizeof number), store->load.latency.p50,
                store->load.latency.p90, store->load.latency.p99, store->load.latency.max);
}

static int
s_double_order (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_median (double *values, int count)
{
    qsort (values, (size_t) count, sizeof *values, s_double_order);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}

/* one / other: the median over the rounds where both were measured of
   each round's ratio; with more than one round, each round's rate ratio
   follows. */
static void
s_print_ratio (s_store_result_t rounds[][S_STORE_COUNT], int round_count, int one, int other,
               const char *name)
{
    double rate[S_ROUNDS_MAX], p50[S_ROUNDS_MAX], p99[S_ROUNDS_MAX];
    int count = 0;
    for (int r = 0; r < round_count; r++) {
        const bench_load_result_t *a = &rounds[r][one].load, *b = &rounds[r][other].load;
        if (!a->done || !b->done || b->rate == 0 || b->latency.p50 == 0 || b->latency.p99 == 0)
            continue;
        rate[count] = a->rate / b->rate;
        p50[count] = a->latency.p50 / b->latency.p50;
        p99[count] = a->latency.p99 / b->latency.p99;
        count++;
    }
    if (count == 0)
        return;
    char each[128] = "", *end = each;
    for (int i = 0; round_count > 1 && i < count; i++)
        end += snprintf (end, sizeof each - (size_t) (end - each), "%s%.2f", i ? " " : "  rounds ",
                         rate[i]);
    printf ("%-44s %13.2fx   %8.2fx %9s %8.2fx%s\n", name, s_median (rate, count),
            s_median (p50, count), "", s_median (p99, count), each);
}

/* The round whose rate is the store's median (the lower middle of an even
   count), or -1 when no round of it was done. */
static int
s_median_round (s_store_result_t rounds[][S_STORE_COUNT], int round_count, int store)
{
    int done[S_ROUNDS_MAX], count = 0;
    for (int r = 0; r < round_count; r++)
        if (rounds[r][store].load.done)
            done[count++] = r;
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && rounds[done[j]][store].load.rate
                                     < rounds[done[j - 1]][store].load.rate; j--) {
            int swap = done[j];
            done[j] = done[j - 1];
            done[j - 1] = swap;
        }
    return count ? done[(count - 1) / 2] : -1;
}

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_baseline [--quick] [--duration S] [--clients N] [--dir FOLDER]\n"
             "                      [--redis SOCKET] [--postgres CONNINFO] [--only LIST]\n"
             "                      [--rounds N]\n"
             "  --duration S       seconds counted (default 10, after 2 s of warm-up)\n"
             "  --clients N        concurrent clients, one connection each (default 50)\n"
             "  --dir FOLDER       where baosong's data folder goes (default $TMPDIR or /tmp);\n"
             "                     put the Redis and PostgreSQL data on the same file system\n"
             "  --redis SOCKET     a private Redis server's Unix socket (appendonly yes,\n"
             "                     appendfsync always)\n"
             "  --postgres CONN    a libpq connection string to a private PostgreSQL server\n"
             "                     (fsync and synchronous_commit on)\n"
             "  --only LIST        measure only some of baosong,redis,postgres,limit,\n"
             "                     limit-curve (the limit with CurveZMQ sockets),\n"
             "                     limit-journal (the limit made durable by a journal:\n"
             "                     one append and one flush a turn, as Redis's AOF)\n"
             "  --rounds N         measure the stores in turn N times (default 1, at most 9);\n"
             "                     the table shows medians\n"
             "  --quick            2 s after 0.5 s of warm-up, 10 clients\n"
             "built with:%s%s\n",
#ifdef BENCH_WITH_REDIS
             " redis (hiredis)",
#else
             "",
#endif
#ifdef BENCH_WITH_POSTGRES
             " postgres (libpq)"
#else
             ""
#endif
    );
}

static int
s_parse_options (int argc, char **argv, s_options_t *options)
{
    *options = (s_options_t){.rounds = 1, .run = {true, true, true, true, true}};
    bench_common_defaults (&options->common, argc, argv);
    static const struct option long_options[] = {BENCH_COMMON_LONG_OPTIONS,
                                                 {"redis", required_argument, 0, 'r'},
                                                 {"postgres", required_argument, 0, 'p'},
                                                 {"only", required_argument, 0, 'o'},
                                                 {"rounds", required_argument, 0, 'R'},
                                                 {"help", no_argument, 0, 'h'},
                                                 {0, 0, 0, 0}};
    bool only_seen = false;
    int option;
    while ((option = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'R':
            options->rounds = (int) strtol (optarg, &end, 10);
            if (*end || options->rounds < 1 || options->rounds > S_ROUNDS_MAX)
                return -1;
            break;
        case 'r':
            options->redis = optarg;
            break;
        case 'p':
            options->postgres = optarg;
            break;
        case 'o': {
            if (!only_seen)
                memset (options->run, 0, sizeof options->run);
            only_seen = true;
            char list[256];
            snprintf (list, sizeof list, "%s", optarg);
            char *rest = NULL;
            for (char *name = strtok_r (list, ",", &rest); name;
                 name = strtok_r (NULL, ",", &rest)) {
                int store = 0;
                while (store < S_STORE_COUNT && strcmp (name, s_store_names[store]) != 0)
                    store++;
                if (store == S_STORE_COUNT)
                    return -1;
                options->run[store] = true;
            }
            break;
        }
        default:
            if (bench_common_option (&options->common, option, optarg) != 0)
                return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

int
main (int argc, char **argv)
{
    s_options_t options;
    if (s_parse_options (argc, argv, &options) != 0) {
        s_usage ();
        return 2;
    }
    bench_system_handle_signals ();

    char load_text[16];
    bench_machine_t machine;
    bench_machine_take (&machine, options.common.base);
    bench_report_t sample;
    bench_report_fill (&sample, 3, 1234, NULL);

    static s_store_result_t rounds[S_ROUNDS_MAX][S_STORE_COUNT];
    static const char *const row_names[S_STORE_COUNT] = {
        "baosong submit (LMDB, fsync)", "Redis XADD (appendfsync always)",
        "PostgreSQL INSERT (synchronous_commit)", "limit: same-shape server (LMDB, fsync)",
        "limit, CurveZMQ: same-shape server", "limit, journal: same-shape server"};
    const char *why_not[S_STORE_COUNT];
    for (int i = 0; i < S_STORE_COUNT; i++)
        why_not[i] = options.run[i] ? "not run: interrupted" : "not asked for (--only)";
    int failures = 0;
    for (int r = 0; r < options.rounds && !bench_interrupted; r++) {
        s_store_result_t *stores = rounds[r];
        for (int i = 0; i < S_STORE_COUNT; i++)
            snprintf (stores[i].name, sizeof stores[i].name, "%s", row_names[i]);
        snprintf (s_round_key, sizeof s_round_key, "reports_%d", r + 1);
        if (options.rounds > 1)
            fprintf (stderr, "round %d of %d (load %s)\n", r + 1, options.rounds,
                     bench_common_load_average (load_text, sizeof load_text));
        if (options.run[S_BAOSONG] && !bench_interrupted)
            failures += s_measure_baosong (&options, &stores[S_BAOSONG]) != 0;
        if (options.run[S_REDIS] && !bench_interrupted) {
#ifdef BENCH_WITH_REDIS
            if (options.redis)
                failures += s_measure_redis (&options, &stores[S_REDIS]) != 0;
            else
                why_not[S_REDIS] = "no --redis SOCKET given";
#else
            why_not[S_REDIS] = "not built: hiredis was missing (libhiredis-dev)";
            failures += options.redis != NULL;
#endif
        }
        if (options.run[S_POSTGRES] && !bench_interrupted) {
#ifdef BENCH_WITH_POSTGRES
            if (options.postgres)
                failures += s_measure_postgres (&options, &stores[S_POSTGRES]) != 0;
            else
                why_not[S_POSTGRES] = "no --postgres CONNINFO given";
#else
            why_not[S_POSTGRES] = "not built: libpq was missing (libpq-dev)";
            failures += options.postgres != NULL;
#endif
        }
        if (options.run[S_LIMIT] && !bench_interrupted)
            failures += s_measure_limit (&options, BENCH_LIMIT_PLAIN, BENCH_LIMIT_SYNCED,
                                         &stores[S_LIMIT])
                        != 0;
        if (options.run[S_LIMIT_CURVE] && !bench_interrupted)
            failures += s_measure_limit (&options, BENCH_LIMIT_CURVE, BENCH_LIMIT_SYNCED,
                                         &stores[S_LIMIT_CURVE])
                        != 0;
        if (options.run[S_LIMIT_JOURNAL] && !bench_interrupted)
            failures += s_measure_limit (&options, BENCH_LIMIT_PLAIN, BENCH_LIMIT_JOURNALED,
                                         &stores[S_LIMIT_JOURNAL])
                        != 0;
    }

    bench_machine_print (&machine, "bench_baseline", &options.common,
                         " (baosong; bench/run puts the Redis and PostgreSQL data on the same "
                         "file system)");
    printf ("load     %d clients, one connection each, back to back; %.1f s warm-up, %.0f s "
            "counted; %zu-byte title + %zu-byte body (Chinese, UTF-8)",
            options.common.clients, options.common.warmup, options.common.duration,
            strlen (sample.title), strlen (sample.body));
    if (options.rounds > 1)
        printf ("; %d rounds, the stores in turn: each row is the store's median round",
                options.rounds);
    printf ("\n\n%-44s %14s %9s %9s %9s %9s\n", "durable acknowledgements of one report",
            "result", "p50 ms", "p90 ms", "p99 ms", "max ms");
    s_store_result_t shown[S_STORE_COUNT];
    for (int i = 0; i < S_STORE_COUNT; i++) {
        int r = s_median_round (rounds, options.rounds, i);
        shown[i] = rounds[r < 0 ? 0 : r][i];
        s_print_row (&shown[i], why_not[i]);
    }
    bool baosong_compared =
        shown[S_BAOSONG].load.done
        && (shown[S_REDIS].load.done || shown[S_POSTGRES].load.done || shown[S_LIMIT].load.done
            || shown[S_LIMIT_CURVE].load.done || shown[S_LIMIT_JOURNAL].load.done);
    bool journal_compared = shown[S_LIMIT_JOURNAL].load.done
                            && (shown[S_REDIS].load.done || shown[S_LIMIT].load.done);
    if (baosong_compared || journal_compared) {
        printf ("\n%-44s %14s %9s %9s %9s\n", "ratio (median of the rounds' ratios)", "acks/s",
                "p50", "", "p99");
        s_print_ratio (rounds, options.rounds, S_BAOSONG, S_REDIS, "baosong / Redis");
        s_print_ratio (rounds, options.rounds, S_BAOSONG, S_POSTGRES, "baosong / PostgreSQL");
        s_print_ratio (rounds, options.rounds, S_BAOSONG, S_LIMIT, "baosong / limit (same shape)");
        s_print_ratio (rounds, options.rounds, S_BAOSONG, S_LIMIT_CURVE,
                       "baosong / limit, CurveZMQ");
        s_print_ratio (rounds, options.rounds, S_BAOSONG, S_LIMIT_JOURNAL,
                       "baosong / limit, journal");
        /* What another commit path would give the same shape. */
        s_print_ratio (rounds, options.rounds, S_LIMIT_JOURNAL, S_REDIS,
                       "limit, journal / Redis");
        s_print_ratio (rounds, options.rounds, S_LIMIT_JOURNAL, S_LIMIT,
                       "limit, journal / limit");
        printf ("(acks/s above 1: the first acknowledges more per second; latency below 1: "
                "it answers sooner)\n");
    }
    printf ("\n");
    for (int r = 0; r < options.rounds; r++)
        for (int i = 0; i < S_STORE_COUNT; i++) {
            const s_store_result_t *store = &rounds[r][i];
            if (!store->ran)
                continue;
            if (r == 0 || options.rounds == 1)
                printf ("%s: %s\n", s_store_names[i], store->note);
            printf ("  round %d: %s", r + 1, s_store_names[i]);
            if (store->load.done || store->load.failures)
                printf (" %.0f/s, p99 %.2f ms; %" PRIu64 " acknowledged in all, %" PRIu64
                        " failed calls",
                        store->load.rate, store->load.latency.p99, store->load.acknowledged,
                        store->load.failures);
            if (store->stored >= 0)
                printf ("; %" PRId64 " stored", store->stored);
            printf ("\n");
            /* Every acknowledged report must be there. */
            if (store->stored >= 0 && (uint64_t) store->stored < store->load.acknowledged) {
                printf ("%s: ERROR: fewer reports stored than acknowledged\n", s_store_names[i]);
                failures++;
            }
        }
    if (bench_interrupted)
        printf ("interrupted\n");
    fflush (stdout);
    return failures || bench_interrupted ? 1 : 0;
}
