/*  queries: figures and rankings read from the maintained aggregates.

    A query loads the unit tree, sums each unit's few bucket rows for the
    period (figures.h), adds every unit into its ancestors when rolled up,
    and lists the units in tree order; a ranking sorts them within their
    tiers. Nothing here reads an event: the cost depends on the number of
    units and the shape of the period, not on the number of reports.

    Every registered, enabled unit appears, with zeros when it has nothing;
    a disabled unit appears only when it has figures in the period.
*/
#ifndef STATISTICS_QUERIES_H_INCLUDED
#define STATISTICS_QUERIES_H_INCLUDED

#include <lmdb.h>
#include <stdbool.h>

#include "bs_error.h"
#include "bs_schemas.h"
#include "measures.h"
#include "units.h"

/* The databases a query reads. */
typedef struct {
    MDB_dbi figures, values, units;
} statistics_dbs_t;

/* Fill page (freed with bs_codec_record_free) for query. Returns BS_OK,
   or an error code with error naming the field at fault. */
int statistics_query (MDB_txn *txn, const statistics_dbs_t *dbs, const bs_stats_request_t *query,
                      bs_stats_page_t *page, bs_error_t *error);

int statistics_ranking (MDB_txn *txn, const statistics_dbs_t *dbs,
                        const bs_ranking_request_t *query, bs_ranking_page_t *page,
                        bs_error_t *error);

/* Which units' totals are asked, as in statistics.query (no dimension). */
typedef struct {
    const char *period, *basis, *unit, *tier;
    bool rollup;
} statistics_selection_t;

/* Every unit's totals for the selection: set (freed with
   statistics_units_clear), counters and shown (one each per unit of set,
   the caller's to free); shown[i] says whether unit i belongs in the
   answer (its unit and tier asked, enabled or with figures). Returns BS_OK
   or an error code with error naming the field at fault. */
int statistics_unit_totals (MDB_txn *txn, const statistics_dbs_t *dbs,
                            const statistics_selection_t *selection, statistics_units_t *set,
                            statistics_counters_t **counters, bool **shown, bs_error_t *error);

/* Competition ranking ("1224") within tiers: sort rows by tier (see
   statistics_tier_order), then value, highest first (ties by unit name),
   and give equal values of a tier the same rank. */
void statistics_rank (bs_rank_row_t *rows, size_t count);

#endif
