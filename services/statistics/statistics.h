/*  statistics: live counts per unit and month, rankings, and a feed.

    Consumes the logs of intake (submitted: a report's first version only),
    review (adopted, returned, declined, forwarded, reverted, escalated) and
    publication (published), each with its own cursor stored
    in the same transaction as the counts, so every event is counted exactly
    once however often a service dies. Deleting the store and starting again
    rebuilds the same figures from the logs.

    Counts are kept per unit and month ("2026-11", the local month of the
    event); a year or all time is the sum of its months. Every change is
    published on the feed as statistics.changed.

    A revert takes the reverted decision back out of the month it was
    counted in, so an adoption that was reverted no longer counts as
    adopted, and counts as reverted in the month of the revert. A synthesis
    credits each of its sources' units (one per source) with its decision
    and, once published, with a publication. An escalation of an urgent
    report counts for its unit and is published on the feed as a
    review.escalated notice for leaders.

    Databases: months ("<unit>\x1f<YYYY-MM>" -> stats row), syntheses
    (report id of an adopted synthesis -> its review.decided event).
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
