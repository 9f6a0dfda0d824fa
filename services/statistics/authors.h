/*  authors: figures, points and rewards per author (稿酬 per author), and
    the ranking of authors within their unit and overall.

    An author is the officer who wrote a report (report.officer). Counting
    (counting.h) counts every figure of a report for its author as for its
    unit, in the author slice of the figures (figures.h): rows of one
    author within one unit, summed for a period as a unit's are. An
    officer who wrote for two units has a row in each.

    For one author in one unit with c the figures of the period and r the
    rules, points and reward are scores.h's: sum of r.points[f] * c[f] and
    of r.rewards[f] * c[f], with the [synthesis] split. Parent credit,
    quotas, penalties and the assessment are a unit's and do not apply.

    An answer lists the authors with a figure in the period (an author seen
    only in other periods is left out), ranked (competition ranking, "1224")
    by `by` among every author of the answer (rank) and among the authors
    of the same unit (unit_rank); ties in ranking order by unit, then
    author. Like every query, it reads the maintained aggregates: its cost
    is the number of authors and the shape of the period, not the reports.
*/
#ifndef STATISTICS_AUTHORS_H_INCLUDED
#define STATISTICS_AUTHORS_H_INCLUDED

#include "queries.h"
#include "rules.h"

/* Answer statistics.authors with rules (the version the query asks, read
   by the caller). Fill page (freed with bs_codec_record_free). Returns
   BS_OK, or an error code with error naming the field at fault. */
int statistics_authors (MDB_txn *txn, const statistics_dbs_t *dbs, const statistics_rules_t *rules,
                        const bs_authors_request_t *query, bs_authors_page_t *page,
                        bs_error_t *error);

/* statistics_authors with the rules version query asks, read from the kept
   store (kept.h). */
int statistics_authors_kept (MDB_txn *txn, const statistics_dbs_t *dbs, bs_store_t *kept,
                             const bs_authors_request_t *query, bs_authors_page_t *page,
                             bs_error_t *error);

#endif
