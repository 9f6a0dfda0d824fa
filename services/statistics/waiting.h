/*  waiting: counts made about a report statistics has not seen yet.

    Statistics follows three logs (intake, review, publication), each at
    its own pace: a rebuild from the logs, or a consumer that fell behind,
    can apply review's decision about a report, publication's issue or an
    adoption above before intake's report.received. The count is made at
    once for the unit, but the report's dimensions (channel, kind, topic,
    author) are not known yet, nor, for an event dated by itself, the date
    the report was received. So such a count is also kept here under the
    report's id; when the report comes, counting (counting.h) takes each
    waiting count back out exactly as it was made and makes it again as it
    would have been with the report known. The figures are then the same in
    whatever order the logs were applied: replay gives the live figures.

    The same store keeps, in database published_early, the items of an
    issue statistics saw before their adoption (counting.h).

    Database waiting: key report id (8 bytes, big-endian) and an index (4
    bytes, big-endian, in the order kept); value the count as this process
    stores it (native integers, then the unit and periodical as text).
*/
#ifndef STATISTICS_WAITING_H_INCLUDED
#define STATISTICS_WAITING_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>

#include "bs_schemas.h"
#include "figures.h"

/* What one event counts for one unit: the subject, the change, and the
   date under each basis (0: not counted under that basis). */
typedef struct {
    statistics_subject_t subject;
    statistics_change_t change;
    uint64_t at[STATISTICS_BASES];
    bool received_unknown; /* at[received] stands in for the report's receipt,
                              and change.waited_ms is measured from 0 */
} statistics_count_t;

/* Keep count (its unit and periodical; the other dimensions are the
   report's, unknown) until report_id is received. Returns BS_OK or an
   error code. */
int statistics_waiting_keep (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id,
                             const statistics_count_t *count);

/* A count taken back, with its own copies of its strings. */
typedef struct {
    statistics_count_t count; /* its unit and periodical point below */
    char unit[BS_UNIT_MAX + 1];
    char periodical[BS_NAME_MAX + 1];
} statistics_waiting_t;

/* Take every count kept for report_id, in the order kept, into *counts
   (*count of them; the caller frees *counts), and forget them. Returns
   BS_OK or an error code. */
int statistics_waiting_take (MDB_txn *txn, MDB_dbi waiting, uint64_t report_id,
                             statistics_waiting_t **counts, size_t *count);

#endif
