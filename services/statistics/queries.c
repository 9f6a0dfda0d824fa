/*  queries: figures and rankings; see queries.h. */
#include "queries.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bs_store.h"
#include "figures.h"
#include "units.h"

/* What a query asks, checked. */
typedef struct {
    statistics_period_t period;
    statistics_basis_t basis;
    statistics_dimension_t dimension;
    const char *unit; /* NULL for all */
    const char *tier; /* NULL for all */
    bool rollup;
} s_ask_t;

static int
s_check (const char *period, const char *basis, const char *dimension, const char *tier,
         bool rollup, s_ask_t *ask, bs_error_t *error)
{
    if (statistics_period_parse (period, &ask->period) != 0)
        return bs_error_set (error, BS_E_INVALID, "period",
                             "period is a month (2026-11), a quarter (2026-Q1), a half year "
                             "(2026-H1), a year (2026), a day (2026-11-03), a range of days "
                             "(2026-03-15..2026-05-10) or empty for all, not '%s'",
                             period);
    int b = statistics_basis_named (basis);
    if (b < 0)
        return bs_error_set (error, BS_E_INVALID, "basis",
                             "basis is published, decided or received, not '%s'", basis);
    /* Authors are an author's within a unit: statistics.authors lists
       them, not a row per unit and author. */
    int d = statistics_dimension_named (dimension);
    if (d < 0 || d == STATISTICS_DIMENSION_AUTHOR)
        return bs_error_set (error, BS_E_INVALID, "dimension",
                             "dimension is channel, kind, topic, periodical or empty, not '%s' "
                             "(authors: statistics.authors)",
                             dimension);
    if (tier && *tier && !statistics_tier_known (tier))
        return bs_error_set (error, BS_E_INVALID, "tier",
                             "tier is province, city, county, township, section or key_unit, "
                             "not '%s'",
                             tier);
    ask->basis = (statistics_basis_t) b;
    ask->dimension = (statistics_dimension_t) d;
    ask->tier = tier && *tier ? tier : NULL;
    ask->rollup = rollup;
    return BS_OK;
}

/* Every unit's counters of one slice over the period, rolled up when
   asked. counters has set->count entries, zeroed by the caller. */
static int
s_compute (MDB_txn *txn, const statistics_dbs_t *dbs, const statistics_units_t *set,
           const s_ask_t *ask, const char *value, statistics_counters_t *counters)
{
    MDB_cursor *cursor = NULL;
    int rc = mdb_cursor_open (txn, dbs->figures, &cursor);
    for (size_t i = 0; rc == 0 && i < set->count; i++) {
        const statistics_unit_t *unit = &set->units[i];
        /* Rolled up, every unit counts for those above it. */
        bool needed = ask->rollup
                      || ((!ask->unit || strcmp (unit->name, ask->unit) == 0)
                          && (!ask->tier || strcmp (unit->tier, ask->tier) == 0));
        if (needed)
            rc = statistics_figures_sum (cursor, ask->basis, ask->dimension, value, unit->name,
                                         &ask->period, &counters[i]);
    }
    if (cursor)
        mdb_cursor_close (cursor);
    if (rc)
        return bs_store_error (rc, "sum figures");
    /* Tree order puts every unit after its parent: adding from the end
       carries each subtree up in one pass. */
    for (size_t i = set->count; ask->rollup && i-- > 0;)
        if (set->units[i].up != SIZE_MAX)
            for (size_t s = 0; s < STATISTICS_SLOTS; s++)
                counters[set->units[i].up].slot[s] += counters[i].slot[s];
    return BS_OK;
}

/* Whether unit i shows in the answer. */
static bool
s_shown (const statistics_units_t *set, size_t i, const s_ask_t *ask,
         const statistics_counters_t *counters)
{
    const statistics_unit_t *unit = &set->units[i];
    if (ask->unit && strcmp (unit->name, ask->unit) != 0)
        return false;
    if (ask->tier && strcmp (unit->tier, ask->tier) != 0)
        return false;
    return !unit->disabled || !statistics_counters_zero (counters);
}

