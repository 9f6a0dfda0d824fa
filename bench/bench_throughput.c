/*  bench_throughput: how much durable work a whole baosong system does, as
    a person or a program outside it sees it.

    Each measure runs on a fresh system: its own temporary folder and
    configuration, the four service programs (baosong-intake, ... from the
    folder this program was built into) started with posix_spawn on ipc://
    sockets, with their default durable settings (every commit fsync'ed;
    no_sync stays 0), killed and removed at the end, also on failure.

      1. Durable submits per second: `clients` threads, each with its own
         bs_client, submit reports back to back. After a warm-up, the
         submits acknowledged within `duration` seconds are counted (a
         reply leaves intake only after the commit that holds the report is
         on disk), with the latency each client saw.
      2. End to end: `reports` reports submitted by `clients` threads; an
         editor walks review's cases by report id and decides each as it
         appears (every other one adopted into 《組工信息》, the rest
         declined), handing the decisions to `editors` clients; a publisher
         puts every 200 adopted reports into an issue and publishes it. The
         time runs from the first submit until statistics counts every
         submission, every decision and every published report.
      3. Submit to live feed: submits at a steady rate for `duration`
         seconds (a few clients taking turns, so a slow reply does not
         delay the next submit); each report gets a unit of its own, so the
         statistics.changed message that counts it on the live feed is
         known by its unit (and its seq, intake's log sequence, must equal
         the report id the submit got back). Latency runs from the moment
         the submit was due to the moment that message arrives.

    Only acknowledged work counts: a failed or unanswered call is reported,
    never counted, and measure 2 ends only when the statistics say so.

        bench_throughput [--quick] [--duration S] [--clients N] [--reports M]
                         [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]
*/
#include <czmq.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bs_client.h"
#include "bs_clock.h"
#include "bs_config.h"
#include "bs_schemas.h"
#include "bs_socket.h"

#include "bench_load.h"
#include "bench_system.h"

#define S_PERIODICAL "組工信息"
#define S_FEED_UNIT_PREFIX "測速單位"

typedef struct {
    double duration;  /* seconds counted in measures 1 and 3 */
    double warmup;    /* seconds of measure 1 not counted */
    int clients;      /* concurrent submitters in measures 1 and 2 */
    int reports;      /* reports through the system in measure 2 */
    int editors;      /* clients the editor decides through in measure 2 (0: clients) */
    int issue_size;   /* adopted reports per issue in measure 2 */
    int rate;         /* submits per second in measure 3 */
    double deadline;  /* seconds measure 2 may take before it fails */
    const char *base; /* folder the temporary folders go into */
    bool run[4];      /* run[n]: run measure n */
    bool quick;       /* small numbers, for a smoke run */
} s_options_t;

/* Measure 1: durable submits per second                                   */

/* Measure 1: `clients` threads, each with its own bs_client of intake,
   submit back to back (the load of bench_load_run). */
static int
s_measure_submits (const s_options_t *options, bench_load_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->base) != 0)
        return -1;
    fprintf (stderr, "measure 1: %d clients submit for %.0f s after %.1f s of warm-up\n",
             options->clients, options->duration, options->warmup);
    void **clients = calloc ((size_t) options->clients, sizeof *clients);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < options->clients; i++)
        clients[i] = bs_client_new (system.config, "intake", "bench");
    bench_load_t load = {.name = "measure 1",
                         .clients = options->clients,
                         .warmup = options->warmup,
                         .duration = options->duration,
                         .connections = clients,
                         .submit = bench_system_submit};
    int rc = bench_load_run (&load, result);
    for (int i = 0; i < options->clients; i++) {
        bs_client_t *client = clients[i];
        bs_client_destroy (&client);
    }
    free (clients);
    bench_system_stop (&system);
    return rc;
}

/* Measure 2: end to end                                                   */

/* The editor's rule: every other report adopted, the rest declined. */
static bool
s_adopts (uint64_t report_id)
{
    return report_id % 2 == 0;
}

typedef struct {
    const s_options_t *options;
    atomic_bool abort;                 /* something failed: every thread stops */
    char error[BS_ERROR_TEXT_MAX * 2]; /* the first failure, under lock */
    pthread_mutex_t lock;              /* guards error and the decision queue */
    pthread_cond_t wake;               /* a decision is queued */
    /* submitters */
    atomic_int next;                    /* next report to submit, 0-based */
    atomic_int submitted;               /* acknowledged submits */
    atomic_uint_fast64_t submitted_at;  /* ns of the last acknowledgement */
    atomic_uint_fast64_t max_report_id; /* largest id acknowledged */
    /* editor: walker plus deciders */
    uint64_t *queue;                 /* report ids to decide, as they appeared */
    size_t queue_head, queue_tail;   /* under lock */
    atomic_int decided;              /* acknowledged decisions */
    atomic_int adopted;              /* of which adoptions */
    atomic_bool editor_done;         /* every report decided */
    atomic_uint_fast64_t decided_at; /* ns of the last decision */
    /* publisher */
    atomic_int issues;                 /* published issues */
    atomic_int published;              /* reports in them */
    atomic_uint_fast64_t published_at; /* ns of the last publication */
} s_flow_t;

