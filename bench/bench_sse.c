/*  bench_sse: the live statistics feed for browsers (Server-Sent Events
    through the gateway) carrying `rate` changes a second to `connections`
    open pages at once: does every page get every change, once and in
    order, and how long after the report was registered?

    One system (the four services of bench_system and baosong-gateway on a
    free loopback port, durable as in production) in a temporary folder; a
    unit, a leader who logs in over HTTP, and a direct-report token. Then
    `connections` threads each open GET /api/v1/statistics/feed (as a
    browser's EventSource does) and read it, while the main thread sends
    the reports as direct batches (intake.batch, one every 10 ms) at `rate`
    reports a second for `duration` seconds. The reports statistics counts
    in one turn make one statistics.changed of their unit's month, with
    its figures, so each page must see every change statistics logged,
    with consecutive ids after its snapshot's, the last of them telling
    every report accepted (its `submitted`). A change's delivery latency is
    the time the page reads it less the time intake registered the last
    report it tells (its event_at), so it holds intake's commit, the stream
    to statistics, statistics' commit and the gateway's polling and
    writing.

        bench_sse [--rate R] [--connections N] [--duration S] [--dir FOLDER]
*/
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_schemas.h"

#include "bench_gateway.h"
#include "bench_load.h"
#include "bench_system.h"

#define S_UNIT "饋送壓測縣委組織部"
#define S_LOGIN "sseleader"
#define S_PASSWORD "sse-leader-password-1"
#define S_BATCHES_PER_SECOND 100

typedef struct {
    int rate, connections, duration;
    const char *dir;
} s_options_t;

/* One page: its socket, what it read, what it found. */
typedef struct {
    pthread_t thread;
    int port;
    const char *token;
    atomic_bool *stop;
    int fd;
    char buffer[1 << 17];
    size_t size;
    uint64_t last;   /* the last id read */
    atomic_bool snapshot; /* the snapshot came */
    _Atomic uint64_t changes;
    _Atomic uint64_t told; /* the unit's submitted in the last change read */
    uint64_t gaps, doubles;
    bench_samples_t latency; /* ns from registration to reading */
    char failure[200];
} s_page_t;

static int
s_connect (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_port = htons ((uint16_t) port),
                                  .sin_addr.s_addr = htonl (INADDR_LOOPBACK)};
    if (fd >= 0 && connect (fd, (struct sockaddr *) &address, sizeof address) == 0)
        return fd;
    if (fd >= 0)
        close (fd);
    return -1;
}

/* One event of the stream (the text between blank lines). */
static void
s_event (s_page_t *page, char *text, uint64_t read_ms)
{
    const char *name = strstr (text, "event: ");
    const char *id_line = strstr (text, "\nid: ");
    if (!name || !id_line)
        return; /* retry: or a comment */
    uint64_t id = strtoull (id_line + 5, NULL, 10);
    if (strncmp (name + 7, "snapshot", 8) == 0) {
        page->snapshot = true;
        page->last = id;
        return;
    }
    if (strncmp (name + 7, "changed", 7) != 0)
        return;
    if (id <= page->last)
        page->doubles++;
    else if (id != page->last + 1)
        page->gaps += id - page->last - 1;
    if (id > page->last)
        page->last = id;
    page->changes++;
    const char *submitted = strstr (text, "\"submitted\":");
    uint64_t told = submitted ? strtoull (submitted + 12, NULL, 10) : 0;
    if (told > page->told)
        page->told = told;
    const char *at = strstr (text, "\"event_at\":");
    if (at) {
        uint64_t event_at = strtoull (at + 11, NULL, 10);
        uint64_t late = read_ms > event_at ? read_ms - event_at : 0;
        bench_samples_push (&page->latency, late * 1000000);
    }
}

