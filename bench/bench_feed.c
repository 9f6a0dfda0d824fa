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
#include "bs_schemas.h"
#include "bs_socket.h"

#include "bench_load.h"
#include "bench_system.h"

#include "bench_measures.h"

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
    zsock_t *socket = bs_socket_new (ZMQ_SUB, "statistics", self->endpoint, BS_SOCKET_CONNECT,
                                      self->config);
    if (!socket) {
        atomic_store (&self->failed, true);
        return NULL;
    }
    zsock_set_subscribe (socket, "");
    atomic_store (&self->ready, true);
    bs_codec_limits_t limits = bs_codec_default_limits;
    size_t prefix = strlen (BENCH_FEED_UNIT_PREFIX);
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
                    && strncmp (change->unit, BENCH_FEED_UNIT_PREFIX, prefix) == 0) {
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
        snprintf (unit, sizeof unit, "%s%05zu", BENCH_FEED_UNIT_PREFIX, i);
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

int
bench_measure_feed (const bench_options_t *options, bench_feed_result_t *result)
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
    /* Every submit has a unit of its own (the feed tells them apart by
       it); register them all before the clock starts. */
    char (*unit_names)[BS_UNIT_MAX] = calloc (count + 1, sizeof *unit_names);
    const char **units = calloc (count + 1, sizeof *units);
    for (size_t i = 0; i < count; i++) {
        snprintf (unit_names[i], sizeof unit_names[i], "%s%05zu", BENCH_FEED_UNIT_PREFIX, i);
        units[i] = unit_names[i];
    }
    units[count] = "預熱單位"; /* the warm-up's */
    int registered = bench_system_register_units (&system, units, count + 1);
    free (units);
    free (unit_names);
    if (registered != 0) {
        bench_system_stop (&system);
        return -1;
    }
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
