/*  counts: making one count of the figures, for the files that turn
    events into counts (counting.c, decisions.c).

    A count (statistics_count_t, waiting.h: a unit and its slices, a
    measure and a delta, a date per basis) is made under each basis it has
    a date in (figures.h); the unit's month under basis decided then goes
    out as statistics.changed on statistics' own log (changes.h) and on
    the PUB feed. A count about a report not received yet also waits for
    it (waiting.h), and statistics_count_recount makes it again with the
    report's dimensions when the report comes. Events that must count once
    are remembered by a key in the once database.

    Databases used: figures, values, units, reports, waiting, once (see
    counting.h).
*/
#ifndef STATISTICS_COUNTS_H_INCLUDED
#define STATISTICS_COUNTS_H_INCLUDED

#include "bs_service.h"
#include "bs_schemas.h"
#include "known.h"
#include "measures.h"
#include "notices.h"
#include "reports.h"
#include "waiting.h"

/* A subject (its unit and values) as known.h keeps it: each text with its
   length before it (two bytes), so that no two subjects read the same; a
   subject longer than this is not kept. */
#define STATISTICS_SEEN_MAX 512
typedef struct {
    size_t size;
    char bytes[STATISTICS_SEEN_MAX];
} statistics_seen_t;

/* What statistics holds over a turn's events (bs_service_hold, made by
   counting.h): the rows of figures counted and the notices for the feed,
   both written into the turn's transaction after its events and
   forgotten with the turn, and the subjects whose unit and values are
   stored (known.h) and the kept reports met lately (reports.h), kept
   across turns. */
typedef struct {
    statistics_tally_t *tally;     /* figures.h */
    statistics_notices_t *notices; /* notices.h */
    statistics_known_t *known;     /* known.h */
    statistics_reports_t *reports; /* reports.h */
} statistics_turn_t;

/* The dimensions statistics kept of report_id, into kept->report (all
   NULL when unknown, *found false): from the reports met lately
   (reports.h), else read and kept. Nothing to free. */
int statistics_count_report (bs_service_t *service, MDB_txn *txn, uint64_t report_id,
                             statistics_report_t *kept, bool *found);

/* record (of schema) for the feed: held with the turn's notices, on
   statistics' own log, where a reader resumes from, when the turn's
   counts are written, and on the PUB feed once the turn commits. */
int statistics_count_feed (bs_service_t *service, const bs_schema_t *schema, const void *record,
                           uint64_t at);

/* Make count for event (the feed names its source and sequence); when it
   is about a report not received yet (waiting_for, 0: none), keep it
   waiting for the report. */
int statistics_count_make (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                           const statistics_count_t *count, uint64_t waiting_for);

/* Count measure by delta at `at` for unit (a report's dimensions from
   kept, when known; kept may be NULL), under every basis: received dates
   it at received_at. waiting_for: the report it is about when not
   received yet (0: none). Nothing for STATISTICS_NONE or no unit. */
int statistics_count_simple (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
                             const char *unit, const bs_stats_report_t *kept,
                             statistics_measure_t measure, int64_t delta, uint64_t at,
                             uint64_t received_at, uint64_t waiting_for);

/* *first: whether key was not seen before; it is remembered now. */
int statistics_count_once (bs_service_t *service, MDB_txn *txn, const char *key, bool *first);

/* The time from receipt to decision, 0 when the decision is not later. */
uint64_t statistics_count_waited (uint64_t received_at, uint64_t decided_at);

/* The counts that waited for report_id, made again now that it came with
   kept's dimensions (and its date of receipt where that stood in). */
int statistics_count_recount (bs_service_t *service, MDB_txn *txn, const bs_stats_report_t *kept,
                              uint64_t report_id);

#endif