static void s_flow_fail (s_flow_t *flow, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_flow_fail (s_flow_t *flow, const char *format, ...)
{
    pthread_mutex_lock (&flow->lock);
    if (!atomic_load (&flow->abort)) {
        va_list args;
        va_start (args, format);
        vsnprintf (flow->error, sizeof flow->error, format, args);
        va_end (args);
    }
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
}

static bool
s_flow_stopped (s_flow_t *flow)
{
    return bench_interrupted || atomic_load (&flow->abort);
}

static void
s_atomic_max (atomic_uint_fast64_t *target, uint64_t value)
{
    uint_fast64_t seen = atomic_load (target);
    while (seen < value && !atomic_compare_exchange_weak (target, &seen, value))
        ;
}

typedef struct {
    s_flow_t *flow;
    bs_client_t *client;
    int index;
} s_worker_t;

static void *
s_flow_submitter (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int total = flow->options->reports;
    while (!s_flow_stopped (flow)) {
        int number = atomic_fetch_add (&flow->next, 1);
        if (number >= total)
            break;
        bench_report_t text;
        bench_report_fill (&text, self->index, (uint64_t) number, NULL);
        bs_submit_t submit = bench_system_submit_of (&text);
        bs_submitted_t reply;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply,
                            &error)
            != BS_OK) {
            s_flow_fail (flow, "submit failed: %s", error.text);
            break;
        }
        s_atomic_max (&flow->max_report_id, reply.report_id);
        bs_codec_record_free (&bs_submitted_schema, &reply);
        atomic_fetch_add (&flow->submitted, 1);
        s_atomic_max (&flow->submitted_at, bench_now_ns ());
    }
    return NULL;
}

static void
s_queue_push (s_flow_t *flow, uint64_t report_id)
{
    pthread_mutex_lock (&flow->lock);
    flow->queue[flow->queue_tail++] = report_id;
    pthread_cond_signal (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
}

/* The next report id to decide; 0 when there is none left. */
static uint64_t
s_queue_pop (s_flow_t *flow)
{
    pthread_mutex_lock (&flow->lock);
    while (flow->queue_head == flow->queue_tail && !s_flow_stopped (flow))
        pthread_cond_wait (&flow->wake, &flow->lock);
    uint64_t report_id = 0;
    if (flow->queue_head < flow->queue_tail && !s_flow_stopped (flow))
        report_id = flow->queue[flow->queue_head++];
    pthread_mutex_unlock (&flow->lock);
    return report_id;
}

static void *
s_flow_decider (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    int total = flow->options->reports;
    uint64_t report_id;
    while ((report_id = s_queue_pop (flow)) != 0) {
        bool adopt = s_adopts (report_id);
        bs_decide_t decide = {.report_id = report_id,
                              .decision = adopt ? "adopt" : "decline",
                              .periodical = adopt ? S_PERIODICAL : NULL,
                              .critique = adopt ? "講評：材料翔實，做法可借鑒，採用。"
                                                : "講評：內容一般，暫不採用。",
                              .editor = "bench"};
        char id[64];
        snprintf (id, sizeof id, "bench-decide-%" PRIu64, report_id);
        bs_review_case_t reply;
        bs_error_t error;
        if (bs_client_call_with_id (self->client, id, &bs_decide_schema, &decide,
                                    &bs_review_case_schema, &reply, &error)
            != BS_OK) {
            s_flow_fail (flow, "decide %" PRIu64 " failed: %s", report_id, error.text);
            break;
        }
        bs_codec_record_free (&bs_review_case_schema, &reply);
        if (adopt)
            atomic_fetch_add (&flow->adopted, 1);
        s_atomic_max (&flow->decided_at, bench_now_ns ());
        if (atomic_fetch_add (&flow->decided, 1) + 1 == total)
            atomic_store (&flow->editor_done, true);
    }
    return NULL;
}

/* The editor's eyes: walk every case by report id (review.queue with all)
   and queue each queued one for a decision the moment it appears. Cases
   appear in report-id order (review applies intake's log in order), so a
   cursor that only moves forward sees each once. */
static void *
s_flow_walker (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    uint64_t after = 0, seen = 0, total = (uint64_t) flow->options->reports;
    while (seen < total && !s_flow_stopped (flow)) {
        bs_queue_request_t query = {.after = after, .limit = 500, .all = true};
        bs_case_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_queue_request_schema, &query, &bs_case_page_schema,
                            &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "review.queue failed: %s", error.text);
            break;
        }
        const bs_review_case_t *cases = page.cases.items;
        for (size_t i = 0; i < page.cases.count; i++) {
            after = cases[i].report_id;
            seen++;
            if (strcmp (cases[i].state, "queued") == 0)
                s_queue_push (flow, cases[i].report_id);
            else
                s_flow_fail (flow, "case %" PRIu64 " is %s before the editor decided it",
                             cases[i].report_id, cases[i].state);
        }
        bool short_page = page.cases.count < query.limit;
        bs_codec_record_free (&bs_case_page_schema, &page);
        if (short_page && seen < total)
            bench_sleep_ms (5); /* caught up with review: let more arrive */
    }
    return NULL;
}

