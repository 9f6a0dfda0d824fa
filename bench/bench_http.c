/*  bench_http: durable submits per second through the HTTP gateway, beside
    the same submits sent natively over ZeroMQ, in one run, at the same
    concurrency, on the same system.

    One system (the four services of bench_system, plus baosong-gateway on
    a free loopback port) in a temporary folder; a unit and an officer are
    registered and the officer logs in over HTTP once. Then, each for
    `duration` seconds after a warm-up (the load of bench_load_run):

      1. ZeroMQ: `clients` threads, each with its own bs_client of intake,
         send intake.submit as the gateway would (unit, officer, channel
         web), and wait for the durable receipt;
      2. HTTP: `clients` threads, each with its own keep-alive HTTP/1.1
         connection to the gateway, POST /api/v1/reports (JSON, the session
         token as Bearer) and wait for the 201 with the receipt.

    The difference is what the gateway costs: HTTP parsing, JSON to record,
    session check, and one more hop (client -> gateway -> intake) per
    report. The two phases get different report texts (intake would call
    the second copy of a text a duplicate).

    The HTTP client is a small one of our own (bench_gateway.h) rather
    than libcurl, so the figure is the gateway's, not a client library's.

        bench_http [--quick] [--duration S] [--clients N] [--threads T] [--dir FOLDER]
*/
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bs_client.h"
#include "bs_schemas.h"

#include "bench_gateway.h"
#include "bench_load.h"
#include "bench_system.h"

#define S_UNIT "滑縣委組織部"
#define S_LOGIN "bench"
#define S_PASSWORD "bench-password-1"

//  --------------------------------------------------------------------------
//  The two submits

/* A report of the HTTP phase is numbered apart from the ZeroMQ phase's. */
#define S_HTTP_CLIENT_OFFSET 100000

static int
s_zmq_submit (void *connection, const bench_report_t *report, char *error, size_t error_size)
{
    bs_submit_t submit = {.unit = S_UNIT,
                          .officer = S_LOGIN,
                          .channel = "web",
                          .kind = "situation",
                          .title = (char *) report->title,
                          .body = (char *) report->body};
    bs_submitted_t receipt;
    bs_error_t failure;
    int rc = bs_client_call (connection, &bs_submit_schema, &submit, &bs_submitted_schema, &receipt,
                             &failure);
    if (rc != BS_OK) {
        snprintf (error, error_size, "%s", failure.text);
        return rc == BS_E_UNAVAILABLE ? BENCH_LOAD_GONE : BENCH_LOAD_FAILED;
    }
    bool registered = receipt.status == NULL || strcmp (receipt.status, "registered") == 0;
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    if (!registered) {
        snprintf (error, error_size, "not registered as new");
        return BENCH_LOAD_FAILED;
    }
    return BENCH_LOAD_OK;
}

static int
s_http_submit (void *connection, const bench_report_t *report, char *error, size_t error_size)
{
    json_t *object = json_pack ("{s:s, s:s, s:s}", "title", report->title, "body", report->body,
                                "kind", "situation");
    char *json = json_dumps (object, JSON_COMPACT);
    json_decref (object);
    char body[2048];
    int status =
        bench_http_request (connection, "POST", "/api/v1/reports", json, body, sizeof body);
    free (json);
    if (status < 0) {
        snprintf (error, error_size, "the connection to the gateway is gone");
        return BENCH_LOAD_GONE;
    }
    if (status != 201) {
        snprintf (error, error_size, "HTTP %d: %s", status, body);
        return BENCH_LOAD_FAILED;
    }
    return BENCH_LOAD_OK;
}

/* bench_load_run numbers each thread's reports by its client index; the
   HTTP phase wraps its connections so their texts differ from phase 1's. */
typedef struct {
    bench_http_t http;
    int client;
} s_http_connection_t;

static int
s_http_submit_offset (void *connection, const bench_report_t *report, char *error,
                      size_t error_size)
{
    s_http_connection_t *self = connection;
    bench_report_t own = *report;
    /* The title gets a mark of its own phase, so no text repeats phase 1's. */
    snprintf (own.title, sizeof own.title, "%.200s（網頁 %d）", report->title, self->client);
    snprintf (own.body, sizeof own.body, "%.900s（經網關報送）", report->body);
    return s_http_submit (&self->http, &own, error, error_size);
}

/* The unit and officer the load submits as; their session token. */
static int
s_prepare (bench_system_t *system, int port, char *token, size_t token_size)
{
    if (bench_gateway_person (system, S_UNIT, S_LOGIN, "壓測信息員", "officer", S_PASSWORD) != 0)
        return -1;
    return bench_gateway_login (port, S_LOGIN, S_PASSWORD, token, token_size);
}

//  --------------------------------------------------------------------------
//  Main

static void
s_print (const char *name, const bench_load_result_t *result)
{
    char rate[32];
    printf ("%-34s %10s %9.2f %9.2f %9.2f %9.2f\n", name,
            bench_thousands (result->rate, rate, sizeof rate), result->latency.p50,
            result->latency.p90, result->latency.p99, result->latency.max);
}

