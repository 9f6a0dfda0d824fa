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

    The HTTP client is a small one of our own (bench_http_* below) rather
    than libcurl: no package to install for a benchmark, one keep-alive
    connection per thread, and nearly no client-side cost, so the figure is
    the gateway's, not the client library's.

        bench_http [--quick] [--duration S] [--clients N] [--threads T] [--dir FOLDER]
*/
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bs_client.h"
#include "bs_schemas.h"

#include "bench_load.h"
#include "bench_system.h"

extern char **environ;

#define S_UNIT "滑縣委組織部"
#define S_LOGIN "bench"
#define S_PASSWORD "bench-password-1"

//  --------------------------------------------------------------------------
//  A keep-alive HTTP/1.1 client, one connection per thread

typedef struct {
    int fd;                   /* connected socket, -1 if none */
    int port;                 /* gateway port on 127.0.0.1 */
    char authorization[1200]; /* "Authorization: Bearer ...\r\n" or "" */
    char buffer[65536];       /* bytes read and not yet used */
    size_t have;              /* bytes in buffer */
} bench_http_t;

static int
bench_http_connect (bench_http_t *self)
{
    self->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons ((uint16_t) self->port),
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    int one = 1;
    setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (self->fd < 0 || connect (self->fd, (struct sockaddr *) &address, sizeof address) != 0) {
        if (self->fd >= 0)
            close (self->fd);
        self->fd = -1;
        return -1;
    }
    self->have = 0;
    return 0;
}

static void
bench_http_close (bench_http_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
}

/* Send one request and read its response: the status, the body into
   body (NUL-terminated, cut to body_size). -1 when the connection is gone. */
static int
bench_http_request (bench_http_t *self, const char *method, const char *path, const char *json,
                    char *body, size_t body_size)
{
    if (self->fd < 0 && bench_http_connect (self) != 0)
        return -1;
    char head[1600];
    size_t length = json ? strlen (json) : 0;
    int head_size =
        snprintf (head, sizeof head,
                  "%s %s HTTP/1.1\r\nHost: bench\r\n%sContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  method, path, self->authorization, length);
    struct iovec parts[2] = {{head, (size_t) head_size}, {(void *) json, length}};
    struct msghdr message = {.msg_iov = parts, .msg_iovlen = json ? 2 : 1};
    size_t total = (size_t) head_size + length, sent = 0;
    while (sent < total) {
        ssize_t wrote = sendmsg (self->fd, &message, MSG_NOSIGNAL);
        if (wrote <= 0) {
            bench_http_close (self);
            return -1;
        }
        sent += (size_t) wrote;
        /* Rare: a short write; move the vectors on. */
        size_t skip = (size_t) wrote;
        while (message.msg_iovlen && skip >= message.msg_iov[0].iov_len) {
            skip -= message.msg_iov[0].iov_len;
            message.msg_iov++;
            message.msg_iovlen--;
        }
        if (message.msg_iovlen) {
            message.msg_iov[0].iov_base = (char *) message.msg_iov[0].iov_base + skip;
            message.msg_iov[0].iov_len -= skip;
        }
    }
    /* Headers, then Content-Length bytes of body. */
    char *end = NULL;
    size_t content_length = 0, header_size = 0;
    while (true) {
        if (!end) {
            self->buffer[self->have] = 0;
            end = strstr (self->buffer, "\r\n\r\n");
            if (end) {
                header_size = (size_t) (end - self->buffer) + 4;
                for (char *line = strstr (self->buffer, "\r\n"); line && line < end;
                     line = strstr (line + 2, "\r\n"))
                    if (strncasecmp (line + 2, "Content-Length:", 15) == 0)
                        content_length = strtoul (line + 17, NULL, 10);
                if (header_size + content_length >= sizeof self->buffer) {
                    bench_http_close (self);
                    return -1;
                }
            }
        }
        if (end && self->have >= header_size + content_length)
            break;
        ssize_t got =
            read (self->fd, self->buffer + self->have, sizeof self->buffer - 1 - self->have);
        if (got <= 0) {
            bench_http_close (self);
            return -1;
        }
        self->have += (size_t) got;
    }
    int status = atoi (self->buffer + 9); /* "HTTP/1.1 201 ..." */
    size_t copy = content_length < body_size - 1 ? content_length : body_size - 1;
    memcpy (body, self->buffer + header_size, copy);
    body[copy] = 0;
    size_t used = header_size + content_length;
    memmove (self->buffer, self->buffer + used, self->have - used);
    self->have -= used;
    return status;
}

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

//  --------------------------------------------------------------------------
//  The gateway process

static pid_t
s_gateway_start (bench_system_t *system, int threads, int *port_out)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    socklen_t size = sizeof address;
    if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) != 0
        || getsockname (fd, (struct sockaddr *) &address, &size) != 0)
        return -1;
    int port = ntohs (address.sin_port);
    close (fd);
    FILE *file = fopen (system->config_path, "a");
    if (!file)
        return -1;
    fprintf (file, "gateway.http = 127.0.0.1:%d\n", port);
    if (threads >= 0)
        fprintf (file, "gateway.threads = %d\n", threads);
    fclose (file);
    pid_t pid = bench_system_spawn (system, "gateway");
    if (pid < 0)
        return -1;
    /* Up when it answers. */
    bench_http_t probe = {.fd = -1, .port = port};
    char body[256];
    for (int attempt = 0; attempt < 200; attempt++) {
        if (bench_http_request (&probe, "GET", "/api/v1/health", NULL, body, sizeof body) == 200) {
            bench_http_close (&probe);
            *port_out = port;
            return pid;
        }
        bench_sleep_ms (25);
    }
    fprintf (stderr, "bench: the gateway did not answer on port %d\n", port);
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    return -1;
}

