/*  notices: what a turn tells the feed, one notice a unit, month and log.

    Every count under basis decided changes a unit's month, and each such
    change was a statistics.changed of its own: encoded, appended to
    statistics' log and published, for every report (about a quarter of
    what statistics spent on a report of a batch, bench/README.md, issue 9).
    A reader of the feed needs the figures after the turn, not each step on
    the way: the dashboard reads its figures again on any change, and a
    reader that resumes from the log applies changes in order. So the
    notices of a turn are held here while its events are counted, each
    unit, month and source log (the upstream service that logged the
    events) keeping only its last: the month's figures after that log's
    last event of the turn that changed them, and that event's sequence.
    When the turn's counts are written they go out, to the log and the
    feed, in the order the per-event notices would have ended: what the
    feed carries is the per-event notices with, of each unit, month and
    log, all but the turn's last left out. A review.escalated notice is
    held as it is, in its place among them.

    Nothing here touches the store until statistics_notices_write; a turn
    that does not commit forgets what it held (statistics_notices_forget).
*/
#ifndef STATISTICS_NOTICES_H_INCLUDED
#define STATISTICS_NOTICES_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"
#include "measures.h"

typedef struct statistics_notices statistics_notices_t;

/* NULL when out of memory. */
statistics_notices_t *statistics_notices_new (void);
void statistics_notices_destroy (statistics_notices_t **self_p);

/* Drop every notice held: the turn they were counted in will not commit. */
void statistics_notices_forget (statistics_notices_t *self);

/* Hold the change of unit's month period (e.g. "2026-12") by an event of
   source's log (seq, dated event_at) that left the month's figures at
   month, in place of what was held for the same unit, month and source.
   BS_E_SYSTEM when out of memory. */
int statistics_notices_changed (statistics_notices_t *self, const char *unit, const char *period,
                                const char *source, uint64_t seq, uint64_t event_at,
                                const statistics_counters_t *month);

/* Hold record (of schema, e.g. a review.escalated) dated at for the feed,
   after what is held. BS_E_SYSTEM when out of memory. */
int statistics_notices_record (statistics_notices_t *self, const bs_schema_t *schema,
                               const void *record, uint64_t at);

/* How many notices are held. */
size_t statistics_notices_count (const statistics_notices_t *self);

/* Append each notice held to service's log in txn and queue it for the
   feed (sent once txn commits), in order, then hold none. */
int statistics_notices_write (statistics_notices_t *self, bs_service_t *service, MDB_txn *txn);

#endif