int
main (int argc, char **argv)
{
    bench_system_handle_signals ();
    const char *base = getenv ("TMPDIR");
    base = base && *base ? base : "/tmp";
    int clients = 50, threads = -1; /* -1: the configured default */
    double duration = 10, warmup = 2;
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--quick") == 0) {
            clients = 10;
            duration = 2;
            warmup = 1;
        }
    static const struct option options[] = {{"duration", required_argument, 0, 'd'},
                                            {"clients", required_argument, 0, 'c'},
                                            {"threads", required_argument, 0, 't'},
                                            {"dir", required_argument, 0, 'D'},
                                            {"quick", no_argument, 0, 'q'},
                                            {"help", no_argument, 0, 'h'},
                                            {0, 0, 0, 0}};
    int option;
    while ((option = getopt_long (argc, argv, "", options, NULL)) != -1) {
        if (option == 'd')
            duration = atof (optarg);
        else if (option == 'c')
            clients = atoi (optarg);
        else if (option == 't')
            threads = atoi (optarg);
        else if (option == 'D')
            base = optarg;
        else if (option != 'q') {
            fprintf (stderr, "usage: bench_http [--quick] [--duration S] [--clients N] "
                             "[--threads T] [--dir FOLDER]\n"
                             "  --threads T   gateway.threads (default: the configured default;\n"
                             "                0: a thread per connection)\n");
            return option == 'h' ? 0 : 2;
        }
    }
    if (clients < 1 || duration <= 0) {
        fprintf (stderr, "bench_http: --clients and --duration must be positive\n");
        return 2;
    }
    bench_system_t system;
    if (bench_system_start (&system, base) != 0)
        return 1;
    int port = 0;
    pid_t gateway = bench_gateway_start (&system, threads, &port);
    char token[1024];
    int rc = gateway > 0 ? s_prepare (&system, port, token, sizeof token) : -1;
    bench_load_result_t zmq = {0}, http = {0};
    int gateway_threads =
        threads >= 0 ? threads : (int) bs_config_get_number (system.config, "gateway.threads");
    if (rc == 0) {
        fprintf (stderr, "ZeroMQ: %d clients submit for %.0f s after %.0f s of warm-up\n", clients,
                 duration, warmup);
        void **connections = calloc ((size_t) clients, sizeof *connections);
        for (int i = 0; i < clients; i++)
            connections[i] = bs_client_new (system.config, "intake", "bench");
        bench_load_t load = {.name = "ZeroMQ",
                             .clients = clients,
                             .warmup = warmup,
                             .duration = duration,
                             .connections = connections,
                             .submit = s_zmq_submit};
        rc = bench_load_run (&load, &zmq);
        for (int i = 0; i < clients; i++) {
            bs_client_t *client = connections[i];
            bs_client_destroy (&client);
        }
        free (connections);
    }
    if (rc == 0 && !bench_interrupted) {
        fprintf (stderr, "HTTP: %d clients submit for %.0f s after %.0f s of warm-up\n", clients,
                 duration, warmup);
        s_http_connection_t *own = calloc ((size_t) clients, sizeof *own);
        void **connections = calloc ((size_t) clients, sizeof *connections);
        for (int i = 0; i < clients; i++) {
            own[i].http.fd = -1;
            own[i].http.port = port;
            own[i].client = i;
            snprintf (own[i].http.authorization, sizeof own[i].http.authorization,
                      "Authorization: Bearer %s\r\n", token);
            connections[i] = &own[i];
        }
        bench_load_t load = {.name = "HTTP",
                             .clients = clients,
                             .warmup = warmup,
                             .duration = duration,
                             .connections = connections,
                             .submit = s_http_submit_offset};
        rc = bench_load_run (&load, &http);
        for (int i = 0; i < clients; i++)
            bench_http_close (&own[i].http);
        free (connections);
        free (own);
    }
    bench_system_stop_program (gateway);
    char type[64], device[256], model[256];
    bench_system_storage (base, type, sizeof type, device, sizeof device);
    bench_system_cpu_model (model, sizeof model);
    bench_system_stop (&system);
    time_t now = time (NULL);
    char stamp[64];
    strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", gmtime (&now));
    printf ("baosong bench_http, %s\n", stamp);
    printf ("machine: %ld cores, %s; data on %s (%s)\n", sysconf (_SC_NPROCESSORS_ONLN), model,
            type, device);
    printf (
        "%d concurrent clients, %.0f s measured after %.0f s warm-up; gateway.threads = %d%s\n\n",
        clients, duration, warmup, gateway_threads,
        gateway_threads ? "" : " (a thread per connection)");
    printf ("%-34s %10s %9s %9s %9s %9s\n", "durable submits", "per s", "p50 ms", "p90 ms",
            "p99 ms", "max ms");
    s_print ("native ZeroMQ (intake.submit)", &zmq);
    s_print ("HTTP (POST /api/v1/reports)", &http);
    if (zmq.rate > 0)
        printf ("\nHTTP / ZeroMQ: %.2f of the submits per second\n", http.rate / zmq.rate);
    if (rc != 0)
        printf ("(incomplete: a phase failed; see stderr)\n");
    return rc == 0 ? 0 : 1;
}