static void
s_gateway_stop (pid_t pid)
{
    if (pid <= 0)
        return;
    kill (pid, SIGTERM);
    for (int wait = 0; wait < 60; wait++) {
        if (waitpid (pid, NULL, WNOHANG) == pid)
            return;
        bench_sleep_ms (50);
    }
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
}

/* The unit and officer the load submits as; their session token. */
static int
s_prepare (bench_system_t *system, int port, char *token, size_t token_size)
{
    bs_client_t *client = bs_client_new (system->config, "intake", "bench");
    bs_error_t error;
    bs_unit_t unit = {.name = S_UNIT, .level = "county", .kind = "department"}, unit_reply;
    bs_officer_t officer = {.login = S_LOGIN,
                            .name = "壓測信息員",
                            .unit = S_UNIT,
                            .roles = "officer",
                            .password = S_PASSWORD},
                 officer_reply;
    int rc = bs_client_call (client, &bs_unit_schema, &unit, &bs_unit_schema, &unit_reply, &error);
    if (rc == BS_OK) {
        bs_codec_record_free (&bs_unit_schema, &unit_reply);
        rc = bs_client_call (client, &bs_officer_schema, &officer, &bs_officer_schema,
                             &officer_reply, &error);
    }
    if (rc == BS_OK)
        bs_codec_record_free (&bs_officer_schema, &officer_reply);
    bs_client_destroy (&client);
    if (rc != BS_OK) {
        fprintf (stderr, "bench: cannot register the unit and officer: %s\n", error.text);
        return -1;
    }
    bench_http_t http = {.fd = -1, .port = port};
    char body[4096];
    int status = bench_http_request (
        &http, "POST", "/api/v1/login",
        "{\"login\": \"" S_LOGIN "\", \"password\": \"" S_PASSWORD "\"}", body, sizeof body);
    bench_http_close (&http);
    json_t *reply = status == 200 ? json_loads (body, 0, NULL) : NULL;
    const char *text = json_string_value (json_object_get (reply, "token"));
    if (!text) {
        fprintf (stderr, "bench: login failed: HTTP %d %s\n", status, body);
        json_decref (reply);
        return -1;
    }
    snprintf (token, token_size, "%s", text);
    json_decref (reply);
    return 0;
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
    pid_t gateway = s_gateway_start (&system, threads, &port);
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
    s_gateway_stop (gateway);
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
