/*  statistics: counts, rankings and the live feed; see statistics.h. */
#include "statistics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"

const char *const statistics_databases[] = {"months", NULL};

#define S_KEY_MAX (BS_UNIT_MAX + 16)

typedef enum { S_SUBMITTED, S_ADOPTED, S_RETURNED, S_DECLINED, S_PUBLISHED } s_measure_t;

static int
s_count (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const char *unit,
         uint64_t at, s_measure_t measure)
{
    char month[16], key[S_KEY_MAX];
    bs_clock_month (at, month, sizeof month);
    snprintf (key, sizeof key, "%s\x1f%s", unit, month);
    MDB_dbi months = bs_service_dbi (service, "months");
    bs_stats_row_t row;
    int rc = bs_store_get_record_by_name (txn, months, key, &bs_stats_row_schema, &row);
    if (rc == BS_E_NOT_FOUND) {
        memset (&row, 0, sizeof row);
        row.unit = strdup (unit);
        row.period = strdup (month);
        if (!row.unit || !row.period) {
            bs_codec_record_free (&bs_stats_row_schema, &row);
            return BS_E_SYSTEM;
        }
    } else if (rc != BS_OK)
        return rc;
    uint64_t *counters[] = {&row.submitted, &row.adopted, &row.returned, &row.declined,
                            &row.published};
    (*counters[measure])++;
    rc = bs_store_put_record_by_name (txn, months, key, &bs_stats_row_schema, &row);
    if (rc == BS_OK) {
        bs_stats_changed_t change = {
            .unit = row.unit,
            .period = row.period,
            .submitted = row.submitted,
            .adopted = row.adopted,
            .returned = row.returned,
            .declined = row.declined,
            .published = row.published,
            .source = (char *) (event->src[0] ? event->src : "unknown"),
            .seq = event->seq,
            .event_at = at,
        };
        rc = bs_service_publish (service, &bs_stats_changed_schema, &change);
    }
    bs_codec_record_free (&bs_stats_row_schema, &row);
    return rc;
}

static int
s_on_received (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_report_schema)
        return BS_OK;
    const bs_report_t *report = event->data;
    return s_count (service, txn, event, report->unit, report->received_at, S_SUBMITTED);
}

static int
s_on_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_decision_schema)
        return BS_OK;
    const bs_decision_t *decision = event->data;
    s_measure_t measure;
    if (strcmp (decision->decision, "adopt") == 0)
        measure = S_ADOPTED;
    else if (strcmp (decision->decision, "return") == 0)
        measure = S_RETURNED;
    else if (strcmp (decision->decision, "decline") == 0)
        measure = S_DECLINED;
    else
        return BS_OK; /* a decision kind this version does not count */
    return s_count (service, txn, event, decision->unit, decision->decided_at, measure);
}

static int
s_on_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_issue_published_schema)
        return BS_OK;
    const bs_issue_published_t *issue = event->data;
    const bs_issue_item_t *items = issue->items.items;
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++)
        rc = s_count (service, txn, event, items[i].unit, issue->published_at, S_PUBLISHED);
    return rc;
}

bool
statistics_period_contains (const char *period, const char *month)
{
    if (!period || !*period || strcmp (period, "all") == 0)
        return true;
    size_t length = strlen (period);
    return strncmp (period, month, length) == 0 && (month[length] == 0 || month[length] == '-');
}

static bool
s_period_valid (const char *period)
{
    if (!period || !*period || strcmp (period, "all") == 0)
        return true;
    size_t length = strlen (period);
    if (length != 4 && length != 7)
        return false;
    for (size_t i = 0; i < length; i++)
        if (i == 4 ? period[i] != '-' : (period[i] < '0' || period[i] > '9'))
            return false;
    return length == 4 || (period[5] == '0' && period[6] >= '1')
           || (period[5] == '1' && period[6] <= '2');
}

/* Sum the months of period per unit (every unit known, zero rows included),
   in unit order. rows is malloc'd; the caller frees with the page. */
