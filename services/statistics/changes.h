/*  changes: the live feed as a log a reader can resume (the Clone pattern).

    Every statistics.changed and review.escalated that statistics publishes
    on its PUB feed is also appended, in the same transaction as the counts
    it reports, to statistics' own event log. statistics.changes answers a
    snapshot (every unit's current month, basis decided) with the log's
    last sequence read in the same transaction, and the changes after any
    sequence: a reader that keeps the last sequence it saw can reconnect,
    to a restarted service too, and get exactly what it missed.
*/
#ifndef STATISTICS_CHANGES_H_INCLUDED
#define STATISTICS_CHANGES_H_INCLUDED

#include "bs_service.h"

/* The statistics.changes command. */
int statistics_changes (bs_request_t *request, void *argument);

#endif
