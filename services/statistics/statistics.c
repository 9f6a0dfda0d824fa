/*  statistics: counts, rankings and the live feed; see statistics.h. */
#include "statistics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_clock.h"
#include "bs_store.h"

const char *const statistics_databases[] = {"months", "syntheses", NULL};

#define S_KEY_MAX (BS_UNIT_MAX + 16)

typedef enum {
    S_SUBMITTED,
    S_ADOPTED,
    S_RETURNED,
    S_DECLINED,
    S_PUBLISHED,
    S_FORWARDED,
    S_REVERTED,
    S_ESCALATED,
    S_NONE
} s_measure_t;

/* Take one away, never below zero. */
static void
s_less (uint64_t *counter, uint64_t amount)
{
    *counter = *counter > amount ? *counter - amount : 0;
}

/* Add delta (+1, or -1 for a reverted decision) to a unit's month; a
   decision also adds (or takes away) waited_ms, its time from receipt. */
static int
s_count (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, const char *unit,
         uint64_t at, s_measure_t measure, int delta, uint64_t waited_ms)
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
    uint64_t *counters[] = {&row.submitted, &row.adopted,   &row.returned, &row.declined,
                            &row.published, &row.forwarded, &row.reverted, &row.escalated};
    bool decision = measure == S_ADOPTED || measure == S_RETURNED || measure == S_DECLINED
                    || measure == S_FORWARDED;
    if (delta > 0) {
        (*counters[measure])++;
        row.decided += decision;
        row.decision_ms += decision ? waited_ms : 0;
    } else {
        s_less (counters[measure], 1);
        s_less (&row.decided, decision);
        s_less (&row.decision_ms, decision ? waited_ms : 0);
    }
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
            .forwarded = row.forwarded,
            .reverted = row.reverted,
            .escalated = row.escalated,
            .source = (char *) (event->src[0] ? event->src : "unknown"),
            .seq = event->seq,
            .event_at = at,
        };
        rc = bs_service_publish (service, &bs_stats_changed_schema, &change);
    }
    bs_codec_record_free (&bs_stats_row_schema, &row);
    return rc;
}

/* Only a report's first version is a submission: a revised version sent
   again after a return is the same report. */
static int
s_on_received (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_report_schema)
        return BS_OK;
    const bs_report_t *report = event->data;
    if (report->version > 1)
        return BS_OK;
    return s_count (service, txn, event, report->unit, report->received_at, S_SUBMITTED, 1, 0);
}

static s_measure_t
s_measure (const char *decision)
{
    static const char *const words[] = {"adopt", "return", "decline", "forward"};
    static const s_measure_t measures[] = {S_ADOPTED, S_RETURNED, S_DECLINED, S_FORWARDED};
    for (size_t i = 0; decision && i < 4; i++)
        if (strcmp (decision, words[i]) == 0)
            return measures[i];
    return S_NONE;
}

static uint64_t
s_waited (uint64_t received_at, uint64_t decided_at)
{
    return decided_at > received_at ? decided_at - received_at : 0;
}

/* Count measure for the units a decision (taken at `at`) credits: each
   source of a synthesis (waiting since its own receipt), or the reporting
   unit. */
static int
s_credit (bs_service_t *service, MDB_txn *txn, const bs_message_t *event,
          const bs_decision_t *decision, uint64_t at, s_measure_t measure, int delta)
{
    const bs_source_t *sources = decision->sources.items;
    if (decision->sources.count == 0)
        return s_count (service, txn, event, decision->unit, at, measure, delta,
                        s_waited (decision->received_at, at));
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < decision->sources.count; i++)
        rc = s_count (service, txn, event, sources[i].unit, at, measure, delta,
                      s_waited (sources[i].received_at, at));
    return rc;
}

/* A synthesis's decision is kept while it is adopted, so that its
   publication credits its source units too. */
static int
s_synthesis_keep (MDB_txn *txn, MDB_dbi syntheses, const bs_decision_t *decision, bool keep)
{
    if (decision->sources.count == 0)
        return BS_OK;
    if (keep)
        return bs_store_put_record (txn, syntheses, decision->report_id, &bs_decision_schema,
                                    decision);
    unsigned char key_bytes[8];
    bs_store_key (decision->report_id, key_bytes);
    MDB_val key = {8, key_bytes};
    int rc = mdb_del (txn, syntheses, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? bs_store_error (rc, "forget a synthesis") : BS_OK;
}

/* review.decided counts the decision in the month it was taken. A revert
   takes the reverted decision out of the month it was counted in
   (previous_at) and counts a revert in its own month. review.escalated
   counts an escalation and goes out on the feed as a notice for leaders. */
static int
s_on_decided (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema == &bs_escalated_schema) {
        const bs_escalated_t *escalated = event->data;
        int rc = s_count (service, txn, event, escalated->unit, escalated->escalated_at,
                          S_ESCALATED, 1, 0);
        return rc == BS_OK ? bs_service_publish (service, &bs_escalated_schema, escalated) : rc;
    }
    if (event->schema != &bs_decision_schema)
        return BS_OK;
    const bs_decision_t *decision = event->data;
    MDB_dbi syntheses = bs_service_dbi (service, "syntheses");
    if (strcmp (decision->decision, "revert") == 0) {
        s_measure_t reverted = s_measure (decision->reverts);
        int rc = BS_OK;
        if (reverted != S_NONE)
            rc = s_credit (service, txn, event, decision, decision->previous_at, reverted, -1);
        if (rc == BS_OK)
            rc = s_credit (service, txn, event, decision, decision->decided_at, S_REVERTED, 1);
        return rc == BS_OK ? s_synthesis_keep (txn, syntheses, decision, false) : rc;
    }
    s_measure_t measure = s_measure (decision->decision);
    if (measure == S_NONE)
        return BS_OK; /* a decision kind this version does not count */
    int rc = s_credit (service, txn, event, decision, decision->decided_at, measure, 1);
    if (rc == BS_OK && measure == S_ADOPTED)
        rc = s_synthesis_keep (txn, syntheses, decision, true);
    return rc;
}

/* Published items count for their unit, or for each source unit of a
   synthesis. */
static int
s_on_published (bs_service_t *service, MDB_txn *txn, const bs_message_t *event, void *argument)
{
    (void) argument;
    if (event->schema != &bs_issue_published_schema)
        return BS_OK;
    const bs_issue_published_t *issue = event->data;
    const bs_issue_item_t *items = issue->items.items;
    MDB_dbi syntheses = bs_service_dbi (service, "syntheses");
    int rc = BS_OK;
    for (size_t i = 0; rc == BS_OK && i < issue->items.count; i++) {
        bs_decision_t synthesis;
        rc = bs_store_get_record (txn, syntheses, items[i].report_id, &bs_decision_schema,
                                  &synthesis);
        if (rc == BS_E_NOT_FOUND) {
            rc = s_count (service, txn, event, items[i].unit, issue->published_at, S_PUBLISHED, 1,
                          0);
            continue;
        }
        if (rc == BS_OK) {
            rc = s_credit (service, txn, event, &synthesis, issue->published_at, S_PUBLISHED, 1);
            bs_codec_record_free (&bs_decision_schema, &synthesis);
        }
    }
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
                total->forwarded += month.forwarded;
                total->reverted += month.reverted;
                total->escalated += month.escalated;
                total->decided += month.decided;
                total->decision_ms += month.decision_ms;
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
