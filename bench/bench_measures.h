/*  bench_measures: the measures of bench_throughput that need more than
    the shared load, each in a file of its own:
      - bench_flow.c, measure 2: reports end to end through all four services;
      - bench_feed.c, measure 3: submit to the live statistics feed;
      - bench_batch.c, measure 4: batch intake (intake.batch);
      - bench_restart.c, measure 5: restart, catch-up and memory.
    bench_throughput.c parses the options, runs the measures and prints them.
*/
#ifndef BENCH_MEASURES_H_INCLUDED
#define BENCH_MEASURES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_common.h"
#include "bench_load.h"
#include "bench_system.h"
#include "bs_client.h"

#define BENCH_PERIODICAL "組工信息"

typedef struct {
    /* duration: seconds counted in measures 1, 3 and 4, after warmup;
       clients: concurrent submitters in measures 1 and 2; base, quick */
    bench_common_t common;
    int reports;      /* reports through the system in measure 2 */
    int editors;      /* clients the editor decides through in measure 2 (0: clients) */
    bool claim_first; /* measure 2: review.claim, then review.decide (else one decide with
                         claim: one round trip a case) */
    int decide_batch; /* measure 2: cases a decider decides in one review.decide_many (1: each
                         in a review.decide of its own, the measure as it was) */
    int submit_batch; /* measure 2: reports a submitter sends in one intake.batch (1: each in an
                         intake.submit of its own) */
    int issue_size;   /* adopted reports per issue in measure 2 */
    int rate;         /* submits per second in measure 3 */
    int senders;      /* clients sending batches in measure 4 */
    int stored;       /* reports stored before the restarts of measure 5 */
    double deadline;  /* seconds measure 2 may take before it fails */
    bool run[6];      /* run[n]: run measure n */
    bool limit;       /* measure the limits (limit.h) beside measures 1 and 2 */
    const char *trace; /* measure 3: each timed submit's due, reply and feed times, or NULL */
} bench_options_t;

typedef struct {
    uint64_t submitted, adopted, returned, declined, published;
} bench_counts_t;

typedef struct {
    bool done;           /* statistics counted everything */
    double rate;         /* reports per second, first submit to counted */
    double submitted_s;  /* seconds until the last submit was acknowledged */
    double decided_s;    /* ... the last decision */
    double published_s;  /* ... the last publication */
    double counted_s;    /* ... statistics showed everything */
    int issues;          /* issues published */
    int adopted;         /* reports adopted */
    bench_counts_t last; /* last figures statistics gave */
    /* Where the time went: each service's turns and CPU from the first
       submit to the counting of all; the editor's claim (with claim_first)
       and decision, each a durable round trip to review; how long a case waited in the
       editor's queue, from the walker seeing it to a decider taking it. */
    bench_stages_work_t stages;
    bench_percentiles_t claim, decide, waited;
} bench_flow_result_t;

typedef struct {
    bool done;                        /* the measure ran to its end */
    size_t submitted;                 /* reports submitted */
    size_t missing;                   /* of them never on the feed (by seq = report id) */
    int clients;                      /* submitting clients taking turns */
    double delivered_rate;            /* counted on the feed per second, first due to last */
    size_t late;                      /* submits that started > 1 ms after they were due */
    bench_percentiles_t latency;      /* due -> feed message */
    bench_percentiles_t acknowledged; /* due -> durable reply */
    bench_percentiles_t onward;       /* durable reply -> feed message */
    bench_stages_work_t stages;       /* each service's turns and CPU over the paced submits */
    double seconds;                   /* from the first due submit to the last reply */
} bench_feed_result_t;

typedef struct {
    bool done;                   /* ran to its end with no failed batch */
    uint64_t reports;            /* in batches answered within the window */
    double rate;                 /* reports per second */
    bench_percentiles_t latency; /* of one batch, send to durable reply */
} bench_batch_result_t;

typedef struct {
    bool done;                                       /* ran to its end */
    int stored;                                      /* reports stored */
    double fill_seconds;                             /* storing them (batches, 4 senders) */
    double restart_seconds;                          /* intake's start to its first answer */
    double catch_up_seconds;                         /* statistics' start to counting all */
    bench_memory_t empty[BENCH_SERVICE_COUNT];       /* at rest, nothing stored */
    bench_memory_t loaded[BENCH_SERVICE_COUNT];      /* peak while storing or catching up */
    bench_memory_t stored_rest[BENCH_SERVICE_COUNT]; /* at rest, reports stored */
} bench_restart_result_t;

/* Measure 2; 0 when statistics counted everything in time. */
int bench_measure_end_to_end (const bench_options_t *options, bench_flow_result_t *result);

/* Measure 3; 0 when it ran to its end. */
int bench_measure_feed (const bench_options_t *options, bench_feed_result_t *result);

/* Measure 4; 0 when it ran to its end with every item registered. */
int bench_measure_batch (const bench_options_t *options, bench_batch_result_t *result);

/* Measure 5; 0 when it ran to its end. */
int bench_measure_restart (const bench_options_t *options, bench_restart_result_t *result);

/* Every unit's all-time figures from statistics, summed (bench_flow.c). */
int bench_statistics_totals (bs_client_t *client, bench_counts_t *counts, bs_error_t *error);

/* A direct-channel token for the load's first unit (bench_batch.c). */
int bench_batch_token (bench_system_t *system, char *secret, size_t size);

/* Batch number `batch` of sender: BS_BATCH_MAX reports (bench_report_fill's
   texts, keys b<sender>-<n>), sent once; BS_OK when every item was
   registered, else the error. */
int bench_batch_send (bs_client_t *client, const char *token, int sender, uint64_t batch,
                      bs_error_t *error);

#endif