static int
s_units (MDB_txn *txn, const statistics_dbs_t *dbs, const s_ask_t *ask, statistics_units_t *set,
         statistics_counters_t **counters, bs_error_t *error)
{
    int rc = statistics_units_load (txn, dbs->units, set);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "cannot read the units");
    if (ask->unit && statistics_units_find (set, ask->unit) == SIZE_MAX) {
        statistics_units_clear (set);
        return bs_error_set (error, BS_E_NOT_FOUND, "unit", "unknown unit '%s'", ask->unit);
    }
    *counters = calloc (set->count + 1, sizeof **counters);
    if (!*counters) {
        statistics_units_clear (set);
        return bs_error_set (error, BS_E_SYSTEM, "", "out of memory");
    }
    return BS_OK;
}

/* The rows of one slice (value) appended to rows. */
static int
s_rows (const statistics_units_t *set, const s_ask_t *ask, const char *period_text,
        const char *value, const statistics_counters_t *counters, bs_stats_row_t **rows,
        size_t *count, size_t *capacity)
{
    for (size_t i = 0; i < set->count; i++) {
        if (!s_shown (set, i, ask, &counters[i]))
            continue;
        if (*count == *capacity) {
            size_t grown = *capacity ? 2 * *capacity : 64;
            bs_stats_row_t *more = realloc (*rows, grown * sizeof *more);
            if (!more)
                return BS_E_SYSTEM;
            *rows = more;
            *capacity = grown;
        }
        const statistics_unit_t *unit = &set->units[i];
        bs_stats_row_t *row = &(*rows)[(*count)++];
        *row = (bs_stats_row_t){
            .unit = strdup (unit->name),
            .period = strdup (period_text && *period_text ? period_text : "all"),
            .basis = strdup (statistics_basis_name (ask->basis)),
            .tier = strdup (unit->tier),
            .parent = strdup (unit->parent),
            .dimension = strdup (statistics_dimension_name (ask->dimension)),
            .value = strdup (value),
            .rolled_up = ask->rollup,
        };
        statistics_counters_to_row (&counters[i], row);
        if (!row->unit || !row->period || !row->basis || !row->tier || !row->parent
            || !row->dimension || !row->value)
            return BS_E_SYSTEM;
    }
    return BS_OK;
}

typedef struct {
    MDB_txn *txn;
    const statistics_dbs_t *dbs;
    const statistics_units_t *set;
    const s_ask_t *ask;
    const char *period_text;
    statistics_counters_t *counters;
    bs_stats_row_t *rows;
    size_t count, capacity;
} s_slices_t;

static int
s_slice (const char *value, void *argument)
{
    s_slices_t *slices = argument;
    memset (slices->counters, 0, slices->set->count * sizeof *slices->counters);
    int rc =
        s_compute (slices->txn, slices->dbs, slices->set, slices->ask, value, slices->counters);
    if (rc == BS_OK)
        rc = s_rows (slices->set, slices->ask, slices->period_text, value, slices->counters,
                     &slices->rows, &slices->count, &slices->capacity);
    return rc;
}

int
statistics_query (MDB_txn *txn, const statistics_dbs_t *dbs, const bs_stats_request_t *query,
                  bs_stats_page_t *page, bs_error_t *error)
{
    memset (page, 0, sizeof *page);
    s_ask_t ask = {.unit = query->unit && *query->unit ? query->unit : NULL};
    int rc = s_check (query->period, query->basis, query->dimension, query->tier, query->rollup,
                      &ask, error);
    statistics_units_t set;
    s_slices_t slices = {txn, dbs, &set, &ask, query->period, NULL, NULL, 0, 0};
    if (rc == BS_OK)
        rc = s_units (txn, dbs, &ask, &set, &slices.counters, error);
    if (rc != BS_OK)
        return rc;
    if (ask.dimension == STATISTICS_DIMENSION_TOTAL)
        rc = s_slice ("", &slices);
    else {
        rc = statistics_figures_values (txn, dbs->values, ask.dimension, NULL, s_slice, &slices);
        if (rc > 0)
            rc = bs_store_error (rc, "list values");
    }
    page->rows.items = slices.rows;
    page->rows.count = slices.count;
    page->basis = strdup (statistics_basis_name (ask.basis));
    free (slices.counters);
    statistics_units_clear (&set);
    if (rc == BS_OK && !page->basis)
        rc = BS_E_SYSTEM;
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_stats_page_schema, page);
        return bs_error_set (error, rc, "", "cannot sum the figures");
    }
    return BS_OK;
}