/* Compose, fill and publish one issue of the given adopted reports. */
static int
s_publish_issue (s_worker_t *self, int number, uint64_t *report_ids, size_t count)
{
    s_flow_t *flow = self->flow;
    char id[64];
    bs_error_t error;
    bs_issue_t issue;
    bs_issue_create_t create = {.periodical = S_PERIODICAL};
    snprintf (id, sizeof id, "bench-issue-create-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_create_schema, &create,
                                &bs_issue_schema, &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_create failed: %s", error.text);
        return -1;
    }
    uint64_t issue_id = issue.issue_id;
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_add_t add = {.issue_id = issue_id, .report_ids = {count, report_ids}};
    snprintf (id, sizeof id, "bench-issue-add-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_add_schema, &add, &bs_issue_schema,
                                &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_add failed: %s", error.text);
        return -1;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    bs_issue_publish_t publish = {.issue_id = issue_id};
    snprintf (id, sizeof id, "bench-issue-publish-%d", number);
    if (bs_client_call_with_id (self->client, id, &bs_issue_publish_schema, &publish,
                                &bs_issue_schema, &issue, &error)
        != BS_OK) {
        s_flow_fail (flow, "issue_publish failed: %s", error.text);
        return -1;
    }
    bs_codec_record_free (&bs_issue_schema, &issue);
    return 0;
}

/* Publish an issue whenever issue_size adopted reports wait, and the rest
   once the editor is done and every adoption has reached publication.

   publication.pending scans from `after`; asking from 0 every time would
   make each look walk every adoption ever made. The publisher knows which
   reports the editor adopts, so it asks from the highest id below which
   every adopted report is already in an issue. */
static void *
s_flow_publisher (void *argument)
{
    s_worker_t *self = argument;
    s_flow_t *flow = self->flow;
    size_t total = (size_t) flow->options->reports;
    size_t issue_size = (size_t) flow->options->issue_size;
    char *issued = calloc (total + 2, 1);
    uint64_t *ids = calloc (issue_size, sizeof *ids);
    uint64_t low = 0; /* every adopted id <= low is in an issue */
    int number = 0;
    size_t placed = 0;
    while (!s_flow_stopped (flow)) {
        bool editor_done = atomic_load (&flow->editor_done);
        size_t adopted = (size_t) atomic_load (&flow->adopted);
        if (editor_done && placed == adopted)
            break;
        bs_pending_request_t query = {
            .periodical = S_PERIODICAL, .after = low, .limit = issue_size};
        bs_pending_page_t page;
        bs_error_t error;
        if (bs_client_call (self->client, &bs_pending_request_schema, &query,
                            &bs_pending_page_schema, &page, &error)
            != BS_OK) {
            s_flow_fail (flow, "publication.pending failed: %s", error.text);
            break;
        }
        size_t count = page.items.count;
        bool full = count == issue_size;
        bool last = editor_done && count > 0 && count == adopted - placed;
        const bs_pending_item_t *items = page.items.items;
        for (size_t i = 0; i < count; i++)
            ids[i] = items[i].report_id;
        bs_codec_record_free (&bs_pending_page_schema, &page);
        if (!full && !last) {
            bench_sleep_ms (10);
            continue;
        }
        if (s_publish_issue (self, ++number, ids, count) != 0)
            break;
        for (size_t i = 0; i < count; i++) {
            if (ids[i] > total) {
                s_flow_fail (flow, "report id %" PRIu64 " beyond the %zu submitted", ids[i], total);
                break;
            }
            issued[ids[i]] = 1;
        }
        while (low < total && (!s_adopts (low + 1) || issued[low + 1]))
            low++;
        placed += count;
        atomic_fetch_add (&flow->issues, 1);
        atomic_fetch_add (&flow->published, (int) count);
        s_atomic_max (&flow->published_at, bench_now_ns ());
    }
    free (ids);
    free (issued);
    return NULL;
}

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} s_counts_t;

