/*  bench_load: the load every benchmark puts on a store, so that baosong
    and the baselines beside it are measured with the same work.

    - bench_report_fill: report number n of client c, a Chinese title and
      body of about 340 bytes, each one different;
    - bench_load_run: `clients` threads, each with its own connection,
      submit reports back to back; after `warmup` seconds, the submits
      whose acknowledgement arrives within the next `duration` seconds are
      counted, with the latency each client saw (send to reply);
    - bench_samples_*: latencies and their nearest-rank percentiles.

    Nothing here knows the store: bench_load_run calls a submit function
    given by the caller with the connection it prepared for each client.
*/
#ifndef BENCH_LOAD_H_INCLUDED
#define BENCH_LOAD_H_INCLUDED

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set by SIGINT/SIGTERM (see bench_system_handle_signals): every loop stops. */
extern volatile sig_atomic_t bench_interrupted;

/* Nanoseconds on the monotonic clock. */
uint64_t bench_now_ns (void);
void bench_sleep_until_ns (uint64_t deadline);
void bench_sleep_ms (int milliseconds);

/* Latencies in nanoseconds. */
typedef struct {
    uint64_t *items; /* the samples, owned */
    size_t count;    /* samples held */
    size_t capacity; /* room in items */
} bench_samples_t;

typedef struct {
    size_t count;              /* samples */
    double p50, p90, p99, max; /* milliseconds */
} bench_percentiles_t;

void bench_samples_push (bench_samples_t *self, uint64_t value);
void bench_samples_free (bench_samples_t *self);
/* Nearest-rank percentiles of the samples (sorted in place). */
bench_percentiles_t bench_samples_percentiles (bench_samples_t *self);

/* 12345.6 -> "12,346" in buffer, which is returned. */
const char *bench_thousands (double value, char *buffer, size_t size);

/* One report's text. */
typedef struct {
    char unit[128];  /* reporting unit, e.g. 東城區委組織部 */
    char title[256]; /* about 90 bytes */
    char body[1024]; /* about 250 bytes */
} bench_report_t;

/* Report number `number` of client `client`; unit NULL picks one of a
   dozen district units. */
void bench_report_fill (bench_report_t *report, int client, uint64_t number, const char *unit);

/* The units bench_report_fill picks from (when given none); static. */
const char *const *bench_report_units (size_t *count);

/* What a submit function returns. */
#define BENCH_LOAD_OK 0      /* acknowledged: durable */
#define BENCH_LOAD_FAILED -1 /* this one failed; the client goes on */
#define BENCH_LOAD_GONE -2   /* the connection is gone; the client stops */

/* Submit one report on connection and wait for its durable
   acknowledgement. On failure, write a sentence into error. Called from
   the client's own thread only. */
typedef int (bench_load_submit_fn) (void *connection, const bench_report_t *report, char *error,
                                    size_t error_size);

typedef struct {
    const char *name;             /* for progress and failure lines on stderr */
    int clients;                  /* threads, one connection each */
    double warmup;                /* seconds not counted */
    double duration;              /* seconds counted */
    void **connections;           /* clients of them, made by the caller */
    bench_load_submit_fn *submit; /* the store's submit */
} bench_load_t;

typedef struct {
    bool done;                   /* ran to its end with no failed call */
    double rate;                 /* acknowledged submits per second in the window */
    bench_percentiles_t latency; /* of the counted submits, client-observed */
    uint64_t failures;           /* failed calls */
    uint64_t acknowledged;       /* every acknowledged submit, warm-up and tail too */
} bench_load_result_t;

/* Run the load; 0 if it ran to its end with no failed call, else -1. */
int bench_load_run (const bench_load_t *load, bench_load_result_t *result);

#endif