static void *
s_page_run (void *argument)
{
    s_page_t *page = argument;
    page->fd = s_connect (page->port);
    char request[2048];
    int length = snprintf (request, sizeof request,
                           "GET /api/v1/statistics/feed HTTP/1.0\r\nHost: bench\r\n"
                           "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n",
                           page->token);
    if (page->fd < 0 || write (page->fd, request, (size_t) length) != length) {
        snprintf (page->failure, sizeof page->failure, "cannot open the feed");
        return NULL;
    }
    bool head = true;
    while (!atomic_load (page->stop)) {
        struct pollfd item = {page->fd, POLLIN, 0};
        if (poll (&item, 1, 100) <= 0)
            continue;
        ssize_t got = read (page->fd, page->buffer + page->size, sizeof page->buffer - 1 - page->size);
        if (got <= 0) {
            snprintf (page->failure, sizeof page->failure,
                      "the feed closed after %llu changes (read: %s)",
                      (unsigned long long) page->changes, got == 0 ? "end" : strerror (errno));
            break;
        }
        uint64_t read_ms = bs_clock_now ();
        page->size += (size_t) got;
        page->buffer[page->size] = 0;
        char *start = page->buffer, *end;
        if (head) {
            end = strstr (start, "\r\n\r\n");
            if (!end)
                continue;
            if (!strstr (start, " 200 ")) {
                snprintf (page->failure, sizeof page->failure, "%.100s", start);
                break;
            }
            start = end + 4;
            head = false;
        }
        while ((end = strstr (start, "\n\n"))) {
            *end = 0;
            s_event (page, start, read_ms);
            start = end + 2;
        }
        page->size -= (size_t) (start - page->buffer);
        memmove (page->buffer, start, page->size + 1);
    }
    close (page->fd);
    return NULL;
}

/* The unit, the leader (logged in: token) and the direct-report token
   (secret). */
static int
s_prepare (bench_system_t *system, int port, char *token, size_t token_size, char *secret,
           size_t secret_size)
{
    if (bench_gateway_person (system, S_UNIT, S_LOGIN, "壓測領導", "leader", S_PASSWORD) != 0)
        return -1;
    bs_client_t *client = bs_client_new (system->config, "intake", "bench");
    bs_error_t error;
    bs_token_create_t create = {.name = "饋送壓測直報", .unit = S_UNIT};
    bs_token_t made = {0};
    int rc =
        bs_client_call (client, &bs_token_create_schema, &create, &bs_token_schema, &made, &error);
    if (rc == BS_OK) {
        snprintf (secret, secret_size, "%s", made.secret);
        bs_codec_record_free (&bs_token_schema, &made);
    }
    bs_client_destroy (&client);
    if (rc != BS_OK) {
        fprintf (stderr, "bench_sse: cannot make the direct-report token: %s\n", error.text);
        return -1;
    }
    return bench_gateway_login (port, S_LOGIN, S_PASSWORD, token, token_size);
}

/* Send rate reports a second for duration seconds as direct batches, one
   every 10 ms on a fixed schedule; the reports accepted, and in seconds
   how long sending them took (longer than duration when intake is slower
   than the rate). */
