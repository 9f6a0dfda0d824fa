/*  authors: figures, points and rankings per author; see authors.h. */
#include "authors.h"

#include <stdlib.h>
#include <string.h>

#include "bs_codec.h"
#include "bs_store.h"
#include "figures.h"
#include "scores.h"

/* What ranks the authors: a figure, or points or reward. */
typedef struct {
    const char *name;
    statistics_measure_t measure; /* STATISTICS_NONE: points or reward */
    bool reward;
} s_by_t;

/* The answer being built, one author at a time. */
typedef struct {
    MDB_cursor *cursor;
    const statistics_rules_t *rules;
    const statistics_units_t *set;
    statistics_basis_t basis;
    statistics_period_t period;
    s_by_t by;
    bs_author_row_t *rows;
    size_t count, capacity;
} s_build_t;

static int
s_by (const char *text, s_by_t *by, bs_error_t *error)
{
    by->name = text && *text ? text : "points";
    by->reward = strcmp (by->name, "reward") == 0;
    by->measure = statistics_measure_named (by->name);
    if (by->reward || strcmp (by->name, "points") == 0 || by->measure != STATISTICS_NONE)
        return BS_OK;
    return bs_error_set (error, BS_E_INVALID, "by",
                         "rank authors by points, reward or a figure of statistics.row "
                         "(adopted, submitted, published, ...), not '%s'",
                         by->name);
}

static void
s_fill (bs_author_row_t *row, const statistics_counters_t *sum, const statistics_rules_t *rules,
        const s_by_t *by)
{
    const uint64_t *c = sum->slot;
    statistics_points_of (rules, sum, &row->points, &row->reward, NULL);
    row->submitted = c[STATISTICS_SUBMITTED];
    row->adopted = c[STATISTICS_ADOPTED];
    row->published = c[STATISTICS_PUBLISHED];
    row->adopted_county = c[STATISTICS_ADOPTED_COUNTY];
    row->adopted_city = c[STATISTICS_ADOPTED_CITY];
    row->adopted_province = c[STATISTICS_ADOPTED_PROVINCE];
    row->adopted_central = c[STATISTICS_ADOPTED_CENTRAL];
    row->instructed = c[STATISTICS_INSTRUCTED_COUNTY] + c[STATISTICS_INSTRUCTED_CITY]
                      + c[STATISTICS_INSTRUCTED_PROVINCE] + c[STATISTICS_INSTRUCTED_CENTRAL];
    row->synthesis_adopted = c[STATISTICS_SYNTHESIS_ADOPTED];
    if (by->measure != STATISTICS_NONE)
        row->value = c[by->measure];
    else
        row->value = by->reward ? row->reward : row->points;
}

/* One author of one unit ("<unit>\x1f<author>"), kept when it has a
   figure in the period. */
static int
s_author (const char *pair, void *argument)
{
    s_build_t *build = argument;
    const char *separator = strchr (pair, '\x1f');
    if (!separator || separator == pair || (size_t) (separator - pair) > BS_UNIT_MAX)
        return BS_OK;
    char unit[BS_UNIT_MAX + 1];
    memcpy (unit, pair, (size_t) (separator - pair));
    unit[separator - pair] = 0;
    const char *author = separator + 1;
    statistics_counters_t sum = {0};
    int rc = statistics_figures_sum (build->cursor, build->basis, STATISTICS_DIMENSION_AUTHOR,
                                     author, unit, &build->period, &sum);
    if (rc)
        return bs_store_error (rc, "sum an author's figures");
    if (statistics_counters_zero (&sum))
        return BS_OK;
    if (build->count == build->capacity) {
        size_t grown = build->capacity ? 2 * build->capacity : 64;
        bs_author_row_t *more = realloc (build->rows, grown * sizeof *more);
        if (!more)
            return BS_E_SYSTEM;
        build->rows = more;
        build->capacity = grown;
    }
    size_t index = statistics_units_find (build->set, unit);
    bs_author_row_t *row = &build->rows[build->count++];
    *row = (bs_author_row_t){
        .author = strdup (author),
        .unit = strdup (unit),
        .tier = strdup (index != SIZE_MAX ? build->set->units[index].tier : ""),
    };
    s_fill (row, &sum, build->rules, &build->by);
    return row->author && row->unit && row->tier ? BS_OK : BS_E_SYSTEM;
}

/* Ranking order: highest value first, then unit, then author. */
static int
s_compare_overall (const void *left, const void *right)
{
    const bs_author_row_t *a = left, *b = right;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    int order = strcmp (a->unit, b->unit);
    return order ? order : strcmp (a->author, b->author);
}

/* Within a unit: unit, then highest value first, then author. */
static int
s_compare_in_unit (const void *left, const void *right)
{
    const bs_author_row_t *const *a = left, *const *b = right;
    int order = strcmp ((*a)->unit, (*b)->unit);
    if (order)
        return order;
    return s_compare_overall (*a, *b);
}

