/*  bs_latency: how long something took, counted in fixed buckets (a
    histogram), for figures an operator reads (GET /metrics).

    The service loop keeps one for its turns' commits (bs_service_loop.c): each
    turn's write transaction, from its first write to the end of its
    commit (the fsync), added once the loop collects the turn. The bounds
    are the same in every process and travel with the counts in
    service.pong, so a reader needs no copy of them.

    A plain struct, no allocation; one thread adds and reads (the loop).
*/
#ifndef BS_LATENCY_H_INCLUDED
#define BS_LATENCY_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* Upper bounds of the buckets, microseconds, ascending: 250 µs to 2.5 s. */
#define BS_LATENCY_BOUNDS 13
extern const uint64_t bs_latency_bounds_us[BS_LATENCY_BOUNDS];

typedef struct {
    /* counts[i]: durations above bound i-1 and at most bound i;
       counts[BS_LATENCY_BOUNDS]: above the last bound. */
    uint64_t counts[BS_LATENCY_BOUNDS + 1];
    uint64_t total;  /* durations added */
    uint64_t sum_us; /* their sum, microseconds */
} bs_latency_t;

/* Count one duration of us microseconds. */
void bs_latency_add (bs_latency_t *self, uint64_t us);

/* Microseconds since an earlier bs_latency_clock (monotonic). */
uint64_t bs_latency_clock (void);

#endif
