/*  bench_restart: measure 5 of bench_throughput, restart, catch-up and
    memory; see bench_measures.h.

    On one fresh system:
      1. each service's resident memory at rest, empty;
      2. statistics is killed (kill -9): a consumer that is down;
      3. `stored` reports go into intake in batches (measure 4's sending,
         4 senders), while review consumes them live; each service's
         anonymous memory is sampled every 50 ms (its peak: under load);
      4. the memory at rest again, with the reports stored;
      5. intake is killed (kill -9) and started again: the time from the
         start until it answers service.ping (a ping waits 250 ms
         before it is sent again, so that is the resolution);
      6. statistics is started again: the time from its start until its
         figures count every stored report (it has caught up on intake's
         log), and its peak memory meanwhile; then its memory at rest.
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_client.h"
#include "bs_schemas.h"

#include "bench_load.h"
#include "bench_system.h"

#include "bench_measures.h"

#define S_FILL_SENDERS 4

typedef struct {
    bench_system_t *system;
    const char *token;
    int index;               /* sender */
    uint64_t batches;        /* to send */
    atomic_uint_fast64_t *sent;
    char error[BS_ERROR_TEXT_MAX];
} s_filler_t;

static void *
s_filler_run (void *argument)
{
    s_filler_t *self = argument;
    bs_client_t *client = bs_client_new (self->system->config, "intake", "bench");
    bs_client_set_patience (client, 60000, 1);
    for (uint64_t batch = 0; batch < self->batches && !bench_interrupted; batch++) {
        bs_error_t error;
        if (bench_batch_send (client, self->token, self->index, batch, &error) != BS_OK) {
            snprintf (self->error, sizeof self->error, "batch %" PRIu64 ": %s", batch,
                      error.text);
            break;
        }
        atomic_fetch_add (self->sent, BS_BATCH_MAX);
    }
    bs_client_destroy (&client);
    return NULL;
}

/* Each running service's memory into memory[]; with peak, the larger of it
   and what is there. */
static void
s_sample (const bench_system_t *system, bench_memory_t *memory, bool peak)
{
    for (int i = 0; i < BENCH_SERVICE_COUNT; i++) {
        bench_memory_t now;
        if (system->pids[i] <= 0 || bench_system_memory (system->pids[i], &now) != 0)
            continue;
        if (!peak || now.anonymous > memory[i].anonymous)
            memory[i].anonymous = now.anonymous;
        if (!peak || now.file > memory[i].file)
            memory[i].file = now.file;
    }
}

/* Fill intake with `count` reports (rounded up to whole batches), the
   memory sampled meanwhile. 0 when all were registered. */
static int
s_fill (bench_system_t *system, const char *token, uint64_t count, bench_memory_t *peak,
        double *seconds)
{
    uint64_t batches = (count + BS_BATCH_MAX - 1) / BS_BATCH_MAX;
    atomic_uint_fast64_t sent = 0;
    s_filler_t fillers[S_FILL_SENDERS];
    pthread_t threads[S_FILL_SENDERS];
    int started = 0;
    uint64_t start = bench_now_ns ();
    for (; started < S_FILL_SENDERS; started++) {
        int index = started;
        fillers[index] = (s_filler_t){
            .system = system,
            .token = token,
            .index = index,
            .batches = batches / S_FILL_SENDERS + ((uint64_t) index < batches % S_FILL_SENDERS),
            .sent = &sent};
        if (pthread_create (&threads[index], NULL, s_filler_run, &fillers[index]) != 0)
            break;
    }
    uint64_t next_report = 0;
    while (atomic_load (&sent) < batches * BS_BATCH_MAX && !bench_interrupted) {
        s_sample (system, peak, true);
        if (atomic_load (&sent) >= next_report) {
            fprintf (stderr, "  %" PRIu64 " stored\n", (uint64_t) atomic_load (&sent));
            next_report += 100000;
        }
        bool failed = false;
        for (int i = 0; i < started; i++)
            failed |= fillers[i].error[0] != 0;
        if (failed)
            break;
        bench_sleep_ms (50);
    }
    int rc = started == S_FILL_SENDERS ? 0 : -1;
    for (int i = 0; i < started; i++) {
        pthread_join (threads[i], NULL);
        if (fillers[i].error[0]) {
            fprintf (stderr, "measure 5: filling: %s\n", fillers[i].error);
            rc = -1;
        }
    }
    *seconds = (double) (bench_now_ns () - start) / 1e9;
    return rc == 0 && atomic_load (&sent) == batches * BS_BATCH_MAX ? 0 : -1;
}

