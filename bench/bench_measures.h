/*  bench_measures: the measures of bench_throughput that need more than
    the shared load, each in a file of its own:
      - bench_flow.c, measure 2: reports end to end through all four services;
      - bench_feed.c, measure 3: submit to the live statistics feed.
    bench_throughput.c parses the options, runs the measures and prints them.
*/
#ifndef BENCH_MEASURES_H_INCLUDED
#define BENCH_MEASURES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_load.h"

#define BENCH_PERIODICAL "組工信息"
#define BENCH_FEED_UNIT_PREFIX "測速單位"

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
    bool limit;       /* measure the limits (limit.h) beside measures 1 and 2 */
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
} bench_flow_result_t;

typedef struct {
    bool done;                        /* the measure ran to its end */
    size_t submitted;                 /* reports submitted */
    size_t missing;                   /* of them never seen on the feed */
    size_t seq_mismatches;            /* seen with seq != report id */
    size_t late;                      /* submits that started > 1 ms after they were due */
    bench_percentiles_t latency;      /* due -> feed message */
    bench_percentiles_t acknowledged; /* due -> durable reply */
} bench_feed_result_t;

/* Measure 2; 0 when statistics counted everything in time. */
int bench_measure_end_to_end (const bench_options_t *options, bench_flow_result_t *result);

/* Measure 3; 0 when it ran to its end. */
int bench_measure_feed (const bench_options_t *options, bench_feed_result_t *result);

#endif