/* Every unit's all-time figures from statistics, summed. */
static int
s_statistics_totals (bs_client_t *client, s_counts_t *counts, bs_error_t *error)
{
    bs_stats_request_t query = {.period = ""};
    bs_stats_page_t page;
    int rc = bs_client_call (client, &bs_stats_request_schema, &query, &bs_stats_page_schema, &page,
                             error);
    if (rc != BS_OK)
        return rc;
    memset (counts, 0, sizeof *counts);
    const bs_stats_row_t *rows = page.rows.items;
    for (size_t i = 0; i < page.rows.count; i++) {
        counts->submitted += rows[i].submitted;
        counts->adopted += rows[i].adopted;
        counts->returned += rows[i].returned;
        counts->declined += rows[i].declined;
        counts->published += rows[i].published;
    }
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return BS_OK;
}

typedef struct {
    bool done;          /* statistics counted everything */
    double rate;        /* reports per second, first submit to counted */
    double submitted_s; /* seconds until the last submit was acknowledged */
    double decided_s;   /* ... the last decision */
    double published_s; /* ... the last publication */
    double counted_s;   /* ... statistics showed everything */
    int issues;         /* issues published */
    int adopted;        /* reports adopted */
    s_counts_t last;    /* last figures statistics gave */
} s_flow_result_t;

static int
s_measure_end_to_end (const s_options_t *options, s_flow_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->base) != 0)
        return -1;
    fprintf (stderr,
             "measure 2: %d reports from %d clients, decided through %d editor clients, "
             "issues of %d\n",
             options->reports, options->clients, options->editors, options->issue_size);
    s_flow_t *flow = calloc (1, sizeof *flow);
    flow->options = options;
    pthread_mutex_init (&flow->lock, NULL);
    pthread_cond_init (&flow->wake, NULL);
    flow->queue = calloc ((size_t) options->reports + 1, sizeof *flow->queue);

    int workers = options->clients + options->editors + 2;
    s_worker_t *worker = calloc ((size_t) workers, sizeof *worker);
    pthread_t *threads = calloc ((size_t) workers, sizeof *threads);
    /* Clients are made here, not in the threads: bs_client_new writes
       into the shared configuration. */
    for (int i = 0; i < workers; i++) {
        const char *service = i < options->clients                      ? "intake"
                              : i < options->clients + options->editors ? "review"
                              : i == workers - 2                        ? "review"
                                                                        : "publication";
        worker[i] = (s_worker_t){flow, bs_client_new (system.config, service, "bench"), i};
    }
    bs_client_t *statistics = bs_client_new (system.config, "statistics", "bench");

    uint64_t begin = bench_now_ns ();
    int started = 0;
    for (; started < workers; started++) {
        void *(*run) (void *) = started < options->clients                      ? s_flow_submitter
                                : started < options->clients + options->editors ? s_flow_decider
                                : started == workers - 2                        ? s_flow_walker
                                                                                : s_flow_publisher;
        if (pthread_create (&threads[started], NULL, run, &worker[started]) != 0) {
            s_flow_fail (flow, "cannot start a thread");
            break;
        }
    }
    uint64_t deadline = begin + (uint64_t) (options->deadline * 1e9);
    uint64_t counted_at = 0;
    while (!s_flow_stopped (flow)) {
        if (atomic_load (&flow->editor_done)) {
            s_counts_t counts;
            bs_error_t error;
            if (s_statistics_totals (statistics, &counts, &error) != BS_OK) {
                s_flow_fail (flow, "statistics.query failed: %s", error.text);
                break;
            }
            result->last = counts;
            uint64_t total = (uint64_t) options->reports;
            uint64_t adopted = (uint64_t) atomic_load (&flow->adopted);
            if (counts.submitted == total && counts.adopted == adopted
                && counts.declined == total - adopted && counts.published == adopted) {
                counted_at = bench_now_ns ();
                break;
            }
        }
        if (bench_now_ns () > deadline) {
            s_flow_fail (flow, "not everything was counted within %.0f s", options->deadline);
            break;
        }
        bench_sleep_ms (20);
    }
    if (counted_at == 0 && !atomic_load (&flow->abort))
        s_flow_fail (flow, "interrupted");
    /* Counted: the work is done and only idle deciders wait; stop them. */
    pthread_mutex_lock (&flow->lock);
    atomic_store (&flow->abort, true);
    pthread_cond_broadcast (&flow->wake);
    pthread_mutex_unlock (&flow->lock);
    for (int i = 0; i < started; i++)
        pthread_join (threads[i], NULL);
    for (int i = 0; i < workers; i++)
        bs_client_destroy (&worker[i].client);
    bs_client_destroy (&statistics);

    if (counted_at) {
        result->done = true;
        result->counted_s = (double) (counted_at - begin) / 1e9;
        result->submitted_s = (double) (atomic_load (&flow->submitted_at) - begin) / 1e9;
        result->decided_s = (double) (atomic_load (&flow->decided_at) - begin) / 1e9;
        result->published_s = (double) (atomic_load (&flow->published_at) - begin) / 1e9;
        result->rate = options->reports / result->counted_s;
        result->issues = atomic_load (&flow->issues);
        result->adopted = atomic_load (&flow->adopted);
        if (atomic_load (&flow->max_report_id) != (uint64_t) options->reports)
            fprintf (stderr, "measure 2: warning: largest report id %" PRIu64 ", expected %d\n",
                     (uint64_t) atomic_load (&flow->max_report_id), options->reports);
    } else
        fprintf (stderr,
                 "measure 2 failed: %s\n  (submitted %d, decided %d, published %d; statistics "
                 "last showed %" PRIu64 " submitted, %" PRIu64 " adopted, %" PRIu64
                 " declined, %" PRIu64 " published)\n",
                 flow->error, atomic_load (&flow->submitted), atomic_load (&flow->decided),
                 atomic_load (&flow->published), result->last.submitted, result->last.adopted,
                 result->last.declined, result->last.published);
    free (threads);
    free (worker);
    free (flow->queue);
    pthread_cond_destroy (&flow->wake);
    pthread_mutex_destroy (&flow->lock);
    free (flow);
    bench_system_stop (&system);
    return result->done ? 0 : -1;
}