static uint64_t
s_load (bench_system_t *system, const s_options_t *options, const char *secret, double *seconds)
{
    bs_client_t *client = bs_client_new (system->config, "intake", "bench-sse");
    int per_batch = options->rate / S_BATCHES_PER_SECOND;
    bs_submit_t *items = calloc ((size_t) per_batch, sizeof *items);
    bench_report_t *reports = calloc ((size_t) per_batch, sizeof *reports);
    char (*keys)[32] = calloc ((size_t) per_batch, sizeof *keys);
    uint64_t accepted = 0, number = 0;
    uint64_t start = bench_now_ns (), step = 1000000000ULL / S_BATCHES_PER_SECOND;
    long batches = (long) options->duration * S_BATCHES_PER_SECOND;
    for (long b = 0; client && items && reports && keys && b < batches && !bench_interrupted;
         b++) {
        for (int i = 0; i < per_batch; i++) {
            bench_report_fill (&reports[i], 7, ++number, S_UNIT);
            snprintf (keys[i], sizeof keys[i], "sse-%llu", (unsigned long long) number);
            items[i] = bench_system_submit_of (&reports[i]);
            items[i].unit = NULL;
            items[i].operator_name = NULL;
            items[i].channel = "direct";
            items[i].key = keys[i];
        }
        bench_sleep_until_ns (start + (uint64_t) b * step);
        bs_batch_t batch = {.token = (char *) secret, .items = {(size_t) per_batch, items}};
        bs_batch_page_t page;
        bs_error_t error;
        if (bs_client_call (client, &bs_batch_schema, &batch, &bs_batch_page_schema, &page, &error)
            != BS_OK) {
            fprintf (stderr, "bench_sse: a batch failed: %s\n", error.text);
            continue;
        }
        const bs_submitted_t *results = page.results.items;
        for (size_t i = 0; i < page.results.count; i++)
            accepted += !results[i].code || !*results[i].code;
        bs_codec_record_free (&bs_batch_page_schema, &page);
    }
    *seconds = (double) (bench_now_ns () - start) / 1e9;
    fprintf (stderr, "bench_sse: %llu reports accepted in %.1f s (%.0f/s)\n",
             (unsigned long long) accepted, *seconds, (double) accepted / *seconds);
    free (items);
    free (reports);
    free (keys);
    bs_client_destroy (&client);
    return accepted;
}

/* Say whether the gateway is still running (a crash closes every page at
   once) and print the end of its log (at log_level warning a healthy run
   writes nothing). */
static void
s_gateway_report (bench_system_t *system, pid_t gateway)
{
    int status;
    if (gateway > 0 && waitpid (gateway, &status, WNOHANG) == gateway) {
        if (WIFSIGNALED (status))
            fprintf (stderr, "bench_sse: the gateway died of signal %d\n", WTERMSIG (status));
        else
            fprintf (stderr, "bench_sse: the gateway exited with %d\n", WEXITSTATUS (status));
    }
    char path[PATH_MAX + 32], tail[4096];
    snprintf (path, sizeof path, "%s/gateway.log", system->folder);
    FILE *file = fopen (path, "r");
    if (!file)
        return;
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, size > (long) sizeof tail - 1 ? size - (long) sizeof tail + 1 : 0, SEEK_SET);
    size_t got = fread (tail, 1, sizeof tail - 1, file);
    tail[got] = 0;
    fclose (file);
    if (got)
        fprintf (stderr, "--- gateway log (last %zu bytes) ---\n%s", got, tail);
}

static int
s_options (int argc, char **argv, s_options_t *options)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv[i], "--rate") == 0)
            options->rate = atoi (argv[i + 1]);
        else if (strcmp (argv[i], "--connections") == 0)
            options->connections = atoi (argv[i + 1]);
        else if (strcmp (argv[i], "--duration") == 0)
            options->duration = atoi (argv[i + 1]);
        else if (strcmp (argv[i], "--dir") == 0)
            options->dir = argv[i + 1];
        else
            return -1;
    }
    return argc % 2 == 1 && options->rate >= S_BATCHES_PER_SECOND && options->connections >= 1
                   && options->duration >= 1
               ? 0
               : -1;
}

/* Wait until every page has been told of expected reports, or 60 s. */
static void
s_drain (s_page_t *pages, int count, uint64_t expected)
{
    for (int waited = 0; waited < 600 && !bench_interrupted; waited++) {
        bool all = true;
        for (int i = 0; i < count; i++)
            all &= pages[i].told >= expected || pages[i].failure[0];
        if (all)
            return;
        bench_sleep_ms (100);
    }
}

