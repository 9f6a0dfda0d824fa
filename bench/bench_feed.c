/*  bench_feed: measure 3 of bench_throughput, submit to the live statistics
    feed; see bench_measures.h and bench_throughput.c. */
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
#include "bs_latency.h"
#include "bs_schemas.h"
#include "bs_socket.h"

#include "bench_load.h"
#include "bench_system.h"

#include "bench_measures.h"

/* Measure 3: submit to the live statistics feed                           */

/* What the feed brought: the seq and arrival time of every
   statistics.changed counted from intake's log (source "intake"), in the
   order they came (a turn's several reports of a unit are one). Written
   by the feed thread only; read after it ends. */
typedef struct {
    uint64_t seq;     /* intake's log sequence */
    uint64_t arrived; /* ns */
} s_arrival_t;

typedef struct {
    char endpoint[BS_CONFIG_VALUE_MAX + 64]; /* statistics feed */
    bs_config_t *config;                     /* for socket options only (read) */
    s_arrival_t *arrivals;                   /* what came, in order (owned) */
    size_t count, capacity;                  /* arrivals held, room */
    atomic_uint_fast64_t highest;            /* the highest seq seen */
    atomic_size_t messages;                  /* feed messages of any kind */
    atomic_bool ready;                       /* subscribed */
    atomic_bool stop;                        /* end the thread */
    atomic_bool failed;                      /* could not subscribe */
} s_feed_t;

static void
s_feed_note (s_feed_t *self, uint64_t seq, uint64_t now)
{
    if (self->count == self->capacity) {
        size_t capacity = self->capacity ? self->capacity * 2 : 4096;
        s_arrival_t *grown = realloc (self->arrivals, capacity * sizeof *grown);
        if (!grown)
            return;
        self->arrivals = grown;
        self->capacity = capacity;
    }
    self->arrivals[self->count++] = (s_arrival_t){seq, now};
    if (seq > atomic_load (&self->highest))
        atomic_store (&self->highest, seq);
}

static void *
s_feed_run (void *argument)
{
    s_feed_t *self = argument;
    zsock_t *socket = bs_socket_new (ZMQ_SUB, "statistics", self->endpoint, BS_SOCKET_CONNECT,
                                      self->config);
    if (!socket) {
        atomic_store (&self->failed, true);
        return NULL;
    }
    zsock_set_subscribe (socket, "");
    atomic_store (&self->ready, true);
    bs_codec_limits_t limits = bs_codec_default_limits;
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
                if (strcmp (change->source, "intake") == 0)
                    s_feed_note (self, change->seq, now);
            }
            bs_message_clear (&event);
            zmsg_destroy (&message);
        }
    }
    zsock_destroy (&socket);
    return NULL;
}

static int
s_arrival_order (const void *a, const void *b)
{
    uint64_t x = ((const s_arrival_t *) a)->seq, y = ((const s_arrival_t *) b)->seq;
    return x < y ? -1 : x > y;
}

/* When the feed first showed the event of log sequence seq counted, 0 if
   never. Statistics tells a turn's changes once for each unit and month
   (notices.h): a change carrying intake's sequence s says that every
   event of intake's log up to s is counted (statistics follows the log in
   order; the other units' changes of the same turn leave with it), so
   the event seq arrived with the first change of any seq at or after it.
   arrivals sorted by seq, each arrival time already the earliest of its
   own and those after it (s_feed_figures). */
static uint64_t
s_arrived (const s_feed_t *feed, uint64_t seq)
{
    size_t low = 0, high = feed->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (feed->arrivals[middle].seq < seq)
            low = middle + 1;
        else
            high = middle;
    }
    return low < feed->count ? feed->arrivals[low].arrived : 0;
}