/* Measure 3: submit to the live statistics feed                           */

typedef struct {
    char endpoint[BS_CONFIG_VALUE_MAX + 64]; /* statistics feed */
    bs_config_t *config;                     /* for socket options only (read) */
    size_t count;                            /* reports that will be submitted */
    uint64_t *arrived;                       /* ns the feed counted report i, 0 if not yet */
    uint64_t *seq;                           /* the seq that message carried */
    atomic_size_t received;                  /* reports the feed counted */
    atomic_size_t messages;                  /* feed messages of any kind */
    atomic_bool ready;                       /* subscribed */
    atomic_bool stop;                        /* end the thread */
    atomic_bool failed;                      /* could not subscribe */
} s_feed_t;

static void *
s_feed_run (void *argument)
{
    s_feed_t *self = argument;
    zsock_t *socket = bs_socket_new (ZMQ_SUB, self->endpoint, BS_SOCKET_CONNECT, self->config);
    if (!socket) {
        atomic_store (&self->failed, true);
        return NULL;
    }
    zsock_set_subscribe (socket, "");
    atomic_store (&self->ready, true);
    bs_codec_limits_t limits = bs_codec_default_limits;
    size_t prefix = strlen (S_FEED_UNIT_PREFIX);
    while (!atomic_load (&self->stop) && !bench_interrupted) {
        zmq_pollitem_t item = {zsock_resolve (socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 50) <= 0)
            continue;
        zmsg_t *message;
        while ((message = bs_socket_receive (socket))) {
            uint64_t now = bench_now_ns ();
            zframe_t *frame = zmsg_first (message);
            bs_message_t event = {0};
            bs_error_t error;
            if (bs_message_decode (zframe_data (frame), zframe_size (frame), &limits, &event,
                                   &error)
                    == BS_OK
                && event.schema == &bs_stats_changed_schema) {
                atomic_fetch_add (&self->messages, 1);
                const bs_stats_changed_t *change = event.data;
                if (strcmp (change->source, "intake") == 0
                    && strncmp (change->unit, S_FEED_UNIT_PREFIX, prefix) == 0) {
                    size_t index = strtoul (change->unit + prefix, NULL, 10);
                    if (index < self->count && self->arrived[index] == 0) {
                        self->seq[index] = change->seq;
                        self->arrived[index] = now;
                        atomic_fetch_add (&self->received, 1);
                    }
                }
            }
            bs_message_clear (&event);
            zmsg_destroy (&message);
        }
    }
    zsock_destroy (&socket);
    return NULL;
}

typedef struct {
    bool done;                        /* the measure ran to its end */
    size_t submitted;                 /* reports submitted */
    size_t missing;                   /* of them never seen on the feed */
    size_t seq_mismatches;            /* seen with seq != report id */
    size_t late;                      /* submits that started > 1 ms after they were due */
    bench_percentiles_t latency;      /* due -> feed message */
    bench_percentiles_t acknowledged; /* due -> durable reply */
} s_feed_result_t;

static int
s_submit_one (bs_client_t *client, const char *unit, uint64_t number, uint64_t *report_id,
              bs_error_t *error)
{
    bench_report_t text;
    bench_report_fill (&text, 0, number, unit);
    bs_submit_t submit = bench_system_submit_of (&text);
    bs_submitted_t reply;
    int rc =
        bs_client_call (client, &bs_submit_schema, &submit, &bs_submitted_schema, &reply, error);
    if (rc == BS_OK) {
        *report_id = reply.report_id;
        bs_codec_record_free (&bs_submitted_schema, &reply);
    }
    return rc;
}

/* The steady submitters of measure 3. Submit i is due at begin + i / rate
   and is made by client i % S_PACERS: with a few clients taking turns, one
   slow reply does not push the next submits off their schedule, so the
   rate holds and each latency runs from the moment the submit was due. */
#define S_PACERS 8