static void
s_report (const s_options_t *options, s_page_t *pages, uint64_t accepted, double seconds)
{
    bench_samples_t all = {0};
    uint64_t fewest = UINT64_MAX, most = 0, least_told = UINT64_MAX, gaps = 0, doubles = 0;
    int failed = 0;
    for (int i = 0; i < options->connections; i++) {
        s_page_t *page = &pages[i];
        fewest = page->changes < fewest ? page->changes : fewest;
        most = page->changes > most ? page->changes : most;
        least_told = page->told < least_told ? page->told : least_told;
        gaps += page->gaps;
        doubles += page->doubles;
        failed += page->failure[0] != 0;
        if (page->failure[0])
            fprintf (stderr, "bench_sse: page %d: %s\n", i, page->failure);
        for (size_t s = 0; s < page->latency.count; s++)
            bench_samples_push (&all, page->latency.items[s]);
    }
    bench_percentiles_t latency = bench_samples_percentiles (&all);
    printf ("| rate asked | reports accepted | pages | changes per page (min..max) | reports told "
            "(fewest of a page) | gaps | twice | p50 ms | p90 ms | p99 ms | max ms |\n");
    printf ("|---|---|---|---|---|---|---|---|---|---|---|\n");
    printf ("| %d/s for %d s | %llu (%.0f/s) | %d (%d failed) | %llu..%llu | %llu of %llu | %llu "
            "| %llu | %.0f | %.0f | %.0f | %.0f |\n",
            options->rate, options->duration, (unsigned long long) accepted,
            (double) accepted / seconds, options->connections, failed, (unsigned long long) fewest,
            (unsigned long long) most, (unsigned long long) least_told,
            (unsigned long long) accepted, (unsigned long long) gaps, (unsigned long long) doubles,
            latency.p50, latency.p90, latency.p99, latency.max);
    bench_samples_free (&all);
}

int
main (int argc, char **argv)
{
    bench_system_handle_signals ();
    s_options_t options = {5000, 50, 10, getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp"};
    if (s_options (argc, argv, &options) != 0) {
        fprintf (stderr, "usage: bench_sse [--rate R (100 or more)] [--connections N] "
                         "[--duration S] [--dir FOLDER]\n");
        return 2;
    }
    bench_system_t system;
    if (bench_system_start (&system, options.dir) != 0)
        return 1;
    int port = 0;
    pid_t gateway = bench_gateway_start (&system, 0, &port);
    char token[1024], secret[256];
    int rc =
        gateway > 0 ? s_prepare (&system, port, token, sizeof token, secret, sizeof secret) : -1;
    s_page_t *pages = calloc ((size_t) options.connections, sizeof *pages);
    atomic_bool stop = false;
    int opened = 0;
    for (; rc == 0 && pages && opened < options.connections; opened++) {
        pages[opened] = (s_page_t){.port = port, .token = token, .stop = &stop, .fd = -1};
        rc = pthread_create (&pages[opened].thread, NULL, s_page_run, &pages[opened]);
    }
    /* Every page has its snapshot before the first report. */
    for (int waited = 0; rc == 0 && waited < 300; waited++) {
        int ready = 0;
        for (int i = 0; i < opened; i++)
            ready += pages[i].snapshot || pages[i].failure[0];
        if (ready == opened)
            break;
        bench_sleep_ms (100);
    }
    if (rc == 0) {
        double seconds = 0;
        uint64_t accepted = s_load (&system, &options, secret, &seconds);
        s_drain (pages, opened, accepted);
        atomic_store (&stop, true);
        for (int i = 0; i < opened; i++)
            pthread_join (pages[i].thread, NULL);
        s_report (&options, pages, accepted, seconds);
    } else {
        atomic_store (&stop, true);
        for (int i = 0; i < opened; i++)
            pthread_join (pages[i].thread, NULL);
    }
    for (int i = 0; pages && i < opened; i++)
        bench_samples_free (&pages[i].latency);
    free (pages);
    s_gateway_report (&system, gateway);
    bench_system_stop_program (gateway);
    bench_system_stop (&system);
    return rc == 0 ? 0 : 1;
}
