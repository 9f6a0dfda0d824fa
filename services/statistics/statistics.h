/*  statistics: figures per unit and period, rankings per tier, and a feed.

    Consumes the logs of intake, review and publication (counting.h says
    what each event counts), each with its own cursor stored in the same
    transaction as the counts, so every event is counted exactly once
    however often a service dies. Deleting the store and starting again
    rebuilds the same figures from the logs.

    Counts are maintained aggregates (figures.h): per unit, basis (the date
    that places a figure: published, decided, received), slice (totals, or
    one value of channel, kind, topic, periodical) and bucket (year, month
    and day of the server's calendar). Queries (queries.h) sum a few
    buckets per unit for any period (period.h), add subtrees for a rolled
    up view, and rank within tiers; they never scan events.

    The rules loaded and the bulletins issued are not counts of any log:
    they are kept in a store of their own (kept.h) that the rebuild leaves
    alone.

    A unit's month (basis decided) that a turn changed is published on the
    feed as statistics.changed, once for each log whose events changed it
    (notices.h); an escalation of an urgent report goes out as a
    review.escalated notice for leaders.
*/
#ifndef STATISTICS_H_INCLUDED
#define STATISTICS_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"

extern const char *const statistics_databases[];

/* Open the kept store, bind the feed, follow the logs, answer the
   commands. */
int statistics_setup (bs_service_t *service);

#endif