typedef struct {
    bs_client_t *client;           /* this pacer's own */
    int index;                     /* makes submits index, index + S_PACERS, ... */
    size_t count;                  /* submits in all */
    uint64_t begin;                /* ns when submit 0 is due */
    uint64_t interval;             /* ns between submits */
    uint64_t *due;                 /* ns each submit was due */
    uint64_t *acknowledged;        /* ns each reply came, 0 if none */
    uint64_t *report_ids;          /* id each submit got */
    size_t late;                   /* submits started > 1 ms after they were due */
    char error[BS_ERROR_TEXT_MAX]; /* the first failure */
} s_pacer_t;

static void *
s_pacer_run (void *argument)
{
    s_pacer_t *self = argument;
    for (size_t i = (size_t) self->index; i < self->count && !bench_interrupted; i += S_PACERS) {
        char unit[BS_UNIT_MAX];
        snprintf (unit, sizeof unit, "%s%05zu", S_FEED_UNIT_PREFIX, i);
        self->due[i] = self->begin + i * self->interval;
        bench_sleep_until_ns (self->due[i]);
        if (bench_now_ns () > self->due[i] + 1000000u)
            self->late++;
        bs_error_t error;
        if (s_submit_one (self->client, unit, i, &self->report_ids[i], &error) != BS_OK) {
            snprintf (self->error, sizeof self->error, "submit %zu failed: %s", i, error.text);
            break;
        }
        self->acknowledged[i] = bench_now_ns ();
    }
    return NULL;
}

static int
s_measure_feed (const s_options_t *options, s_feed_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->base) != 0)
        return -1;
    size_t count = (size_t) (options->rate * options->duration);
    fprintf (stderr,
             "measure 3: %zu submits at %d/s (%d clients taking turns), each timed to its "
             "statistics.changed\n",
             count, options->rate, S_PACERS);
    s_feed_t *feed = calloc (1, sizeof *feed);
    snprintf (feed->endpoint, sizeof feed->endpoint, "%s",
              bs_config_endpoint (system.config, "statistics", "feed"));
    feed->config = system.config;
    feed->count = count;
    feed->arrived = calloc (count + 1, sizeof *feed->arrived);
    feed->seq = calloc (count + 1, sizeof *feed->seq);
    uint64_t *due = calloc (count + 1, sizeof *due);
    uint64_t *acknowledged = calloc (count + 1, sizeof *acknowledged);
    uint64_t *report_ids = calloc (count + 1, sizeof *report_ids);
    s_pacer_t pacers[S_PACERS];
    for (int k = 0; k < S_PACERS; k++)
        pacers[k] = (s_pacer_t){.client = bs_client_new (system.config, "intake", "bench"),
                                .index = k,
                                .count = count,
                                .interval = 1000000000u / (uint64_t) options->rate,
                                .due = due,
                                .acknowledged = acknowledged,
                                .report_ids = report_ids};
    pthread_t thread;
    bool thread_started = pthread_create (&thread, NULL, s_feed_run, feed) == 0;
    int rc = thread_started ? 0 : -1;
    while (rc == 0 && !atomic_load (&feed->ready) && !atomic_load (&feed->failed))
        bench_sleep_ms (1);
    if (atomic_load (&feed->failed))
        rc = -1;

    /* A subscription takes a moment to reach the publisher; until a warm-up
       report shows up on the feed, later messages could be lost. */
    uint64_t warmups = 0, ignored;
    bs_error_t error;
    uint64_t give_up = bench_now_ns () + 10000000000u;
    while (rc == 0 && atomic_load (&feed->messages) == 0 && !bench_interrupted) {
        if (bench_now_ns () > give_up) {
            fprintf (stderr, "measure 3: the live feed delivered nothing in 10 s\n");
            rc = -1;
            break;
        }
        if (s_submit_one (pacers[0].client, "預熱單位", ++warmups, &ignored, &error) != BS_OK) {
            fprintf (stderr, "measure 3: warm-up submit failed: %s\n", error.text);
            rc = -1;
        }
        bench_sleep_ms (100);
    }

    pthread_t pacer_threads[S_PACERS];
    int started = 0;
    uint64_t begin = bench_now_ns () + 10000000u;
    for (; rc == 0 && started < S_PACERS; started++) {
        pacers[started].begin = begin;
        if (pthread_create (&pacer_threads[started], NULL, s_pacer_run, &pacers[started]) != 0)
            rc = -1;
    }
    for (int k = 0; k < started; k++) {
        pthread_join (pacer_threads[k], NULL);
        result->late += pacers[k].late;
        if (pacers[k].error[0]) {
            fprintf (stderr, "measure 3: %s\n", pacers[k].error);
            rc = -1;
        }
    }
    bench_samples_t acknowledged_samples = {0};
    for (size_t i = 0; i < count; i++)
        if (acknowledged[i]) {
            result->submitted++;
            bench_samples_push (&acknowledged_samples, acknowledged[i] - due[i]);
        }
    /* Let the last messages arrive (they should take milliseconds). */
    uint64_t wait_until = bench_now_ns () + 5000000000u;
    while (rc == 0 && atomic_load (&feed->received) < result->submitted
           && bench_now_ns () < wait_until && !bench_interrupted)
        bench_sleep_ms (5);
    atomic_store (&feed->stop, true);
    if (thread_started)
        pthread_join (thread, NULL);
    for (int k = 0; k < S_PACERS; k++)
        bs_client_destroy (&pacers[k].client);

    bench_samples_t latencies = {0};
    for (size_t i = 0; i < count; i++) {
        if (!acknowledged[i])
            continue;
        if (!feed->arrived[i]) {
            result->missing++;
            continue;
        }
        if (feed->seq[i] != report_ids[i])
            result->seq_mismatches++;
        bench_samples_push (&latencies, feed->arrived[i] - due[i]);
    }
    result->latency = bench_samples_percentiles (&latencies);
    result->acknowledged = bench_samples_percentiles (&acknowledged_samples);
    result->done = rc == 0 && !bench_interrupted && result->submitted == count;
    bench_samples_free (&latencies);
    bench_samples_free (&acknowledged_samples);
    free (report_ids);
    free (acknowledged);
    free (due);
    free (feed->seq);
    free (feed->arrived);
    free (feed);
    bench_system_stop (&system);
    return result->done ? 0 : -1;
}