/* Competition ranks ("1224"): rank over every row, unit_rank within each
   unit; rows end in ranking order. */
static int
s_rank (bs_author_row_t *rows, size_t count)
{
    if (count == 0)
        return BS_OK;
    qsort (rows, count, sizeof *rows, s_compare_overall);
    for (size_t i = 0; i < count; i++)
        rows[i].rank = i > 0 && rows[i].value == rows[i - 1].value ? rows[i - 1].rank : i + 1;
    bs_author_row_t **by_unit = calloc (count + 1, sizeof *by_unit);
    if (!by_unit)
        return BS_E_SYSTEM;
    for (size_t i = 0; i < count; i++)
        by_unit[i] = &rows[i];
    qsort (by_unit, count, sizeof *by_unit, s_compare_in_unit);
    size_t unit_start = 0;
    for (size_t i = 0; i < count; i++) {
        bs_author_row_t *row = by_unit[i], *before = i ? by_unit[i - 1] : NULL;
        if (before && strcmp (row->unit, before->unit) != 0)
            unit_start = i;
        bool tied = i > unit_start && row->value == before->value;
        row->unit_rank = tied ? before->unit_rank : i - unit_start + 1;
    }
    free (by_unit);
    return BS_OK;
}

/* Check the query into build; load the unit tree. */
static int
s_check (MDB_txn *txn, const statistics_dbs_t *dbs, const bs_authors_request_t *query,
         s_build_t *build, statistics_units_t *set, bs_error_t *error)
{
    if (statistics_period_parse (query->period, &build->period) != 0)
        return bs_error_set (error, BS_E_INVALID, "period",
                             "period is a month (2026-11), a quarter (2026-Q1), a half year "
                             "(2026-H1), a year (2026), a day (2026-11-03), a range of days "
                             "(2026-03-15..2026-05-10) or empty for all, not '%s'",
                             query->period);
    int basis = statistics_basis_named (query->basis);
    if (basis < 0)
        return bs_error_set (error, BS_E_INVALID, "basis",
                             "basis is published, decided or received, not '%s'", query->basis);
    build->basis = (statistics_basis_t) basis;
    int rc = s_by (query->by, &build->by, error);
    if (rc != BS_OK)
        return rc;
    rc = statistics_units_load (txn, dbs->units, set);
    if (rc != BS_OK)
        return bs_error_set (error, rc, "", "cannot read the units");
    const char *unit = query->unit;
    if (unit && *unit && statistics_units_find (set, unit) == SIZE_MAX) {
        statistics_units_clear (set);
        return bs_error_set (error, BS_E_NOT_FOUND, "unit", "unknown unit '%s'", unit);
    }
    build->set = set;
    return BS_OK;
}

int
statistics_authors (MDB_txn *txn, const statistics_dbs_t *dbs, const statistics_rules_t *rules,
                    const bs_authors_request_t *query, bs_authors_page_t *page, bs_error_t *error)
{
    memset (page, 0, sizeof *page);
    s_build_t build = {.rules = rules};
    statistics_units_t set;
    int rc = s_check (txn, dbs, query, &build, &set, error);
    if (rc != BS_OK)
        return rc;
    int mdb = mdb_cursor_open (txn, dbs->figures, &build.cursor);
    rc = mdb ? bs_store_error (mdb, "read the figures") : BS_OK;
    if (rc == BS_OK) {
        rc = statistics_figures_values (txn, dbs->values, STATISTICS_DIMENSION_AUTHOR,
                                        query->unit, s_author, &build);
        if (rc < 0)
            rc = bs_store_error (rc, "list the authors");
    }
    if (build.cursor)
        mdb_cursor_close (build.cursor);
    if (rc == BS_OK)
        rc = s_rank (build.rows, build.count);
    statistics_units_clear (&set);
    page->rows = (bs_list_t){build.count, build.rows};
    page->period = strdup (query->period && *query->period ? query->period : "all");
    page->basis = strdup (statistics_basis_name (build.basis));
    page->by = strdup (build.by.name);
    page->rules_version = rules->version;
    page->rules_name = strdup (rules->name ? rules->name : "");
    if (rc == BS_OK && (!page->period || !page->basis || !page->by || !page->rules_name))
        rc = BS_E_SYSTEM;
    if (rc != BS_OK) {
        bs_codec_record_free (&bs_authors_page_schema, page);
        return bs_error_set (error, rc, "", "cannot sum the authors' figures");
    }
    return BS_OK;
}

int
statistics_authors_kept (MDB_txn *txn, const statistics_dbs_t *dbs, bs_store_t *kept,
                         const bs_authors_request_t *query, bs_authors_page_t *page,
                         bs_error_t *error)
{
    statistics_rules_t rules;
    int rc = statistics_rules_read (kept, query->rules_version, NULL, &rules, error);
    if (rc != BS_OK)
        return rc;
    rc = statistics_authors (txn, dbs, &rules, query, page, error);
    statistics_rules_clear (&rules);
    return rc;
}