static int
s_aggregate (MDB_txn *txn, MDB_dbi months, const char *period, const char *unit,
             bs_stats_row_t **rows_p, size_t *count_p)
{
    size_t count = 0, capacity = 16;
    bs_stats_row_t *rows = calloc (capacity, sizeof *rows);
    MDB_cursor *cursor;
    int rc = rows ? mdb_cursor_open (txn, months, &cursor) : ENOMEM;
    if (rc) {
        free (rows);
        return rc == ENOMEM ? BS_E_SYSTEM : bs_store_error (rc, "walk months");
    }
    MDB_val key, value;
    int found = mdb_cursor_get (cursor, &key, &value, MDB_FIRST);
    rc = BS_OK;
    while (found == 0 && rc == BS_OK) {
        bs_stats_row_t month;
        rc = bs_codec_decode_record (value.mv_data, value.mv_size, &bs_stats_row_schema,
                                     &bs_codec_default_limits, &month, NULL);
        if (rc != BS_OK)
            break;
        if (!unit || !*unit || strcmp (unit, month.unit) == 0) {
            if (count == 0 || strcmp (rows[count - 1].unit, month.unit) != 0) {
                if (count == capacity) {
                    bs_stats_row_t *grown = realloc (rows, 2 * capacity * sizeof *rows);
                    if (!grown) {
                        bs_codec_record_free (&bs_stats_row_schema, &month);
                        rc = BS_E_SYSTEM;
                        break;
                    }
                    rows = grown;
                    capacity *= 2;
                }
                rows[count] =
                    (bs_stats_row_t){.unit = strdup (month.unit),
                                     .period = strdup (period && *period ? period : "all")};
                count++;
            }
            bs_stats_row_t *total = &rows[count - 1];
            if (statistics_period_contains (period, month.period)) {
                total->submitted += month.submitted;
                total->adopted += month.adopted;
                total->returned += month.returned;
                total->declined += month.declined;
                total->published += month.published;
            }
        }
        bs_codec_record_free (&bs_stats_row_schema, &month);
        found = mdb_cursor_get (cursor, &key, &value, MDB_NEXT);
    }
    mdb_cursor_close (cursor);
    *rows_p = rows;
    *count_p = count;
    return rc;
}

static int
s_query (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_stats_request_t *query = request->message->data;
    if (!s_period_valid (query->period))
        return bs_request_fail (request, BS_E_INVALID, "period",
                                "period is a month (2026-11), a year (2026) or empty for all, "
                                "not '%s'",
                                query->period);
    bs_stats_page_t page = {0};
    bs_stats_row_t *rows;
    int rc = s_aggregate (request->txn, bs_service_dbi (request->service, "months"), query->period,
                          query->unit, &rows, &page.rows.count);
    page.rows.items = rows;
    if (rc == BS_OK)
        rc = bs_request_reply (request, &bs_stats_page_schema, &page);
    bs_codec_record_free (&bs_stats_page_schema, &page);
    return rc;
}

static int
s_compare_rank (const void *left, const void *right)
{
    const bs_rank_row_t *a = left, *b = right;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return strcmp (a->unit, b->unit);
}

void
statistics_rank (bs_rank_row_t *rows, size_t count)
{
    qsort (rows, count, sizeof *rows, s_compare_rank);
    for (size_t i = 0; i < count; i++)
        rows[i].rank = (i > 0 && rows[i].value == rows[i - 1].value) ? rows[i - 1].rank : i + 1;
}

static int
s_ranking (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_ranking_request_t *query = request->message->data;
    const char *by = query->by && *query->by ? query->by : "adopted";
    if (strcmp (by, "adopted") != 0 && strcmp (by, "submitted") != 0
        && strcmp (by, "published") != 0)
        return bs_request_fail (request, BS_E_INVALID, "by",
                                "rank by adopted, submitted or published, not '%s'", by);
    if (!s_period_valid (query->period))
        return bs_request_fail (request, BS_E_INVALID, "period",
                                "period is a month (2026-11), a year (2026) or empty for all, "
                                "not '%s'",
                                query->period);
    bs_stats_row_t *totals;
    size_t count;
    int rc = s_aggregate (request->txn, bs_service_dbi (request->service, "months"), query->period,
                          NULL, &totals, &count);
    bs_rank_row_t *rows = calloc (count + 1, sizeof *rows);
    if (rc == BS_OK && !rows)
        rc = BS_E_SYSTEM;
    for (size_t i = 0; rc == BS_OK && i < count; i++) {
        rows[i] = (bs_rank_row_t){
            .unit = totals[i].unit,
            .submitted = totals[i].submitted,
            .adopted = totals[i].adopted,
            .published = totals[i].published,
        };
        totals[i].unit = NULL; /* now the rank row's */
        rows[i].value = strcmp (by, "adopted") == 0     ? rows[i].adopted
                        : strcmp (by, "submitted") == 0 ? rows[i].submitted
                                                        : rows[i].published;
    }
    bs_stats_page_t totals_page = {.rows = {count, totals}};
    bs_codec_record_free (&bs_stats_page_schema, &totals_page);
    bs_ranking_page_t page = {
        .period = (char *) (query->period && *query->period ? query->period : "all"),
        .by = (char *) by,
        .rows = {rc == BS_OK ? count : 0, rows}};
    if (rc == BS_OK) {
        statistics_rank (rows, count);
        rc = bs_request_reply (request, &bs_ranking_page_schema, &page);
    }
    for (size_t i = 0; i < page.rows.count; i++)
        free (rows[i].unit);
    free (rows);
    return rc;
}

int
statistics_setup (bs_service_t *service)
{
    int rc = bs_service_feed (service);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "intake", s_on_received, NULL);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "review", s_on_decided, NULL);
    if (rc == BS_OK)
        rc = bs_service_consume (service, "publication", s_on_published, NULL);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_stats_request_schema, s_query, NULL, false);
    if (rc == BS_OK)
        rc = bs_service_on (service, &bs_ranking_request_schema, s_ranking, NULL, false);
    return rc;
}