/* The machine and the report                                              */

static void
s_print_latency_columns (const bench_percentiles_t *latency)
{
    printf ("%9.2f %9.2f %9.2f %9.2f\n", latency->p50, latency->p90, latency->p99, latency->max);
}

static void
s_usage (void)
{
    fprintf (stderr,
             "usage: bench_throughput [--quick] [--duration S] [--clients N] [--reports M]\n"
             "                        [--editors N] [--rate R] [--only 1,2,3] [--dir FOLDER]\n"
             "  --duration S  seconds measured in measures 1 and 3 (default 10)\n"
             "  --clients N   concurrent submitting clients in measures 1 and 2 (default 50)\n"
             "  --reports M   reports through all four services in measure 2 (default 20000)\n"
             "  --editors N   clients the editor decides through in measure 2 (default: as\n"
             "                many as --clients)\n"
             "  --rate R      submits per second in measure 3 (default 200)\n"
             "  --only LIST   run only these measures, e.g. 1,3\n"
             "  --dir FOLDER  where the temporary data folders go (default $TMPDIR or /tmp);\n"
             "                it must be on the disk you mean to measure, not tmpfs\n"
             "  --quick       small numbers, for a smoke run\n");
}

static int
s_parse_options (int argc, char **argv, s_options_t *options)
{
    const char *base = getenv ("TMPDIR");
    *options = (s_options_t){.duration = 10,
                             .warmup = 2,
                             .clients = 50,
                             .reports = 20000,
                             .editors = 0,
                             .issue_size = 200,
                             .rate = 200,
                             .deadline = 600,
                             .base = base && *base ? base : "/tmp",
                             .run = {false, true, true, true}};
    static const struct option long_options[] = {
        {"duration", required_argument, 0, 'd'}, {"clients", required_argument, 0, 'c'},
        {"reports", required_argument, 0, 'r'},  {"editors", required_argument, 0, 'e'},
        {"rate", required_argument, 0, 'R'},     {"only", required_argument, 0, 'o'},
        {"dir", required_argument, 0, 'D'},      {"quick", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    /* --quick first, so explicit numbers given with it win. */
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--quick") == 0) {
            options->quick = true;
            options->duration = 2;
            options->warmup = 0.5;
            options->clients = 10;
            options->reports = 1000;
            options->issue_size = 200;
        }
    bool only_seen = false;
    int option;
    while ((option = getopt_long (argc, argv, "", long_options, NULL)) != -1) {
        char *end = NULL;
        switch (option) {
        case 'd':
            options->duration = strtod (optarg, &end);
            if (*end || options->duration <= 0)
                return -1;
            break;
        case 'c':
            options->clients = (int) strtol (optarg, &end, 10);
            if (*end || options->clients < 1 || options->clients > 1000)
                return -1;
            break;
        case 'r':
            options->reports = (int) strtol (optarg, &end, 10);
            if (*end || options->reports < 1)
                return -1;
            break;
        case 'e':
            options->editors = (int) strtol (optarg, &end, 10);
            if (*end || options->editors < 1 || options->editors > 1000)
                return -1;
            break;
        case 'R':
            options->rate = (int) strtol (optarg, &end, 10);
            if (*end || options->rate < 1 || options->rate > 100000)
                return -1;
            break;
        case 'o':
            if (!only_seen)
                memset (options->run, 0, sizeof options->run);
            only_seen = true;
            for (const char *c = optarg; *c; c++)
                if (*c >= '1' && *c <= '3')
                    options->run[*c - '0'] = true;
                else if (*c != ',')
                    return -1;
            break;
        case 'D':
            options->base = optarg;
            break;
        case 'q':
            break;
        default:
            return -1;
        }
    }
    if (options->editors == 0)
        options->editors = options->clients; /* the same concurrency on both sides */
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

    char model[256], type[64], device[256], stamp[64];
    bench_system_cpu_model (model, sizeof model);
    bench_system_storage (options.base, type, sizeof type, device, sizeof device);
    struct utsname system_name;
    uname (&system_name);
    time_t now = time (NULL);
    strftime (stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S %z", localtime (&now));
    bench_report_t sample;
    bench_report_fill (&sample, 3, 1234, NULL);

    bench_load_result_t submits = {0};
    s_flow_result_t flow = {0};
    s_feed_result_t feed = {0};
    int failures = 0;
    if (options.run[1] && !bench_interrupted)
        failures += s_measure_submits (&options, &submits) != 0;
    if (options.run[2] && !bench_interrupted)
        failures += s_measure_end_to_end (&options, &flow) != 0;
    if (options.run[3] && !bench_interrupted)
        failures += s_measure_feed (&options, &feed) != 0;

    char number[32];
    printf ("baosong bench_throughput, %s%s\n", stamp, options.quick ? " (--quick)" : "");
    printf ("machine  %ld cores, %s, %s %s %s\n", sysconf (_SC_NPROCESSORS_ONLN), model,
            system_name.sysname, system_name.release, system_name.machine);
    printf ("storage  %s on %s under %s; durable: every LMDB commit fsync'ed (no_sync = 0)\n", type,
            device, options.base);
#ifndef __OPTIMIZE__
    printf ("         WARNING: built without optimization (Debug?): use bench/run, which builds "
            "Release\n");
#endif
    if (strcmp (type, "tmpfs") == 0 || strcmp (type, "ramfs") == 0)
        printf ("         WARNING: %s keeps no data across a power cut and fsync costs nothing "
                "there; use --dir on a disk\n",
                type);
    printf ("report   %zu-byte title + %zu-byte body (Chinese, UTF-8); 4 services, ipc://, "
            "one process each\n\n",
            strlen (sample.title), strlen (sample.body));
    printf ("%-44s %14s %9s %9s %9s %9s\n", "measure", "result", "p50 ms", "p90 ms", "p99 ms",
            "max ms");
    if (options.run[1]) {
        char name[64];
        snprintf (name, sizeof name, "1 durable submits (%d clients, %.0f s)", options.clients,
                  options.duration);
        if (submits.done) {
            printf ("%-44s %9s /s   ", name, bench_thousands (submits.rate, number, sizeof number));
            s_print_latency_columns (&submits.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[2]) {
        char name[64];
        snprintf (name, sizeof name, "2 end to end (%s reports, %d clients)",
                  bench_thousands (options.reports, number, sizeof number), options.clients);
        if (flow.done)
            printf ("%-44s %9s /s   %9s %9s %9s %9s\n", name,
                    bench_thousands (flow.rate, number, sizeof number), "-", "-", "-", "-");
        else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    if (options.run[3]) {
        char name[64];
        snprintf (name, sizeof name, "3 submit -> statistics feed (%d/s, %.0f s)", options.rate,
                  options.duration);
        if (feed.done) {
            printf (
                "%-44s %9s rep  ", name,
                bench_thousands ((double) (feed.submitted - feed.missing), number, sizeof number));
            s_print_latency_columns (&feed.latency);
        } else
            printf ("%-44s %14s\n", name, "FAILED");
    }
    printf ("\n");
    if (options.run[1] && submits.done)
        printf ("1: acknowledged submits per second within the window, after %.1f s of warm-up; "
                "latency as each client saw it; %" PRIu64 " failed calls\n",
                options.warmup, submits.failures);
    if (options.run[2] && flow.done)
        printf ("2: first submit to statistics counting all: %.2f s (all submits acknowledged "
                "at %.2f s, all decided at %.2f s, last issue published at %.2f s); "
                "%d adopted, %d declined, %d issues; editor clients: %d\n",
                flow.counted_s, flow.submitted_s, flow.decided_s, flow.published_s, flow.adopted,
                options.reports - flow.adopted, flow.issues, options.editors);
    if (options.run[3] && feed.done)
        printf ("3: due time of each submit to its statistics.changed on the feed; durable reply "
                "p50 %.2f ms, p99 %.2f ms; %zu missing, %zu with seq != report id, %zu sent late\n",
                feed.acknowledged.p50, feed.acknowledged.p99, feed.missing, feed.seq_mismatches,
                feed.late);
    if (bench_interrupted)
        printf ("interrupted\n");
    fflush (stdout);
    return failures || bench_interrupted ? 1 : 0;
}