static int
s_submit_one (bs_client_t *client, uint64_t number, uint64_t *report_id, bs_error_t *error)
{
    bench_report_t text;
    bench_report_fill (&text, 0, number, NULL);
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
   and is made by client i % pacers: with clients taking turns, one slow
   reply does not push the next submits off their schedule, so the rate
   holds and each latency runs from the moment the submit was due. Enough
   clients that each has 20 ms per submit (8 at least, 256 at most). */
static int
s_pacer_count (int rate)
{
    int count = rate / 50;
    return count < 8 ? 8 : count > 256 ? 256 : count;
}

typedef struct {
    bs_client_t *client;           /* this pacer's own */
    int index;                     /* makes submits index, index + pacers, ... */
    int pacers;                    /* clients taking turns */
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
    for (size_t i = (size_t) self->index; i < self->count && !bench_interrupted;
         i += (size_t) self->pacers) {
        self->due[i] = self->begin + i * self->interval;
        bench_sleep_until_ns (self->due[i]);
        if (bench_now_ns () > self->due[i] + 1000000u)
            self->late++;
        bs_error_t error;
        if (s_submit_one (self->client, i, &self->report_ids[i], &error) != BS_OK) {
            snprintf (self->error, sizeof self->error, "submit %zu failed: %s", i, error.text);
            break;
        }
        self->acknowledged[i] = bench_now_ns ();
    }
    return NULL;
}

/* Latencies from the run's arrays into result; the feed's arrivals sorted.
   Report id r is the event of log sequence r + offset (see below). */
static void
s_feed_figures (s_feed_t *feed, size_t count, const uint64_t *due, const uint64_t *acknowledged,
                const uint64_t *report_ids, uint64_t offset, bench_feed_result_t *result,
                const char *trace)
{
    qsort (feed->arrivals, feed->count, sizeof *feed->arrivals, s_arrival_order);
    for (size_t i = feed->count; i-- > 1;)
        if (feed->arrivals[i].arrived < feed->arrivals[i - 1].arrived)
            feed->arrivals[i - 1].arrived = feed->arrivals[i].arrived;
    FILE *file = trace ? fopen (trace, "w") : NULL;
    if (trace && !file)
        fprintf (stderr, "measure 3: cannot write %s\n", trace);
    if (file)
        fprintf (file, "# report_id due_ns reply_ns feed_ns (CLOCK_MONOTONIC; 0: none)\n");
    for (size_t i = 0; file && i < count; i++)
        if (acknowledged[i])
            fprintf (file, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", report_ids[i],
                     due[i], acknowledged[i], s_arrived (feed, report_ids[i] + offset));
    if (file)
        fclose (file);
    bench_samples_t latencies = {0}, acknowledged_samples = {0}, onward = {0};
    uint64_t last = 0;
    for (size_t i = 0; i < count; i++) {
        if (!acknowledged[i])
            continue;
        bench_samples_push (&acknowledged_samples, acknowledged[i] - due[i]);
        uint64_t arrived = s_arrived (feed, report_ids[i] + offset);
        if (!arrived)
            result->missing++;
        else {
            bench_samples_push (&latencies, arrived - due[i]);
            bench_samples_push (&onward, arrived > acknowledged[i] ? arrived - acknowledged[i] : 0);
            last = arrived > last ? arrived : last;
        }
    }
    if (count && last > due[0])
        result->delivered_rate = (double) latencies.count / ((double) (last - due[0]) / 1e9);
    result->latency = bench_samples_percentiles (&latencies);
    result->acknowledged = bench_samples_percentiles (&acknowledged_samples);
    result->onward = bench_samples_percentiles (&onward);
    bench_samples_free (&onward);
    bench_samples_free (&latencies);
    bench_samples_free (&acknowledged_samples);
}

int
bench_measure_feed (const bench_options_t *options, bench_feed_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0)
        return -1;
    size_t count = (size_t) (options->rate * options->common.duration);
    int pacer_count = s_pacer_count (options->rate);
    result->clients = pacer_count;
    fprintf (stderr,
             "measure 3: %zu submits at %d/s (%d clients taking turns), each timed to its "
             "statistics.changed\n",
             count, options->rate, pacer_count);
    s_feed_t *feed = calloc (1, sizeof *feed);
    snprintf (feed->endpoint, sizeof feed->endpoint, "%s",
              bs_config_endpoint (system.config, "statistics", "feed"));
    feed->config = system.config;
    uint64_t *due = calloc (count + 1, sizeof *due);
    uint64_t *acknowledged = calloc (count + 1, sizeof *acknowledged);
    uint64_t *report_ids = calloc (count + 1, sizeof *report_ids);
    s_pacer_t *pacers = calloc ((size_t) pacer_count, sizeof *pacers);
    for (int k = 0; k < pacer_count; k++)
        pacers[k] = (s_pacer_t){.client = bs_client_new (system.config, "intake", "bench"),
                                .index = k,
                                .pacers = pacer_count,
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
    uint64_t warmups = 0, warmup_id = 0;
    bs_error_t error;
    uint64_t give_up = bench_now_ns () + 10000000000u;
    while (rc == 0 && atomic_load (&feed->messages) == 0 && !bench_interrupted) {
        if (bench_now_ns () > give_up) {
            fprintf (stderr, "measure 3: the live feed delivered nothing in 10 s\n");
            rc = -1;
            break;
        }
        if (s_submit_one (pacers[0].client, count + ++warmups, &warmup_id, &error) != BS_OK) {
            fprintf (stderr, "measure 3: warm-up submit failed: %s\n", error.text);
            rc = -1;
        }
        bench_sleep_ms (100);
    }
    /* Each client connects (its CurveZMQ handshake with intake) before
       the timed submits: a hundred handshakes at once in the first
       milliseconds would be timed as the first submits' latency. */
    for (int k = 0; rc == 0 && k < pacer_count; k++) {
        bs_ping_t ping = {0};
        bs_ping_reply_t pong;
        if (bs_client_call (pacers[k].client, &bs_ping_schema, &ping, &bs_ping_reply_schema, &pong,
                            &error)
            != BS_OK) {
            fprintf (stderr, "measure 3: a client could not connect: %s\n", error.text);
            rc = -1;
        } else
            bs_codec_record_free (&bs_ping_reply_schema, &pong);
    }
    /* The feed names an event by intake's log sequence, the submit's reply
       by its report id. Units are registered before, so from here on
       intake logs nothing but these reports: report id r is the event of
       log sequence r + offset, the offset the last warm-up shows once its
       change has come. (A wrong offset would show as missing reports.) */
    bench_sleep_ms (1000);
    uint64_t offset = atomic_load (&feed->highest) - warmup_id;

    pthread_t *pacer_threads = calloc ((size_t) pacer_count, sizeof *pacer_threads);
    int started = 0;
    bench_stages_t stages_before, stages_after;
    bench_system_stages_read (&system, &stages_before);
    uint64_t begin = bench_now_ns () + 10000000u;
    for (; rc == 0 && started < pacer_count; started++) {
        pacers[started].begin = begin;
        if (pthread_create (&pacer_threads[started], NULL, s_pacer_run, &pacers[started]) != 0)
            rc = -1;
    }
    uint64_t last_id = 0;
    for (int k = 0; k < started; k++) {
        pthread_join (pacer_threads[k], NULL);
        result->late += pacers[k].late;
        if (pacers[k].error[0]) {
            fprintf (stderr, "measure 3: %s\n", pacers[k].error);
            rc = -1;
        }
    }
    result->seconds = (double) (bench_now_ns () - begin) / 1e9;
    bench_system_stages_read (&system, &stages_after);
    bench_stages_between (&stages_before, &stages_after, &result->stages);
    for (size_t i = 0; i < count; i++)
        if (acknowledged[i]) {
            result->submitted++;
            last_id = report_ids[i] > last_id ? report_ids[i] : last_id;
        }
    /* Let the last messages arrive (they should take milliseconds): the
       feed counts intake's log in order, so the last report id is last. */
    uint64_t wait_until = bench_now_ns () + 5000000000u;
    while (rc == 0 && atomic_load (&feed->highest) < last_id + offset
           && bench_now_ns () < wait_until
           && !bench_interrupted)
        bench_sleep_ms (5);
    atomic_store (&feed->stop, true);
    if (thread_started)
        pthread_join (thread, NULL);
    for (int k = 0; k < pacer_count; k++)
        bs_client_destroy (&pacers[k].client);

    s_feed_figures (feed, count, due, acknowledged, report_ids, offset, result, options->trace);
    result->done = rc == 0 && !bench_interrupted && result->submitted == count;
    free (pacer_threads);
    free (pacers);
    free (report_ids);
    free (acknowledged);
    free (due);
    free (feed->arrivals);
    free (feed);
    bench_system_stop (&system);
    return result->done ? 0 : -1;
}