/* Reports statistics has counted (every unit, all time), or -1. */
static int64_t
s_counted (bs_client_t *statistics)
{
    bench_counts_t counts;
    bs_error_t error;
    if (bench_statistics_totals (statistics, &counts, &error) != BS_OK)
        return -1;
    return (int64_t) counts.submitted;
}

/* Restart the service at index after a kill -9; seconds until it answers. */
static int
s_restart (bench_system_t *system, int index, double *seconds)
{
    bench_system_kill (system, index);
    uint64_t start = bench_now_ns ();
    if (bench_system_respawn (system, index) != 0 || bench_system_wait_up (system, index) != 0)
        return -1;
    *seconds = (double) (bench_now_ns () - start) / 1e9;
    return 0;
}

/* Start statistics again and wait until it counts `count` reports, its
   memory sampled meanwhile; the seconds from its start. */
static int
s_catch_up (bench_system_t *system, int index, int64_t count, bench_memory_t *peak,
            double *seconds)
{
    uint64_t start = bench_now_ns ();
    if (bench_system_respawn (system, index) != 0)
        return -1;
    bs_client_t *statistics = bs_client_new (system->config, "statistics", "bench");
    bs_client_set_patience (statistics, 1000, 1);
    int rc = -1;
    uint64_t give_up = start + 600 * 1000000000ull;
    while (!bench_interrupted && bench_now_ns () < give_up) {
        s_sample (system, peak, true);
        int64_t counted = s_counted (statistics);
        if (counted >= count) {
            rc = 0;
            break;
        }
        bench_sleep_ms (20);
    }
    *seconds = (double) (bench_now_ns () - start) / 1e9;
    bs_client_destroy (&statistics);
    return rc;
}

int
bench_measure_restart (const bench_options_t *options, bench_restart_result_t *result)
{
    memset (result, 0, sizeof *result);
    bench_system_t system;
    if (bench_system_start (&system, options->common.base) != 0)
        return -1;
    int intake = bench_system_index ("intake"), statistics = bench_system_index ("statistics");
    char token[160];
    int rc = bench_batch_token (&system, token, sizeof token);
    bench_sleep_ms (1000);
    s_sample (&system, result->empty, false);
    bench_system_kill (&system, statistics);
    fprintf (stderr, "measure 5: statistics killed; %d reports into intake in batches of %d\n",
             options->stored, BS_BATCH_MAX);
    memcpy (result->loaded, result->empty, sizeof result->loaded);
    if (rc == 0)
        rc = s_fill (&system, token, (uint64_t) options->stored, result->loaded,
                     &result->fill_seconds);
    result->stored = (options->stored + BS_BATCH_MAX - 1) / BS_BATCH_MAX * BS_BATCH_MAX;
    if (rc == 0) {
        bench_sleep_ms (2000);
        s_sample (&system, result->stored_rest, false);
        fprintf (stderr, "measure 5: intake killed (kill -9) and started again\n");
        rc = s_restart (&system, intake, &result->restart_seconds);
    }
    if (rc == 0) {
        fprintf (stderr, "measure 5: statistics started again, catching up\n");
        rc = s_catch_up (&system, statistics, result->stored, result->loaded,
                         &result->catch_up_seconds);
    }
    if (rc == 0) {
        bench_sleep_ms (1000);
        bench_memory_t after[BENCH_SERVICE_COUNT];
        s_sample (&system, after, false);
        result->stored_rest[statistics] = after[statistics];
    }
    bench_system_stop (&system);
    result->done = rc == 0 && !bench_interrupted;
    if (!result->done)
        fprintf (stderr, "measure 5 failed\n");
    return result->done ? 0 : -1;
}
