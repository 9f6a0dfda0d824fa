/*  changes: the live feed as a log a reader can resume (the Clone pattern).

    Every statistics.changed and review.escalated that statistics publishes
    on its PUB feed is also appended, in the same transaction as the counts
    it reports, to statistics' own event log. statistics.changes answers a
    snapshot (every unit's current month, basis decided) with the log's
    last sequence read in the same transaction, and the changes after any
    sequence: a reader that keeps the last sequence it saw can reconnect,
    to a restarted service too, and get exactly what it missed.

    The log is bounded: every statistics.prune_ms a timer deletes its
    oldest entries beyond the last statistics.log_keep (at most 10,000 a
    run, never the last one, whose sequence the next append follows). The
    figures are not in the log, so pruning changes none. Every page names
    first, the oldest sequence kept: a reader whose last seen sequence is
    older than first - 1 has missed pruned changes and must take a
    snapshot again.
*/
#ifndef STATISTICS_CHANGES_H_INCLUDED
#define STATISTICS_CHANGES_H_INCLUDED

#include "bs_service.h"

/* The statistics.changes command. */
int statistics_changes (bs_request_t *request, void *argument);

/* The pruning timer (bs_timer_fn). */
int statistics_changes_prune (bs_service_t *service, MDB_txn *txn, uint64_t now, void *argument);

#endif
