/*  reports: what statistics keeps of the reports it counted lately (a
    report's unit, channel, kind, topic, officer and receipt: `reports`,
    report id -> statistics.report), in memory across turns, so that the
    counts of a report's decision and publication find its dimensions
    without reading and decoding the record each time. That read was
    about a tenth of what statistics' writer spent counting a report's
    decision and publication (bench/README.md, issue 9).

    A report's record is put once, by its first version's count, and
    never changed; a put or a read in a run of a turn is pending under the
    transaction's id, as known.h keeps its subjects: at each forget
    (bs_service_hold's: every run of a turn, and each event of a turn run
    carefully) the pending entries are kept when the store's last
    committed transaction is theirs and dropped otherwise (their run did
    not commit: a record put there is not in the store). An entry pending
    under the transaction at hand is found (a decision counted in the turn
    that received its report). Entries are placed by report id in a table
    of S_ENTRIES, the latest in a place kept; a restart keeps nothing.

    Leaf file: counts.c and counting.c use it.
*/
#ifndef STATISTICS_REPORTS_H_INCLUDED
#define STATISTICS_REPORTS_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "bs_schemas.h"

/* A kept report's dimensions: report's strings point into bytes (or are
   NULL), so it is neither freed nor outlives the copy. */
#define STATISTICS_REPORT_BYTES (BS_UNIT_MAX + 32 + 32 + 2 * BS_NAME_MAX + 5)
typedef struct {
    bs_stats_report_t report;
    char bytes[STATISTICS_REPORT_BYTES];
} statistics_report_t;

typedef struct statistics_reports statistics_reports_t;

/* NULL when out of memory. */
statistics_reports_t *statistics_reports_new (void);
void statistics_reports_destroy (statistics_reports_t **self_p);

/* Keep report_id's record as put or read in txn (pending under it);
   false when it does not fit (nothing kept). */
bool statistics_reports_keep (statistics_reports_t *self, MDB_txn *txn, uint64_t report_id,
                              const bs_stats_report_t *report);

/* Whether report_id is kept (committed, or pending under txn); if so,
   its copy into *copy. */
bool statistics_reports_find (statistics_reports_t *self, MDB_txn *txn, uint64_t report_id,
                              statistics_report_t *copy);

/* The pending entries kept if their transaction committed, dropped if
   not (bs_service_hold's forget). */
void statistics_reports_forget (statistics_reports_t *self);

/* How many entries are kept, and how many of them pending (for tests). */
void statistics_reports_count (const statistics_reports_t *self, size_t *kept, size_t *pending);

#endif