int
statistics_unit_totals (MDB_txn *txn, const statistics_dbs_t *dbs,
                        const statistics_selection_t *selection, statistics_units_t *set,
                        statistics_counters_t **counters, bool **shown, bs_error_t *error)
{
    s_ask_t ask = {.unit = selection->unit && *selection->unit ? selection->unit : NULL};
    *counters = NULL;
    *shown = NULL;
    int rc = s_check (selection->period, selection->basis, "", selection->tier, selection->rollup,
                      &ask, error);
    if (rc == BS_OK)
        rc = s_units (txn, dbs, &ask, set, counters, error);
    if (rc != BS_OK)
        return rc;
    rc = s_compute (txn, dbs, set, &ask, "", *counters);
    *shown = calloc (set->count + 1, sizeof **shown);
    for (size_t i = 0; rc == BS_OK && *shown && i < set->count; i++)
        (*shown)[i] = s_shown (set, i, &ask, &(*counters)[i]);
    if (rc == BS_OK && !*shown)
        rc = BS_E_SYSTEM;
    if (rc != BS_OK) {
        free (*counters);
        free (*shown);
        *counters = NULL;
        *shown = NULL;
        statistics_units_clear (set);
        return bs_error_set (error, rc, "", "cannot sum the figures");
    }
    return BS_OK;
}

static int
s_compare_rank (const void *left, const void *right)
{
    const bs_rank_row_t *a = left, *b = right;
    int tier_a = statistics_tier_order (a->tier), tier_b = statistics_tier_order (b->tier);
    if (tier_a != tier_b)
        return tier_a - tier_b;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return strcmp (a->unit, b->unit);
}

void
statistics_rank (bs_rank_row_t *rows, size_t count)
{
    qsort (rows, count, sizeof *rows, s_compare_rank);
    size_t tier_start = 0;
    for (size_t i = 0; i < count; i++) {
        if (i > 0
            && statistics_tier_order (rows[i].tier) != statistics_tier_order (rows[i - 1].tier))
            tier_start = i;
        bool tied = i > tier_start && rows[i].value == rows[i - 1].value;
        rows[i].rank = tied ? rows[i - 1].rank : i - tier_start + 1;
    }
}

int
statistics_ranking (MDB_txn *txn, const statistics_dbs_t *dbs, const bs_ranking_request_t *query,
                    bs_ranking_page_t *page, bs_error_t *error)
{
    memset (page, 0, sizeof *page);
    const char *by = query->by && *query->by ? query->by : "adopted";
    statistics_measure_t measure = statistics_measure_named (by);
    if (measure == STATISTICS_NONE)
        return bs_error_set (error, BS_E_INVALID, "by",
                             "rank by a figure of statistics.row (adopted, submitted, published, "
                             "adopted_province, ...), not '%s'",
                             by);
    s_ask_t ask = {0};
    int rc = s_check (query->period, query->basis, "", query->tier, query->rollup, &ask, error);
    statistics_units_t set;
    statistics_counters_t *counters = NULL;
    if (rc == BS_OK)
        rc = s_units (txn, dbs, &ask, &set, &counters, error);
    if (rc != BS_OK)
        return rc;
    rc = s_compute (txn, dbs, &set, &ask, "", counters);
    bs_rank_row_t *rows = calloc (set.count + 1, sizeof *rows);
    size_t count = 0;
    if (rc == BS_OK && !rows)
        rc = BS_E_SYSTEM;
    for (size_t i = 0; rc == BS_OK && i < set.count; i++) {
        if (!s_shown (&set, i, &ask, &counters[i]))
            continue;
        const uint64_t *slot = counters[i].slot;
        rows[count] = (bs_rank_row_t){
            .unit = strdup (set.units[i].name),
            .tier = strdup (set.units[i].tier),
            .value = slot[measure],
            .submitted = slot[STATISTICS_SUBMITTED],
            .adopted = slot[STATISTICS_ADOPTED],
            .published = slot[STATISTICS_PUBLISHED],
        };
        if (!rows[count].unit || !rows[count].tier)
            rc = BS_E_SYSTEM;
        count++;
    }
    if (rc == BS_OK)
        statistics_rank (rows, count);
    page->rows.items = rows;
    page->rows.count = count;
    page->period = strdup (query->period && *query->period ? query->period : "all");
    page->by = strdup (by);
    page->basis = strdup (statistics_basis_name (ask.basis));
    free (counters);
    statistics_units_clear (&set);
    if (rc == BS_OK && (!page->period || !page->by || !page->basis))
        rc = BS_E_SYSTEM;
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_ranking_page_schema, page);
        return bs_error_set (error, rc, "", "cannot rank the units");
    }
    return BS_OK;
}
