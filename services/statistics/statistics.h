/*  statistics: live counts per unit and month, rankings, and a feed.

    Consumes the logs of intake (submitted), review (adopted, returned,
    declined) and publication (published), each with its own cursor stored
    in the same transaction as the counts, so every event is counted exactly
    once however often a service dies. Deleting the store and starting again
    rebuilds the same figures from the logs.

    Counts are kept per unit and month ("2026-11", the local month of the
    event); a year or all time is the sum of its months. Every change is
    published on the feed as statistics.changed.

    Databases: months ("<unit>\x1f<YYYY-MM>" -> stats row).
*/
#ifndef STATISTICS_H_INCLUDED
#define STATISTICS_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"

extern const char *const statistics_databases[];

int statistics_setup (bs_service_t *service);

/* Competition ranking ("1224"): sort rows by value, highest first (ties by
   unit name), and give equal values the same rank. */
void statistics_rank (bs_rank_row_t *rows, size_t count);

/* Whether a month "YYYY-MM" lies in period ("YYYY-MM", "YYYY", "" = all). */
bool statistics_period_contains (const char *period, const char *month);

#endif
