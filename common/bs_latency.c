/*  bs_latency: durations in fixed buckets; see bs_latency.h. */
#include "bs_latency.h"

#include <time.h>

const uint64_t bs_latency_bounds_us[BS_LATENCY_BOUNDS] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};

void
bs_latency_add (bs_latency_t *self, uint64_t us)
{
    size_t bucket = 0;
    while (bucket < BS_LATENCY_BOUNDS && us > bs_latency_bounds_us[bucket])
        bucket++;
    self->counts[bucket]++;
    self->total++;
    self->sum_us += us;
}

uint64_t
bs_latency_clock (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000;
}
